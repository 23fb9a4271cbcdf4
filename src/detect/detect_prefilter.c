/*
 * detect_prefilter: each rule's fast pattern and the Hyperscan databases.
 *
 * The fast pattern is the content the writer marked fast_pattern, else the
 * longest non-negated content, restricted to the buffers of the rule's
 * group (stream rules: the stream; HTTP rules: HTTP buffers), cut to
 * fast_pattern:off,len when given. A negated fast pattern cannot prefilter
 * (its absence is what matters), so the longest positive one is used
 * instead. Patterns are literal bytes (hs_compile_lit_multi, no escaping),
 * nocase ones HS_FLAG_CASELESS, and every one HS_FLAG_SINGLEMATCH: a rule is
 * a candidate once, however often its pattern occurs.
 *
 * Equal patterns of one database share one Hyperscan id, which names the
 * list of rules using it. Rules with no usable fast pattern are listed
 * under the buffer of their first chain and checked whenever that buffer is
 * not empty; rules with no condition at all run on every inspection of
 * their group. Both are counted in stats.no_fast_pattern.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "detect/detect_engine.h"

struct detect_fp_ent {
	const uint8_t *pat;
	uint32_t len;
	bool nocase;
	uint8_t group;
	uint16_t buf;
	uint32_t rule;               /* compiled number */
};

static const struct detect_content *
detect_prefilter_pick(const struct detect_rule *r, uint8_t group)
{
	const struct detect_content *best = NULL;
	for (uint32_t i = 0; i < r->n_conds; i++) {
		const struct detect_cond *c = &r->conds[i];
		bool stream = c->buf >= DETECT_BUF_STREAM;
		if (c->kind != DETECT_COND_CONTENT || c->u.content.negated || c->u.content.len == 0 ||
		    stream != (group == DETECT_GROUP_STREAM))
			continue;
		if (c->u.content.fast_pattern || c->u.content.fast_pattern_only)
			return &c->u.content;
		if (!best || c->u.content.len > best->len)
			best = &c->u.content;
	}
	return best;
}

static uint16_t
detect_prefilter_buf_of(const struct detect_rule *r, const struct detect_content *c)
{
	for (uint32_t i = 0; i < r->n_conds; i++)
		if (&r->conds[i].u.content == c)
			return r->conds[i].buf;
	return 0;
}

static int
detect_prefilter_pat_cmp(const struct detect_fp_ent *a, const struct detect_fp_ent *b)
{
	if (a->nocase != b->nocase)
		return a->nocase ? 1 : -1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (!a->nocase)
		return memcmp(a->pat, b->pat, a->len);
	for (uint32_t i = 0; i < a->len; i++) {
		int x = a->pat[i] >= 'A' && a->pat[i] <= 'Z' ? a->pat[i] + 32 : a->pat[i];
		int y = b->pat[i] >= 'A' && b->pat[i] <= 'Z' ? b->pat[i] + 32 : b->pat[i];
		if (x != y)
			return x - y;
	}
	return 0;
}

static int
detect_prefilter_ent_cmp(const void *pa, const void *pb)
{
	const struct detect_fp_ent *a = pa, *b = pb;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->buf != b->buf)
		return a->buf < b->buf ? -1 : 1;
	int c = detect_prefilter_pat_cmp(a, b);
	if (c)
		return c;
	return a->rule < b->rule ? -1 : a->rule > b->rule;
}

/* Builds one database from ents[0..n) (same group and buffer, sorted). */
static int
detect_prefilter_db(struct detect_ruleset *rs, struct detect_pdb *pdb,
		    const struct detect_fp_ent *ents, uint32_t n)
{
	uint32_t np = 0;
	for (uint32_t i = 0; i < n; i++)
		if (i == 0 || detect_prefilter_pat_cmp(&ents[i], &ents[i - 1]) != 0)
			np++;
	int rc = TLSIPS_ENOMEM;
	const char **exprs = calloc(np, sizeof(*exprs));
	unsigned *flags = calloc(np, sizeof(*flags)), *ids = calloc(np, sizeof(*ids));
	size_t *lens = calloc(np, sizeof(*lens));
	pdb->pat_first = calloc(np + 1, sizeof(*pdb->pat_first));
	pdb->pat_rules = calloc(n, sizeof(*pdb->pat_rules));
	if (!exprs || !flags || !ids || !lens || !pdb->pat_first || !pdb->pat_rules)
		goto out;
	uint32_t p = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (i == 0 || detect_prefilter_pat_cmp(&ents[i], &ents[i - 1]) != 0) {
			exprs[p] = (const char *)ents[i].pat;
			lens[p] = ents[i].len;
			flags[p] = HS_FLAG_SINGLEMATCH | (ents[i].nocase ? HS_FLAG_CASELESS : 0);
			ids[p] = p;
			pdb->pat_first[p] = i;
			p++;
		}
		pdb->pat_rules[i] = ents[i].rule;
	}
	pdb->pat_first[np] = n;
	pdb->n_pats = np;
	hs_compile_error_t *err = NULL;
	if (hs_compile_lit_multi(exprs, flags, ids, lens, np, HS_MODE_BLOCK, NULL, &pdb->db, &err) !=
	    HS_SUCCESS) {
		detect_diag(rs, "(rules)", 0, "error", "prefilter for %s: %s",
			    ents[0].buf < HTTP_BUF_COUNT ? http_buf_name((enum http_buf)ents[0].buf) :
							   "stream",
			    err && err->message ? err->message : "hyperscan failed");
		hs_free_compile_error(err);
		pdb->db = NULL;
		rc = TLSIPS_ECONFIG;
		goto out;
	}
	rc = 0;
out:
	free(exprs);
	free(flags);
	free(ids);
	free(lens);
	return rc;
}

/* Lists rules without a fast pattern under their first buffer, or as always-run. */
static int
detect_prefilter_nofp(struct detect_ruleset *rs, struct detect_compiled *cm)
{
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < cm->n_rules; i++) {
			const struct detect_crule *cr = &cm->rules[i];
			if (cr->has_fp)
				continue;
			uint32_t *n;
			uint32_t *list;
			if (cr->n_chains == 0) {
				n = &cm->n_always[cr->group];
				list = cm->always[cr->group];
			} else {
				struct detect_pdb *pdb = &cm->pdb[cr->group][cr->chains[0].buf];
				n = &pdb->n_nofp;
				list = pdb->nofp;
			}
			if (pass == 1)
				list[*n] = i;
			(*n)++;
			if (pass == 0)
				rs->stats.no_fast_pattern++;
		}
		if (pass == 1)
			break;
		/* Sizes known: allocate, then fill on the second pass. */
		for (int g = 0; g < DETECT_GROUP_COUNT; g++) {
			if (cm->n_always[g] &&
			    !(cm->always[g] = calloc(cm->n_always[g], sizeof(uint32_t))))
				return TLSIPS_ENOMEM;
			cm->n_always[g] = 0;
			for (int b = 0; b < DETECT_BUF_COUNT; b++) {
				struct detect_pdb *pdb = &cm->pdb[g][b];
				if (pdb->n_nofp && !(pdb->nofp = calloc(pdb->n_nofp, sizeof(uint32_t))))
					return TLSIPS_ENOMEM;
				pdb->n_nofp = 0;
			}
		}
	}
	return 0;
}

int
detect_prefilter_build(struct detect_ruleset *rs, struct detect_compiled *cm)
{
	if (hs_valid_platform() != HS_SUCCESS) {
		detect_diag(rs, "(rules)", 0, "error", "Hyperscan needs a CPU with SSSE3");
		return TLSIPS_ECONFIG;
	}
	rs->stats.no_fast_pattern = 0;
	struct detect_fp_ent *ents = calloc(cm->n_rules ? cm->n_rules : 1, sizeof(*ents));
	if (!ents)
		return TLSIPS_ENOMEM;
	uint32_t n = 0;
	for (uint32_t i = 0; i < cm->n_rules; i++) {
		struct detect_crule *cr = &cm->rules[i];
		const struct detect_content *c = detect_prefilter_pick(cr->rule, cr->group);
		if (!c)
			continue;
		struct detect_fp_ent *e = &ents[n++];
		e->pat = c->pat;
		e->len = c->len;
		if (c->fp_len > 0 && c->fp_off < c->len && c->fp_len <= c->len - c->fp_off) {
			e->pat = c->pat + c->fp_off;
			e->len = c->fp_len;
		}
		e->nocase = c->nocase;
		e->group = cr->group;
		e->buf = detect_prefilter_buf_of(cr->rule, c);
		e->rule = i;
		cr->has_fp = true;
	}
	qsort(ents, n, sizeof(*ents), detect_prefilter_ent_cmp);
	int rc = 0;
	for (uint32_t i = 0, j; i < n && rc == 0; i = j) {
		for (j = i + 1; j < n && ents[j].group == ents[i].group && ents[j].buf == ents[i].buf; j++)
			;
		rc = detect_prefilter_db(rs, &cm->pdb[ents[i].group][ents[i].buf], ents + i, j - i);
	}
	free(ents);
	return rc ? rc : detect_prefilter_nofp(rs, cm);
}

void
detect_prefilter_free(struct detect_compiled *cm)
{
	for (int g = 0; g < DETECT_GROUP_COUNT; g++) {
		free(cm->always[g]);
		cm->always[g] = NULL;
		for (int b = 0; b < DETECT_BUF_COUNT; b++) {
			struct detect_pdb *pdb = &cm->pdb[g][b];
			hs_free_database(pdb->db);
			free(pdb->pat_first);
			free(pdb->pat_rules);
			free(pdb->nofp);
			memset(pdb, 0, sizeof(*pdb));
		}
	}
}

uint64_t
detect_prefilter_memory(const struct detect_compiled *cm)
{
	uint64_t m = 0;
	for (int g = 0; g < DETECT_GROUP_COUNT; g++) {
		m += cm->n_always[g] * sizeof(uint32_t);
		for (int b = 0; b < DETECT_BUF_COUNT; b++) {
			const struct detect_pdb *pdb = &cm->pdb[g][b];
			size_t sz = 0;
			if (pdb->db && hs_database_size(pdb->db, &sz) == HS_SUCCESS)
				m += sz;
			m += (pdb->n_pats + 1 + pdb->n_nofp) * sizeof(uint32_t);
			if (pdb->pat_first)
				m += pdb->pat_first[pdb->n_pats] * sizeof(uint32_t);
		}
	}
	return m;
}
