/*
 * Unit tests for net_reset_build: the exact resets (bytes, sequence numbers)
 * for the segment being dropped, IPv4 and IPv6, and the segments that get
 * fewer resets (bare SYN, RST). Expected packets were computed apart from
 * net_synth (a separate checksum routine) and are spelled out byte by byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "capture/capture.h"
#include "net/net.h"

static const struct net_addr CLI4 = { 4, { 10, 200, 1, 1 } };
static const struct net_addr SRV4 = { 4, { 10, 200, 1, 2 } };
static const struct net_addr CLI6 = { 6, { 0xfd, 0x00, [15] = 1 } };
static const struct net_addr SRV6 = { 6, { 0xfd, 0x00, [15] = 2 } };

static struct net_pkt
seg(const struct net_addr *s, const struct net_addr *d, uint16_t sport, uint16_t dport,
    uint32_t seq, uint32_t ack, uint8_t flags, uint32_t len)
{
	struct net_pkt p;
	memset(&p, 0, sizeof(p));
	p.src = *s;
	p.dst = *d;
	p.sport = sport;
	p.dport = dport;
	p.seq = seq;
	p.ack = ack;
	p.flags = flags;
	p.payload_wire_len = len;
	return p;
}

/* Decodes a built reset and checks the fields a peer's stack looks at. */
static void
check_rst(const uint8_t *b, size_t n, const struct net_addr *src, const struct net_addr *dst,
	  uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct net_pkt p;
	assert_int_equal(net_decode(CAPTURE_LINK_RAW, b, n, n, 0, &p), 0);
	assert_memory_equal(&p.src, src, sizeof(*src));
	assert_memory_equal(&p.dst, dst, sizeof(*dst));
	assert_int_equal(p.sport, sport);
	assert_int_equal(p.dport, dport);
	assert_int_equal(p.seq, seq);
	assert_int_equal(p.ack, ack);
	assert_int_equal(p.flags, flags);
	assert_int_equal(p.payload.len, 0);
}

/* Client data 10.200.1.1:40000 -> 10.200.1.2:8080, seq 0x11223344, ack 0xaabbccdd. */
static void
test_ipv4_data_segment_exact_bytes(void **state)
{
	(void)state;
	struct net_pkt p = seg(&CLI4, &SRV4, 40000, 8080, 0x11223344, 0xaabbccdd,
			       NET_TCP_ACK | NET_TCP_PSH, 100);
	struct net_reset r;
	assert_int_equal(net_reset_build(&p, &r), 0);
	/* 10.200.1.2:8080 -> 10.200.1.1:40000 seq 0xaabbccdd ack 0 [RST] */
	static const uint8_t to_sender[] = {
		0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00,
		0x40, 0x06, 0x23, 0x3e, 0x0a, 0xc8, 0x01, 0x02,
		0x0a, 0xc8, 0x01, 0x01, 0x1f, 0x90, 0x9c, 0x40,
		0xaa, 0xbb, 0xcc, 0xdd, 0x00, 0x00, 0x00, 0x00,
		0x50, 0x04, 0xff, 0xff, 0x64, 0xe4, 0x00, 0x00,
	};
	/* 10.200.1.1:40000 -> 10.200.1.2:8080 seq 0x11223344 ack 0xaabbccdd [RST,ACK] */
	static const uint8_t to_receiver[] = {
		0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00,
		0x40, 0x06, 0x23, 0x3e, 0x0a, 0xc8, 0x01, 0x01,
		0x0a, 0xc8, 0x01, 0x02, 0x9c, 0x40, 0x1f, 0x90,
		0x11, 0x22, 0x33, 0x44, 0xaa, 0xbb, 0xcc, 0xdd,
		0x50, 0x14, 0xff, 0xff, 0x20, 0x6e, 0x00, 0x00,
	};
	assert_int_equal(r.to_sender_len, sizeof(to_sender));
	assert_memory_equal(r.to_sender, to_sender, sizeof(to_sender));
	assert_int_equal(r.to_receiver_len, sizeof(to_receiver));
	assert_memory_equal(r.to_receiver, to_receiver, sizeof(to_receiver));
}

/* Client data [fd00::1]:50000 -> [fd00::2]:443, seq 0xfffffff0, ack 0x01020304. */
static void
test_ipv6_data_segment_exact_bytes(void **state)
{
	(void)state;
	struct net_pkt p = seg(&CLI6, &SRV6, 50000, 443, 0xfffffff0u, 0x01020304,
			       NET_TCP_ACK | NET_TCP_PSH, 517);
	struct net_reset r;
	assert_int_equal(net_reset_build(&p, &r), 0);
	/* [fd00::2]:443 -> [fd00::1]:50000 seq 0x01020304 ack 0 [RST] */
	static const uint8_t to_sender[] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40,
		0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
		0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x01, 0xbb, 0xc3, 0x50, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x00, 0x50, 0x04, 0xff, 0xff,
		0xec, 0xca, 0x00, 0x00,
	};
	/* [fd00::1]:50000 -> [fd00::2]:443 seq 0xfffffff0 ack 0x01020304 [RST,ACK] */
	static const uint8_t to_receiver[] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40,
		0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
		0xc3, 0x50, 0x01, 0xbb, 0xff, 0xff, 0xff, 0xf0,
		0x01, 0x02, 0x03, 0x04, 0x50, 0x14, 0xff, 0xff,
		0xec, 0xc9, 0x00, 0x00,
	};
	assert_int_equal(r.to_sender_len, sizeof(to_sender));
	assert_memory_equal(r.to_sender, to_sender, sizeof(to_sender));
	assert_int_equal(r.to_receiver_len, sizeof(to_receiver));
	assert_memory_equal(r.to_receiver, to_receiver, sizeof(to_receiver));
}

/* A server response being dropped: the client is reset at the ack it sent. */
static void
test_server_response_resets_both_ends(void **state)
{
	(void)state;
	struct net_pkt p = seg(&SRV4, &CLI4, 443, 40001, 5000, 9000, NET_TCP_ACK, 1448);
	struct net_reset r;
	assert_int_equal(net_reset_build(&p, &r), 0);
	check_rst(r.to_sender, r.to_sender_len, &CLI4, &SRV4, 40001, 443, 9000, 0, NET_TCP_RST);
	check_rst(r.to_receiver, r.to_receiver_len, &SRV4, &CLI4, 443, 40001, 5000, 9000,
		  NET_TCP_RST | NET_TCP_ACK);
}

/* RFC 9293 §3.10.7.1: no ACK in the segment: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK>. */
static void
test_bare_syn_resets_only_the_sender(void **state)
{
	(void)state;
	struct net_pkt p = seg(&CLI6, &SRV6, 50000, 443, 0x7fffffff, 0, NET_TCP_SYN, 0);
	struct net_reset r;
	assert_int_equal(net_reset_build(&p, &r), 0);
	check_rst(r.to_sender, r.to_sender_len, &SRV6, &CLI6, 443, 50000, 0, 0x80000000u,
		  NET_TCP_RST | NET_TCP_ACK);
	assert_int_equal(r.to_receiver_len, 0);
}

/* SYN and FIN each take a sequence number; the sum wraps modulo 2^32. */
static void
test_syn_fin_and_payload_count_in_the_ack(void **state)
{
	(void)state;
	struct net_pkt p = seg(&CLI4, &SRV4, 1, 2, 0xfffffffe, 0, NET_TCP_SYN | NET_TCP_FIN, 3);
	struct net_reset r;
	assert_int_equal(net_reset_build(&p, &r), 0);
	check_rst(r.to_sender, r.to_sender_len, &SRV4, &CLI4, 2, 1, 0, 3, NET_TCP_RST | NET_TCP_ACK);
}

/* The declared length counts, not what the capture kept of it. */
static void
test_truncated_payload_uses_declared_length(void **state)
{
	(void)state;
	static const uint8_t some[10] = { 0 };
	struct net_pkt p = seg(&CLI4, &SRV4, 1, 2, 100, 0, NET_TCP_FIN, 1000);
	p.payload.ptr = some;
	p.payload.len = sizeof(some);
	struct net_reset r;
	assert_int_equal(net_reset_build(&p, &r), 0);
	check_rst(r.to_sender, r.to_sender_len, &SRV4, &CLI4, 2, 1, 0, 1101, NET_TCP_RST | NET_TCP_ACK);
	/* A hand-made packet with no declared length: the payload present counts. */
	p.payload_wire_len = 0;
	assert_int_equal(net_reset_build(&p, &r), 0);
	check_rst(r.to_sender, r.to_sender_len, &SRV4, &CLI4, 2, 1, 0, 111, NET_TCP_RST | NET_TCP_ACK);
}

/* A dropped SYN-ACK: the client, in SYN-SENT, needs its SYN acknowledged. */
static void
test_syn_ack_resets_both_ends(void **state)
{
	(void)state;
	struct net_pkt p = seg(&SRV6, &CLI6, 443, 50000, 777, 1001, NET_TCP_SYN | NET_TCP_ACK, 0);
	struct net_reset r;
	assert_int_equal(net_reset_build(&p, &r), 0);
	check_rst(r.to_sender, r.to_sender_len, &CLI6, &SRV6, 50000, 443, 1001, 0, NET_TCP_RST);
	check_rst(r.to_receiver, r.to_receiver_len, &SRV6, &CLI6, 443, 50000, 777, 1001,
		  NET_TCP_RST | NET_TCP_ACK);
}

static void
test_reset_gets_no_reset(void **state)
{
	(void)state;
	struct net_pkt p = seg(&CLI4, &SRV4, 1, 2, 3, 4, NET_TCP_RST | NET_TCP_ACK, 0);
	struct net_reset r;
	memset(&r, 0xaa, sizeof(r));
	assert_int_equal(net_reset_build(&p, &r), 0);
	assert_int_equal(r.to_sender_len, 0);
	assert_int_equal(r.to_receiver_len, 0);
}

static void
test_mixed_families_rejected(void **state)
{
	(void)state;
	struct net_pkt p = seg(&CLI4, &SRV6, 1, 2, 3, 4, NET_TCP_ACK, 0);
	struct net_reset r;
	assert_int_equal(net_reset_build(&p, &r), TLSIPS_EMALFORMED);
	assert_int_equal(r.to_sender_len, 0);
	assert_int_equal(r.to_receiver_len, 0);
	struct net_pkt z = seg(&CLI4, &SRV4, 1, 2, 3, 4, NET_TCP_ACK, 0);
	z.src.family = z.dst.family = 5;
	assert_int_equal(net_reset_build(&z, &r), TLSIPS_EMALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_data_segment_exact_bytes),
		cmocka_unit_test(test_ipv6_data_segment_exact_bytes),
		cmocka_unit_test(test_server_response_resets_both_ends),
		cmocka_unit_test(test_bare_syn_resets_only_the_sender),
		cmocka_unit_test(test_syn_fin_and_payload_count_in_the_ack),
		cmocka_unit_test(test_truncated_payload_uses_declared_length),
		cmocka_unit_test(test_syn_ack_resets_both_ends),
		cmocka_unit_test(test_reset_gets_no_reset),
		cmocka_unit_test(test_mixed_families_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
