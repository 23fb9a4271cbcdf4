/*
 * detect: Suricata-compatible rules over HTTP transactions and streams.
 *
 * A detect_ruleset is loaded from rule files (or built-in text), compiled
 * once, then read-only and shared by every worker; a reload builds a new
 * one aside. Compiling builds one Hyperscan database per buffer from each
 * rule's fast pattern (the longest, or the one the writer chose) and
 * JIT-compiles every pcre with PCRE2. Matching a buffer set runs the
 * prefilters, then verifies only the candidate rules in full (every
 * condition with its positions, pcre, sizes, flowbits, thresholds), so the
 * cost grows with the data and the candidates, not with the rule count.
 * Rules with no usable fast pattern are checked on every inspection of
 * their buffer (counted in the load stats).
 *
 * A detect_ctx is one worker's scratch (Hyperscan scratch, PCRE2 match
 * data, threshold table); a detect_flow is one flow's state (flowbits).
 */
#ifndef TLSIPS_DETECT_H
#define TLSIPS_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/detect_rule.h"
#include "http/http.h"
#include "net/net.h"

/* ---- Variables: $HOME_NET, $HTTP_PORTS ... ---- */

enum { DETECT_VARS_MAX = 64, DETECT_VAR_NAME = 48, DETECT_VAR_VALUE = 1024 };

struct detect_var {
	char name[DETECT_VAR_NAME];   /* without '$' */
	char value[DETECT_VAR_VALUE]; /* Suricata address or port syntax */
};

struct detect_vars {
	uint32_t n_addr, n_port;
	struct detect_var addr[DETECT_VARS_MAX];
	struct detect_var port[DETECT_VARS_MAX];
};

/*
 * Defaults for a host IPS: HOME_NET, EXTERNAL_NET and every *_SERVERS
 * variable Emerging Threats uses are "any" (tlsips guards the host it runs
 * on); HTTP_PORTS is "[80,443,8080,8443]", plus the other *_PORTS ET uses.
 */
void detect_vars_default(struct detect_vars *out);
/* Adds or replaces a variable; TLSIPS_ELIMIT when full or too long. */
int detect_vars_set(struct detect_vars *v, bool port, const char *name, const char *value);

/* ---- Parsing one rule ---- */

enum detect_parse_status {
	DETECT_PARSE_OK = 0,
	DETECT_PARSE_SKIPPED,     /* valid syntax, but a keyword tlsips does not support */
	DETECT_PARSE_ERROR,       /* syntax error */
};

struct detect_parse_diag {
	char keyword[48];         /* the unsupported or offending keyword, "" if none */
	char msg[256];            /* one line, no file:line (the caller adds it) */
};

/*
 * Parses one rule (continuation lines already joined, no trailing newline).
 * On DETECT_PARSE_OK *out is filled and owns its allocations (free with
 * detect_rule_fini); otherwise *out holds nothing to free and diag says why.
 */
enum detect_parse_status detect_parse_rule(const char *text, size_t len,
					   const struct detect_vars *vars, struct detect_rule *out,
					   struct detect_parse_diag *diag);

/* ---- Rule sets ---- */

enum { DETECT_SKIP_KEYWORDS = 64 };

struct detect_load_stats {
	uint32_t files;
	uint32_t loaded, skipped, failed;   /* active rules only */
	uint32_t commented;                 /* "#alert ..." lines: rules shipped disabled */
	uint32_t duplicates;                /* same gid:sid again: the later one is dropped */
	uint32_t disabled;                  /* turned off by an override */
	uint32_t no_fast_pattern;           /* rules checked on every inspection */
	struct { char keyword[48]; uint32_t count; } skipped_by[DETECT_SKIP_KEYWORDS];
	uint32_t n_skipped_by;
	uint64_t compile_usec;
	uint64_t memory_bytes;              /* rule structures + Hyperscan databases, approximate */
};

struct detect_ruleset;

/*
 * A new, empty set. vars is copied. diag receives one line per problem,
 * "FILE:LINE: error|warning: MESSAGE" (NULL: silent); it is borrowed.
 */
struct detect_ruleset *detect_ruleset_new(const struct detect_vars *vars, FILE *diag);
void detect_ruleset_free(struct detect_ruleset *rs);

/*
 * Loads a rule file: every rule that parses is kept, every other is reported
 * on diag and counted. Returns 0, or TLSIPS_ECONFIG when the file cannot be
 * read (reported too). Lines ending in '\' continue on the next line.
 */
int detect_ruleset_load_file(struct detect_ruleset *rs, const char *path);
/* The same for rules held in memory; name stands for the file in messages. */
int detect_ruleset_load_text(struct detect_ruleset *rs, const char *name, const char *text,
			     size_t len);
/*
 * Reads a Suricata classification.config ("config classification:
 * name,description,priority") so classtypes give categories and priorities;
 * tlsips has its own built-in table for the usual ones.
 */
int detect_ruleset_load_classification(struct detect_ruleset *rs, const char *path);

/* Rule overrides by sid (policy): before compiling. TLSIPS_ENOKEY if no such sid. */
int detect_ruleset_disable(struct detect_ruleset *rs, uint32_t sid);
int detect_ruleset_set_action(struct detect_ruleset *rs, uint32_t sid, enum detect_action action);

/*
 * Builds the prefilter databases and compiles pcre. A rule whose pcre does
 * not compile is dropped and counted failed (reported on diag). Returns 0,
 * or TLSIPS_ECONFIG / TLSIPS_ENOMEM if the set as a whole cannot be built.
 * After this the set is read-only.
 */
int detect_ruleset_compile(struct detect_ruleset *rs);

const struct detect_load_stats *detect_ruleset_stats(const struct detect_ruleset *rs);
uint32_t detect_ruleset_count(const struct detect_ruleset *rs);
const struct detect_rule *detect_ruleset_rule(const struct detect_ruleset *rs, uint32_t idx);
/* The category text of a classtype ("Web Application Attack"), or the classtype itself. */
const char *detect_ruleset_category(const struct detect_ruleset *rs, const struct detect_rule *r);

/* ---- Matching ---- */

struct detect_ctx;
struct detect_flow;

struct detect_limits {
	uint32_t threshold_entries;  /* tracked (rule, address) pairs; least recently used evicted */
	uint32_t max_candidates;     /* rules verified per buffer set; beyond: counted, skipped */
	uint32_t pcre_match_limit;   /* PCRE2 match limit, against catastrophic backtracking */
};

void detect_limits_default(struct detect_limits *out);

struct detect_stats {
	uint64_t inspections, prefilter_hits, candidates, verified, alerts, suppressed;
	uint64_t pcre_calls, pcre_limit_hits, candidate_limit_hits;
	uint64_t threshold_entries, threshold_evictions;
	uint64_t verify_limit_hits;  /* rules given up on: backtracking over the step budget */
	uint64_t scan_copies;        /* buffers copied before Hyperscan, ending near a page end */
	uint64_t scan_copy_failures; /* of those, not copied (no memory): the buffer was not scanned */
};

/* rs is borrowed and must outlive the context. */
struct detect_ctx *detect_ctx_new(const struct detect_ruleset *rs, const struct detect_limits *lim);
void detect_ctx_free(struct detect_ctx *dc);
const struct detect_stats *detect_ctx_stats(const struct detect_ctx *dc);

struct detect_flow *detect_flow_new(struct detect_ctx *dc);
void detect_flow_free(struct detect_flow *df);

/* The packet side of an inspection: sender first. */
struct detect_pkt_info {
	const struct net_addr *src, *dst;
	uint16_t sport, dport;
	uint64_t ts_usec;
	bool established;            /* the TCP handshake was seen (or the flow is midstream) */
};

struct detect_alert {
	const struct detect_rule *rule;
	enum detect_action action;   /* after overrides */
};

typedef void (*detect_alert_fn)(void *ctx, const struct detect_alert *alert);

struct detect_result {
	uint32_t alerts;             /* alerts emitted (after thresholds, noalert, pass) */
	enum detect_action verdict;  /* DROP or REJECT if a matching rule says so, PASS if a
	                              * pass rule matched, ALERT otherwise */
};

/*
 * Runs the rules on a transaction at one point: HTTP_DIR_REQUEST when the
 * request is complete (rules that need only request buffers), or
 * HTTP_DIR_RESPONSE when the response is (rules that need a response
 * buffer). pi describes the packet of that direction. Alerts are handed to
 * fn in rule order of priority; pass rules suppress the rest.
 */
struct detect_result detect_match_http(struct detect_ctx *dc, struct detect_flow *df,
				       const struct detect_pkt_info *pi, const struct http_txn *txn,
				       enum http_dir point, detect_alert_fn fn, void *fn_ctx);

/* Runs stream rules (no HTTP buffer) on a chunk of in-order payload of one direction. */
struct detect_result detect_match_stream(struct detect_ctx *dc, struct detect_flow *df,
					 const struct detect_pkt_info *pi, enum http_dir dir,
					 const uint8_t *data, size_t len, detect_alert_fn fn,
					 void *fn_ctx);

#endif
