/*
 * net: link/IP/TCP decoding, the flow table and TCP reassembly.
 *
 * net_decode turns one captured frame into a struct net_pkt (views into the
 * frame). net_engine keeps a bounded flow table keyed by the TCP 5-tuple and
 * reassembles each direction into an in-order byte stream, handed to the
 * callbacks below with the direction (client to server, or back).
 *
 * Reassembly policy (documented in docs/reassembly.md):
 *  - In-order payload is delivered straight from packet memory, not copied.
 *  - Out-of-order segments are copied and queued, bounded per flow and
 *    globally. Overlaps: the first bytes received for a sequence range win;
 *    retransmitted or overlapping bytes are trimmed and counted.
 *  - When a queue limit is hit, or a hole is still open at FIN, RST, flow
 *    eviction or end of input, the hole is declared lost: on_gap() reports
 *    its length and delivery resumes after it.
 */
#ifndef TLSIPS_NET_H
#define TLSIPS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/view.h"

enum net_dir {
	NET_DIR_TO_SERVER = 0,
	NET_DIR_TO_CLIENT = 1,
};

enum {
	NET_TCP_FIN = 0x01,
	NET_TCP_SYN = 0x02,
	NET_TCP_RST = 0x04,
	NET_TCP_PSH = 0x08,
	NET_TCP_ACK = 0x10,
};

struct net_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t bytes[16];
};

/* One decoded TCP segment; views point into the captured frame. */
struct net_pkt {
	uint64_t ts_usec;
	struct net_addr src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;        /* NET_TCP_* */
	uint16_t window;
	struct view payload;  /* TCP payload present in the capture */
	bool truncated;       /* the capture cut the payload short */
	/* TCP payload length the IP header declares (>= payload.len; the
	 * engine treats a smaller value, e.g. 0 from a hand-made packet, as
	 * payload.len). The bytes the capture cut are reported as a gap. */
	uint32_t payload_wire_len;
};

/* Results of net_decode besides 0 (a TCP segment in *out). */
enum {
	NET_DECODE_NOT_TCP = 1, /* valid frame, but not TCP we follow (ARP, UDP, fragments...) */
};

/*
 * Decodes a frame of the given link type. Returns 0 for a TCP segment,
 * NET_DECODE_NOT_TCP, TLSIPS_ETRUNC when headers are cut by the snap length,
 * or TLSIPS_EMALFORMED. Never reads outside data[0..caplen).
 */
int net_decode(int linktype, const uint8_t *data, size_t caplen, size_t wire_len, uint64_t ts_usec,
	       struct net_pkt *out);

/* Why a flow ended, passed to on_close. */
enum net_close_reason {
	NET_CLOSE_FIN = 1,   /* both sides finished */
	NET_CLOSE_RST,
	NET_CLOSE_IDLE,      /* idle timeout */
	NET_CLOSE_EVICTED,   /* flow table full, oldest idle flow made room */
	NET_CLOSE_END,       /* end of input */
	NET_CLOSE_REUSED,    /* a new SYN with another ISN took over the tuple */
};

struct net_flow {
	uint64_t id;            /* unique per engine, stable for events */
	struct net_addr cli, srv;
	uint16_t cli_port, srv_port;
	bool midstream;         /* no SYN seen: sides guessed, handshake missed */
	uint32_t isn[2];        /* initial sequence number per direction (SYN's seq) */
	uint64_t first_ts, last_ts;
	void *app;              /* owned by the callbacks' user; freed in on_close */
	/* reassembly state follows, private to net/ (struct net_stream in net_int.h) */
};

struct net_callbacks {
	void *ctx;
	/* A new flow (first packet). Set flow->app here if wanted. */
	void (*on_open)(void *ctx, struct net_flow *flow, const struct net_pkt *pkt);
	/* In-order bytes of one direction; valid only during the call. */
	void (*on_data)(void *ctx, struct net_flow *flow, enum net_dir dir, const uint8_t *data,
			size_t len, uint64_t ts_usec);
	/* len bytes of one direction are lost for good (capture loss, limits). */
	void (*on_gap)(void *ctx, struct net_flow *flow, enum net_dir dir, uint64_t len, uint64_t ts_usec);
	/* One direction ended in order (FIN) or was reset (rst true). */
	void (*on_end)(void *ctx, struct net_flow *flow, enum net_dir dir, bool rst, uint64_t ts_usec);
	/* The flow is removed; free flow->app here. */
	void (*on_close)(void *ctx, struct net_flow *flow, enum net_close_reason why, uint64_t ts_usec);
};

struct net_limits {
	uint32_t max_flows;            /* flow table size; full table evicts the least recently seen */
	uint32_t idle_timeout_sec;     /* flows idle this long are closed (capture time) */
	uint64_t max_ooo_bytes_flow;   /* queued out-of-order bytes per direction of a flow */
	uint64_t max_ooo_bytes_total;  /* queued out-of-order bytes, all flows */
	uint32_t max_ooo_segments;     /* queued segments per direction */
};

/* Defaults: 65536 flows, 600 s, 1 MiB per direction, 256 MiB total, 4096 segments. */
void net_limits_default(struct net_limits *out);

struct net_stats {
	uint64_t packets, tcp_packets, not_tcp, malformed, truncated;
	uint64_t flows_created, flows_closed, flows_evicted, flows_timed_out, flows_active, flows_peak;
	uint64_t bytes_in_order, bytes_ooo_queued, retransmitted_bytes, overlap_bytes;
	uint64_t ooo_limit_hits, gaps, gap_bytes;
	uint64_t ooo_bytes_now, ooo_bytes_peak;
	uint64_t bytes_after_fin;  /* payload beyond a direction's FIN, dropped */
	uint64_t tcp_no_flow;      /* segments without SYN or payload on no flow (stray ACK/FIN/RST) */
};

struct net_engine;

struct net_engine *net_engine_new(const struct net_limits *limits, const struct net_callbacks *cb);
/*
 * Optional: fn sees every segment of a flow (ctx of the callbacks), after
 * on_open and before reassembly, retransmissions that deliver nothing
 * included, so a verdict can follow the flow.
 */
typedef void (*net_segment_fn)(void *ctx, struct net_flow *flow, enum net_dir dir,
			       const struct net_pkt *pkt);
void net_engine_set_segment_fn(struct net_engine *ne, net_segment_fn fn);
/* Runs one decoded segment through the flow table and reassembly. */
void net_engine_feed(struct net_engine *ne, const struct net_pkt *pkt);
/*
 * Counts a frame that net_decode did not turn into a segment (its negative
 * code or NET_DECODE_NOT_TCP) in packets / not_tcp / malformed / truncated,
 * so the stats cover every frame. Return code 0 is ignored: feed counts it.
 */
void net_engine_count_frame(struct net_engine *ne, int decode_rc);
/* End of input: flush every flow (holes become gaps) and close it with NET_CLOSE_END. */
void net_engine_finish(struct net_engine *ne, uint64_t ts_usec);
const struct net_stats *net_engine_stats(const struct net_engine *ne);
/* Flows still open are finished as by net_engine_finish, so on_close frees every app. */
void net_engine_free(struct net_engine *ne);

/*
 * Builds an IPv4 or IPv6 + TCP packet (no link header; LINKTYPE_RAW) with
 * correct lengths and checksums into out (out_cap bytes). Returns its length,
 * or 0 if it does not fit. src/dst must share a family.
 */
size_t net_synth_tcp(const struct net_addr *src, const struct net_addr *dst, uint16_t sport,
		     uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *payload,
		     size_t len, uint8_t *out, size_t out_cap);

/*
 * The resets that end a connection inline, built from the segment being
 * dropped (net_reset.c explains the sequence numbers). Each is a LINKTYPE_RAW
 * IPv4/IPv6 + TCP packet; a length of 0 means "none needed".
 */
enum {
	NET_RESET_MAX = 60, /* IPv6 header + TCP header, no options */
};

struct net_reset {
	uint8_t to_sender[NET_RESET_MAX];   /* from the segment's receiver back to its sender */
	size_t to_sender_len;
	uint8_t to_receiver[NET_RESET_MAX]; /* on to the receiver, as if from the sender */
	size_t to_receiver_len;
};

/*
 * Fills out with the resets for pkt: toward the sender unless pkt carries
 * RST; toward the receiver too when pkt carries ACK (a bare SYN left the
 * receiver without state). Returns 0, or TLSIPS_EMALFORMED when pkt's two
 * addresses are not both IPv4 or both IPv6.
 */
int net_reset_build(const struct net_pkt *pkt, struct net_reset *out);

/* Formats an address for humans and JSON ("192.0.2.1", "2001:db8::1"). */
void net_addr_format(const struct net_addr *a, char *out, size_t out_len);

#endif
