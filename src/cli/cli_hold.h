/*
 * cli_hold: packets whose verdict waits (inline key log mode).
 *
 * A packet of a session that waits for its key log secrets cannot be judged
 * yet, and must not pass uninspected: the kernel keeps it (NFQUEUE HOLD)
 * and we keep its id here, in a per-flow FIFO, until the flow's fate is
 * known; then every held packet of the flow gets its verdict in arrival
 * order. Bounds: at most max_pkts packets and max_bytes bytes held in all
 * (the kernel's queue_maxlen counts held packets too, so max_pkts stays
 * well under it), and max_per_flow per flow. A packet over a bound is not
 * held: cli_hold_add says so and the caller decides (the policy's
 * key_timeout fallback). Entries come from one preallocated pool; nothing
 * is allocated per packet.
 */
#ifndef TLSIPS_CLI_HOLD_H
#define TLSIPS_CLI_HOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "net/net.h"

enum { CLI_HOLD_NONE = UINT32_MAX };

/* One flow's held packets: embedded in the flow's state, zeroed by cli_hold_list_init. */
struct cli_hold_list {
	uint32_t head, tail; /* pool indexes, CLI_HOLD_NONE when empty */
	uint32_t n;
};

struct cli_hold_pkt {
	uint32_t id;         /* the kernel's packet id */
	uint32_t bytes;
	uint32_t next;       /* next in the flow's list or the free list */
	struct net_pkt hdr;  /* headers for resets; payload.ptr is NULL (the bytes are gone) */
};

struct cli_hold_stats {
	uint64_t held;        /* packets taken */
	uint64_t accepted, dropped;
	uint64_t over_limit;  /* packets refused by a bound */
	uint64_t pkts_now, bytes_now, pkts_peak;
};

struct cli_hold {
	struct cli_hold_pkt *pool;
	uint32_t cap, free_head;
	uint64_t max_bytes;
	uint32_t max_per_flow;
	struct cli_hold_stats st;
};

/*
 * Called once per released packet, in arrival order. verdict is accept or
 * drop; first is true for the flow's oldest held packet (the one to build
 * resets from when the flow is dropped).
 */
typedef void (*cli_hold_fn)(void *ctx, const struct cli_hold_pkt *hp, bool accept, bool first);

/* 0, or TLSIPS_ENOMEM; max_pkts and max_per_flow >= 1. */
int cli_hold_init(struct cli_hold *h, uint32_t max_pkts, uint64_t max_bytes, uint32_t max_per_flow);
void cli_hold_fini(struct cli_hold *h);
void cli_hold_list_init(struct cli_hold_list *l);
/* Takes one packet onto l: 0, or TLSIPS_ELIMIT (counted, nothing taken). hdr may be NULL. */
int cli_hold_add(struct cli_hold *h, struct cli_hold_list *l, uint32_t id, uint32_t bytes,
		 const struct net_pkt *hdr);
/* Gives every packet of l its verdict through fn, oldest first, and empties l. */
void cli_hold_release(struct cli_hold *h, struct cli_hold_list *l, bool accept, cli_hold_fn fn,
		      void *ctx);

#endif
