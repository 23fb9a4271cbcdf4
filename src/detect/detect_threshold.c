/*
 * detect_threshold: threshold and detection_filter counters, one table per
 * worker. An entry counts the matches of one rule for one tracked address
 * (source, destination, both, or none for by_rule) in the current period.
 * The table has a fixed number of entries chained from a power-of-two
 * bucket array; a lookup moves its entry to the front of an LRU list and a
 * new key takes the least recently used entry when the table is full
 * (counted as an eviction). Workers count apart: a flow stays on one worker,
 * so per-source tracking sees all of that source's flows only when one
 * worker handles them.
 */
#include <stdlib.h>
#include <string.h>

#include "detect/detect_engine.h"

enum { DETECT_THR_NIL = UINT32_MAX };

struct detect_thr_key {
	uint32_t rule_idx;
	uint8_t track;
	uint8_t fa, fb;              /* address families, 0 when unused */
	uint8_t a[16], b[16];
};

struct detect_thr_entry {
	struct detect_thr_key key;
	uint64_t start_usec;         /* start of the current period */
	uint32_t count;              /* matches in the period (threshold: since the last alert) */
	uint32_t hnext;              /* bucket chain */
	uint32_t prev, next;         /* LRU list, most recent at head */
};

struct detect_thr_table {
	struct detect_thr_entry *e;
	uint32_t cap, used;
	uint32_t *bucket;
	uint32_t mask;
	uint32_t head, tail;
};

struct detect_thr_table *
detect_threshold_new(uint32_t entries)
{
	struct detect_thr_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cap = entries ? entries : 1;
	uint32_t nb = 1;
	while (nb < t->cap && nb < (1u << 30))
		nb <<= 1;
	t->mask = nb - 1;
	t->e = calloc(t->cap, sizeof(*t->e));
	t->bucket = malloc(sizeof(*t->bucket) * nb);
	if (!t->e || !t->bucket) {
		detect_threshold_free(t);
		return NULL;
	}
	for (uint32_t i = 0; i < nb; i++)
		t->bucket[i] = DETECT_THR_NIL;
	t->head = t->tail = DETECT_THR_NIL;
	return t;
}

void
detect_threshold_free(struct detect_thr_table *t)
{
	if (!t)
		return;
	free(t->e);
	free(t->bucket);
	free(t);
}

static uint32_t
detect_thr_hash(const struct detect_thr_key *k)
{
	/* FNV-1a over the key bytes (the struct is zeroed before filling, so padding is 0). */
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void
detect_thr_lru_unlink(struct detect_thr_table *t, uint32_t i)
{
	struct detect_thr_entry *x = &t->e[i];
	if (x->prev != DETECT_THR_NIL)
		t->e[x->prev].next = x->next;
	else
		t->head = x->next;
	if (x->next != DETECT_THR_NIL)
		t->e[x->next].prev = x->prev;
	else
		t->tail = x->prev;
}

static void
detect_thr_lru_push(struct detect_thr_table *t, uint32_t i)
{
	t->e[i].prev = DETECT_THR_NIL;
	t->e[i].next = t->head;
	if (t->head != DETECT_THR_NIL)
		t->e[t->head].prev = i;
	t->head = i;
	if (t->tail == DETECT_THR_NIL)
		t->tail = i;
}

static void
detect_thr_bucket_remove(struct detect_thr_table *t, uint32_t i)
{
	uint32_t *pp = &t->bucket[detect_thr_hash(&t->e[i].key) & t->mask];
	while (*pp != DETECT_THR_NIL && *pp != i)
		pp = &t->e[*pp].hnext;
	if (*pp == i)
		*pp = t->e[i].hnext;
}

/* The entry for k, made (count 0) when missing; NULL never: the LRU entry is reused. */
static struct detect_thr_entry *
detect_thr_lookup(struct detect_thr_table *t, const struct detect_thr_key *k, bool *out_new,
		  struct detect_stats *st)
{
	uint32_t h = detect_thr_hash(k) & t->mask;
	for (uint32_t i = t->bucket[h]; i != DETECT_THR_NIL; i = t->e[i].hnext) {
		if (memcmp(&t->e[i].key, k, sizeof(*k)) == 0) {
			detect_thr_lru_unlink(t, i);
			detect_thr_lru_push(t, i);
			*out_new = false;
			return &t->e[i];
		}
	}
	uint32_t i;
	if (t->used < t->cap) {
		i = t->used++;
		st->threshold_entries++;
	} else {
		i = t->tail;
		detect_thr_lru_unlink(t, i);
		detect_thr_bucket_remove(t, i);
		st->threshold_evictions++;
	}
	struct detect_thr_entry *x = &t->e[i];
	memset(x, 0, sizeof(*x));
	x->key = *k;
	x->hnext = t->bucket[h];
	t->bucket[h] = i;
	detect_thr_lru_push(t, i);
	*out_new = true;
	return x;
}

static void
detect_thr_key_addr(const struct net_addr *a, uint8_t *out_family, uint8_t out[16])
{
	if (!a)
		return;
	*out_family = a->family;
	memcpy(out, a->bytes, a->family == 4 ? 4 : 16);
}

bool
detect_threshold_check(struct detect_thr_table *t, uint32_t rule_idx,
		       const struct detect_threshold *th, const struct detect_pkt_info *pi,
		       struct detect_stats *st)
{
	if (th->type == DETECT_THR_NONE)
		return true;
	struct detect_thr_key k;
	memset(&k, 0, sizeof(k));
	k.rule_idx = rule_idx;
	k.track = (uint8_t)th->track;
	if (th->track == DETECT_TRACK_BY_SRC || th->track == DETECT_TRACK_BY_BOTH)
		detect_thr_key_addr(pi->src, &k.fa, k.a);
	if (th->track == DETECT_TRACK_BY_DST)
		detect_thr_key_addr(pi->dst, &k.fa, k.a);
	if (th->track == DETECT_TRACK_BY_BOTH)
		detect_thr_key_addr(pi->dst, &k.fb, k.b);
	bool fresh;
	struct detect_thr_entry *x = detect_thr_lookup(t, &k, &fresh, st);
	uint64_t period = (uint64_t)th->seconds * 1000000u;
	/* A new entry, or a period that ended, starts counting again from this match. */
	if (fresh || pi->ts_usec < x->start_usec || pi->ts_usec - x->start_usec >= period) {
		x->start_usec = pi->ts_usec;
		x->count = 0;
	}
	if (x->count < UINT32_MAX)
		x->count++;
	switch (th->type) {
	case DETECT_THR_LIMIT: /* the first count matches of each period */
		return x->count <= th->count;
	case DETECT_THR_THRESHOLD: /* every count-th match */
		if (x->count >= th->count) {
			x->count = 0;
			return true;
		}
		return false;
	case DETECT_THR_BOTH: /* once per period, at the count-th match */
		return x->count == th->count || (th->count == 0 && x->count == 1);
	case DETECT_THR_DETECTION_FILTER: /* every match after the first count of the period */
		return x->count > th->count;
	default:
		return true;
	}
}
