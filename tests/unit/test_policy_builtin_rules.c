/*
 * The built-in rules (rules/web-server-common.rules, compiled in as
 * policy_builtin_rules) against the requests of tests/rules/builtin_cases.txt:
 * each request goes through the HTTP parser and detect at the request point,
 * as in `tlsips inspect`. Attack cases must fire their sids (and nothing of
 * another class), benign cases nothing, and every rule needs both kinds of
 * case, so a rule added without tests fails here. The file's format is
 * described at its top.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detect.h"
#include "http/http.h"
#include "policy/policy.h"

#ifndef TLSIPS_BUILTIN_CASES
#error "TLSIPS_BUILTIN_CASES (path of builtin_cases.txt) must be defined"
#endif

enum {
	BC_CASES_MAX = 1024,
	BC_SIDS_MAX = 8,
	BC_NAME = 96,
	BC_HEAD_MAX = 16384,
	BC_BODY_MAX = 65536,
	BC_FIRED_MAX = 64,
	BC_CLASS = 32,
	BC_SID_FIRST = 9100001,
	BC_SID_LAST = 9100999,
};

struct bc_case {
	uint32_t line;
	bool attack;
	char name[BC_NAME];
	uint32_t sids[BC_SIDS_MAX];
	uint32_t n_sids;
	uint8_t *req;                /* owned: the whole request, head and body */
	size_t req_len;
};

struct bc_file {
	struct bc_case cases[BC_CASES_MAX];
	uint32_t n_cases;
};

/* What one request fired. */
struct bc_fired {
	uint32_t sids[BC_FIRED_MAX];
	uint32_t n;
	uint32_t overflow;
	uint32_t requests;           /* on_request calls: must be 1 */
};

/* Shared by every test: the compiled rules and the parsed cases. */
struct bc_env {
	struct detect_ruleset *rs;
	struct detect_ctx *dc;
	struct http_engine *he;
	struct bc_file *file;
	/* The case being run, for the sink. */
	struct detect_flow *df;
	struct detect_pkt_info pi;
	struct net_addr src, dst;
	struct bc_fired fired;
};

/* ---- Reading builtin_cases.txt ---- */

static int
bc_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends the unescaped line to out; false on a bad escape or no room. */
static bool
bc_unescape(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t n = *out_len;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)s[i];
		if (s[i] == '\\') {
			if (i + 1 >= len)
				return false;
			char e = s[++i];
			if (e == 'r') {
				b = '\r';
			} else if (e == 'n') {
				b = '\n';
			} else if (e == 't') {
				b = '\t';
			} else if (e == '\\') {
				b = '\\';
			} else if (e == 'x' && len - i > 2 && bc_hex(s[i + 1]) >= 0 &&
				   bc_hex(s[i + 2]) >= 0) {
				b = (uint8_t)(bc_hex(s[i + 1]) * 16 + bc_hex(s[i + 2]));
				i += 2;
			} else {
				return false;
			}
		}
		if (n >= cap)
			return false;
		out[n++] = b;
	}
	*out_len = n;
	return true;
}

static bool
bc_append(uint8_t *out, size_t cap, size_t *out_len, const char *s)
{
	size_t l = strlen(s);
	if (cap - *out_len < l)
		return false;
	memcpy(out + *out_len, s, l);
	*out_len += l;
	return true;
}

/* "case SIDS attack|benign NAME" */
static bool
bc_parse_case_line(const char *line, struct bc_case *c)
{
	char sids[128], kind[16];
	if (sscanf(line, "case %127s %15s %95s", sids, kind, c->name) != 3)
		return false;
	if (strcmp(kind, "attack") == 0)
		c->attack = true;
	else if (strcmp(kind, "benign") == 0)
		c->attack = false;
	else
		return false;
	c->n_sids = 0;
	if (strcmp(sids, "-") == 0)
		return !c->attack;
	for (char *save = NULL, *tok = strtok_r(sids, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long v = strtoul(tok, &end, 10);
		if (*end || v < BC_SID_FIRST || v > BC_SID_LAST || c->n_sids == BC_SIDS_MAX)
			return false;
		c->sids[c->n_sids++] = (uint32_t)v;
	}
	return c->n_sids > 0;
}

/* Joins head and body, replacing "Content-Length: auto" by the body length. */
static void
bc_finish_case(struct bc_case *c, const uint8_t *head, size_t head_len, const uint8_t *body,
	       size_t body_len)
{
	static const char auto_cl[] = "Content-Length: auto\r\n";
	char cl[64];
	int cl_len = snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", body_len);
	assert_true(cl_len > 0 && (size_t)cl_len < sizeof(cl));
	c->req = malloc(head_len + body_len + (size_t)cl_len);
	assert_non_null(c->req);
	size_t n = 0;
	for (size_t i = 0; i < head_len;) {
		size_t al = sizeof(auto_cl) - 1;
		if (head_len - i >= al && memcmp(head + i, auto_cl, al) == 0) {
			memcpy(c->req + n, cl, (size_t)cl_len);
			n += (size_t)cl_len;
			i += al;
		} else {
			c->req[n++] = head[i++];
		}
	}
	memcpy(c->req + n, body, body_len);
	c->req_len = n + body_len;
}

static struct bc_file *
bc_file_load(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	struct bc_file *bf = calloc(1, sizeof(*bf));
	uint8_t *head = malloc(BC_HEAD_MAX), *body = malloc(BC_BODY_MAX);
	assert_true(bf && head && body);
	char line[8192];
	uint32_t ln = 0;
	struct bc_case *cur = NULL;
	size_t head_len = 0, body_len = 0;
	bool in_body = false, body_first = true;
	while (fgets(line, sizeof(line), f)) {
		ln++;
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n')
			fail_msg("%s:%u: line too long", path, ln);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!cur) {
			if (len == 0 || line[0] == '#')
				continue;
			if (bf->n_cases == BC_CASES_MAX)
				fail_msg("%s:%u: more than %d cases", path, ln, BC_CASES_MAX);
			cur = &bf->cases[bf->n_cases];
			cur->line = ln;
			if (!bc_parse_case_line(line, cur))
				fail_msg("%s:%u: expected \"case SIDS attack|benign NAME\"", path, ln);
			head_len = body_len = 0;
			in_body = false;
			body_first = true;
			continue;
		}
		if (strcmp(line, "end") == 0) {
			if (!bc_append(head, BC_HEAD_MAX, &head_len, "\r\n"))
				fail_msg("%s:%u: request head too long", path, ln);
			bc_finish_case(cur, head, head_len, body, body_len);
			bf->n_cases++;
			cur = NULL;
			continue;
		}
		bool ok;
		if (in_body) {
			ok = (body_first || bc_append(body, BC_BODY_MAX, &body_len, "\r\n")) &&
			     bc_unescape(line, len, body, BC_BODY_MAX, &body_len);
			body_first = false;
		} else if (len == 0) {
			in_body = true;
			ok = true;
		} else {
			ok = bc_unescape(line, len, head, BC_HEAD_MAX, &head_len) &&
			     bc_append(head, BC_HEAD_MAX, &head_len, "\r\n");
		}
		if (!ok)
			fail_msg("%s:%u: bad escape or request too long", path, ln);
	}
	fclose(f);
	free(head);
	free(body);
	if (cur)
		fail_msg("%s:%u: case without \"end\"", path, cur->line);
	return bf;
}

static void
bc_file_free(struct bc_file *bf)
{
	if (!bf)
		return;
	for (uint32_t i = 0; i < bf->n_cases; i++)
		free(bf->cases[i].req);
	free(bf);
}

/* ---- Running one request ---- */

static void
bc_on_alert(void *ctx, const struct detect_alert *alert)
{
	struct bc_fired *fired = ctx;
	if (fired->n == BC_FIRED_MAX) {
		fired->overflow++;
		return;
	}
	fired->sids[fired->n++] = alert->rule->sid;
}

static void
bc_on_request(void *ctx, void *flow_ctx, const struct http_txn *txn)
{
	struct bc_env *env = ctx;
	(void)flow_ctx;
	env->fired.requests++;
	detect_match_http(env->dc, env->df, &env->pi, txn, HTTP_DIR_REQUEST, bc_on_alert,
			  &env->fired);
}

/*
 * Every case comes from its own client address, so per-source thresholds
 * (the scanner rules) never hold one case's alert back because of another.
 */
static void
bc_run(struct bc_env *env, uint32_t idx, const struct bc_case *c)
{
	uint64_t ts = 1700000000000000ull + (uint64_t)idx * 1000000ull;
	memset(&env->fired, 0, sizeof(env->fired));
	env->src = (struct net_addr){ .family = 4, .bytes = { 10, (uint8_t)(idx >> 8),
							      (uint8_t)idx, 1 } };
	env->dst = (struct net_addr){ .family = 4, .bytes = { 192, 0, 2, 80 } };
	env->pi = (struct detect_pkt_info){ .src = &env->src, .dst = &env->dst,
					    .sport = (uint16_t)(20000 + idx % 40000), .dport = 80,
					    .ts_usec = ts, .established = true };
	env->df = detect_flow_new(env->dc);
	assert_non_null(env->df);
	struct http_conn *hc = http_conn_new(env->he, NULL, ts);
	assert_non_null(hc);
	http_conn_feed(hc, HTTP_DIR_REQUEST, c->req, c->req_len, ts);
	http_conn_end(hc, ts + 1);
	http_conn_free(hc);
	detect_flow_free(env->df);
	env->df = NULL;
}

/* ---- Rule classes: the CLASS word of msg "TLSIPS WEB CLASS what" ---- */

static bool
bc_rule_class(const struct detect_rule *r, char *out, size_t cap)
{
	static const char prefix[] = "TLSIPS WEB ";
	if (!r->msg || strncmp(r->msg, prefix, sizeof(prefix) - 1) != 0)
		return false;
	const char *p = r->msg + sizeof(prefix) - 1;
	size_t n = strcspn(p, " ");
	if (n == 0 || n >= cap || p[n] != ' ')
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static const struct detect_rule *
bc_rule_by_sid(const struct detect_ruleset *rs, uint32_t sid)
{
	for (uint32_t i = 0; i < detect_ruleset_count(rs); i++)
		if (detect_ruleset_rule(rs, i)->sid == sid)
			return detect_ruleset_rule(rs, i);
	return NULL;
}

static bool
bc_has(const uint32_t *sids, uint32_t n, uint32_t sid)
{
	for (uint32_t i = 0; i < n; i++)
		if (sids[i] == sid)
			return true;
	return false;
}

static void
bc_print_fired(const struct bc_fired *f, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (uint32_t i = 0; i < f->n && n < cap; i++) {
		int w = snprintf(out + n, cap - n, "%s%u", i ? "," : "", f->sids[i]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* Why an attack case's outcome is wrong, or NULL. */
static const char *
bc_attack_problem(const struct bc_env *env, const struct bc_case *c)
{
	for (uint32_t i = 0; i < c->n_sids; i++)
		if (!bc_has(env->fired.sids, env->fired.n, c->sids[i]))
			return "an expected sid did not fire";
	for (uint32_t i = 0; i < env->fired.n; i++) {
		uint32_t sid = env->fired.sids[i];
		if (bc_has(c->sids, c->n_sids, sid))
			continue;
		char got[BC_CLASS], want[BC_CLASS];
		const struct detect_rule *r = bc_rule_by_sid(env->rs, sid);
		if (!r || !bc_rule_class(r, got, sizeof(got)))
			return "an unknown rule fired";
		bool same = false;
		for (uint32_t j = 0; j < c->n_sids && !same; j++) {
			const struct detect_rule *w = bc_rule_by_sid(env->rs, c->sids[j]);
			same = w && bc_rule_class(w, want, sizeof(want)) && strcmp(got, want) == 0;
		}
		if (!same)
			return "a rule of another class fired";
	}
	return NULL;
}

/* ---- Fixture ---- */

static int
bc_setup(void **state)
{
	struct bc_env *env = calloc(1, sizeof(*env));
	if (!env)
		return -1;
	env->file = bc_file_load(TLSIPS_BUILTIN_CASES);
	struct detect_vars vars;
	detect_vars_default(&vars);
	env->rs = detect_ruleset_new(&vars, stderr);
	if (!env->rs ||
	    detect_ruleset_load_text(env->rs, POLICY_BUILTIN_RULES, policy_builtin_rules,
				     policy_builtin_rules_len) != 0 ||
	    detect_ruleset_compile(env->rs) != 0)
		return -1;
	struct detect_limits lim;
	detect_limits_default(&lim);
	env->dc = detect_ctx_new(env->rs, &lim);
	struct http_limits hl;
	http_limits_default(&hl);
	hl.responses = false;
	struct http_sink sink = { .ctx = env, .on_request = bc_on_request };
	env->he = http_engine_new(&hl, &sink);
	if (!env->dc || !env->he)
		return -1;
	*state = env;
	return 0;
}

static int
bc_teardown(void **state)
{
	struct bc_env *env = *state;
	if (!env)
		return 0;
	http_engine_free(env->he);
	detect_ctx_free(env->dc);
	detect_ruleset_free(env->rs);
	bc_file_free(env->file);
	free(env);
	return 0;
}

/* ---- Tests ---- */

/* Every rule of the file loads, none is skipped or fails, each has a fast pattern. */
static void
test_builtin_rules_all_load(void **state)
{
	struct bc_env *env = *state;
	const struct detect_load_stats *st = detect_ruleset_stats(env->rs);
	uint32_t in_text = 0;
	const char *p = policy_builtin_rules, *end = p + policy_builtin_rules_len;
	while ((p = memmem(p, (size_t)(end - p), "sid:", 4)) != NULL) {
		in_text++;
		p += 4;
	}
	assert_true(in_text >= 50);
	assert_int_equal(detect_ruleset_count(env->rs), in_text);
	assert_int_equal(st->loaded, in_text);
	assert_int_equal(st->skipped, 0);
	assert_int_equal(st->failed, 0);
	assert_int_equal(st->duplicates, 0);
	assert_int_equal(st->no_fast_pattern, 0);
}

/* sid range, msg shape, and action: drop for attacks, alert only for scanners. */
static void
test_builtin_rules_conventions(void **state)
{
	struct bc_env *env = *state;
	for (uint32_t i = 0; i < detect_ruleset_count(env->rs); i++) {
		const struct detect_rule *r = detect_ruleset_rule(env->rs, i);
		char cls[BC_CLASS];
		if (r->sid < BC_SID_FIRST || r->sid > BC_SID_LAST || r->rev != 1 ||
		    !bc_rule_class(r, cls, sizeof(cls)) || !r->classtype || !r->established ||
		    r->dir != DETECT_DIR_TO_SERVER)
			fail_msg("sid %u: sid range, rev, msg, classtype or flow is off", r->sid);
		bool scanner = strcmp(cls, "SCANNER") == 0;
		bool drop_ok = r->action == DETECT_ACTION_DROP ||
			       (r->action == DETECT_ACTION_ALERT && (scanner || r->sid == 9100504));
		if (!drop_ok)
			fail_msg("sid %u: attacks drop, only scanners alert", r->sid);
	}
}

/* Each attack case fires its sids, and nothing of another class. */
static void
test_builtin_attacks_fire(void **state)
{
	struct bc_env *env = *state;
	uint32_t bad = 0, n = 0;
	for (uint32_t i = 0; i < env->file->n_cases; i++) {
		const struct bc_case *c = &env->file->cases[i];
		if (!c->attack)
			continue;
		n++;
		bc_run(env, i, c);
		const char *why = env->fired.requests != 1 ? "the request was not parsed once" :
				  bc_attack_problem(env, c);
		if (why) {
			char got[512];
			bc_print_fired(&env->fired, got, sizeof(got));
			print_error("builtin_cases.txt:%u attack %s: %s (fired: %s)\n", c->line,
				    c->name, why, got[0] ? got : "nothing");
			bad++;
		}
	}
	assert_true(n > 0);
	assert_int_equal(bad, 0);
}

/* No benign case fires anything. */
static void
test_builtin_benign_silent(void **state)
{
	struct bc_env *env = *state;
	uint32_t bad = 0, n = 0;
	for (uint32_t i = 0; i < env->file->n_cases; i++) {
		const struct bc_case *c = &env->file->cases[i];
		if (c->attack)
			continue;
		n++;
		bc_run(env, i, c);
		if (env->fired.requests != 1 || env->fired.n != 0) {
			char got[512];
			bc_print_fired(&env->fired, got, sizeof(got));
			print_error("builtin_cases.txt:%u benign %s: fired %s (requests %u)\n",
				    c->line, c->name, got[0] ? got : "nothing",
				    env->fired.requests);
			bad++;
		}
	}
	assert_true(n >= 30);
	assert_int_equal(bad, 0);
}

/* Every rule has an attack case that lists it and a benign case near it. */
static void
test_builtin_every_rule_has_cases(void **state)
{
	struct bc_env *env = *state;
	uint32_t bad = 0;
	for (uint32_t i = 0; i < detect_ruleset_count(env->rs); i++) {
		uint32_t sid = detect_ruleset_rule(env->rs, i)->sid;
		bool attack = false, benign = false;
		for (uint32_t j = 0; j < env->file->n_cases; j++) {
			const struct bc_case *c = &env->file->cases[j];
			if (bc_has(c->sids, c->n_sids, sid)) {
				attack |= c->attack;
				benign |= !c->attack;
			}
		}
		if (!attack || !benign) {
			print_error("sid %u has no %s case in builtin_cases.txt\n", sid,
				    attack ? "benign" : "attack");
			bad++;
		}
	}
	/* And no case names a sid that is not a rule. */
	for (uint32_t j = 0; j < env->file->n_cases; j++) {
		const struct bc_case *c = &env->file->cases[j];
		for (uint32_t k = 0; k < c->n_sids; k++) {
			if (!bc_rule_by_sid(env->rs, c->sids[k])) {
				print_error("builtin_cases.txt:%u names sid %u, which is no rule\n",
					    c->line, c->sids[k]);
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* The checks above can fail: an attack request run as benign is caught. */
static void
test_builtin_checker_catches_misses(void **state)
{
	struct bc_env *env = *state;
	static const char req[] = "GET /p.php?id=1%20union%20select%201,2,3-- HTTP/1.1\r\n"
				  "Host: x\r\n\r\n";
	struct bc_case c = { .line = 0, .attack = true, .sids = { 9100001 }, .n_sids = 1,
			     .req = (uint8_t *)req, .req_len = sizeof(req) - 1 };
	bc_run(env, 0, &c);
	assert_int_equal(env->fired.requests, 1);
	assert_null(bc_attack_problem(env, &c));
	c.sids[0] = 9100101; /* XSS: not what this request is */
	assert_non_null(bc_attack_problem(env, &c));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_rules_all_load),
		cmocka_unit_test(test_builtin_rules_conventions),
		cmocka_unit_test(test_builtin_attacks_fire),
		cmocka_unit_test(test_builtin_benign_silent),
		cmocka_unit_test(test_builtin_every_rule_has_cases),
		cmocka_unit_test(test_builtin_checker_catches_misses),
	};
	return cmocka_run_group_tests(tests, bc_setup, bc_teardown);
}
