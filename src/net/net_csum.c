/*
 * net_csum: RFC 1071 sums, a vector of bytes per step.
 *
 * Each step loads 16 or 32 bytes as 64-bit lanes and adds the low and the
 * high 32 bits of every lane to 64-bit accumulators: no carry is ever lost
 * (2^32 steps would be needed to overflow) and the steps are independent, so
 * the compiler keeps them in vector registers (GCC vector extensions, which
 * clang shares). Adding 32-bit words is adding pairs of 16-bit words, since
 * 2^16 = 1 modulo 2^16 - 1; the fold at the end does the end-around carries.
 * The copying variant stores each loaded vector to the destination, so the
 * payload is read once for both jobs.
 *
 * The loop is built twice from one macro: 16-byte vectors for any CPU (SSE2
 * on x86-64) and, on x86-64, 32-byte vectors for AVX2, which halves the time
 * per byte; the CPU is asked once per call (__builtin_cpu_supports reads a
 * flag the compiler's runtime set at start-up).
 */
#include "net/net_csum.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define NET_CSUM_X86 1
#endif

typedef uint64_t net_csum_v16 __attribute__((vector_size(16)));
typedef uint64_t net_csum_v32 __attribute__((vector_size(32)));

/* Helpers are inlined into each variant, so they are built for its target too. */
#define NET_CSUM_INLINE static inline __attribute__((always_inline))

/* Sum of the last n bytes (an odd last byte padded with a zero), in 64 bits. */
NET_CSUM_INLINE uint64_t
net_csum_tail(const uint8_t *p, size_t n)
{
	uint64_t sum = 0;
	while (n >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		sum += w;
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		sum += w;
		p += 2;
		n -= 2;
	}
	if (n == 1) {
		/* The odd byte is the first byte of a zero-padded word. */
		uint8_t last[2] = { p[0], 0 };
		uint16_t w;
		memcpy(&w, last, 2);
		sum += w;
	}
	return sum;
}

/* Lanes below 2^62 each, the tail below 2^36: the sum cannot overflow. */
NET_CSUM_INLINE uint32_t
net_csum_fold32(uint64_t sum)
{
	while (sum >> 32)
		sum = (sum & 0xffffffffu) + (sum >> 32);
	return (uint32_t)sum;
}

/*
 * Defines net_csum_add_NAME and net_csum_copy_NAME over vectors of type VT
 * (LANES 64-bit lanes), compiled with ATTR. copy stores what it loads when
 * DST is not NULL; both then sum the tail.
 */
#define NET_CSUM_DEFINE(NAME, ATTR, VT, LANES)                                              \
	ATTR static uint32_t net_csum_run_##NAME(uint8_t *dst, const uint8_t *p, size_t n,    \
						 uint32_t acc)                                \
	{                                                                                     \
		VT lo, hi, mask;                                                              \
		for (int i = 0; i < (LANES); i++) {                                           \
			lo[i] = hi[i] = 0;                                                    \
			mask[i] = 0xffffffffu;                                                \
		}                                                                             \
		while (n >= sizeof(VT)) {                                                     \
			VT v;                                                                 \
			memcpy(&v, p, sizeof(VT));                                            \
			if (dst != NULL) {                                                    \
				memcpy(dst, &v, sizeof(VT));                                  \
				dst += sizeof(VT);                                            \
			}                                                                     \
			lo += v & mask;                                                       \
			hi += v >> 32;                                                        \
			p += sizeof(VT);                                                      \
			n -= sizeof(VT);                                                      \
		}                                                                             \
		if (dst != NULL)                                                              \
			memcpy(dst, p, n);                                                    \
		VT v = lo + hi;                                                               \
		uint64_t sum = acc + net_csum_tail(p, n);                                     \
		for (int i = 0; i < (LANES); i++)                                             \
			sum += v[i];                                                          \
		return net_csum_fold32(sum);                                                  \
	}

NET_CSUM_DEFINE(base, , net_csum_v16, 2)
#ifdef NET_CSUM_X86
NET_CSUM_DEFINE(avx2, __attribute__((target("avx2"))), net_csum_v32, 4)
#endif

static uint32_t
net_csum_run(uint8_t *dst, const uint8_t *src, size_t n, uint32_t acc)
{
#ifdef NET_CSUM_X86
	if (__builtin_cpu_supports("avx2"))
		return net_csum_run_avx2(dst, src, n, acc);
#endif
	return net_csum_run_base(dst, src, n, acc);
}

uint32_t
net_csum_add(const uint8_t *p, size_t n, uint32_t acc)
{
	return net_csum_run(NULL, p, n, acc);
}

uint32_t
net_csum_copy(uint8_t *dst, const uint8_t *src, size_t n, uint32_t acc)
{
	return net_csum_run(dst, src, n, acc);
}

uint16_t
net_csum_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}
