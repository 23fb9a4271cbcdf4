/*
 * net_int: state shared by the files of net/ (engine and reassembly).
 *
 * A flow is a struct net_entry: the public struct net_flow first (callbacks
 * receive a pointer to it and net_entry_of() gets back), then the hash chain,
 * the LRU links, the canonical key and one struct net_stream per direction.
 */
#ifndef TLSIPS_NET_INT_H
#define TLSIPS_NET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limit.h"
#include "net/net.h"

/* Serial-number arithmetic (RFC 1982 §3.2, as TCP uses it, RFC 9293 §3.4). */
static inline bool
net_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool
net_seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* One queued out-of-order piece: bytes [seq, seq + len), copied. */
struct net_seg {
	struct net_seg *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

/*
 * One direction of a flow. Invariant: every queued piece starts after next
 * and pieces never overlap (first bytes received win, later ones are trimmed
 * before queueing), sorted by sequence number relative to next.
 */
struct net_stream {
	struct net_seg *head, *tail; /* owned queue */
	uint64_t ooo_bytes;          /* bytes queued in this direction */
	uint32_t ooo_segs;
	uint32_t next;               /* next sequence number to deliver */
	uint32_t fin_seq;            /* sequence number the FIN occupies */
	bool started;                /* next is known */
	bool fin_seen;
	bool ended;                  /* on_end was called */
	uint64_t delivered;          /* bytes handed to on_data */
};

/* Canonical 5-tuple: endpoint a sorts before endpoint b; padding zeroed. */
struct net_key {
	uint8_t a[16];
	uint8_t b[16];
	uint16_t aport, bport;
	uint8_t family;
	uint8_t pad[3];
};

struct net_entry {
	struct net_flow flow; /* first: callbacks see &flow */
	struct net_entry *hnext;
	struct net_entry *lru_prev, *lru_next; /* lru_prev toward most recent */
	struct net_key key;
	uint64_t hash;
	bool cli_is_a; /* the client is endpoint a of the key */
	struct net_stream st[2];
};

static inline struct net_entry *
net_entry_of(struct net_flow *f)
{
	return (struct net_entry *)(void *)f;
}

struct net_engine {
	struct net_limits lim;
	struct net_callbacks cb;
	net_segment_fn on_segment; /* optional, NULL */
	struct net_stats stats;
	struct limit ooo_total; /* queued bytes of all flows */
	struct net_entry **buckets;
	size_t nbuckets;        /* power of two */
	uint64_t seed;          /* per-engine hash key */
	struct net_entry *lru_head, *lru_tail; /* head: most recently seen */
	uint64_t next_id;
	uint64_t last_ts;       /* latest capture time fed, for net_engine_free */
};

/*
 * Reassembly of one direction (net_reasm.c). seq is the sequence number of
 * the first payload byte (after the SYN, if any), data/len the bytes present,
 * wire_len the bytes the segment carried on the wire (>= len; the rest was
 * cut by the capture and becomes a gap once in order). fin: the segment ends
 * the direction.
 */
void net_reasm_segment(struct net_engine *ne, struct net_entry *e, enum net_dir d, uint32_t seq,
		       const uint8_t *data, uint32_t len, uint32_t wire_len, bool fin, uint64_t ts);
/* Starts a direction whose first byte will be isn + 1. */
void net_reasm_start(struct net_stream *s, uint32_t isn);
/* Declares every hole lost (on_gap) and delivers all queued bytes, up to the FIN if seen. */
void net_reasm_flush(struct net_engine *ne, struct net_entry *e, enum net_dir d, uint64_t ts);
/* Frees the queue of a direction and returns its bytes to the global limit. */
void net_reasm_fini(struct net_engine *ne, struct net_stream *s);

#endif
