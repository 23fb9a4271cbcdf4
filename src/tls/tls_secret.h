/*
 * tls_secret: where key material lives.
 *
 * Secrets (pre-master and master secrets, traffic secrets, derived keys and
 * IVs) are held in memory from tls_secmem_alloc: OpenSSL's secure heap
 * (mlocked, excluded from core dumps) when it could be set up, plain memory
 * otherwise (counted). Memory is cleansed when freed. No function formats a
 * secret as text.
 */
#ifndef TLSIPS_TLS_SECRET_H
#define TLSIPS_TLS_SECRET_H

#include <stddef.h>
#include <stdint.h>

enum { TLS_SECRET_MAX = 64 };

struct tls_secret {
	uint8_t len;
	uint8_t b[TLS_SECRET_MAX];
};

/* Sets up the secure heap (bytes, power of two). Safe to call more than once. */
void tls_secmem_init(size_t heap_bytes);
/* Zeroed memory for secrets; NULL on failure. */
void *tls_secmem_alloc(size_t n);
/* Cleanses and frees; accepts NULL. */
void tls_secmem_free(void *p, size_t n);
/* Allocations that could not use the secure heap. */
uint64_t tls_secmem_fallbacks(void);

#endif
