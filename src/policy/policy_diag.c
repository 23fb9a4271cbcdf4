/*
 * policy_diag: messages about a policy file, "FILE:LINE:COL: error: ..."
 * (the format compilers use, so editors jump to the place), and the
 * "did you mean" suggestions for names that are almost right.
 */
#include <string.h>

#include "policy/policy_int.h"

static void
policy_diag_vemit(struct policy_diag *d, const char *level, uint32_t line, uint32_t col,
		  const char *hint, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static void
policy_diag_vemit(struct policy_diag *d, const char *level, uint32_t line, uint32_t col,
		  const char *hint, const char *fmt, va_list ap)
{
	uint32_t shown = d->errors + d->warnings;
	if (!d->out || shown > POLICY_DIAG_MAX)
		return;
	if (shown == POLICY_DIAG_MAX) {
		fprintf(d->out, "%s: more problems follow, not shown\n", d->file);
		return;
	}
	fprintf(d->out, "%s:%u:%u: %s: ", d->file, line, col, level);
	vfprintf(d->out, fmt, ap);
	if (hint)
		fprintf(d->out, " (hint: %s)", hint);
	fputc('\n', d->out);
}

void
policy_diag_error(struct policy_diag *d, uint32_t line, uint32_t col, const char *hint,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	policy_diag_vemit(d, "error", line, col, hint, fmt, ap);
	va_end(ap);
	d->errors++;
}

void
policy_diag_warn(struct policy_diag *d, uint32_t line, uint32_t col, const char *hint,
		 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	policy_diag_vemit(d, "warning", line, col, hint, fmt, ap);
	va_end(ap);
	d->warnings++;
}

void
policy_diag_at(struct policy_diag *d, const struct policy_node *n, const char *hint,
	       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	policy_diag_vemit(d, "error", n->line, n->col, hint, fmt, ap);
	va_end(ap);
	d->errors++;
}

/* Edit distance of two short words (longer ones never match: they are not typos). */
static size_t
policy_diag_distance(const char *a, const char *b)
{
	enum { W = 64 };
	size_t la = strlen(a), lb = strlen(b);
	if (la >= W || lb >= W)
		return W;
	size_t prev[W + 1], cur[W + 1];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t m = sub < del ? sub : del;
			cur[j] = m < ins ? m : ins;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

const char *
policy_diag_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3;
	size_t wl = strlen(word);
	for (size_t i = 0; i < n; i++) {
		size_t dist = policy_diag_distance(word, candidates[i]);
		/* "monitor" for "monitor-responses": a cut-short key is worth naming too. */
		if (dist >= best_d && wl >= 3 && strncmp(candidates[i], word, wl) == 0)
			dist = 2;
		if (dist < best_d) {
			best_d = dist;
			best = candidates[i];
		}
	}
	return best;
}

const char *
policy_diag_hint_mean(const char *word, const char *const *candidates, size_t n, char *buf,
		      size_t buflen)
{
	const char *s = policy_diag_suggest(word, candidates, n);
	if (!s)
		return NULL;
	snprintf(buf, buflen, "did you mean '%s'?", s);
	return buf;
}
