/*
 * tls_secret: secure memory for key material.
 *
 * OpenSSL's secure heap is one mmap'd arena, mlocked and marked
 * MADV_DONTDUMP, set up once per process. The first of tls_secmem_init() or
 * tls_secmem_alloc() sets it up (the latter with TLS_SECMEM_DEFAULT bytes);
 * later calls change nothing. When it cannot be set up, or is full, secrets
 * go to ordinary memory, cleansed all the same, and tls_secmem_fallbacks()
 * counts every such allocation so stats can show it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <openssl/crypto.h>

#include "tls/tls_secret.h"

/*
 * Default arena, for callers that did not size it (the commands do): 1 MiB.
 * Past it, fallbacks are counted. Blocks are powers of two from 64 bytes,
 * which few secrets fall short of; the minimum also sets the size of
 * OpenSSL's two bit tables, zeroed at set-up: 1/256 of the arena each at 64
 * bytes, 1/64 at 16 (512 KiB written and 2 ms of start-up for 16 MiB).
 */
enum { TLS_SECMEM_DEFAULT = 1u << 20, TLS_SECMEM_MINSIZE = 64 };

static pthread_mutex_t secmem_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool secmem_tried;
static atomic_uint_least64_t secmem_fallbacks;

/* The arena size must be a power of two (CRYPTO_secure_malloc_init). */
static size_t
secmem_round_pow2(size_t n)
{
	size_t p = TLS_SECMEM_MINSIZE;

	while (p < n && p <= (SIZE_MAX >> 1))
		p <<= 1;
	return p;
}

void
tls_secmem_init(size_t heap_bytes)
{
	pthread_mutex_lock(&secmem_lock);
	/* CRYPTO_secure_malloc_init is not idempotent nor thread-safe: try once. */
	if (!atomic_load(&secmem_tried)) {
		if (!CRYPTO_secure_malloc_initialized())
			(void)CRYPTO_secure_malloc_init(secmem_round_pow2(heap_bytes),
							TLS_SECMEM_MINSIZE);
		atomic_store(&secmem_tried, true);
	}
	pthread_mutex_unlock(&secmem_lock);
}

void *
tls_secmem_alloc(size_t n)
{
	void *p;

	if (!atomic_load(&secmem_tried))
		tls_secmem_init(TLS_SECMEM_DEFAULT);
	p = OPENSSL_secure_zalloc(n);
	if (p != NULL && CRYPTO_secure_allocated(p))
		return p;
	/*
	 * Without an arena OPENSSL_secure_zalloc hands out plain memory; with a
	 * full one it returns NULL. Either way the secret is not protected.
	 */
	if (p == NULL)
		p = OPENSSL_zalloc(n);
	if (p != NULL)
		atomic_fetch_add(&secmem_fallbacks, 1);
	return p;
}

void
tls_secmem_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	if (CRYPTO_secure_allocated(p))
		OPENSSL_secure_clear_free(p, n);
	else
		OPENSSL_clear_free(p, n);
}

uint64_t
tls_secmem_fallbacks(void)
{
	return atomic_load(&secmem_fallbacks);
}
