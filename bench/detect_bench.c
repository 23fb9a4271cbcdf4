/*
 * detect_bench: rule loading and HTTP matching speed of src/detect.
 *
 *   detect_bench [-n TXNS] [RULEFILE...]
 *
 * Loads the rule files (default: rules/web-server-common.rules), compiles
 * them, builds 1024 synthetic transactions (GET and POST, varied URIs,
 * common headers, a small body, a response with headers and a body; about
 * one in 64 carries an attack-looking string), then runs TXNS of them
 * (default 200000) through the request and the response point on one
 * worker context. Prints key=value lines: rules, load and compile time,
 * memory, transactions per second (wall clock, and per CPU second of the
 * matching thread, which stays meaningful on a busy machine), alerts and
 * matcher counters.
 *
 * Build (release, from the repository root):
 *   cmake -S . -B build-dmatch-rel -DCMAKE_BUILD_TYPE=Release -DTLSIPS_TESTS=OFF
 *   cmake --build build-dmatch-rel -j2 --target tlsips_detect
 *   cc -O2 -Isrc -DDETECT_BENCH_RULES='"rules/web-server-common.rules"' bench/detect_bench.c \
 *      build-dmatch-rel/libtlsips_detect.a build-dmatch-rel/libtlsips_net.a \
 *      build-dmatch-rel/libtlsips_http.a build-dmatch-rel/libtlsips_base.a \
 *      $(pkg-config --libs libhs libpcre2-8) -lhtp -lz -lcrypto -lstdc++ -lm -o detect_bench
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/detect.h"

#ifndef DETECT_BENCH_RULES
#define DETECT_BENCH_RULES "rules/web-server-common.rules"
#endif

enum { BENCH_TXNS = 1024, BENCH_STR = 512 };

struct bench_txn {
	struct http_txn t;
	char s[HTTP_BUF_COUNT][BENCH_STR];
};

static double
bench_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
bench_now(void)
{
	return bench_clock(CLOCK_MONOTONIC);
}

/* CPU time of this thread: the rate per core even on a busy machine. */
static double
bench_cpu(void)
{
	return bench_clock(CLOCK_THREAD_CPUTIME_ID);
}

static void
bench_set(struct bench_txn *b, enum http_buf k, const char *fmt, unsigned i)
{
	int n = snprintf(b->s[k], BENCH_STR, fmt, i, i * 7u, i % 13u);
	if (n < 0)
		n = 0;
	if (n >= BENCH_STR)
		n = BENCH_STR - 1;
	b->t.buf[k] = view_make(b->s[k], (size_t)n);
}

static const char *const bench_attacks[] = {
	"/cgi-bin/../../../../etc/passwd", "/index.php?id=1%%20UNION%%20SELECT%%20password",
	"/search?q=<script>alert(1)</script>", "/wp-admin/admin-ajax.php?action=revslider_show_image&img=../wp-config.php",
};

static void
bench_make(struct bench_txn *b, unsigned i)
{
	memset(b, 0, sizeof(*b));
	bool post = i % 4 == 0;
	const char *uri = i % 64 == 5 ? bench_attacks[(i / 64) % 4] :
			  i % 3 == 0  ? "/shop/item.php?id=%u&ref=%u&page=%u" :
			  i % 3 == 1  ? "/static/img/logo%u.png?v=%u" :
					"/api/v1/users/%u/orders?limit=%u";
	bench_set(b, HTTP_BUF_URI, uri, i);
	bench_set(b, HTTP_BUF_URI_RAW, uri, i);
	bench_set(b, HTTP_BUF_METHOD, post ? "POST" : "GET", i);
	bench_set(b, HTTP_BUF_REQUEST_PROTOCOL, "HTTP/1.1", i);
	bench_set(b, HTTP_BUF_HOST, "www.example%u.com", i % 10);
	bench_set(b, HTTP_BUF_USER_AGENT,
		  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/%u.0 Safari/537.36", i);
	bench_set(b, HTTP_BUF_ACCEPT, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.%u", i % 9);
	bench_set(b, HTTP_BUF_COOKIE, "session=%u%u; theme=%u", i);
	bench_set(b, HTTP_BUF_REQUEST_HEADERS,
		  "Host: www.example.com\r\nUser-Agent: Mozilla/5.0 Chrome/%u\r\nAccept: */*\r\n"
		  "Accept-Encoding: gzip\r\nX-Request-Id: %u-%u\r\n",
		  i);
	bench_set(b, HTTP_BUF_REQUEST_HEADERS_RAW,
		  "Host: www.example.com\r\nUser-Agent: Mozilla/5.0 Chrome/%u\r\nAccept: */*\r\n"
		  "Accept-Encoding: gzip\r\nX-Request-Id: %u-%u\r\n\r\n",
		  i);
	bench_set(b, HTTP_BUF_REQUEST_HEADER_NAMES,
		  "\r\nHost\r\nUser-Agent\r\nAccept\r\nAccept-Encoding\r\nX-Request-Id\r\n\r\n", i);
	bench_set(b, HTTP_BUF_REQUEST_LINE, post ? "POST /x/%u HTTP/1.1" : "GET /x/%u HTTP/1.1", i);
	if (post)
		bench_set(b, HTTP_BUF_REQUEST_BODY, "user=alice%u&comment=hello+world+%u&n=%u", i);
	bench_set(b, HTTP_BUF_STAT_CODE, i % 10 == 0 ? "404" : "200", i);
	bench_set(b, HTTP_BUF_STAT_MSG, i % 10 == 0 ? "Not Found" : "OK", i);
	bench_set(b, HTTP_BUF_RESPONSE_LINE, "HTTP/1.1 200 OK", i);
	bench_set(b, HTTP_BUF_RESPONSE_PROTOCOL, "HTTP/1.1", i);
	bench_set(b, HTTP_BUF_SERVER, "nginx/1.%u.%u", i % 30);
	bench_set(b, HTTP_BUF_RESPONSE_CONTENT_TYPE, "text/html; charset=utf-8", i);
	bench_set(b, HTTP_BUF_RESPONSE_HEADERS,
		  "Server: nginx\r\nContent-Type: text/html\r\nContent-Length: %u\r\nETag: \"%u-%u\"\r\n",
		  i);
	bench_set(b, HTTP_BUF_RESPONSE_HEADERS_RAW,
		  "Server: nginx\r\nContent-Type: text/html\r\nContent-Length: %u\r\nETag: \"%u-%u\"\r\n\r\n",
		  i);
	bench_set(b, HTTP_BUF_RESPONSE_BODY,
		  "<html><head><title>Page %u</title></head><body><p>Item %u of %u</p>"
		  "<a href=\"/next\">next</a></body></html>",
		  i);
	b->t.status = i % 10 == 0 ? 404 : 200;
	b->t.index = i;
}

static void
bench_alert(void *ctx, const struct detect_alert *a)
{
	(void)a;
	(*(uint64_t *)ctx)++;
}

int
main(int argc, char **argv)
{
	unsigned long n = 200000;
	int first = 1;
	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		n = strtoul(argv[2], NULL, 10);
		first = 3;
	}
	struct detect_vars vars;
	detect_vars_default(&vars);
	struct detect_ruleset *rs = detect_ruleset_new(&vars, NULL);
	if (!rs)
		return 1;
	double t0 = bench_now();
	if (first >= argc && detect_ruleset_load_file(rs, DETECT_BENCH_RULES) != 0)
		return 1;
	for (int i = first; i < argc; i++)
		if (detect_ruleset_load_file(rs, argv[i]) != 0)
			return 1;
	double t1 = bench_now();
	if (detect_ruleset_compile(rs) != 0)
		return 1;
	double t2 = bench_now();
	const struct detect_load_stats *ls = detect_ruleset_stats(rs);
	printf("rules_loaded=%u skipped=%u failed=%u no_fast_pattern=%u\n", ls->loaded, ls->skipped,
	       ls->failed, ls->no_fast_pattern);
	printf("load_sec=%.3f compile_sec=%.3f memory_mib=%.1f\n", t1 - t0, t2 - t1,
	       (double)ls->memory_bytes / 1048576.0);

	struct detect_ctx *dc = detect_ctx_new(rs, NULL);
	struct bench_txn *txns = calloc(BENCH_TXNS, sizeof(*txns));
	if (!dc || !txns)
		return 1;
	for (unsigned i = 0; i < BENCH_TXNS; i++)
		bench_make(&txns[i], i);
	struct net_addr cli = { 4, { 198, 51, 100, 7 } }, srv = { 4, { 192, 0, 2, 80 } };
	struct detect_pkt_info req = { &cli, &srv, 51000, 443, 0, true };
	struct detect_pkt_info rsp = { &srv, &cli, 443, 51000, 0, true };
	uint64_t alerts = 0;
	struct detect_flow *df = detect_flow_new(dc);
	double t3 = bench_now(), c3 = bench_cpu();
	for (unsigned long i = 0; i < n; i++) {
		const struct http_txn *t = &txns[i % BENCH_TXNS].t;
		req.ts_usec = rsp.ts_usec = i * 100;
		/* A new flow every 8 transactions, like keep-alive connections. */
		if (i % 8 == 0) {
			detect_flow_free(df);
			df = detect_flow_new(dc);
		}
		detect_match_http(dc, df, &req, t, HTTP_DIR_REQUEST, bench_alert, &alerts);
		detect_match_http(dc, df, &rsp, t, HTTP_DIR_RESPONSE, bench_alert, &alerts);
	}
	double t4 = bench_now(), c4 = bench_cpu();
	const struct detect_stats *st = detect_ctx_stats(dc);
	printf("txns=%lu sec=%.3f cpu_sec=%.3f txns_per_sec=%.0f txns_per_cpu_sec=%.0f alerts=%llu\n",
	       n, t4 - t3, c4 - c3, (double)n / (t4 - t3), (double)n / (c4 - c3),
	       (unsigned long long)alerts);
	printf("prefilter_hits=%llu candidates=%llu verified=%llu pcre_calls=%llu "
	       "pcre_limit_hits=%llu\n",
	       (unsigned long long)st->prefilter_hits, (unsigned long long)st->candidates,
	       (unsigned long long)st->verified, (unsigned long long)st->pcre_calls,
	       (unsigned long long)st->pcre_limit_hits);
	detect_flow_free(df);
	free(txns);
	detect_ctx_free(dc);
	detect_ruleset_free(rs);
	return 0;
}
