/*
 * test_tls_prf: the TLS 1.0-1.2 PRF and the SSL 3.0 key derivation.
 *
 * Oracles, none computed by the code under test:
 *   - the TLS 1.2 PRF vectors posted to the IETF TLS list (P_SHA256, 100
 *     bytes; P_SHA384, 148 bytes; label "test label");
 *   - NIST CAVP SP 800-135 TLS KDF vectors (master secret and key block for
 *     TLS 1.0/1.1, TLS 1.2 with SHA-256 and with SHA-384), as also used in
 *     OpenSSL's and Bouncy Castle's test suites;
 *   - a plain HMAC P_hash written here from RFC 5246 5 and RFC 2246 5
 *     (differential, many lengths);
 *   - SSL 3.0 has no published vectors we know of: an independent
 *     straightforward computation of RFC 6101 6.1 / 6.2.2 with one-shot
 *     EVP_Digest calls over concatenated buffers.
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
#include "tls/tls_prf.h"
#include "tls/tls_suite.h"

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;
	assert_true(n <= cap);
	assert_int_equal(num_parse_hex(hex, strlen(hex), out, n), 0);
	return n;
}

/* Deterministic filler bytes, so differential inputs are not all zero. */
static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 37 + (i >> 3));
}

/* ---- published vectors ----------------------------------------------------- */

static void
test_tls12_prf_sha256_ietf_vector(void **state)
{
	uint8_t secret[16], seed[16], want[100], got[100];
	(void)state;
	/* secret, seed and 100 output bytes of the P_SHA256 vector, label "test label" */
	unhex("9bbe436ba940f017b17652849a71db35", secret, sizeof(secret));
	unhex("a0ba9f936cda311827a6f796ffd5198c", seed, sizeof(seed));
	unhex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
	      "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
	      "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
	      "87347b66",
	      want, sizeof(want));
	assert_int_equal(tls_prf_raw(TLS_V_TLS12, "SHA256", secret, sizeof(secret), "test label",
				     seed, sizeof(seed), got, sizeof(got)),
			 0);
	assert_memory_equal(got, want, sizeof(want));
}

static void
test_tls12_prf_sha384_ietf_vector(void **state)
{
	uint8_t secret[16], seed[16], want[148], got[148];
	(void)state;
	/* secret, seed and 148 output bytes of the P_SHA384 vector, label "test label" */
	unhex("b80b733d6ceefcdc71566ea48e5567df", secret, sizeof(secret));
	unhex("cd665cf6a8447dd6ff8b27555edb7465", seed, sizeof(seed));
	unhex("7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
	      "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
	      "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
	      "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
	      "91c8f3a26854308d5eaa3be85e0990703d73e56f",
	      want, sizeof(want));
	assert_int_equal(tls_prf_raw(TLS_V_TLS12, "SHA384", secret, sizeof(secret), "test label",
				     seed, sizeof(seed), got, sizeof(got)),
			 0);
	assert_memory_equal(got, want, sizeof(want));
}

/* NIST CAVP SP 800-135, TLS 1.0/1.1: pre-master secret and hello randoms. */
static const char cavp10_pms[] = "bded7fa5c1699c010be23dd06ada3a48349f21e5f86263d5"
				 "12c0c5cc379f0e780ec55d9844b2f1db02a96453513568d0";
static const char cavp10_ch[] = "e5acaf549cd25c22d964c0d930fa4b5261d2507fad84c33715b7b9a864020693";
static const char cavp10_sh[] = "135e4d557fdf3aa6406d82975d5c606a9734c9334b42136e96990fbd5358cdb2";
static const char cavp10_master[] = "2f6962dfbc744c4b2138bb6b3d33054c5ecc14f24851d989"
				    "6395a44ab3964efc2090c5bf51a0891209f46c1e1e998f62";

static void
check_cavp_master(uint16_t version, uint16_t suite_id, const char *pms_hex, const char *ch_hex,
		  const char *sh_hex, const char *master_hex)
{
	uint8_t pms[48], cr[32], sr[32], want[48], got[48];
	size_t pms_len = unhex(pms_hex, pms, sizeof(pms));
	unhex(ch_hex, cr, sizeof(cr));
	unhex(sh_hex, sr, sizeof(sr));
	unhex(master_hex, want, sizeof(want));
	assert_int_equal(tls_prf_master(version, tls_suite_find(suite_id), pms, pms_len, cr, sr,
					NULL, 0, got),
			 0);
	assert_memory_equal(got, want, sizeof(want));
}

static void
check_cavp_key_block(uint16_t version, uint16_t suite_id, const char *master_hex,
		     const char *cr_hex, const char *sr_hex, const char *block_hex)
{
	uint8_t master[48], cr[32], sr[32], want[128], got[128];
	size_t n;
	unhex(master_hex, master, sizeof(master));
	unhex(cr_hex, cr, sizeof(cr));
	unhex(sr_hex, sr, sizeof(sr));
	n = unhex(block_hex, want, sizeof(want));
	assert_int_equal(tls_prf_key_block(version, tls_suite_find(suite_id), master, cr, sr, got,
					   n),
			 0);
	assert_memory_equal(got, want, n);
}

static void
test_tls10_master_cavp(void **state)
{
	(void)state;
	/* TLS 1.0 ignores the suite's prf_md: a SHA-384 suite must not change it. */
	check_cavp_master(TLS_V_TLS10, 0x002F, cavp10_pms, cavp10_ch, cavp10_sh, cavp10_master);
	check_cavp_master(TLS_V_TLS10, 0xC028, cavp10_pms, cavp10_ch, cavp10_sh, cavp10_master);
}

static void
test_tls11_master_cavp(void **state)
{
	(void)state;
	check_cavp_master(TLS_V_TLS11, 0x0035, cavp10_pms, cavp10_ch, cavp10_sh, cavp10_master);
}

static void
test_tls10_key_block_cavp(void **state)
{
	(void)state;
	/* client random d58a.., server random 6726.., 104-byte key block */
	check_cavp_key_block(TLS_V_TLS10, 0x002F, cavp10_master,
			     "d58a7b1cd4fedaa232159df652ce188f9d997e061b9bf48e83b62990440931f6",
			     "67267e650eb32444119d222a368c191af3082888dc35afe8368e638c828874be",
			     "3088825988e77fce68d19f756e18e43eb7fe672433504feaf99b3c503d9091b1"
			     "64f166db301d70c9fc0870b4a94563907bee1a61fb786cb717576890bcc51cb9"
			     "ead97e01d0a2fea99c953377b195205ff07b369589178796edc963fd80fdbe51"
			     "8a2fc1c35c18ae8d");
}

static void
test_tls12_sha256_master_and_key_block_cavp(void **state)
{
	static const char master[] = "202c88c00f84a17a20027079604787461176455539e705be"
				     "730890602c289a5001e34eeb3a043e5d52a65e66125188bf";
	(void)state;
	check_cavp_master(TLS_V_TLS12, 0x009C,
			  "f8938ecc9edebc5030c0c6a441e213cd24e6f770a50dda07"
			  "876f8d55da062bcadb386b411fd4fe4313a604fce6c17fbc",
			  "36c129d01a3200894b9179faac589d9835d58775f9b5ea3587cb8fd0364cae8c",
			  "f6c9575ed7ddd73e1f7d16eca115415812a43c2b747daaaae043abfb50053fce",
			  master);
	check_cavp_key_block(TLS_V_TLS12, 0x009C, master,
			     "62e1fd91f23f558a605f28478c58cf72637b89784d959df7e946d3f07bd1b616",
			     "ae6c806f8ad4d80784549dff28a4b58fd837681a51d928c3e30ee5ff14f39868",
			     "d06139889fffac1e3a71865f504aa5d0d2a2e89506c6f2279b670c3e1b74f531"
			     "016a2530c51a3a0f7e1d6590d0f0566b2f387f8d11fd4f731cdd572d2eae927f"
			     "6f2f81410b25e6960be68985add6c38445ad9f8c64bf8068bf9a6679485d966f"
			     "1ad6f68b43495b10a683755ea2b858d70ccac7ec8b053c6bd41ca299d4e51928");
}

static void
test_tls12_sha384_master_and_key_block_cavp(void **state)
{
	static const char master[] = "b4d49bfa87747fe815457bc3da15073d6ac73389e703079a"
				     "3503c09e14bd559a5b3c7c601c7365f6ea8c68d3d9596827";
	(void)state;
	/* 0x009D AES256-GCM-SHA384: the suite row picks SHA-384 */
	check_cavp_master(TLS_V_TLS12, 0x009D,
			  "a5e2642633f5b8c81ad3fe0c2fe3a8e5ef806b06121dd10d"
			  "f4bb0fe857bfdcf522558e05d2682c9a80c741a3aab1716f",
			  "abe4bf5527429ac8eb13574d2709e8012bd1a113c6d3b1d3aa2c3840518778ac",
			  "cb6e0b3eb02976b6466dfa9651c2919414f1648fd3a7838d02153e5bd39535b6",
			  master);
	check_cavp_key_block(TLS_V_TLS12, 0x009D, master,
			     "954b5fe1849c2ede177438261f099a2fcd884d001b9fe1de754364b1f6a6dd8e",
			     "1b1c8568344a65c30828e7483c0e353e2c68641c9551efae6927d9cd627a107c",
			     "10fd89ef689c7ef033387b8a8f3e5e8e7c11f680f6bdd71fbac3246a73e98d45"
			     "d03185dde686e6b2369e4503e9dc5a6d2cee3e2bf2fa3f41d3de57dff3e197c8"
			     "a9d5f74cc2d277119d894f8584b07a0a5822f0bd68b3433ec6adaf5c9406c5f3"
			     "ddbb71bbe17ce98f3d4d5893d3179ef369f57aad908e2bf710639100c3ce7e0c");
}

/* ---- differential: a plain P_hash written from the RFCs --------------------- */

/* RFC 5246 5: P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ... */
static void
ref_p_hash(const char *md_name, const uint8_t *secret, size_t secret_len, const uint8_t *seed,
	   size_t seed_len, uint8_t *out, size_t out_len)
{
	const EVP_MD *md = EVP_get_digestbyname(md_name);
	uint8_t a[EVP_MAX_MD_SIZE], block[EVP_MAX_MD_SIZE], buf[EVP_MAX_MD_SIZE + 512];
	unsigned int a_len, block_len;
	size_t done = 0;

	assert_non_null(md);
	assert_true(seed_len <= 512);
	/* A(1) = HMAC(secret, seed) */
	assert_non_null(HMAC(md, secret, (int)secret_len, seed, seed_len, a, &a_len));
	while (done < out_len) {
		memcpy(buf, a, a_len);
		memcpy(buf + a_len, seed, seed_len);
		assert_non_null(
			HMAC(md, secret, (int)secret_len, buf, a_len + seed_len, block, &block_len));
		for (size_t i = 0; i < block_len && done < out_len; i++)
			out[done++] = block[i];
		assert_non_null(HMAC(md, secret, (int)secret_len, a, a_len, a, &a_len));
	}
}

/* label + seed, as RFC 5246 5 concatenates them */
static size_t
ref_label_seed(const char *label, const uint8_t *seed, size_t seed_len, uint8_t *out)
{
	memcpy(out, label, strlen(label));
	memcpy(out + strlen(label), seed, seed_len);
	return strlen(label) + seed_len;
}

static void
check_tls12_against_ref(const char *md, size_t secret_len, size_t seed_len, size_t out_len)
{
	uint8_t secret[200], seed[200], ls[256], want[300], got[300];
	size_t ls_len;
	fill(secret, secret_len, (uint8_t)secret_len);
	fill(seed, seed_len, (uint8_t)(seed_len + 7));
	ls_len = ref_label_seed("key expansion", seed, seed_len, ls);
	ref_p_hash(md, secret, secret_len, ls, ls_len, want, out_len);
	assert_int_equal(tls_prf_raw(TLS_V_TLS12, md, secret, secret_len, "key expansion", seed,
				     seed_len, got, out_len),
			 0);
	assert_memory_equal(got, want, out_len);
}

static void
test_tls12_prf_matches_plain_p_hash(void **state)
{
	static const size_t secrets[] = { 1, 32, 48, 65, 200 };
	static const size_t outs[] = { 1, 31, 32, 33, 47, 48, 49, 104, 300 };
	(void)state;
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		for (size_t j = 0; j < sizeof(outs) / sizeof(outs[0]); j++) {
			check_tls12_against_ref("SHA256", secrets[i], 64, outs[j]);
			check_tls12_against_ref("SHA384", secrets[i], 13, outs[j]);
		}
}

/*
 * RFC 2246 5: PRF = P_MD5(S1, label + seed) XOR P_SHA-1(S2, label + seed),
 * S1 the first and S2 the last ceil(len/2) bytes (they share a byte when
 * the length is odd).
 */
static void
check_tls10_against_ref(size_t secret_len, size_t out_len)
{
	uint8_t secret[101], seed[64], ls[128], md5[300], sha[300], got[300];
	size_t half = (secret_len + 1) / 2;
	size_t ls_len;
	fill(secret, secret_len, 0x5a);
	fill(seed, sizeof(seed), 0x11);
	ls_len = ref_label_seed("master secret", seed, sizeof(seed), ls);
	ref_p_hash("MD5", secret, half, ls, ls_len, md5, out_len);
	ref_p_hash("SHA1", secret + secret_len - half, half, ls, ls_len, sha, out_len);
	for (size_t i = 0; i < out_len; i++)
		md5[i] ^= sha[i];
	assert_int_equal(tls_prf_raw(TLS_V_TLS10, NULL, secret, secret_len, "master secret", seed,
				     sizeof(seed), got, out_len),
			 0);
	assert_memory_equal(got, md5, out_len);
}

static void
test_tls10_prf_matches_plain_md5_xor_sha1(void **state)
{
	static const size_t secrets[] = { 2, 47, 48, 101 };
	static const size_t outs[] = { 12, 16, 20, 48, 104, 300 };
	(void)state;
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		for (size_t j = 0; j < sizeof(outs) / sizeof(outs[0]); j++)
			check_tls10_against_ref(secrets[i], outs[j]);
}

static void
test_shorter_output_is_prefix(void **state)
{
	uint8_t secret[48], seed[64], a[20], b[200];
	(void)state;
	fill(secret, sizeof(secret), 1);
	fill(seed, sizeof(seed), 2);
	assert_int_equal(tls_prf_raw(TLS_V_TLS12, "SHA256", secret, sizeof(secret), "x", seed,
				     sizeof(seed), a, sizeof(a)),
			 0);
	assert_int_equal(tls_prf_raw(TLS_V_TLS12, "SHA256", secret, sizeof(secret), "x", seed,
				     sizeof(seed), b, sizeof(b)),
			 0);
	assert_memory_equal(a, b, sizeof(a));
}

/* ---- extended master secret (RFC 7627 4) ------------------------------------- */

static void
test_ems_uses_session_hash_and_label(void **state)
{
	uint8_t pms[48], cr[32], sr[32], hash[48], ls[80], want[48], got[48], plain[48];
	const struct tls_suite *s = tls_suite_find(0xC030); /* SHA-384 PRF */
	(void)state;
	fill(pms, sizeof(pms), 3);
	fill(cr, sizeof(cr), 4);
	fill(sr, sizeof(sr), 5);
	fill(hash, sizeof(hash), 6);
	assert_int_equal(tls_prf_master(TLS_V_TLS12, s, pms, sizeof(pms), cr, sr, hash,
					sizeof(hash), got),
			 0);
	/* RFC 7627 4: PRF(pms, "extended master secret", session_hash), no randoms */
	ref_p_hash("SHA384", pms, sizeof(pms), ls,
		   ref_label_seed("extended master secret", hash, sizeof(hash), ls), want,
		   sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(tls_prf_master(TLS_V_TLS12, s, pms, sizeof(pms), cr, sr, NULL, 0, plain),
			 0);
	assert_memory_not_equal(got, plain, sizeof(plain));
}

static void
test_ems_tls10_equals_raw_prf(void **state)
{
	uint8_t pms[48], cr[32], sr[32], hash[36], want[48], got[48];
	(void)state;
	fill(pms, sizeof(pms), 7);
	fill(cr, sizeof(cr), 8);
	fill(sr, sizeof(sr), 9);
	fill(hash, sizeof(hash), 10); /* MD5 + SHA-1 session hash: 36 bytes */
	assert_int_equal(tls_prf_master(TLS_V_TLS10, tls_suite_find(0x002F), pms, sizeof(pms), cr,
					sr, hash, sizeof(hash), got),
			 0);
	assert_int_equal(tls_prf_raw(TLS_V_TLS10, NULL, pms, sizeof(pms),
				     "extended master secret", hash, sizeof(hash), want,
				     sizeof(want)),
			 0);
	assert_memory_equal(got, want, sizeof(want));
}

static void
test_session_hash_md_per_version(void **state)
{
	(void)state;
	assert_null(tls_prf_session_hash_md(TLS_V_SSL3, tls_suite_find(0x002F)));
	assert_string_equal(tls_prf_session_hash_md(TLS_V_TLS10, tls_suite_find(0x002F)),
			    "MD5-SHA1");
	assert_string_equal(tls_prf_session_hash_md(TLS_V_TLS11, tls_suite_find(0xC028)),
			    "MD5-SHA1");
	assert_string_equal(tls_prf_session_hash_md(TLS_V_TLS12, tls_suite_find(0x009C)),
			    "SHA256");
	assert_string_equal(tls_prf_session_hash_md(TLS_V_TLS12, tls_suite_find(0x009D)),
			    "SHA384");
	assert_null(tls_prf_session_hash_md(TLS_V_TLS13, tls_suite_find(0x1301)));
}

/* ---- SSL 3.0 (RFC 6101 6.1, 6.2.2), against a direct computation ------------- */

static void
ref_ssl3(const uint8_t *secret, size_t secret_len, const uint8_t *r1, const uint8_t *r2,
	 uint8_t *out, size_t out_len)
{
	uint8_t buf[3 + 26 + 48 + 64], sha[20], md5[16];
	size_t done = 0;
	for (int i = 0; done < out_len; i++) {
		size_t n = 0;
		for (int j = 0; j <= i; j++)
			buf[n++] = (uint8_t)('A' + i);
		memcpy(buf + n, secret, secret_len);
		memcpy(buf + n + secret_len, r1, 32);
		memcpy(buf + n + secret_len + 32, r2, 32);
		assert_true(EVP_Digest(buf, n + secret_len + 64, sha, NULL, EVP_sha1(), NULL));
		memcpy(buf, secret, secret_len);
		memcpy(buf + secret_len, sha, sizeof(sha));
		assert_true(EVP_Digest(buf, secret_len + sizeof(sha), md5, NULL, EVP_md5(), NULL));
		for (size_t k = 0; k < sizeof(md5) && done < out_len; k++)
			out[done++] = md5[k];
	}
}

static void
test_ssl3_master_matches_direct_computation(void **state)
{
	uint8_t pms[48], cr[32], sr[32], hash[36], want[48], got[48], got_ems[48];
	(void)state;
	fill(pms, sizeof(pms), 0x21);
	fill(cr, sizeof(cr), 0x22);
	fill(sr, sizeof(sr), 0x23);
	fill(hash, sizeof(hash), 0x24);
	ref_ssl3(pms, sizeof(pms), cr, sr, want, sizeof(want));
	assert_int_equal(tls_prf_master(TLS_V_SSL3, tls_suite_find(0x0005), pms, sizeof(pms), cr,
					sr, NULL, 0, got),
			 0);
	assert_memory_equal(got, want, sizeof(want));
	/* SSL 3.0 has no extended master secret: a session hash changes nothing. */
	assert_int_equal(tls_prf_master(TLS_V_SSL3, tls_suite_find(0x0005), pms, sizeof(pms), cr,
					sr, hash, sizeof(hash), got_ems),
			 0);
	assert_memory_equal(got_ems, want, sizeof(want));
}

static void
test_ssl3_key_block_matches_direct_computation(void **state)
{
	uint8_t master[48], cr[32], sr[32], want[104], got[104];
	(void)state;
	fill(master, sizeof(master), 0x31);
	fill(cr, sizeof(cr), 0x32);
	fill(sr, sizeof(sr), 0x33);
	/* key block: server random first (RFC 6101 6.2.2) */
	ref_ssl3(master, sizeof(master), sr, cr, want, sizeof(want));
	assert_int_equal(tls_prf_key_block(TLS_V_SSL3, tls_suite_find(0x000A), master, cr, sr, got,
					   sizeof(got)),
			 0);
	assert_memory_equal(got, want, sizeof(want));
}

static void
test_ssl3_key_block_longer_than_26_rounds_refused(void **state)
{
	uint8_t master[48] = { 0 }, cr[32] = { 0 }, sr[32] = { 0 }, out[26 * 16 + 1];
	(void)state;
	assert_int_equal(tls_prf_key_block(TLS_V_SSL3, tls_suite_find(0x000A), master, cr, sr,
					   out, sizeof(out) - 1),
			 0);
	assert_int_equal(tls_prf_key_block(TLS_V_SSL3, tls_suite_find(0x000A), master, cr, sr,
					   out, sizeof(out)),
			 TLSIPS_ECRYPTO);
}

/* ---- refusals ------------------------------------------------------------------- */

static void
test_unsupported_versions_refused(void **state)
{
	uint8_t pms[48] = { 0 }, cr[32] = { 0 }, sr[32] = { 0 }, out[48];
	(void)state;
	assert_int_equal(tls_prf_master(TLS_V_TLS13, tls_suite_find(0x1301), pms, sizeof(pms), cr,
					sr, NULL, 0, out),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_prf_master(0x0200, tls_suite_find(0x002F), pms, sizeof(pms), cr, sr,
					NULL, 0, out),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_prf_key_block(0x7f1c, tls_suite_find(0x002F), pms, cr, sr, out, 48),
			 TLSIPS_ECRYPTO);
}

static void
test_raw_refuses_unknown_digest_and_empty_output(void **state)
{
	uint8_t secret[16] = { 1 }, out[16];
	(void)state;
	assert_int_equal(tls_prf_raw(TLS_V_TLS12, "NO-SUCH-MD", secret, sizeof(secret), "l", NULL,
				     0, out, sizeof(out)),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_prf_raw(TLS_V_TLS12, "SHA256", secret, sizeof(secret), "l", NULL, 0,
				     out, 0),
			 TLSIPS_ECRYPTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls12_prf_sha256_ietf_vector),
		cmocka_unit_test(test_tls12_prf_sha384_ietf_vector),
		cmocka_unit_test(test_tls10_master_cavp),
		cmocka_unit_test(test_tls11_master_cavp),
		cmocka_unit_test(test_tls10_key_block_cavp),
		cmocka_unit_test(test_tls12_sha256_master_and_key_block_cavp),
		cmocka_unit_test(test_tls12_sha384_master_and_key_block_cavp),
		cmocka_unit_test(test_tls12_prf_matches_plain_p_hash),
		cmocka_unit_test(test_tls10_prf_matches_plain_md5_xor_sha1),
		cmocka_unit_test(test_shorter_output_is_prefix),
		cmocka_unit_test(test_ems_uses_session_hash_and_label),
		cmocka_unit_test(test_ems_tls10_equals_raw_prf),
		cmocka_unit_test(test_session_hash_md_per_version),
		cmocka_unit_test(test_ssl3_master_matches_direct_computation),
		cmocka_unit_test(test_ssl3_key_block_matches_direct_computation),
		cmocka_unit_test(test_ssl3_key_block_longer_than_26_rounds_refused),
		cmocka_unit_test(test_unsupported_versions_refused),
		cmocka_unit_test(test_raw_refuses_unknown_digest_and_empty_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
