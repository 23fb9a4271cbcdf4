/*
 * detect_match: one inspection, from buffers to alerts.
 *
 *   1. prefilter: every buffer of the point that has a database is scanned;
 *      each hit makes its rules candidates (a bitmap says which already are,
 *      the array lists them, both cleared in O(candidates) afterwards);
 *      rules without a fast pattern join when their first buffer is not
 *      empty, rules without conditions always;
 *   2. candidates are verified in evaluation order (their numbers, sorted):
 *      header, flowbit conditions, then every chain of conditions; a rule
 *      that matches applies its flowbit actions at once, so a later rule of
 *      the same inspection sees them; the first pass rule that matches ends
 *      the inspection and silences every alert;
 *   3. alerts: noalert and thresholds filter, the rest go to the callback in
 *      priority order (lowest number first). DROP or REJECT in the verdict
 *      comes from every matching rule, thresholded or noalert ones too: an
 *      IPS blocks what its rules say even when it does not log each one.
 *
 * Each rule is verified at most once per inspection, so it alerts at most
 * once per transaction point or stream chunk. Stream rules see one chunk at
 * a time: a pattern split across two chunks is not found (no reassembly
 * window across chunks). An HTTP rule that also has stream conditions (a
 * content with no sticky buffer next to http ones) reads them from the raw
 * header block of its side, the closest thing the transaction holds.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_engine.h"

enum { DETECT_JIT_STACK_MIN = 32 * 1024, DETECT_JIT_STACK_MAX = 1024 * 1024 };

void
detect_limits_default(struct detect_limits *out)
{
	out->threshold_entries = 65536;
	out->max_candidates = 4096;
	out->pcre_match_limit = 10000;
}

struct detect_ctx *
detect_ctx_new(const struct detect_ruleset *rs, const struct detect_limits *lim)
{
	const struct detect_compiled *cm = rs ? rs->compiled : NULL;
	if (!cm)
		return NULL;
	struct detect_ctx *dc = calloc(1, sizeof(*dc));
	if (!dc)
		return NULL;
	dc->rs = rs;
	dc->cm = cm;
	if (lim)
		dc->lim = *lim;
	else
		detect_limits_default(&dc->lim);
	for (int g = 0; g < DETECT_GROUP_COUNT; g++)
		for (int b = 0; b < DETECT_BUF_COUNT; b++)
			if (cm->pdb[g][b].db && hs_alloc_scratch(cm->pdb[g][b].db, &dc->scratch) != HS_SUCCESS)
				goto fail;
	dc->cap_cand = dc->lim.max_candidates ? dc->lim.max_candidates : 1;
	if (dc->cap_cand > cm->n_rules)
		dc->cap_cand = cm->n_rules ? cm->n_rules : 1;
	dc->cand_bits = calloc(cm->n_rules / 64 + 1, sizeof(uint64_t));
	dc->cand = calloc(dc->cap_cand, sizeof(uint32_t));
	dc->hits = calloc(dc->cap_cand, sizeof(uint64_t));
	dc->thr = detect_threshold_new(dc->lim.threshold_entries);
	dc->pcre_md = pcre2_match_data_create(1, NULL);
	dc->pcre_mctx = pcre2_match_context_create(NULL);
	dc->pcre_jit_stack = pcre2_jit_stack_create(DETECT_JIT_STACK_MIN, DETECT_JIT_STACK_MAX, NULL);
	if (!dc->cand_bits || !dc->cand || !dc->hits || !dc->thr || !dc->pcre_md || !dc->pcre_mctx ||
	    !dc->pcre_jit_stack)
		goto fail;
	pcre2_set_match_limit(dc->pcre_mctx, dc->lim.pcre_match_limit ? dc->lim.pcre_match_limit : 1);
	pcre2_jit_stack_assign(dc->pcre_mctx, NULL, dc->pcre_jit_stack);
	return dc;
fail:
	detect_ctx_free(dc);
	return NULL;
}

void
detect_ctx_free(struct detect_ctx *dc)
{
	if (!dc)
		return;
	hs_free_scratch(dc->scratch);
	free(dc->cand_bits);
	free(dc->cand);
	free(dc->hits);
	detect_threshold_free(dc->thr);
	pcre2_match_data_free(dc->pcre_md);
	pcre2_match_context_free(dc->pcre_mctx);
	pcre2_jit_stack_free(dc->pcre_jit_stack);
	free(dc->hs_pad);
	free(dc);
}

const struct detect_stats *
detect_ctx_stats(const struct detect_ctx *dc)
{
	return &dc->stats;
}

struct detect_flow *
detect_flow_new(struct detect_ctx *dc)
{
	uint32_t n = dc ? dc->rs->n_flowbits : 0;
	struct detect_flow *df = calloc(1, sizeof(*df) + (n / 64 + 1) * sizeof(uint64_t));
	if (df)
		df->n_bits = n;
	return df;
}

void
detect_flow_free(struct detect_flow *df)
{
	free(df);
}

/* ---- Candidates ---- */

static void
detect_cand_add(struct detect_ctx *dc, uint32_t r)
{
	uint64_t m = (uint64_t)1 << (r % 64);
	if (dc->cand_bits[r / 64] & m)
		return;
	if (dc->n_cand == dc->cap_cand) {
		dc->cand_overflow = true;
		return;
	}
	dc->cand_bits[r / 64] |= m;
	dc->cand[dc->n_cand++] = r;
}

static int
detect_scan_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		void *ctx)
{
	(void)from, (void)to, (void)flags;
	struct detect_ctx *dc = ctx;
	const struct detect_pdb *pdb = dc->scan_pdb;
	dc->stats.prefilter_hits++;
	if (id >= pdb->n_pats)
		return 0;
	for (uint32_t k = pdb->pat_first[id]; k < pdb->pat_first[id + 1]; k++)
		detect_cand_add(dc, pdb->pat_rules[k]);
	/* Stop scanning once no more candidates fit. */
	return dc->cand_overflow ? 1 : 0;
}

/*
 * Hyperscan 5.4's AVX-512 VBMI literal matcher loads whole vectors past the
 * end of the buffer it scans (VectorCamp/vectorscan#322): a buffer ending
 * within DETECT_HS_OVERREAD bytes of a page end that has no page after it
 * crashes the scan. Such a buffer is scanned from a copy in dc->hs_pad,
 * which always has that slack after it; the copy is the buffer's size, so
 * its limit is that of the largest buffer (the HTTP limits), and it lives
 * as long as the context. About one buffer in 64 is copied. Returns the
 * view to scan, or an empty one (counted) when no memory was left.
 */
enum { DETECT_HS_OVERREAD = 64 };

static struct view
detect_hs_view(struct detect_ctx *dc, struct view v)
{
	size_t page = 4096;
	uintptr_t end = (uintptr_t)v.ptr + v.len;
	if (page - (end & (page - 1)) > DETECT_HS_OVERREAD && (end & (page - 1)) != 0)
		return v;
	if (v.len + DETECT_HS_OVERREAD > dc->hs_pad_cap) {
		uint8_t *p = realloc(dc->hs_pad, v.len + DETECT_HS_OVERREAD);
		if (!p) {
			dc->stats.scan_copy_failures++;
			return view_make(NULL, 0);
		}
		dc->hs_pad = p;
		dc->hs_pad_cap = v.len + DETECT_HS_OVERREAD;
	}
	memcpy(dc->hs_pad, v.ptr, v.len);
	dc->stats.scan_copies++;
	return view_make(dc->hs_pad, v.len);
}

static void
detect_prefilter_run(struct detect_ctx *dc, uint8_t group, const struct view *bv)
{
	const struct detect_compiled *cm = dc->cm;
	for (int b = 0; b < DETECT_BUF_COUNT; b++) {
		const struct detect_pdb *pdb = &cm->pdb[group][b];
		if (bv[b].len == 0)
			continue;
		for (uint32_t k = 0; k < pdb->n_nofp; k++)
			detect_cand_add(dc, pdb->nofp[k]);
		if (!pdb->db)
			continue;
		dc->scan_pdb = pdb;
		struct view v = detect_hs_view(dc, bv[b]);
		/* Hyperscan takes an unsigned length; buffers are bounded far below that. */
		unsigned len = v.len > UINT32_MAX ? UINT32_MAX : (unsigned)v.len;
		if (len > 0)
			(void)hs_scan(pdb->db, (const char *)v.ptr, len, 0, dc->scratch, detect_scan_hit, dc);
	}
	for (uint32_t k = 0; k < cm->n_always[group]; k++)
		detect_cand_add(dc, cm->always[group][k]);
}

static int
detect_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void
detect_cand_sort(uint32_t *c, uint32_t n)
{
	if (n > 32) {
		qsort(c, n, sizeof(*c), detect_u32_cmp);
		return;
	}
	for (uint32_t i = 1; i < n; i++) {
		uint32_t v = c[i], j = i;
		for (; j > 0 && c[j - 1] > v; j--)
			c[j] = c[j - 1];
		c[j] = v;
	}
}

/* ---- Verification ---- */

/* An address of the packet in a set; a missing address is only in "any". */
static bool
detect_ip_in(const struct net_ip_set *s, const struct net_addr *a)
{
	if (!a)
		return s->any && s->n_excl == 0;
	return net_ip_set_has(s, a);
}

static bool
detect_header_holds(const struct detect_crule *cr, const struct detect_pkt_info *pi,
		    enum http_dir dir, bool http)
{
	const struct detect_rule *r = cr->rule;
	if (http && r->proto == DETECT_PROTO_TLS)
		return false;
	if ((r->dir == DETECT_DIR_TO_SERVER && dir != HTTP_DIR_REQUEST) ||
	    (r->dir == DETECT_DIR_TO_CLIENT && dir != HTTP_DIR_RESPONSE))
		return false;
	if (r->established && !pi->established)
		return false;
	if (cr->hdr_any)
		return true;
	if (detect_ip_in(&r->src_ip, pi->src) && detect_ip_in(&r->dst_ip, pi->dst) &&
	    net_port_set_has(&r->src_port, pi->sport) && net_port_set_has(&r->dst_port, pi->dport))
		return true;
	/* "<>": the other way round too. */
	return r->bidirectional && detect_ip_in(&r->src_ip, pi->dst) &&
	       detect_ip_in(&r->dst_ip, pi->src) && net_port_set_has(&r->src_port, pi->dport) &&
	       net_port_set_has(&r->dst_port, pi->sport);
}

static bool
detect_rule_holds(struct detect_ctx *dc, const struct detect_crule *cr, const struct view *bv,
		  const struct detect_flow *df)
{
	const struct detect_rule *r = cr->rule;
	if (r->n_flowbits && !detect_flowbits_check(r, df))
		return false;
	dc->budget = DETECT_VERIFY_BUDGET;
	for (uint32_t c = 0; c < cr->n_chains; c++) {
		const struct detect_chain *ch = &cr->chains[c];
		int rc = detect_verify_chain(dc, r, cr->conds + ch->first, ch->n, bv[ch->buf]);
		if (rc < 0)
			dc->stats.verify_limit_hits++;
		if (rc != 1)
			return false;
	}
	return true;
}

/* ---- Alerts ---- */

static int
detect_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static struct detect_result
detect_alerts_emit(struct detect_ctx *dc, const struct detect_pkt_info *pi, bool passed,
		   detect_alert_fn fn, void *fn_ctx)
{
	struct detect_result res = { 0, passed ? DETECT_ACTION_PASS : DETECT_ACTION_ALERT };
	const struct detect_compiled *cm = dc->cm;
	/* Pass rules run first and end the inspection: the rules after them were not run. */
	if (passed)
		return res;
	/* Priority first, then evaluation order: the keys say both. */
	qsort(dc->hits, dc->n_hits, sizeof(*dc->hits), detect_u64_cmp);
	for (uint32_t i = 0; i < dc->n_hits; i++) {
		const struct detect_crule *cr = &cm->rules[(uint32_t)dc->hits[i]];
		enum detect_action a = cr->rule->action;
		if (a == DETECT_ACTION_REJECT)
			res.verdict = DETECT_ACTION_REJECT;
		else if (a == DETECT_ACTION_DROP && res.verdict != DETECT_ACTION_REJECT)
			res.verdict = DETECT_ACTION_DROP;
		if (cr->noalert ||
		    !detect_threshold_check(dc->thr, cr->rule_idx, &cr->rule->threshold, pi, &dc->stats)) {
			dc->stats.suppressed++;
			continue;
		}
		res.alerts++;
		dc->stats.alerts++;
		if (fn) {
			struct detect_alert al = { cr->rule, a };
			fn(fn_ctx, &al);
		}
	}
	return res;
}

/* The inspection itself, over bv (indexed by buffer; empty = absent). */
static struct detect_result
detect_run(struct detect_ctx *dc, struct detect_flow *df, const struct detect_pkt_info *pi,
	   uint8_t group, enum http_dir dir, const struct view *bv, detect_alert_fn fn, void *fn_ctx)
{
	const struct detect_compiled *cm = dc->cm;
	dc->stats.inspections++;
	dc->n_cand = 0;
	dc->n_hits = 0;
	dc->cand_overflow = false;
	detect_prefilter_run(dc, group, bv);
	if (dc->cand_overflow)
		dc->stats.candidate_limit_hits++;
	dc->stats.candidates += dc->n_cand;
	detect_cand_sort(dc->cand, dc->n_cand);
	bool passed = false;
	for (uint32_t i = 0; i < dc->n_cand; i++) {
		uint32_t r = dc->cand[i];
		dc->cand_bits[r / 64] &= ~((uint64_t)1 << (r % 64));
		if (passed)
			continue; /* still clearing the bitmap */
		const struct detect_crule *cr = &cm->rules[r];
		if (!detect_header_holds(cr, pi, dir, group != DETECT_GROUP_STREAM))
			continue;
		dc->stats.verified++;
		if (!detect_rule_holds(dc, cr, bv, df))
			continue;
		detect_flowbits_apply(cr->rule, df);
		dc->hits[dc->n_hits++] = (uint64_t)cr->rule->priority << 32 | r;
		passed = cr->rule->action == DETECT_ACTION_PASS;
	}
	return detect_alerts_emit(dc, pi, passed, fn, fn_ctx);
}

struct detect_result
detect_match_http(struct detect_ctx *dc, struct detect_flow *df, const struct detect_pkt_info *pi,
		  const struct http_txn *txn, enum http_dir point, detect_alert_fn fn, void *fn_ctx)
{
	struct view bv[DETECT_BUF_COUNT];
	memcpy(bv, txn->buf, sizeof(txn->buf));
	/* Response buffers are not there yet when the request is inspected. */
	if (point == HTTP_DIR_REQUEST)
		for (int b = HTTP_BUF_STAT_CODE; b < HTTP_BUF_COUNT; b++)
			bv[b] = view_make(NULL, 0);
	bv[DETECT_BUF_STREAM] = txn->buf[point == HTTP_DIR_REQUEST ? HTTP_BUF_REQUEST_HEADERS_RAW :
								      HTTP_BUF_RESPONSE_HEADERS_RAW];
	uint8_t group = point == HTTP_DIR_REQUEST ? DETECT_GROUP_REQUEST : DETECT_GROUP_RESPONSE;
	return detect_run(dc, df, pi, group, point, bv, fn, fn_ctx);
}

struct detect_result
detect_match_stream(struct detect_ctx *dc, struct detect_flow *df,
		    const struct detect_pkt_info *pi, enum http_dir dir, const uint8_t *data,
		    size_t len, detect_alert_fn fn, void *fn_ctx)
{
	struct view bv[DETECT_BUF_COUNT];
	memset(bv, 0, sizeof(bv));
	bv[DETECT_BUF_STREAM] = view_make(data, data ? len : 0);
	return detect_run(dc, df, pi, DETECT_GROUP_STREAM, dir, bv, fn, fn_ctx);
}
