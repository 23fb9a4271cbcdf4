/*
 * http_bench: small keep-alive transactions per second through http_conn.
 *
 * Build (release, no sanitizers) and run:
 *   cmake -S . -B build-http-rel -DTLSIPS_TESTS=OFF
 *   cmake --build build-http-rel -j2 --target tlsips_http
 *   cc -O2 -Isrc bench/http_bench.c build-http-rel/libtlsips_http.a \
 *      build-http-rel/libtlsips_base.a -lz -lcrypto -o build-http-rel/http_bench
 *   build-http-rel/http_bench [transactions]
 *
 * One connection; each transaction is a browser-like GET (8 headers) fed as
 * one segment and a 200 with a 64-byte body fed as another, so every
 * request and response goes through our parser, the buffers and both
 * sink calls. The sink touches the URI and body so nothing is optimised
 * away. (Before issue 4 this measured the module over libhtp; there is no
 * libhtp mode: libhtp alone did 155k-255k txn/s, docs/benchmarks.md.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http.h"

static const char req[] = "GET /static/app.js?v=1234 HTTP/1.1\r\n"
			  "Host: www.example.com\r\n"
			  "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0\r\n"
			  "Accept: */*\r\n"
			  "Accept-Language: en-US,en;q=0.5\r\n"
			  "Accept-Encoding: gzip, deflate\r\n"
			  "Referer: https://www.example.com/\r\n"
			  "Cookie: session=0123456789abcdef\r\n"
			  "Connection: keep-alive\r\n"
			  "\r\n";
static const char res[] = "HTTP/1.1 200 OK\r\n"
			  "Server: nginx\r\n"
			  "Content-Type: application/javascript\r\n"
			  "Content-Length: 64\r\n"
			  "Connection: keep-alive\r\n"
			  "\r\n"
			  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static unsigned long long http_bench_sum;

static void
http_bench_on_req(void *ctx, void *flow_ctx, const struct http_txn *txn)
{
	(void)ctx, (void)flow_ctx;
	http_bench_sum += txn->buf[HTTP_BUF_URI].len + txn->buf[HTTP_BUF_HOST].len;
}

static void
http_bench_on_res(void *ctx, void *flow_ctx, const struct http_txn *txn)
{
	(void)ctx, (void)flow_ctx;
	http_bench_sum += txn->buf[HTTP_BUF_RESPONSE_BODY].len + (unsigned)txn->status;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_sink sink = { NULL, http_bench_on_req, http_bench_on_res };
	struct http_engine *he = http_engine_new(&lim, &sink);
	lim.txns_per_conn = (uint32_t)n + 1;
	http_engine_free(he);
	he = http_engine_new(&lim, &sink);
	struct http_conn *c = http_conn_new(he, NULL, 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		http_conn_feed(c, HTTP_DIR_REQUEST, (const uint8_t *)req, sizeof(req) - 1, 0);
		http_conn_feed(c, HTTP_DIR_RESPONSE, (const uint8_t *)res, sizeof(res) - 1, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	const struct http_stats *st = http_engine_stats(he);
	printf("%ld transactions in %.3f s: %.0f txn/s (requests %llu responses %llu, sum %llu)\n", n,
	       s, (double)n / s, (unsigned long long)st->requests, (unsigned long long)st->responses,
	       http_bench_sum);
	http_conn_free(c);
	http_engine_free(he);
	return st->requests == (unsigned long long)n && st->responses == (unsigned long long)n ? 0 : 1;
}
