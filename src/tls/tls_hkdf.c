/*
 * tls_hkdf: HKDF-Expand-Label and the two derivations built on it.
 *
 * HKDF-Expand is OpenSSL's "HKDF" KDF in EXPAND_ONLY mode: the traffic secret
 * is already a pseudorandom key (RFC 8446 7.1 feeds secrets straight into
 * HKDF-Expand), so no extract step runs. The KDF is fetched once per process
 * under pthread_once and kept until exit; a derivation creates one KDF
 * context, which happens once per key change, never per record.
 *
 * HkdfLabel (RFC 8446 7.1), built on the stack:
 *
 *   | length (2) | n (1) | "tls13 " + Label (n) | m (1) | Context (m) |
 *
 * The label and context are not secret; the secret lives only in the KDF
 * context, which EVP_KDF_CTX_free cleanses.
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
#include "tls/tls_hkdf.h"

enum {
	/* RFC 8446 7.1: the label prefix, "tls13 " without a terminator. */
	TLS_HKDF_PREFIX_LEN = 6,
	/* length(2) + label<7..255> + context<0..255> */
	TLS_HKDF_INFO_MAX = 2 + 1 + 255 + 1 + 255,
	/* RFC 5869 2.3: L <= 255 * HashLen. */
	TLS_HKDF_BLOCKS_MAX = 255,
};

static pthread_once_t hkdf_once = PTHREAD_ONCE_INIT;
static EVP_KDF *hkdf_kdf;

static void
tls_hkdf_fetch_once(void)
{
	/* NULL when no provider has HKDF; every derivation then fails. */
	hkdf_kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
}

/* RFC 8446 B.4: the TLS 1.3 suites hash with SHA-256 or SHA-384 only. */
static const struct {
	const char *md;
	size_t len;
} hkdf_hashes[] = {
	{ "SHA256", 32 },
	{ "SHA384", 48 },
};

size_t
tls_hkdf_hash_len(const char *md)
{
	if (md == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(hkdf_hashes) / sizeof(hkdf_hashes[0]); i++)
		if (strcmp(hkdf_hashes[i].md, md) == 0)
			return hkdf_hashes[i].len;
	return 0;
}

/*
 * Writes HkdfLabel into out_info and returns its length. The caller has
 * checked label_len (1..TLS_HKDF_LABEL_MAX), context_len and length.
 */
static size_t
tls_hkdf_info_unchecked(size_t length, const char *label, size_t label_len,
			const uint8_t *context, size_t context_len,
			uint8_t out_info[TLS_HKDF_INFO_MAX])
{
	size_t n = 0;

	out_info[n++] = (uint8_t)(length >> 8);
	out_info[n++] = (uint8_t)length;
	out_info[n++] = (uint8_t)(TLS_HKDF_PREFIX_LEN + label_len);
	memcpy(out_info + n, "tls13 ", TLS_HKDF_PREFIX_LEN);
	n += TLS_HKDF_PREFIX_LEN;
	memcpy(out_info + n, label, label_len);
	n += label_len;
	out_info[n++] = (uint8_t)context_len;
	if (context_len > 0)
		memcpy(out_info + n, context, context_len);
	return n + context_len;
}

/* HKDF-Expand(secret, info, out_len) (RFC 5869 2.3); out is wiped on failure. */
static int
tls_hkdf_expand(const char *md, const uint8_t *secret, size_t secret_len, const uint8_t *info,
		size_t info_len, uint8_t *out, size_t out_len)
{
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[5];
	EVP_KDF_CTX *kctx = NULL;
	int rc = TLSIPS_ECRYPTO;

	pthread_once(&hkdf_once, tls_hkdf_fetch_once);
	if (hkdf_kdf == NULL)
		goto out;
	kctx = EVP_KDF_CTX_new(hkdf_kdf);
	if (kctx == NULL) {
		rc = TLSIPS_ENOMEM;
		goto out;
	}
	/* The OSSL_PARAM API takes non-const pointers; nothing is written. */
	params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret,
						      secret_len);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
						      info_len);
	params[4] = OSSL_PARAM_construct_end();
	/* The KDF copies the secret in before it writes out, so out may equal secret. */
	if (EVP_KDF_derive(kctx, out, out_len, params) <= 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		OPENSSL_cleanse(out, out_len);
	/* Cleanses the copy of the secret the context holds. */
	EVP_KDF_CTX_free(kctx);
	return rc;
}

int
tls_hkdf_expand_label(const char *md, const uint8_t *secret, size_t secret_len,
		      const char *label, const uint8_t *context, size_t context_len,
		      uint8_t *out, size_t out_len)
{
	uint8_t info[TLS_HKDF_INFO_MAX];
	size_t hash_len = tls_hkdf_hash_len(md);
	size_t label_len = label != NULL ? strnlen(label, TLS_HKDF_LABEL_MAX + 1) : 0;
	size_t info_len;

	if (hash_len == 0)
		return TLSIPS_ECRYPTO;
	/* RFC 8446 7.1: every secret is Hash.length bytes. */
	if (secret_len != hash_len)
		return TLSIPS_EMALFORMED;
	/* RFC 8446 7.1: label<7..255>, context<0..255>, uint16 length; RFC 5869 2.3. */
	if (label_len == 0 || label_len > TLS_HKDF_LABEL_MAX ||
	    context_len > TLS_HKDF_CONTEXT_MAX || (context_len > 0 && context == NULL) ||
	    out_len == 0 || out_len > TLS_HKDF_BLOCKS_MAX * hash_len || out_len > UINT16_MAX)
		return TLSIPS_ECRYPTO;
	info_len = tls_hkdf_info_unchecked(out_len, label, label_len, context, context_len, info);
	return tls_hkdf_expand(md, secret, secret_len, info, info_len, out, out_len);
}

int
tls_hkdf_traffic_keys(const char *md, const uint8_t *secret, size_t secret_len,
		      size_t key_len, size_t iv_len, uint8_t *out_key, uint8_t *out_iv)
{
	/* RFC 8446 7.3 */
	int rc = tls_hkdf_expand_label(md, secret, secret_len, "key", NULL, 0, out_key, key_len);

	if (rc == 0)
		rc = tls_hkdf_expand_label(md, secret, secret_len, "iv", NULL, 0, out_iv, iv_len);
	/* A failed IV must not leave a usable key behind. */
	if (rc != 0) {
		OPENSSL_cleanse(out_key, key_len);
		OPENSSL_cleanse(out_iv, iv_len);
	}
	return rc;
}

int
tls_hkdf_next_secret(const char *md, const uint8_t *secret, size_t secret_len,
		     uint8_t *out_secret)
{
	/* RFC 8446 7.2: Hash.length output; expand_label checks secret_len is that. */
	return tls_hkdf_expand_label(md, secret, secret_len, "traffic upd", NULL, 0, out_secret,
				     secret_len);
}
