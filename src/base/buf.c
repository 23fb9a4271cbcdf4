#include "base/buf.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/err.h"

void
buf_init(struct buf *b, size_t max_cap)
{
	memset(b, 0, sizeof(*b));
	b->max_cap = max_cap;
}

void
buf_fini(struct buf *b, bool wipe)
{
	if (b->mem && wipe)
		OPENSSL_cleanse(b->mem, b->cap);
	free(b->mem);
	b->mem = NULL;
	b->off = b->len = b->cap = 0;
}

uint8_t *
buf_reserve(struct buf *b, size_t n)
{
	if (n > b->max_cap || b->len > b->max_cap - n)
		return NULL;
	if (b->cap - b->off - b->len >= n)
		return b->mem + b->off + b->len;
	/* Compacting first keeps a consume-heavy buffer from growing. */
	if (b->off && b->cap - b->len >= n) {
		memmove(b->mem, b->mem + b->off, b->len);
		b->off = 0;
		return b->mem + b->len;
	}
	size_t want = b->len + n;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap = cap > b->max_cap / 2 ? b->max_cap : cap * 2;
	uint8_t *mem = malloc(cap);
	if (!mem)
		return NULL;
	if (b->len)
		memcpy(mem, b->mem + b->off, b->len);
	free(b->mem);
	b->mem = mem;
	b->off = 0;
	b->cap = cap;
	return b->mem + b->len;
}

void
buf_commit(struct buf *b, size_t n)
{
	assert(b->off + b->len + n <= b->cap);
	b->len += n;
}

int
buf_append_slow(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return TLSIPS_OK;
	if (n > b->max_cap || b->len > b->max_cap - n)
		return TLSIPS_ELIMIT;
	uint8_t *dst = buf_reserve(b, n);
	if (!dst)
		return TLSIPS_ENOMEM;
	memcpy(dst, data, n);
	b->len += n;
	return TLSIPS_OK;
}

void
buf_consume(struct buf *b, size_t n)
{
	assert(n <= b->len);
	b->len -= n;
	b->off = b->len ? b->off + n : 0;
}

void
buf_clear(struct buf *b)
{
	b->off = b->len = 0;
}
