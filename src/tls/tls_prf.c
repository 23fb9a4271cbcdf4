/*
 * tls_prf: master secret and key block for SSL 3.0 to TLS 1.2.
 *
 * TLS 1.0-1.2 go through OpenSSL's "TLS1-PRF" KDF: digest "MD5-SHA1" gives
 * the TLS 1.0/1.1 PRF (RFC 2246 5: P_MD5 over the first half of the secret
 * xor P_SHA1 over the second half), any other digest the TLS 1.2 P_hash
 * (RFC 5246 5). The KDF accepts the seed in several OSSL_KDF_PARAM_SEED
 * parts and concatenates them, so label and randoms are never copied into a
 * scratch buffer. SSL 3.0 has no PRF; its MD5/SHA-1 construction is built
 * here from digests.
 *
 * Fetching is slow (a locked name lookup each time), so the KDF and the two
 * SSL 3.0 digests are fetched once per process under pthread_once and kept
 * for the life of the process.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "base/err.h"
#include "tls/tls_prf.h"

static pthread_once_t prf_once = PTHREAD_ONCE_INIT;
static EVP_KDF *prf_kdf;
static EVP_MD *prf_md5;
static EVP_MD *prf_sha1;

static void
tls_prf_fetch_once(void)
{
	prf_kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_TLS1_PRF, NULL);
	prf_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	prf_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
}

/* Up to three seed parts: label, then one or two randoms or a session hash. */
static int
tls_prf_derive(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
	       const uint8_t *seed1, size_t seed1_len, const uint8_t *seed2, size_t seed2_len,
	       uint8_t *out, size_t out_len)
{
	OSSL_PARAM params[6];
	OSSL_PARAM *p = params;
	EVP_KDF_CTX *kctx = NULL;
	int rc = TLSIPS_ECRYPTO;

	pthread_once(&prf_once, tls_prf_fetch_once);
	if (prf_kdf == NULL || out_len == 0)
		goto out;
	kctx = EVP_KDF_CTX_new(prf_kdf);
	if (kctx == NULL) {
		rc = TLSIPS_ENOMEM;
		goto out;
	}
	/* The OSSL_PARAM API takes non-const pointers; nothing is written. */
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret,
						 secret_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label,
						 strlen(label));
	if (seed1_len > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed1,
							 seed1_len);
	if (seed2_len > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed2,
							 seed2_len);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, out_len, params) <= 0) {
		OPENSSL_cleanse(out, out_len);
		goto out;
	}
	rc = 0;
out:
	/* Frees the P_hash HMAC contexts, which hold the secret, cleansed. */
	EVP_KDF_CTX_free(kctx);
	return rc;
}

/* RFC 2246 5 (TLS 1.0, and RFC 4346 5 for 1.1) or RFC 5246 5 (TLS 1.2). */
static const char *
tls_prf_digest(uint16_t version, const char *prf_md)
{
	if (version == TLS_V_TLS10 || version == TLS_V_TLS11)
		return "MD5-SHA1";
	if (version == TLS_V_TLS12)
		return prf_md;
	return NULL;
}

int
tls_prf_raw(uint16_t version, const char *prf_md, const uint8_t *secret, size_t secret_len,
	    const char *label, const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
	const char *digest = tls_prf_digest(version, prf_md);

	if (digest == NULL)
		return TLSIPS_ECRYPTO;
	return tls_prf_derive(digest, secret, secret_len, label, seed, seed_len, NULL, 0, out,
			      out_len);
}

/*
 * The SSL 3.0 construction shared by the master secret (RFC 6101 6.1) and the
 * key block (RFC 6101 6.2.2):
 *
 *   out = MD5(secret + SHA('A'   + secret + r1 + r2)) +
 *         MD5(secret + SHA('BB'  + secret + r1 + r2)) +
 *         MD5(secret + SHA('CCC' + secret + r1 + r2)) + ...
 *
 * The letters run to 'Z', which bounds the output at 26 * 16 bytes.
 */
static int
tls_prf_ssl3(const uint8_t *secret, size_t secret_len, const uint8_t *r1, const uint8_t *r2,
	     uint8_t *out, size_t out_len)
{
	uint8_t salt[26];
	uint8_t sha[EVP_MAX_MD_SIZE];
	uint8_t md5[EVP_MAX_MD_SIZE];
	unsigned int sha_len = 0;
	unsigned int md5_len = 0;
	EVP_MD_CTX *md = NULL;
	size_t done = 0;
	int rc = TLSIPS_ECRYPTO;

	pthread_once(&prf_once, tls_prf_fetch_once);
	if (prf_md5 == NULL || prf_sha1 == NULL || out_len > sizeof(salt) * 16)
		goto out;
	md = EVP_MD_CTX_new();
	if (md == NULL) {
		rc = TLSIPS_ENOMEM;
		goto out;
	}
	for (size_t i = 0; done < out_len; i++) {
		memset(salt, 'A' + (int)i, i + 1);
		if (!EVP_DigestInit_ex(md, prf_sha1, NULL) || !EVP_DigestUpdate(md, salt, i + 1) ||
		    !EVP_DigestUpdate(md, secret, secret_len) ||
		    !EVP_DigestUpdate(md, r1, TLS_RANDOM_LEN) ||
		    !EVP_DigestUpdate(md, r2, TLS_RANDOM_LEN) ||
		    !EVP_DigestFinal_ex(md, sha, &sha_len))
			goto out;
		if (!EVP_DigestInit_ex(md, prf_md5, NULL) ||
		    !EVP_DigestUpdate(md, secret, secret_len) ||
		    !EVP_DigestUpdate(md, sha, sha_len) || !EVP_DigestFinal_ex(md, md5, &md5_len))
			goto out;
		size_t take = out_len - done < md5_len ? out_len - done : md5_len;
		memcpy(out + done, md5, take);
		done += take;
	}
	rc = 0;
out:
	if (rc != 0)
		OPENSSL_cleanse(out, out_len);
	OPENSSL_cleanse(sha, sizeof(sha));
	OPENSSL_cleanse(md5, sizeof(md5));
	EVP_MD_CTX_free(md);
	return rc;
}

int
tls_prf_master(uint16_t version, const struct tls_suite *suite, const uint8_t *pms,
	       size_t pms_len, const uint8_t client_random[TLS_RANDOM_LEN],
	       const uint8_t server_random[TLS_RANDOM_LEN], const uint8_t *session_hash,
	       size_t session_hash_len, uint8_t out_master[TLS_MASTER_LEN])
{
	const char *digest;

	/* RFC 6101 6.1: SSL 3.0 has no extensions, so no extended master secret. */
	if (version == TLS_V_SSL3)
		return tls_prf_ssl3(pms, pms_len, client_random, server_random, out_master,
				    TLS_MASTER_LEN);
	digest = tls_prf_digest(version, suite != NULL ? suite->prf_md : NULL);
	if (digest == NULL)
		return TLSIPS_ECRYPTO;
	/* RFC 7627 4: the session hash replaces both randoms. */
	if (session_hash != NULL)
		return tls_prf_derive(digest, pms, pms_len, "extended master secret",
				      session_hash, session_hash_len, NULL, 0, out_master,
				      TLS_MASTER_LEN);
	/* RFC 5246 8.1 */
	return tls_prf_derive(digest, pms, pms_len, "master secret", client_random,
			      TLS_RANDOM_LEN, server_random, TLS_RANDOM_LEN, out_master,
			      TLS_MASTER_LEN);
}

int
tls_prf_key_block(uint16_t version, const struct tls_suite *suite,
		  const uint8_t master[TLS_MASTER_LEN], const uint8_t client_random[TLS_RANDOM_LEN],
		  const uint8_t server_random[TLS_RANDOM_LEN], uint8_t *out, size_t out_len)
{
	const char *digest;

	/* RFC 6101 6.2.2: note the randoms swap places, as in TLS. */
	if (version == TLS_V_SSL3)
		return tls_prf_ssl3(master, TLS_MASTER_LEN, server_random, client_random, out,
				    out_len);
	digest = tls_prf_digest(version, suite != NULL ? suite->prf_md : NULL);
	if (digest == NULL)
		return TLSIPS_ECRYPTO;
	/* RFC 5246 6.3 */
	return tls_prf_derive(digest, master, TLS_MASTER_LEN, "key expansion", server_random,
			      TLS_RANDOM_LEN, client_random, TLS_RANDOM_LEN, out, out_len);
}

const char *
tls_prf_session_hash_md(uint16_t version, const struct tls_suite *suite)
{
	/* RFC 7627 3: the handshake hash of the negotiated version's PRF. */
	if (version == TLS_V_SSL3)
		return NULL;
	return tls_prf_digest(version, suite != NULL ? suite->prf_md : NULL);
}
