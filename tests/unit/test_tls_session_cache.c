/* Session cache: lookups, version/suite checks, oldest-first eviction, counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/crypto.h>

#include "tls/tls_int.h"
#include "tls/tls_secret.h"

static void
fill(uint8_t *b, size_t n, uint8_t v)
{
	memset(b, v, n);
}

static void
test_put_then_get_returns_the_master(void **state)
{
	(void)state;
	struct tls_stats st = { 0 };
	struct tls_session_cache *sc = tls_session_cache_new(4, &st);
	uint8_t sid[32], master[48], out[48];
	fill(sid, sizeof(sid), 0xa1);
	fill(master, sizeof(master), 0x5c);
	tls_session_cache_put(sc, TLS_CACHE_SESSION_ID, sid, 32, TLS_V_TLS12, 0x009c, master);
	assert_true(tls_session_cache_get(sc, TLS_CACHE_SESSION_ID, sid, 32, TLS_V_TLS12, 0x009c, out));
	assert_memory_equal(out, master, 48);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(st.cache_entries, 1);
	tls_session_cache_free(sc);
}

static void
test_kinds_versions_and_suites_do_not_mix(void **state)
{
	(void)state;
	struct tls_stats st = { 0 };
	struct tls_session_cache *sc = tls_session_cache_new(4, &st);
	uint8_t key[32], master[48], out[48];
	fill(key, sizeof(key), 1);
	fill(master, sizeof(master), 2);
	tls_session_cache_put(sc, TLS_CACHE_TICKET, key, 32, TLS_V_TLS12, 0x009c, master);
	assert_false(tls_session_cache_get(sc, TLS_CACHE_SESSION_ID, key, 32, TLS_V_TLS12, 0x009c, out));
	assert_false(tls_session_cache_get(sc, TLS_CACHE_TICKET, key, 32, TLS_V_TLS11, 0x009c, out));
	assert_false(tls_session_cache_get(sc, TLS_CACHE_TICKET, key, 32, TLS_V_TLS12, 0x002f, out));
	assert_false(tls_session_cache_get(sc, TLS_CACHE_TICKET, key, 31, TLS_V_TLS12, 0x009c, out));
	assert_int_equal(st.cache_misses, 4);
	tls_session_cache_free(sc);
}

static void
test_full_cache_evicts_the_oldest(void **state)
{
	(void)state;
	struct tls_stats st = { 0 };
	struct tls_session_cache *sc = tls_session_cache_new(3, &st);
	uint8_t key[8], master[48], out[48];
	for (uint8_t i = 0; i < 5; i++) {
		fill(key, sizeof(key), i);
		fill(master, sizeof(master), (uint8_t)(0x10 + i));
		tls_session_cache_put(sc, TLS_CACHE_SESSION_ID, key, 8, TLS_V_TLS12, 1, master);
	}
	assert_int_equal(st.cache_evictions, 2);
	assert_int_equal(st.cache_entries, 3);
	fill(key, sizeof(key), 0);
	assert_false(tls_session_cache_get(sc, TLS_CACHE_SESSION_ID, key, 8, TLS_V_TLS12, 1, out));
	fill(key, sizeof(key), 1);
	assert_false(tls_session_cache_get(sc, TLS_CACHE_SESSION_ID, key, 8, TLS_V_TLS12, 1, out));
	for (uint8_t i = 2; i < 5; i++) {
		fill(key, sizeof(key), i);
		assert_true(tls_session_cache_get(sc, TLS_CACHE_SESSION_ID, key, 8, TLS_V_TLS12, 1, out));
		assert_int_equal(out[0], 0x10 + i);
	}
	tls_session_cache_free(sc);
}

static void
test_put_of_known_key_replaces_in_place(void **state)
{
	(void)state;
	struct tls_stats st = { 0 };
	struct tls_session_cache *sc = tls_session_cache_new(2, &st);
	uint8_t key[4] = { 9, 9, 9, 9 }, m1[48], m2[48], out[48];
	fill(m1, sizeof(m1), 1);
	fill(m2, sizeof(m2), 2);
	tls_session_cache_put(sc, TLS_CACHE_SESSION_ID, key, 4, TLS_V_TLS12, 1, m1);
	tls_session_cache_put(sc, TLS_CACHE_SESSION_ID, key, 4, TLS_V_TLS12, 1, m2);
	assert_int_equal(st.cache_entries, 1);
	assert_true(tls_session_cache_get(sc, TLS_CACHE_SESSION_ID, key, 4, TLS_V_TLS12, 1, out));
	assert_memory_equal(out, m2, 48);
	tls_session_cache_free(sc);
}

static void
test_empty_and_oversized_keys_are_refused(void **state)
{
	(void)state;
	struct tls_stats st = { 0 };
	struct tls_session_cache *sc = tls_session_cache_new(2, &st);
	uint8_t key[40] = { 0 }, m[48] = { 0 }, out[48];
	tls_session_cache_put(sc, TLS_CACHE_SESSION_ID, key, 0, TLS_V_TLS12, 1, m);
	tls_session_cache_put(sc, TLS_CACHE_SESSION_ID, key, 33, TLS_V_TLS12, 1, m);
	assert_int_equal(st.cache_inserts, 0);
	assert_false(tls_session_cache_get(sc, TLS_CACHE_SESSION_ID, key, 33, TLS_V_TLS12, 1, out));
	tls_session_cache_free(sc);
}

/* Key i of the many-entries tests: 4 bytes, little-endian i; master bytes i + k. */
static void
many_key(uint32_t i, uint8_t key[4], uint8_t master[48])
{
	for (int k = 0; k < 4; k++)
		key[k] = (uint8_t)(i >> (8 * k));
	for (int k = 0; k < 48; k++)
		master[k] = (uint8_t)(i + (uint32_t)k);
}

static void
test_masters_across_chunk_boundaries(void **state)
{
	(void)state;
	/* 600 entries: chunks of 256, the last one partly used by the ring. */
	struct tls_stats st = { 0 };
	struct tls_session_cache *sc = tls_session_cache_new(600, &st);
	uint8_t key[4], master[48], out[48];
	for (uint32_t i = 0; i < 610; i++) {
		many_key(i, key, master);
		tls_session_cache_put(sc, TLS_CACHE_TICKET, key, 4, TLS_V_TLS12, 1, master);
	}
	assert_int_equal(st.cache_entries, 600);
	assert_int_equal(st.cache_evictions, 10);
	for (uint32_t i = 0; i < 610; i++) {
		many_key(i, key, master);
		bool hit = tls_session_cache_get(sc, TLS_CACHE_TICKET, key, 4, TLS_V_TLS12, 1, out);
		/* The ten oldest were replaced by 600..609 in slots 0..9. */
		assert_int_equal(hit, i >= 10);
		if (hit)
			assert_memory_equal(out, master, 48);
	}
	tls_session_cache_free(sc);
}

static void
test_secure_memory_only_for_chunks_in_use(void **state)
{
	(void)state;
	tls_secmem_init(1u << 20);
	if (!CRYPTO_secure_malloc_initialized()) {
		skip();
		return;
	}
	struct tls_stats st = { 0 };
	size_t before = CRYPTO_secure_used();
	/* 65536 entries would be 3 MiB of secrets: more than the whole arena. */
	struct tls_session_cache *sc = tls_session_cache_new(65536, &st);
	assert_non_null(sc);
	assert_int_equal(CRYPTO_secure_used(), before);
	uint8_t key[4], master[48], out[48];
	for (uint32_t i = 0; i < 300; i++) {
		many_key(i, key, master);
		tls_session_cache_put(sc, TLS_CACHE_SESSION_ID, key, 4, TLS_V_TLS12, 1, master);
	}
	/* Two chunks of 256 * 48 bytes, rounded to the arena's powers of two. */
	size_t used = CRYPTO_secure_used() - before;
	assert_true(used >= 2 * 256 * 48);
	assert_true(used <= 2 * 16384);
	assert_int_equal(tls_secmem_fallbacks(), 0);
	many_key(299, key, master);
	assert_true(tls_session_cache_get(sc, TLS_CACHE_SESSION_ID, key, 4, TLS_V_TLS12, 1, out));
	assert_memory_equal(out, master, 48);
	tls_session_cache_free(sc);
	assert_int_equal(CRYPTO_secure_used(), before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_then_get_returns_the_master),
		cmocka_unit_test(test_kinds_versions_and_suites_do_not_mix),
		cmocka_unit_test(test_full_cache_evicts_the_oldest),
		cmocka_unit_test(test_put_of_known_key_replaces_in_place),
		cmocka_unit_test(test_empty_and_oversized_keys_are_refused),
		cmocka_unit_test(test_masters_across_chunk_boundaries),
		cmocka_unit_test(test_secure_memory_only_for_chunks_in_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
