/*
 * Fuzz target rule_parse: rule text, one rule or a whole file.
 *
 * The input is parsed as one rule with detect_parse_rule (with the default
 * variables), then loaded as a rule file through detect_ruleset_load_text
 * with no diagnostic stream, then each loaded rule is checked against the
 * parser's contract: every condition names a concrete buffer, contents are
 * non-empty and every owned string is readable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"

static void
fuzz_rule_check(const struct detect_rule *r)
{
	for (uint32_t i = 0; i < r->n_conds; i++) {
		const struct detect_cond *c = &r->conds[i];
		if (c->buf >= DETECT_BUF_COUNT)
			abort();
		if (c->kind == DETECT_COND_CONTENT &&
		    (c->u.content.len == 0 || c->u.content.pat == NULL ||
		     c->u.content.fp_off + c->u.content.fp_len > c->u.content.len))
			abort();
		if (c->kind == DETECT_COND_PCRE && strlen(c->u.pcre.re) == 0)
			abort();
		if (c->buf < HTTP_BUF_COUNT && http_buf_is_response((enum http_buf)c->buf) &&
		    !r->needs_response)
			abort();
	}
	for (uint32_t i = 0; i < r->n_flowbits; i++)
		for (uint32_t j = 0; j < r->flowbits[i].n_names; j++)
			(void)strlen(r->flowbits[i].names[j]);
	if (r->msg)
		(void)strlen(r->msg);
	if (r->sid == 0)
		abort();
}

int
fuzz_rule_parse(const uint8_t *data, size_t size)
{
	static struct detect_vars vars;
	static int ready;
	if (!ready) {
		detect_vars_default(&vars);
		ready = 1;
	}
	struct detect_rule r;
	struct detect_parse_diag diag;
	if (detect_parse_rule((const char *)data, size, &vars, &r, &diag) == DETECT_PARSE_OK) {
		fuzz_rule_check(&r);
		detect_rule_fini(&r);
	} else if (diag.msg[0] == '\0') {
		abort(); /* every failure says why */
	}
	struct detect_ruleset *rs = detect_ruleset_new(&vars, NULL);
	if (!rs)
		return 0;
	(void)detect_ruleset_load_text(rs, "fuzz", (const char *)data, size);
	const struct detect_load_stats *st = detect_ruleset_stats(rs);
	if (st->loaded != detect_ruleset_count(rs))
		abort();
	for (uint32_t i = 0; i < detect_ruleset_count(rs); i++)
		fuzz_rule_check(detect_ruleset_rule(rs, i));
	detect_ruleset_free(rs);
	return 0;
}

#ifdef TLSIPS_LIBFUZZER
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_rule_parse(data, len);
}
#endif
