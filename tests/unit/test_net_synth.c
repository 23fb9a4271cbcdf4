/* Unit tests for net_synth_tcp and net_addr_format: round trips and checksums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/capture.h"
#include "net/net.h"

static const struct net_addr A4 = { 4, { 192, 0, 2, 1 } };
static const struct net_addr B4 = { 4, { 198, 51, 100, 7 } };
static const struct net_addr A6 = { 6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
static const struct net_addr B6 = { 6, { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xab, [15] = 0xcd } };

/* Independent RFC 1071 sum: big-endian 16-bit words, one at a time. */
static uint32_t
sum_be(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t
fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* A correct checksum makes the sum over the covered bytes 0xffff. */
static void
verify_checksums(const uint8_t *pkt, size_t len)
{
	uint8_t pseudo[40] = { 0 };
	size_t iph, plen;
	if (pkt[0] >> 4 == 4) {
		iph = 20;
		assert_int_equal(fold(sum_be(pkt, 20, 0)), 0xffff);
		memcpy(pseudo, pkt + 12, 8);
		pseudo[9] = 6;
		pseudo[10] = (uint8_t)((len - iph) >> 8);
		pseudo[11] = (uint8_t)(len - iph);
		plen = 12;
	} else {
		iph = 40;
		memcpy(pseudo, pkt + 8, 32);
		pseudo[34] = (uint8_t)((len - iph) >> 8);
		pseudo[35] = (uint8_t)(len - iph);
		pseudo[39] = 6;
		plen = 40;
	}
	assert_int_equal(fold(sum_be(pkt + iph, len - iph, sum_be(pseudo, plen, 0))), 0xffff);
}

static void
round_trip(const struct net_addr *s, const struct net_addr *d, size_t paylen)
{
	uint8_t payload[1500];
	for (size_t i = 0; i < paylen; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	uint8_t out[1600];
	size_t n = net_synth_tcp(s, d, 49152, 443, 0xfffffff0u, 12345, NET_TCP_ACK | NET_TCP_PSH,
				 payload, paylen, out, sizeof(out));
	assert_int_equal(n, (s->family == 4 ? 40 : 60) + paylen);
	verify_checksums(out, n);
	struct net_pkt p;
	assert_int_equal(net_decode(CAPTURE_LINK_RAW, out, n, n, 5, &p), 0);
	assert_memory_equal(&p.src, s, sizeof(*s));
	assert_memory_equal(&p.dst, d, sizeof(*d));
	assert_int_equal(p.sport, 49152);
	assert_int_equal(p.dport, 443);
	assert_int_equal(p.seq, 0xfffffff0u);
	assert_int_equal(p.ack, 12345);
	assert_int_equal(p.flags, NET_TCP_ACK | NET_TCP_PSH);
	assert_int_equal(p.window, 65535);
	assert_int_equal(p.payload.len, paylen);
	if (paylen > 0)
		assert_memory_equal(p.payload.ptr, payload, paylen);
}

static void
test_ipv4_round_trip(void **state)
{
	(void)state;
	round_trip(&A4, &B4, 0);
	round_trip(&A4, &B4, 1);
	round_trip(&A4, &B4, 2);
	round_trip(&A4, &B4, 1459);
}

static void
test_ipv6_round_trip(void **state)
{
	(void)state;
	round_trip(&A6, &B6, 0);
	round_trip(&A6, &B6, 3);
	round_trip(&A6, &B6, 1440);
}

static void
test_ipv4_header_fields(void **state)
{
	(void)state;
	uint8_t out[64];
	size_t n = net_synth_tcp(&A4, &B4, 1, 2, 3, 4, NET_TCP_SYN, NULL, 0, out, sizeof(out));
	assert_int_equal(n, 40);
	/* 45 00 | total 40 | id 0 | DF | TTL 64 | TCP */
	static const uint8_t want[10] = { 0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 64, 6 };
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(out[32], 0x50); /* data offset 5 */
}

static void
test_does_not_fit(void **state)
{
	(void)state;
	uint8_t out[64];
	assert_int_equal(net_synth_tcp(&A4, &B4, 1, 2, 3, 4, 0, (const uint8_t *)"x", 1, out, 40), 0);
	assert_int_equal(net_synth_tcp(&A6, &B6, 1, 2, 3, 4, 0, NULL, 0, out, 59), 0);
	assert_int_equal(net_synth_tcp(&A4, &B6, 1, 2, 3, 4, 0, NULL, 0, out, sizeof(out)), 0);
}

static void
test_ip_length_field_limit(void **state)
{
	(void)state;
	size_t cap = 70000;
	uint8_t *payload = calloc(1, cap);
	uint8_t *out = malloc(cap);
	assert_non_null(payload);
	assert_non_null(out);
	/* IPv4: 20 + 20 + len <= 65535; IPv6: 20 + len <= 65535. */
	assert_int_equal(net_synth_tcp(&A4, &B4, 1, 2, 3, 4, 0, payload, 65495, out, cap), 65535);
	assert_int_equal(net_synth_tcp(&A4, &B4, 1, 2, 3, 4, 0, payload, 65496, out, cap), 0);
	assert_int_equal(net_synth_tcp(&A6, &B6, 1, 2, 3, 4, 0, payload, 65515, out, cap), 65575);
	assert_int_equal(net_synth_tcp(&A6, &B6, 1, 2, 3, 4, 0, payload, 65516, out, cap), 0);
	free(payload);
	free(out);
}

static void
test_addr_format(void **state)
{
	(void)state;
	char buf[64];
	net_addr_format(&A4, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1");
	net_addr_format(&A6, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1");
	net_addr_format(&A6, buf, 4); /* too small: empty, not garbage */
	assert_string_equal(buf, "");
	struct net_addr bad = { 0 };
	net_addr_format(&bad, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_round_trip),
		cmocka_unit_test(test_ipv6_round_trip),
		cmocka_unit_test(test_ipv4_header_fields),
		cmocka_unit_test(test_does_not_fit),
		cmocka_unit_test(test_ip_length_field_limit),
		cmocka_unit_test(test_addr_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
