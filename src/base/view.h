/* A view: bytes someone else owns. Never freed through the view. */
#ifndef TLSIPS_BASE_VIEW_H
#define TLSIPS_BASE_VIEW_H

#include <stddef.h>
#include <stdint.h>

struct view {
	const uint8_t *ptr;
	size_t len;
};

static inline struct view
view_make(const void *ptr, size_t len)
{
	struct view v = { (const uint8_t *)ptr, len };
	return v;
}

#endif
