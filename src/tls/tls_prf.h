/*
 * tls_prf: the TLS 1.2-and-earlier key schedule.
 *
 * SSL 3.0 (RFC 6101 6.1/6.2.2), TLS 1.0/1.1 (RFC 2246/4346 5: MD5 xor SHA-1)
 * and TLS 1.2 (RFC 5246 5: P_SHA256 or P_SHA384, from the suite row).
 * Extended master secret per RFC 7627 when a session hash is given.
 */
#ifndef TLSIPS_TLS_PRF_H
#define TLSIPS_TLS_PRF_H

#include <stddef.h>
#include <stdint.h>

#include "tls/tls_suite.h"

enum { TLS_RANDOM_LEN = 32, TLS_MASTER_LEN = 48 };

/*
 * master_secret = PRF(pms, "master secret", client_random + server_random)
 * or, with session_hash non-NULL (EMS), PRF(pms, "extended master secret",
 * session_hash). SSL 3.0 ignores session_hash. Returns 0 or TLSIPS_ECRYPTO.
 */
int tls_prf_master(uint16_t version, const struct tls_suite *suite, const uint8_t *pms,
		   size_t pms_len, const uint8_t client_random[TLS_RANDOM_LEN],
		   const uint8_t server_random[TLS_RANDOM_LEN], const uint8_t *session_hash,
		   size_t session_hash_len, uint8_t out_master[TLS_MASTER_LEN]);

/* key_block = PRF(master, "key expansion", server_random + client_random). */
int tls_prf_key_block(uint16_t version, const struct tls_suite *suite,
		      const uint8_t master[TLS_MASTER_LEN],
		      const uint8_t client_random[TLS_RANDOM_LEN],
		      const uint8_t server_random[TLS_RANDOM_LEN], uint8_t *out, size_t out_len);

/*
 * The digest the EMS session hash uses: "MD5-SHA1" for TLS 1.0/1.1, the
 * suite's prf_md for TLS 1.2. NULL for SSL 3.0 (no EMS).
 */
const char *tls_prf_session_hash_md(uint16_t version, const struct tls_suite *suite);

/* The raw TLS PRF (TLS 1.0-1.2), exposed for known-answer tests. */
int tls_prf_raw(uint16_t version, const char *prf_md, const uint8_t *secret, size_t secret_len,
		const char *label, const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

#endif
