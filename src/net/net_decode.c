/*
 * net_decode: one captured frame to one TCP segment.
 *
 * Every read goes through struct rd over data[0..caplen). Two kinds of
 * failure are told apart by comparing with the lengths the headers declare:
 * a header or option that the protocol says is there but the capture cut off
 * is TLSIPS_ETRUNC (the snap length, not an attack); a length field that
 * contradicts the frame or the protocol is TLSIPS_EMALFORMED.
 *
 * Checksums are not verified: captures taken on the host itself carry
 * offloaded (not yet computed) checksums, and TCP end points decide about
 * bad checksums, not us.
 */
#include <string.h>

#include "base/err.h"
#include "base/rd.h"
#include "capture/capture.h"
#include "net/net.h"

enum {
	NET_ETH_IPV4 = 0x0800,
	NET_ETH_IPV6 = 0x86dd,
	NET_ETH_VLAN = 0x8100,   /* IEEE 802.1Q */
	NET_ETH_QINQ = 0x88a8,   /* IEEE 802.1ad service tag */
	NET_ETH_QINQ_OLD = 0x9100, /* pre-standard stacked tag, still seen */
	NET_IPPROTO_TCP = 6,
	NET_IP6_HOPOPTS = 0,
	NET_IP6_ROUTING = 43,
	NET_IP6_FRAGMENT = 44,
	NET_IP6_AH = 51,
	NET_IP6_DSTOPTS = 60,
	NET_TCP_HDR_MIN = 20,
};

/*
 * Bytes of the current layer: a cursor over what was captured, limited to
 * what the enclosing header declares, and the declared count itself.
 */
struct net_layer {
	struct rd r;
	size_t decl;
};

/* Takes n declared bytes as a child cursor: beyond the declared length is malformed, beyond the capture truncated. */
static int
net_layer_take(struct net_layer *l, size_t n, struct rd *out_r)
{
	if (n > l->decl)
		return TLSIPS_EMALFORMED;
	if (rd_left(&l->r) < n)
		return TLSIPS_ETRUNC;
	*out_r = rd_child(&l->r, n);
	l->decl -= n;
	return 0;
}

/*
 * TCP header, RFC 9293 §3.1:
 *
 *  |          Source Port          |       Destination Port        |
 *  |                        Sequence Number                        |
 *  |                    Acknowledgment Number                      |
 *  |  Data |       |C|E|U|A|P|R|S|F|                               |
 *  | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *  |           Checksum            |         Urgent Pointer        |
 *  |                      Options (if Data Offset > 5)             |
 */
static int
net_decode_tcp(struct net_layer *l, struct net_pkt *out)
{
	struct rd h;
	int rc = net_layer_take(l, NET_TCP_HDR_MIN, &h);
	if (rc != 0)
		return rc;
	out->sport = rd_u16(&h);
	out->dport = rd_u16(&h);
	out->seq = rd_u32(&h);
	out->ack = rd_u32(&h);
	uint8_t off = rd_u8(&h);
	out->flags = rd_u8(&h);
	out->window = rd_u16(&h);
	rd_skip(&h, 4); /* checksum, urgent pointer */
	size_t hlen = (size_t)(off >> 4) * 4;
	/* RFC 9293 §3.1: Data Offset counts 32-bit words, at least 5. */
	if (hlen < NET_TCP_HDR_MIN)
		return TLSIPS_EMALFORMED;
	struct rd opts;
	rc = net_layer_take(l, hlen - NET_TCP_HDR_MIN, &opts);
	if (rc != 0)
		return rc;
	out->payload_wire_len = (uint32_t)l->decl;
	out->payload = rd_rest(&l->r);
	out->truncated = out->payload.len < l->decl;
	return 0;
}

/*
 * IPv4 header, RFC 791 §3.1:
 *
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  |         Identification        |Flags|      Fragment Offset    |
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  |                       Source Address                          |
 *  |                    Destination Address                        |
 *  |                    Options                    |    Padding    |
 */
static int
net_decode_ipv4(struct rd *r, size_t wire_left, bool cut, struct net_pkt *out)
{
	size_t cap_left = rd_left(r);
	struct rd peek = *r;
	struct rd h = rd_child(&peek, 20);
	if (!rd_ok(&h))
		return cut ? TLSIPS_ETRUNC : TLSIPS_EMALFORMED;
	uint8_t vihl = rd_u8(&h);
	rd_skip(&h, 1);
	size_t total = rd_u16(&h);
	rd_skip(&h, 2);
	uint16_t frag = rd_u16(&h);
	rd_skip(&h, 1);
	uint8_t proto = rd_u8(&h);
	rd_skip(&h, 2);
	out->src.family = out->dst.family = 4;
	memcpy(out->src.bytes, rd_bytes(&h, 4).ptr, 4);
	memcpy(out->dst.bytes, rd_bytes(&h, 4).ptr, 4);
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	if ((vihl >> 4) != 4 || ihl < 20)
		return TLSIPS_EMALFORMED;
	/* Total length 0 is what TCP segmentation offload leaves in captures
	 * taken on the sending host: the frame itself is the length. */
	if (total == 0)
		total = wire_left;
	/* RFC 791 §3.1: Total Length covers header and data. Beyond it is link
	 * padding (trimmed); more than the wire carried is a lie. */
	if (total < ihl || total > wire_left)
		return TLSIPS_EMALFORMED;
	struct net_layer l;
	l.r = rd_child(r, cap_left < total ? cap_left : total);
	l.decl = total;
	struct rd skip;
	int rc = net_layer_take(&l, ihl, &skip);
	if (rc != 0)
		return rc;
	/* Fragments are not reassembled: MF set or a non-zero offset. */
	if ((frag & 0x3fff) != 0 || proto != NET_IPPROTO_TCP)
		return NET_DECODE_NOT_TCP;
	return net_decode_tcp(&l, out);
}

/*
 * IPv6 header, RFC 8200 §3, then extension headers (§4) until TCP:
 *
 *  |Version| Traffic Class |           Flow Label                  |
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  |                 Source Address (16 bytes)                     |
 *  |              Destination Address (16 bytes)                   |
 */
static int
net_decode_ipv6(struct rd *r, size_t wire_left, bool cut, struct net_pkt *out)
{
	struct rd h = rd_child(r, 40);
	if (!rd_ok(&h))
		return cut ? TLSIPS_ETRUNC : TLSIPS_EMALFORMED;
	uint8_t ver = rd_u8(&h) >> 4;
	rd_skip(&h, 3);
	size_t plen = rd_u16(&h);
	uint8_t nh = rd_u8(&h);
	rd_skip(&h, 1);
	out->src.family = out->dst.family = 6;
	memcpy(out->src.bytes, rd_bytes(&h, 16).ptr, 16);
	memcpy(out->dst.bytes, rd_bytes(&h, 16).ptr, 16);
	if (ver != 6)
		return TLSIPS_EMALFORMED;
	/* Payload length 0: a jumbogram (RFC 2675) or a GSO/BIG TCP capture;
	 * either way the frame is the length. */
	if (plen == 0)
		plen = wire_left - 40;
	if (plen > wire_left - 40)
		return TLSIPS_EMALFORMED;
	struct net_layer l;
	size_t cap = rd_left(r);
	l.r = rd_child(r, cap < plen ? cap : plen);
	l.decl = plen;
	for (;;) {
		struct rd x;
		int rc;
		uint8_t next;
		size_t xlen;
		switch (nh) {
		case NET_IPPROTO_TCP:
			return net_decode_tcp(&l, out);
		case NET_IP6_HOPOPTS:
		case NET_IP6_ROUTING:
		case NET_IP6_DSTOPTS:
		case NET_IP6_AH:
			/* RFC 8200 §4.3-4.6: Hdr Ext Len in 8-octet units, not
			 * counting the first 8; AH (RFC 4302 §2.2) in 4-octet
			 * units minus 2. */
			if ((rc = net_layer_take(&l, 2, &x)) != 0)
				return rc;
			next = rd_u8(&x);
			xlen = rd_u8(&x);
			xlen = nh == NET_IP6_AH ? (xlen + 2) * 4 : (xlen + 1) * 8;
			if ((rc = net_layer_take(&l, xlen - 2, &x)) != 0)
				return rc;
			nh = next;
			break;
		case NET_IP6_FRAGMENT:
			/* RFC 8200 §4.5: an atomic fragment (offset 0, M clear)
			 * is a whole packet; real fragments are not followed. */
			if ((rc = net_layer_take(&l, 8, &x)) != 0)
				return rc;
			nh = rd_u8(&x);
			rd_skip(&x, 1);
			if ((rd_u16(&x) & 0xfff9) != 0)
				return NET_DECODE_NOT_TCP;
			break;
		default:
			/* No Next Header (59), ESP, UDP, ICMPv6 ... */
			return NET_DECODE_NOT_TCP;
		}
	}
}

static int
net_decode_ip(struct rd *r, unsigned version, size_t wire_left, bool cut, struct net_pkt *out)
{
	if (version == 4)
		return net_decode_ipv4(r, wire_left, cut, out);
	if (version == 6)
		return net_decode_ipv6(r, wire_left, cut, out);
	return NET_DECODE_NOT_TCP;
}

/* Skips 802.1Q / 802.1ad tags (any depth) and maps the EtherType to an IP version. */
static int
net_decode_ethertype(struct rd *r, uint16_t type, bool cut, unsigned *out_version)
{
	while (type == NET_ETH_VLAN || type == NET_ETH_QINQ || type == NET_ETH_QINQ_OLD) {
		/* | TCI (2) | inner EtherType (2) | */
		rd_skip(r, 2);
		type = rd_u16(r);
		if (!rd_ok(r))
			return cut ? TLSIPS_ETRUNC : TLSIPS_EMALFORMED;
	}
	*out_version = type == NET_ETH_IPV4 ? 4 : type == NET_ETH_IPV6 ? 6 : 0;
	return 0;
}

/* BSD AF_ values for NULL/LOOP: 2 is IPv4; 24, 28, 30 are IPv6 on NetBSD/OpenBSD, FreeBSD, Darwin. */
static unsigned
net_decode_af(uint32_t af)
{
	if (af == 2)
		return 4;
	if (af == 24 || af == 28 || af == 30)
		return 6;
	return 0;
}

/*
 * Link header to (cursor at the IP header, IP version). Layouts:
 *  Ethernet: | dst (6) | src (6) | EtherType (2) | [tags] |
 *  SLL:      | pkttype (2) | ARPHRD (2) | addr len (2) | addr (8) | protocol (2) |
 *  SLL2:     | protocol (2) | reserved (2) | ifindex (4) | ARPHRD (2) | pkttype (1) | addr len (1) | addr (8) |
 *  NULL:     | AF_ (4, byte order of the capturing host) |
 *  LOOP:     | AF_ (4, network order) |
 */
static int
net_decode_link(int linktype, struct rd *r, bool cut, unsigned *out_version)
{
	uint32_t af;
	uint16_t type;
	switch (linktype) {
	case CAPTURE_LINK_ETHERNET:
		rd_skip(r, 12);
		type = rd_u16(r);
		break;
	case CAPTURE_LINK_SLL:
		rd_skip(r, 14);
		type = rd_u16(r);
		break;
	case CAPTURE_LINK_SLL2:
		type = rd_u16(r);
		rd_skip(r, 18);
		break;
	case CAPTURE_LINK_NULL:
		af = rd_le32(r);
		/* The writer's byte order is unknown; AF values are small. */
		if (af > 0xffff)
			af = __builtin_bswap32(af);
		*out_version = net_decode_af(af);
		return rd_ok(r) ? 0 : cut ? TLSIPS_ETRUNC : TLSIPS_EMALFORMED;
	case CAPTURE_LINK_LOOP:
		af = rd_u32(r);
		*out_version = net_decode_af(af);
		return rd_ok(r) ? 0 : cut ? TLSIPS_ETRUNC : TLSIPS_EMALFORMED;
	case CAPTURE_LINK_RAW:
	case CAPTURE_LINK_IPV4:
	case CAPTURE_LINK_IPV6:
		if (rd_left(r) == 0)
			return cut ? TLSIPS_ETRUNC : TLSIPS_EMALFORMED;
		*out_version = rd_peek(r, 0) >> 4;
		if (*out_version != 4 && *out_version != 6)
			return TLSIPS_EMALFORMED;
		if ((linktype == CAPTURE_LINK_IPV4 && *out_version != 4) ||
		    (linktype == CAPTURE_LINK_IPV6 && *out_version != 6))
			return TLSIPS_EMALFORMED;
		return 0;
	default:
		*out_version = 0;
		return 0;
	}
	if (!rd_ok(r))
		return cut ? TLSIPS_ETRUNC : TLSIPS_EMALFORMED;
	return net_decode_ethertype(r, type, cut, out_version);
}

int
net_decode(int linktype, const uint8_t *data, size_t caplen, size_t wire_len, uint64_t ts_usec,
	   struct net_pkt *out)
{
	memset(out, 0, sizeof(*out));
	out->ts_usec = ts_usec;
	/* A wire length below the captured length is a writer bug; trust the bytes. */
	if (wire_len < caplen)
		wire_len = caplen;
	bool cut = wire_len > caplen;
	struct rd r = rd_make(data, caplen);
	unsigned version = 0;
	int rc = net_decode_link(linktype, &r, cut, &version);
	if (rc != 0)
		return rc;
	if (version == 0)
		return NET_DECODE_NOT_TCP;
	size_t consumed = caplen - rd_left(&r);
	rc = net_decode_ip(&r, version, wire_len - consumed, cut, out);
	/* Every declared length was checked against the wire length, so an
	 * uncut frame cannot run short; keep the classification honest anyway. */
	if (rc == TLSIPS_ETRUNC && !cut)
		rc = TLSIPS_EMALFORMED;
	return rc;
}
