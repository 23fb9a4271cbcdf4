/* Random keys for hash tables, so no one can aim traffic at one bucket. */
#ifndef TLSIPS_BASE_SEED_H
#define TLSIPS_BASE_SEED_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Fills out[0..len) from the kernel's random generator (getrandom(2)).
 * Returns false when it cannot; callers then pick a fallback.
 */
bool base_seed(void *out, size_t len);

#endif
