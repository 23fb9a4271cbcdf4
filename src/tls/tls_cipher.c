/*
 * tls_cipher: opening TLS 1.3, TLS 1.0-1.2 and SSL 3.0 records.
 *
 * One struct tls_cipher per direction and key change. Everything costly is
 * done once: the EVP_CIPHERs, the HMAC EVP_MAC and the SSL 3.0 digests are
 * fetched once per process (pthread_once, kept until exit); the cipher
 * context is keyed once in tls_cipher_new and each record only sets its IV
 * or nonce; the HMAC context is keyed once and re-initialised per record
 * with EVP_MAC_init(ctx, NULL, 0, NULL), which restarts it with the same key.
 * Nothing is allocated or fetched per record.
 *
 * Record layouts (the fragment handed to tls_cipher_open):
 *
 *   stream (RFC 5246 6.2.3.1)    | ciphertext of (content | MAC)          |
 *   CBC    (RFC 5246 6.2.3.2)    | IV* | ciphertext of (content | MAC | padding | pad_len) |
 *   CBC, encrypt-then-MAC        | IV* | ciphertext of (content | padding | pad_len) | MAC |
 *          (RFC 7366 3)
 *   GCM, CCM (RFC 5288 3,        | explicit nonce (8) | ciphertext | tag (16, or 8 for CCM_8) |
 *             RFC 6655 3)
 *   ChaCha20-Poly1305 (RFC 7905) | ciphertext | tag (16) |
 *   TLS 1.3 (RFC 8446 5.2)       | encrypted TLSInnerPlaintext | tag (16, or 8 for CCM_8) |
 *
 *   TLSInnerPlaintext (RFC 8446 5.2, 5.4):
 *                                | content | type (1) | zeros (any number) |
 *
 *   IV* is present from TLS 1.1 on (RFC 4346 6.2.3.2); SSL 3.0 and TLS 1.0
 *   chain the IV: a record's IV is the last ciphertext block of the record
 *   before it (the first uses the IV from the key block).
 *
 * Nonce modes: TLS 1.3 (RFC 8446 5.3) forms its nonce as ChaCha20-Poly1305
 * does in TLS 1.2 (IV xor sequence), so both versions share one AEAD core;
 * what differs is the additional data (the 13-byte pseudo-header of
 * RFC 5246 6.2.3.3, or the 5-byte record header of RFC 8446 5.2) and the
 * inner content type at the end of a TLS 1.3 plaintext. A KeyUpdate
 * (tls_cipher_rekey) re-keys the same context: still nothing is allocated.
 *
 * This code observes; it is not an oracle anyone can query, so checks are
 * not constant-time, but every length is checked before it is used.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "base/err.h"
#include "tls/tls_cipher.h"
#include "tls/tls_secret.h"

enum {
	/* RFC 5246 6.2.1: TLSPlaintext.length <= 2^14. */
	TLS_CIPHER_PLAINTEXT_MAX = 1 << 14,
	/* RFC 5246 6.2.3: TLSCiphertext.length <= 2^14 + 2048. */
	TLS_CIPHER_FRAGMENT_MAX = (1 << 14) + 2048,
	/* RFC 8446 5.2: TLSCiphertext.length <= 2^14 + 256. */
	TLS_CIPHER_TLS13_FRAGMENT_MAX = (1 << 14) + 256,
	/* RFC 8446 5.4: the whole TLSInnerPlaintext <= 2^14 + 1. */
	TLS_CIPHER_TLS13_INNER_MAX = (1 << 14) + 1,
	/* RFC 8446 5.2: opaque_type(1) + legacy_record_version(2) + length(2) */
	TLS_CIPHER_TLS13_AAD_LEN = 5,
	/* RFC 8446 5.2: the outer type of every protected record, application_data. */
	TLS_CIPHER_TLS13_OUTER_TYPE = 23,
	/* seq_num(8) + type(1) + version(2) + length(2) */
	TLS_CIPHER_HDR_LEN = 13,
	/* RFC 5288 3 / RFC 6655 3 */
	TLS_CIPHER_EXPLICIT_NONCE_LEN = 8,
	TLS_CIPHER_NONCE_LEN = 12,
	TLS_CIPHER_BLOCK_MAX = 16,
};

enum tls_cipher_nonce {
	TLS_CIPHER_NONCE_NONE = 0,  /* stream and CBC */
	TLS_CIPHER_NONCE_EXPLICIT,  /* salt(4) + explicit nonce(8) from the record */
	TLS_CIPHER_NONCE_XOR_SEQ,   /* iv(12) xor left-padded seq (RFC 7905 2, RFC 8446 5.3) */
};

enum tls_cipher_mac {
	TLS_CIPHER_MAC_NONE = 0, /* AEAD */
	TLS_CIPHER_MAC_HMAC,     /* TLS 1.0-1.2 */
	TLS_CIPHER_MAC_SSL3,     /* RFC 6101 5.2.3.1 */
};

/* Key material kept past tls_cipher_new, in secure memory. */
struct tls_cipher_secret {
	uint8_t mac_key[EVP_MAX_MD_SIZE]; /* SSL 3.0 MAC only (HMAC keeps its own) */
	uint8_t iv[TLS_CIPHER_BLOCK_MAX]; /* AEAD salt or IV; CBC: next implicit IV */
};

struct tls_cipher {
	const struct tls_suite *suite;
	uint16_t version;
	bool etm;         /* RFC 7366, CBC only */
	bool explicit_iv; /* CBC from TLS 1.1 on */
	enum tls_cipher_nonce nonce;
	enum tls_cipher_mac mac;
	EVP_CIPHER_CTX *ctx;
	EVP_MAC_CTX *hmac;       /* keyed once */
	EVP_MD_CTX *md;          /* SSL 3.0 MAC */
	const EVP_MD *ssl3_md;
	size_t ssl3_pad_len;     /* 48 for MD5, 40 for SHA-1 */
	struct tls_cipher_secret *sec;
	uint64_t seq;
	bool unkeyed;            /* a rekey failed: nothing opens until one succeeds */
};

/* ---- process-wide fetch cache ----------------------------------------- */

static pthread_once_t providers_once = PTHREAD_ONCE_INIT;
static OSSL_PROVIDER *providers_default;
static OSSL_PROVIDER *providers_legacy;

static void
tls_cipher_providers_once(void)
{
	/*
	 * Loading any provider explicitly stops OpenSSL from loading "default"
	 * on its own, so both are loaded. The handles stay for the process.
	 */
	providers_default = OSSL_PROVIDER_load(NULL, "default");
	providers_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	ERR_clear_error();
}

bool
tls_cipher_providers_load(void)
{
	pthread_once(&providers_once, tls_cipher_providers_once);
	return providers_legacy != NULL;
}

struct tls_cipher_cached {
	const char *name; /* the suite row's evp_cipher */
	EVP_CIPHER *cipher;
};

/* One slot per distinct evp_cipher name in the suite table (well under 16). */
enum { TLS_CIPHER_CACHE_MAX = 16 };

static pthread_mutex_t fetch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tls_cipher_cached fetch_ciphers[TLS_CIPHER_CACHE_MAX];
static unsigned fetch_ncipher;

static pthread_once_t fetch_macs_once = PTHREAD_ONCE_INIT;
static EVP_MAC *fetch_hmac;
static EVP_MD *fetch_md5;
static EVP_MD *fetch_sha1;

/* The MACs of stream and CBC suites; fetched with the first such cipher. */
static void
tls_cipher_fetch_macs(void)
{
	tls_cipher_providers_load();
	fetch_hmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	fetch_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	fetch_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	ERR_clear_error();
}

/*
 * A suite's cipher, fetched the first time any session needs it and kept
 * for the process; NULL when no provider has it (tls_cipher_new reports
 * it). Fetching every suite's cipher up front cost each short run about a
 * millisecond of start-up.
 */
static const EVP_CIPHER *
tls_cipher_cached_cipher(const char *name)
{
	const EVP_CIPHER *cipher = NULL;
	unsigned i;

	tls_cipher_providers_load();
	pthread_mutex_lock(&fetch_lock);
	for (i = 0; i < fetch_ncipher; i++)
		if (strcmp(fetch_ciphers[i].name, name) == 0)
			break;
	if (i == fetch_ncipher && i < TLS_CIPHER_CACHE_MAX) {
		fetch_ciphers[i].name = name;
		fetch_ciphers[i].cipher = EVP_CIPHER_fetch(NULL, name, NULL);
		ERR_clear_error();
		fetch_ncipher++;
	}
	if (i < fetch_ncipher)
		cipher = fetch_ciphers[i].cipher;
	pthread_mutex_unlock(&fetch_lock);
	return cipher;
}

/* ---- setup ------------------------------------------------------------ */

static void
tls_cipher_put_hdr(uint8_t hdr[TLS_CIPHER_HDR_LEN], uint64_t seq, uint8_t type,
		   uint16_t version, size_t len)
{
	for (int i = 0; i < 8; i++)
		hdr[i] = (uint8_t)(seq >> (56 - 8 * i));
	hdr[8] = type;
	hdr[9] = (uint8_t)(version >> 8);
	hdr[10] = (uint8_t)version;
	hdr[11] = (uint8_t)(len >> 8);
	hdr[12] = (uint8_t)len;
}

/*
 * Which suites this code opens under which version: the TLS 1.3 suites only
 * in TLS 1.3 and nothing else there (RFC 8446 B.4), each an AEAD with a
 * 12-byte IV (RFC 8446 5.3); the other AEAD suites only in TLS 1.2 (RFC 5288
 * 4, RFC 6655 3, RFC 7905 2); stream and CBC suites in SSL 3.0 to TLS 1.2,
 * with SSL 3.0 limited to MD5/SHA-1 MACs (RFC 6101 5.2.3.1).
 */
static bool
tls_cipher_fits(const struct tls_suite *s, uint16_t version)
{
	if (s->kx == TLS_KX_TLS13 || version == TLS_V_TLS13)
		return s->kx == TLS_KX_TLS13 && version == TLS_V_TLS13 &&
		       (s->kind == TLS_CIPHER_GCM || s->kind == TLS_CIPHER_CCM ||
			s->kind == TLS_CIPHER_CHACHA) &&
		       s->iv_len == TLS_CIPHER_NONCE_LEN && s->tag_len > 0;
	if (version < TLS_V_SSL3 || version > TLS_V_TLS12)
		return false;
	switch (s->kind) {
	case TLS_CIPHER_GCM:
	case TLS_CIPHER_CCM:
	case TLS_CIPHER_CHACHA:
		return version == TLS_V_TLS12;
	case TLS_CIPHER_STREAM:
	case TLS_CIPHER_CBC:
		if (s->block_len > TLS_CIPHER_BLOCK_MAX || s->mac_len > EVP_MAX_MD_SIZE)
			return false;
		return version != TLS_V_SSL3 || s->mac_len == 16 || s->mac_len == 20;
	}
	return false;
}

/* The key pieces this suite needs are there (the IV is checked per version). */
static bool
tls_cipher_keys_present(const struct tls_suite *s, const struct tls_cipher_keys *keys)
{
	if (keys == NULL || keys->key == NULL)
		return false;
	if (s->kind == TLS_CIPHER_STREAM || s->kind == TLS_CIPHER_CBC)
		return keys->mac_key != NULL;
	return keys->iv != NULL;
}

static int
tls_cipher_setup_mac(struct tls_cipher *c, const struct tls_cipher_keys *keys)
{
	const struct tls_suite *s = c->suite;
	OSSL_PARAM params[2];

	if (s->kind != TLS_CIPHER_STREAM && s->kind != TLS_CIPHER_CBC)
		return 0;
	pthread_once(&fetch_macs_once, tls_cipher_fetch_macs);
	if (c->version == TLS_V_SSL3) {
		c->mac = TLS_CIPHER_MAC_SSL3;
		/* RFC 6101 5.2.3.1: pad_1/pad_2 are 48 bytes for MD5, 40 for SHA. */
		c->ssl3_md = s->mac_len == 16 ? fetch_md5 : fetch_sha1;
		c->ssl3_pad_len = s->mac_len == 16 ? 48 : 40;
		memcpy(c->sec->mac_key, keys->mac_key, s->mac_len);
		c->md = EVP_MD_CTX_new();
		if (c->md == NULL)
			return TLSIPS_ENOMEM;
		return c->ssl3_md != NULL ? 0 : TLSIPS_ECRYPTO;
	}
	c->mac = TLS_CIPHER_MAC_HMAC;
	if (fetch_hmac == NULL)
		return TLSIPS_ECRYPTO;
	c->hmac = EVP_MAC_CTX_new(fetch_hmac);
	if (c->hmac == NULL)
		return TLSIPS_ENOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)s->mac_md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(c->hmac, keys->mac_key, s->mac_len, params))
		return TLSIPS_ECRYPTO;
	return 0;
}

static int
tls_cipher_setup_cipher(struct tls_cipher *c, const EVP_CIPHER *evp,
			const struct tls_cipher_keys *keys)
{
	const struct tls_suite *s = c->suite;

	switch (s->kind) {
	case TLS_CIPHER_STREAM:
		return EVP_DecryptInit_ex2(c->ctx, evp, keys->key, NULL, NULL) ? 0
									      : TLSIPS_ECRYPTO;
	case TLS_CIPHER_CBC:
		/* The key block's IV is used only without explicit IVs (SSL 3.0, TLS 1.0). */
		if (!c->explicit_iv) {
			if (keys->iv == NULL)
				return TLSIPS_ECRYPTO;
			memcpy(c->sec->iv, keys->iv, s->block_len);
		}
		if (!EVP_DecryptInit_ex2(c->ctx, evp, keys->key, NULL, NULL) ||
		    !EVP_CIPHER_CTX_set_padding(c->ctx, 0))
			return TLSIPS_ECRYPTO;
		return 0;
	case TLS_CIPHER_GCM:
	case TLS_CIPHER_CHACHA:
		memcpy(c->sec->iv, keys->iv, s->iv_len);
		return EVP_DecryptInit_ex2(c->ctx, evp, keys->key, NULL, NULL) ? 0
									      : TLSIPS_ECRYPTO;
	case TLS_CIPHER_CCM:
		memcpy(c->sec->iv, keys->iv, s->iv_len);
		/* CCM fixes nonce and tag length before the key (RFC 6655 3: 12 and 16/8). */
		if (!EVP_DecryptInit_ex2(c->ctx, evp, NULL, NULL, NULL) ||
		    EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_SET_IVLEN, TLS_CIPHER_NONCE_LEN,
					NULL) <= 0 ||
		    EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_SET_TAG, s->tag_len, NULL) <= 0 ||
		    !EVP_DecryptInit_ex2(c->ctx, NULL, keys->key, NULL, NULL))
			return TLSIPS_ECRYPTO;
		return 0;
	}
	return TLSIPS_ECRYPTO;
}

int
tls_cipher_new(const struct tls_suite *suite, uint16_t version, bool etm,
	       const struct tls_cipher_keys *keys, struct tls_cipher **out)
{
	const EVP_CIPHER *evp;
	struct tls_cipher *c = NULL;
	int rc = TLSIPS_ECRYPTO;

	*out = NULL;
	if (!tls_cipher_fits(suite, version) || !tls_cipher_keys_present(suite, keys))
		goto fail;
	evp = tls_cipher_cached_cipher(suite->evp_cipher);
	if (evp == NULL)
		goto fail;
	rc = TLSIPS_ENOMEM;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto fail;
	c->suite = suite;
	c->version = version;
	/* RFC 7366 3: the extension changes CBC suites only; SSL 3.0 has none. */
	c->etm = etm && suite->kind == TLS_CIPHER_CBC && version != TLS_V_SSL3;
	c->explicit_iv = suite->kind == TLS_CIPHER_CBC && version >= TLS_V_TLS11;
	/* RFC 8446 5.3: every TLS 1.3 suite uses the IV xor sequence nonce. */
	if (version == TLS_V_TLS13 || suite->kind == TLS_CIPHER_CHACHA)
		c->nonce = TLS_CIPHER_NONCE_XOR_SEQ;
	else if (suite->kind == TLS_CIPHER_GCM || suite->kind == TLS_CIPHER_CCM)
		c->nonce = TLS_CIPHER_NONCE_EXPLICIT;
	c->sec = tls_secmem_alloc(sizeof(*c->sec));
	c->ctx = EVP_CIPHER_CTX_new();
	if (c->sec == NULL || c->ctx == NULL)
		goto fail;
	rc = tls_cipher_setup_cipher(c, evp, keys);
	if (rc != 0)
		goto fail;
	rc = tls_cipher_setup_mac(c, keys);
	if (rc != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	/* The error queue is left for the caller's diagnostic. */
	tls_cipher_free(c);
	return rc;
}

void
tls_cipher_free(struct tls_cipher *c)
{
	if (c == NULL)
		return;
	/* Both free functions cleanse the key schedules they hold. */
	EVP_CIPHER_CTX_free(c->ctx);
	EVP_MAC_CTX_free(c->hmac);
	EVP_MD_CTX_free(c->md);
	tls_secmem_free(c->sec, sizeof(*c->sec));
	free(c);
}

uint64_t
tls_cipher_seq(const struct tls_cipher *c)
{
	return c->seq;
}

/* ---- MACs --------------------------------------------------------------- */

/* RFC 6101 5.2.3.1: pad_1 and pad_2, 48 bytes for MD5 and the first 40 for SHA. */
static const uint8_t ssl3_pad1[48] = {
	0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36,
	0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36,
	0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36,
	0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36,
};
static const uint8_t ssl3_pad2[48] = {
	0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c,
	0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c,
	0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c,
	0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c, 0x5c,
};

/*
 * RFC 6101 5.2.3.1, the SSL 3.0 MAC (no version in it):
 *   hash(secret + pad_2 + hash(secret + pad_1 + seq_num + type + length + fragment))
 */
static int
tls_cipher_mac_ssl3(struct tls_cipher *c, const uint8_t hdr[TLS_CIPHER_HDR_LEN],
		    const uint8_t *data, size_t len, uint8_t out_mac[EVP_MAX_MD_SIZE])
{
	const uint8_t *key = c->sec->mac_key;
	size_t key_len = c->suite->mac_len;
	unsigned int inner_len = 0;
	unsigned int outer_len = 0;
	int ok;

	/* hdr is seq(8) type(1) version(2) length(2): skip the version. */
	ok = EVP_DigestInit_ex(c->md, c->ssl3_md, NULL) &&
	     EVP_DigestUpdate(c->md, key, key_len) &&
	     EVP_DigestUpdate(c->md, ssl3_pad1, c->ssl3_pad_len) &&
	     EVP_DigestUpdate(c->md, hdr, 9) && EVP_DigestUpdate(c->md, hdr + 11, 2) &&
	     EVP_DigestUpdate(c->md, data, len) &&
	     EVP_DigestFinal_ex(c->md, out_mac, &inner_len) &&
	     EVP_DigestInit_ex(c->md, c->ssl3_md, NULL) &&
	     EVP_DigestUpdate(c->md, key, key_len) &&
	     EVP_DigestUpdate(c->md, ssl3_pad2, c->ssl3_pad_len) &&
	     EVP_DigestUpdate(c->md, out_mac, inner_len) &&
	     EVP_DigestFinal_ex(c->md, out_mac, &outer_len);
	return ok && outer_len == key_len ? 0 : TLSIPS_ECRYPTO;
}

/* RFC 5246 6.2.3.1: HMAC(key, seq_num + type + version + length + fragment). */
static int
tls_cipher_mac(struct tls_cipher *c, uint8_t type, uint16_t rec_version, const uint8_t *data,
	       size_t len, uint8_t out_mac[EVP_MAX_MD_SIZE])
{
	uint8_t hdr[TLS_CIPHER_HDR_LEN];
	size_t mac_len = 0;

	tls_cipher_put_hdr(hdr, c->seq, type, rec_version, len);
	if (c->mac == TLS_CIPHER_MAC_SSL3)
		return tls_cipher_mac_ssl3(c, hdr, data, len, out_mac);
	if (!EVP_MAC_init(c->hmac, NULL, 0, NULL) || !EVP_MAC_update(c->hmac, hdr, sizeof(hdr)) ||
	    !EVP_MAC_update(c->hmac, data, len) ||
	    !EVP_MAC_final(c->hmac, out_mac, &mac_len, EVP_MAX_MD_SIZE) ||
	    mac_len != c->suite->mac_len)
		return TLSIPS_ECRYPTO;
	return 0;
}

static int
tls_cipher_mac_check(struct tls_cipher *c, uint8_t type, uint16_t rec_version,
		     const uint8_t *data, size_t len, const uint8_t *mac)
{
	uint8_t want[EVP_MAX_MD_SIZE];
	int rc = tls_cipher_mac(c, type, rec_version, data, len, want);

	if (rc == 0 && CRYPTO_memcmp(want, mac, c->suite->mac_len) != 0)
		rc = TLSIPS_ECRYPTO;
	return rc;
}

/* ---- record kinds -------------------------------------------------------- */

/*
 * Where to decrypt: straight into out, or, when out == in, in place at the
 * ciphertext's own position (exact overlap is the only overlap EVP allows)
 * and moved to out afterwards. The caller then owns those bytes of in.
 */
static uint8_t *
tls_cipher_dst(const uint8_t *in, size_t skip, uint8_t *out)
{
	return out == in ? out + skip : out;
}

static int
tls_cipher_decrypt(struct tls_cipher *c, const uint8_t *in, size_t len, uint8_t *dst)
{
	int n = 0;

	if (!EVP_DecryptUpdate(c->ctx, dst, &n, in, (int)len) || (size_t)n != len)
		return TLSIPS_ECRYPTO;
	return 0;
}

/* RFC 5246 6.2.3.1 (and RFC 6101 5.2.3.1): RC4, then the MAC. */
static int
tls_cipher_open_stream(struct tls_cipher *c, uint8_t type, uint16_t rec_version,
		       const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
	size_t mac_len = c->suite->mac_len;
	size_t content_len;
	int rc;

	if (len < mac_len || len - mac_len > TLS_CIPHER_PLAINTEXT_MAX)
		return TLSIPS_EMALFORMED;
	/*
	 * The key stream advances even if the MAC then fails: RC4 cannot be
	 * rewound, so after a bad record this direction cannot recover (it is
	 * broken for the endpoints too).
	 */
	rc = tls_cipher_decrypt(c, in, len, out);
	if (rc != 0)
		return rc;
	content_len = len - mac_len;
	rc = tls_cipher_mac_check(c, type, rec_version, out, content_len, out + content_len);
	if (rc != 0)
		return rc;
	*out_len = content_len;
	return 0;
}

/*
 * Padding at the end of a decrypted CBC record, p[0..n): returns the bytes
 * taken by padding plus its length byte, or 0 if the padding is invalid.
 * TLS (RFC 5246 6.2.3.2): every padding byte equals the length byte.
 * SSL 3.0 (RFC 6101 5.2.3.2): bytes arbitrary, length below the block size.
 */
static size_t
tls_cipher_unpad(const struct tls_cipher *c, const uint8_t *p, size_t n, size_t reserve)
{
	size_t pad = p[n - 1];

	if (pad + 1 + reserve > n)
		return 0;
	if (c->version == TLS_V_SSL3)
		return pad < c->suite->block_len ? pad + 1 : 0;
	for (size_t i = n - 1 - pad; i < n - 1; i++)
		if (p[i] != pad)
			return 0;
	return pad + 1;
}

/* RFC 5246 6.2.3.2: MAC-then-encrypt. */
static int
tls_cipher_open_cbc(struct tls_cipher *c, uint8_t type, uint16_t rec_version,
		    const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
	size_t bs = c->suite->block_len;
	size_t mac_len = c->suite->mac_len;
	size_t iv_len = c->explicit_iv ? bs : 0;
	uint8_t next_iv[TLS_CIPHER_BLOCK_MAX];
	size_t n, pad, content_len;
	uint8_t *p;
	int rc;

	/* At least one block of MAC and padding length after the IV. */
	if (len < iv_len || (len - iv_len) % bs != 0 || len - iv_len < mac_len + 1)
		return TLSIPS_EMALFORMED;
	n = len - iv_len;
	/* Saved before an in-place decryption overwrites it. */
	memcpy(next_iv, in + len - bs, bs);
	if (!EVP_DecryptInit_ex2(c->ctx, NULL, NULL, c->explicit_iv ? in : c->sec->iv, NULL))
		return TLSIPS_ECRYPTO;
	p = tls_cipher_dst(in, iv_len, out);
	rc = tls_cipher_decrypt(c, in + iv_len, n, p);
	if (rc != 0)
		return rc;
	pad = tls_cipher_unpad(c, p, n, mac_len);
	if (pad == 0)
		return TLSIPS_ECRYPTO;
	content_len = n - pad - mac_len;
	if (content_len > TLS_CIPHER_PLAINTEXT_MAX)
		return TLSIPS_EMALFORMED;
	rc = tls_cipher_mac_check(c, type, rec_version, p, content_len, p + content_len);
	if (rc != 0)
		return rc;
	if (p != out)
		memmove(out, p, content_len);
	if (!c->explicit_iv)
		memcpy(c->sec->iv, next_iv, bs);
	*out_len = content_len;
	return 0;
}

/* RFC 7366 3: the MAC covers IV and ciphertext and is checked first. */
static int
tls_cipher_open_cbc_etm(struct tls_cipher *c, uint8_t type, uint16_t rec_version,
			const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
	size_t bs = c->suite->block_len;
	size_t mac_len = c->suite->mac_len;
	size_t iv_len = c->explicit_iv ? bs : 0;
	uint8_t next_iv[TLS_CIPHER_BLOCK_MAX];
	size_t n, pad, content_len;
	uint8_t *p;
	int rc;

	if (len < iv_len + mac_len + bs || (len - iv_len - mac_len) % bs != 0)
		return TLSIPS_EMALFORMED;
	n = len - iv_len - mac_len;
	rc = tls_cipher_mac_check(c, type, rec_version, in, len - mac_len, in + len - mac_len);
	if (rc != 0)
		return rc;
	if (!EVP_DecryptInit_ex2(c->ctx, NULL, NULL, c->explicit_iv ? in : c->sec->iv, NULL))
		return TLSIPS_ECRYPTO;
	/* Saved before an in-place decryption overwrites it. */
	memcpy(next_iv, in + iv_len + n - bs, bs);
	p = tls_cipher_dst(in, iv_len, out);
	rc = tls_cipher_decrypt(c, in + iv_len, n, p);
	if (rc != 0)
		return rc;
	pad = tls_cipher_unpad(c, p, n, 0);
	if (pad == 0)
		return TLSIPS_ECRYPTO;
	content_len = n - pad;
	if (content_len > TLS_CIPHER_PLAINTEXT_MAX)
		return TLSIPS_EMALFORMED;
	if (p != out)
		memmove(out, p, content_len);
	if (!c->explicit_iv)
		memcpy(c->sec->iv, next_iv, bs);
	*out_len = content_len;
	return 0;
}

/* RFC 7905 2 and RFC 8446 5.3: the IV xor the sequence number, left-padded to 12 bytes. */
static void
tls_cipher_nonce_xor_seq(const struct tls_cipher *c, uint8_t out_nonce[TLS_CIPHER_NONCE_LEN])
{
	memcpy(out_nonce, c->sec->iv, TLS_CIPHER_NONCE_LEN);
	for (int i = 0; i < 8; i++)
		out_nonce[4 + i] ^= (uint8_t)(c->seq >> (56 - 8 * i));
}

/*
 * The AEAD decryption both versions share: ct_len bytes at ct with the tag
 * right after them, decrypted into dst (ct itself, or memory not overlapping
 * it). The tag is verified before this returns 0.
 */
static int
tls_cipher_aead_decrypt(struct tls_cipher *c, const uint8_t nonce[TLS_CIPHER_NONCE_LEN],
			const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len,
			uint8_t *dst)
{
	int n = 0;

	/* The tag is handed over before decryption may overwrite nearby bytes. */
	if (!EVP_DecryptInit_ex2(c->ctx, NULL, NULL, nonce, NULL) ||
	    EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_SET_TAG, (int)c->suite->tag_len,
				(void *)(ct + ct_len)) <= 0)
		return TLSIPS_ECRYPTO;
	if (c->suite->kind == TLS_CIPHER_CCM) {
		/* CCM needs the length first and verifies the tag in the data update. */
		if (!EVP_DecryptUpdate(c->ctx, NULL, &n, NULL, (int)ct_len) ||
		    !EVP_DecryptUpdate(c->ctx, NULL, &n, aad, (int)aad_len) ||
		    !EVP_DecryptUpdate(c->ctx, dst, &n, ct, (int)ct_len))
			return TLSIPS_ECRYPTO;
		return 0;
	}
	if (!EVP_DecryptUpdate(c->ctx, NULL, &n, aad, (int)aad_len) ||
	    !EVP_DecryptUpdate(c->ctx, dst, &n, ct, (int)ct_len) || (size_t)n != ct_len ||
	    EVP_DecryptFinal_ex(c->ctx, dst + n, &n) <= 0)
		return TLSIPS_ECRYPTO;
	return 0;
}

/*
 * RFC 5246 6.2.3.3 with RFC 5288 3 (GCM), RFC 6655 3 (CCM) and RFC 7905 2
 * (ChaCha20-Poly1305): additional data seq_num + type + version + length of
 * the plaintext; the tag follows the ciphertext.
 */
static int
tls_cipher_open_aead(struct tls_cipher *c, uint8_t type, uint16_t rec_version,
		     const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
	size_t tag_len = c->suite->tag_len;
	size_t expl = c->nonce == TLS_CIPHER_NONCE_EXPLICIT ? TLS_CIPHER_EXPLICIT_NONCE_LEN : 0;
	uint8_t nonce[TLS_CIPHER_NONCE_LEN];
	uint8_t aad[TLS_CIPHER_HDR_LEN];
	size_t ct_len;
	uint8_t *p;
	int rc;

	if (len < expl + tag_len)
		return TLSIPS_EMALFORMED;
	ct_len = len - expl - tag_len;
	if (ct_len > TLS_CIPHER_PLAINTEXT_MAX)
		return TLSIPS_EMALFORMED;
	if (c->nonce == TLS_CIPHER_NONCE_EXPLICIT) {
		memcpy(nonce, c->sec->iv, 4);
		memcpy(nonce + 4, in, TLS_CIPHER_EXPLICIT_NONCE_LEN);
	} else {
		tls_cipher_nonce_xor_seq(c, nonce);
	}
	tls_cipher_put_hdr(aad, c->seq, type, rec_version, ct_len);
	p = tls_cipher_dst(in, expl, out);
	rc = tls_cipher_aead_decrypt(c, nonce, aad, sizeof(aad), in + expl, ct_len, p);
	if (rc != 0)
		return rc;
	if (p != out)
		memmove(out, p, ct_len);
	*out_len = ct_len;
	return 0;
}

int
tls_cipher_open(struct tls_cipher *c, uint8_t type, uint16_t rec_version, const uint8_t *in,
		size_t len, uint8_t *out, size_t *out_len)
{
	int rc;

	/* TLS 1.3 records carry their real type inside: tls_cipher_open13. */
	if (c->version == TLS_V_TLS13)
		return TLSIPS_ECRYPTO;
	/* RFC 5246 6.2.3 */
	if (len > TLS_CIPHER_FRAGMENT_MAX)
		return TLSIPS_EMALFORMED;
	/* RFC 5246 6.1: sequence numbers never wrap. */
	if (c->seq == UINT64_MAX)
		return TLSIPS_ECRYPTO;
	switch (c->suite->kind) {
	case TLS_CIPHER_STREAM:
		rc = tls_cipher_open_stream(c, type, rec_version, in, len, out, out_len);
		break;
	case TLS_CIPHER_CBC:
		if (c->etm)
			rc = tls_cipher_open_cbc_etm(c, type, rec_version, in, len, out, out_len);
		else
			rc = tls_cipher_open_cbc(c, type, rec_version, in, len, out, out_len);
		break;
	default:
		rc = tls_cipher_open_aead(c, type, rec_version, in, len, out, out_len);
		break;
	}
	if (rc == 0)
		c->seq++;
	else
		ERR_clear_error(); /* a forged or damaged record is data, not a fault */
	return rc;
}

/*
 * RFC 8446 5.4: the content is followed by its type and then by any number
 * of zeros. Returns the content length and the type, or TLSIPS_EMALFORMED if
 * the plaintext has no non-zero byte (the peer would send unexpected_message).
 */
static int
tls_cipher_tls13_unpad(const uint8_t *p, size_t n, size_t *out_len, uint8_t *out_type)
{
	while (n > 0 && p[n - 1] == 0)
		n--;
	if (n == 0)
		return TLSIPS_EMALFORMED;
	*out_type = p[n - 1];
	*out_len = n - 1;
	return 0;
}

int
tls_cipher_open13(struct tls_cipher *c, uint8_t type, uint16_t rec_version, const uint8_t *in,
		  size_t len, uint8_t *out, size_t *out_len, uint8_t *out_type)
{
	size_t tag_len = c->suite->tag_len;
	uint8_t nonce[TLS_CIPHER_NONCE_LEN];
	uint8_t aad[TLS_CIPHER_TLS13_AAD_LEN];
	size_t inner_len;
	int rc;

	if (c->version != TLS_V_TLS13 || c->unkeyed)
		return TLSIPS_ECRYPTO;
	/* RFC 8446 5.2: opaque_type is always 23 (application_data). */
	if (type != TLS_CIPHER_TLS13_OUTER_TYPE)
		return TLSIPS_EMALFORMED;
	/* RFC 8446 5.2: length MUST NOT exceed 2^14 + 256 (record_overflow). */
	if (len > TLS_CIPHER_TLS13_FRAGMENT_MAX)
		return TLSIPS_EMALFORMED;
	/*
	 * RFC 8446 5.2/5.4: TLSInnerPlaintext holds at least its type byte and,
	 * padding included, at most 2^14 + 1 bytes, so the content is at most 2^14.
	 */
	if (len < tag_len + 1 || len - tag_len > TLS_CIPHER_TLS13_INNER_MAX)
		return TLSIPS_EMALFORMED;
	/* RFC 8446 5.3: sequence numbers never wrap. */
	if (c->seq == UINT64_MAX)
		return TLSIPS_ECRYPTO;
	inner_len = len - tag_len;
	tls_cipher_nonce_xor_seq(c, nonce);
	/* RFC 8446 5.2: additional_data = opaque_type || legacy_record_version || length. */
	aad[0] = type;
	aad[1] = (uint8_t)(rec_version >> 8);
	aad[2] = (uint8_t)rec_version;
	aad[3] = (uint8_t)(len >> 8);
	aad[4] = (uint8_t)len;
	/* Nothing precedes the ciphertext, so in place is exact overlap (tls_cipher_dst). */
	rc = tls_cipher_aead_decrypt(c, nonce, aad, sizeof(aad), in, inner_len, out);
	if (rc == 0)
		rc = tls_cipher_tls13_unpad(out, inner_len, out_len, out_type);
	if (rc == 0)
		c->seq++;
	else
		ERR_clear_error(); /* a forged or damaged record is data, not a fault */
	return rc;
}

int
tls_cipher_rekey(struct tls_cipher *c, const struct tls_cipher_keys *keys)
{
	/* RFC 8446 4.6.3: KeyUpdate exists in TLS 1.3 only. */
	if (c->version != TLS_V_TLS13 || keys == NULL || keys->key == NULL || keys->iv == NULL)
		return TLSIPS_ECRYPTO;
	/*
	 * The context keeps its cipher and, for CCM, its nonce and tag lengths;
	 * only the key schedule is replaced, overwritten in place.
	 */
	if (!EVP_DecryptInit_ex2(c->ctx, NULL, keys->key, NULL, NULL)) {
		/* Half-changed keys must not open anything. The error queue is the caller's. */
		OPENSSL_cleanse(c->sec->iv, sizeof(c->sec->iv));
		c->unkeyed = true;
		return TLSIPS_ECRYPTO;
	}
	memcpy(c->sec->iv, keys->iv, TLS_CIPHER_NONCE_LEN);
	/* RFC 8446 5.3: each key starts again at sequence number 0. */
	c->seq = 0;
	c->unkeyed = false;
	return 0;
}
