/*
 * detect_parse_pcre: pcre:[!]"/regex/flags".
 *
 * The regex is kept as written between the first and the last slash (PCRE2
 * reads \; and \" as the literal characters). Flags are PCRE options, R
 * (relative to the previous match), buffer letters (the Snort/Suricata
 * legacy way of naming a buffer), and B and O, accepted without effect: raw
 * bytes are what tlsips inspects, and the PCRE2 match limit is the engine's.
 * Without a buffer letter the pcre reads the sticky buffer; a relative one
 * outside any sticky buffer reads the buffer of the match it follows.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_parse.h"

enum { DETECT_PCRE_MAX = 16384 };

struct detect_pcre_flag {
	char letter;
	uint32_t opt;     /* PCRE2 option, or 0 */
	int32_t buf;      /* buffer the letter names, or -1 */
};

static const struct detect_pcre_flag detect_pcre_flags[] = {
	{ 'i', PCRE2_CASELESS, -1 },
	{ 's', PCRE2_DOTALL, -1 },
	{ 'm', PCRE2_MULTILINE, -1 },
	{ 'x', PCRE2_EXTENDED, -1 },
	{ 'A', PCRE2_ANCHORED, -1 },
	{ 'E', PCRE2_DOLLAR_ENDONLY, -1 },
	{ 'G', PCRE2_UNGREEDY, -1 },
	{ 'B', 0, -1 },
	{ 'O', 0, -1 },
	{ 'U', 0, HTTP_BUF_URI },
	{ 'I', 0, HTTP_BUF_URI_RAW },
	{ 'M', 0, HTTP_BUF_METHOD },
	{ 'H', 0, DETECT_PBUF_HEADERS },
	{ 'D', 0, DETECT_PBUF_HEADERS_RAW },
	{ 'C', 0, DETECT_PBUF_COOKIE },
	{ 'K', 0, DETECT_PBUF_COOKIE },
	{ 'P', 0, HTTP_BUF_REQUEST_BODY },
	{ 'Q', 0, DETECT_PBUF_BODY },
	{ 'S', 0, HTTP_BUF_STAT_CODE },
	{ 'Y', 0, HTTP_BUF_STAT_MSG },
	{ 'V', 0, HTTP_BUF_USER_AGENT },
	{ 'W', 0, HTTP_BUF_HOST },
	{ 'Z', 0, HTTP_BUF_HOST_RAW },
};

static enum detect_parse_status
detect_pcre_flags_parse(struct detect_pstate *ps, const char *f, size_t len, uint32_t *opts,
			bool *relative, int32_t *buf)
{
	size_t n = sizeof(detect_pcre_flags) / sizeof(detect_pcre_flags[0]);
	for (size_t i = 0; i < len; i++) {
		if (f[i] == 'R') {
			*relative = true;
			continue;
		}
		const struct detect_pcre_flag *row = NULL;
		for (size_t j = 0; j < n && !row; j++)
			if (detect_pcre_flags[j].letter == f[i])
				row = &detect_pcre_flags[j];
		if (!row)
			return detect_parse_err(ps, "unknown pcre flag '%c'",
						f[i] >= 0x20 && f[i] < 0x7f ? f[i] : '?');
		*opts |= row->opt;
		if (row->buf >= 0) {
			if (*buf >= 0 && *buf != row->buf)
				return detect_parse_err(ps, "pcre names two buffers ('%c' and another)",
							f[i]);
			*buf = row->buf;
		}
	}
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_pcre(struct detect_pstate *ps, const char *v, size_t len)
{
	const char *in;
	size_t inlen;
	bool neg;
	enum detect_parse_status st = detect_parse_quoted(ps, v, len, true, &in, &inlen, &neg);
	if (st != DETECT_PARSE_OK)
		return st;
	if (inlen < 2 || in[0] != '/')
		return detect_parse_err(ps, "pcre must be written \"/regex/flags\"");
	size_t last = inlen - 1;
	while (last > 0 && in[last] != '/')
		last--;
	if (last == 0)
		return detect_parse_err(ps, "pcre has no closing '/'");
	size_t relen = last - 1;
	if (relen == 0)
		return detect_parse_err(ps, "empty pcre");
	if (memchr(in + 1, '\0', relen))
		return detect_parse_err(ps, "pcre contains a NUL byte");
	if (relen > DETECT_PCRE_MAX)
		return detect_parse_err(ps, "pcre longer than %d bytes", DETECT_PCRE_MAX);
	uint32_t opts = 0;
	bool relative = false;
	int32_t buf = -1;
	st = detect_pcre_flags_parse(ps, in + last + 1, inlen - last - 1, &opts, &relative, &buf);
	if (st != DETECT_PARSE_OK)
		return st;
	if (buf < 0)
		buf = ps->sticky;
	if (buf == DETECT_BUF_STREAM && relative && ps->last_match >= 0)
		buf = ps->r->conds[ps->last_match].buf;
	char *re = malloc(relen + 1);
	if (!re)
		return detect_parse_err(ps, "out of memory");
	memcpy(re, in + 1, relen);
	re[relen] = '\0';
	struct detect_cond *c = detect_parse_cond_new(ps);
	if (!c) {
		free(re);
		return DETECT_PARSE_ERROR;
	}
	c->kind = DETECT_COND_PCRE;
	c->buf = (uint16_t)buf;
	c->u.pcre.re = re;
	c->u.pcre.opts = opts;
	c->u.pcre.negated = neg;
	c->u.pcre.relative = relative;
	ps->last_match = (int32_t)ps->r->n_conds;
	detect_parse_cond_commit(ps);
	return DETECT_PARSE_OK;
}
