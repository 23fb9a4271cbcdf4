/*
 * Session cache: session IDs and tickets the server issued, mapped to the
 * master secret of the session they belong to, so resumed sessions decrypt.
 *
 * A fixed ring of entries (limit: session_cache_entries) with a chained
 * hash index. Eviction: the oldest entry is replaced when the ring is full
 * (counted in cache_evictions). Master secrets live in secure memory, in
 * chunks of TLS_CACHE_CHUNK entries allocated when the ring first reaches
 * them: a cache that saw a handful of sessions holds one small chunk, not
 * cap * 48 bytes to zero at start and wipe at exit. A secret is wiped when
 * its entry is replaced, and every chunk (all of whose slots may have held
 * one) when the cache is freed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/seed.h"
#include "tls/tls_int.h"
#include "tls/tls_secret.h"

enum {
	TLS_CACHE_NONE = UINT32_MAX,
	/* Entries per chunk of master secrets: 12 KiB, three pages. */
	TLS_CACHE_CHUNK = 256,
};

struct tls_cache_entry {
	uint8_t key[TLS_CACHE_KEY_LEN];
	uint8_t key_len;
	uint8_t kind;          /* enum tls_cache_kind; 0 = empty */
	uint16_t version;
	uint16_t suite_id;
	uint32_t next;         /* hash chain: next entry's index + 1, 0 at the end */
	uint32_t bucket;
};

struct tls_session_cache {
	uint32_t cap, used, head; /* head: next ring slot to fill */
	uint32_t nbuckets;        /* power of two */
	/* First entry's index + 1, 0 when empty: calloc'd pages are only
	 * touched (faulted in) where a bucket is used. */
	uint32_t *buckets;
	struct tls_cache_entry *entries;
	/* nchunks pointers; chunk i holds the masters of entries
	 * [i * TLS_CACHE_CHUNK, (i + 1) * TLS_CACHE_CHUNK), secure memory,
	 * NULL until one of them is filled. */
	uint8_t **chunks;
	uint32_t nchunks;
	uint64_t seed;
	struct tls_stats *stats;
};

struct tls_session_cache *
tls_session_cache_new(uint32_t entries, struct tls_stats *stats)
{
	struct tls_session_cache *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return NULL;
	sc->cap = entries ? entries : 1;
	sc->nbuckets = 1;
	while (sc->nbuckets < sc->cap * 2u && sc->nbuckets < (1u << 30))
		sc->nbuckets <<= 1;
	sc->buckets = calloc(sc->nbuckets, sizeof(*sc->buckets));
	sc->entries = calloc(sc->cap, sizeof(*sc->entries));
	sc->nchunks = (sc->cap + TLS_CACHE_CHUNK - 1) / TLS_CACHE_CHUNK;
	sc->chunks = calloc(sc->nchunks, sizeof(*sc->chunks));
	sc->stats = stats;
	if (!sc->buckets || !sc->entries || !sc->chunks) {
		tls_session_cache_free(sc);
		return NULL;
	}
	if (!base_seed(&sc->seed, sizeof(sc->seed)))
		sc->seed = 0x9e3779b97f4a7c15ull;
	return sc;
}

void
tls_session_cache_free(struct tls_session_cache *sc)
{
	if (!sc)
		return;
	/* tls_secmem_free wipes each chunk: only chunks that held secrets exist. */
	for (uint32_t i = 0; sc->chunks && i < sc->nchunks; i++)
		tls_secmem_free(sc->chunks[i], (size_t)TLS_CACHE_CHUNK * TLS_MASTER_LEN);
	free(sc->chunks);
	free(sc->buckets);
	free(sc->entries);
	free(sc);
}

/* The master secret slot of entry idx, whose chunk exists (the entry was filled). */
static uint8_t *
tls_cache_master(const struct tls_session_cache *sc, uint32_t idx)
{
	return sc->chunks[idx / TLS_CACHE_CHUNK] + (size_t)(idx % TLS_CACHE_CHUNK) * TLS_MASTER_LEN;
}

/* Keys are session IDs (server-chosen) or SHA-256 of tickets: mixing with a seed suffices. */
static uint32_t
tls_cache_bucket(const struct tls_session_cache *sc, uint8_t kind, const uint8_t *key, size_t len)
{
	uint64_t h = sc->seed ^ kind;
	for (size_t i = 0; i < len; i++)
		h = (h ^ key[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	return (uint32_t)h & (sc->nbuckets - 1);
}

static uint32_t
tls_cache_find(const struct tls_session_cache *sc, uint8_t kind, const uint8_t *key, size_t len,
	       uint32_t bucket)
{
	for (uint32_t l = sc->buckets[bucket]; l != 0; l = sc->entries[l - 1].next) {
		const struct tls_cache_entry *e = &sc->entries[l - 1];
		if (e->kind == kind && e->key_len == len && memcmp(e->key, key, len) == 0)
			return l - 1;
	}
	return TLS_CACHE_NONE;
}

static void
tls_cache_unlink(struct tls_session_cache *sc, uint32_t idx)
{
	struct tls_cache_entry *e = &sc->entries[idx];
	uint32_t *link = &sc->buckets[e->bucket];
	while (*link != idx + 1)
		link = &sc->entries[*link - 1].next;
	*link = e->next;
	e->kind = 0;
	OPENSSL_cleanse(tls_cache_master(sc, idx), TLS_MASTER_LEN);
}

void
tls_session_cache_put(struct tls_session_cache *sc, enum tls_cache_kind kind, const uint8_t *key,
		      size_t key_len, uint16_t version, uint16_t suite_id,
		      const uint8_t master[TLS_MASTER_LEN])
{
	if (key_len == 0 || key_len > TLS_CACHE_KEY_LEN)
		return;
	uint32_t bucket = tls_cache_bucket(sc, (uint8_t)kind, key, key_len);
	uint32_t idx = tls_cache_find(sc, (uint8_t)kind, key, key_len, bucket);
	if (idx == TLS_CACHE_NONE) {
		idx = sc->head;
		uint8_t **chunk = &sc->chunks[idx / TLS_CACHE_CHUNK];
		if (*chunk == NULL) {
			*chunk = tls_secmem_alloc((size_t)TLS_CACHE_CHUNK * TLS_MASTER_LEN);
			/* No memory: the session is not remembered, as if evicted at once. */
			if (*chunk == NULL)
				return;
		}
		sc->head = (sc->head + 1) % sc->cap;
		if (sc->entries[idx].kind) {
			tls_cache_unlink(sc, idx);
			sc->stats->cache_evictions++;
		} else {
			sc->used++;
		}
		struct tls_cache_entry *e = &sc->entries[idx];
		memcpy(e->key, key, key_len);
		e->key_len = (uint8_t)key_len;
		e->kind = (uint8_t)kind;
		e->bucket = bucket;
		e->next = sc->buckets[bucket];
		sc->buckets[bucket] = idx + 1;
	}
	sc->entries[idx].version = version;
	sc->entries[idx].suite_id = suite_id;
	memcpy(tls_cache_master(sc, idx), master, TLS_MASTER_LEN);
	sc->stats->cache_inserts++;
	sc->stats->cache_entries = sc->used;
}

bool
tls_session_cache_get(struct tls_session_cache *sc, enum tls_cache_kind kind, const uint8_t *key,
		      size_t key_len, uint16_t version, uint16_t suite_id,
		      uint8_t out_master[TLS_MASTER_LEN])
{
	if (key_len == 0 || key_len > TLS_CACHE_KEY_LEN)
		return false;
	uint32_t bucket = tls_cache_bucket(sc, (uint8_t)kind, key, key_len);
	uint32_t idx = tls_cache_find(sc, (uint8_t)kind, key, key_len, bucket);
	/* RFC 5246 7.4.1.3: a resumed session keeps its version and suite. */
	if (idx == TLS_CACHE_NONE || sc->entries[idx].version != version ||
	    sc->entries[idx].suite_id != suite_id) {
		sc->stats->cache_misses++;
		return false;
	}
	memcpy(out_master, tls_cache_master(sc, idx), TLS_MASTER_LEN);
	sc->stats->cache_hits++;
	return true;
}
