/*
 * net_engine: the flow table in front of reassembly.
 *
 * Flows live in a chained hash table keyed by the canonical 5-tuple (both
 * directions map to one key), hashed with a per-engine random seed so that
 * remote peers cannot aim tuples at one bucket. An LRU list (most recently
 * seen at the head) gives O(1) eviction when the table is full and O(1)
 * amortised idle expiry: each packet closes flows from the tail while they
 * have been idle longer than the timeout, in capture time.
 *
 * A flow is created by a SYN or by a segment carrying payload; a stray ACK,
 * FIN or RST on an unknown tuple (the last ACK after both FINs, say) is only
 * counted, so it cannot resurrect a flow that just closed.
 *
 * Client and server: the sender of a SYN without ACK is the client, the
 * sender of a SYN+ACK the server. With neither seen (pickup in mid-stream),
 * the endpoint with the higher port is the client (ephemeral ports are
 * high), the first packet's source on a tie, and flow->midstream is set.
 *
 * Flows close when both directions ended with an in-order FIN (at once; the
 * trailing ACK and retransmissions are stray segments then), on RST, idle
 * timeout, eviction, reuse of the tuple by a new SYN, or end of input. Every
 * close delivers what is queued (holes become gaps), calls on_end for each
 * direction not yet ended, then on_close.
 *
 * Callbacks must not call back into the engine.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/seed.h"
#include "net/net_int.h"

enum {
	NET_ENGINE_MIN_BUCKETS = 16,
	NET_ENGINE_MAX_BUCKETS = 1 << 22,
};

_Static_assert(sizeof(struct net_key) == 40, "net_key is hashed as five 64-bit words");

void
net_limits_default(struct net_limits *out)
{
	out->max_flows = 65536;
	out->idle_timeout_sec = 600;
	out->max_ooo_bytes_flow = 1u << 20;
	out->max_ooo_bytes_total = 256u << 20;
	out->max_ooo_segments = 4096;
}

/* Final avalanche of MurmurHash3 (fmix64): every input bit affects every output bit. */
static uint64_t
net_engine_fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t
net_engine_hash(const struct net_engine *ne, const struct net_key *k)
{
	uint64_t w[5];
	memcpy(w, k, sizeof(w));
	uint64_t h = ne->seed;
	for (size_t i = 0; i < 5; i++) {
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return net_engine_fmix(h);
}

/* Fills the canonical key; returns true if the packet's source is endpoint a. */
static bool
net_engine_key(const struct net_pkt *p, struct net_key *out)
{
	memset(out, 0, sizeof(*out));
	size_t alen = p->src.family == 4 ? 4 : 16;
	int c = memcmp(p->src.bytes, p->dst.bytes, alen);
	bool src_a = c < 0 || (c == 0 && p->sport <= p->dport);
	memcpy(out->a, src_a ? p->src.bytes : p->dst.bytes, alen);
	memcpy(out->b, src_a ? p->dst.bytes : p->src.bytes, alen);
	out->aport = src_a ? p->sport : p->dport;
	out->bport = src_a ? p->dport : p->sport;
	out->family = p->src.family;
	return src_a;
}

static struct net_entry *
net_engine_lookup(const struct net_engine *ne, const struct net_key *k, uint64_t hash)
{
	struct net_entry *e = ne->buckets[hash & (ne->nbuckets - 1)];
	for (; e != NULL; e = e->hnext)
		if (e->hash == hash && memcmp(&e->key, k, sizeof(*k)) == 0)
			return e;
	return NULL;
}

static void
net_engine_lru_unlink(struct net_engine *ne, struct net_entry *e)
{
	if (e->lru_prev != NULL)
		e->lru_prev->lru_next = e->lru_next;
	else
		ne->lru_head = e->lru_next;
	if (e->lru_next != NULL)
		e->lru_next->lru_prev = e->lru_prev;
	else
		ne->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void
net_engine_lru_push(struct net_engine *ne, struct net_entry *e)
{
	e->lru_prev = NULL;
	e->lru_next = ne->lru_head;
	if (ne->lru_head != NULL)
		ne->lru_head->lru_prev = e;
	else
		ne->lru_tail = e;
	ne->lru_head = e;
}

static void
net_engine_unlink(struct net_engine *ne, struct net_entry *e)
{
	struct net_entry **pp = &ne->buckets[e->hash & (ne->nbuckets - 1)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	net_engine_lru_unlink(ne, e);
}

static void
net_engine_close(struct net_engine *ne, struct net_entry *e, enum net_close_reason why, uint64_t ts)
{
	for (int d = 0; d < 2; d++)
		net_reasm_flush(ne, e, (enum net_dir)d, ts);
	for (int d = 0; d < 2; d++) {
		if (e->st[d].ended)
			continue;
		e->st[d].ended = true;
		if (ne->cb.on_end != NULL)
			ne->cb.on_end(ne->cb.ctx, &e->flow, (enum net_dir)d, why == NET_CLOSE_RST, ts);
	}
	if (ne->cb.on_close != NULL)
		ne->cb.on_close(ne->cb.ctx, &e->flow, why, ts);
	net_engine_unlink(ne, e);
	for (int d = 0; d < 2; d++)
		net_reasm_fini(ne, &e->st[d]);
	free(e);
	ne->stats.flows_closed++;
	ne->stats.flows_active--;
}

/* Closes flows idle for the timeout, oldest first; stops at the first that is not. */
static void
net_engine_expire(struct net_engine *ne, uint64_t now)
{
	if (ne->lim.idle_timeout_sec == 0)
		return;
	uint64_t timeout = (uint64_t)ne->lim.idle_timeout_sec * 1000000u;
	struct net_entry *e;
	while ((e = ne->lru_tail) != NULL && now > e->flow.last_ts &&
	       now - e->flow.last_ts >= timeout) {
		ne->stats.flows_timed_out++;
		net_engine_close(ne, e, NET_CLOSE_IDLE, now);
	}
}

static struct net_entry *
net_engine_create(struct net_engine *ne, const struct net_pkt *p, const struct net_key *k,
		  uint64_t hash, bool src_a)
{
	if (ne->stats.flows_active >= ne->lim.max_flows && ne->lru_tail != NULL) {
		ne->stats.flows_evicted++;
		net_engine_close(ne, ne->lru_tail, NET_CLOSE_EVICTED, p->ts_usec);
	}
	struct net_entry *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	bool syn = (p->flags & NET_TCP_SYN) != 0;
	bool ack = (p->flags & NET_TCP_ACK) != 0;
	bool src_cli;
	if (syn) {
		src_cli = !ack;
	} else {
		e->flow.midstream = true;
		src_cli = p->sport >= p->dport;
	}
	e->flow.id = ++ne->next_id;
	e->flow.cli = src_cli ? p->src : p->dst;
	e->flow.srv = src_cli ? p->dst : p->src;
	e->flow.cli_port = src_cli ? p->sport : p->dport;
	e->flow.srv_port = src_cli ? p->dport : p->sport;
	e->flow.first_ts = e->flow.last_ts = p->ts_usec;
	e->key = *k;
	e->hash = hash;
	e->cli_is_a = src_cli == src_a;
	struct net_entry **b = &ne->buckets[hash & (ne->nbuckets - 1)];
	e->hnext = *b;
	*b = e;
	net_engine_lru_push(ne, e);
	ne->stats.flows_created++;
	ne->stats.flows_active++;
	if (ne->stats.flows_active > ne->stats.flows_peak)
		ne->stats.flows_peak = ne->stats.flows_active;
	return e;
}

/*
 * A SYN (without ACK) on a known tuple starts a new connection when it is
 * not a retransmission of the SYN we have, and the old flow was finishing,
 * was a mid-stream guess, or never carried data. A SYN in the middle of a
 * live exchange is ignored, so a spoofed one cannot end inspection.
 */
static bool
net_engine_is_reuse(const struct net_entry *e, const struct net_pkt *p, enum net_dir d)
{
	if ((p->flags & (NET_TCP_SYN | NET_TCP_ACK | NET_TCP_RST)) != NET_TCP_SYN)
		return false;
	if (d == NET_DIR_TO_SERVER && e->st[d].started && p->seq == e->flow.isn[d])
		return false;
	return e->st[0].fin_seen || e->st[1].fin_seen || e->flow.midstream ||
	       (e->st[0].delivered == 0 && e->st[1].delivered == 0);
}

static void
net_engine_segment(struct net_engine *ne, struct net_entry *e, enum net_dir d,
		   const struct net_pkt *p)
{
	struct net_stream *s = &e->st[d];
	if (p->flags & NET_TCP_RST) {
		/* RFC 9293 §3.10.7: a reset ends both directions at once. The
		 * sequence number is not checked against a window we cannot
		 * know; a spoofed RST only makes later data a mid-stream flow. */
		net_engine_close(ne, e, NET_CLOSE_RST, p->ts_usec);
		return;
	}
	uint32_t seq = p->seq;
	if (p->flags & NET_TCP_SYN) {
		if (!s->started) {
			e->flow.isn[d] = seq;
			net_reasm_start(s, seq);
		}
		/* A SYN+ACK acknowledges the client's ISN + 1 (RFC 9293 §3.5). */
		struct net_stream *o = &e->st[!d];
		if ((p->flags & NET_TCP_ACK) && !o->started) {
			e->flow.isn[!d] = p->ack - 1;
			net_reasm_start(o, p->ack - 1);
		}
		/* RFC 9293 §3.4: the SYN occupies one sequence number; data after it. */
		seq++;
	} else if (!s->started) {
		e->flow.isn[d] = seq - 1;
		net_reasm_start(s, seq - 1);
	}
	uint32_t len = p->payload.len > UINT32_MAX ? UINT32_MAX : (uint32_t)p->payload.len;
	uint32_t wire = p->payload_wire_len > len ? p->payload_wire_len : len;
	net_reasm_segment(ne, e, d, seq, p->payload.ptr, len, wire, (p->flags & NET_TCP_FIN) != 0,
			  p->ts_usec);
	if (e->st[0].ended && e->st[1].ended)
		net_engine_close(ne, e, NET_CLOSE_FIN, p->ts_usec);
}

void
net_engine_feed(struct net_engine *ne, const struct net_pkt *p)
{
	ne->stats.packets++;
	ne->stats.tcp_packets++;
	if (p->truncated)
		ne->stats.truncated++;
	if (p->ts_usec > ne->last_ts)
		ne->last_ts = p->ts_usec;
	net_engine_expire(ne, p->ts_usec);
	struct net_key k;
	bool src_a = net_engine_key(p, &k);
	uint64_t hash = net_engine_hash(ne, &k);
	struct net_entry *e = net_engine_lookup(ne, &k, hash);
	if (e != NULL) {
		enum net_dir d = src_a == e->cli_is_a ? NET_DIR_TO_SERVER : NET_DIR_TO_CLIENT;
		if (net_engine_is_reuse(e, p, d)) {
			net_engine_close(ne, e, NET_CLOSE_REUSED, p->ts_usec);
			e = NULL;
		}
	}
	if (e == NULL) {
		bool has_data = p->payload.len > 0 || p->payload_wire_len > 0;
		if ((p->flags & NET_TCP_RST) || (!(p->flags & NET_TCP_SYN) && !has_data)) {
			ne->stats.tcp_no_flow++;
			return;
		}
		e = net_engine_create(ne, p, &k, hash, src_a);
		if (e == NULL) {
			ne->stats.tcp_no_flow++;
			return;
		}
		if (ne->cb.on_open != NULL)
			ne->cb.on_open(ne->cb.ctx, &e->flow, p);
	} else if (e != ne->lru_head) {
		net_engine_lru_unlink(ne, e);
		net_engine_lru_push(ne, e);
	}
	if (p->ts_usec > e->flow.last_ts)
		e->flow.last_ts = p->ts_usec;
	enum net_dir dir = src_a == e->cli_is_a ? NET_DIR_TO_SERVER : NET_DIR_TO_CLIENT;
	if (ne->on_segment != NULL)
		ne->on_segment(ne->cb.ctx, &e->flow, dir, p);
	net_engine_segment(ne, e, dir, p);
}

void
net_engine_set_segment_fn(struct net_engine *ne, net_segment_fn fn)
{
	ne->on_segment = fn;
}

void
net_engine_count_frame(struct net_engine *ne, int decode_rc)
{
	if (decode_rc == 0)
		return;
	ne->stats.packets++;
	if (decode_rc == NET_DECODE_NOT_TCP)
		ne->stats.not_tcp++;
	else if (decode_rc == TLSIPS_ETRUNC)
		ne->stats.truncated++;
	else
		ne->stats.malformed++;
}

void
net_engine_finish(struct net_engine *ne, uint64_t ts_usec)
{
	while (ne->lru_tail != NULL)
		net_engine_close(ne, ne->lru_tail, NET_CLOSE_END, ts_usec);
}

const struct net_stats *
net_engine_stats(const struct net_engine *ne)
{
	return &ne->stats;
}

struct net_engine *
net_engine_new(const struct net_limits *limits, const struct net_callbacks *cb)
{
	struct net_engine *ne = calloc(1, sizeof(*ne));
	if (ne == NULL)
		return NULL;
	if (limits != NULL)
		ne->lim = *limits;
	else
		net_limits_default(&ne->lim);
	/* A table of zero flows could track nothing; one is the least. */
	if (ne->lim.max_flows == 0)
		ne->lim.max_flows = 1;
	if (cb != NULL)
		ne->cb = *cb;
	size_t nb = NET_ENGINE_MIN_BUCKETS;
	while (nb < ne->lim.max_flows && nb < NET_ENGINE_MAX_BUCKETS)
		nb <<= 1;
	ne->nbuckets = nb;
	ne->buckets = calloc(nb, sizeof(*ne->buckets));
	if (ne->buckets == NULL) {
		free(ne);
		return NULL;
	}
	limit_init(&ne->ooo_total, "reasm_bytes", ne->lim.max_ooo_bytes_total);
	/* Without randomness the table still works, only predictably. */
	if (!base_seed(&ne->seed, sizeof(ne->seed)))
		ne->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)ne;
	return ne;
}

/* Flows still open are finished as by net_engine_finish, so on_close frees every app. */
void
net_engine_free(struct net_engine *ne)
{
	if (ne == NULL)
		return;
	net_engine_finish(ne, ne->last_ts);
	free(ne->buckets);
	ne->buckets = NULL;
	free(ne);
}
