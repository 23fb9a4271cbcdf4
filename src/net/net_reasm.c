/*
 * net_reasm: one direction of a TCP flow turned into an in-order byte stream.
 *
 * Policy (docs/reassembly.md has the long form):
 *  - A segment that starts at or before the next expected byte is delivered
 *    straight from packet memory; its bytes before that point were already
 *    delivered (or declared lost) and are trimmed as retransmission.
 *  - A segment that starts later is copied into a sorted queue. Only bytes
 *    not already queued are copied (first bytes received win); the rest are
 *    counted as overlap. An in-order segment that runs into queued bytes
 *    also loses to them.
 *  - When a queue limit (bytes per direction, pieces per direction, bytes of
 *    all flows) would be passed, the earliest hole is declared lost: on_gap,
 *    then the queued bytes after it are delivered, until the new segment
 *    fits or has itself become in order.
 *  - Bytes the capture cut from an in-order segment are a gap at once.
 *  - Nothing after a direction's FIN is delivered.
 *
 * Sequence numbers are compared with serial arithmetic (net_seq_lt), so a
 * stream wraps past 2^32 without notice; all queued pieces lie within 2^31
 * after next.
 */
#include <stdlib.h>
#include <string.h>

#include "net/net_int.h"

static void
net_reasm_emit(struct net_engine *ne, struct net_entry *e, enum net_dir d, const uint8_t *data,
	       uint32_t n, uint64_t ts)
{
	struct net_stream *s = &e->st[d];
	s->next += n;
	s->delivered += n;
	if (ne->cb.on_data != NULL)
		ne->cb.on_data(ne->cb.ctx, &e->flow, d, data, n, ts);
}

/* Zero-copy delivery from packet memory. */
static void
net_reasm_emit_direct(struct net_engine *ne, struct net_entry *e, enum net_dir d,
		      const uint8_t *data, uint32_t n, uint64_t ts)
{
	if (n == 0)
		return;
	ne->stats.bytes_in_order += n;
	net_reasm_emit(ne, e, d, data, n, ts);
}

static void
net_reasm_gap(struct net_engine *ne, struct net_entry *e, enum net_dir d, uint32_t n, uint64_t ts)
{
	if (n == 0)
		return;
	e->st[d].next += n;
	ne->stats.gaps++;
	ne->stats.gap_bytes += n;
	if (ne->cb.on_gap != NULL)
		ne->cb.on_gap(ne->cb.ctx, &e->flow, d, n, ts);
}

static void
net_reasm_account(struct net_engine *ne, struct net_stream *s, uint32_t bytes, bool add)
{
	if (add) {
		s->ooo_bytes += bytes;
		(void)limit_take(&ne->ooo_total, bytes);
	} else {
		s->ooo_bytes -= bytes;
		limit_give(&ne->ooo_total, bytes);
	}
	ne->stats.ooo_bytes_now = ne->ooo_total.used;
	ne->stats.ooo_bytes_peak = ne->ooo_total.peak;
}

static void
net_reasm_pop(struct net_engine *ne, struct net_stream *s)
{
	struct net_seg *q = s->head;
	s->head = q->next;
	if (s->head == NULL)
		s->tail = NULL;
	s->ooo_segs--;
	net_reasm_account(ne, s, q->len, false);
	free(q);
}

/* Delivers the queued pieces that became contiguous with next. */
static void
net_reasm_drain(struct net_engine *ne, struct net_entry *e, enum net_dir d, uint64_t ts)
{
	struct net_stream *s = &e->st[d];
	struct net_seg *q;
	while ((q = s->head) != NULL && net_seq_leq(q->seq, s->next)) {
		/* The invariant keeps pieces after next; should one reach
		 * behind it, the bytes already delivered won. */
		uint32_t skip = s->next - q->seq;
		if (skip < q->len)
			net_reasm_emit(ne, e, d, q->data + skip, q->len - skip, ts);
		ne->stats.overlap_bytes += skip < q->len ? skip : q->len;
		net_reasm_pop(ne, s);
	}
}

/* Result of walking the queue for a new out-of-order segment. */
struct net_walk {
	uint64_t new_bytes; /* bytes not yet queued */
	uint32_t pieces;    /* pieces they form */
	uint64_t overlap;   /* bytes already queued (first received win) */
	bool nomem;
};

static struct net_seg *
net_reasm_link(struct net_engine *ne, struct net_stream *s, struct net_seg *prev, uint32_t seq,
	       const uint8_t *data, uint32_t n)
{
	struct net_seg *q = malloc(sizeof(*q) + n);
	if (q == NULL)
		return NULL;
	q->seq = seq;
	q->len = n;
	memcpy(q->data, data, n);
	q->next = prev != NULL ? prev->next : s->head;
	if (prev != NULL)
		prev->next = q;
	else
		s->head = q;
	if (q->next == NULL)
		s->tail = q;
	s->ooo_segs++;
	ne->stats.bytes_ooo_queued += n;
	net_reasm_account(ne, s, n, true);
	return q;
}

/*
 * Walks the queue for [a, a + len): counts (commit false) or queues (commit
 * true) the parts that fill holes between pieces already queued.
 */
static void
net_reasm_walk(struct net_engine *ne, struct net_stream *s, uint32_t a, const uint8_t *data,
	       uint32_t len, bool commit, struct net_walk *w)
{
	uint32_t b = a + len;
	struct net_seg *prev = NULL;
	struct net_seg *q = s->head;
	/* Common case: the segment goes after everything queued. */
	if (s->tail != NULL && net_seq_leq(s->tail->seq + s->tail->len, a)) {
		prev = s->tail;
		q = NULL;
	}
	while (q != NULL && net_seq_leq(q->seq + q->len, a)) {
		prev = q;
		q = q->next;
	}
	uint32_t cur = a;
	while (net_seq_lt(cur, b)) {
		/* q is the first piece ending after cur: fill the hole before it. */
		bool q_inside = q != NULL && net_seq_lt(q->seq, b);
		uint32_t hole_end = !q_inside ? b : net_seq_lt(cur, q->seq) ? q->seq : cur;
		if (hole_end != cur) {
			uint32_t n = hole_end - cur;
			w->new_bytes += n;
			w->pieces++;
			if (commit) {
				prev = net_reasm_link(ne, s, prev, cur, data + (cur - a), n);
				if (prev == NULL) {
					w->nomem = true;
					return;
				}
			}
			cur = hole_end;
		}
		if (!q_inside)
			break;
		uint32_t qend = q->seq + q->len;
		uint32_t ov_end = net_seq_lt(qend, b) ? qend : b;
		w->overlap += ov_end - cur;
		cur = ov_end;
		prev = q;
		q = q->next;
	}
}

static bool
net_reasm_fits(const struct net_engine *ne, const struct net_stream *s, const struct net_walk *w)
{
	return s->ooo_bytes + w->new_bytes <= ne->lim.max_ooo_bytes_flow &&
	       (uint64_t)s->ooo_segs + w->pieces <= ne->lim.max_ooo_segments &&
	       limit_fits(&ne->ooo_total, w->new_bytes);
}

/*
 * Declares [next, next + n) lost, except for bytes queued inside it, which
 * are real and delivered (the capture cut a segment whose tail we hold).
 */
static void
net_reasm_lose(struct net_engine *ne, struct net_entry *e, enum net_dir d, uint32_t n, uint64_t ts)
{
	struct net_stream *s = &e->st[d];
	uint32_t end = s->next + n;
	while (net_seq_lt(s->next, end)) {
		struct net_seg *q = s->head;
		if (q != NULL && net_seq_lt(q->seq, end)) {
			net_reasm_gap(ne, e, d, q->seq - s->next, ts);
			net_reasm_drain(ne, e, d, ts);
		} else {
			net_reasm_gap(ne, e, d, end - s->next, ts);
		}
	}
}

/* A segment starting exactly at next: its bytes lose to queued ones where they meet. */
static void
net_reasm_in_order(struct net_engine *ne, struct net_entry *e, enum net_dir d, const uint8_t *data,
		   uint32_t len, uint32_t wire_len, uint64_t ts)
{
	struct net_stream *s = &e->st[d];
	/* A queued piece may reach past the present bytes, so the cut tail is
	 * measured from the segment's end, not from where delivery stopped. */
	uint32_t wire_end = s->next + wire_len;
	while (len > 0 && s->head != NULL && net_seq_lt(s->head->seq, s->next + len)) {
		struct net_seg *q = s->head;
		uint32_t pre = q->seq - s->next;
		net_reasm_emit_direct(ne, e, d, data, pre, ts);
		data += pre;
		len -= pre;
		uint32_t ov = len < q->len ? len : q->len;
		ne->stats.overlap_bytes += ov;
		net_reasm_emit(ne, e, d, q->data, q->len, ts);
		net_reasm_pop(ne, s);
		data += ov;
		len -= ov;
	}
	net_reasm_emit_direct(ne, e, d, data, len, ts);
	if (net_seq_lt(s->next, wire_end))
		net_reasm_lose(ne, e, d, wire_end - s->next, ts);
	net_reasm_drain(ne, e, d, ts);
}

static void
net_reasm_free_queue(struct net_engine *ne, struct net_stream *s, uint64_t *count)
{
	while (s->head != NULL) {
		if (count != NULL)
			*count += s->head->len;
		net_reasm_pop(ne, s);
	}
}

/* A FIN became known: queued bytes at or after it are not part of the stream. */
static void
net_reasm_trim_fin(struct net_engine *ne, struct net_stream *s)
{
	struct net_seg *prev = NULL;
	struct net_seg *q = s->head;
	while (q != NULL && net_seq_leq(q->seq + q->len, s->fin_seq)) {
		prev = q;
		q = q->next;
	}
	if (q == NULL)
		return;
	if (net_seq_lt(q->seq, s->fin_seq)) {
		uint32_t cut = q->seq + q->len - s->fin_seq;
		q->len -= cut;
		ne->stats.bytes_after_fin += cut;
		net_reasm_account(ne, s, cut, false);
		prev = q;
		q = q->next;
	}
	if (prev != NULL)
		prev->next = NULL;
	else
		s->head = NULL;
	s->tail = prev;
	while (q != NULL) {
		struct net_seg *n = q->next;
		ne->stats.bytes_after_fin += q->len;
		s->ooo_segs--;
		net_reasm_account(ne, s, q->len, false);
		free(q);
		q = n;
	}
}

static void
net_reasm_check_end(struct net_engine *ne, struct net_entry *e, enum net_dir d, uint64_t ts)
{
	struct net_stream *s = &e->st[d];
	if (!s->fin_seen || s->ended || net_seq_lt(s->next, s->fin_seq))
		return;
	s->ended = true;
	/* RFC 9293 §3.4: the FIN occupies one sequence number. */
	if (net_seq_lt(s->next, s->fin_seq + 1))
		s->next = s->fin_seq + 1;
	net_reasm_free_queue(ne, s, &ne->stats.bytes_after_fin);
	if (ne->cb.on_end != NULL)
		ne->cb.on_end(ne->cb.ctx, &e->flow, d, false, ts);
}

/* Trims what lies at or after a known FIN. */
static void
net_reasm_clip_fin(struct net_engine *ne, struct net_stream *s, uint32_t seq, uint32_t *len,
		   uint32_t *wire_len)
{
	if (!s->fin_seen)
		return;
	uint32_t room = net_seq_lt(seq, s->fin_seq) ? s->fin_seq - seq : 0;
	if (*len > room) {
		ne->stats.bytes_after_fin += *len - room;
		*len = room;
	}
	if (*wire_len > room)
		*wire_len = room;
}

void
net_reasm_segment(struct net_engine *ne, struct net_entry *e, enum net_dir d, uint32_t seq,
		  const uint8_t *data, uint32_t len, uint32_t wire_len, bool fin, uint64_t ts)
{
	struct net_stream *s = &e->st[d];
	if (s->ended) {
		/* Before the FIN: a late retransmission; after it: not stream data. */
		uint32_t before = net_seq_lt(seq, s->fin_seq) ? s->fin_seq - seq : 0;
		if (before > len)
			before = len;
		ne->stats.retransmitted_bytes += before;
		ne->stats.bytes_after_fin += len - before;
		return;
	}
	if (fin && !s->fin_seen) {
		s->fin_seen = true;
		s->fin_seq = seq + wire_len;
		net_reasm_trim_fin(ne, s);
	}
	net_reasm_clip_fin(ne, s, seq, &len, &wire_len);
	for (;;) {
		if (net_seq_leq(seq, s->next)) {
			uint32_t old = s->next - seq;
			if (old >= wire_len) {
				ne->stats.retransmitted_bytes += len;
				break;
			}
			uint32_t old_present = old < len ? old : len;
			ne->stats.retransmitted_bytes += old_present;
			net_reasm_in_order(ne, e, d, data + old_present, len - old_present,
					   wire_len - old, ts);
			break;
		}
		if (len == 0)
			break;
		struct net_walk w = { 0 };
		net_reasm_walk(ne, s, seq, data, len, false, &w);
		if (w.new_bytes == 0) {
			ne->stats.overlap_bytes += w.overlap;
			break;
		}
		if (net_reasm_fits(ne, s, &w)) {
			struct net_walk done = { 0 };
			net_reasm_walk(ne, s, seq, data, len, true, &done);
			ne->stats.overlap_bytes += done.overlap;
			/* Out of memory: the unqueued bytes stay a hole, resolved
			 * like any other when a limit or the end is reached. */
			break;
		}
		/* A limit would be passed: the earliest hole is lost. */
		ne->stats.ooo_limit_hits++;
		uint32_t to = s->head != NULL && net_seq_lt(s->head->seq, seq) ? s->head->seq : seq;
		net_reasm_gap(ne, e, d, to - s->next, ts);
		net_reasm_drain(ne, e, d, ts);
	}
	net_reasm_check_end(ne, e, d, ts);
}

void
net_reasm_start(struct net_stream *s, uint32_t isn)
{
	s->started = true;
	s->next = isn + 1;
}

void
net_reasm_flush(struct net_engine *ne, struct net_entry *e, enum net_dir d, uint64_t ts)
{
	struct net_stream *s = &e->st[d];
	if (!s->started || s->ended)
		return;
	while (s->head != NULL) {
		net_reasm_gap(ne, e, d, s->head->seq - s->next, ts);
		net_reasm_drain(ne, e, d, ts);
	}
	if (s->fin_seen && net_seq_lt(s->next, s->fin_seq))
		net_reasm_gap(ne, e, d, s->fin_seq - s->next, ts);
	net_reasm_check_end(ne, e, d, ts);
}

void
net_reasm_fini(struct net_engine *ne, struct net_stream *s)
{
	net_reasm_free_queue(ne, s, NULL);
}
