/*
 * Emerging Threats rules must not only parse, they must fire: every ET web
 * rule made only of (non-negated) content conditions on request buffers gets
 * a transaction generated from its own contents — each content placed in
 * its buffer where its offset, depth, distance and within allow — and the
 * whole ET set (six files, compiled together) must alert on it. At least
 * 95 % of these generated transactions must fire their rule (the rest are
 * printed: rules whose contents cannot all be placed, e.g. overlapping
 * absolute positions). Ordinary browser and API requests, parsed by the
 * HTTP module, must fire nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "detect/detect.h"
#include "http/http.h"

#ifndef TLSIPS_ET_RULES_DIR
#define TLSIPS_ET_RULES_DIR "../shared/rules"
#endif

enum { GEN_BUF_MAX = 2048 };

static const char *const et_files[] = {
	"emerging-web_server.rules",  "emerging-web_specific_apps.rules",
	"emerging-exploit.rules",     "emerging-scan.rules",
	"emerging-user_agents.rules", "emerging-attack_response.rules",
};

struct gen_txn {
	struct http_txn txn;
	uint8_t mem[DETECT_BUF_COUNT][GEN_BUF_MAX];
	size_t len[DETECT_BUF_COUNT];
	bool ends[DETECT_BUF_COUNT]; /* an endswith content closed the buffer */
};

static bool
gen_content(struct gen_txn *g, const struct detect_content *c, uint16_t b)
{
	size_t *len = &g->len[b];
	size_t at;
	if (c->negated || g->ends[b])
		return false;
	if (c->has_distance || c->has_within) {
		if (c->has_distance && c->distance < 0)
			return false;
		at = *len + (c->has_distance ? (size_t)c->distance : 0);
	} else if (c->startswith || c->has_offset || c->has_depth) {
		at = c->has_offset ? (size_t)c->offset : 0;
		if (at < *len)
			return false; /* an earlier content already sits there */
	} else {
		at = *len;
	}
	if (at + c->len > GEN_BUF_MAX)
		return false;
	memset(g->mem[b] + *len, 'x', at - *len); /* filler the rule does not mention */
	memcpy(g->mem[b] + at, c->pat, c->len);
	*len = at + c->len;
	g->ends[b] = c->endswith;
	return true;
}

/* Builds a request for r; false when r is not a pure request-content rule. */
static bool
gen_for_rule(const struct detect_rule *r, struct gen_txn *g)
{
	memset(g->len, 0, sizeof(g->len));
	memset(g->ends, 0, sizeof(g->ends));
	if (r->needs_response || r->dir == DETECT_DIR_TO_CLIENT || r->n_flowbits ||
	    r->threshold.type != DETECT_THR_NONE || r->n_conds == 0 || r->action == DETECT_ACTION_PASS)
		return false;
	for (uint32_t i = 0; i < r->n_conds; i++) {
		const struct detect_cond *c = &r->conds[i];
		if (c->kind != DETECT_COND_CONTENT || c->buf == DETECT_BUF_STREAM ||
		    http_buf_is_response((enum http_buf)c->buf))
			return false;
		if (!gen_content(g, &c->u.content, c->buf))
			return false;
	}
	memset(&g->txn, 0, sizeof(g->txn));
	for (int b = 0; b < HTTP_BUF_COUNT; b++)
		g->txn.buf[b] = view_make(g->mem[b], g->len[b]);
	g->txn.request_complete = true;
	return true;
}

struct fired {
	uint32_t want_sid;
	bool hit;
	uint32_t n;
};

static void
on_alert(void *ctx, const struct detect_alert *a)
{
	struct fired *f = ctx;
	f->n++;
	if (a->rule->sid == f->want_sid)
		f->hit = true;
}

static struct detect_ruleset *et_set;

static int
et_setup(void **state)
{
	struct stat st;
	(void)state;
	if (stat(TLSIPS_ET_RULES_DIR, &st) != 0)
		return 0; /* the tests skip */
	struct detect_vars vars;
	detect_vars_default(&vars);
	FILE *quiet = fopen("/dev/null", "w");
	et_set = detect_ruleset_new(&vars, quiet);
	assert_non_null(et_set);
	for (size_t i = 0; i < sizeof(et_files) / sizeof(et_files[0]); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", TLSIPS_ET_RULES_DIR, et_files[i]);
		assert_int_equal(detect_ruleset_load_file(et_set, path), 0);
	}
	assert_int_equal(detect_ruleset_compile(et_set), 0);
	fclose(quiet);
	return 0;
}

static int
et_teardown(void **state)
{
	(void)state;
	if (et_set)
		detect_ruleset_free(et_set);
	return 0;
}

static struct detect_pkt_info
gen_pkt_info(void)
{
	static struct net_addr cli = { 4, { 192, 0, 2, 10 } }, srv = { 4, { 198, 51, 100, 20 } };
	struct detect_pkt_info pi = { &cli, &srv, 40000, 80, 1700000000000000ull, true };
	return pi;
}

static void
test_et_rules_fire_on_their_content(void **state)
{
	(void)state;
	if (!et_set)
		skip();
	struct detect_ctx *dc = detect_ctx_new(et_set, NULL);
	assert_non_null(dc);
	struct gen_txn *g = malloc(sizeof(*g));
	assert_non_null(g);
	struct detect_pkt_info pi = gen_pkt_info();
	uint32_t eligible = 0, fired = 0, shown = 0;
	for (uint32_t i = 0; i < detect_ruleset_count(et_set); i++) {
		const struct detect_rule *r = detect_ruleset_rule(et_set, i);
		if (!gen_for_rule(r, g))
			continue;
		eligible++;
		/* A fresh flow each time: no state carries from one rule's request to the next. */
		struct detect_flow *df = detect_flow_new(dc);
		assert_non_null(df);
		/* The server port the rule names (ET uses many besides 80). */
		pi.dport = r->dst_port.n_incl ? r->dst_port.incl[0].lo : 80;
		struct fired f = { r->sid, false, 0 };
		detect_match_http(dc, df, &pi, &g->txn, HTTP_DIR_REQUEST, on_alert, &f);
		detect_flow_free(df);
		if (f.hit)
			fired++;
		else if (shown++ < 20)
			printf("did not fire: sid %u (%s:%u)\n", r->sid, r->file, r->line);
	}
	printf("ET rules with generated requests: %u, fired: %u (%.2f %%)\n", eligible, fired,
	       eligible ? 100.0 * fired / eligible : 0.0);
	assert_true(eligible >= 1000);
	assert_true((uint64_t)fired * 100 >= (uint64_t)eligible * 95);
	free(g);
	detect_ctx_free(dc);
}

/* Ordinary requests a web server sees every day. */
static const char *const benign[] = {
	"GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; "
	"rv:120.0) Gecko/20100101 Firefox/120.0\r\nAccept: text/html,application/xhtml+xml\r\n"
	"Accept-Language: en-GB,en;q=0.8\r\nAccept-Encoding: gzip, deflate, br\r\n"
	"Connection: keep-alive\r\n\r\n",
	"GET /products/list?page=2&sort=price&order=asc HTTP/1.1\r\nHost: shop.example.com\r\n"
	"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
	"Gecko) Chrome/120.0.0.0 Safari/537.36\r\nReferer: https://shop.example.com/\r\n"
	"Cookie: session=4f2a9c; theme=dark\r\nAccept: */*\r\n\r\n",
	"POST /api/v1/orders HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\n"
	"Authorization: Bearer abc.def.ghi\r\nContent-Length: 45\r\n\r\n"
	"{\"item\":\"desk\",\"quantity\":2,\"note\":\"O'Brien\"}",
	"POST /account/login HTTP/1.1\r\nHost: www.example.com\r\nContent-Type: "
	"application/x-www-form-urlencoded\r\nContent-Length: 39\r\n\r\n"
	"username=alice&password=correct+horse+1",
	"GET /static/css/site.css?v=1.4.2 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: "
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
	"Version/17.1 Safari/605.1.15\r\nAccept: text/css,*/*;q=0.1\r\n\r\n",
	"GET /search?q=how+to+select+a+good+union+representative HTTP/1.1\r\nHost: "
	"www.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) "
	"Gecko/20100101 Firefox/120.0\r\n\r\n",
};

static void
on_benign_request(void *ctx, void *flow_ctx, const struct http_txn *txn)
{
	struct detect_ctx *dc = ctx;
	struct fired *f = flow_ctx;
	struct detect_pkt_info pi = gen_pkt_info();
	struct detect_flow *df = detect_flow_new(dc);
	assert_non_null(df);
	detect_match_http(dc, df, &pi, txn, HTTP_DIR_REQUEST, on_alert, f);
	detect_flow_free(df);
}

static void
test_et_rules_quiet_on_benign_requests(void **state)
{
	(void)state;
	if (!et_set)
		skip();
	struct detect_ctx *dc = detect_ctx_new(et_set, NULL);
	assert_non_null(dc);
	struct http_sink sink = { dc, on_benign_request, NULL };
	struct http_engine *he = http_engine_new(NULL, &sink);
	assert_non_null(he);
	for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++) {
		struct fired f = { 0, false, 0 };
		struct http_conn *c = http_conn_new(he, &f, 1700000000000000ull);
		assert_non_null(c);
		http_conn_feed(c, HTTP_DIR_REQUEST, (const uint8_t *)benign[i], strlen(benign[i]),
			       1700000000000000ull);
		http_conn_end(c, 1700000000000000ull);
		http_conn_free(c);
		if (f.n)
			printf("benign request %zu fired %u alert(s)\n", i, f.n);
		assert_int_equal(f.n, 0);
	}
	assert_int_equal(http_engine_stats(he)->requests, sizeof(benign) / sizeof(benign[0]));
	http_engine_free(he);
	detect_ctx_free(dc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_et_rules_fire_on_their_content),
		cmocka_unit_test(test_et_rules_quiet_on_benign_requests),
	};
	return cmocka_run_group_tests(tests, et_setup, et_teardown);
}
