/*
 * test_tls_hkdf: HKDF-Expand-Label, traffic keys and KeyUpdate secrets.
 *
 * Oracles, none computed by the code under test:
 *   - RFC 8448 section 3 (Simple 1-RTT Handshake, TLS_AES_128_GCM_SHA256):
 *     every Derive-Secret step there is HKDF-Expand-Label with the
 *     transcript hash as context, so its PRK / hash / expanded values are
 *     Expand-Label answers; "derive ... traffic keys" give key and IV of the
 *     four traffic secrets. Hex copied from the RFC text.
 *   - RFC 8446 7.2 "traffic upd" has no published vector, nor has SHA-384:
 *     an HKDF-Expand written here from RFC 5869 2.3 with one-shot HMAC()
 *     calls, and HkdfLabel built here from RFC 8446 7.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/err.h"
#include "base/num.h"
#include "tls/tls_hkdf.h"

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;
	assert_true(n <= cap);
	assert_int_equal(num_parse_hex(hex, strlen(hex), out, n), 0);
	return n;
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 41 + (i >> 4));
}

/* ---- the independent reference ------------------------------------------------ */

/* RFC 5869 2.3: T(i) = HMAC(PRK, T(i-1) | info | i), OKM = first L bytes of T(1)|T(2)|... */
static void
ref_hkdf_expand(const EVP_MD *md, const uint8_t *prk, size_t prk_len, const uint8_t *info,
		size_t info_len, uint8_t *out, size_t out_len)
{
	uint8_t buf[EVP_MAX_MD_SIZE + 600], t[EVP_MAX_MD_SIZE];
	unsigned int t_len = 0;
	size_t done = 0;
	assert_true(info_len <= 600);
	for (unsigned i = 1; done < out_len; i++) {
		size_t n = 0, take;
		memcpy(buf, t, t_len);
		n += t_len;
		memcpy(buf + n, info, info_len);
		n += info_len;
		buf[n++] = (uint8_t)i;
		assert_non_null(HMAC(md, prk, (int)prk_len, buf, n, t, &t_len));
		take = out_len - done < t_len ? out_len - done : t_len;
		memcpy(out + done, t, take);
		done += take;
	}
}

/* RFC 8446 7.1: HkdfLabel, then HKDF-Expand. */
static void
ref_expand_label(const char *md_name, const uint8_t *secret, size_t secret_len,
		 const char *label, const uint8_t *ctx, size_t ctx_len, uint8_t *out,
		 size_t out_len)
{
	const EVP_MD *md = EVP_get_digestbyname(md_name);
	uint8_t info[600];
	size_t n = 0, label_len = strlen(label);
	assert_non_null(md);
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + label_len);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = (uint8_t)ctx_len;
	if (ctx_len > 0)
		memcpy(info + n, ctx, ctx_len);
	n += ctx_len;
	ref_hkdf_expand(md, secret, secret_len, info, n, out, out_len);
}

/* ---- RFC 8448 section 3: HKDF-Expand-Label known answers ------------------------ */

/* Expand-Label(secret_hex, label, context_hex, Hash.length) == want_hex, SHA-256. */
static void
check_expand_label_kat(const char *secret_hex, const char *label, const char *context_hex,
		       const char *want_hex)
{
	uint8_t secret[32], ctx[32], want[32], got[32];
	size_t secret_len = unhex(secret_hex, secret, sizeof(secret));
	size_t ctx_len = unhex(context_hex, ctx, sizeof(ctx));
	size_t want_len = unhex(want_hex, want, sizeof(want));
	assert_int_equal(tls_hkdf_expand_label("SHA256", secret, secret_len, label,
					       ctx_len ? ctx : NULL, ctx_len, got, want_len),
			 0);
	assert_memory_equal(got, want, want_len);
}

/* The handshake and master secrets of the trace, and the transcript hashes. */
#define RFC8448_EARLY "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a"
#define RFC8448_HANDSHAKE "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac"
#define RFC8448_MASTER "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919"
/* SHA-256 of the empty string; of ClientHello..ServerHello; of ..server Finished */
#define RFC8448_HASH_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define RFC8448_HASH_CH_SH "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8"
#define RFC8448_HASH_CH_SF "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13"
/* The four traffic secrets */
#define RFC8448_C_HS "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"
#define RFC8448_S_HS "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"
#define RFC8448_C_AP "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"
#define RFC8448_S_AP "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"

static void
test_rfc8448_hs_traffic_secrets(void **state)
{
	(void)state;
	/* {server} derive secret "tls13 c hs traffic" / "tls13 s hs traffic" */
	check_expand_label_kat(RFC8448_HANDSHAKE, "c hs traffic", RFC8448_HASH_CH_SH,
			       RFC8448_C_HS);
	check_expand_label_kat(RFC8448_HANDSHAKE, "s hs traffic", RFC8448_HASH_CH_SH,
			       RFC8448_S_HS);
}

static void
test_rfc8448_ap_traffic_secrets(void **state)
{
	(void)state;
	/* {server} derive secret "tls13 c ap traffic" / "tls13 s ap traffic" / "exp master" */
	check_expand_label_kat(RFC8448_MASTER, "c ap traffic", RFC8448_HASH_CH_SF, RFC8448_C_AP);
	check_expand_label_kat(RFC8448_MASTER, "s ap traffic", RFC8448_HASH_CH_SF, RFC8448_S_AP);
	check_expand_label_kat(RFC8448_MASTER, "exp master", RFC8448_HASH_CH_SF,
			       "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50");
	/* {client} derive secret "tls13 res master" (hash up to the client Finished) */
	check_expand_label_kat(RFC8448_MASTER, "res master",
			       "209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d",
			       "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c");
}

static void
test_rfc8448_derived_finished_resumption(void **state)
{
	(void)state;
	/* {server} derive secret for handshake "tls13 derived" (context: hash of "") */
	check_expand_label_kat(RFC8448_EARLY, "derived", RFC8448_HASH_EMPTY,
			       "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");
	/* {server} / {client} calculate finished "tls13 finished": empty context */
	check_expand_label_kat(RFC8448_S_HS, "finished", "",
			       "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8");
	check_expand_label_kat(RFC8448_C_HS, "finished", "",
			       "b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4");
	/* {server} generate resumption secret "tls13 resumption": context is the nonce 00 00 */
	check_expand_label_kat("7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c",
			       "resumption", "0000",
			       "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3");
}

/* ---- RFC 8448 section 3: traffic keys ------------------------------------------- */

static void
check_traffic_keys_kat(const char *secret_hex, const char *key_hex, const char *iv_hex)
{
	uint8_t secret[32], want_key[16], want_iv[12], key[16], iv[12];
	size_t secret_len = unhex(secret_hex, secret, sizeof(secret));
	unhex(key_hex, want_key, sizeof(want_key));
	unhex(iv_hex, want_iv, sizeof(want_iv));
	assert_int_equal(tls_hkdf_traffic_keys("SHA256", secret, secret_len, sizeof(key),
					       sizeof(iv), key, iv),
			 0);
	assert_memory_equal(key, want_key, sizeof(key));
	assert_memory_equal(iv, want_iv, sizeof(iv));
}

static void
test_rfc8448_server_handshake_keys(void **state)
{
	(void)state;
	/* {server} derive write traffic keys for handshake data */
	check_traffic_keys_kat(RFC8448_S_HS, "3fce516009c21727d0f2e4e86ee403bc",
			       "5d313eb2671276ee13000b30");
}

static void
test_rfc8448_client_handshake_keys(void **state)
{
	(void)state;
	/* {server} derive read traffic keys for handshake data */
	check_traffic_keys_kat(RFC8448_C_HS, "dbfaa693d1762c5b666af5d950258d01",
			       "5bd3c71b836e0b76bb73265f");
}

static void
test_rfc8448_server_application_keys(void **state)
{
	(void)state;
	/* {server} derive write traffic keys for application data */
	check_traffic_keys_kat(RFC8448_S_AP, "9f02283b6c9c07efc26bb9f2ac92e356",
			       "cf782b88dd83549aadf1e984");
}

static void
test_rfc8448_client_application_keys(void **state)
{
	(void)state;
	/* {client} derive write traffic keys for application data */
	check_traffic_keys_kat(RFC8448_C_AP, "17422dda596ed5d9acd890e3c63f5051",
			       "5b78923dee08579033e523d9");
}

/* ---- differential: SHA-384, odd lengths, KeyUpdate --------------------------------- */

static void
check_expand_label_ref(const char *md, size_t secret_len, const char *label, size_t ctx_len,
		       size_t out_len)
{
	uint8_t secret[48], ctx[255], want[1024], got[1024];
	assert_true(out_len <= sizeof(got));
	fill(secret, secret_len, (uint8_t)(out_len + ctx_len));
	fill(ctx, ctx_len, 0x5a);
	ref_expand_label(md, secret, secret_len, label, ctx, ctx_len, want, out_len);
	assert_int_equal(tls_hkdf_expand_label(md, secret, secret_len, label, ctx, ctx_len, got,
					       out_len),
			 0);
	assert_memory_equal(got, want, out_len);
}

static void
test_expand_label_matches_reference(void **state)
{
	static const size_t lengths[] = { 1, 12, 16, 31, 32, 33, 48, 49, 64, 97, 1024 };
	char long_label[TLS_HKDF_LABEL_MAX + 1];
	(void)state;
	memset(long_label, 'x', TLS_HKDF_LABEL_MAX);
	long_label[TLS_HKDF_LABEL_MAX] = '\0';
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		check_expand_label_ref("SHA256", 32, "key", 0, lengths[i]);
		check_expand_label_ref("SHA384", 48, "iv", 0, lengths[i]);
		check_expand_label_ref("SHA384", 48, "c ap traffic", 48, lengths[i]);
	}
	/* the extremes of HkdfLabel: one-byte and longest label, longest context */
	check_expand_label_ref("SHA256", 32, "k", 255, 32);
	check_expand_label_ref("SHA384", 48, long_label, 255, 48);
}

static void
check_traffic_keys_ref(const char *md, size_t secret_len, size_t key_len)
{
	uint8_t secret[48], key[32], iv[12], want_key[32], want_iv[12];
	fill(secret, secret_len, 0x77);
	ref_expand_label(md, secret, secret_len, "key", NULL, 0, want_key, key_len);
	ref_expand_label(md, secret, secret_len, "iv", NULL, 0, want_iv, sizeof(want_iv));
	assert_int_equal(
		tls_hkdf_traffic_keys(md, secret, secret_len, key_len, sizeof(iv), key, iv), 0);
	assert_memory_equal(key, want_key, key_len);
	assert_memory_equal(iv, want_iv, sizeof(iv));
}

static void
test_traffic_keys_sha384_and_256bit_keys(void **state)
{
	(void)state;
	check_traffic_keys_ref("SHA384", 48, 32); /* TLS_AES_256_GCM_SHA384 */
	check_traffic_keys_ref("SHA256", 32, 32); /* TLS_CHACHA20_POLY1305_SHA256 */
	check_traffic_keys_ref("SHA256", 32, 16); /* the AES-128 suites */
}

/* RFC 8446 7.2, checked against the reference for three generations, both hashes. */
static void
check_next_secret(const char *md, size_t len)
{
	uint8_t secret[48], want[48], got[48];
	fill(secret, len, 0x21);
	for (int gen = 0; gen < 3; gen++) {
		ref_expand_label(md, secret, len, "traffic upd", NULL, 0, want, len);
		assert_int_equal(tls_hkdf_next_secret(md, secret, len, got), 0);
		assert_memory_equal(got, want, len);
		memcpy(secret, got, len);
	}
}

static void
test_next_secret_matches_reference(void **state)
{
	(void)state;
	check_next_secret("SHA256", 32);
	check_next_secret("SHA384", 48);
}

/* Stepping in place (out == secret) gives the same secret as into another buffer. */
static void
test_next_secret_in_place(void **state)
{
	uint8_t secret[32], other[32];
	(void)state;
	unhex(RFC8448_S_AP, secret, sizeof(secret));
	assert_int_equal(tls_hkdf_next_secret("SHA256", secret, sizeof(secret), other), 0);
	assert_int_equal(tls_hkdf_next_secret("SHA256", secret, sizeof(secret), secret), 0);
	assert_memory_equal(secret, other, sizeof(secret));
}

/* ---- refusals ------------------------------------------------------------------------ */

static void
test_hash_len(void **state)
{
	(void)state;
	assert_int_equal(tls_hkdf_hash_len("SHA256"), 32);
	assert_int_equal(tls_hkdf_hash_len("SHA384"), 48);
	assert_int_equal(tls_hkdf_hash_len("SHA1"), 0);
	assert_int_equal(tls_hkdf_hash_len("sha256"), 0);
	assert_int_equal(tls_hkdf_hash_len(NULL), 0);
}

static void
test_secret_length_must_match_hash(void **state)
{
	uint8_t secret[48] = { 1 }, out[48];
	(void)state;
	/* a 32-byte key-log secret for a SHA-384 suite, and the reverse */
	assert_int_equal(tls_hkdf_expand_label("SHA384", secret, 32, "key", NULL, 0, out, 32),
			 TLSIPS_EMALFORMED);
	assert_int_equal(tls_hkdf_next_secret("SHA256", secret, 48, out), TLSIPS_EMALFORMED);
	assert_int_equal(tls_hkdf_next_secret("SHA256", secret, 0, out), TLSIPS_EMALFORMED);
}

static void
test_bad_parameters_refused(void **state)
{
	uint8_t secret[32] = { 1 }, ctx[256] = { 0 }, out[32 * 256];
	char long_label[TLS_HKDF_LABEL_MAX + 2];
	(void)state;
	memset(long_label, 'x', TLS_HKDF_LABEL_MAX + 1);
	long_label[TLS_HKDF_LABEL_MAX + 1] = '\0';
	assert_int_equal(tls_hkdf_expand_label("MD5", secret, 16, "key", NULL, 0, out, 16),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_hkdf_expand_label(NULL, secret, 32, "key", NULL, 0, out, 16),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_hkdf_expand_label("SHA256", secret, 32, "", NULL, 0, out, 16),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_hkdf_expand_label("SHA256", secret, 32, long_label, NULL, 0, out, 16),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_hkdf_expand_label("SHA256", secret, 32, "key", ctx, 256, out, 16),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_hkdf_expand_label("SHA256", secret, 32, "key", NULL, 5, out, 16),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_hkdf_expand_label("SHA256", secret, 32, "key", NULL, 0, out, 0),
			 TLSIPS_ECRYPTO);
	/* RFC 5869 2.3: at most 255 blocks */
	assert_int_equal(
		tls_hkdf_expand_label("SHA256", secret, 32, "key", NULL, 0, out, 255 * 32 + 1),
		TLSIPS_ECRYPTO);
	assert_int_equal(tls_hkdf_expand_label("SHA256", secret, 32, "key", NULL, 0, out, 255 * 32),
			 0);
}

/* A failed IV derivation leaves neither the key nor the IV behind. */
static void
test_traffic_keys_failure_wipes_outputs(void **state)
{
	uint8_t secret[32], key[16], iv[12];
	(void)state;
	unhex(RFC8448_S_HS, secret, sizeof(secret));
	memset(key, 0xEE, sizeof(key));
	memset(iv, 0xEE, sizeof(iv));
	assert_int_equal(tls_hkdf_traffic_keys("SHA256", secret, sizeof(secret), sizeof(key), 0,
					       key, iv),
			 TLSIPS_ECRYPTO);
	for (size_t i = 0; i < sizeof(key); i++)
		assert_int_equal(key[i], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8448_hs_traffic_secrets),
		cmocka_unit_test(test_rfc8448_ap_traffic_secrets),
		cmocka_unit_test(test_rfc8448_derived_finished_resumption),
		cmocka_unit_test(test_rfc8448_server_handshake_keys),
		cmocka_unit_test(test_rfc8448_client_handshake_keys),
		cmocka_unit_test(test_rfc8448_server_application_keys),
		cmocka_unit_test(test_rfc8448_client_application_keys),
		cmocka_unit_test(test_expand_label_matches_reference),
		cmocka_unit_test(test_traffic_keys_sha384_and_256bit_keys),
		cmocka_unit_test(test_next_secret_matches_reference),
		cmocka_unit_test(test_next_secret_in_place),
		cmocka_unit_test(test_hash_len),
		cmocka_unit_test(test_secret_length_must_match_hash),
		cmocka_unit_test(test_bad_parameters_refused),
		cmocka_unit_test(test_traffic_keys_failure_wipes_outputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
