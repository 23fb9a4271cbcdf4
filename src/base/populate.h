/* Mapping a long-lived buffer's pages at once instead of fault by fault. */
#ifndef TLSIPS_BASE_POPULATE_H
#define TLSIPS_BASE_POPULATE_H

#include <stddef.h>

/*
 * Maps the whole pages inside p[0..n) writable now, in one system call
 * (MADV_POPULATE_WRITE). Contents are unchanged. Best effort: on kernels
 * without it (before 5.14) the pages fault in on first touch as usual.
 */
void base_populate(void *p, size_t n);

#endif
