/*
 * net_synth: builds IPv4/IPv6 + TCP packets (LINKTYPE_RAW) for the decrypted
 * output capture, with correct lengths and checksums so any pcap tool
 * accepts them. The payload is copied and summed in one pass (net_csum_copy).
 */
#include <string.h>

#include "net/net.h"
#include "net/net_csum.h"

enum {
	NET_SYNTH_IP4_HDR = 20,
	NET_SYNTH_IP6_HDR = 40,
	NET_SYNTH_TCP_HDR = 20,
	NET_SYNTH_TTL = 64,
	NET_SYNTH_PROTO_TCP = 6,
};

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
	uint16_t c = (uint16_t)~net_csum_fold(acc);
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
		net_synth_store_sum(ip + 10, net_csum_add(ip, iph, 0));
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
	/* Pieces of even length: pseudo header, TCP header (checksum field 0), payload. */
	uint32_t acc = net_csum_add(pseudo, src->family == 4 ? 12 : 40, 0);
	acc = net_csum_add(tcp, NET_SYNTH_TCP_HDR, net_csum_fold(acc));
	if (len > 0)
		acc = net_csum_copy(tcp + NET_SYNTH_TCP_HDR, payload, len, net_csum_fold(acc));
	net_synth_store_sum(tcp + 16, acc);
	return iph + tcp_len;
}
