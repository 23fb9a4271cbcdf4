/*
 * test_tls_suite: the cipher suite rows against the seed table, against
 * OpenSSL's own idea of each cipher and digest, and against docs/suites.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "tls/tls_cipher.h"
#include "tls/tls_suite.h"

/* Every "Hex Value" of the seed's "Supported cipher suites" table, in its order. */
static const uint16_t seed_ids[] = {
	0x0004, 0x0005, 0x0009, 0x000A, 0x002F, 0x0033, 0x0035, 0x0039, 0x003C, 0x003D,
	0x0041, 0x0067, 0x006B, 0x0084, 0x009C, 0x009D, 0x009E, 0x009F, 0x00BA, 0x00C0,
	0xC009, 0xC00A, 0xC013, 0xC014, 0xC023, 0xC024, 0xC027, 0xC028, 0xC02B, 0xC02C,
	0xC02F, 0xC030, 0xC09C, 0xC09D, 0xC0A0, 0xC0A1, 0xCCA8, 0xCCA9, 0xCCAA,
};

/* The rows the seed ticks for "SSL inspection (legacy)": RSA key exchange. */
static const uint16_t seed_legacy_ids[] = {
	0x0004, 0x0005, 0x0009, 0x000A, 0x002F, 0x0035, 0x003C, 0x003D, 0x0041,
	0x0084, 0x009C, 0x009D, 0x00BA, 0x00C0, 0xC09C, 0xC09D, 0xC0A0, 0xC0A1,
};

static const uint16_t tls13_ids[] = { 0x1301, 0x1302, 0x1303, 0x1304, 0x1305 };

static void
test_every_seed_suite_is_known(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(seed_ids) / sizeof(seed_ids[0]); i++) {
		const struct tls_suite *s = tls_suite_find(seed_ids[i]);
		assert_non_null(s);
		assert_int_equal(s->id, seed_ids[i]);
		assert_int_not_equal(s->kx, TLS_KX_TLS13);
	}
}

static void
test_tls13_suites_are_known(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tls13_ids) / sizeof(tls13_ids[0]); i++) {
		const struct tls_suite *s = tls_suite_find(tls13_ids[i]);
		assert_non_null(s);
		assert_int_equal(s->kx, TLS_KX_TLS13);
		assert_int_equal(s->iv_len, 12);
	}
}

static void
test_table_is_seed_plus_tls13(void **state)
{
	unsigned n;
	(void)state;
	tls_suite_all(&n);
	assert_int_equal(n, sizeof(seed_ids) / sizeof(seed_ids[0]) +
				    sizeof(tls13_ids) / sizeof(tls13_ids[0]));
}

static void
test_table_sorted_for_binary_search(void **state)
{
	unsigned n;
	const struct tls_suite *all = tls_suite_all(&n);
	(void)state;
	for (unsigned i = 1; i < n; i++)
		assert_true(all[i - 1].id < all[i].id);
	for (unsigned i = 0; i < n; i++)
		assert_ptr_equal(tls_suite_find(all[i].id), &all[i]);
}

static void
test_unknown_ids_not_found(void **state)
{
	(void)state;
	assert_null(tls_suite_find(0x0000)); /* TLS_NULL_WITH_NULL_NULL */
	assert_null(tls_suite_find(0x00FF)); /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
	assert_null(tls_suite_find(0x0003)); /* export RC4, below the first row */
	assert_null(tls_suite_find(0xFFFF)); /* above the last row */
	assert_null(tls_suite_find(0xC02E)); /* between two rows */
}

static void
test_rsa_kx_rows_are_the_seed_legacy_rows(void **state)
{
	unsigned n, rsa = 0;
	const struct tls_suite *all = tls_suite_all(&n);
	(void)state;
	for (unsigned i = 0; i < n; i++)
		rsa += all[i].kx == TLS_KX_RSA;
	assert_int_equal(rsa, sizeof(seed_legacy_ids) / sizeof(seed_legacy_ids[0]));
	for (size_t i = 0; i < sizeof(seed_legacy_ids) / sizeof(seed_legacy_ids[0]); i++)
		assert_int_equal(tls_suite_find(seed_legacy_ids[i])->kx, TLS_KX_RSA);
}

static bool
ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);
	return a >= b && strcmp(s + a - b, tail) == 0;
}

/* RFC 5289 3 and RFC 8446 B.4: the SHA384-named suites use SHA-384, all others SHA-256. */
static void
test_prf_hash_follows_suite_name(void **state)
{
	unsigned n;
	const struct tls_suite *all = tls_suite_all(&n);
	(void)state;
	for (unsigned i = 0; i < n; i++)
		assert_string_equal(all[i].prf_md,
				    ends_with(all[i].iana, "SHA384") ? "SHA384" : "SHA256");
	assert_string_equal(tls_suite_find(0x009D)->prf_md, "SHA384"); /* AES256-GCM-SHA384 */
	assert_string_equal(tls_suite_find(0x009F)->prf_md, "SHA384");
	assert_string_equal(tls_suite_find(0xC024)->prf_md, "SHA384");
	assert_string_equal(tls_suite_find(0xC028)->prf_md, "SHA384");
	assert_string_equal(tls_suite_find(0xC09D)->prf_md, "SHA256"); /* AES256-CCM */
}

static void
test_row_shapes_by_kind(void **state)
{
	unsigned n;
	const struct tls_suite *all = tls_suite_all(&n);
	(void)state;
	for (unsigned i = 0; i < n; i++) {
		const struct tls_suite *s = &all[i];
		switch (s->kind) {
		case TLS_CIPHER_STREAM:
			assert_int_equal(s->iv_len, 0);
			assert_int_equal(s->block_len, 0);
			assert_int_equal(s->tag_len, 0);
			assert_non_null(s->mac_md);
			break;
		case TLS_CIPHER_CBC:
			assert_int_equal(s->iv_len, s->block_len);
			assert_int_equal(s->tag_len, 0);
			assert_non_null(s->mac_md);
			break;
		case TLS_CIPHER_GCM:
		case TLS_CIPHER_CCM:
		case TLS_CIPHER_CHACHA:
			assert_int_equal(s->iv_len, s->kx == TLS_KX_TLS13 ||
							    s->kind == TLS_CIPHER_CHACHA
						    ? 12
						    : 4);
			assert_int_equal(s->block_len, 0);
			assert_null(s->mac_md);
			assert_int_equal(s->mac_len, 0);
			assert_int_equal(s->tag_len, ends_with(s->iana, "_8") ||
							     ends_with(s->iana, "CCM_8_SHA256")
						     ? 8
						     : 16);
			break;
		}
	}
}

/* Key, IV and block sizes as OpenSSL itself reports them for the EVP name. */
static void
test_sizes_agree_with_openssl(void **state)
{
	unsigned n;
	const struct tls_suite *all = tls_suite_all(&n);
	(void)state;
	assert_true(tls_cipher_providers_load());
	for (unsigned i = 0; i < n; i++) {
		const struct tls_suite *s = &all[i];
		EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, s->evp_cipher, NULL);
		assert_non_null(c);
		assert_int_equal(EVP_CIPHER_get_key_length(c), s->key_len);
		if (s->kind == TLS_CIPHER_CBC) {
			assert_int_equal(EVP_CIPHER_get_block_size(c), s->block_len);
			assert_int_equal(EVP_CIPHER_get_iv_length(c), s->iv_len);
		}
		EVP_CIPHER_free(c);
		if (s->mac_md != NULL) {
			EVP_MD *md = EVP_MD_fetch(NULL, s->mac_md, NULL);
			assert_non_null(md);
			assert_int_equal(EVP_MD_get_size(md), s->mac_len);
			EVP_MD_free(md);
		}
	}
}

static void
test_legacy_flag_marks_rc4_and_des(void **state)
{
	unsigned n;
	const struct tls_suite *all = tls_suite_all(&n);
	(void)state;
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(all[i].legacy_provider,
				 strcmp(all[i].evp_cipher, "RC4") == 0 ||
					 strcmp(all[i].evp_cipher, "DES-CBC") == 0);
}

static void
test_spot_rows(void **state)
{
	const struct tls_suite *s;
	(void)state;
	s = tls_suite_find(0x000A);
	assert_string_equal(s->name, "DES-CBC3-SHA");
	assert_string_equal(s->iana, "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
	assert_string_equal(s->evp_cipher, "DES-EDE3-CBC");
	assert_int_equal(s->key_len, 24);
	assert_int_equal(s->block_len, 8);
	s = tls_suite_find(0xC028);
	assert_string_equal(s->mac_md, "SHA384");
	assert_int_equal(s->mac_len, 48);
	assert_int_equal(s->kx, TLS_KX_ECDHE);
	s = tls_suite_find(0xC0A1);
	assert_string_equal(s->name, "AES256-CCM8");
	assert_string_equal(s->evp_cipher, "AES-256-CCM");
	assert_int_equal(s->tag_len, 8);
	s = tls_suite_find(0xCCAA);
	assert_int_equal(s->kx, TLS_KX_DHE);
	assert_string_equal(s->evp_cipher, "ChaCha20-Poly1305");
	s = tls_suite_find(0x0004);
	assert_string_equal(s->mac_md, "MD5");
	assert_int_equal(s->mac_len, 16);
}

static void
test_version_names(void **state)
{
	(void)state;
	assert_string_equal(tls_version_name(0x0300), "SSL 3.0");
	assert_string_equal(tls_version_name(0x0301), "TLS 1.0");
	assert_string_equal(tls_version_name(0x0302), "TLS 1.1");
	assert_string_equal(tls_version_name(0x0303), "TLS 1.2");
	assert_string_equal(tls_version_name(0x0304), "TLS 1.3");
	assert_string_equal(tls_version_name(0x0200), "unknown");
	assert_string_equal(tls_version_name(0x7f1c), "unknown");
}

static const char *
kx_name(enum tls_kx kx)
{
	switch (kx) {
	case TLS_KX_RSA: return "RSA";
	case TLS_KX_DHE: return "DHE";
	case TLS_KX_ECDHE: return "ECDHE";
	case TLS_KX_TLS13: return "TLS 1.3 (EC)DHE/PSK";
	}
	return "?";
}

/* docs/suites.md must carry each row exactly as this formats it. */
static void
test_docs_list_every_row(void **state)
{
	char path[4096];
	const char *slash = strrchr(__FILE__, '/');
	unsigned n;
	const struct tls_suite *all = tls_suite_all(&n);
	FILE *f;
	char *doc;
	long size;
	(void)state;

	assert_non_null(slash);
	snprintf(path, sizeof(path), "%.*s/../../docs/suites.md", (int)(slash - __FILE__),
		 __FILE__);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	doc = calloc(1, (size_t)size + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	for (unsigned i = 0; i < n; i++) {
		char line[256];
		snprintf(line, sizeof(line), "| 0x%04X | %s | %s | %s | %s | yes |\n", all[i].id,
			 all[i].name, all[i].iana, kx_name(all[i].kx),
			 all[i].kx == TLS_KX_RSA ? "yes" : "no");
		if (strstr(doc, line) == NULL)
			fail_msg("docs/suites.md lacks the row: %s", line);
	}
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_seed_suite_is_known),
		cmocka_unit_test(test_tls13_suites_are_known),
		cmocka_unit_test(test_table_is_seed_plus_tls13),
		cmocka_unit_test(test_table_sorted_for_binary_search),
		cmocka_unit_test(test_unknown_ids_not_found),
		cmocka_unit_test(test_rsa_kx_rows_are_the_seed_legacy_rows),
		cmocka_unit_test(test_prf_hash_follows_suite_name),
		cmocka_unit_test(test_row_shapes_by_kind),
		cmocka_unit_test(test_sizes_agree_with_openssl),
		cmocka_unit_test(test_legacy_flag_marks_rc4_and_des),
		cmocka_unit_test(test_spot_rows),
		cmocka_unit_test(test_version_names),
		cmocka_unit_test(test_docs_list_every_row),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
