/*
 * Unit tests for net_csum: both loop variants (16-byte vectors, and AVX2
 * where the CPU has it) and the public entry points against a plain RFC 1071
 * reference, on random data of every length 0..2000 at every alignment 0..7,
 * on carry-heavy data, and the copy's bytes and bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The statics: net_csum_run_base and net_csum_run_avx2. */
#include "net/net_csum.c"

enum { LEN_MAX = 2000, ALIGN_MAX = 8, GUARD = 64 };

/* RFC 1071 as written: 16-bit words in memory order, carries folded at each add. */
static uint16_t
ref_sum(const uint8_t *p, size_t n, uint16_t acc)
{
	uint32_t s = acc;
	for (size_t i = 0; i + 1 < n; i += 2) {
		uint16_t w;
		memcpy(&w, p + i, 2);
		s += w;
		s = (s & 0xffff) + (s >> 16);
	}
	if (n % 2) {
		uint8_t last[2] = { p[n - 1], 0 };
		uint16_t w;
		memcpy(&w, last, 2);
		s += w;
		s = (s & 0xffff) + (s >> 16);
	}
	return (uint16_t)s;
}

/* Deterministic bytes (xorshift), so a failure repeats. */
static void
fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 24);
	}
}

typedef uint32_t (*run_fn)(uint8_t *dst, const uint8_t *p, size_t n, uint32_t acc);

static bool
have_avx2(void)
{
#ifdef NET_CSUM_X86
	return __builtin_cpu_supports("avx2");
#else
	return false;
#endif
}

/*
 * Every length and alignment through run, summing and copying: the folded
 * sum equals the reference (acc included), the copy equals the source, and
 * no byte around the copy changed.
 */
static void
check_all_lengths(run_fn run, uint8_t fill_byte, bool random)
{
	uint8_t *src = malloc(LEN_MAX + ALIGN_MAX);
	uint8_t *dst = malloc(LEN_MAX + ALIGN_MAX + 2 * GUARD);
	assert_non_null(src);
	assert_non_null(dst);
	for (size_t al = 0; al < ALIGN_MAX; al++) {
		for (size_t n = 0; n <= LEN_MAX; n++) {
			if (random)
				fill_random(src, LEN_MAX + ALIGN_MAX, n * ALIGN_MAX + al);
			else
				memset(src, fill_byte, LEN_MAX + ALIGN_MAX);
			uint16_t acc = (uint16_t)(n * 7919u);
			uint16_t want = ref_sum(src + al, n, acc);
			assert_int_equal(net_csum_fold(run(NULL, src + al, n, acc)), want);
			memset(dst, 0xa5, LEN_MAX + ALIGN_MAX + 2 * GUARD);
			uint8_t *d = dst + GUARD + (ALIGN_MAX - 1 - al);
			assert_int_equal(net_csum_fold(run(d, src + al, n, acc)), want);
			assert_memory_equal(d, src + al, n);
			for (uint8_t *g = dst; g < d; g++)
				assert_int_equal(*g, 0xa5);
			for (uint8_t *g = d + n; g < dst + LEN_MAX + ALIGN_MAX + 2 * GUARD; g++)
				assert_int_equal(*g, 0xa5);
		}
	}
	free(src);
	free(dst);
}

static void
test_base_matches_reference_on_random_data(void **state)
{
	(void)state;
	check_all_lengths(net_csum_run_base, 0, true);
}

static void
test_base_matches_reference_on_all_ones(void **state)
{
	(void)state;
	/* Every add carries: 0xffff words. */
	check_all_lengths(net_csum_run_base, 0xff, false);
}

static void
test_avx2_matches_reference(void **state)
{
	(void)state;
	if (!have_avx2()) {
		skip();
		return;
	}
#ifdef NET_CSUM_X86
	check_all_lengths(net_csum_run_avx2, 0, true);
	check_all_lengths(net_csum_run_avx2, 0xff, false);
#endif
}

/* A call into the public functions for each variant the CPU picks. */
static uint32_t
run_public(uint8_t *dst, const uint8_t *p, size_t n, uint32_t acc)
{
	return dst != NULL ? net_csum_copy(dst, p, n, acc) : net_csum_add(p, n, acc);
}

static void
test_public_functions_match_reference(void **state)
{
	(void)state;
	check_all_lengths(run_public, 0, true);
}

static void
test_large_buffer_of_ones_keeps_every_carry(void **state)
{
	(void)state;
	/* 4 MiB of 0xff: 2^21 words of 0xffff, whose one's complement sum is 0xffff. */
	size_t n = 4u << 20;
	uint8_t *p = malloc(n);
	assert_non_null(p);
	memset(p, 0xff, n);
	assert_int_equal(net_csum_fold(net_csum_add(p, n, 0)), 0xffff);
	/* One more odd byte 0x01 is the word 0x0001 in memory order. */
	p[n - 1] = 0x01;
	assert_int_equal(net_csum_fold(net_csum_add(p, n - 1, 0)), ref_sum(p, n - 1, 0));
	free(p);
}

static void
test_pieces_of_even_length_add_up(void **state)
{
	(void)state;
	uint8_t buf[1501];
	fill_random(buf, sizeof(buf), 42);
	/* Split at even offsets, each partial sum folded in: same as one sum. */
	for (size_t cut = 0; cut <= sizeof(buf); cut += 2) {
		uint32_t acc = net_csum_add(buf, cut, 0);
		acc = net_csum_add(buf + cut, sizeof(buf) - cut, net_csum_fold(acc));
		assert_int_equal(net_csum_fold(acc), ref_sum(buf, sizeof(buf), 0));
	}
}

static void
test_fold_is_zero_only_for_zero(void **state)
{
	(void)state;
	assert_int_equal(net_csum_fold(0), 0);
	assert_int_equal(net_csum_fold(0xffff), 0xffff);
	assert_int_equal(net_csum_fold(0x10000), 1);
	assert_int_equal(net_csum_fold(0xffffffffu), 0xffff);
	assert_int_equal(net_csum_fold(0x0001fffeu), 0xffff);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_matches_reference_on_random_data),
		cmocka_unit_test(test_base_matches_reference_on_all_ones),
		cmocka_unit_test(test_avx2_matches_reference),
		cmocka_unit_test(test_public_functions_match_reference),
		cmocka_unit_test(test_large_buffer_of_ones_keeps_every_carry),
		cmocka_unit_test(test_pieces_of_even_length_add_up),
		cmocka_unit_test(test_fold_is_zero_only_for_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
