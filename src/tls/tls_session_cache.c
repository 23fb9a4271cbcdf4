/*
 * Session cache: session IDs and tickets the server issued, mapped to the
 * master secret of the session they belong to, so resumed sessions decrypt.
 *
 * A fixed ring of entries (limit: session_cache_entries) with a chained
 * hash index. Eviction: the oldest entry is replaced when the ring is full
 * (counted in cache_evictions). Master secrets live in one secure-memory
 * block, wiped on replacement and when the cache is freed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tls/tls_int.h"
#include "tls/tls_secret.h"

enum { TLS_CACHE_NONE = UINT32_MAX };

struct tls_cache_entry {
	uint8_t key[TLS_CACHE_KEY_LEN];
	uint8_t key_len;
	uint8_t kind;          /* enum tls_cache_kind; 0 = empty */
	uint16_t version;
	uint16_t suite_id;
	uint32_t next;         /* hash chain */
	uint32_t bucket;
};

struct tls_session_cache {
	uint32_t cap, used, head; /* head: next ring slot to fill */
	uint32_t nbuckets;        /* power of two */
	uint32_t *buckets;
	struct tls_cache_entry *entries;
	uint8_t *masters;         /* cap * TLS_MASTER_LEN, secure memory */
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
	sc->buckets = malloc(sizeof(*sc->buckets) * sc->nbuckets);
	sc->entries = calloc(sc->cap, sizeof(*sc->entries));
	sc->masters = tls_secmem_alloc((size_t)sc->cap * TLS_MASTER_LEN);
	sc->stats = stats;
	if (!sc->buckets || !sc->entries || !sc->masters) {
		tls_session_cache_free(sc);
		return NULL;
	}
	memset(sc->buckets, 0xff, sizeof(*sc->buckets) * sc->nbuckets);
	if (RAND_bytes((unsigned char *)&sc->seed, sizeof(sc->seed)) != 1)
		sc->seed = 0x9e3779b97f4a7c15ull;
	return sc;
}

void
tls_session_cache_free(struct tls_session_cache *sc)
{
	if (!sc)
		return;
	tls_secmem_free(sc->masters, (size_t)sc->cap * TLS_MASTER_LEN);
	free(sc->buckets);
	free(sc->entries);
	free(sc);
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
	for (uint32_t i = sc->buckets[bucket]; i != TLS_CACHE_NONE; i = sc->entries[i].next) {
		const struct tls_cache_entry *e = &sc->entries[i];
		if (e->kind == kind && e->key_len == len && memcmp(e->key, key, len) == 0)
			return i;
	}
	return TLS_CACHE_NONE;
}

static void
tls_cache_unlink(struct tls_session_cache *sc, uint32_t idx)
{
	struct tls_cache_entry *e = &sc->entries[idx];
	uint32_t *link = &sc->buckets[e->bucket];
	while (*link != idx)
		link = &sc->entries[*link].next;
	*link = e->next;
	e->kind = 0;
	OPENSSL_cleanse(sc->masters + (size_t)idx * TLS_MASTER_LEN, TLS_MASTER_LEN);
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
		sc->buckets[bucket] = idx;
	}
	sc->entries[idx].version = version;
	sc->entries[idx].suite_id = suite_id;
	memcpy(sc->masters + (size_t)idx * TLS_MASTER_LEN, master, TLS_MASTER_LEN);
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
	memcpy(out_master, sc->masters + (size_t)idx * TLS_MASTER_LEN, TLS_MASTER_LEN);
	sc->stats->cache_hits++;
	return true;
}
