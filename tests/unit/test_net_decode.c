/* Unit tests for net_decode: link types, IPv4/IPv6, TCP, truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "capture/capture.h"
#include "net/net.h"

/* IPv4 192.0.2.1:49152 -> 192.0.2.2:443, TCP seq 1000 ack 2000 PSH|ACK win 65535, payload "hi". */
#define IP4_TCP_HI                                                                              \
	0x45, 0x00, 0x00, 0x2a, /* v4, ihl 5, total length 42 */                                \
	0x00, 0x00, 0x40, 0x00, /* id 0, DF */                                                  \
	0x40, 0x06, 0x00, 0x00, /* ttl 64, proto TCP, checksum (unchecked) */                   \
	0xc0, 0x00, 0x02, 0x01, /* 192.0.2.1 */                                                 \
	0xc0, 0x00, 0x02, 0x02, /* 192.0.2.2 */                                                 \
	0xc0, 0x00, 0x01, 0xbb, /* sport 49152, dport 443 */                                    \
	0x00, 0x00, 0x03, 0xe8, /* seq 1000 */                                                  \
	0x00, 0x00, 0x07, 0xd0, /* ack 2000 */                                                  \
	0x50, 0x18, 0xff, 0xff, /* data offset 5, PSH|ACK, window 65535 */                      \
	0x00, 0x00, 0x00, 0x00, /* checksum, urgent */                                          \
	'h', 'i'

/* IPv6 2001:db8::1:49152 -> 2001:db8::2:443, same TCP segment, payload "hi". */
#define IP6_HDR(plen_hi, plen_lo, nh)                                                           \
	0x60, 0x00, 0x00, 0x00, plen_hi, plen_lo, nh, 0x40,                                     \
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,                          \
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02
#define TCP_HI                                                                                  \
	0xc0, 0x00, 0x01, 0xbb, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0,                 \
	0x50, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 'h', 'i'

#define ETH_HDR(t_hi, t_lo)                                                                     \
	0x02, 0, 0, 0, 0, 0x02, /* dst */                                                       \
	0x02, 0, 0, 0, 0, 0x01, /* src */                                                       \
	t_hi, t_lo

static const uint8_t eth_ip4[] = { ETH_HDR(0x08, 0x00), IP4_TCP_HI };
/* Ethernet minimum frame: 4 bytes of padding after the IP datagram. */
static const uint8_t eth_ip4_pad[] = { ETH_HDR(0x08, 0x00), IP4_TCP_HI, 0, 0, 0, 0 };
/* 802.1ad S-tag VLAN 10, 802.1Q C-tag VLAN 20, then IPv4. */
static const uint8_t eth_qinq[] = { ETH_HDR(0x88, 0xa8), 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14,
				    0x08, 0x00, IP4_TCP_HI };
/* Ethernet + IPv6 + TCP. */
static const uint8_t eth_ip6[] = { ETH_HDR(0x86, 0xdd), IP6_HDR(0x00, 0x16, 6), TCP_HI };
/* SLL: packet type 0 (to us), ARPHRD_ETHER, addr len 6, addr, protocol IPv4. */
static const uint8_t sll_ip4[] = { 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 2, 0, 0, 0, 0, 1, 0, 0,
				   0x08, 0x00, IP4_TCP_HI };
/* SLL2: protocol IPv6, reserved, ifindex 2, ARPHRD_ETHER, pkttype 0, addr len 6, addr. */
static const uint8_t sll2_ip6[] = { 0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0x00, 0x01, 0x00, 0x06,
				    2, 0, 0, 0, 0, 1, 0, 0, IP6_HDR(0x00, 0x16, 6), TCP_HI };
/* BSD NULL written by a little-endian host: AF_INET = 2. */
static const uint8_t null_le_ip4[] = { 0x02, 0x00, 0x00, 0x00, IP4_TCP_HI };
/* BSD NULL written by a big-endian host: AF_INET6 = 30 (Darwin). */
static const uint8_t null_be_ip6[] = { 0x00, 0x00, 0x00, 0x1e, IP6_HDR(0x00, 0x16, 6), TCP_HI };
/* OpenBSD LOOP, network order: AF_INET6 = 24. */
static const uint8_t loop_ip6[] = { 0x00, 0x00, 0x00, 0x18, IP6_HDR(0x00, 0x16, 6), TCP_HI };
static const uint8_t raw_ip4[] = { IP4_TCP_HI };
static const uint8_t raw_ip6[] = { IP6_HDR(0x00, 0x16, 6), TCP_HI };
/*
 * IPv6 with hop-by-hop (8 bytes, PadN), destination options (16 bytes, PadN),
 * an atomic fragment header (offset 0, M clear), then TCP. Payload length
 * 8 + 16 + 8 + 22 = 54.
 */
static const uint8_t raw_ip6_ext[] = {
	IP6_HDR(0x00, 0x36, 0),
	60, 0, 1, 4, 0, 0, 0, 0,                        /* HBH: next dstopts, len 0, PadN(4) */
	44, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* dstopts: next frag, len 1, PadN(12) */
	6, 0, 0x00, 0x00, 0, 0, 0, 1,                   /* fragment: next TCP, offset 0, M 0 */
	TCP_HI,
};
/* IPv6 first fragment (offset 0, M set) carrying TCP: not followed. */
static const uint8_t raw_ip6_frag[] = {
	IP6_HDR(0x00, 0x1e, 44), 6, 0, 0x00, 0x01, 0, 0, 0, 1, TCP_HI,
};
/* IPv4 with MF set: a first fragment. */
static const uint8_t raw_ip4_frag[] = {
	0x45, 0x00, 0x00, 0x2a, 0x00, 0x01, 0x20, 0x00, 0x40, 0x06, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, TCP_HI,
};
/* IPv4 UDP 53 -> 53, 4 bytes of payload. */
static const uint8_t raw_ip4_udp[] = {
	0x45, 0x00, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0x00, 0x35, 0x00, 0x35,
	0x00, 0x0c, 0x00, 0x00, 1, 2, 3, 4,
};
/* ARP over Ethernet (only the EtherType matters). */
static const uint8_t eth_arp[] = { ETH_HDR(0x08, 0x06), 0, 1, 8, 0, 6, 4, 0, 1 };
/*
 * IPv4 with 4 bytes of options (ihl 6, NOP x4), TCP with data offset 8
 * (12 bytes: MSS 1460, NOP, NOP, SACK-permitted... padded), payload "hi".
 * Total length 24 + 32 + 2 = 58.
 */
static const uint8_t raw_ip4_opts[] = {
	0x46, 0x00, 0x00, 0x3a, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0x01, 0x01, 0x01, 0x01,
	0xc0, 0x00, 0x01, 0xbb, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0,
	0x80, 0x12, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x04, 0x02, 0x01, 0x01, 0x01, 0x00,
	'h', 'i',
};
/* IPv4 header length 4 words: invalid. */
static const uint8_t raw_ip4_bad_ihl[] = {
	0x44, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, TCP_HI,
};
/* TCP data offset 4 words: invalid. */
static const uint8_t raw_ip4_bad_doff[] = {
	0x45, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02,
	0xc0, 0x00, 0x01, 0xbb, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0,
	0x40, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 'h', 'i',
};
/* IPv4 total length 0x2c (44) but only 42 bytes on the wire. */
static const uint8_t raw_ip4_long[] = {
	0x45, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, TCP_HI,
};
/* IPv4 total length 0, as TSO leaves it in a capture on the sender. */
static const uint8_t raw_ip4_tso[] = {
	0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, TCP_HI,
};

/*
 * Copies a frame so that its last byte sits against an unmapped page: any
 * read past the end faults even without ASan.
 */
struct guard {
	uint8_t *map;
	size_t maplen;
};

static const uint8_t *
guard_copy(struct guard *g, const uint8_t *data, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (len + page - 1) / page + 1;
	g->maplen = (pages + 1) * page;
	g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->map != MAP_FAILED);
	assert_int_equal(mprotect(g->map + pages * page, page, PROT_NONE), 0);
	uint8_t *p = g->map + pages * page - len;
	if (len > 0)
		memcpy(p, data, len);
	return p;
}

static void
guard_free(struct guard *g)
{
	munmap(g->map, g->maplen);
}

static int
decode(int lt, const uint8_t *frame, size_t caplen, size_t wire, struct net_pkt *out)
{
	struct guard g;
	const uint8_t *p = guard_copy(&g, frame, caplen);
	int rc = net_decode(lt, p, caplen, wire, 7, out);
	/* Payload views point into the guarded copy; re-point them for checks. */
	if (rc == 0 && out->payload.len > 0)
		out->payload.ptr = frame + (out->payload.ptr - p);
	guard_free(&g);
	return rc;
}

static void
check_hi_v4(const struct net_pkt *p)
{
	static const uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };
	assert_int_equal(p->src.family, 4);
	assert_memory_equal(p->src.bytes, a, 4);
	assert_memory_equal(p->dst.bytes, b, 4);
	assert_int_equal(p->sport, 49152);
	assert_int_equal(p->dport, 443);
	assert_int_equal(p->seq, 1000);
	assert_int_equal(p->ack, 2000);
	assert_int_equal(p->flags, NET_TCP_PSH | NET_TCP_ACK);
	assert_int_equal(p->window, 65535);
	assert_int_equal(p->payload.len, 2);
	assert_memory_equal(p->payload.ptr, "hi", 2);
	assert_false(p->truncated);
	assert_int_equal(p->payload_wire_len, 2);
	assert_int_equal(p->ts_usec, 7);
}

static void
check_hi_v6(const struct net_pkt *p)
{
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	assert_int_equal(p->src.family, 6);
	assert_memory_equal(p->src.bytes, a, 16);
	assert_memory_equal(p->dst.bytes, b, 16);
	assert_int_equal(p->sport, 49152);
	assert_int_equal(p->dport, 443);
	assert_int_equal(p->seq, 1000);
	assert_int_equal(p->payload.len, 2);
	assert_memory_equal(p->payload.ptr, "hi", 2);
	assert_false(p->truncated);
}

#define DECODE_OK(lt, frame, check)                                                             \
	do {                                                                                    \
		struct net_pkt p;                                                               \
		assert_int_equal(decode(lt, frame, sizeof(frame), sizeof(frame), &p), 0);      \
		check(&p);                                                                      \
	} while (0)

static void
test_ethernet_ipv4(void **state)
{
	(void)state;
	DECODE_OK(CAPTURE_LINK_ETHERNET, eth_ip4, check_hi_v4);
}

static void
test_ethernet_padding_trimmed(void **state)
{
	(void)state;
	DECODE_OK(CAPTURE_LINK_ETHERNET, eth_ip4_pad, check_hi_v4);
}

static void
test_ethernet_stacked_vlan(void **state)
{
	(void)state;
	DECODE_OK(CAPTURE_LINK_ETHERNET, eth_qinq, check_hi_v4);
}

static void
test_ethernet_ipv6(void **state)
{
	(void)state;
	DECODE_OK(CAPTURE_LINK_ETHERNET, eth_ip6, check_hi_v6);
}

static void
test_sll_ipv4(void **state)
{
	(void)state;
	DECODE_OK(CAPTURE_LINK_SLL, sll_ip4, check_hi_v4);
}

static void
test_sll2_ipv6(void **state)
{
	(void)state;
	DECODE_OK(CAPTURE_LINK_SLL2, sll2_ip6, check_hi_v6);
}

static void
test_null_little_endian_ipv4(void **state)
{
	(void)state;
	DECODE_OK(CAPTURE_LINK_NULL, null_le_ip4, check_hi_v4);
}

static void
test_null_big_endian_ipv6(void **state)
{
	(void)state;
	DECODE_OK(CAPTURE_LINK_NULL, null_be_ip6, check_hi_v6);
}

static void
test_loop_ipv6(void **state)
{
	(void)state;
	DECODE_OK(CAPTURE_LINK_LOOP, loop_ip6, check_hi_v6);
}

static void
test_raw_ipv4_and_ipv6(void **state)
{
	(void)state;
	DECODE_OK(CAPTURE_LINK_RAW, raw_ip4, check_hi_v4);
	DECODE_OK(CAPTURE_LINK_RAW, raw_ip6, check_hi_v6);
	DECODE_OK(CAPTURE_LINK_IPV4, raw_ip4, check_hi_v4);
	DECODE_OK(CAPTURE_LINK_IPV6, raw_ip6, check_hi_v6);
}

static void
test_linktype_ipv4_rejects_ipv6(void **state)
{
	(void)state;
	struct net_pkt p;
	assert_int_equal(decode(CAPTURE_LINK_IPV4, raw_ip6, sizeof(raw_ip6), sizeof(raw_ip6), &p),
			 TLSIPS_EMALFORMED);
}

static void
test_ipv6_extension_headers(void **state)
{
	(void)state;
	DECODE_OK(CAPTURE_LINK_RAW, raw_ip6_ext, check_hi_v6);
}

static void
test_ipv6_fragment_not_followed(void **state)
{
	(void)state;
	struct net_pkt p;
	assert_int_equal(decode(CAPTURE_LINK_RAW, raw_ip6_frag, sizeof(raw_ip6_frag),
				sizeof(raw_ip6_frag), &p),
			 NET_DECODE_NOT_TCP);
}

static void
test_ipv4_fragment_not_followed(void **state)
{
	(void)state;
	struct net_pkt p;
	assert_int_equal(decode(CAPTURE_LINK_RAW, raw_ip4_frag, sizeof(raw_ip4_frag),
				sizeof(raw_ip4_frag), &p),
			 NET_DECODE_NOT_TCP);
}

static void
test_udp_and_arp_not_tcp(void **state)
{
	(void)state;
	struct net_pkt p;
	assert_int_equal(decode(CAPTURE_LINK_RAW, raw_ip4_udp, sizeof(raw_ip4_udp),
				sizeof(raw_ip4_udp), &p),
			 NET_DECODE_NOT_TCP);
	assert_int_equal(decode(CAPTURE_LINK_ETHERNET, eth_arp, sizeof(eth_arp), sizeof(eth_arp), &p),
			 NET_DECODE_NOT_TCP);
}

static void
test_unknown_linktype_not_tcp(void **state)
{
	(void)state;
	struct net_pkt p;
	assert_int_equal(decode(147, raw_ip4, sizeof(raw_ip4), sizeof(raw_ip4), &p),
			 NET_DECODE_NOT_TCP);
}

static void
test_ip_and_tcp_options_skipped(void **state)
{
	(void)state;
	struct net_pkt p;
	assert_int_equal(decode(CAPTURE_LINK_RAW, raw_ip4_opts, sizeof(raw_ip4_opts),
				sizeof(raw_ip4_opts), &p),
			 0);
	assert_int_equal(p.flags, NET_TCP_SYN | NET_TCP_ACK);
	assert_int_equal(p.payload.len, 2);
	assert_memory_equal(p.payload.ptr, "hi", 2);
}

static void
test_malformed_header_lengths(void **state)
{
	(void)state;
	struct net_pkt p;
	assert_int_equal(decode(CAPTURE_LINK_RAW, raw_ip4_bad_ihl, sizeof(raw_ip4_bad_ihl),
				sizeof(raw_ip4_bad_ihl), &p),
			 TLSIPS_EMALFORMED);
	assert_int_equal(decode(CAPTURE_LINK_RAW, raw_ip4_bad_doff, sizeof(raw_ip4_bad_doff),
				sizeof(raw_ip4_bad_doff), &p),
			 TLSIPS_EMALFORMED);
	assert_int_equal(decode(CAPTURE_LINK_RAW, raw_ip4_long, sizeof(raw_ip4_long),
				sizeof(raw_ip4_long), &p),
			 TLSIPS_EMALFORMED);
}

static void
test_ipv4_tso_zero_length(void **state)
{
	(void)state;
	DECODE_OK(CAPTURE_LINK_RAW, raw_ip4_tso, check_hi_v4);
}

static void
test_payload_cut_is_truncated(void **state)
{
	(void)state;
	struct net_pkt p;
	/* One payload byte captured of two on the wire. */
	assert_int_equal(decode(CAPTURE_LINK_ETHERNET, eth_ip4, sizeof(eth_ip4) - 1, sizeof(eth_ip4),
				&p),
			 0);
	assert_true(p.truncated);
	assert_int_equal(p.payload.len, 1);
	assert_int_equal(p.payload_wire_len, 2);
}

/*
 * Cut each frame at every length: headers cut by the capture give ETRUNC
 * (wire length intact) or EMALFORMED (the frame really is that short);
 * cuts inside the payload decode with truncated set. The guard page makes
 * any over-read fault.
 */
static void
cut_everywhere(int lt, const uint8_t *frame, size_t len, size_t hdr_len)
{
	for (size_t cut = 0; cut < len; cut++) {
		struct net_pkt p;
		int rc = decode(lt, frame, cut, len, &p);
		if (cut < hdr_len) {
			assert_int_equal(rc, TLSIPS_ETRUNC);
		} else {
			assert_int_equal(rc, 0);
			assert_true(p.truncated);
			assert_int_equal(p.payload.len, cut - hdr_len);
		}
		rc = decode(lt, frame, cut, cut, &p);
		if (cut < hdr_len)
			assert_true(rc == TLSIPS_EMALFORMED);
	}
}

static void
test_cut_at_every_byte(void **state)
{
	(void)state;
	cut_everywhere(CAPTURE_LINK_ETHERNET, eth_ip4, sizeof(eth_ip4), sizeof(eth_ip4) - 2);
	cut_everywhere(CAPTURE_LINK_ETHERNET, eth_qinq, sizeof(eth_qinq), sizeof(eth_qinq) - 2);
	cut_everywhere(CAPTURE_LINK_ETHERNET, eth_ip6, sizeof(eth_ip6), sizeof(eth_ip6) - 2);
	cut_everywhere(CAPTURE_LINK_SLL, sll_ip4, sizeof(sll_ip4), sizeof(sll_ip4) - 2);
	cut_everywhere(CAPTURE_LINK_SLL2, sll2_ip6, sizeof(sll2_ip6), sizeof(sll2_ip6) - 2);
	cut_everywhere(CAPTURE_LINK_NULL, null_le_ip4, sizeof(null_le_ip4), sizeof(null_le_ip4) - 2);
	cut_everywhere(CAPTURE_LINK_LOOP, loop_ip6, sizeof(loop_ip6), sizeof(loop_ip6) - 2);
	cut_everywhere(CAPTURE_LINK_RAW, raw_ip6_ext, sizeof(raw_ip6_ext), sizeof(raw_ip6_ext) - 2);
	cut_everywhere(CAPTURE_LINK_RAW, raw_ip4_opts, sizeof(raw_ip4_opts), sizeof(raw_ip4_opts) - 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_ipv4),
		cmocka_unit_test(test_ethernet_padding_trimmed),
		cmocka_unit_test(test_ethernet_stacked_vlan),
		cmocka_unit_test(test_ethernet_ipv6),
		cmocka_unit_test(test_sll_ipv4),
		cmocka_unit_test(test_sll2_ipv6),
		cmocka_unit_test(test_null_little_endian_ipv4),
		cmocka_unit_test(test_null_big_endian_ipv6),
		cmocka_unit_test(test_loop_ipv6),
		cmocka_unit_test(test_raw_ipv4_and_ipv6),
		cmocka_unit_test(test_linktype_ipv4_rejects_ipv6),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_ipv6_fragment_not_followed),
		cmocka_unit_test(test_ipv4_fragment_not_followed),
		cmocka_unit_test(test_udp_and_arp_not_tcp),
		cmocka_unit_test(test_unknown_linktype_not_tcp),
		cmocka_unit_test(test_ip_and_tcp_options_skipped),
		cmocka_unit_test(test_malformed_header_lengths),
		cmocka_unit_test(test_ipv4_tso_zero_length),
		cmocka_unit_test(test_payload_cut_is_truncated),
		cmocka_unit_test(test_cut_at_every_byte),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
