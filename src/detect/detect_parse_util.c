/* detect_parse_util: what every keyword handler of the rule parser shares. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/num.h"
#include "detect/detect_parse.h"

static void
detect_parse_set_keyword(struct detect_pstate *ps, const char *keyword)
{
	snprintf(ps->diag->keyword, sizeof(ps->diag->keyword), "%s", keyword ? keyword : "");
}

enum detect_parse_status
detect_parse_err(struct detect_pstate *ps, const char *fmt, ...)
{
	detect_parse_set_keyword(ps, ps->kw);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->diag->msg, sizeof(ps->diag->msg), fmt, ap);
	va_end(ap);
	return DETECT_PARSE_ERROR;
}

enum detect_parse_status
detect_parse_skip(struct detect_pstate *ps, const char *keyword, const char *fmt, ...)
{
	detect_parse_set_keyword(ps, keyword);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->diag->msg, sizeof(ps->diag->msg), fmt, ap);
	va_end(ap);
	return DETECT_PARSE_SKIPPED;
}

struct detect_cond *
detect_parse_cond_new(struct detect_pstate *ps)
{
	struct detect_rule *r = ps->r;
	if (r->n_conds >= DETECT_PARSE_CONDS_MAX) {
		detect_parse_err(ps, "more than %d conditions in one rule", DETECT_PARSE_CONDS_MAX);
		return NULL;
	}
	if (r->n_conds == ps->cap_conds) {
		uint32_t cap = ps->cap_conds ? ps->cap_conds * 2 : 8;
		struct detect_cond *c = realloc(r->conds, cap * sizeof(*c));
		if (!c) {
			detect_parse_err(ps, "out of memory");
			return NULL;
		}
		r->conds = c;
		ps->cap_conds = cap;
	}
	struct detect_cond *c = &r->conds[r->n_conds];
	memset(c, 0, sizeof(*c));
	return c;
}

void
detect_parse_cond_commit(struct detect_pstate *ps)
{
	ps->r->n_conds++;
}

void
detect_parse_trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

enum detect_parse_status
detect_parse_quoted(struct detect_pstate *ps, const char *v, size_t len, bool allow_neg,
		    const char **out, size_t *out_len, bool *negated)
{
	if (!v)
		return detect_parse_err(ps, "%s needs a value", ps->kw);
	detect_parse_trim(&v, &len);
	bool neg = false;
	if (len > 0 && v[0] == '!') {
		if (!allow_neg)
			return detect_parse_err(ps, "%s cannot be negated", ps->kw);
		neg = true;
		v++;
		len--;
		detect_parse_trim(&v, &len);
	}
	/* The closing quote must be the last byte and not itself escaped. */
	size_t bs = 0;
	for (size_t i = len >= 2 ? len - 1 : 0; i > 1 && v[i - 1] == '\\'; i--)
		bs++;
	if (len < 2 || v[0] != '"' || v[len - 1] != '"' || (bs & 1))
		return detect_parse_err(ps, "%s needs a value in double quotes", ps->kw);
	*out = v + 1;
	*out_len = len - 2;
	if (negated)
		*negated = neg;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_unescape(struct detect_pstate *ps, const char *s, size_t len, char **out)
{
	char *o = malloc(len + 1);
	if (!o)
		return detect_parse_err(ps, "out of memory");
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\\') {
			/* Rule writers escape more than the four that matter (ET writes
			 * "\/" in messages); the backslash is dropped either way. */
			if (i + 1 >= len || s[i + 1] == '\0') {
				free(o);
				return detect_parse_err(ps, "%s: bad escape '\\%.1s'", ps->kw,
							i + 1 < len ? s + i + 1 : "");
			}
			c = s[++i];
		} else if (c == '"') {
			free(o);
			return detect_parse_err(ps, "%s: unescaped '\"' inside the string", ps->kw);
		}
		o[n++] = c;
	}
	o[n] = '\0';
	*out = o;
	return DETECT_PARSE_OK;
}

bool
detect_parse_field(const char **s, size_t *len, const char **out, size_t *out_len)
{
	if (*s == NULL)
		return false;
	const char *comma = memchr(*s, ',', *len);
	size_t flen = comma ? (size_t)(comma - *s) : *len;
	*out = *s;
	*out_len = flen;
	detect_parse_trim(out, out_len);
	if (comma) {
		*len -= flen + 1;
		*s = comma + 1;
	} else {
		*s = NULL;
		*len = 0;
	}
	return true;
}

bool
detect_parse_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

enum detect_parse_status
detect_parse_u64(struct detect_pstate *ps, const char *what, const char *s, size_t len,
		 uint64_t min, uint64_t max, uint64_t *out)
{
	detect_parse_trim(&s, &len);
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		/* Hex: checked before each shift, like num_parse_u64 for decimal. */
		uint64_t v = 0;
		for (size_t i = 2; i < len; i++) {
			int d = num_hex_digit(s[i]);
			if (d < 0 || (uint64_t)d > max || v > (max - (uint64_t)d) / 16)
				goto bad;
			v = v * 16 + (uint64_t)d;
		}
		if (v < min)
			goto bad;
		*out = v;
		return DETECT_PARSE_OK;
	}
	if (num_parse_u64(s, len, min, max, out) == 0)
		return DETECT_PARSE_OK;
bad:
	return detect_parse_err(ps, "%s: bad %s '%.*s' (expected %llu..%llu)", ps->kw, what,
				(int)(len > 32 ? 32 : len), s, (unsigned long long)min,
				(unsigned long long)max);
}

enum detect_parse_status
detect_parse_i32(struct detect_pstate *ps, const char *what, const char *s, size_t len,
		 int32_t max, int32_t *out)
{
	detect_parse_trim(&s, &len);
	bool neg = len > 0 && s[0] == '-';
	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		s++;
		len--;
	}
	uint64_t v;
	if (num_parse_u64(s, len, 0, (uint64_t)max, &v) != 0)
		return detect_parse_err(ps, "%s: bad %s '%.*s' (expected -%ld..%ld)", ps->kw, what,
					(int)(len > 32 ? 32 : len), s, (long)max, (long)max);
	*out = neg ? -(int32_t)v : (int32_t)v;
	return DETECT_PARSE_OK;
}
