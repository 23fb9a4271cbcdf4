/*
 * Fuzz target keylog_line: key log text, as from a file or a datagram.
 *
 * Each LF-separated line of the input goes to a small store through
 * tls_keylog_add_line (eight entries, ttl 5 s, the clock advancing one
 * second per input so eviction and expiry both happen); then the whole input
 * once more through tls_keylog_add_text split at a point chosen by its first
 * byte, the way a reader sees it. Every secret stored is looked up, labels
 * read and the entry forgotten, so ASan sees any bad slot arithmetic.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/num.h"
#include "tls/tls_keylog.h"

static struct tls_keylog *
fuzz_keylog_store(void)
{
	static struct tls_keylog *kl;
	if (!kl) {
		struct tls_keylog_limits lim = { 8, 5 };
		kl = tls_keylog_new(&lim);
	}
	return kl;
}

static void
fuzz_keylog_problem(void *ctx, const char *source, uint64_t line, const char *problem)
{
	(void)ctx, (void)source, (void)line;
	/* Touch the reason so a bad pointer faults here. */
	(void)strlen(problem);
}

/* A secret was stored: it must be there, under the label named. */
static void
fuzz_keylog_added(void *ctx, const uint8_t key[TLS_KEYLOG_RANDOM_LEN], enum tls_keylog_label label)
{
	uint8_t out[TLS_KEYLOG_SECRET_MAX];
	size_t out_len = 0;
	bool found = label == TLS_KEYLOG_RSA ? tls_keylog_find_rsa(ctx, key, out) :
					       tls_keylog_find(ctx, key, label, out, &out_len);
	if (!found)
		abort();
}

/* Looks up everything the line may have stored under its client random. */
static void
fuzz_keylog_probe(struct tls_keylog *kl, const uint8_t *d, size_t n)
{
	uint8_t key[TLS_KEYLOG_RANDOM_LEN] = { 0 };
	uint8_t out[TLS_KEYLOG_SECRET_MAX];
	size_t out_len;
	/* The 64 characters after the first space, decoded when they are hex. */
	const uint8_t *sp = memchr(d, ' ', n);
	size_t off = sp ? (size_t)(sp - d) + 1 : n;
	if (n - off >= 2 * sizeof(key))
		(void)num_parse_hex((const char *)d + off, 2 * sizeof(key), key, sizeof(key));
	unsigned mask = tls_keylog_labels(kl, key);
	for (int l = 0; l < TLS_KEYLOG_LABEL_COUNT; l++)
		if (tls_keylog_find(kl, key, (enum tls_keylog_label)l, out, &out_len) &&
		    (out_len > TLS_KEYLOG_SECRET_MAX || !(mask & TLS_KEYLOG_BIT(l))))
			abort();
	(void)tls_keylog_find_rsa(kl, key, out);
	if (n > 0 && (d[0] & 1))
		(void)tls_keylog_forget(kl, key);
}

int
fuzz_keylog_line(const uint8_t *d, size_t n)
{
	static uint64_t now;
	struct tls_keylog *kl = fuzz_keylog_store();
	if (!kl)
		abort();
	tls_keylog_set_problem_fn(kl, fuzz_keylog_problem, NULL);
	tls_keylog_set_added_fn(kl, fuzz_keylog_added, kl);
	now++;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && d[i] != '\n')
			continue;
		const char *problem = NULL;
		int rc = tls_keylog_add_line(kl, (const char *)d + start, i - start, now, &problem);
		if (rc != 0 && !problem)
			abort();
		fuzz_keylog_probe(kl, d + start, i - start);
		start = i + 1;
	}
	struct tls_keylog_src src = { "fuzz", 0 };
	size_t cut = n > 0 ? d[0] % (n + 1) : 0;
	size_t used = tls_keylog_add_text(kl, &src, (const char *)d, cut, false, now);
	if (used > cut)
		abort();
	used += tls_keylog_add_text(kl, &src, (const char *)d + used, n - used, true, now);
	if (used != n)
		abort();
	tls_keylog_expire(kl, now + 10);
	if (tls_keylog_stats(kl)->entries != 0)
		abort();
	return 0;
}

#ifdef TLSIPS_LIBFUZZER
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_keylog_line(data, len);
}
#endif
