/*
 * detect_pcre: PCRE2 for the pcre keyword. Each pattern is compiled once
 * and JIT-compiled when the platform allows it (the interpreter is the
 * fallback, same results); matching runs under the worker's match limit so
 * a pattern with catastrophic backtracking costs a bounded amount of work.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "detect/detect_engine.h"

bool
detect_pcre_compile_rule(struct detect_ruleset *rs, struct detect_rule *r)
{
	for (uint32_t i = 0; i < r->n_conds; i++) {
		struct detect_cond *c = &r->conds[i];
		if (c->kind != DETECT_COND_PCRE || c->u.pcre.code)
			continue;
		int err = 0;
		PCRE2_SIZE at = 0;
		const char *re = c->u.pcre.re ? c->u.pcre.re : "";
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
						 c->u.pcre.opts, &err, &at, NULL);
		if (!code) {
			PCRE2_UCHAR msg[160];
			if (pcre2_get_error_message(err, msg, sizeof(msg)) < 0)
				msg[0] = '\0';
			detect_diag(rs, r->file, r->line, "error",
				    "sid %u: pcre \"%.80s\" does not compile: %s at offset %zu", r->sid,
				    re, (const char *)msg, (size_t)at);
			return false;
		}
		/* No JIT (unsupported CPU, no executable memory): the interpreter matches the same. */
		(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
		c->u.pcre.code = code;
	}
	return true;
}

int
detect_pcre_exec(struct detect_ctx *dc, const struct detect_pcre *p, const uint8_t *subject,
		 size_t len, size_t start, size_t *out_start, size_t *out_end)
{
	pcre2_match_data *md = dc->pcre_md;
	dc->stats.pcre_calls++;
	/* A NULL subject is not allowed even with length 0. */
	static const uint8_t empty[1];
	int rc = pcre2_match(p->code, subject ? subject : empty, len, start, 0, md, dc->pcre_mctx);
	if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_PARTIAL)
		return 0;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
		/* The answer is unknown: neither a match nor a proof of absence. */
		dc->stats.pcre_limit_hits++;
		return -1;
	}
	if (rc < 0)
		return 0; /* e.g. invalid UTF-8 under a /u pattern: it cannot match */
	/* rc 0: more groups than the ovector holds; the whole match is still there. */
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	size_t s = ov[0], e = ov[1];
	/* \K in a lookahead can report an end before the start. */
	if (e < s)
		e = s;
	if (e > len)
		e = len;
	*out_start = s;
	*out_end = e;
	return 1;
}
