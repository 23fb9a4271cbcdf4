/*
 * Key log store: NSS key log lines (RFC 9850) parsed into a bounded table of
 * secrets keyed by client random, a whole-file reader and a file follower.
 * The contract is in tls_keylog.h; the live socket is in tls_keysock.c.
 *
 * Layout. Entries are numbered 0..max_entries-1 and allocated in chunks of
 * TLS_KEYLOG_CHUNK as the store fills, in plain memory. Secrets live apart,
 * in a pool of TLS_KEYLOG_SECRET_MAX-byte slots in secure memory, numbered
 * 0..max_entries*TLS_KEYLOG_SLOTS-1 and allocated in chunks of
 * TLS_KEYLOG_SLOT_CHUNK (one 64 KiB block each, the secure heap's buddy
 * allocator rounding up to powers of two). An entry holds one slot number
 * per secret it has (slot[label]; RSA entries use slot[0]), so a TLS 1.2
 * entry takes one slot and a TLS 1.3 one five or six. The pool cannot run
 * dry: an entry holds at most TLS_KEYLOG_SLOTS slots and there are at most
 * max_entries entries. Freed slots are wiped and go to a free list linked
 * through slot_next (plain memory beside each slot chunk: slot numbers are
 * not secret, and a free slot stays all zeros). The hash index is an array
 * of chain heads (power of two, >= max_entries); entries chain through
 * `next`, and sit on a doubly linked age list (oldest first) for eviction and
 * expiry. Removed entries go to a free list through `next`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/err.h"
#include "base/num.h"
#include "base/rd.h"
#include "base/seed.h"
#include "tls/tls_keylog.h"
#include "tls/tls_secret.h"

enum {
	TLS_KEYLOG_SLOTS = 7, /* labels an entry can hold: CLIENT_RANDOM .. EXPORTER_SECRET; RSA uses 0 */
	TLS_KEYLOG_CHUNK = 512, /* entries per chunk: 44 KiB */
	TLS_KEYLOG_SLOT_CHUNK = 65536 / TLS_KEYLOG_SECRET_MAX, /* 1365 slots per 64 KiB block */
	TLS_KEYLOG_SECRET_SHORT = 32, /* the other secret length (SHA-256 traffic secrets) */
	TLS_KEYLOG_READ_BUF = 8192,
};

enum { TLS_KEYLOG_NONE = UINT32_MAX };

/*
 * Links (bucket heads, `next`, free_head) hold an index complemented, so
 * 0 means none: the bucket table comes zeroed from calloc and its pages are
 * touched only when used, instead of all being written at start.
 */
static inline uint32_t
tls_keylog_link(uint32_t idx)
{
	return ~idx;
}

static inline uint32_t
tls_keylog_linked(uint32_t link)
{
	return ~link;
}

/* What an entry is keyed by; 0 marks a free entry. */
enum tls_keylog_kind {
	TLS_KEYLOG_KIND_FREE = 0,
	TLS_KEYLOG_KIND_RANDOM = 1, /* key: client_random */
	TLS_KEYLOG_KIND_RSA = 2,    /* key: 8 bytes of EncryptedPreMasterSecret, then zeros */
};

/*
 * 88 bytes; the secrets themselves are in the slot pool. Secrets are 32 or
 * 48 bytes (every row of tls_keylog_rows), so one bit per label gives the
 * length.
 */
struct tls_keylog_entry {
	uint8_t key[TLS_KEYLOG_RANDOM_LEN];
	uint64_t added;                  /* now_sec when the entry was created */
	uint32_t next;                   /* hash chain, or free list (a link) */
	uint32_t older, newer;           /* age list */
	uint32_t slot[TLS_KEYLOG_SLOTS]; /* pool slot of each present secret */
	uint8_t kind;                    /* enum tls_keylog_kind */
	uint8_t present;                 /* bit per label holding a secret */
	uint8_t wide;                    /* bit per present secret of 48 bytes (else 32) */
};

struct tls_keylog {
	struct tls_keylog_limits lim;
	struct tls_keylog_stats st;
	uint64_t sipkey[2];              /* per-store random key of the hash */
	uint32_t nbuckets;               /* power of two */
	uint32_t *buckets;               /* links */
	uint32_t nchunks;                /* chunk pointers available: ceil(max / CHUNK) */
	struct tls_keylog_entry **ent;   /* entry chunks, NULL until needed */
	uint32_t fresh;                  /* entries ever handed out; next never-used index */
	uint32_t free_head;              /* a link */
	uint32_t max_slots;              /* max_entries * TLS_KEYLOG_SLOTS */
	uint32_t nslot_chunks;           /* ceil(max_slots / SLOT_CHUNK) */
	uint8_t **sec;                   /* slot chunks (secure memory), NULL until needed */
	uint32_t **slot_next;            /* free-list link of each slot, beside sec */
	uint32_t slot_fresh;             /* slots ever handed out; next never-used one */
	uint32_t slot_free;              /* free list of wiped slots */
	uint32_t oldest, newest;
	tls_keylog_problem_fn problem_fn;
	void *problem_ctx;
	tls_keylog_added_fn added_fn;
	void *added_ctx;
};

/*
 * One row per label, RFC 9850 sections 2.1 (TLS 1.3) and 2.2 (TLS 1.2 and
 * earlier); ECH labels (section 2.3) are recognised and skipped. key_len is
 * the byte length of the second field, len_a/len_b the secret lengths
 * accepted: TLS 1.3 secrets are Hash.length bytes (RFC 8446 section 7.1),
 * SHA-256 or SHA-384 for every suite. Only 32 and 48 occur (entry.wide relies on it).
 */
struct tls_keylog_row {
	const char *name;
	int label;                       /* enum tls_keylog_label, or -1: skipped */
	uint8_t key_len;
	uint8_t len_a, len_b;
};

static const struct tls_keylog_row tls_keylog_rows[] = {
	{ "CLIENT_RANDOM", TLS_KEYLOG_CLIENT_RANDOM, 32, 48, 48 },
	{ "CLIENT_EARLY_TRAFFIC_SECRET", TLS_KEYLOG_CLIENT_EARLY_TRAFFIC_SECRET, 32, 32, 48 },
	{ "CLIENT_HANDSHAKE_TRAFFIC_SECRET", TLS_KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET, 32, 32, 48 },
	{ "SERVER_HANDSHAKE_TRAFFIC_SECRET", TLS_KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET, 32, 32, 48 },
	{ "CLIENT_TRAFFIC_SECRET_0", TLS_KEYLOG_CLIENT_TRAFFIC_SECRET_0, 32, 32, 48 },
	{ "SERVER_TRAFFIC_SECRET_0", TLS_KEYLOG_SERVER_TRAFFIC_SECRET_0, 32, 32, 48 },
	{ "EXPORTER_SECRET", TLS_KEYLOG_EXPORTER_SECRET, 32, 32, 48 },
	/* NSS's RSA line: first 8 bytes of the encrypted PMS, then the 48-byte PMS. */
	{ "RSA", TLS_KEYLOG_RSA, TLS_KEYLOG_RSA_KEY_LEN, 48, 48 },
	/* RFC 9850 labels tlsips has no use for: skipped quietly, counted as ignored. */
	{ "EARLY_EXPORTER_SECRET", -1, 0, 0, 0 },
	{ "ECH_SECRET", -1, 0, 0, 0 },
	{ "ECH_CONFIG", -1, 0, 0, 0 },
};

/*
 * OpenSSL also logs CLIENT_/SERVER_TRAFFIC_SECRET_N for N >= 1 after each
 * KeyUpdate; tlsips derives those itself (RFC 8446 7.2), so they are skipped.
 */
static const struct tls_keylog_row tls_keylog_row_later_traffic = { "TRAFFIC_SECRET_N", -1, 0, 0, 0 };

enum { TLS_KEYLOG_ROWS = sizeof(tls_keylog_rows) / sizeof(tls_keylog_rows[0]) };

void
tls_keylog_limits_default(struct tls_keylog_limits *out)
{
	out->max_entries = 1u << 16;
	out->ttl_sec = 600;
}

const char *
tls_keylog_label_name(enum tls_keylog_label label)
{
	for (size_t i = 0; i < TLS_KEYLOG_ROWS; i++)
		if (tls_keylog_rows[i].label == (int)label)
			return tls_keylog_rows[i].name;
	return "?";
}

/* ---- hash: SipHash-2-4 (Aumasson and Bernstein) over the 32-byte key and the kind */

static inline uint64_t
tls_keylog_rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define TLS_KEYLOG_SIPROUND(v0, v1, v2, v3)                                                   \
	do {                                                                                   \
		v0 += v1, v1 = tls_keylog_rotl(v1, 13), v1 ^= v0, v0 = tls_keylog_rotl(v0, 32); \
		v2 += v3, v3 = tls_keylog_rotl(v3, 16), v3 ^= v2;                              \
		v0 += v3, v3 = tls_keylog_rotl(v3, 21), v3 ^= v0;                              \
		v2 += v1, v1 = tls_keylog_rotl(v1, 17), v1 ^= v2, v2 = tls_keylog_rotl(v2, 32); \
	} while (0)

/*
 * Client randoms are chosen by clients, so an unkeyed hash would let one
 * client pile entries into one chain; a keyed PRF does not.
 */
static uint32_t
tls_keylog_bucket(const struct tls_keylog *kl, uint8_t kind, const uint8_t key[TLS_KEYLOG_RANDOM_LEN])
{
	uint64_t v0 = kl->sipkey[0] ^ 0x736f6d6570736575ull;
	uint64_t v1 = kl->sipkey[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = kl->sipkey[0] ^ 0x6c7967656e657261ull;
	uint64_t v3 = kl->sipkey[1] ^ 0x7465646279746573ull;
	struct rd r = rd_make(key, TLS_KEYLOG_RANDOM_LEN);

	for (int i = 0; i < 5; i++) {
		/* Four key words, then the final word: length 33 in the top byte, kind. */
		uint64_t m = i < 4 ? rd_u64(&r) : ((uint64_t)33 << 56) | kind;
		v3 ^= m;
		TLS_KEYLOG_SIPROUND(v0, v1, v2, v3);
		TLS_KEYLOG_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		TLS_KEYLOG_SIPROUND(v0, v1, v2, v3);
	return (uint32_t)(v0 ^ v1 ^ v2 ^ v3) & (kl->nbuckets - 1);
}

/* ---- entries */

static inline struct tls_keylog_entry *
tls_keylog_entry(const struct tls_keylog *kl, uint32_t idx)
{
	return &kl->ent[idx / TLS_KEYLOG_CHUNK][idx % TLS_KEYLOG_CHUNK];
}

/* Items in chunk c of a pool of total items cut in chunks of per: the last one may be short. */
static inline uint32_t
tls_keylog_chunk_len(uint32_t total, uint32_t per, uint32_t c)
{
	uint32_t left = total - c * per;
	return left < per ? left : per;
}

/* The TLS_KEYLOG_SECRET_MAX bytes of pool slot s. */
static inline uint8_t *
tls_keylog_slot(const struct tls_keylog *kl, uint32_t s)
{
	return kl->sec[s / TLS_KEYLOG_SLOT_CHUNK] +
	       (size_t)(s % TLS_KEYLOG_SLOT_CHUNK) * TLS_KEYLOG_SECRET_MAX;
}

static inline uint32_t *
tls_keylog_slot_next(const struct tls_keylog *kl, uint32_t s)
{
	return &kl->slot_next[s / TLS_KEYLOG_SLOT_CHUNK][s % TLS_KEYLOG_SLOT_CHUNK];
}

static inline size_t
tls_keylog_slot_chunk_bytes(const struct tls_keylog *kl, uint32_t c)
{
	return (size_t)tls_keylog_chunk_len(kl->max_slots, TLS_KEYLOG_SLOT_CHUNK, c) *
	       TLS_KEYLOG_SECRET_MAX;
}

/*
 * A free slot (all zeros): from the free list, else never used (allocating
 * its chunk). TLS_KEYLOG_NONE when a chunk cannot be allocated.
 */
static uint32_t
tls_keylog_slot_take(struct tls_keylog *kl)
{
	uint32_t s = kl->slot_free;
	if (s != TLS_KEYLOG_NONE) {
		kl->slot_free = *tls_keylog_slot_next(kl, s);
		*tls_keylog_slot_next(kl, s) = TLS_KEYLOG_NONE;
	} else {
		/* Cannot happen while each entry holds at most TLS_KEYLOG_SLOTS slots. */
		if (kl->slot_fresh >= kl->max_slots)
			return TLS_KEYLOG_NONE;
		uint32_t c = kl->slot_fresh / TLS_KEYLOG_SLOT_CHUNK;
		if (!kl->sec[c]) {
			uint32_t n = tls_keylog_chunk_len(kl->max_slots, TLS_KEYLOG_SLOT_CHUNK, c);
			uint32_t *next = malloc(sizeof(*next) * n);
			uint8_t *sec = tls_secmem_alloc(tls_keylog_slot_chunk_bytes(kl, c));
			if (!next || !sec) {
				free(next);
				tls_secmem_free(sec, tls_keylog_slot_chunk_bytes(kl, c));
				return TLS_KEYLOG_NONE;
			}
			kl->sec[c] = sec;
			kl->slot_next[c] = next;
		}
		s = kl->slot_fresh++;
		*tls_keylog_slot_next(kl, s) = TLS_KEYLOG_NONE;
	}
	kl->st.slots++;
	return s;
}

/* Wipes slot s and puts it on the free list. */
static void
tls_keylog_slot_release(struct tls_keylog *kl, uint32_t s)
{
	OPENSSL_cleanse(tls_keylog_slot(kl, s), TLS_KEYLOG_SECRET_MAX);
	*tls_keylog_slot_next(kl, s) = kl->slot_free;
	kl->slot_free = s;
	kl->st.slots--;
}

struct tls_keylog *
tls_keylog_new(const struct tls_keylog_limits *limits)
{
	struct tls_keylog *kl = calloc(1, sizeof(*kl));
	if (!kl)
		return NULL;
	if (limits)
		kl->lim = *limits;
	else
		tls_keylog_limits_default(&kl->lim);
	if (kl->lim.max_entries == 0 || kl->lim.max_entries > TLS_KEYLOG_ENTRIES_MAX)
		goto fail;
	kl->nbuckets = 1;
	while (kl->nbuckets < kl->lim.max_entries)
		kl->nbuckets <<= 1;
	kl->nchunks = (kl->lim.max_entries + TLS_KEYLOG_CHUNK - 1) / TLS_KEYLOG_CHUNK;
	/* At most 2^26 * 7 slots: fits 32 bits. */
	kl->max_slots = kl->lim.max_entries * TLS_KEYLOG_SLOTS;
	kl->nslot_chunks = (kl->max_slots + TLS_KEYLOG_SLOT_CHUNK - 1) / TLS_KEYLOG_SLOT_CHUNK;
	kl->buckets = calloc(kl->nbuckets, sizeof(*kl->buckets));
	kl->ent = calloc(kl->nchunks, sizeof(*kl->ent));
	kl->sec = calloc(kl->nslot_chunks, sizeof(*kl->sec));
	kl->slot_next = calloc(kl->nslot_chunks, sizeof(*kl->slot_next));
	if (!kl->buckets || !kl->ent || !kl->sec || !kl->slot_next)
		goto fail;
	if (!base_seed(kl->sipkey, sizeof(kl->sipkey)))
		goto fail;
	kl->oldest = kl->newest = TLS_KEYLOG_NONE;
	kl->slot_free = TLS_KEYLOG_NONE;
	return kl;
fail:
	tls_keylog_free(kl);
	return NULL;
}

void
tls_keylog_free(struct tls_keylog *kl)
{
	if (!kl)
		return;
	for (uint32_t c = 0; kl->ent && c < kl->nchunks; c++) {
		free(kl->ent[c]);
		kl->ent[c] = NULL;
	}
	/* tls_secmem_free cleanses the secrets, in use or not. */
	for (uint32_t c = 0; kl->sec && c < kl->nslot_chunks; c++) {
		tls_secmem_free(kl->sec[c], tls_keylog_slot_chunk_bytes(kl, c));
		kl->sec[c] = NULL;
	}
	for (uint32_t c = 0; kl->slot_next && c < kl->nslot_chunks; c++)
		free(kl->slot_next[c]);
	free(kl->ent);
	free(kl->sec);
	free(kl->slot_next);
	free(kl->buckets);
	free(kl);
}

void
tls_keylog_set_problem_fn(struct tls_keylog *kl, tls_keylog_problem_fn fn, void *ctx)
{
	kl->problem_fn = fn;
	kl->problem_ctx = ctx;
}

void
tls_keylog_set_added_fn(struct tls_keylog *kl, tls_keylog_added_fn fn, void *ctx)
{
	kl->added_fn = fn;
	kl->added_ctx = ctx;
}

const struct tls_keylog_stats *
tls_keylog_stats(const struct tls_keylog *kl)
{
	return &kl->st;
}

static uint32_t
tls_keylog_lookup(const struct tls_keylog *kl, uint8_t kind, const uint8_t key[TLS_KEYLOG_RANDOM_LEN])
{
	uint32_t i = tls_keylog_linked(kl->buckets[tls_keylog_bucket(kl, kind, key)]);
	while (i != TLS_KEYLOG_NONE) {
		const struct tls_keylog_entry *e = tls_keylog_entry(kl, i);
		if (e->kind == kind && memcmp(e->key, key, TLS_KEYLOG_RANDOM_LEN) == 0)
			return i;
		i = tls_keylog_linked(e->next);
	}
	return TLS_KEYLOG_NONE;
}

/* Unlinks entry idx from its chain and the age list, wipes and frees its slots, frees its index. */
static void
tls_keylog_remove(struct tls_keylog *kl, uint32_t idx)
{
	struct tls_keylog_entry *e = tls_keylog_entry(kl, idx);
	uint32_t *link = &kl->buckets[tls_keylog_bucket(kl, e->kind, e->key)];

	while (tls_keylog_linked(*link) != idx)
		link = &tls_keylog_entry(kl, tls_keylog_linked(*link))->next;
	*link = e->next;
	if (e->older != TLS_KEYLOG_NONE)
		tls_keylog_entry(kl, e->older)->newer = e->newer;
	else
		kl->oldest = e->newer;
	if (e->newer != TLS_KEYLOG_NONE)
		tls_keylog_entry(kl, e->newer)->older = e->older;
	else
		kl->newest = e->older;
	for (unsigned l = 0; l < TLS_KEYLOG_SLOTS; l++)
		if (e->present & (1u << l))
			tls_keylog_slot_release(kl, e->slot[l]);
	memset(e, 0, sizeof(*e));
	e->next = kl->free_head;
	kl->free_head = tls_keylog_link(idx);
	kl->st.entries--;
}

void
tls_keylog_expire(struct tls_keylog *kl, uint64_t now_sec)
{
	if (kl->lim.ttl_sec == 0)
		return;
	while (kl->oldest != TLS_KEYLOG_NONE) {
		const struct tls_keylog_entry *e = tls_keylog_entry(kl, kl->oldest);
		if (now_sec <= e->added || now_sec - e->added <= kl->lim.ttl_sec)
			break;
		tls_keylog_remove(kl, kl->oldest);
		kl->st.expired++;
	}
}

/*
 * An unused entry index: from the free list, else never used (allocating
 * its chunk), else the oldest entry, evicted. TLS_KEYLOG_NONE when a chunk
 * cannot be allocated.
 */
static uint32_t
tls_keylog_take(struct tls_keylog *kl)
{
	uint32_t idx = tls_keylog_linked(kl->free_head);
	if (idx != TLS_KEYLOG_NONE) {
		kl->free_head = tls_keylog_entry(kl, idx)->next;
		return idx;
	}
	if (kl->fresh < kl->lim.max_entries) {
		uint32_t c = kl->fresh / TLS_KEYLOG_CHUNK;
		if (!kl->ent[c]) {
			kl->ent[c] = calloc(tls_keylog_chunk_len(kl->lim.max_entries,
								 TLS_KEYLOG_CHUNK, c),
					    sizeof(*kl->ent[c]));
			if (!kl->ent[c])
				return TLS_KEYLOG_NONE;
		}
		return kl->fresh++;
	}
	idx = kl->oldest;
	tls_keylog_remove(kl, idx);
	kl->st.evictions++;
	kl->free_head = tls_keylog_entry(kl, idx)->next;
	return idx;
}

/* Stores one secret (validated by the caller) under (kind, key). */
static int
tls_keylog_put(struct tls_keylog *kl, uint8_t kind, const uint8_t key[TLS_KEYLOG_RANDOM_LEN],
	       unsigned label, const uint8_t *secret, size_t len, uint64_t now_sec)
{
	uint32_t idx = tls_keylog_lookup(kl, kind, key);
	struct tls_keylog_entry *e;
	bool created = idx == TLS_KEYLOG_NONE;

	if (created) {
		idx = tls_keylog_take(kl);
		if (idx == TLS_KEYLOG_NONE) {
			kl->st.nomem++;
			return TLSIPS_ENOMEM;
		}
		e = tls_keylog_entry(kl, idx);
		memcpy(e->key, key, TLS_KEYLOG_RANDOM_LEN);
		e->kind = kind;
		e->added = now_sec;
		e->present = 0;
		uint32_t b = tls_keylog_bucket(kl, kind, key);
		e->next = kl->buckets[b];
		kl->buckets[b] = tls_keylog_link(idx);
		e->newer = TLS_KEYLOG_NONE;
		e->older = kl->newest;
		if (kl->newest != TLS_KEYLOG_NONE)
			tls_keylog_entry(kl, kl->newest)->newer = idx;
		else
			kl->oldest = idx;
		kl->newest = idx;
		kl->st.entries++;
	}
	e = tls_keylog_entry(kl, idx);
	if (e->present & (1u << label)) {
		/* Same slot, wiped first: the new secret may be shorter. */
		kl->st.replaced++;
		OPENSSL_cleanse(tls_keylog_slot(kl, e->slot[label]), TLS_KEYLOG_SECRET_MAX);
	} else {
		uint32_t s = tls_keylog_slot_take(kl);
		if (s == TLS_KEYLOG_NONE) {
			/* No entry without a secret is left behind. */
			if (created)
				tls_keylog_remove(kl, idx);
			kl->st.nomem++;
			return TLSIPS_ENOMEM;
		}
		e->slot[label] = s;
		e->present |= (uint8_t)(1u << label);
	}
	memcpy(tls_keylog_slot(kl, e->slot[label]), secret, len);
	if (len == TLS_KEYLOG_SECRET_MAX)
		e->wide |= (uint8_t)(1u << label);
	else
		e->wide &= (uint8_t)~(1u << label);
	if (kl->st.entries > kl->st.entries_peak)
		kl->st.entries_peak = kl->st.entries;
	kl->st.secrets++;
	return TLSIPS_OK;
}

/* ---- parsing */

static inline bool
tls_keylog_is_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static void
tls_keylog_skip_space(struct rd *r)
{
	while (rd_left(r) > 0 && tls_keylog_is_space(rd_peek(r, 0)))
		rd_skip(r, 1);
}

/* The next run of non-blank bytes (empty at the end of the line). */
static struct view
tls_keylog_field(struct rd *r)
{
	size_t n = 0;
	tls_keylog_skip_space(r);
	while (n < rd_left(r) && !tls_keylog_is_space(rd_peek(r, n)))
		n++;
	return rd_bytes(r, n);
}

static const struct tls_keylog_row *
tls_keylog_row_of(struct view label)
{
	for (size_t i = 0; i < TLS_KEYLOG_ROWS; i++) {
		const char *name = tls_keylog_rows[i].name;
		if (strlen(name) == label.len && memcmp(name, label.ptr, label.len) == 0)
			return &tls_keylog_rows[i];
	}
	static const char *const later[] = { "CLIENT_TRAFFIC_SECRET_", "SERVER_TRAFFIC_SECRET_" };
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(later[i]);
		if (label.len <= n || memcmp(label.ptr, later[i], n) != 0)
			continue;
		size_t digits = 0;
		while (n + digits < label.len && label.ptr[n + digits] >= '0' &&
		       label.ptr[n + digits] <= '9')
			digits++;
		if (n + digits == label.len)
			return &tls_keylog_row_later_traffic;
	}
	return NULL;
}

/*
 * The three fields of an RFC 9850 section 2 line:
 *
 *   label SP client_random SP secret
 *   e.g. CLIENT_RANDOM 3f..(64 hex: 32 bytes).. 9a..(96 hex: 48 bytes)..
 *
 * On success the key (zero-padded to 32 bytes) and secret are decoded.
 */
static int
tls_keylog_parse(struct rd *r, const struct tls_keylog_row **out_row,
		 uint8_t out_key[TLS_KEYLOG_RANDOM_LEN], uint8_t out_secret[TLS_KEYLOG_SECRET_MAX],
		 size_t *out_len, const char **out_problem)
{
	const struct tls_keylog_row *row = tls_keylog_row_of(tls_keylog_field(r));
	*out_row = row;
	if (!row) {
		*out_problem = "unknown label";
		return TLSIPS_EMALFORMED;
	}
	if (row->label < 0)
		return TLSIPS_OK;
	struct view key = tls_keylog_field(r);
	struct view sec = tls_keylog_field(r);
	if (key.len == 0) {
		*out_problem = "client random missing";
		return TLSIPS_EMALFORMED;
	}
	if (key.len != 2u * row->key_len) {
		*out_problem = row->label == TLS_KEYLOG_RSA ?
				       "encrypted pre-master secret prefix is not 16 hex digits" :
				       "client random is not 64 hex digits";
		return TLSIPS_EMALFORMED;
	}
	memset(out_key, 0, TLS_KEYLOG_RANDOM_LEN);
	if (num_parse_hex((const char *)key.ptr, key.len, out_key, row->key_len) != TLSIPS_OK) {
		*out_problem = "client random has a non-hex character";
		return TLSIPS_EMALFORMED;
	}
	if (sec.len == 0) {
		*out_problem = "secret missing";
		return TLSIPS_EMALFORMED;
	}
	if (sec.len != 2u * row->len_a && sec.len != 2u * row->len_b) {
		*out_problem = "secret has the wrong length for its label";
		return TLSIPS_EMALFORMED;
	}
	*out_len = sec.len / 2;
	if (num_parse_hex((const char *)sec.ptr, sec.len, out_secret, *out_len) != TLSIPS_OK) {
		*out_problem = "secret has a non-hex character";
		return TLSIPS_EMALFORMED;
	}
	if (tls_keylog_field(r).len != 0) {
		*out_problem = "unexpected field after the secret";
		return TLSIPS_EMALFORMED;
	}
	return TLSIPS_OK;
}

int
tls_keylog_add_line(struct tls_keylog *kl, const char *line, size_t len, uint64_t now_sec,
		    const char **out_problem)
{
	const char *problem = NULL;
	const struct tls_keylog_row *row = NULL;
	uint8_t key[TLS_KEYLOG_RANDOM_LEN];
	uint8_t secret[TLS_KEYLOG_SECRET_MAX];
	size_t secret_len = 0;
	int rc = TLSIPS_OK;

	kl->st.lines++;
	/* RFC 9850 section 2: lines end with LF; a CR before it is tolerated. */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > TLS_KEYLOG_LINE_MAX) {
		problem = "line too long";
		rc = TLSIPS_EMALFORMED;
		goto out;
	}
	struct rd r = rd_make(line, len);
	tls_keylog_skip_space(&r);
	if (rd_left(&r) == 0 || rd_peek(&r, 0) == '#') {
		kl->st.ignored++;
		goto out;
	}
	rc = tls_keylog_parse(&r, &row, key, secret, &secret_len, &problem);
	if (rc != TLSIPS_OK)
		goto out;
	if (row->label < 0) {
		kl->st.ignored++;
		goto out;
	}
	tls_keylog_expire(kl, now_sec);
	if (row->label == TLS_KEYLOG_RSA)
		rc = tls_keylog_put(kl, TLS_KEYLOG_KIND_RSA, key, 0, secret, secret_len, now_sec);
	else
		rc = tls_keylog_put(kl, TLS_KEYLOG_KIND_RANDOM, key, (unsigned)row->label, secret,
				    secret_len, now_sec);
	if (rc == TLSIPS_ENOMEM)
		problem = "out of memory, secret dropped";
	else if (kl->added_fn)
		kl->added_fn(kl->added_ctx, key, (enum tls_keylog_label)row->label);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc == TLSIPS_EMALFORMED)
		kl->st.malformed++;
	if (out_problem)
		*out_problem = problem;
	return rc;
}

size_t
tls_keylog_add_text(struct tls_keylog *kl, struct tls_keylog_src *src, const char *text,
		    size_t len, bool at_end, uint64_t now_sec)
{
	struct rd r = rd_make(text, len);

	while (rd_left(&r) > 0) {
		const uint8_t *lf = memchr(r.pos, '\n', rd_left(&r));
		if (!lf && !at_end)
			break;
		struct view line = rd_bytes(&r, lf ? (size_t)(lf - r.pos) : rd_left(&r));
		if (lf)
			rd_skip(&r, 1);
		const char *problem = NULL;
		src->line++;
		int rc = tls_keylog_add_line(kl, (const char *)line.ptr, line.len, now_sec, &problem);
		if (rc != TLSIPS_OK && kl->problem_fn)
			kl->problem_fn(kl->problem_ctx, src->name, src->line, problem);
	}
	return len - rd_left(&r);
}

/* ---- lookups */

static bool
tls_keylog_copy(struct tls_keylog *kl, uint8_t kind, const uint8_t key[TLS_KEYLOG_RANDOM_LEN],
		unsigned label, uint8_t *out, size_t *out_len)
{
	kl->st.lookups++;
	uint32_t idx = tls_keylog_lookup(kl, kind, key);
	if (idx == TLS_KEYLOG_NONE)
		return false;
	const struct tls_keylog_entry *e = tls_keylog_entry(kl, idx);
	if (!(e->present & (1u << label)))
		return false;
	size_t len = (e->wide & (1u << label)) ? TLS_KEYLOG_SECRET_MAX : TLS_KEYLOG_SECRET_SHORT;
	memcpy(out, tls_keylog_slot(kl, e->slot[label]), len);
	*out_len = len;
	kl->st.hits++;
	return true;
}

bool
tls_keylog_find(struct tls_keylog *kl, const uint8_t client_random[TLS_KEYLOG_RANDOM_LEN],
		enum tls_keylog_label label, uint8_t out_secret[TLS_KEYLOG_SECRET_MAX],
		size_t *out_len)
{
	if ((unsigned)label >= TLS_KEYLOG_SLOTS)
		return false;
	return tls_keylog_copy(kl, TLS_KEYLOG_KIND_RANDOM, client_random, (unsigned)label,
			       out_secret, out_len);
}

static void
tls_keylog_rsa_key(const uint8_t prefix[TLS_KEYLOG_RSA_KEY_LEN], uint8_t out_key[TLS_KEYLOG_RANDOM_LEN])
{
	memset(out_key, 0, TLS_KEYLOG_RANDOM_LEN);
	memcpy(out_key, prefix, TLS_KEYLOG_RSA_KEY_LEN);
}

bool
tls_keylog_find_rsa(struct tls_keylog *kl, const uint8_t enc_pms_prefix[TLS_KEYLOG_RSA_KEY_LEN],
		    uint8_t out_pms[TLS_KEYLOG_SECRET_MAX])
{
	uint8_t key[TLS_KEYLOG_RANDOM_LEN];
	size_t len;
	tls_keylog_rsa_key(enc_pms_prefix, key);
	return tls_keylog_copy(kl, TLS_KEYLOG_KIND_RSA, key, 0, out_pms, &len);
}

unsigned
tls_keylog_labels(const struct tls_keylog *kl, const uint8_t client_random[TLS_KEYLOG_RANDOM_LEN])
{
	uint32_t idx = tls_keylog_lookup(kl, TLS_KEYLOG_KIND_RANDOM, client_random);
	if (idx == TLS_KEYLOG_NONE)
		return 0;
	/* Slots are numbered as the labels they hold. */
	return tls_keylog_entry(kl, idx)->present;
}

bool
tls_keylog_forget(struct tls_keylog *kl, const uint8_t client_random[TLS_KEYLOG_RANDOM_LEN])
{
	uint32_t idx = tls_keylog_lookup(kl, TLS_KEYLOG_KIND_RANDOM, client_random);
	if (idx == TLS_KEYLOG_NONE)
		return false;
	tls_keylog_remove(kl, idx);
	kl->st.forgotten++;
	return true;
}

bool
tls_keylog_forget_rsa(struct tls_keylog *kl, const uint8_t enc_pms_prefix[TLS_KEYLOG_RSA_KEY_LEN])
{
	uint8_t key[TLS_KEYLOG_RANDOM_LEN];
	tls_keylog_rsa_key(enc_pms_prefix, key);
	uint32_t idx = tls_keylog_lookup(kl, TLS_KEYLOG_KIND_RSA, key);
	if (idx == TLS_KEYLOG_NONE)
		return false;
	tls_keylog_remove(kl, idx);
	kl->st.forgotten++;
	return true;
}

/* ---- reading files */

/*
 * Bytes read from a key log and not yet made into lines. The buffer holds
 * secrets as text, so it is secure memory and consumed bytes are wiped.
 */
struct tls_keylog_reader {
	char *buf;         /* TLS_KEYLOG_READ_BUF bytes */
	size_t len;
	bool skipping;     /* inside a line already reported as too long: drop to its LF */
};

static int
tls_keylog_reader_init(struct tls_keylog_reader *rb)
{
	rb->buf = tls_secmem_alloc(TLS_KEYLOG_READ_BUF);
	rb->len = 0;
	rb->skipping = false;
	return rb->buf ? TLSIPS_OK : TLSIPS_ENOMEM;
}

static void
tls_keylog_reader_reset(struct tls_keylog_reader *rb)
{
	OPENSSL_cleanse(rb->buf, rb->len);
	rb->len = 0;
	rb->skipping = false;
}

static void
tls_keylog_reader_fini(struct tls_keylog_reader *rb)
{
	tls_secmem_free(rb->buf, TLS_KEYLOG_READ_BUF);
	rb->buf = NULL;
	rb->len = 0;
}

/* Drops the first n buffered bytes, wiping what moves out of use. */
static void
tls_keylog_reader_consume(struct tls_keylog_reader *rb, size_t n)
{
	size_t rest = rb->len - n;
	memmove(rb->buf, rb->buf + n, rest);
	OPENSSL_cleanse(rb->buf + rest, rb->len - rest);
	rb->len = rest;
}

/* Makes lines of what is buffered; a line that fills the buffer is too long. */
static void
tls_keylog_reader_lines(struct tls_keylog_reader *rb, struct tls_keylog *kl,
			struct tls_keylog_src *src, uint64_t now_sec)
{
	if (rb->skipping) {
		const char *lf = memchr(rb->buf, '\n', rb->len);
		if (!lf) {
			tls_keylog_reader_consume(rb, rb->len);
			return;
		}
		tls_keylog_reader_consume(rb, (size_t)(lf - rb->buf) + 1);
		rb->skipping = false;
	}
	tls_keylog_reader_consume(rb, tls_keylog_add_text(kl, src, rb->buf, rb->len, false, now_sec));
	if (rb->len == TLS_KEYLOG_READ_BUF) {
		/* No LF in a full buffer: report it once, then drop through its LF. */
		src->line++;
		kl->st.lines++;
		kl->st.malformed++;
		if (kl->problem_fn)
			kl->problem_fn(kl->problem_ctx, src->name, src->line, "line too long");
		tls_keylog_reader_consume(rb, rb->len);
		rb->skipping = true;
	}
}

/* Reads fd to its end (a regular file never blocks); adds the complete lines. */
static int
tls_keylog_reader_drain(struct tls_keylog_reader *rb, int fd, struct tls_keylog *kl,
			struct tls_keylog_src *src, uint64_t now_sec, uint64_t *out_bytes)
{
	for (;;) {
		ssize_t n = read(fd, rb->buf + rb->len, TLS_KEYLOG_READ_BUF - rb->len);
		if (n < 0 && errno == EINTR)
			continue;
		/* A FIFO opened by the follower: nothing more for now. */
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return TLSIPS_OK;
		if (n < 0)
			return TLSIPS_ESYS;
		if (n == 0)
			return TLSIPS_OK;
		*out_bytes += (uint64_t)n;
		rb->len += (size_t)n;
		tls_keylog_reader_lines(rb, kl, src, now_sec);
	}
}

/* The piece after the last LF, at the end of a file: a line of its own. */
static void
tls_keylog_reader_flush(struct tls_keylog_reader *rb, struct tls_keylog *kl,
			struct tls_keylog_src *src, uint64_t now_sec)
{
	if (!rb->skipping)
		(void)tls_keylog_add_text(kl, src, rb->buf, rb->len, true, now_sec);
	tls_keylog_reader_reset(rb);
}

int
tls_keylog_add_file(struct tls_keylog *kl, const char *path, uint64_t now_sec,
		    uint64_t *out_malformed)
{
	struct tls_keylog_reader rb = { 0 };
	struct tls_keylog_src src = { path, 0 };
	uint64_t malformed0 = kl->st.malformed, bytes = 0;
	int fd = -1;
	int rc = tls_keylog_reader_init(&rb);

	if (rc != TLSIPS_OK)
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = TLSIPS_ESYS;
		goto out;
	}
	rc = tls_keylog_reader_drain(&rb, fd, kl, &src, now_sec, &bytes);
	if (rc == TLSIPS_OK)
		tls_keylog_reader_flush(&rb, kl, &src, now_sec);
out:
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	tls_keylog_reader_fini(&rb);
	if (out_malformed)
		*out_malformed = kl->st.malformed - malformed0;
	return rc;
}

/* ---- following a file */

struct tls_keylog_follow {
	struct tls_keylog *kl;             /* borrowed */
	char *path;
	int fd;                            /* -1 until the file is there */
	dev_t dev;                         /* identity of the open file, to see rotation */
	ino_t ino;
	off_t off;                         /* bytes read from fd */
	struct tls_keylog_reader rb;
	struct tls_keylog_src src;
	struct tls_keylog_follow_stats st;
};

struct tls_keylog_follow *
tls_keylog_follow_new(struct tls_keylog *kl, const char *path)
{
	struct tls_keylog_follow *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->kl = kl;
	f->fd = -1;
	f->path = strdup(path);
	if (!f->path || tls_keylog_reader_init(&f->rb) != TLSIPS_OK) {
		tls_keylog_follow_free(f);
		return NULL;
	}
	f->src.name = f->path;
	return f;
}

static void
tls_keylog_follow_close(struct tls_keylog_follow *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->off = 0;
	f->src.line = 0;
	tls_keylog_reader_reset(&f->rb);
}

void
tls_keylog_follow_free(struct tls_keylog_follow *f)
{
	if (!f)
		return;
	if (f->rb.buf)
		tls_keylog_follow_close(f);
	tls_keylog_reader_fini(&f->rb);
	free(f->path);
	f->path = NULL;
	free(f);
}

const struct tls_keylog_follow_stats *
tls_keylog_follow_stats(const struct tls_keylog_follow *f)
{
	return &f->st;
}

static int
tls_keylog_follow_open(struct tls_keylog_follow *f)
{
	struct stat st;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		f->st.open_failures++;
		return TLSIPS_ESYS;
	}
	if (fstat(fd, &st) != 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		f->st.open_failures++;
		return TLSIPS_ESYS;
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->off = 0;
	f->src.line = 0;
	return TLSIPS_OK;
}

static int
tls_keylog_follow_read(struct tls_keylog_follow *f, uint64_t now_sec)
{
	uint64_t bytes = 0;
	int rc = tls_keylog_reader_drain(&f->rb, f->fd, f->kl, &f->src, now_sec, &bytes);
	f->off += (off_t)bytes;
	f->st.bytes += bytes;
	return rc;
}

int
tls_keylog_follow_poll(struct tls_keylog_follow *f, uint64_t now_sec)
{
	struct stat st;

	if (f->fd < 0 && tls_keylog_follow_open(f) != TLSIPS_OK)
		return TLSIPS_ESYS;
	/*
	 * A regular file shrunk below what we read: truncated (e.g. logrotate's
	 * copytruncate); start over. (A FIFO has no size to compare.)
	 */
	if (fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < f->off) {
		f->st.truncations++;
		tls_keylog_reader_reset(&f->rb);
		f->src.line = 0;
		f->off = 0;
		if (lseek(f->fd, 0, SEEK_SET) != 0)
			return TLSIPS_ESYS;
	}
	if (tls_keylog_follow_read(f, now_sec) != TLSIPS_OK)
		return TLSIPS_ESYS;
	/*
	 * The path names another file: rotated. What the old file held is read
	 * (above), its last piece taken as a line; then the new file is read.
	 */
	if (stat(f->path, &st) == 0 && (st.st_dev != f->dev || st.st_ino != f->ino)) {
		tls_keylog_reader_flush(&f->rb, f->kl, &f->src, now_sec);
		tls_keylog_follow_close(f);
		f->st.reopens++;
		if (tls_keylog_follow_open(f) != TLSIPS_OK)
			return TLSIPS_ESYS;
		if (tls_keylog_follow_read(f, now_sec) != TLSIPS_OK)
			return TLSIPS_ESYS;
	}
	return TLSIPS_OK;
}
