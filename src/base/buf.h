/*
 * buf: an owned, growable byte buffer with a hard capacity ceiling.
 *
 * Bytes are appended at the back and consumed from the front; consumption is
 * O(1) (an offset) and the buffer compacts itself when it must grow. Growth
 * never exceeds max_cap: appends past it fail with TLSIPS_ELIMIT and leave the
 * buffer unchanged. Owner frees with buf_fini().
 */
#ifndef TLSIPS_BASE_BUF_H
#define TLSIPS_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	uint8_t *mem;   /* owned allocation, cap bytes */
	size_t off;     /* first live byte */
	size_t len;     /* live bytes starting at off */
	size_t cap;
	size_t max_cap; /* growth ceiling */
};

void buf_init(struct buf *b, size_t max_cap);
/* Frees memory; when wipe is true the bytes are cleansed first. */
void buf_fini(struct buf *b, bool wipe);

/* The live bytes; NULL for a buffer that never held any. */
static inline const uint8_t *
buf_data(const struct buf *b)
{
	return b->mem ? b->mem + b->off : NULL;
}

static inline size_t
buf_len(const struct buf *b)
{
	return b->len;
}

int buf_append_slow(struct buf *b, const void *data, size_t n);

/* Appends n bytes; TLSIPS_ELIMIT past max_cap, TLSIPS_ENOMEM on failure. */
static inline int
buf_append(struct buf *b, const void *data, size_t n)
{
	/* The common case, room at the back, inline: parsers append field by field. */
	if (n && n <= b->cap - b->off - b->len && n <= b->max_cap - b->len) {
		memcpy(b->mem + b->off + b->len, data, n);
		b->len += n;
		return 0;
	}
	return buf_append_slow(b, data, n);
}
/* Ensures room for n more bytes at the back; returns a pointer to it or NULL. */
uint8_t *buf_reserve(struct buf *b, size_t n);
/* Marks n reserved bytes as written (after buf_reserve). */
void buf_commit(struct buf *b, size_t n);
/* Drops n bytes from the front (n <= len). */
void buf_consume(struct buf *b, size_t n);
void buf_clear(struct buf *b);

#endif
