/*
 * keylog_store_bench: the key log store (src/tls/tls_keylog.h) with
 * 1,000,000 entries: add rate, lookup cost and memory per entry.
 *
 *   keylog_store_bench [tls12|tls13] [secure|plain] [ENTRIES] [HEAP_MIB]
 *
 * tls12: one CLIENT_RANDOM line (48-byte master secret) per entry.
 * tls13: five lines per entry (CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET,
 *        CLIENT/SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET; 32 bytes each, as
 *        with TLS_AES_128_GCM_SHA256), as OpenSSL logs a TLS 1.3 handshake.
 * secure: tls_secmem_init(HEAP_MIB, default 512) first, so the secrets go
 *        to OpenSSL's secure heap (mlock2 MLOCK_ONFAULT: pages become
 *        resident when written, so RSS growth counts them; the secure heap's
 *        share is also read from CRYPTO_secure_used()).
 * plain:  tls_secmem_init() with a heap too small for a chunk of secrets, so
 *        every chunk falls back to plain memory and RSS shows everything.
 *
 * Lines go through tls_keylog_add_line (parsing included), made in batches
 * of 4096 in a reused buffer outside the timed part. Lookups are
 * tls_keylog_find in random order: every entry once (hits), then as many
 * client randoms that were never added (misses). Then 10 % more entries are
 * added past max_entries, each evicting the oldest.
 *
 * Prints key=value lines (read by bench/run_keylog.sh). Memory: VmRSS from
 * /proc/self/status before the store is made and after it is full.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "tls/tls_keylog.h"
#include "tls/tls_secret.h"

enum { BATCH = 4096, LINE_MAX_LEN = 200 };

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Client random number i of stream `stream` (0: added, 1: never added). */
static void
make_random(uint64_t stream, uint64_t i, uint8_t out[32])
{
	uint64_t s = (stream << 40) ^ (i * 0x2545f4914f6cdd1dULL) ^ 0x5eedULL;
	for (int w = 0; w < 4; w++) {
		uint64_t v = splitmix(&s);
		memcpy(out + 8 * w, &v, 8);
	}
}

static char *
hex(char *p, const uint8_t *b, size_t n)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		*p++ = d[b[i] >> 4];
		*p++ = d[b[i] & 15];
	}
	return p;
}

static double
now_s(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A field of /proc/self/status in kB. */
static long
status_kb(const char *field)
{
	char line[256];
	long v = -1;
	size_t fl = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
			v = strtol(line + fl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static const char *const labels13[] = {
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
	"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
};

struct batch {
	char *text;        /* lines, NUL-separated */
	size_t *off, *len;
	size_t n;
};

/* Lines for entries [first, first + count) into b. */
static void
make_batch(struct batch *b, int tls13, uint64_t first, uint64_t count)
{
	char *p = b->text;
	b->n = 0;
	for (uint64_t i = first; i < first + count; i++) {
		uint8_t cr[32], sec[48];
		uint64_t s = i ^ 0xabcdef;
		make_random(0, i, cr);
		for (int w = 0; w < 6; w++) {
			uint64_t v = splitmix(&s);
			memcpy(sec + 8 * w, &v, 8);
		}
		int nl = tls13 ? 5 : 1;
		for (int l = 0; l < nl; l++) {
			char *start = p;
			const char *lab = tls13 ? labels13[l] : "CLIENT_RANDOM";
			size_t ll = strlen(lab);
			memcpy(p, lab, ll);
			p += ll;
			*p++ = ' ';
			p = hex(p, cr, 32);
			*p++ = ' ';
			sec[0] = (uint8_t)l; /* a different secret per label */
			p = hex(p, sec, tls13 ? 32 : 48);
			b->off[b->n] = (size_t)(start - b->text);
			b->len[b->n] = (size_t)(p - start);
			b->n++;
			*p++ = '\0';
		}
	}
}

/* Adds entries [first, first + count); returns the seconds spent in tls_keylog_add_line. */
static double
add_entries(struct tls_keylog *kl, struct batch *b, int tls13, uint64_t first, uint64_t count,
	    double *cpu)
{
	double wall = 0, c = 0;
	for (uint64_t i = first; i < first + count; i += BATCH) {
		uint64_t n = first + count - i < BATCH ? first + count - i : BATCH;
		make_batch(b, tls13, i, n);
		double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
		for (size_t k = 0; k < b->n; k++) {
			const char *problem = NULL;
			if (tls_keylog_add_line(kl, b->text + b->off[k], b->len[k], 1000, &problem) != 0) {
				fprintf(stderr, "add failed at entry %llu: %s\n",
					(unsigned long long)i, problem ? problem : "no memory");
				exit(1);
			}
		}
		wall += now_s(CLOCK_MONOTONIC) - t0;
		c += now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	}
	*cpu = c;
	return wall;
}

/* Mean ns per tls_keylog_find over queries (random order); returns the hit count. */
static uint64_t
lookups(struct tls_keylog *kl, const uint8_t (*q)[32], uint64_t n, int tls13, double *ns)
{
	uint64_t hits = 0;
	uint8_t secret[TLS_KEYLOG_SECRET_MAX];
	size_t len;
	enum tls_keylog_label lab = tls13 ? TLS_KEYLOG_SERVER_TRAFFIC_SECRET_0 : TLS_KEYLOG_CLIENT_RANDOM;
	double t0 = now_s(CLOCK_MONOTONIC);
	for (uint64_t i = 0; i < n; i++)
		hits += tls_keylog_find(kl, q[i], lab, secret, &len);
	*ns = (now_s(CLOCK_MONOTONIC) - t0) * 1e9 / (double)n;
	OPENSSL_cleanse(secret, sizeof(secret));
	return hits;
}

int
main(int argc, char **argv)
{
	int tls13 = argc > 1 && strcmp(argv[1], "tls13") == 0;
	int secure = !(argc > 2 && strcmp(argv[2], "plain") == 0);
	uint64_t n = argc > 3 ? strtoull(argv[3], NULL, 10) : 1000000;
	size_t heap_mib = argc > 4 ? strtoull(argv[4], NULL, 10) : 512;
	int lines_per = tls13 ? 5 : 1;
	size_t secret_bytes = tls13 ? 5 * 32 : 48; /* what the key log really holds per entry */

	if (n == 0 || n > TLS_KEYLOG_ENTRIES_MAX)
		return 2;

	/*
	 * plain: a 4 KiB arena (smaller than one chunk of secrets: every chunk
	 * falls back to ordinary memory, counted by tls_secmem_fallbacks).
	 */
	long rss_init0 = status_kb("VmRSS");
	tls_secmem_init(secure ? heap_mib << 20 : 4096);
	long lck_kb = status_kb("VmLck");
	/*
	 * OpenSSL 3 locks the arena with mlock2(MLOCK_ONFAULT) where it can:
	 * its pages become resident (and locked) when first written, so RSS
	 * growth counts the secrets too. Were the whole arena resident at once
	 * (plain mlock), RSS would jump here and the secure share is added
	 * from CRYPTO_secure_used() below instead.
	 */
	long rss_init1 = status_kb("VmRSS");
	int arena_resident = secure && (size_t)(rss_init1 - rss_init0) * 1024 >= (heap_mib << 20) / 2;

	/* Warm-up: OpenSSL's DRBG and providers load on the first store (RAND_bytes). */
	struct tls_keylog_limits lim1 = { .max_entries = 1, .ttl_sec = 0 };
	tls_keylog_free(tls_keylog_new(&lim1));

	struct batch b;
	b.text = malloc((size_t)BATCH * 5 * LINE_MAX_LEN);
	b.off = malloc(sizeof(size_t) * BATCH * 5);
	b.len = malloc(sizeof(size_t) * BATCH * 5);
	uint8_t (*q)[32] = malloc((size_t)n * 32);
	if (!b.text || !b.off || !b.len || !q)
		return 1;
	/*
	 * Touch the work buffers now so their pages are not counted as the
	 * store's (non-zero: malloc + memset(0) may become an untouching calloc).
	 */
	memset(b.text, 'x', (size_t)BATCH * 5 * LINE_MAX_LEN);
	memset(q, 0x55, (size_t)n * 32);

	long rss0 = status_kb("VmRSS");
	size_t sec0 = CRYPTO_secure_used();
	uint64_t fb0 = tls_secmem_fallbacks();

	struct tls_keylog_limits lim = { .max_entries = (uint32_t)n, .ttl_sec = 3600 };
	struct tls_keylog *kl = tls_keylog_new(&lim);
	if (!kl) {
		fprintf(stderr, "tls_keylog_new failed\n");
		return 1;
	}
	long rss_new = status_kb("VmRSS");

	double add_cpu;
	double add_wall = add_entries(kl, &b, tls13, 0, n, &add_cpu);
	long rss1 = status_kb("VmRSS");
	size_t sec1 = CRYPTO_secure_used();
	uint64_t fb1 = tls_secmem_fallbacks();
	const struct tls_keylog_stats *st = tls_keylog_stats(kl);
	uint64_t st_slots = st->slots;
	if (st->entries != n || st->malformed != 0) {
		fprintf(stderr, "store holds %llu entries, %llu malformed\n",
			(unsigned long long)st->entries, (unsigned long long)st->malformed);
		return 1;
	}

	/* Hits: every entry once, in a random order (Fisher-Yates on indices). */
	uint32_t *perm = malloc(sizeof(uint32_t) * n);
	if (!perm)
		return 1;
	uint64_t rs = 42;
	for (uint64_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = splitmix(&rs) % (i + 1);
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (uint64_t i = 0; i < n; i++)
		make_random(0, perm[i], q[i]);
	double hit_ns, miss_ns;
	uint64_t hits = lookups(kl, (const uint8_t (*)[32])q, n, tls13, &hit_ns);
	for (uint64_t i = 0; i < n; i++)
		make_random(1, i, q[i]);
	uint64_t false_hits = lookups(kl, (const uint8_t (*)[32])q, n, tls13, &miss_ns);
	/* Second pass over the hits, now that caches hold what they can. */
	for (uint64_t i = 0; i < n; i++)
		make_random(0, perm[i], q[i]);
	double hit2_ns;
	uint64_t hits2 = lookups(kl, (const uint8_t (*)[32])q, n, tls13, &hit2_ns);

	/* Past max_entries: each new entry evicts the oldest. */
	uint64_t extra = n / 10 ? n / 10 : 1;
	double ev_cpu;
	double ev_wall = add_entries(kl, &b, tls13, n, extra, &ev_cpu);
	uint64_t evictions = tls_keylog_stats(kl)->evictions;
	long rss2 = status_kb("VmRSS");

	/*
	 * Reference: one random 8-byte read in a buffer as big as the full
	 * store, same number of reads, each read's address depending on the
	 * previous read's value (so misses do not overlap): the price of one
	 * cache and TLB miss on this machine. A hit touches at least three
	 * such places (bucket, entry, secret), a miss one or two.
	 */
	size_t refsz = (size_t)(rss1 - rss0) * 1024;
	double ref_ns = -1;
	uint64_t *ref = refsz >= 8 ? malloc(refsz) : NULL;
	if (ref) {
		size_t words = refsz / 8;
		/* Non-zero: malloc + memset(0) may become calloc, leaving the pages untouched. */
		memset(ref, 1, refsz);
		uint64_t sum = 0;
		double t0 = now_s(CLOCK_MONOTONIC);
		for (uint64_t i = 0; i < n; i++)
			sum = ref[(((uint64_t)perm[i] * 0x9e3779b97f4a7c15ULL >> 11) ^ sum) % words];
		ref_ns = (now_s(CLOCK_MONOTONIC) - t0) * 1e9 / (double)n;
		if (sum == 42) /* keep the loop */
			puts("");
		free(ref);
	}

	double plain_b = (double)(rss1 - rss0) * 1024.0 / (double)n;
	double sec_b = (double)(sec1 - sec0) / (double)n;
	/* RSS growth, plus the secrets when their pages were resident before the store existed. */
	double total_b = arena_resident ? plain_b + sec_b : plain_b;

	printf("mode=%s\n", tls13 ? "tls13" : "tls12");
	printf("memory=%s\n", secure ? "secure" : "plain");
	printf("entries=%llu\n", (unsigned long long)n);
	printf("lines=%llu\n", (unsigned long long)(n * lines_per));
	printf("secure_heap_mib=%zu\n", secure ? heap_mib : 0);
	printf("vmlck_kb=%ld\n", lck_kb);
	printf("arena_resident_at_init=%d\n", arena_resident);
	printf("secmem_fallbacks=%llu\n", (unsigned long long)(fb1 - fb0));
	printf("add_wall_s=%.3f\n", add_wall);
	printf("add_cpu_s=%.3f\n", add_cpu);
	printf("add_lines_per_s=%.0f\n", (double)(n * lines_per) / add_wall);
	printf("add_entries_per_s=%.0f\n", (double)n / add_wall);
	printf("add_ns_per_line=%.0f\n", add_wall * 1e9 / (double)(n * lines_per));
	printf("lookup_hit_ns=%.1f\n", hit_ns);
	printf("lookup_hit_warm_ns=%.1f\n", hit2_ns);
	printf("lookup_miss_ns=%.1f\n", miss_ns);
	printf("ref_random_read_ns=%.1f\n", ref_ns);
	printf("lookup_hits=%llu\n", (unsigned long long)hits);
	printf("lookup_hits_second_pass=%llu\n", (unsigned long long)hits2);
	printf("lookup_false_hits=%llu\n", (unsigned long long)false_hits);
	printf("evict_lines_per_s=%.0f\n", (double)(extra * lines_per) / ev_wall);
	printf("evictions=%llu\n", (unsigned long long)evictions);
	printf("rss_before_kb=%ld\n", rss0);
	printf("rss_after_new_kb=%ld\n", rss_new);
	printf("rss_full_kb=%ld\n", rss1);
	printf("rss_after_evictions_kb=%ld\n", rss2);
	printf("secure_used_bytes=%zu\n", sec1 - sec0);
	printf("rss_growth_bytes_per_entry=%.1f\n", plain_b);
	printf("secure_bytes_per_entry=%.1f\n", sec_b);
	printf("total_bytes_per_entry=%.1f\n", total_b);
	printf("secret_bytes_per_entry=%zu\n", secret_bytes);
	printf("beyond_secrets_bytes_per_entry=%.1f\n", total_b - (double)secret_bytes);
	/* Secure-memory slots in use (one TLS_KEYLOG_SECRET_MAX-byte slot per secret held). */
	double slots_per = (double)st_slots / (double)n;
	printf("slots_per_entry=%.2f\n", slots_per);
	printf("beyond_slots_bytes_per_entry=%.1f\n",
	       total_b - slots_per * (double)TLS_KEYLOG_SECRET_MAX);
	printf("entry_overhead_declared=%d\n", (int)TLS_KEYLOG_ENTRY_OVERHEAD);

	tls_keylog_free(kl);
	free(perm);
	free(q);
	free(b.text);
	free(b.off);
	free(b.len);
	return (hits == n && hits2 == n && false_hits == 0 && evictions == extra) ? 0 : 1;
}
