/*
 * tls_hkdf: the TLS 1.3 derivations tlsips runs itself (RFC 8446 7).
 *
 * tlsips does not run the TLS 1.3 key schedule: the key log hands it the
 * traffic secrets. What is left is HKDF-Expand-Label (RFC 8446 7.1), used to
 * turn a traffic secret into a record key and IV (7.3) and to step an
 * application traffic secret forward at a KeyUpdate (7.2).
 *
 * md is the suite row's prf_md: "SHA256" or "SHA384", the only hashes of the
 * TLS 1.3 suites (RFC 8446 B.4); any other name is refused. Every secret is
 * Hash.length bytes (RFC 8446 7.1). Outputs are key material: the caller
 * keeps them in tls_secret memory and wipes them; a failed derivation leaves
 * nothing derived in them.
 */
#ifndef TLSIPS_TLS_HKDF_H
#define TLSIPS_TLS_HKDF_H

#include <stddef.h>
#include <stdint.h>

enum {
	/* RFC 8446 7.1: opaque label<7..255> = "tls13 " + Label. */
	TLS_HKDF_LABEL_MAX = 255 - 6,
	/* RFC 8446 7.1: opaque context<0..255>. */
	TLS_HKDF_CONTEXT_MAX = 255,
};

/* Hash.length of md: 32 for "SHA256", 48 for "SHA384", 0 for any other name. */
size_t tls_hkdf_hash_len(const char *md);

/*
 * RFC 8446 7.1:
 *   HKDF-Expand-Label(Secret, Label, Context, Length) =
 *        HKDF-Expand(Secret, HkdfLabel, Length)
 * with HkdfLabel = uint16 Length, "tls13 " + Label and Context, each vector
 * with its one-byte length. label is a C string of 1 to TLS_HKDF_LABEL_MAX
 * bytes; context may be NULL when context_len is 0. out_len is 1 to
 * 255 * Hash.length (RFC 5869 2.3).
 *
 * Returns 0; TLSIPS_EMALFORMED if secret_len is not Hash.length of md (a
 * key-log secret that does not fit the negotiated suite); TLSIPS_ECRYPTO if
 * md is not a TLS 1.3 hash, a length is outside the limits above, or
 * libcrypto failed; TLSIPS_ENOMEM. out may equal secret.
 */
int tls_hkdf_expand_label(const char *md, const uint8_t *secret, size_t secret_len,
			  const char *label, const uint8_t *context, size_t context_len,
			  uint8_t *out, size_t out_len);

/*
 * RFC 8446 7.3, the record protection keys of one traffic secret:
 *   key = HKDF-Expand-Label(Secret, "key", "", key_length)
 *   iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length)
 * key_len and iv_len come from the suite row (key_len; iv_len is 12 for every
 * TLS 1.3 suite, RFC 8446 5.3). Errors as tls_hkdf_expand_label; on any
 * failure both outputs are wiped.
 */
int tls_hkdf_traffic_keys(const char *md, const uint8_t *secret, size_t secret_len,
			  size_t key_len, size_t iv_len, uint8_t *out_key, uint8_t *out_iv);

/*
 * RFC 8446 7.2, the secret after a KeyUpdate:
 *   application_traffic_secret_N+1 =
 *        HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)
 * out_secret gets secret_len (= Hash.length) bytes and may equal secret, so a
 * secret can be stepped in place. Errors as tls_hkdf_expand_label.
 */
int tls_hkdf_next_secret(const char *md, const uint8_t *secret, size_t secret_len,
			 uint8_t *out_secret);

#endif
