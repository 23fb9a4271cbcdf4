/*
 * test_tls_cipher: opening records of every kind and version.
 *
 * Records are built here by an independent sealer: a fresh EVP encryption
 * context per record, HMAC() or one-shot digests for the MACs, and the
 * layouts written from the RFCs (RFC 5246 6.2.3, RFC 6101 5.2.3, RFC 7366,
 * RFC 5288, RFC 6655, RFC 7905). tls_cipher_open must return exactly the
 * sealed plaintext, in sequence, and refuse every damaged record.
 *
 * One known-answer test uses published traffic: "The Illustrated TLS 1.2
 * Connection" (Michael Driscoll, tls12.xargs.org, MIT licence), whose
 * captures give the master secret, the randoms and the encrypted records of
 * an ECDHE-RSA-AES128-SHA (0xC013) TLS 1.2 session sending "ping" / "pong".
 *
 * Every record is handed over in a heap block of exactly its size, so an
 * over-read is an AddressSanitizer error.
 *
 * TLS 1.3 (RFC 8446 5.2-5.4) is sealed the same way: TLSInnerPlaintext
 * (content, type, zeros) under the IV xor sequence nonce, with the 5-byte
 * record header as additional data. Published TLS 1.3 records (RFC 8448)
 * are opened in test_tls13_rfc8448.
 *
 * The secure memory the ciphers keep their keys in (tls_secret) is tested
 * here too: the group setup makes the arena small so that running out of it,
 * and the fallback counter, can be seen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/err.h"
#include "base/num.h"
#include "tls/tls_cipher.h"
#include "tls/tls_prf.h"
#include "tls/tls_secret.h"
#include "tls/tls_suite.h"

enum { MAX_PLAIN = 1 << 14, MAX_FRAGMENT = (1 << 14) + 2048, MAX_REC = MAX_FRAGMENT + 64 };

enum { TYPE_HANDSHAKE = 22, TYPE_APPDATA = 23 };

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 29 + (i >> 5));
}

/* ---- the independent sealer ------------------------------------------------- */

struct sealer {
	const struct tls_suite *s;
	uint16_t version;
	bool etm;
	uint8_t mac_key[48];
	uint8_t key[32];
	uint8_t iv[16];
	uint8_t chain[16]; /* SSL 3.0 / TLS 1.0: the next record's IV */
	uint64_t seq;
	EVP_CIPHER *cipher;
	EVP_CIPHER_CTX *rc4; /* a stream cipher's state runs across records */
	/* damage to apply while sealing the next record */
	int pad;            /* CBC padding length byte; -1: the smallest valid */
	bool pad_bad_fill;  /* TLS padding bytes not all equal to the length */
	int content_extra;  /* added to the length the sealer declares (AEAD only) */
};

static void
sealer_init(struct sealer *sl, uint16_t id, uint16_t version, bool etm)
{
	memset(sl, 0, sizeof(*sl));
	assert_true(tls_cipher_providers_load());
	sl->s = tls_suite_find(id);
	assert_non_null(sl->s);
	sl->version = version;
	sl->etm = etm && sl->s->kind == TLS_CIPHER_CBC && version != TLS_V_SSL3;
	sl->pad = -1;
	fill(sl->mac_key, sizeof(sl->mac_key), 0x10);
	fill(sl->key, sizeof(sl->key), 0x20);
	fill(sl->iv, sizeof(sl->iv), 0x30);
	memcpy(sl->chain, sl->iv, sizeof(sl->chain));
	sl->cipher = EVP_CIPHER_fetch(NULL, sl->s->evp_cipher, NULL);
	assert_non_null(sl->cipher);
	if (sl->s->kind == TLS_CIPHER_STREAM) {
		sl->rc4 = EVP_CIPHER_CTX_new();
		assert_true(EVP_EncryptInit_ex2(sl->rc4, sl->cipher, sl->key, NULL, NULL));
	}
}

static void
sealer_fini(struct sealer *sl)
{
	EVP_CIPHER_CTX_free(sl->rc4);
	EVP_CIPHER_free(sl->cipher);
}

static struct tls_cipher_keys
sealer_keys(const struct sealer *sl)
{
	struct tls_cipher_keys k = { sl->mac_key, sl->key, sl->iv };
	return k;
}

static struct tls_cipher *
sealer_opener(const struct sealer *sl)
{
	struct tls_cipher_keys k = sealer_keys(sl);
	struct tls_cipher *c = NULL;
	assert_int_equal(tls_cipher_new(sl->s, sl->version, sl->etm, &k, &c), 0);
	assert_non_null(c);
	return c;
}

static size_t
put_hdr(uint8_t *p, uint64_t seq, uint8_t type, uint16_t version, size_t len)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(seq >> (56 - 8 * i));
	p[8] = type;
	p[9] = (uint8_t)(version >> 8);
	p[10] = (uint8_t)version;
	p[11] = (uint8_t)(len >> 8);
	p[12] = (uint8_t)len;
	return 13;
}

/* RFC 5246 6.2.3.1 HMAC, or RFC 6101 5.2.3.1 for SSL 3.0, over one buffer. */
static void
ref_mac(const struct sealer *sl, uint8_t type, const uint8_t *data, size_t len, uint8_t *out)
{
	const EVP_MD *md = EVP_get_digestbyname(sl->s->mac_md);
	uint8_t *buf = malloc(len + 128);
	unsigned int n = 0;
	assert_non_null(md);
	assert_non_null(buf);
	if (sl->version != TLS_V_SSL3) {
		size_t h = put_hdr(buf, sl->seq, type, sl->version, len);
		memcpy(buf + h, data, len);
		assert_non_null(HMAC(md, sl->mac_key, sl->s->mac_len, buf, h + len, out, &n));
	} else {
		size_t pad = sl->s->mac_len == 16 ? 48 : 40, off = 0;
		uint8_t inner[20];
		uint8_t hdr[13];
		put_hdr(hdr, sl->seq, type, 0, len);
		memcpy(buf, sl->mac_key, sl->s->mac_len);
		off = sl->s->mac_len;
		memset(buf + off, 0x36, pad);
		off += pad;
		memcpy(buf + off, hdr, 9); /* seq + type */
		off += 9;
		memcpy(buf + off, hdr + 11, 2); /* length */
		off += 2;
		memcpy(buf + off, data, len);
		off += len;
		assert_true(EVP_Digest(buf, off, inner, &n, md, NULL));
		memcpy(buf, sl->mac_key, sl->s->mac_len);
		memset(buf + sl->s->mac_len, 0x5c, pad);
		memcpy(buf + sl->s->mac_len + pad, inner, n);
		assert_true(EVP_Digest(buf, sl->s->mac_len + pad + n, out, &n, md, NULL));
	}
	assert_int_equal(n, sl->s->mac_len);
	free(buf);
}

/* Encrypts n bytes (a whole number of blocks) with a fresh context. */
static void
ref_cbc_encrypt(const struct sealer *sl, const uint8_t *iv, const uint8_t *in, size_t n,
		uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0;
	assert_non_null(ctx);
	assert_true(EVP_EncryptInit_ex2(ctx, sl->cipher, sl->key, iv, NULL));
	assert_true(EVP_CIPHER_CTX_set_padding(ctx, 0));
	assert_true(EVP_EncryptUpdate(ctx, out, &len, in, (int)n));
	assert_int_equal((size_t)len, n);
	EVP_CIPHER_CTX_free(ctx);
}

/* Appends padding to buf[0..n) per RFC 5246 6.2.3.2 / RFC 6101 5.2.3.2; new length. */
static size_t
ref_pad(const struct sealer *sl, uint8_t *buf, size_t n)
{
	size_t bs = sl->s->block_len;
	size_t pad = sl->pad >= 0 ? (size_t)sl->pad : bs - 1 - n % bs;
	for (size_t i = 0; i < pad; i++)
		buf[n + i] = sl->version == TLS_V_SSL3 ? (uint8_t)(0xA0 + i) : (uint8_t)pad;
	if (sl->pad_bad_fill && pad > 0)
		buf[n] ^= 0x01;
	buf[n + pad] = (uint8_t)pad;
	return n + pad + 1;
}

static size_t
seal_cbc(struct sealer *sl, uint8_t type, const uint8_t *msg, size_t n, uint8_t *out)
{
	size_t bs = sl->s->block_len, mac_len = sl->s->mac_len;
	bool explicit_iv = sl->version >= TLS_V_TLS11;
	size_t iv_len = explicit_iv ? bs : 0;
	uint8_t *plain = malloc(n + mac_len + 300);
	uint8_t iv[16];
	size_t p, total;
	assert_non_null(plain);
	memcpy(plain, msg, n);
	if (explicit_iv)
		fill(iv, bs, (uint8_t)(0x77 + sl->seq));
	else
		memcpy(iv, sl->chain, bs);
	if (!sl->etm) {
		ref_mac(sl, type, msg, n, plain + n);
		p = ref_pad(sl, plain, n + mac_len);
		assert_int_equal(p % bs, 0);
		memcpy(out, iv, iv_len);
		ref_cbc_encrypt(sl, iv, plain, p, out + iv_len);
		total = iv_len + p;
	} else {
		/* RFC 7366 3: MAC over IV + ciphertext, length of those in the header */
		p = ref_pad(sl, plain, n);
		assert_int_equal(p % bs, 0);
		memcpy(out, iv, iv_len);
		ref_cbc_encrypt(sl, iv, plain, p, out + iv_len);
		ref_mac(sl, type, out, iv_len + p, out + iv_len + p);
		total = iv_len + p + mac_len;
	}
	if (!explicit_iv)
		memcpy(sl->chain, out + (sl->etm ? total - mac_len : total) - bs, bs);
	free(plain);
	return total;
}

static size_t
seal_stream(struct sealer *sl, uint8_t type, const uint8_t *msg, size_t n, uint8_t *out)
{
	uint8_t *plain = malloc(n + 64);
	int len = 0;
	assert_non_null(plain);
	memcpy(plain, msg, n);
	ref_mac(sl, type, msg, n, plain + n);
	assert_true(EVP_EncryptUpdate(sl->rc4, out, &len, plain, (int)(n + sl->s->mac_len)));
	free(plain);
	return (size_t)len;
}

/* GCM and CCM (RFC 5288 3, RFC 6655 3) and ChaCha20-Poly1305 (RFC 7905 2). */
static size_t
seal_aead(struct sealer *sl, uint8_t type, const uint8_t *msg, size_t n, uint8_t *out)
{
	const struct tls_suite *s = sl->s;
	bool explicit_nonce = s->kind != TLS_CIPHER_CHACHA;
	size_t expl = explicit_nonce ? 8 : 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[12], aad[13];
	int len = 0;
	assert_non_null(ctx);
	if (explicit_nonce) {
		memcpy(nonce, sl->iv, 4);
		fill(nonce + 4, 8, (uint8_t)(0x42 + sl->seq)); /* any value; sent in clear */
		memcpy(out, nonce + 4, 8);
	} else {
		memcpy(nonce, sl->iv, 12);
		for (int i = 0; i < 8; i++)
			nonce[4 + i] ^= (uint8_t)(sl->seq >> (56 - 8 * i));
	}
	put_hdr(aad, sl->seq, type, sl->version, (size_t)((int)n + sl->content_extra));
	if (s->kind == TLS_CIPHER_CCM) {
		assert_true(EVP_EncryptInit_ex2(ctx, sl->cipher, NULL, NULL, NULL));
		assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) > 0);
		assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, s->tag_len, NULL) > 0);
		assert_true(EVP_EncryptInit_ex2(ctx, NULL, sl->key, nonce, NULL));
		assert_true(EVP_EncryptUpdate(ctx, NULL, &len, NULL, (int)n));
	} else {
		assert_true(EVP_EncryptInit_ex2(ctx, sl->cipher, sl->key, nonce, NULL));
	}
	assert_true(EVP_EncryptUpdate(ctx, NULL, &len, aad, sizeof(aad)));
	assert_true(EVP_EncryptUpdate(ctx, out + expl, &len, msg, (int)n));
	assert_int_equal((size_t)len, n);
	assert_true(EVP_EncryptFinal_ex(ctx, out + expl + n, &len));
	assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, s->tag_len, out + expl + n) >
		    0);
	EVP_CIPHER_CTX_free(ctx);
	return expl + n + s->tag_len;
}

/* Seals one record's fragment into out (MAX_REC bytes); advances the sequence. */
static size_t
seal(struct sealer *sl, uint8_t type, const uint8_t *msg, size_t n, uint8_t *out)
{
	size_t len;
	switch (sl->s->kind) {
	case TLS_CIPHER_STREAM:
		len = seal_stream(sl, type, msg, n, out);
		break;
	case TLS_CIPHER_CBC:
		len = seal_cbc(sl, type, msg, n, out);
		break;
	default:
		len = seal_aead(sl, type, msg, n, out);
		break;
	}
	sl->seq++;
	return len;
}

/* ---- opening helpers ----------------------------------------------------------- */

/* Opens rec[0..len) from an exact-size heap copy into an exact-size output. */
static int
open_exact(struct tls_cipher *c, uint8_t type, uint16_t version, const uint8_t *rec,
	   size_t len, bool in_place, uint8_t *plain, size_t *plain_len)
{
	uint8_t *in = malloc(len ? len : 1);
	uint8_t *out = in_place ? in : malloc(len ? len : 1);
	int rc;
	assert_non_null(in);
	assert_non_null(out);
	memcpy(in, rec, len);
	rc = tls_cipher_open(c, type, version, in, len, out, plain_len);
	if (rc == 0)
		memcpy(plain, out, *plain_len);
	if (out != in)
		free(out);
	free(in);
	return rc;
}

static const size_t seq_lengths[] = { 0, 1, 15, 16, 17, 100, 1000, MAX_PLAIN };

/* Seals a run of records of various lengths and opens each in turn. */
static void
check_roundtrip(uint16_t id, uint16_t version, bool etm, bool in_place)
{
	struct sealer sl;
	struct tls_cipher *c;
	uint8_t *msg = malloc(MAX_PLAIN), *rec = malloc(MAX_REC), *plain = malloc(MAX_REC);
	assert_non_null(msg);
	assert_non_null(rec);
	assert_non_null(plain);
	sealer_init(&sl, id, version, etm);
	c = sealer_opener(&sl);
	for (size_t i = 0; i < sizeof(seq_lengths) / sizeof(seq_lengths[0]); i++) {
		size_t n = seq_lengths[i], got = 0, len;
		uint8_t type = i == 0 ? TYPE_HANDSHAKE : TYPE_APPDATA;
		fill(msg, n, (uint8_t)i);
		len = seal(&sl, type, msg, n, rec);
		assert_int_equal(open_exact(c, type, version, rec, len, in_place, plain, &got), 0);
		assert_int_equal(got, n);
		assert_memory_equal(plain, msg, n);
		assert_int_equal(tls_cipher_seq(c), i + 1);
	}
	tls_cipher_free(c);
	sealer_fini(&sl);
	free(msg);
	free(rec);
	free(plain);
}

#define ROUNDTRIP(name, id, version, etm, in_place)                                        \
	static void name(void **state)                                                     \
	{                                                                                  \
		(void)state;                                                               \
		check_roundtrip(id, version, etm, in_place);                               \
	}

/* stream: RC4 with MD5 and SHA-1 MACs, SSL 3.0 MAC and HMAC */
ROUNDTRIP(test_rc4_md5_ssl3, 0x0004, TLS_V_SSL3, false, false)
ROUNDTRIP(test_rc4_sha_ssl3, 0x0005, TLS_V_SSL3, false, false)
ROUNDTRIP(test_rc4_md5_tls10, 0x0004, TLS_V_TLS10, false, false)
ROUNDTRIP(test_rc4_sha_tls12, 0x0005, TLS_V_TLS12, false, false)
ROUNDTRIP(test_rc4_sha_tls12_in_place, 0x0005, TLS_V_TLS12, false, true)
/* CBC, chained IV: SSL 3.0 and TLS 1.0 */
ROUNDTRIP(test_aes128_cbc_ssl3, 0x002F, TLS_V_SSL3, false, false)
ROUNDTRIP(test_3des_cbc_ssl3, 0x000A, TLS_V_SSL3, false, false)
ROUNDTRIP(test_des_cbc_tls10, 0x0009, TLS_V_TLS10, false, false)
ROUNDTRIP(test_aes128_cbc_tls10, 0x002F, TLS_V_TLS10, false, false)
ROUNDTRIP(test_aes128_cbc_tls10_in_place, 0x002F, TLS_V_TLS10, false, true)
ROUNDTRIP(test_camellia256_cbc_tls10, 0x0084, TLS_V_TLS10, false, false)
/* CBC, explicit IV: TLS 1.1 and 1.2, every MAC size */
ROUNDTRIP(test_3des_cbc_tls11, 0x000A, TLS_V_TLS11, false, false)
ROUNDTRIP(test_aes256_cbc_tls11, 0x0035, TLS_V_TLS11, false, false)
ROUNDTRIP(test_aes128_sha256_cbc_tls12, 0x003C, TLS_V_TLS12, false, false)
ROUNDTRIP(test_aes256_sha384_cbc_tls12, 0xC028, TLS_V_TLS12, false, false)
ROUNDTRIP(test_camellia128_sha256_cbc_tls12, 0x00BA, TLS_V_TLS12, false, false)
ROUNDTRIP(test_aes128_cbc_tls12_in_place, 0xC013, TLS_V_TLS12, false, true)
/* CBC, encrypt-then-MAC (RFC 7366) */
ROUNDTRIP(test_aes128_cbc_etm_tls10, 0x002F, TLS_V_TLS10, true, false)
ROUNDTRIP(test_aes128_cbc_etm_tls10_in_place, 0x002F, TLS_V_TLS10, true, true)
ROUNDTRIP(test_3des_cbc_etm_tls11, 0x000A, TLS_V_TLS11, true, false)
ROUNDTRIP(test_aes256_sha384_cbc_etm_tls12, 0xC028, TLS_V_TLS12, true, false)
ROUNDTRIP(test_aes128_cbc_etm_tls12_in_place, 0x0033, TLS_V_TLS12, true, true)
/* AEAD */
ROUNDTRIP(test_aes128_gcm, 0x009C, TLS_V_TLS12, false, false)
ROUNDTRIP(test_aes256_gcm, 0x009D, TLS_V_TLS12, false, false)
ROUNDTRIP(test_aes128_gcm_in_place, 0xC02F, TLS_V_TLS12, false, true)
ROUNDTRIP(test_aes128_gcm_etm_flag_ignored, 0xC02B, TLS_V_TLS12, true, false)
ROUNDTRIP(test_aes128_ccm, 0xC09C, TLS_V_TLS12, false, false)
ROUNDTRIP(test_aes256_ccm_in_place, 0xC09D, TLS_V_TLS12, false, true)
ROUNDTRIP(test_aes128_ccm8, 0xC0A0, TLS_V_TLS12, false, false)
ROUNDTRIP(test_aes256_ccm8, 0xC0A1, TLS_V_TLS12, false, false)
ROUNDTRIP(test_chacha20_poly1305, 0xCCA8, TLS_V_TLS12, false, false)
ROUNDTRIP(test_chacha20_poly1305_in_place, 0xCCAA, TLS_V_TLS12, false, true)

/* ---- damaged records -------------------------------------------------------------- */

enum damage {
	DAMAGE_FIRST_BYTE = 1, /* explicit IV / nonce, or first ciphertext byte */
	DAMAGE_MIDDLE,         /* a ciphertext byte in the middle */
	DAMAGE_LAST_BYTE,      /* MAC, tag, or last padding block */
	DAMAGE_TYPE,           /* opened with another content type */
	DAMAGE_VERSION,        /* opened with another record version */
};

/*
 * Seals records 0 and 1; damages record 1 as told: it must give
 * TLSIPS_ECRYPTO and leave the sequence alone, after which (except for RC4,
 * whose key stream has moved on) the undamaged record 1 still opens.
 */
static void
check_damage(uint16_t id, uint16_t version, bool etm, enum damage d)
{
	struct sealer sl;
	struct tls_cipher *c;
	uint8_t msg[200], rec0[400], rec[400], bad[400], plain[400];
	size_t len0, len, got;
	uint8_t type = TYPE_APPDATA;
	uint16_t ver = version;
	sealer_init(&sl, id, version, etm);
	c = sealer_opener(&sl);
	fill(msg, sizeof(msg), 9);
	len0 = seal(&sl, type, msg, 50, rec0);
	len = seal(&sl, type, msg, sizeof(msg), rec);
	assert_int_equal(open_exact(c, type, ver, rec0, len0, false, plain, &got), 0);
	memcpy(bad, rec, len);
	switch (d) {
	case DAMAGE_FIRST_BYTE: bad[0] ^= 0x01; break;
	case DAMAGE_MIDDLE: bad[len / 2] ^= 0x80; break;
	case DAMAGE_LAST_BYTE: bad[len - 1] ^= 0x01; break;
	case DAMAGE_TYPE: type = TYPE_HANDSHAKE; break;
	case DAMAGE_VERSION: ver = (uint16_t)(version == TLS_V_TLS12 ? TLS_V_TLS11 : TLS_V_TLS12); break;
	}
	assert_int_equal(open_exact(c, type, ver, bad, len, false, plain, &got), TLSIPS_ECRYPTO);
	assert_int_equal(tls_cipher_seq(c), 1);
	if (sl.s->kind != TLS_CIPHER_STREAM) {
		assert_int_equal(open_exact(c, TYPE_APPDATA, version, rec, len, false, plain, &got),
				 0);
		assert_int_equal(got, sizeof(msg));
		assert_memory_equal(plain, msg, sizeof(msg));
		assert_int_equal(tls_cipher_seq(c), 2);
	}
	tls_cipher_free(c);
	sealer_fini(&sl);
}

#define DAMAGED(name, id, version, etm, d)                                                 \
	static void name(void **state)                                                     \
	{                                                                                  \
		(void)state;                                                               \
		check_damage(id, version, etm, d);                                         \
	}

DAMAGED(test_rc4_flipped_ciphertext, 0x0005, TLS_V_TLS12, false, DAMAGE_MIDDLE)
DAMAGED(test_rc4_flipped_mac, 0x0004, TLS_V_TLS10, false, DAMAGE_LAST_BYTE)
DAMAGED(test_rc4_ssl3_flipped_mac, 0x0004, TLS_V_SSL3, false, DAMAGE_LAST_BYTE)
DAMAGED(test_cbc_ssl3_flipped_ciphertext, 0x002F, TLS_V_SSL3, false, DAMAGE_MIDDLE)
DAMAGED(test_cbc_ssl3_flipped_last_block, 0x000A, TLS_V_SSL3, false, DAMAGE_LAST_BYTE)
DAMAGED(test_cbc_tls10_flipped_first_block, 0x002F, TLS_V_TLS10, false, DAMAGE_FIRST_BYTE)
DAMAGED(test_cbc_tls10_wrong_type, 0x002F, TLS_V_TLS10, false, DAMAGE_TYPE)
DAMAGED(test_cbc_tls12_flipped_iv, 0x002F, TLS_V_TLS12, false, DAMAGE_FIRST_BYTE)
DAMAGED(test_cbc_tls12_flipped_ciphertext, 0x003C, TLS_V_TLS12, false, DAMAGE_MIDDLE)
DAMAGED(test_cbc_tls12_flipped_last_block, 0xC028, TLS_V_TLS12, false, DAMAGE_LAST_BYTE)
DAMAGED(test_cbc_tls12_wrong_version, 0x002F, TLS_V_TLS12, false, DAMAGE_VERSION)
DAMAGED(test_cbc_etm_flipped_iv, 0x002F, TLS_V_TLS12, true, DAMAGE_FIRST_BYTE)
DAMAGED(test_cbc_etm_flipped_ciphertext, 0x002F, TLS_V_TLS11, true, DAMAGE_MIDDLE)
DAMAGED(test_cbc_etm_flipped_mac, 0x002F, TLS_V_TLS10, true, DAMAGE_LAST_BYTE)
DAMAGED(test_cbc_etm_wrong_type, 0x003D, TLS_V_TLS12, true, DAMAGE_TYPE)
DAMAGED(test_gcm_flipped_nonce, 0x009C, TLS_V_TLS12, false, DAMAGE_FIRST_BYTE)
DAMAGED(test_gcm_flipped_ciphertext, 0x009D, TLS_V_TLS12, false, DAMAGE_MIDDLE)
DAMAGED(test_gcm_flipped_tag, 0x009C, TLS_V_TLS12, false, DAMAGE_LAST_BYTE)
DAMAGED(test_gcm_wrong_type, 0xC030, TLS_V_TLS12, false, DAMAGE_TYPE)
DAMAGED(test_gcm_wrong_version, 0x009C, TLS_V_TLS12, false, DAMAGE_VERSION)
DAMAGED(test_ccm_flipped_ciphertext, 0xC09C, TLS_V_TLS12, false, DAMAGE_MIDDLE)
DAMAGED(test_ccm_flipped_tag, 0xC09D, TLS_V_TLS12, false, DAMAGE_LAST_BYTE)
DAMAGED(test_ccm8_flipped_tag, 0xC0A0, TLS_V_TLS12, false, DAMAGE_LAST_BYTE)
DAMAGED(test_ccm8_flipped_nonce, 0xC0A1, TLS_V_TLS12, false, DAMAGE_FIRST_BYTE)
DAMAGED(test_chacha_flipped_ciphertext, 0xCCA8, TLS_V_TLS12, false, DAMAGE_FIRST_BYTE)
DAMAGED(test_chacha_flipped_tag, 0xCCA9, TLS_V_TLS12, false, DAMAGE_LAST_BYTE)
DAMAGED(test_chacha_wrong_type, 0xCCAA, TLS_V_TLS12, false, DAMAGE_TYPE)

/* A record opened out of order fails: the sequence number is in the MAC or AAD. */
static void
check_out_of_order(uint16_t id, uint16_t version, bool etm)
{
	struct sealer sl;
	struct tls_cipher *c;
	uint8_t msg[64], rec0[300], rec1[300], plain[300];
	size_t len0, len1, got;
	sealer_init(&sl, id, version, etm);
	c = sealer_opener(&sl);
	fill(msg, sizeof(msg), 1);
	len0 = seal(&sl, TYPE_APPDATA, msg, sizeof(msg), rec0);
	len1 = seal(&sl, TYPE_APPDATA, msg, sizeof(msg), rec1);
	assert_int_equal(open_exact(c, TYPE_APPDATA, version, rec1, len1, false, plain, &got),
			 TLSIPS_ECRYPTO);
	assert_int_equal(open_exact(c, TYPE_APPDATA, version, rec0, len0, false, plain, &got), 0);
	assert_int_equal(open_exact(c, TYPE_APPDATA, version, rec1, len1, false, plain, &got), 0);
	tls_cipher_free(c);
	sealer_fini(&sl);
}

static void
test_out_of_order_records_fail(void **state)
{
	(void)state;
	check_out_of_order(0x002F, TLS_V_TLS12, false); /* HMAC */
	check_out_of_order(0x002F, TLS_V_TLS12, true);  /* HMAC, encrypt-then-MAC */
	check_out_of_order(0x009C, TLS_V_TLS12, false); /* GCM AAD */
	check_out_of_order(0xC0A0, TLS_V_TLS12, false); /* CCM_8 AAD */
	check_out_of_order(0xCCA8, TLS_V_TLS12, false); /* ChaCha20 nonce and AAD */
}

/* ---- padding ---------------------------------------------------------------- */

static int
open_one_with_padding(uint16_t id, uint16_t version, bool etm, int pad, bool bad_fill)
{
	struct sealer sl;
	struct tls_cipher *c;
	uint8_t msg[40], rec[600], plain[600];
	size_t len, got = 0;
	int rc;
	sealer_init(&sl, id, version, etm);
	c = sealer_opener(&sl);
	fill(msg, sizeof(msg), 3);
	sl.pad = pad;
	sl.pad_bad_fill = bad_fill;
	len = seal(&sl, TYPE_APPDATA, msg, sizeof(msg), rec);
	rc = open_exact(c, TYPE_APPDATA, version, rec, len, false, plain, &got);
	if (rc == 0) {
		assert_int_equal(got, sizeof(msg));
		assert_memory_equal(plain, msg, sizeof(msg));
	}
	tls_cipher_free(c);
	sealer_fini(&sl);
	return rc;
}

/* 40 content + 20 MAC = 60 bytes; paddings that make whole 16-byte blocks. */
static void
test_tls_long_padding_accepted(void **state)
{
	(void)state;
	assert_int_equal(open_one_with_padding(0x002F, TLS_V_TLS12, false, 3, false), 0);
	assert_int_equal(open_one_with_padding(0x002F, TLS_V_TLS12, false, 3 + 16 * 15, false), 0);
	assert_int_equal(open_one_with_padding(0x002F, TLS_V_TLS10, false, 35, false), 0);
	/* encrypt-then-MAC pads the 40 content bytes alone */
	assert_int_equal(open_one_with_padding(0x002F, TLS_V_TLS12, true, 7 + 16 * 15, false), 0);
}

static void
test_tls_padding_bytes_must_equal_length(void **state)
{
	(void)state;
	assert_int_equal(open_one_with_padding(0x002F, TLS_V_TLS12, false, 19, true),
			 TLSIPS_ECRYPTO);
	assert_int_equal(open_one_with_padding(0x002F, TLS_V_TLS10, false, 3, true),
			 TLSIPS_ECRYPTO);
	assert_int_equal(open_one_with_padding(0x002F, TLS_V_TLS12, true, 7, true),
			 TLSIPS_ECRYPTO);
}

/* RFC 6101 5.2.3.2: SSL 3.0 padding bytes are arbitrary, its length below the block. */
static void
test_ssl3_padding_rules(void **state)
{
	(void)state;
	/* the sealer fills SSL 3.0 padding with 0xA0, 0xA1, ...: accepted */
	assert_int_equal(open_one_with_padding(0x002F, TLS_V_SSL3, false, 3, false), 0);
	/* 19 = one block more than needed: legal in TLS, not in SSL 3.0 */
	assert_int_equal(open_one_with_padding(0x002F, TLS_V_SSL3, false, 19, false),
			 TLSIPS_ECRYPTO);
	assert_int_equal(open_one_with_padding(0x002F, TLS_V_TLS10, false, 19, false), 0);
}

/* A padding length that runs into the MAC (or past the record) is refused. */
static void
test_padding_longer_than_record_refused(void **state)
{
	(void)state;
	/* 40 + 20 + 1 + 195 = 256 bytes, 16 blocks, but the length byte 195 is consistent... */
	assert_int_equal(open_one_with_padding(0x002F, TLS_V_TLS12, false, 195, false), 0);
	/* ...while a record of 4 blocks claiming 195 padding bytes cannot be valid */
	{
		struct sealer sl;
		struct tls_cipher *c;
		uint8_t plain[64], rec[16 + 64], out[80];
		size_t got;
		sealer_init(&sl, 0x002F, TLS_V_TLS12, false);
		c = sealer_opener(&sl);
		memset(plain, 195, sizeof(plain));
		fill(rec, 16, 5);
		ref_cbc_encrypt(&sl, rec, plain, sizeof(plain), rec + 16);
		assert_int_equal(open_exact(c, TYPE_APPDATA, TLS_V_TLS12, rec, sizeof(rec), false,
					    out, &got),
				 TLSIPS_ECRYPTO);
		tls_cipher_free(c);
		sealer_fini(&sl);
	}
}

/* ---- lengths ------------------------------------------------------------------ */

/*
 * Every proper prefix of a valid record is refused as malformed or as not
 * authentic, and is read only within its bounds (exact-size heap copies).
 */
static void
check_every_truncation(uint16_t id, uint16_t version, bool etm)
{
	struct sealer sl;
	uint8_t msg[70], rec[300], plain[300];
	size_t len;
	sealer_init(&sl, id, version, etm);
	fill(msg, sizeof(msg), 4);
	len = seal(&sl, TYPE_APPDATA, msg, sizeof(msg), rec);
	for (size_t cut = 0; cut < len; cut++) {
		struct tls_cipher *c = sealer_opener(&sl);
		size_t got = 0;
		int rc = open_exact(c, TYPE_APPDATA, version, rec, cut, false, plain, &got);
		assert_true(rc == TLSIPS_EMALFORMED || rc == TLSIPS_ECRYPTO);
		assert_int_equal(tls_cipher_seq(c), 0);
		tls_cipher_free(c);
	}
	sealer_fini(&sl);
}

static void
test_truncated_records_refused(void **state)
{
	(void)state;
	check_every_truncation(0x0004, TLS_V_SSL3, false);
	check_every_truncation(0x0005, TLS_V_TLS12, false);
	check_every_truncation(0x000A, TLS_V_SSL3, false);
	check_every_truncation(0x002F, TLS_V_TLS10, false);
	check_every_truncation(0x002F, TLS_V_TLS12, false);
	check_every_truncation(0x002F, TLS_V_TLS10, true);
	check_every_truncation(0xC028, TLS_V_TLS12, true);
	check_every_truncation(0x009C, TLS_V_TLS12, false);
	check_every_truncation(0xC09C, TLS_V_TLS12, false);
	check_every_truncation(0xC0A0, TLS_V_TLS12, false);
	check_every_truncation(0xCCA8, TLS_V_TLS12, false);
}

static int
open_zeros(uint16_t id, uint16_t version, bool etm, size_t len)
{
	struct sealer sl;
	struct tls_cipher *c;
	uint8_t *rec = calloc(1, len ? len : 1), *plain = malloc(MAX_REC);
	size_t got;
	int rc;
	assert_non_null(rec);
	assert_non_null(plain);
	sealer_init(&sl, id, version, etm);
	c = sealer_opener(&sl);
	rc = open_exact(c, TYPE_APPDATA, version, rec, len, false, plain, &got);
	tls_cipher_free(c);
	sealer_fini(&sl);
	free(rec);
	free(plain);
	return rc;
}

static void
test_impossible_lengths_are_malformed(void **state)
{
	(void)state;
	/* CBC, TLS 1.2, AES + SHA-1: IV 16, then at least 21 bytes in whole blocks */
	assert_int_equal(open_zeros(0x002F, TLS_V_TLS12, false, 0), TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0x002F, TLS_V_TLS12, false, 16), TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0x002F, TLS_V_TLS12, false, 32), TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0x002F, TLS_V_TLS12, false, 47), TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0x002F, TLS_V_TLS12, false, 48), TLSIPS_ECRYPTO);
	/* CBC, TLS 1.0, 3DES: no IV, 8-byte blocks, at least 21 bytes */
	assert_int_equal(open_zeros(0x000A, TLS_V_TLS10, false, 16), TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0x000A, TLS_V_TLS10, false, 25), TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0x000A, TLS_V_TLS10, false, 24), TLSIPS_ECRYPTO);
	/* encrypt-then-MAC: IV + one block + MAC, the ciphertext in whole blocks */
	assert_int_equal(open_zeros(0x002F, TLS_V_TLS12, true, 16 + 20), TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0x002F, TLS_V_TLS12, true, 16 + 17 + 20), TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0x002F, TLS_V_TLS12, true, 16 + 16 + 20), TLSIPS_ECRYPTO);
	/* stream: the MAC at least */
	assert_int_equal(open_zeros(0x0005, TLS_V_TLS12, false, 19), TLSIPS_EMALFORMED);
	/* GCM / CCM_8 / ChaCha20: explicit nonce and tag at least */
	assert_int_equal(open_zeros(0x009C, TLS_V_TLS12, false, 23), TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0x009C, TLS_V_TLS12, false, 24), TLSIPS_ECRYPTO);
	assert_int_equal(open_zeros(0xC0A0, TLS_V_TLS12, false, 15), TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0xC0A0, TLS_V_TLS12, false, 16), TLSIPS_ECRYPTO);
	assert_int_equal(open_zeros(0xCCA8, TLS_V_TLS12, false, 15), TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0xCCA8, TLS_V_TLS12, false, 16), TLSIPS_ECRYPTO);
}

/* RFC 5246 6.2.3: a fragment above 2^14 + 2048 is refused before anything else. */
static void
test_oversized_fragment_malformed(void **state)
{
	(void)state;
	assert_int_equal(open_zeros(0x009C, TLS_V_TLS12, false, MAX_FRAGMENT + 1),
			 TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0x002F, TLS_V_TLS12, false, MAX_FRAGMENT + 16),
			 TLSIPS_EMALFORMED);
	assert_int_equal(open_zeros(0x0005, TLS_V_TLS12, false, MAX_FRAGMENT + 1),
			 TLSIPS_EMALFORMED);
}

/* RFC 5246 6.2.1: authentic records with more than 2^14 plaintext bytes are malformed. */
static void
check_plaintext_over_limit(uint16_t id, uint16_t version, bool etm)
{
	struct sealer sl;
	struct tls_cipher *c;
	uint8_t *msg = calloc(1, MAX_PLAIN + 1), *rec = malloc(MAX_REC), *plain = malloc(MAX_REC);
	size_t len, got;
	assert_non_null(msg);
	assert_non_null(rec);
	assert_non_null(plain);
	sealer_init(&sl, id, version, etm);
	c = sealer_opener(&sl);
	len = seal(&sl, TYPE_APPDATA, msg, MAX_PLAIN + 1, rec);
	assert_int_equal(open_exact(c, TYPE_APPDATA, version, rec, len, false, plain, &got),
			 TLSIPS_EMALFORMED);
	assert_int_equal(tls_cipher_seq(c), 0);
	tls_cipher_free(c);
	sealer_fini(&sl);
	free(msg);
	free(rec);
	free(plain);
}

static void
test_plaintext_over_2_14_malformed(void **state)
{
	(void)state;
	check_plaintext_over_limit(0x0005, TLS_V_TLS12, false);
	check_plaintext_over_limit(0x002F, TLS_V_TLS12, false);
	check_plaintext_over_limit(0x002F, TLS_V_TLS12, true);
	check_plaintext_over_limit(0x009C, TLS_V_TLS12, false);
	check_plaintext_over_limit(0xC09C, TLS_V_TLS12, false);
	check_plaintext_over_limit(0xCCA8, TLS_V_TLS12, false);
}

/* ---- construction ------------------------------------------------------------- */

static int
try_new(uint16_t id, uint16_t version)
{
	uint8_t zero[64] = { 0 };
	struct tls_cipher_keys k = { zero, zero, zero };
	struct tls_cipher *c = (struct tls_cipher *)&k; /* must be reset to NULL on failure */
	int rc = tls_cipher_new(tls_suite_find(id), version, false, &k, &c);
	if (rc != 0)
		assert_null(c);
	tls_cipher_free(c);
	return rc;
}

static void
test_new_refuses_suite_version_mismatch(void **state)
{
	(void)state;
	assert_int_equal(try_new(0x009C, TLS_V_TLS11), TLSIPS_ECRYPTO); /* GCM before 1.2 */
	assert_int_equal(try_new(0xCCA8, TLS_V_TLS10), TLSIPS_ECRYPTO);
	assert_int_equal(try_new(0x003C, TLS_V_SSL3), TLSIPS_ECRYPTO);  /* SHA-256 MAC in SSL 3.0 */
	assert_int_equal(try_new(0x1301, TLS_V_TLS12), TLSIPS_ECRYPTO); /* 1.3 suite in 1.2 */
	assert_int_equal(try_new(0x009C, TLS_V_TLS13), TLSIPS_ECRYPTO); /* 1.2 AEAD in 1.3 */
	assert_int_equal(try_new(0xCCA8, TLS_V_TLS13), TLSIPS_ECRYPTO);
	assert_int_equal(try_new(0x002F, 0x0200), TLSIPS_ECRYPTO);
	assert_int_equal(try_new(0x002F, TLS_V_TLS13), TLSIPS_ECRYPTO);
	assert_int_equal(try_new(0x1301, TLS_V_TLS13), 0);
	assert_int_equal(try_new(0x1305, TLS_V_TLS13), 0);
	assert_int_equal(try_new(0x002F, TLS_V_TLS12), 0);
	assert_int_equal(try_new(0x0004, TLS_V_SSL3), 0);
}

static void
test_free_accepts_null(void **state)
{
	(void)state;
	tls_cipher_free(NULL);
}

/* ---- known answer: The Illustrated TLS 1.2 Connection ------------------------------ */

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;
	assert_true(n <= cap);
	assert_int_equal(num_parse_hex(hex, strlen(hex), out, n), 0);
	return n;
}

/*
 * captures/keylog.txt: CLIENT_RANDOM 00 01 .. 1f, master secret 916abf..344c;
 * captures/caps/serverhello: server random 70 71 .. 8f, suite 0xC013, TLS 1.2.
 * Key block (RFC 5246 6.3, no IVs for TLS 1.2 CBC): client MAC key (20),
 * server MAC key (20), client key (16), server key (16).
 */
static void
illustrated_keys(bool client, uint8_t mac_key[20], uint8_t key[16])
{
	uint8_t master[48], cr[32], sr[32], block[72];
	unhex("916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049"
	      "781c8e19fc1eb2a7387ac06ae237344c",
	      master, sizeof(master));
	for (int i = 0; i < 32; i++) {
		cr[i] = (uint8_t)i;
		sr[i] = (uint8_t)(0x70 + i);
	}
	assert_int_equal(tls_prf_key_block(TLS_V_TLS12, tls_suite_find(0xC013), master, cr, sr,
					   block, sizeof(block)),
			 0);
	memcpy(mac_key, block + (client ? 0 : 20), 20);
	memcpy(key, block + (client ? 40 : 56), 16);
}

static void
check_illustrated(bool client, const char *finished_hex, const char *finished_plain_hex,
		  const char *data_hex, const char *data_plain)
{
	uint8_t mac_key[20], key[16], rec[128], want[64], plain[128];
	struct tls_cipher_keys k = { mac_key, key, NULL };
	struct tls_cipher *c = NULL;
	size_t len, want_len, got = 0;
	assert_true(tls_cipher_providers_load());
	illustrated_keys(client, mac_key, key);
	assert_int_equal(tls_cipher_new(tls_suite_find(0xC013), TLS_V_TLS12, false, &k, &c), 0);
	/* seq 0: the Finished handshake record */
	len = unhex(finished_hex, rec, sizeof(rec));
	want_len = unhex(finished_plain_hex, want, sizeof(want));
	assert_int_equal(open_exact(c, TYPE_HANDSHAKE, TLS_V_TLS12, rec, len, false, plain, &got),
			 0);
	assert_int_equal(got, want_len);
	assert_memory_equal(plain, want, want_len);
	/* seq 1: the application data */
	len = unhex(data_hex, rec, sizeof(rec));
	assert_int_equal(open_exact(c, TYPE_APPDATA, TLS_V_TLS12, rec, len, false, plain, &got),
			 0);
	assert_int_equal(got, strlen(data_plain));
	assert_memory_equal(plain, data_plain, got);
	tls_cipher_free(c);
}

static void
test_illustrated_tls12_client_records(void **state)
{
	(void)state;
	/* caps/clientfinished and caps/clientdata, after the 5-byte record headers */
	check_illustrated(true,
			  "404142434445464748494a4b4c4d4e4f227bc9ba81ef30f2a8a78ff1df50844d"
			  "5804b7eeb2e214c32b6892aca3db7b78077fdd90067c516bacb3ba90dedf720f",
			  /* Finished: type 20, length 12, verify_data */
			  "1400000ccf919626f1360c536aaad73a",
			  "000102030405060708090a0b0c0d0e0f6c421c71c42b183bfa06195d133d0a09"
			  "d00fc7cb4e0f5d1cda59d147ec790c99",
			  "ping");
}

static void
test_illustrated_tls12_server_records(void **state)
{
	(void)state;
	/* caps/serverfinished and caps/serverdata, after the 5-byte record headers */
	check_illustrated(false,
			  "5152535455565758595a5b5c5d5e5f6018e075317b100315f6081fcbf313781a"
			  "ac73efe19fe25ba1af59c20be94fc01bda2d6800298b73a7e849d74bd494cf7d",
			  "1400000c844d3c10746dd722f92f0c7e",
			  "6162636465666768696a6b6c6d6e6f709783488af5fa20bf7a2ef69debb534db"
			  "9fb07a8c2721dee5409f77af0c3dde56",
			  "pong");
}

/* ---- TLS 1.3 ------------------------------------------------------------------------ */

enum { TLS13_INNER_MAX = (1 << 14) + 1, TLS13_FRAGMENT_MAX = (1 << 14) + 256, TYPE_ALERT = 21 };

/*
 * RFC 8446 5.2-5.4: seals content msg[0..n) of type inner_type followed by
 * pad zeros, with a fresh EVP context; out gets encrypted_record (tag
 * included), *out_hdr the 5-byte record header. Advances the sequence.
 */
static size_t
seal13(struct sealer *sl, uint8_t inner_type, const uint8_t *msg, size_t n, size_t pad,
       uint8_t *out, uint8_t out_hdr[5])
{
	const struct tls_suite *s = sl->s;
	size_t inner_len = n + 1 + pad, len = inner_len + s->tag_len;
	uint8_t *inner = malloc(inner_len), nonce[12];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0;
	assert_non_null(inner);
	assert_non_null(ctx);
	memcpy(inner, msg, n);
	inner[n] = inner_type;
	memset(inner + n + 1, 0, pad);
	memcpy(nonce, sl->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(sl->seq >> (56 - 8 * i));
	out_hdr[0] = TYPE_APPDATA;
	out_hdr[1] = 0x03;
	out_hdr[2] = 0x03;
	out_hdr[3] = (uint8_t)(len >> 8);
	out_hdr[4] = (uint8_t)len;
	if (s->kind == TLS_CIPHER_CCM) {
		assert_true(EVP_EncryptInit_ex2(ctx, sl->cipher, NULL, NULL, NULL));
		assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) > 0);
		assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, s->tag_len, NULL) > 0);
		assert_true(EVP_EncryptInit_ex2(ctx, NULL, sl->key, nonce, NULL));
		assert_true(EVP_EncryptUpdate(ctx, NULL, &outl, NULL, (int)inner_len));
	} else {
		assert_true(EVP_EncryptInit_ex2(ctx, sl->cipher, sl->key, nonce, NULL));
	}
	assert_true(EVP_EncryptUpdate(ctx, NULL, &outl, out_hdr, 5));
	assert_true(EVP_EncryptUpdate(ctx, out, &outl, inner, (int)inner_len));
	assert_int_equal((size_t)outl, inner_len);
	assert_true(EVP_EncryptFinal_ex(ctx, out + inner_len, &outl));
	assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, s->tag_len, out + inner_len) >
		    0);
	EVP_CIPHER_CTX_free(ctx);
	free(inner);
	sl->seq++;
	return len;
}

/* Opens a TLS 1.3 fragment from an exact-size heap copy into an exact-size output. */
static int
open13_exact(struct tls_cipher *c, const uint8_t hdr[5], const uint8_t *rec, size_t len,
	     bool in_place, uint8_t *plain, size_t *plain_len, uint8_t *type)
{
	uint8_t *in = malloc(len ? len : 1);
	uint8_t *out = in_place ? in : malloc(len ? len : 1);
	int rc;
	assert_non_null(in);
	assert_non_null(out);
	memcpy(in, rec, len);
	rc = tls_cipher_open13(c, hdr[0], (uint16_t)(hdr[1] << 8 | hdr[2]), in, len, out,
			       plain_len, type);
	if (rc == 0)
		memcpy(plain, out, *plain_len);
	if (out != in)
		free(out);
	free(in);
	return rc;
}

/* New key and IV for both ends, as a KeyUpdate gives them (the sequence restarts). */
static void
sealer_update_keys(struct sealer *sl, uint8_t seed)
{
	fill(sl->key, sizeof(sl->key), seed);
	fill(sl->iv, sizeof(sl->iv), (uint8_t)(seed + 1));
	sl->seq = 0;
}

/* content length, padding length, inner type */
static const struct {
	size_t n, pad;
	uint8_t type;
} tls13_records[] = {
	{ 0, 0, TYPE_APPDATA },       { 1, 0, TYPE_APPDATA },   { 15, 1, TYPE_HANDSHAKE },
	{ 16, 16, TYPE_APPDATA },     { 17, 255, TYPE_ALERT },  { 100, 1000, TYPE_APPDATA },
	{ 1000, 3, TYPE_HANDSHAKE },  { 2, 0, TYPE_ALERT },     { 0, 200, TYPE_APPDATA },
	{ MAX_PLAIN, 0, TYPE_APPDATA }, { MAX_PLAIN - 7, 7, TYPE_APPDATA },
};

/* Seals a run of records of various lengths, paddings and types, and opens each in turn. */
static void
check_roundtrip13(uint16_t id, bool in_place)
{
	struct sealer sl;
	struct tls_cipher *c;
	uint8_t *msg = malloc(MAX_PLAIN), *rec = malloc(MAX_REC), *plain = malloc(MAX_REC);
	uint8_t hdr[5];
	assert_non_null(msg);
	assert_non_null(rec);
	assert_non_null(plain);
	sealer_init(&sl, id, TLS_V_TLS13, false);
	c = sealer_opener(&sl);
	for (size_t i = 0; i < sizeof(tls13_records) / sizeof(tls13_records[0]); i++) {
		size_t n = tls13_records[i].n, got = 0, len;
		uint8_t type = 0;
		/* content may end in zeros: only bytes after the type are padding */
		fill(msg, n, (uint8_t)i);
		if (n > 0)
			msg[n - 1] = 0;
		len = seal13(&sl, tls13_records[i].type, msg, n, tls13_records[i].pad, rec, hdr);
		assert_int_equal(open13_exact(c, hdr, rec, len, in_place, plain, &got, &type), 0);
		assert_int_equal(type, tls13_records[i].type);
		assert_int_equal(got, n);
		assert_memory_equal(plain, msg, n);
		assert_int_equal(tls_cipher_seq(c), i + 1);
	}
	tls_cipher_free(c);
	sealer_fini(&sl);
	free(msg);
	free(rec);
	free(plain);
}

#define ROUNDTRIP13(name, id, in_place)                                                    \
	static void name(void **state)                                                     \
	{                                                                                  \
		(void)state;                                                               \
		check_roundtrip13(id, in_place);                                           \
	}

ROUNDTRIP13(test_tls13_aes128_gcm, 0x1301, false)
ROUNDTRIP13(test_tls13_aes256_gcm, 0x1302, false)
ROUNDTRIP13(test_tls13_chacha20_poly1305, 0x1303, false)
ROUNDTRIP13(test_tls13_aes128_ccm, 0x1304, false)
ROUNDTRIP13(test_tls13_aes128_ccm8, 0x1305, false)
ROUNDTRIP13(test_tls13_aes128_gcm_in_place, 0x1301, true)
ROUNDTRIP13(test_tls13_chacha20_poly1305_in_place, 0x1303, true)
ROUNDTRIP13(test_tls13_aes128_ccm8_in_place, 0x1305, true)

/* One sealed record, with or without a given content, opened by a fresh cipher. */
static int
open13_one(uint16_t id, uint8_t inner_type, const uint8_t *msg, size_t n, size_t pad,
	   size_t *got, uint8_t *type)
{
	struct sealer sl;
	struct tls_cipher *c;
	uint8_t *rec = malloc(MAX_REC), *plain = malloc(MAX_REC), hdr[5];
	size_t len;
	int rc;
	assert_non_null(rec);
	assert_non_null(plain);
	sealer_init(&sl, id, TLS_V_TLS13, false);
	c = sealer_opener(&sl);
	len = seal13(&sl, inner_type, msg, n, pad, rec, hdr);
	rc = open13_exact(c, hdr, rec, len, false, plain, got, type);
	assert_int_equal(tls_cipher_seq(c), rc == 0 ? 1 : 0);
	tls_cipher_free(c);
	sealer_fini(&sl);
	free(rec);
	free(plain);
	return rc;
}

/* RFC 8446 5.4: padding up to the 2^14 + 1 bytes of a whole TLSInnerPlaintext. */
static void
test_tls13_padding_to_the_limit(void **state)
{
	uint8_t msg[10] = { 1, 2, 3, 0, 0, 0, 0, 0, 0, 0 }, type = 0;
	size_t got = 0;
	(void)state;
	assert_int_equal(open13_one(0x1301, TYPE_APPDATA, msg, 0, MAX_PLAIN, &got, &type), 0);
	assert_int_equal(got, 0);
	assert_int_equal(type, TYPE_APPDATA);
	assert_int_equal(open13_one(0x1303, TYPE_HANDSHAKE, msg, 10, MAX_PLAIN - 10, &got, &type),
			 0);
	assert_int_equal(got, 10);
	assert_int_equal(type, TYPE_HANDSHAKE);
	/* one byte over: content + type + padding = 2^14 + 2 */
	assert_int_equal(open13_one(0x1301, TYPE_APPDATA, msg, 10, MAX_PLAIN - 9, &got, &type),
			 TLSIPS_EMALFORMED);
	assert_int_equal(open13_one(0x1304, TYPE_APPDATA, msg, 0, MAX_PLAIN + 1, &got, &type),
			 TLSIPS_EMALFORMED);
}

/* RFC 8446 5.4: a plaintext of zeros only has no type: unexpected_message. */
static void
test_tls13_all_zero_plaintext_malformed(void **state)
{
	uint8_t zeros[32] = { 0 }, type = 0;
	size_t got = 0;
	(void)state;
	assert_int_equal(open13_one(0x1301, 0, zeros, 0, 0, &got, &type), TLSIPS_EMALFORMED);
	assert_int_equal(open13_one(0x1302, 0, zeros, 0, 40, &got, &type), TLSIPS_EMALFORMED);
	assert_int_equal(open13_one(0x1303, 0, zeros, sizeof(zeros), 5, &got, &type),
			 TLSIPS_EMALFORMED);
	assert_int_equal(open13_one(0x1305, 0, zeros, 1, 0, &got, &type), TLSIPS_EMALFORMED);
	/* the same with a type byte authenticates and opens */
	assert_int_equal(open13_one(0x1305, TYPE_APPDATA, zeros, 1, 0, &got, &type), 0);
	assert_int_equal(got, 1);
}

enum damage13 {
	DAMAGE13_FIRST_BYTE = 1, /* first ciphertext byte */
	DAMAGE13_MIDDLE,         /* a ciphertext byte in the middle */
	DAMAGE13_TAG,            /* the tag's last byte */
	DAMAGE13_VERSION,        /* legacy_record_version 0x0301 in the additional data */
	DAMAGE13_LENGTH_HIGH,    /* a high bit flipped in the header's length field */
};

/*
 * Seals records 0 and 1; damages record 1 as told: ECRYPTO, the sequence
 * stays, and the undamaged record 1 then opens.
 */
static void
check_damage13(uint16_t id, enum damage13 d)
{
	struct sealer sl;
	struct tls_cipher *c;
	uint8_t msg[200], rec0[300], rec[300], bad[300], plain[300], hdr0[5], hdr[5], bad_hdr[5];
	uint8_t type = 0;
	size_t len0, len, bad_len, got = 0;
	sealer_init(&sl, id, TLS_V_TLS13, false);
	c = sealer_opener(&sl);
	fill(msg, sizeof(msg), 9);
	len0 = seal13(&sl, TYPE_APPDATA, msg, 50, 3, rec0, hdr0);
	len = seal13(&sl, TYPE_APPDATA, msg, sizeof(msg), 0, rec, hdr);
	assert_int_equal(open13_exact(c, hdr0, rec0, len0, false, plain, &got, &type), 0);
	memcpy(bad, rec, len);
	memcpy(bad_hdr, hdr, 5);
	bad_len = len;
	switch (d) {
	case DAMAGE13_FIRST_BYTE: bad[0] ^= 0x01; break;
	case DAMAGE13_MIDDLE: bad[len / 2] ^= 0x80; break;
	case DAMAGE13_TAG: bad[len - 1] ^= 0x01; break;
	case DAMAGE13_VERSION: bad_hdr[2] = 0x01; break;
	case DAMAGE13_LENGTH_HIGH: bad_len = len - 1; bad_hdr[4] = (uint8_t)bad_len; break;
	}
	assert_int_equal(open13_exact(c, bad_hdr, bad, bad_len, false, plain, &got, &type),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_cipher_seq(c), 1);
	assert_int_equal(open13_exact(c, hdr, rec, len, false, plain, &got, &type), 0);
	assert_int_equal(got, sizeof(msg));
	assert_memory_equal(plain, msg, sizeof(msg));
	assert_int_equal(tls_cipher_seq(c), 2);
	tls_cipher_free(c);
	sealer_fini(&sl);
}

#define DAMAGED13(name, id, d)                                                             \
	static void name(void **state)                                                     \
	{                                                                                  \
		(void)state;                                                               \
		check_damage13(id, d);                                                     \
	}

DAMAGED13(test_tls13_gcm_flipped_first_byte, 0x1301, DAMAGE13_FIRST_BYTE)
DAMAGED13(test_tls13_gcm256_flipped_middle, 0x1302, DAMAGE13_MIDDLE)
DAMAGED13(test_tls13_chacha_flipped_tag, 0x1303, DAMAGE13_TAG)
DAMAGED13(test_tls13_ccm_flipped_middle, 0x1304, DAMAGE13_MIDDLE)
DAMAGED13(test_tls13_ccm8_flipped_tag, 0x1305, DAMAGE13_TAG)
DAMAGED13(test_tls13_gcm_wrong_version, 0x1301, DAMAGE13_VERSION)
DAMAGED13(test_tls13_chacha_wrong_version, 0x1303, DAMAGE13_VERSION)
DAMAGED13(test_tls13_ccm8_truncated, 0x1305, DAMAGE13_LENGTH_HIGH)

/* The sequence number is in the nonce: a record out of order does not open. */
static void
test_tls13_out_of_order_records_fail(void **state)
{
	static const uint16_t ids[] = { 0x1301, 0x1302, 0x1303, 0x1304, 0x1305 };
	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct sealer sl;
		struct tls_cipher *c;
		uint8_t msg[64], rec0[200], rec1[200], plain[200], hdr0[5], hdr1[5], type = 0;
		size_t len0, len1, got = 0;
		sealer_init(&sl, ids[i], TLS_V_TLS13, false);
		c = sealer_opener(&sl);
		fill(msg, sizeof(msg), 1);
		len0 = seal13(&sl, TYPE_APPDATA, msg, sizeof(msg), 0, rec0, hdr0);
		len1 = seal13(&sl, TYPE_APPDATA, msg, sizeof(msg), 0, rec1, hdr1);
		assert_int_equal(open13_exact(c, hdr1, rec1, len1, false, plain, &got, &type),
				 TLSIPS_ECRYPTO);
		assert_int_equal(open13_exact(c, hdr0, rec0, len0, false, plain, &got, &type), 0);
		assert_int_equal(open13_exact(c, hdr1, rec1, len1, false, plain, &got, &type), 0);
		tls_cipher_free(c);
		sealer_fini(&sl);
	}
}

/* RFC 8446 5.2: lengths refused before anything is decrypted. */
static void
test_tls13_impossible_lengths_malformed(void **state)
{
	struct sealer sl;
	struct tls_cipher *c;
	uint8_t *junk = calloc(1, TLS13_FRAGMENT_MAX + 1), *out = malloc(TLS13_FRAGMENT_MAX + 1);
	uint8_t type = 0;
	size_t got = 0;
	(void)state;
	assert_non_null(junk);
	assert_non_null(out);
	sealer_init(&sl, 0x1305, TLS_V_TLS13, false); /* CCM_8: the shortest tag, 8 */
	c = sealer_opener(&sl);
	/* no room for the type byte after the tag */
	assert_int_equal(tls_cipher_open13(c, TYPE_APPDATA, 0x0303, junk, 8, out, &got, &type),
			 TLSIPS_EMALFORMED);
	assert_int_equal(tls_cipher_open13(c, TYPE_APPDATA, 0x0303, junk, 0, out, &got, &type),
			 TLSIPS_EMALFORMED);
	/* over 2^14 + 256 */
	assert_int_equal(tls_cipher_open13(c, TYPE_APPDATA, 0x0303, junk, TLS13_FRAGMENT_MAX + 1,
					   out, &got, &type),
			 TLSIPS_EMALFORMED);
	/* within 2^14 + 256, but the inner plaintext would be over 2^14 + 1 */
	assert_int_equal(tls_cipher_open13(c, TYPE_APPDATA, 0x0303, junk, TLS13_INNER_MAX + 8 + 1,
					   out, &got, &type),
			 TLSIPS_EMALFORMED);
	/* the largest legal length goes on to authentication (and fails it) */
	assert_int_equal(tls_cipher_open13(c, TYPE_APPDATA, 0x0303, junk, TLS13_INNER_MAX + 8,
					   out, &got, &type),
			 TLSIPS_ECRYPTO);
	/* RFC 8446 5.2: the outer type is always application_data */
	assert_int_equal(tls_cipher_open13(c, TYPE_HANDSHAKE, 0x0303, junk, 100, out, &got, &type),
			 TLSIPS_EMALFORMED);
	assert_int_equal(tls_cipher_seq(c), 0);
	tls_cipher_free(c);
	sealer_fini(&sl);
	free(junk);
	free(out);
}

/* Each open function takes only its own versions' ciphers. */
static void
test_tls13_open_functions_do_not_mix(void **state)
{
	struct sealer sl12, sl13;
	struct tls_cipher *c12, *c13;
	uint8_t rec[64] = { 0 }, out[64], type = 0;
	size_t got = 0;
	(void)state;
	sealer_init(&sl12, 0x009C, TLS_V_TLS12, false);
	sealer_init(&sl13, 0x1301, TLS_V_TLS13, false);
	c12 = sealer_opener(&sl12);
	c13 = sealer_opener(&sl13);
	assert_int_equal(tls_cipher_open13(c12, TYPE_APPDATA, 0x0303, rec, 40, out, &got, &type),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_cipher_open(c13, TYPE_APPDATA, 0x0303, rec, 40, out, &got),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_cipher_rekey(c12, &(struct tls_cipher_keys){ NULL, rec, rec }),
			 TLSIPS_ECRYPTO);
	tls_cipher_free(c12);
	tls_cipher_free(c13);
	sealer_fini(&sl12);
	sealer_fini(&sl13);
}

/*
 * KeyUpdate: records under key 0, then (both ends) key 1 and key 2, each
 * generation starting at sequence 0. After each rekey the previous key's
 * first record, at the same sequence number 0, no longer opens.
 */
static void
check_rekey(uint16_t id)
{
	struct sealer sl;
	struct tls_cipher *c;
	uint8_t msg[300], rec[400], old_rec[400], plain[400], hdr[5], old_hdr[5], type = 0;
	size_t len, old_len = 0, got = 0;
	sealer_init(&sl, id, TLS_V_TLS13, false);
	c = sealer_opener(&sl);
	fill(msg, sizeof(msg), 3);
	for (int gen = 0; gen < 3; gen++) {
		struct tls_cipher_keys k = sealer_keys(&sl);
		if (gen > 0) {
			assert_int_equal(tls_cipher_rekey(c, &k), 0);
			assert_int_equal(tls_cipher_seq(c), 0);
			assert_int_equal(open13_exact(c, old_hdr, old_rec, old_len, false, plain,
						      &got, &type),
					 TLSIPS_ECRYPTO);
		}
		for (size_t i = 0; i < 3; i++) {
			len = seal13(&sl, TYPE_APPDATA, msg, 100 * i, i, rec, hdr);
			if (i == 0) {
				memcpy(old_rec, rec, len);
				memcpy(old_hdr, hdr, sizeof(hdr));
				old_len = len;
			}
			assert_int_equal(open13_exact(c, hdr, rec, len, false, plain, &got, &type),
					 0);
			assert_int_equal(got, 100 * i);
			assert_memory_equal(plain, msg, got);
		}
		assert_int_equal(tls_cipher_seq(c), 3);
		sealer_update_keys(&sl, (uint8_t)(0x40 + gen));
	}
	tls_cipher_free(c);
	sealer_fini(&sl);
}

static void
test_tls13_rekey_every_suite(void **state)
{
	(void)state;
	check_rekey(0x1301);
	check_rekey(0x1302);
	check_rekey(0x1303);
	check_rekey(0x1304);
	check_rekey(0x1305);
}

/* A rekey without a key or IV is refused and leaves the cipher as it was. */
static void
test_tls13_rekey_missing_keys_refused(void **state)
{
	struct sealer sl;
	struct tls_cipher *c;
	uint8_t msg[20], rec[100], plain[100], hdr[5], type = 0;
	size_t len, got = 0;
	(void)state;
	sealer_init(&sl, 0x1301, TLS_V_TLS13, false);
	c = sealer_opener(&sl);
	fill(msg, sizeof(msg), 5);
	assert_int_equal(tls_cipher_rekey(c, &(struct tls_cipher_keys){ NULL, msg, NULL }),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_cipher_rekey(c, &(struct tls_cipher_keys){ NULL, NULL, msg }),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_cipher_rekey(c, NULL), TLSIPS_ECRYPTO);
	len = seal13(&sl, TYPE_APPDATA, msg, sizeof(msg), 0, rec, hdr);
	assert_int_equal(open13_exact(c, hdr, rec, len, false, plain, &got, &type), 0);
	assert_memory_equal(plain, msg, sizeof(msg));
	tls_cipher_free(c);
	sealer_fini(&sl);
}

/* ---- secure memory (tls_secret), where every tls_cipher keeps its keys ------------ */

enum { TEST_ARENA = 1 << 16 };

/* The arena is process-wide and first set-up wins: make it small, before any cipher. */
static int
group_setup(void **state)
{
	(void)state;
	tls_secmem_init(TEST_ARENA);
	return CRYPTO_secure_malloc_initialized() ? 0 : -1;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void
test_secmem_is_zeroed_secure_memory(void **state)
{
	uint8_t *p;
	(void)state;
	tls_secmem_init(TEST_ARENA * 4); /* a second set-up changes nothing */
	p = tls_secmem_alloc(100);
	assert_non_null(p);
	assert_true(CRYPTO_secure_allocated(p));
	assert_true(all_zero(p, 100));
	memset(p, 0xAB, 100);
	tls_secmem_free(p, 100);
}

/* Twice the arena's size in 1 KiB pieces: the overflow is plain memory, counted. */
static void
test_secmem_falls_back_when_full(void **state)
{
	enum { N = 2 * TEST_ARENA / 1024 };
	uint8_t *p[N];
	uint64_t before = tls_secmem_fallbacks();
	unsigned plain = 0;
	(void)state;
	for (int i = 0; i < N; i++) {
		p[i] = tls_secmem_alloc(1024);
		assert_non_null(p[i]);
		assert_true(all_zero(p[i], 1024));
		plain += !CRYPTO_secure_allocated(p[i]);
		memset(p[i], 0xCD, 1024);
	}
	assert_true(plain >= N / 2);
	assert_int_equal(tls_secmem_fallbacks() - before, plain);
	for (int i = 0; i < N; i++)
		tls_secmem_free(p[i], 1024);
	/* the arena is usable again once freed */
	p[0] = tls_secmem_alloc(1024);
	assert_true(CRYPTO_secure_allocated(p[0]));
	tls_secmem_free(p[0], 1024);
}

static void
test_secmem_free_accepts_null(void **state)
{
	(void)state;
	tls_secmem_free(NULL, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secmem_is_zeroed_secure_memory),
		cmocka_unit_test(test_secmem_falls_back_when_full),
		cmocka_unit_test(test_secmem_free_accepts_null),
		cmocka_unit_test(test_rc4_md5_ssl3),
		cmocka_unit_test(test_rc4_sha_ssl3),
		cmocka_unit_test(test_rc4_md5_tls10),
		cmocka_unit_test(test_rc4_sha_tls12),
		cmocka_unit_test(test_rc4_sha_tls12_in_place),
		cmocka_unit_test(test_aes128_cbc_ssl3),
		cmocka_unit_test(test_3des_cbc_ssl3),
		cmocka_unit_test(test_des_cbc_tls10),
		cmocka_unit_test(test_aes128_cbc_tls10),
		cmocka_unit_test(test_aes128_cbc_tls10_in_place),
		cmocka_unit_test(test_camellia256_cbc_tls10),
		cmocka_unit_test(test_3des_cbc_tls11),
		cmocka_unit_test(test_aes256_cbc_tls11),
		cmocka_unit_test(test_aes128_sha256_cbc_tls12),
		cmocka_unit_test(test_aes256_sha384_cbc_tls12),
		cmocka_unit_test(test_camellia128_sha256_cbc_tls12),
		cmocka_unit_test(test_aes128_cbc_tls12_in_place),
		cmocka_unit_test(test_aes128_cbc_etm_tls10),
		cmocka_unit_test(test_aes128_cbc_etm_tls10_in_place),
		cmocka_unit_test(test_3des_cbc_etm_tls11),
		cmocka_unit_test(test_aes256_sha384_cbc_etm_tls12),
		cmocka_unit_test(test_aes128_cbc_etm_tls12_in_place),
		cmocka_unit_test(test_aes128_gcm),
		cmocka_unit_test(test_aes256_gcm),
		cmocka_unit_test(test_aes128_gcm_in_place),
		cmocka_unit_test(test_aes128_gcm_etm_flag_ignored),
		cmocka_unit_test(test_aes128_ccm),
		cmocka_unit_test(test_aes256_ccm_in_place),
		cmocka_unit_test(test_aes128_ccm8),
		cmocka_unit_test(test_aes256_ccm8),
		cmocka_unit_test(test_chacha20_poly1305),
		cmocka_unit_test(test_chacha20_poly1305_in_place),
		cmocka_unit_test(test_rc4_flipped_ciphertext),
		cmocka_unit_test(test_rc4_flipped_mac),
		cmocka_unit_test(test_rc4_ssl3_flipped_mac),
		cmocka_unit_test(test_cbc_ssl3_flipped_ciphertext),
		cmocka_unit_test(test_cbc_ssl3_flipped_last_block),
		cmocka_unit_test(test_cbc_tls10_flipped_first_block),
		cmocka_unit_test(test_cbc_tls10_wrong_type),
		cmocka_unit_test(test_cbc_tls12_flipped_iv),
		cmocka_unit_test(test_cbc_tls12_flipped_ciphertext),
		cmocka_unit_test(test_cbc_tls12_flipped_last_block),
		cmocka_unit_test(test_cbc_tls12_wrong_version),
		cmocka_unit_test(test_cbc_etm_flipped_iv),
		cmocka_unit_test(test_cbc_etm_flipped_ciphertext),
		cmocka_unit_test(test_cbc_etm_flipped_mac),
		cmocka_unit_test(test_cbc_etm_wrong_type),
		cmocka_unit_test(test_gcm_flipped_nonce),
		cmocka_unit_test(test_gcm_flipped_ciphertext),
		cmocka_unit_test(test_gcm_flipped_tag),
		cmocka_unit_test(test_gcm_wrong_type),
		cmocka_unit_test(test_gcm_wrong_version),
		cmocka_unit_test(test_ccm_flipped_ciphertext),
		cmocka_unit_test(test_ccm_flipped_tag),
		cmocka_unit_test(test_ccm8_flipped_tag),
		cmocka_unit_test(test_ccm8_flipped_nonce),
		cmocka_unit_test(test_chacha_flipped_ciphertext),
		cmocka_unit_test(test_chacha_flipped_tag),
		cmocka_unit_test(test_chacha_wrong_type),
		cmocka_unit_test(test_out_of_order_records_fail),
		cmocka_unit_test(test_tls_long_padding_accepted),
		cmocka_unit_test(test_tls_padding_bytes_must_equal_length),
		cmocka_unit_test(test_ssl3_padding_rules),
		cmocka_unit_test(test_padding_longer_than_record_refused),
		cmocka_unit_test(test_truncated_records_refused),
		cmocka_unit_test(test_impossible_lengths_are_malformed),
		cmocka_unit_test(test_oversized_fragment_malformed),
		cmocka_unit_test(test_plaintext_over_2_14_malformed),
		cmocka_unit_test(test_new_refuses_suite_version_mismatch),
		cmocka_unit_test(test_free_accepts_null),
		cmocka_unit_test(test_illustrated_tls12_client_records),
		cmocka_unit_test(test_illustrated_tls12_server_records),
		cmocka_unit_test(test_tls13_aes128_gcm),
		cmocka_unit_test(test_tls13_aes256_gcm),
		cmocka_unit_test(test_tls13_chacha20_poly1305),
		cmocka_unit_test(test_tls13_aes128_ccm),
		cmocka_unit_test(test_tls13_aes128_ccm8),
		cmocka_unit_test(test_tls13_aes128_gcm_in_place),
		cmocka_unit_test(test_tls13_chacha20_poly1305_in_place),
		cmocka_unit_test(test_tls13_aes128_ccm8_in_place),
		cmocka_unit_test(test_tls13_padding_to_the_limit),
		cmocka_unit_test(test_tls13_all_zero_plaintext_malformed),
		cmocka_unit_test(test_tls13_gcm_flipped_first_byte),
		cmocka_unit_test(test_tls13_gcm256_flipped_middle),
		cmocka_unit_test(test_tls13_chacha_flipped_tag),
		cmocka_unit_test(test_tls13_ccm_flipped_middle),
		cmocka_unit_test(test_tls13_ccm8_flipped_tag),
		cmocka_unit_test(test_tls13_gcm_wrong_version),
		cmocka_unit_test(test_tls13_chacha_wrong_version),
		cmocka_unit_test(test_tls13_ccm8_truncated),
		cmocka_unit_test(test_tls13_out_of_order_records_fail),
		cmocka_unit_test(test_tls13_impossible_lengths_malformed),
		cmocka_unit_test(test_tls13_open_functions_do_not_mix),
		cmocka_unit_test(test_tls13_rekey_every_suite),
		cmocka_unit_test(test_tls13_rekey_missing_keys_refused),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
