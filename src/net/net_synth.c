/*
 * net_synth: builds IPv4/IPv6 + TCP packets (LINKTYPE_RAW) for the decrypted
 * output capture, with correct lengths and checksums so any pcap tool
 * accepts them.
 */
#include <string.h>

#include "net/net.h"

enum {
	NET_SYNTH_IP4_HDR = 20,
	NET_SYNTH_IP6_HDR = 40,
	NET_SYNTH_TCP_HDR = 20,
	NET_SYNTH_TTL = 64,
	NET_SYNTH_PROTO_TCP = 6,
};

/*
 * One's complement sum of 16-bit words as they lie in memory. RFC 1071 §2(B):
 * the sum is independent of byte order, so words are read in host order,
 * four bytes at a time, and the result is stored back in host order.
 */
static uint32_t
net_synth_sum(const uint8_t *p, size_t n, uint32_t acc)
{
	/* Four accumulators of 32-bit words: independent adds, no carries to
	 * track (2^32 words cannot overflow 64 bits), folded once at the end. */
	uint64_t s0 = acc, s1 = 0, s2 = 0, s3 = 0;
	while (n >= 16) {
		uint32_t w[4];
		memcpy(w, p, 16);
		s0 += w[0];
		s1 += w[1];
		s2 += w[2];
		s3 += w[3];
		p += 16;
		n -= 16;
	}
	uint64_t sum = s0 + s1 + s2 + s3;
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
		/* The odd byte is the high-order byte of a zero-padded word. */
		uint8_t last[2] = { p[0], 0 };
		uint16_t w;
		memcpy(&w, last, 2);
		sum += w;
	}
	while (sum >> 32)
		sum = (sum & 0xffffffffu) + (sum >> 32);
	return (uint32_t)sum;
}

static uint16_t
net_synth_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static void
net_synth_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
net_synth_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Stores the complemented sum; the word is in memory order, like the sum. */
static void
net_synth_store_sum(uint8_t *field, uint32_t acc)
{
	uint16_t c = (uint16_t)~net_synth_fold(acc);
	memcpy(field, &c, 2);
}

size_t
net_synth_tcp(const struct net_addr *src, const struct net_addr *dst, uint16_t sport,
	      uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *payload,
	      size_t len, uint8_t *out, size_t out_cap)
{
	if (src->family != dst->family || (src->family != 4 && src->family != 6))
		return 0;
	size_t iph = src->family == 4 ? NET_SYNTH_IP4_HDR : NET_SYNTH_IP6_HDR;
	/* IPv4 Total Length counts the IP header; IPv6 Payload Length does not. */
	size_t len_field_max = 0xffff - (src->family == 4 ? iph : 0) - NET_SYNTH_TCP_HDR;
	if (len > len_field_max || out_cap < iph + NET_SYNTH_TCP_HDR ||
	    len > out_cap - iph - NET_SYNTH_TCP_HDR)
		return 0;
	size_t tcp_len = NET_SYNTH_TCP_HDR + len;
	size_t alen = src->family == 4 ? 4 : 16;
	uint8_t *ip = out;
	uint8_t *tcp = out + iph;
	memset(out, 0, iph + NET_SYNTH_TCP_HDR);
	if (src->family == 4) {
		ip[0] = 0x45;
		net_synth_put16(ip + 2, (uint16_t)(iph + tcp_len));
		ip[6] = 0x40; /* DF, ID 0 (RFC 6864 §4.1: allowed for atomic datagrams) */
		ip[8] = NET_SYNTH_TTL;
		ip[9] = NET_SYNTH_PROTO_TCP;
		memcpy(ip + 12, src->bytes, 4);
		memcpy(ip + 16, dst->bytes, 4);
		net_synth_store_sum(ip + 10, net_synth_sum(ip, iph, 0));
	} else {
		ip[0] = 0x60;
		net_synth_put16(ip + 4, (uint16_t)tcp_len);
		ip[6] = NET_SYNTH_PROTO_TCP;
		ip[7] = NET_SYNTH_TTL;
		memcpy(ip + 8, src->bytes, 16);
		memcpy(ip + 24, dst->bytes, 16);
	}
	net_synth_put16(tcp, sport);
	net_synth_put16(tcp + 2, dport);
	net_synth_put32(tcp + 4, seq);
	net_synth_put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	net_synth_put16(tcp + 14, 0xffff);
	if (len > 0)
		memcpy(tcp + NET_SYNTH_TCP_HDR, payload, len);
	/* Pseudo header: RFC 9293 §3.1 (IPv4), RFC 8200 §8.1 (IPv6). */
	uint8_t pseudo[40];
	memset(pseudo, 0, sizeof(pseudo));
	memcpy(pseudo, src->bytes, alen);
	memcpy(pseudo + alen, dst->bytes, alen);
	if (src->family == 4) {
		pseudo[9] = NET_SYNTH_PROTO_TCP;
		net_synth_put16(pseudo + 10, (uint16_t)tcp_len);
	} else {
		net_synth_put32(pseudo + 32, (uint32_t)tcp_len);
		pseudo[39] = NET_SYNTH_PROTO_TCP;
	}
	uint32_t acc = net_synth_sum(pseudo, src->family == 4 ? 12 : 40, 0);
	acc = net_synth_sum(tcp, tcp_len, net_synth_fold(acc));
	net_synth_store_sum(tcp + 16, acc);
	return iph + tcp_len;
}
