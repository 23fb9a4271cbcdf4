/*
 * tls_cipher: record protection for one direction of one connection.
 *
 * Built once per key change from the suite row and the derived keys; opens
 * (verifies and decrypts) records in sequence. The libcrypto contexts are
 * created once and reused for every record (no per-record allocation).
 * Key material handed in is copied into secure memory and wiped on free.
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
	const uint8_t *iv;      /* suite->iv_len bytes (CBC: initial IV, used only by SSL 3.0/TLS 1.0) */
};

/*
 * version is the negotiated version; etm selects encrypt-then-MAC (RFC 7366,
 * CBC only). Returns 0, TLSIPS_ENOMEM or TLSIPS_ECRYPTO (cipher unavailable,
 * e.g. legacy provider missing).
 */
int tls_cipher_new(const struct tls_suite *suite, uint16_t version, bool etm,
		   const struct tls_cipher_keys *keys, struct tls_cipher **out);

/*
 * Opens one record. type and rec_version are the record header's fields;
 * in/len is the fragment after the 5-byte header. The plaintext goes to out
 * (room for len bytes; out may equal in) and its length to *out_len.
 * Verifies padding and MAC or AEAD tag: TLSIPS_ECRYPTO if the record does
 * not authenticate, TLSIPS_EMALFORMED if its length cannot be valid. The
 * sequence number advances only on success.
 */
int tls_cipher_open(struct tls_cipher *c, uint8_t type, uint16_t rec_version, const uint8_t *in,
		    size_t len, uint8_t *out, size_t *out_len);

/* Records opened so far (the next sequence number). */
uint64_t tls_cipher_seq(const struct tls_cipher *c);

/* Wipes keys and frees; accepts NULL. */
void tls_cipher_free(struct tls_cipher *c);

/* Loads OpenSSL's default and legacy providers once; false if legacy is missing. */
bool tls_cipher_providers_load(void);

#endif
