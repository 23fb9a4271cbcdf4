/*
 * detect_verify: the conditions of one rule on one buffer, in rule order,
 * with Suricata's semantics.
 *
 * A position ("prev") runs along the chain: the end of the last content or
 * pcre match (or the byte_jump target); relative conditions (distance,
 * within, pcre /R, isdataat/byte_* relative) count from it. Windows:
 *   absolute content   [offset, offset + depth)       (depth counts from offset)
 *   relative content   [prev + distance, prev + distance + within), start clamped at 0
 *   startswith         the match starts at 0; endswith: it ends at the buffer end
 * A negated content or pcre holds when it is not found in its window and
 * leaves prev alone. When a later condition that depends on prev fails, the
 * previous content (or pcre) is tried again at its next occurrence, as
 * Suricata does; every step costs from a budget so hostile data cannot make
 * backtracking explode. An empty buffer is an absent one: nothing on it holds.
 */
#include <string.h>

#include "detect/detect_engine.h"

struct detect_vst {
	struct detect_ctx *dc;
	const struct detect_rule *r;
	const uint32_t *conds;
	uint32_t n;
	const uint8_t *buf;
	size_t len;
};

static const uint8_t detect_lower[256] = {
#define L4(i) L1(i), L1(i + 1), L1(i + 2), L1(i + 3)
#define L1(i) (uint8_t)((i) >= 'A' && (i) <= 'Z' ? (i) + 32 : (i))
#define L16(i) L4(i), L4(i + 4), L4(i + 8), L4(i + 12)
#define L64(i) L16(i), L16(i + 16), L16(i + 32), L16(i + 48)
	L64(0), L64(64), L64(128), L64(192)
#undef L64
#undef L16
#undef L4
#undef L1
};

static bool
detect_eq_nocase(const uint8_t *a, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (detect_lower[a[i]] != detect_lower[p[i]])
			return false;
	return true;
}

/* First occurrence of p in h[from, to) (the whole match inside), or SIZE_MAX. */
static size_t
detect_find(const uint8_t *h, size_t from, size_t to, const uint8_t *p, size_t n, bool nocase)
{
	if (to < from || to - from < n)
		return SIZE_MAX;
	if (n == 0)
		return from;
	if (!nocase) {
		const uint8_t *m = memmem(h + from, to - from, p, n);
		return m ? (size_t)(m - h) : SIZE_MAX;
	}
	uint8_t lo = detect_lower[p[0]];
	uint8_t up = (lo >= 'a' && lo <= 'z') ? (uint8_t)(lo - 32) : lo;
	size_t last = to - n; /* last start that fits */
	size_t i = from;
	while (i <= last) {
		/* Jump to the next byte that equals the first pattern byte in either case. */
		const uint8_t *x = memchr(h + i, lo, last - i + 1);
		if (up != lo) {
			const uint8_t *y = memchr(h + i, up, (x ? (size_t)(x - h) : last + 1) - i);
			if (y)
				x = y;
		}
		if (!x)
			return SIZE_MAX;
		i = (size_t)(x - h);
		if (detect_eq_nocase(h + i + 1, p + 1, n - 1))
			return i;
		i++;
	}
	return SIZE_MAX;
}

/* Whether the rest of the chain after condition i reads prev (so i may be retried). */
static bool
detect_next_depends(const struct detect_vst *st, uint32_t i)
{
	for (uint32_t k = i + 1; k < st->n; k++) {
		const struct detect_cond *c = &st->r->conds[st->conds[k]];
		bool rel = false, moves = false;
		switch (c->kind) {
		case DETECT_COND_CONTENT:
			rel = c->u.content.has_distance || c->u.content.has_within;
			moves = !c->u.content.negated;
			break;
		case DETECT_COND_PCRE:
			rel = c->u.pcre.relative;
			moves = !c->u.pcre.negated;
			break;
		case DETECT_COND_ISDATAAT:
			rel = c->u.isdataat.relative;
			break;
		case DETECT_COND_BYTE_TEST:
			rel = c->u.byte.relative;
			break;
		case DETECT_COND_BYTE_JUMP:
			rel = c->u.byte.relative && !c->u.byte.from_beginning;
			moves = true;
			break;
		default:
			break;
		}
		if (rel)
			return true;
		if (moves)
			return false;
	}
	return false;
}

static int detect_chain_at(struct detect_vst *st, uint32_t i, size_t prev);

/* The window of a content; false when it is empty or outside the buffer. */
static bool
detect_content_window(const struct detect_content *c, size_t len, size_t prev, size_t *out_s,
		      size_t *out_e)
{
	int64_t s = 0, e = (int64_t)len;
	if (c->has_distance || c->has_within) {
		int64_t base = (int64_t)prev + (c->has_distance ? c->distance : 0);
		if (c->has_within && base + c->within < e)
			e = base + c->within;
		s = base < 0 ? 0 : base;
		/* Suricata: with a relative content, depth counts from prev, offset is a floor. */
		if (c->has_depth && (int64_t)prev + c->depth < e)
			e = (int64_t)prev + c->depth;
		if (c->has_offset && c->offset > s)
			s = c->offset;
	} else {
		if (c->has_offset)
			s = c->offset < 0 ? 0 : c->offset;
		if (c->has_depth && s + c->depth < e)
			e = s + c->depth;
	}
	if (c->startswith && s + (int64_t)c->len < e)
		e = s + (int64_t)c->len;
	if (e < s || s > (int64_t)len)
		return false;
	*out_s = (size_t)s;
	*out_e = (size_t)e;
	return true;
}

static int
detect_content_at(struct detect_vst *st, uint32_t i, const struct detect_content *c, size_t prev)
{
	size_t s, e, pos = SIZE_MAX;
	bool win = detect_content_window(c, st->len, prev, &s, &e);
	if (win && c->startswith && s != 0)
		win = false;
	if (win && c->endswith) {
		/* Only one place can end at the buffer end. */
		if (e == st->len && st->len >= c->len && st->len - c->len >= s) {
			size_t at = st->len - c->len;
			if (c->nocase ? detect_eq_nocase(st->buf + at, c->pat, c->len) :
					memcmp(st->buf + at, c->pat, c->len) == 0)
				pos = at;
		}
	} else if (win) {
		pos = detect_find(st->buf, s, e, c->pat, c->len, c->nocase);
	}
	if (c->negated)
		return pos == SIZE_MAX ? detect_chain_at(st, i + 1, prev) : 0;
	bool retry = !c->endswith && detect_next_depends(st, i);
	while (pos != SIZE_MAX) {
		int r = detect_chain_at(st, i + 1, pos + c->len);
		if (r != 0 || !retry)
			return r;
		if (st->dc->budget == 0)
			return -1;
		st->dc->budget--;
		pos = detect_find(st->buf, pos + 1, e, c->pat, c->len, c->nocase);
	}
	return 0;
}

static int
detect_pcre_at(struct detect_vst *st, uint32_t i, const struct detect_pcre *p, size_t prev)
{
	if (!p->code)
		return 0;
	size_t base = p->relative ? prev : 0;
	if (base > st->len)
		return 0;
	const uint8_t *sub = st->buf + base;
	size_t sub_len = st->len - base, ms, me;
	int m = detect_pcre_exec(st->dc, p, sub, sub_len, 0, &ms, &me);
	if (m < 0)
		return 0;
	if (p->negated)
		return m == 0 ? detect_chain_at(st, i + 1, prev) : 0;
	bool retry = detect_next_depends(st, i);
	while (m == 1) {
		int r = detect_chain_at(st, i + 1, base + me);
		if (r != 0 || !retry)
			return r;
		/* A pcre retry may cost up to the match limit: charge it more. */
		if (st->dc->budget < DETECT_VERIFY_PCRE_STEP)
			return -1;
		st->dc->budget -= DETECT_VERIFY_PCRE_STEP;
		if (ms + 1 > sub_len)
			return 0;
		m = detect_pcre_exec(st->dc, p, sub, sub_len, ms + 1, &ms, &me);
	}
	return 0;
}

/* Number comparison of bsize, urilen and byte_test. */
static bool
detect_num_holds(const struct detect_num *n, uint64_t v)
{
	switch (n->cmp) {
	case DETECT_CMP_EQ:
		return v == n->a;
	case DETECT_CMP_LT:
		return v < n->a;
	case DETECT_CMP_GT:
		return v > n->a;
	case DETECT_CMP_LE:
		return v <= n->a;
	case DETECT_CMP_GE:
		return v >= n->a;
	case DETECT_CMP_RANGE:
		return v > n->a && v < n->b;
	case DETECT_CMP_NE:
		return v != n->a;
	case DETECT_CMP_AND:
		return (v & n->a) != 0;
	case DETECT_CMP_OR: /* Suricata's '^' */
		return (v ^ n->a) != 0;
	}
	return false;
}

/* Digits of a number written as text, in base 8, 10 or 16; false if none or overflow. */
static bool
detect_byte_text(const uint8_t *p, size_t n, uint8_t base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < n; i++) {
		uint8_t ch = detect_lower[p[i]], d;
		if (ch >= '0' && ch <= '9')
			d = (uint8_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (uint8_t)(ch - 'a' + 10);
		else
			break;
		if (d >= base || v > (UINT64_MAX - d) / base)
			break;
		v = v * base + d;
	}
	*out = v;
	return i > 0;
}

/* Reads byte_test/byte_jump's number; out_end is just past the bytes read. */
static bool
detect_byte_read(const struct detect_byte *b, const uint8_t *buf, size_t len, size_t prev,
		 uint64_t *out, size_t *out_end)
{
	int64_t at = (b->relative ? (int64_t)prev : 0) + b->offset;
	if (at < 0 || b->nbytes == 0 || (uint64_t)at > len || len - (size_t)at < b->nbytes)
		return false;
	const uint8_t *p = buf + at;
	*out_end = (size_t)at + b->nbytes;
	if (b->string) {
		uint8_t base = b->base == 8 || b->base == 16 ? b->base : 10;
		return detect_byte_text(p, b->nbytes, base, out);
	}
	if (b->nbytes > 8)
		return false;
	uint64_t v = 0;
	for (uint32_t k = 0; k < b->nbytes; k++) {
		uint32_t idx = b->little_endian ? b->nbytes - 1 - k : k;
		v = (v << 8) | p[idx];
	}
	*out = v;
	return true;
}

static int
detect_byte_jump_at(struct detect_vst *st, uint32_t i, const struct detect_byte *b, size_t prev)
{
	uint64_t v;
	size_t end;
	if (!detect_byte_read(b, st->buf, st->len, prev, &v, &end))
		return 0;
	int64_t j, to;
	if (v > INT64_MAX ||
	    __builtin_mul_overflow((int64_t)v, (int64_t)(b->multiplier > 0 ? b->multiplier : 1), &j))
		return 0;
	if (b->align && j % 4 && __builtin_add_overflow(j, 4 - j % 4, &j))
		return 0;
	if (__builtin_add_overflow(j, (b->from_beginning ? 0 : (int64_t)end) + b->post_offset, &to))
		return 0;
	/* Suricata: the target must be inside the buffer. */
	if (to < 0 || to >= (int64_t)st->len)
		return 0;
	return detect_chain_at(st, i + 1, (size_t)to);
}

static int
detect_chain_at(struct detect_vst *st, uint32_t i, size_t prev)
{
	if (i == st->n)
		return 1;
	if (st->dc->budget == 0)
		return -1;
	st->dc->budget--;
	const struct detect_cond *c = &st->r->conds[st->conds[i]];
	bool ok = false;
	switch (c->kind) {
	case DETECT_COND_CONTENT:
		return detect_content_at(st, i, &c->u.content, prev);
	case DETECT_COND_PCRE:
		return detect_pcre_at(st, i, &c->u.pcre, prev);
	case DETECT_COND_BYTE_JUMP:
		return detect_byte_jump_at(st, i, &c->u.byte, prev);
	case DETECT_COND_ISDATAAT: {
		/* Absolute: a byte at offset exists. Relative: offset more bytes after prev. */
		const struct detect_isdataat *d = &c->u.isdataat;
		ok = d->relative ? (uint64_t)prev + d->offset <= st->len : d->offset < st->len;
		if (d->negated)
			ok = !ok;
		break;
	}
	case DETECT_COND_BSIZE:
	case DETECT_COND_URILEN:
		ok = detect_num_holds(&c->u.num, st->len);
		break;
	case DETECT_COND_BYTE_TEST: {
		uint64_t v;
		size_t end;
		ok = detect_byte_read(&c->u.byte, st->buf, st->len, prev, &v, &end) &&
		     detect_num_holds(&c->u.byte.test, v);
		break;
	}
	}
	return ok ? detect_chain_at(st, i + 1, prev) : 0;
}

int
detect_verify_chain(struct detect_ctx *dc, const struct detect_rule *r, const uint32_t *conds,
		    uint32_t n, struct view v)
{
	if (v.len == 0)
		return 0;
	struct detect_vst st = { dc, r, conds, n, v.ptr, v.len };
	return detect_chain_at(&st, 0, 0);
}
