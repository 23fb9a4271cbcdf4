/*
 * limit: a bound on some resource, declared together with its counters.
 *
 * Every table, cache and buffer in tlsips owns one: max is the ceiling, used
 * is the current level, hits counts refusals or evictions caused by the
 * ceiling. log/ reads these to write stats events.
 */
#ifndef TLSIPS_BASE_LIMIT_H
#define TLSIPS_BASE_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct limit {
	const char *name; /* stable name used in stats ("flows", "reasm_bytes") */
	uint64_t max;
	uint64_t used;
	uint64_t peak;
	uint64_t hits;    /* times the ceiling refused or forced an eviction */
};

static inline void
limit_init(struct limit *l, const char *name, uint64_t max)
{
	l->name = name;
	l->max = max;
	l->used = l->peak = l->hits = 0;
}

/* True if n more units fit; does not take them. */
static inline bool
limit_fits(const struct limit *l, uint64_t n)
{
	return n <= l->max && l->used <= l->max - n;
}

/* Takes n units if they fit; otherwise counts a hit and returns false. */
static inline bool
limit_take(struct limit *l, uint64_t n)
{
	if (!limit_fits(l, n)) {
		l->hits++;
		return false;
	}
	l->used += n;
	if (l->used > l->peak)
		l->peak = l->used;
	return true;
}

static inline void
limit_give(struct limit *l, uint64_t n)
{
	l->used = n > l->used ? 0 : l->used - n;
}

#endif
