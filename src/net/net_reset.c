/*
 * net_reset: the two TCP resets that end a connection inline, built from the
 * segment being dropped (the packet that carried the attack).
 *
 * Why these sequence numbers. The dropped segment P went from sender A to
 * receiver B with SEQ = P.seq, ACK = P.ack and occupies P.len sequence
 * numbers (payload, plus one each for SYN and FIN). Since 2010 stacks accept
 * a reset only if its SEQ is exactly the next byte they expect (RFC 5961 §3.2;
 * one merely inside the window draws a "challenge ACK" instead):
 *
 *   toward A (sent as B): A's next expected byte from B is the ACK it just
 *     sent, so SEQ = P.ack. This is RFC 9293 §3.10.7.1's reset for a segment
 *     with ACK: <SEQ=SEG.ACK><CTL=RST>. A segment without ACK (a bare SYN)
 *     gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, which a SYN-SENT peer
 *     accepts because it acknowledges its SYN (RFC 9293 §3.10.7.3).
 *
 *   toward B (sent as A): B never sees P, so when P was the next segment in
 *     order (the usual case: the newest data, which completed the record
 *     that matched) B still expects P.seq: SEQ = P.seq. ACK is set to P.ack
 *     so that a B still in SYN-SENT (P was a SYN-ACK) finds its SYN
 *     acknowledged and accepts the reset. If P was out of order, B answers
 *     the in-window reset with a challenge ACK carrying its real next
 *     sequence number; A, already reset, answers that with a reset of
 *     exactly that SEQ, which B accepts (RFC 5961 §3.2), so the connection
 *     still ends, one round trip later.
 *
 *   A bare SYN has no receiver-side state to tear down (the listener never
 *   saw it) and a segment carrying RST needs no answer: those get fewer
 *   resets, never a reset for a reset.
 */
#include <string.h>

#include "base/err.h"
#include "net/net.h"

/* Sequence space P occupies: its payload, plus SYN and FIN (RFC 9293 §3.4). */
static uint32_t
net_reset_seg_len(const struct net_pkt *pkt)
{
	uint32_t len = pkt->payload_wire_len > pkt->payload.len ? pkt->payload_wire_len
								  : (uint32_t)pkt->payload.len;
	if (pkt->flags & NET_TCP_SYN)
		len++;
	if (pkt->flags & NET_TCP_FIN)
		len++;
	return len;
}

int
net_reset_build(const struct net_pkt *pkt, struct net_reset *out)
{
	out->to_sender_len = 0;
	out->to_receiver_len = 0;
	if (pkt->src.family != pkt->dst.family || (pkt->src.family != 4 && pkt->src.family != 6))
		return TLSIPS_EMALFORMED;
	if (pkt->flags & NET_TCP_RST)
		return 0;
	bool has_ack = (pkt->flags & NET_TCP_ACK) != 0;
	if (has_ack)
		out->to_sender_len = net_synth_tcp(&pkt->dst, &pkt->src, pkt->dport, pkt->sport,
						   pkt->ack, 0, NET_TCP_RST, NULL, 0, out->to_sender,
						   sizeof(out->to_sender));
	else
		out->to_sender_len = net_synth_tcp(&pkt->dst, &pkt->src, pkt->dport, pkt->sport, 0,
						   pkt->seq + net_reset_seg_len(pkt),
						   NET_TCP_RST | NET_TCP_ACK, NULL, 0, out->to_sender,
						   sizeof(out->to_sender));
	if (has_ack)
		out->to_receiver_len = net_synth_tcp(&pkt->src, &pkt->dst, pkt->sport, pkt->dport,
						     pkt->seq, pkt->ack, NET_TCP_RST | NET_TCP_ACK,
						     NULL, 0, out->to_receiver,
						     sizeof(out->to_receiver));
	/* Both buffers hold the largest header net_synth_tcp makes (IPv6 + TCP). */
	return out->to_sender_len > 0 ? 0 : TLSIPS_ELIMIT;
}
