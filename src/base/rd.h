/*
 * rd: the bounds-checked cursor every parser reads untrusted bytes through.
 *
 * A cursor is a position and an end in memory it does not own. Every read
 * compares the wanted length with (end - pos) before touching memory and
 * advances only on success. Failure is sticky: after the first failed read,
 * later reads return zero / empty views and change nothing, so a run of
 * fields is checked once with rd_ok() at the end of a structure.
 *
 * Length-prefixed children (rd_child8/16/24) yield a cursor over exactly the
 * declared bytes and move the parent past them; call rd_done() on a child to
 * require it was consumed completely.
 */
#ifndef TLSIPS_BASE_RD_H
#define TLSIPS_BASE_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/view.h"

struct rd {
	const uint8_t *pos;
	const uint8_t *end;
	bool failed;
};

static inline struct rd
rd_make(const void *ptr, size_t len)
{
	struct rd r = { (const uint8_t *)ptr, (const uint8_t *)ptr + len, false };
	return r;
}

static inline struct rd
rd_of_view(struct view v)
{
	return rd_make(v.ptr, v.len);
}

static inline size_t
rd_left(const struct rd *r)
{
	return r->failed ? 0 : (size_t)(r->end - r->pos);
}

static inline bool
rd_ok(const struct rd *r)
{
	return !r->failed;
}

/* True when the cursor is healthy and every byte was consumed. */
static inline bool
rd_done(const struct rd *r)
{
	return !r->failed && r->pos == r->end;
}

static inline bool
rd_has(struct rd *r, size_t n)
{
	if (r->failed || (size_t)(r->end - r->pos) < n) {
		r->failed = true;
		return false;
	}
	return true;
}

static inline void
rd_fail(struct rd *r)
{
	r->failed = true;
}

static inline uint8_t
rd_u8(struct rd *r)
{
	if (!rd_has(r, 1))
		return 0;
	return *r->pos++;
}

static inline uint16_t
rd_u16(struct rd *r)
{
	if (!rd_has(r, 2))
		return 0;
	uint16_t v = (uint16_t)((r->pos[0] << 8) | r->pos[1]);
	r->pos += 2;
	return v;
}

static inline uint32_t
rd_u24(struct rd *r)
{
	if (!rd_has(r, 3))
		return 0;
	uint32_t v = ((uint32_t)r->pos[0] << 16) | ((uint32_t)r->pos[1] << 8) | r->pos[2];
	r->pos += 3;
	return v;
}

static inline uint32_t
rd_u32(struct rd *r)
{
	if (!rd_has(r, 4))
		return 0;
	uint32_t v = ((uint32_t)r->pos[0] << 24) | ((uint32_t)r->pos[1] << 16) |
		     ((uint32_t)r->pos[2] << 8) | r->pos[3];
	r->pos += 4;
	return v;
}

static inline uint64_t
rd_u64(struct rd *r)
{
	uint64_t hi = rd_u32(r);
	uint64_t lo = rd_u32(r);
	return (hi << 32) | lo;
}

/* Little-endian reads, for capture file and link headers that use them. */
static inline uint16_t
rd_le16(struct rd *r)
{
	if (!rd_has(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->pos[0] | (r->pos[1] << 8));
	r->pos += 2;
	return v;
}

static inline uint32_t
rd_le32(struct rd *r)
{
	if (!rd_has(r, 4))
		return 0;
	uint32_t v = r->pos[0] | ((uint32_t)r->pos[1] << 8) | ((uint32_t)r->pos[2] << 16) |
		     ((uint32_t)r->pos[3] << 24);
	r->pos += 4;
	return v;
}

/* n bytes as a view into the cursor's memory; empty view on failure. */
static inline struct view
rd_bytes(struct rd *r, size_t n)
{
	struct view v = { NULL, 0 };
	if (!rd_has(r, n))
		return v;
	v.ptr = r->pos;
	v.len = n;
	r->pos += n;
	return v;
}

/* Everything left, as a view; the cursor ends empty. */
static inline struct view
rd_rest(struct rd *r)
{
	return rd_bytes(r, rd_left(r));
}

static inline void
rd_skip(struct rd *r, size_t n)
{
	if (rd_has(r, n))
		r->pos += n;
}

/* Byte at offset off from the position, without advancing; 0 if absent. */
static inline uint8_t
rd_peek(const struct rd *r, size_t off)
{
	if (r->failed || (size_t)(r->end - r->pos) <= off)
		return 0;
	return r->pos[off];
}

static inline struct rd
rd_child(struct rd *r, size_t len)
{
	struct rd c = { r->pos, r->pos, true };
	if (!rd_has(r, len))
		return c;
	c.end = r->pos + len;
	c.failed = false;
	r->pos += len;
	return c;
}

static inline struct rd
rd_child8(struct rd *r)
{
	size_t len = rd_u8(r);
	if (!rd_ok(r))
		return rd_child(r, 1);
	return rd_child(r, len);
}

static inline struct rd
rd_child16(struct rd *r)
{
	size_t len = rd_u16(r);
	if (!rd_ok(r))
		return rd_child(r, 1);
	return rd_child(r, len);
}

static inline struct rd
rd_child24(struct rd *r)
{
	size_t len = rd_u24(r);
	if (!rd_ok(r))
		return rd_child(r, 1);
	return rd_child(r, len);
}

#endif
