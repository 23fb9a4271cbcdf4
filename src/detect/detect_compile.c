/*
 * detect_compile: turns the loaded rules into the matcher's form.
 *
 * Every active rule (not disabled, every pcre compiles) gets a compiled
 * entry: its group (request, response or stream point), its conditions
 * split into one chain per buffer, and its place in evaluation order. The
 * prefilter databases are built last (detect_prefilter.c). A rule whose
 * pcre does not compile is dropped and counted failed. The set may be
 * compiled again (e.g. after more overrides): the old compiled part is
 * freed first.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "detect/detect_engine.h"

static uint64_t
detect_compile_now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint8_t
detect_compile_group(const struct detect_rule *r)
{
	bool http = false, resp = r->needs_response;
	for (uint32_t i = 0; i < r->n_conds; i++) {
		if (r->conds[i].buf >= DETECT_BUF_STREAM)
			continue;
		http = true;
		if (http_buf_is_response((enum http_buf)r->conds[i].buf))
			resp = true;
	}
	/* An http rule with no condition at all (flowbits or header only) runs per transaction. */
	if (r->n_conds == 0 && r->proto == DETECT_PROTO_HTTP)
		http = true;
	if (!http)
		return DETECT_GROUP_STREAM;
	return resp || r->dir == DETECT_DIR_TO_CLIENT ? DETECT_GROUP_RESPONSE : DETECT_GROUP_REQUEST;
}

/* Sort key parts: pass first; flowbit setters before checkers; drop, reject, alert; priority. */
static unsigned
detect_compile_fb_rank(const struct detect_rule *r)
{
	bool sets = false, checks = false;
	for (uint32_t f = 0; f < r->n_flowbits; f++) {
		enum detect_flowbit_op op = r->flowbits[f].op;
		if (op == DETECT_FLOWBIT_ISSET || op == DETECT_FLOWBIT_ISNOTSET)
			checks = true;
		else if (op != DETECT_FLOWBIT_NOALERT)
			sets = true;
	}
	return sets && !checks ? 0 : checks && !sets ? 2 : 1;
}

static unsigned
detect_compile_action_rank(enum detect_action a)
{
	return a == DETECT_ACTION_DROP ? 0 : a == DETECT_ACTION_REJECT ? 1 : 2;
}

static int
detect_compile_order(const void *pa, const void *pb)
{
	const struct detect_crule *a = pa, *b = pb;
	const struct detect_rule *x = a->rule, *y = b->rule;
	unsigned ka[4] = { x->action != DETECT_ACTION_PASS, detect_compile_fb_rank(x),
			   detect_compile_action_rank(x->action), 0 };
	unsigned kb[4] = { y->action != DETECT_ACTION_PASS, detect_compile_fb_rank(y),
			   detect_compile_action_rank(y->action), 0 };
	for (int i = 0; i < 3; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return a->rule_idx < b->rule_idx ? -1 : a->rule_idx > b->rule_idx;
}

static bool
detect_compile_ip_any(const struct net_ip_set *s)
{
	return s->any && s->n_excl == 0;
}

static bool
detect_compile_port_any(const struct net_port_set *s)
{
	return s->any && s->n_excl == 0;
}

/* Splits r's conditions into chains, one per buffer in order of first use. */
static void
detect_compile_chains(struct detect_compiled *cm, struct detect_crule *cr, uint32_t *n_chains,
		      uint32_t *n_idx)
{
	const struct detect_rule *r = cr->rule;
	struct detect_chain *ch = cm->chains + *n_chains;
	uint32_t *idx = cm->cond_idx + *n_idx;
	uint32_t nc = 0, ni = 0;
	for (uint32_t i = 0; i < r->n_conds; i++) {
		uint16_t b = r->conds[i].buf;
		bool seen = false;
		for (uint32_t k = 0; k < i && !seen; k++)
			seen = r->conds[k].buf == b;
		if (seen)
			continue;
		ch[nc].buf = b;
		ch[nc].first = ni;
		for (uint32_t k = i; k < r->n_conds; k++)
			if (r->conds[k].buf == b)
				idx[ni++] = k;
		ch[nc].n = ni - ch[nc].first;
		nc++;
	}
	cr->chains = ch;
	cr->n_chains = nc;
	cr->conds = idx;
	*n_chains += nc;
	*n_idx += ni;
}

static bool
detect_compile_noalert(const struct detect_rule *r)
{
	for (uint32_t f = 0; f < r->n_flowbits; f++)
		if (r->flowbits[f].op == DETECT_FLOWBIT_NOALERT)
			return true;
	return false;
}

/* Buffers index arrays of DETECT_BUF_COUNT: a parser slip must not become an overrun. */
static bool
detect_compile_bufs_valid(struct detect_ruleset *rs, const struct detect_rule *r)
{
	for (uint32_t i = 0; i < r->n_conds; i++) {
		const struct detect_cond *c = &r->conds[i];
		if (c->buf >= DETECT_BUF_COUNT ||
		    (c->kind == DETECT_COND_CONTENT && !c->u.content.pat && c->u.content.len)) {
			detect_diag(rs, r->file, r->line, "error", "sid %u: condition %u is incomplete",
				    r->sid, i + 1);
			return false;
		}
	}
	return true;
}

/* The active rules whose buffers are valid and whose pcre compile; counts the others failed. */
static uint32_t
detect_compile_select(struct detect_ruleset *rs, struct detect_rule **out, uint64_t *out_conds)
{
	uint32_t n = 0;
	*out_conds = 0;
	for (uint32_t i = 0; i < rs->n_rules; i++) {
		if (rs->disabled && rs->disabled[i])
			continue;
		struct detect_rule *r = &rs->rules[i];
		if (!detect_compile_bufs_valid(rs, r) || !detect_pcre_compile_rule(rs, r)) {
			rs->stats.failed++;
			if (rs->stats.loaded > 0)
				rs->stats.loaded--;
			continue;
		}
		out[n++] = r;
		*out_conds += r->n_conds;
	}
	return n;
}

static uint64_t
detect_compile_memory(const struct detect_compiled *cm, uint64_t n_conds)
{
	uint64_t m = sizeof(*cm) + (uint64_t)cm->n_rules * sizeof(struct detect_crule) +
		     n_conds * (sizeof(struct detect_chain) + sizeof(uint32_t));
	for (uint32_t i = 0; i < cm->n_rules; i++) {
		const struct detect_rule *r = cm->rules[i].rule;
		m += sizeof(*r) + r->n_conds * sizeof(*r->conds) + r->n_flowbits * sizeof(*r->flowbits);
		/* PCRE2 and its JIT code: a rough 4 KiB per pattern, PCRE2 does not tell. */
		for (uint32_t k = 0; k < r->n_conds; k++)
			m += r->conds[k].kind == DETECT_COND_CONTENT ? r->conds[k].u.content.len :
			     r->conds[k].kind == DETECT_COND_PCRE    ? 4096 :
								       0;
	}
	return m + detect_prefilter_memory(cm);
}

int
detect_ruleset_compile(struct detect_ruleset *rs)
{
	uint64_t t0 = detect_compile_now_usec();
	detect_compiled_free(rs->compiled);
	rs->compiled = NULL;
	int rc = TLSIPS_ENOMEM;
	struct detect_rule **sel = calloc(rs->n_rules ? rs->n_rules : 1, sizeof(*sel));
	struct detect_compiled *cm = calloc(1, sizeof(*cm));
	if (!sel || !cm)
		goto out;
	uint64_t n_conds;
	uint32_t n = detect_compile_select(rs, sel, &n_conds);
	if ((rc = detect_flowbits_number(rs, sel, n)) != 0)
		goto out;
	rc = TLSIPS_ENOMEM;
	cm->rules = calloc(n ? n : 1, sizeof(*cm->rules));
	cm->chains = calloc(n_conds ? n_conds : 1, sizeof(*cm->chains));
	cm->cond_idx = calloc(n_conds ? n_conds : 1, sizeof(*cm->cond_idx));
	if (!cm->rules || !cm->chains || !cm->cond_idx)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		struct detect_crule *cr = &cm->rules[i];
		cr->rule = sel[i];
		cr->rule_idx = (uint32_t)(sel[i] - rs->rules);
	}
	qsort(cm->rules, n, sizeof(*cm->rules), detect_compile_order);
	cm->n_rules = n;
	uint32_t n_chains = 0, n_idx = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct detect_crule *cr = &cm->rules[i];
		const struct detect_rule *r = cr->rule;
		cr->group = detect_compile_group(r);
		cr->noalert = detect_compile_noalert(r);
		cr->hdr_any = detect_compile_ip_any(&r->src_ip) && detect_compile_ip_any(&r->dst_ip) &&
			      detect_compile_port_any(&r->src_port) &&
			      detect_compile_port_any(&r->dst_port);
		detect_compile_chains(cm, cr, &n_chains, &n_idx);
	}
	if ((rc = detect_prefilter_build(rs, cm)) != 0)
		goto out;
	rs->stats.memory_bytes = detect_compile_memory(cm, n_conds);
	rs->compiled = cm;
	cm = NULL;
	rc = 0;
out:
	detect_compiled_free(cm);
	free(sel);
	rs->stats.compile_usec = detect_compile_now_usec() - t0;
	return rc;
}

void
detect_compiled_free(struct detect_compiled *cm)
{
	if (!cm)
		return;
	detect_prefilter_free(cm);
	free(cm->rules);
	free(cm->chains);
	free(cm->cond_idx);
	free(cm);
}
