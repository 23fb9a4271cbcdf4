/*
 * tls_cipher: record protection for one direction of one connection.
 *
 * Built once per key change from the suite row and the derived keys; opens
 * (verifies and decrypts) records in sequence. The libcrypto contexts are
 * created once and reused for every record (no per-record allocation), and
 * across TLS 1.3 KeyUpdates (tls_cipher_rekey). Key material handed in is
 * copied into secure memory or the cipher context and wiped on free.
 *
 * SSL 3.0 to TLS 1.2 records open with tls_cipher_open; TLS 1.3 records,
 * whose real content type is inside the encryption, with tls_cipher_open13.
 */
#ifndef TLSIPS_TLS_CIPHER_H
#define TLSIPS_TLS_CIPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/tls_suite.h"

struct tls_cipher;

struct tls_cipher_keys {
	const uint8_t *mac_key; /* mac_len bytes (stream/CBC), else NULL */
	const uint8_t *key;     /* suite->key_len bytes */
	/* suite->iv_len bytes. CBC: the initial IV, used only by SSL 3.0/TLS 1.0;
	 * TLS 1.3: the 12-byte write_iv (RFC 8446 7.3). */
	const uint8_t *iv;
};

/*
 * version is the negotiated version; etm selects encrypt-then-MAC (RFC 7366,
 * CBC only). TLS_V_TLS13 goes with the five TLS 1.3 suites (0x1301-0x1305)
 * and no others; keys->key and keys->iv are then the write_key and write_iv
 * of one traffic secret (tls_hkdf_traffic_keys). Returns 0, TLSIPS_ENOMEM or
 * TLSIPS_ECRYPTO (suite and version do not go together, keys missing, or
 * cipher unavailable, e.g. legacy provider missing).
 */
int tls_cipher_new(const struct tls_suite *suite, uint16_t version, bool etm,
		   const struct tls_cipher_keys *keys, struct tls_cipher **out);

/*
 * Opens one record. type and rec_version are the record header's fields;
 * in/len is the fragment after the 5-byte header. The plaintext goes to out
 * (room for len bytes; out may equal in) and its length to *out_len.
 * Verifies padding and MAC or AEAD tag: TLSIPS_ECRYPTO if the record does
 * not authenticate, TLSIPS_EMALFORMED if its length cannot be valid. The
 * sequence number advances only on success. Not for TLS 1.3 ciphers
 * (TLSIPS_ECRYPTO).
 */
int tls_cipher_open(struct tls_cipher *c, uint8_t type, uint16_t rec_version, const uint8_t *in,
		    size_t len, uint8_t *out, size_t *out_len);

/*
 * Opens one TLS 1.3 record (RFC 8446 5.2). type and rec_version are the
 * record header's opaque_type and legacy_record_version; in/len is the
 * encrypted_record after the 5-byte header, tag included. The additional
 * data is the header rebuilt from type, rec_version and len. The content
 * goes to out (room for len bytes; out may equal in), its length to *out_len
 * and the inner content type to *out_type; the zero padding is removed.
 *
 * Returns 0; TLSIPS_ECRYPTO if the record does not authenticate (including a
 * record version other than the one sent), the cipher is not a TLS 1.3 one,
 * or a failed rekey left it without keys; TLSIPS_EMALFORMED if type is not 23,
 * len is over 2^14 + 256 or cannot hold a tag and a type byte, the inner
 * plaintext is over 2^14 + 1 bytes, or it authenticates but holds only zeros
 * (RFC 8446 5.4: unexpected_message; the connection cannot go on). The
 * sequence number advances only on success. The inner type is returned as
 * sent: which types may appear is the record layer's to decide. A record
 * sent in the clear (a compatibility ChangeCipherSpec, RFC 8446 D.4) is not
 * for this function.
 */
int tls_cipher_open13(struct tls_cipher *c, uint8_t type, uint16_t rec_version,
		      const uint8_t *in, size_t len, uint8_t *out, size_t *out_len,
		      uint8_t *out_type);

/*
 * KeyUpdate (RFC 8446 4.6.3, 7.2): replaces a TLS 1.3 cipher's key and IV
 * with keys->key and keys->iv (from the next traffic secret) and restarts the
 * sequence at 0, reusing the context. Returns 0, or TLSIPS_ECRYPTO if c is not
 * a TLS 1.3 cipher or a key is missing (c unchanged), or if libcrypto failed
 * (c then opens nothing until a later rekey succeeds).
 */
int tls_cipher_rekey(struct tls_cipher *c, const struct tls_cipher_keys *keys);

/* Records opened so far under the current key (the next sequence number). */
uint64_t tls_cipher_seq(const struct tls_cipher *c);

/* Wipes keys and frees; accepts NULL. */
void tls_cipher_free(struct tls_cipher *c);

/* Loads OpenSSL's default and legacy providers once; false if legacy is missing. */
bool tls_cipher_providers_load(void);

#endif
