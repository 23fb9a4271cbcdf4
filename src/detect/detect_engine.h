/*
 * detect_engine: what the compiler (detect_compile.c, detect_prefilter.c,
 * detect_pcre.c, detect_flowbits.c) builds and the matcher (detect_match.c,
 * detect_verify.c, detect_threshold.c) reads. Internal to detect/.
 *
 * Compiled rules are kept in evaluation order (pass rules first, then
 * flowbit setters before checkers, then drop/reject/alert, then priority,
 * then load order), and every prefilter hit names a rule by its position in
 * that order, so sorting the candidate numbers gives the evaluation order.
 *
 * Rules fall in three groups: REQUEST (only request buffers; run when the
 * request is complete), RESPONSE (some response buffer, or flow:to_client;
 * run when the response is complete, request buffers still readable) and
 * STREAM (only stream conditions, or no HTTP buffer at all; run on payload
 * chunks).
 */
#ifndef TLSIPS_DETECT_ENGINE_H
#define TLSIPS_DETECT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <hs/hs.h>

#include "base/view.h"
#include "detect/detect_int.h"

enum detect_group {
	DETECT_GROUP_REQUEST = 0,
	DETECT_GROUP_RESPONSE,
	DETECT_GROUP_STREAM,
	DETECT_GROUP_COUNT
};

/* Conditions of one rule on one buffer, in rule order: cond indices [first, first + n). */
struct detect_chain {
	uint16_t buf;
	uint32_t first, n;
};

struct detect_crule {
	struct detect_rule *rule;    /* rs->rules[rule_idx] */
	uint32_t rule_idx;
	uint8_t group;               /* enum detect_group */
	bool hdr_any;                /* addresses and ports all "any": no header check */
	bool noalert;
	bool has_fp;
	const struct detect_chain *chains; /* into detect_compiled.chains */
	uint32_t n_chains;
	const uint32_t *conds;       /* into detect_compiled.cond_idx; chains index this */
};

/* One prefilter database: the fast patterns of one group on one buffer. */
struct detect_pdb {
	hs_database_t *db;           /* NULL when no rule has a fast pattern here */
	uint32_t *pat_first;         /* pattern p reports rules pat_rules[pat_first[p] .. pat_first[p+1]) */
	uint32_t *pat_rules;         /* compiled rule numbers */
	uint32_t n_pats;
	uint32_t *nofp;              /* rules without a fast pattern whose first chain is here */
	uint32_t n_nofp;
};

struct detect_compiled {
	struct detect_crule *rules;  /* evaluation order */
	uint32_t n_rules;
	struct detect_chain *chains;
	uint32_t *cond_idx;
	struct detect_pdb pdb[DETECT_GROUP_COUNT][DETECT_BUF_COUNT];
	uint32_t *always[DETECT_GROUP_COUNT]; /* rules without conditions: every inspection */
	uint32_t n_always[DETECT_GROUP_COUNT];
};

/* ---- Compiling (detect_prefilter.c, detect_pcre.c, detect_flowbits.c) ---- */

/*
 * Picks each rule's fast pattern and builds the databases; sets has_fp and
 * the nofp lists. Returns 0, TLSIPS_ENOMEM or TLSIPS_ECONFIG (Hyperscan
 * refused a database; reported on diag).
 */
int detect_prefilter_build(struct detect_ruleset *rs, struct detect_compiled *cm);
void detect_prefilter_free(struct detect_compiled *cm);
/* Bytes held by the databases. */
uint64_t detect_prefilter_memory(const struct detect_compiled *cm);

/* Compiles (and JITs) every pcre of r; false when one does not compile (reported). */
bool detect_pcre_compile_rule(struct detect_ruleset *rs, struct detect_rule *r);

/* Numbers the flowbit names of the given rules: fills ids[] and rs->n_flowbits. */
int detect_flowbits_number(struct detect_ruleset *rs, struct detect_rule **rules, uint32_t n);

/* ---- Matching ---- */

struct detect_flow {
	uint32_t n_bits;
	uint64_t bits[];             /* n_bits bits, rounded up to words */
};

/* flowbits:isset/isnotset of r all hold on df (df NULL: no bit is set). */
bool detect_flowbits_check(const struct detect_rule *r, const struct detect_flow *df);
/* Applies set/unset/toggle of a rule that matched. */
void detect_flowbits_apply(const struct detect_rule *r, struct detect_flow *df);

struct detect_thr_table;

/* A table of at most entries (rule, address) counters, least recently used evicted. */
struct detect_thr_table *detect_threshold_new(uint32_t entries);
void detect_threshold_free(struct detect_thr_table *t);
/*
 * Counts one match of rule number rule_idx with threshold th at pi; true
 * when the alert goes out. Entries and evictions are counted in st.
 */
bool detect_threshold_check(struct detect_thr_table *t, uint32_t rule_idx,
			    const struct detect_threshold *th, const struct detect_pkt_info *pi,
			    struct detect_stats *st);

/* One worker's scratch: detect_match.c makes it; every matcher file reads it. */
struct detect_ctx {
	const struct detect_ruleset *rs;
	const struct detect_compiled *cm;
	struct detect_limits lim;
	struct detect_stats stats;
	hs_scratch_t *scratch;
	void *pcre_md;               /* pcre2_match_data * */
	void *pcre_mctx;             /* pcre2_match_context *: match limit, JIT stack */
	void *pcre_jit_stack;        /* pcre2_jit_stack * */
	uint64_t *cand_bits;         /* one bit per compiled rule: already a candidate */
	uint32_t *cand;              /* candidates of this inspection, at most cap_cand */
	uint32_t n_cand, cap_cand;
	bool cand_overflow;
	uint64_t *hits;              /* rules that matched: priority << 32 | rule number */
	uint32_t n_hits;
	const struct detect_pdb *scan_pdb; /* the database being scanned, for the callback */
	uint32_t budget;             /* condition steps left for the rule being verified */
	struct detect_thr_table *thr;
	uint8_t *hs_pad;             /* copies of buffers ending near a page end (detect_hs_view) */
	size_t hs_pad_cap;
};

/* Condition steps one rule may take, backtracking included. */
enum { DETECT_VERIFY_BUDGET = 20000, DETECT_VERIFY_PCRE_STEP = 64 };

/*
 * The conditions of one chain hold on v (the chain's buffer): 1, 0, or -1
 * when the step budget ran out (counted by the caller).
 */
int detect_verify_chain(struct detect_ctx *dc, const struct detect_rule *r,
			const uint32_t *conds, uint32_t n, struct view v);

/*
 * Runs a pcre on subject[0..len) from start; 1 with the match span in
 * out_start/out_end, 0 when it does not match, -1 when a limit stopped it
 * (counted).
 */
int detect_pcre_exec(struct detect_ctx *dc, const struct detect_pcre *p, const uint8_t *subject,
		     size_t len, size_t start, size_t *out_start, size_t *out_end);

#endif
