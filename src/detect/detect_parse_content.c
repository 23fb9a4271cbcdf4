/*
 * detect_parse_content: content and the options that modify the last one.
 *
 *   content:[!]"text|41 42|text";  escapes \" \; \\ \: outside |hex|
 *   nocase depth offset distance within startswith endswith rawbytes
 *   fast_pattern | fast_pattern:only | fast_pattern:OFF,LEN
 */
#include <stdlib.h>
#include <string.h>

#include "base/num.h"
#include "detect/detect_parse.h"

enum { DETECT_CONTENT_MAX = 16384 };

/* Decodes the inside of the quotes into out (at least len bytes); *out_len is set. */
static enum detect_parse_status
detect_content_decode(struct detect_pstate *ps, const char *s, size_t len, uint8_t *out,
		      uint32_t *out_len)
{
	uint32_t n = 0;
	bool hex = false;
	int hi = -1; /* first digit of a hex pair in progress */
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '|') {
			if (hex && hi >= 0)
				return detect_parse_err(ps, "content: odd number of hex digits");
			hex = !hex;
			continue;
		}
		if (hex) {
			if (c == ' ' || c == '\t')
				continue;
			int d = num_hex_digit(c);
			if (d < 0)
				return detect_parse_err(ps, "content: bad hex digit '%c'",
							c >= 0x20 && c < 0x7f ? c : '?');
			if (hi < 0) {
				hi = d;
			} else {
				out[n++] = (uint8_t)(hi << 4 | d);
				hi = -1;
			}
			continue;
		}
		if (c == '\\') {
			if (i + 1 >= len || (s[i + 1] != '"' && s[i + 1] != ';' && s[i + 1] != '\\' &&
					     s[i + 1] != ':'))
				return detect_parse_err(ps, "content: bad escape '\\%.1s'",
							i + 1 < len ? s + i + 1 : "");
			c = s[++i];
		} else if (c == '"') {
			return detect_parse_err(ps, "content: unescaped '\"' inside the pattern");
		}
		out[n++] = (uint8_t)c;
	}
	if (hex)
		return detect_parse_err(ps, "content: unterminated |hex| segment");
	*out_len = n;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_content(struct detect_pstate *ps, const char *v, size_t len)
{
	const char *in;
	size_t inlen;
	bool neg;
	enum detect_parse_status st = detect_parse_quoted(ps, v, len, true, &in, &inlen, &neg);
	if (st != DETECT_PARSE_OK)
		return st;
	if (inlen > DETECT_CONTENT_MAX)
		return detect_parse_err(ps, "content longer than %d bytes", DETECT_CONTENT_MAX);
	uint8_t *pat = malloc(inlen ? inlen : 1);
	if (!pat)
		return detect_parse_err(ps, "out of memory");
	uint32_t plen = 0;
	st = detect_content_decode(ps, in, inlen, pat, &plen);
	if (st == DETECT_PARSE_OK && plen == 0)
		st = detect_parse_err(ps, "empty content");
	struct detect_cond *c = st == DETECT_PARSE_OK ? detect_parse_cond_new(ps) : NULL;
	if (!c) {
		free(pat);
		return DETECT_PARSE_ERROR;
	}
	c->kind = DETECT_COND_CONTENT;
	c->buf = ps->sticky;
	c->u.content.pat = pat;
	c->u.content.len = plen;
	c->u.content.negated = neg;
	ps->last_content = ps->last_match = (int32_t)ps->r->n_conds;
	detect_parse_cond_commit(ps);
	return DETECT_PARSE_OK;
}

/* The content the current modifier applies to; NULL (error set) if none. */
static struct detect_content *
detect_parse_last_content(struct detect_pstate *ps)
{
	if (ps->last_content < 0) {
		detect_parse_err(ps, "%s needs a preceding content", ps->kw);
		return NULL;
	}
	return &ps->r->conds[ps->last_content].u.content;
}

enum detect_parse_status
detect_parse_nocase(struct detect_pstate *ps, const char *v, size_t len)
{
	(void)v, (void)len;
	struct detect_content *ct = detect_parse_last_content(ps);
	if (!ct)
		return DETECT_PARSE_ERROR;
	ct->nocase = true;
	return DETECT_PARSE_OK;
}

/* depth and offset: absolute positions, not with startswith. */
enum detect_parse_status
detect_parse_depth(struct detect_pstate *ps, const char *v, size_t len)
{
	struct detect_content *ct = detect_parse_last_content(ps);
	int32_t x;
	if (!ct || detect_parse_i32(ps, "depth", v, len, DETECT_PARSE_POS_MAX, &x) != 0)
		return DETECT_PARSE_ERROR;
	if (x < 0 || (uint32_t)x < ct->len)
		return detect_parse_err(ps, "depth %ld is smaller than the content (%u bytes)",
					(long)x, ct->len);
	if (ct->startswith || ct->has_depth || ct->has_within || ct->has_distance)
		return detect_parse_err(ps, "depth conflicts with startswith, distance, within or "
					    "another depth");
	ct->has_depth = true;
	ct->depth = x;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_offset(struct detect_pstate *ps, const char *v, size_t len)
{
	struct detect_content *ct = detect_parse_last_content(ps);
	int32_t x;
	if (!ct || detect_parse_i32(ps, "offset", v, len, DETECT_PARSE_POS_MAX, &x) != 0)
		return DETECT_PARSE_ERROR;
	if (x < 0)
		return detect_parse_err(ps, "offset cannot be negative");
	if (ct->startswith || ct->has_offset || ct->has_within || ct->has_distance)
		return detect_parse_err(ps, "offset conflicts with startswith, distance, within or "
					    "another offset");
	ct->has_offset = true;
	ct->offset = x;
	return DETECT_PARSE_OK;
}

/* distance and within: relative to the previous match in the same buffer. */
enum detect_parse_status
detect_parse_distance(struct detect_pstate *ps, const char *v, size_t len)
{
	struct detect_content *ct = detect_parse_last_content(ps);
	int32_t x;
	if (!ct || detect_parse_i32(ps, "distance", v, len, DETECT_PARSE_POS_MAX, &x) != 0)
		return DETECT_PARSE_ERROR;
	if (ct->has_distance || ct->has_depth || ct->has_offset || ct->startswith)
		return detect_parse_err(ps, "distance conflicts with depth, offset, startswith or "
					    "another distance");
	ct->has_distance = true;
	ct->distance = x;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_within(struct detect_pstate *ps, const char *v, size_t len)
{
	struct detect_content *ct = detect_parse_last_content(ps);
	int32_t x;
	if (!ct || detect_parse_i32(ps, "within", v, len, DETECT_PARSE_POS_MAX, &x) != 0)
		return DETECT_PARSE_ERROR;
	if (x < 0 || (uint32_t)x < ct->len)
		return detect_parse_err(ps, "within %ld is smaller than the content (%u bytes)",
					(long)x, ct->len);
	if (ct->has_within || ct->has_depth || ct->has_offset || ct->startswith)
		return detect_parse_err(ps, "within conflicts with depth, offset, startswith or "
					    "another within");
	ct->has_within = true;
	ct->within = x;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_startswith(struct detect_pstate *ps, const char *v, size_t len)
{
	(void)v, (void)len;
	struct detect_content *ct = detect_parse_last_content(ps);
	if (!ct)
		return DETECT_PARSE_ERROR;
	if (ct->has_depth || ct->has_offset || ct->has_distance || ct->has_within)
		return detect_parse_err(ps, "startswith conflicts with depth, offset, distance or "
					    "within");
	ct->startswith = true;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_endswith(struct detect_pstate *ps, const char *v, size_t len)
{
	(void)v, (void)len;
	struct detect_content *ct = detect_parse_last_content(ps);
	if (!ct)
		return DETECT_PARSE_ERROR;
	ct->endswith = true;
	return DETECT_PARSE_OK;
}

/* Raw stream bytes are what tlsips inspects anyway: accepted, no effect. */
enum detect_parse_status
detect_parse_rawbytes(struct detect_pstate *ps, const char *v, size_t len)
{
	(void)v, (void)len;
	return detect_parse_last_content(ps) ? DETECT_PARSE_OK : DETECT_PARSE_ERROR;
}

enum detect_parse_status
detect_parse_fast_pattern(struct detect_pstate *ps, const char *v, size_t len)
{
	struct detect_content *ct = detect_parse_last_content(ps);
	if (!ct)
		return DETECT_PARSE_ERROR;
	if (ct->negated)
		return detect_parse_err(ps, "fast_pattern on a negated content");
	ct->fast_pattern = true;
	if (!v)
		return DETECT_PARSE_OK;
	detect_parse_trim(&v, &len);
	if (detect_parse_is(v, len, "only")) {
		ct->fast_pattern_only = true;
		return DETECT_PARSE_OK;
	}
	const char *f;
	size_t fl;
	uint64_t off, n;
	if (!detect_parse_field(&v, &len, &f, &fl) ||
	    detect_parse_u64(ps, "offset", f, fl, 0, 65535, &off) != 0)
		return DETECT_PARSE_ERROR;
	if (!detect_parse_field(&v, &len, &f, &fl) || v != NULL)
		return detect_parse_err(ps, "fast_pattern takes 'only' or OFFSET,LENGTH");
	if (detect_parse_u64(ps, "length", f, fl, 1, 65535, &n) != 0)
		return DETECT_PARSE_ERROR;
	if (off + n > ct->len)
		return detect_parse_err(ps, "fast_pattern %llu,%llu is outside the content "
					    "(%u bytes)", (unsigned long long)off,
					(unsigned long long)n, ct->len);
	ct->fp_off = (uint32_t)off;
	ct->fp_len = (uint32_t)n;
	return DETECT_PARSE_OK;
}
