/*
 * Unit tests for http_parse and http_head: the framing cases of our own
 * parser (HTTP/0.9, empty lines, lone LF, folding, NUL, CONNECT and 101
 * tunnels, interim responses, bodiless responses, chunk extensions and
 * trailers, bad chunks, early responses), its limits and their counters.
 * Most exchanges are also fed at every split point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/http_int.h"
#include "http_cap.h"

#define REQ HTTP_DIR_REQUEST
#define RES HTTP_DIR_RESPONSE

/* Runs whole, then at every split point and byte by byte: all the same. */
static void
run_checked(const struct http_limits *lim, const struct http_seg *segs, size_t n,
	    struct http_cap *out, struct http_stats *out_stats)
{
	http_cap_run(lim, segs, n, -1, 0, 0, true, out, out_stats);
	for (size_t s = 0; s < n; s++)
		for (size_t at = 1; at < segs[s].len; at++) {
			struct http_cap cap = { 0 };
			http_cap_run(lim, segs, n, (int)s, at, 0, true, &cap, NULL);
			if (!http_cap_equal(out, &cap))
				fail_msg("segment %zu split at %zu differs", s, at);
			http_cap_clear(&cap);
		}
	struct http_cap bytes = { 0 };
	http_cap_run(lim, segs, n, -1, 0, 1, true, &bytes, NULL);
	assert_true(http_cap_equal(out, &bytes));
	http_cap_clear(&bytes);
}

static void
test_http09_then_more(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_seg segs[] = { HTTP_SEG(REQ, "GET /old\r\nGET /new HTTP/1.1\r\nHost: h\r\n\r\n") };
	struct http_cap cap = { 0 };
	run_checked(&lim, segs, 1, &cap, NULL);
	assert_int_equal(cap.n, 2);
	assert_buf(&cap.r[0], HTTP_BUF_METHOD, "GET");
	assert_buf(&cap.r[0], HTTP_BUF_URI, "/old");
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_PROTOCOL, "");
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_HEADERS_RAW, "");
	assert_true(cap.r[0].request_complete);
	assert_int_equal(cap.r[0].anomalies, 0);
	assert_buf(&cap.r[1], HTTP_BUF_URI, "/new");
	assert_buf(&cap.r[1], HTTP_BUF_HOST, "h");
	http_cap_clear(&cap);
	/* No protocol but a field follows: the fields are read (libhtp's probe). */
	struct http_seg b[] = { HTTP_SEG(REQ, "GET /noproto\r\nHost: h\r\n\r\n") };
	run_checked(&lim, b, 1, &cap, NULL);
	assert_int_equal(cap.n, 1);
	assert_buf(&cap.r[0], HTTP_BUF_HOST, "h");
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_PROTOCOL, "");
	assert_int_equal(cap.r[0].anomalies, 0); /* as libhtp: a missing protocol is 0.9 */
	http_cap_clear(&cap);
}

static void
test_empty_lines_and_lone_lf(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_seg segs[] = {
		HTTP_SEG(REQ, "\r\n\r\nGET /a HTTP/1.1\nHost: h\nX-A:  1 \n\n"
			      "\n  \r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"),
		HTTP_SEG(RES, "HTTP/1.1 200 OK\nContent-Length: 1\n\nA\r\n"
			      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB"),
	};
	struct http_cap cap = { 0 };
	run_checked(&lim, segs, 2, &cap, NULL);
	assert_int_equal(cap.n, 4);
	assert_buf(&cap.r[0], HTTP_BUF_URI, "/a");
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_HEADERS, "Host: h\r\nX-A: 1\r\n");
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_HEADERS_RAW, "Host: h\nX-A:  1 \n\n");
	assert_int_equal(cap.r[0].anomalies, 0);
	assert_buf(&cap.r[1], HTTP_BUF_URI, "/b");
	assert_buf(&cap.r[2], HTTP_BUF_RESPONSE_BODY, "A");
	assert_buf(&cap.r[3], HTTP_BUF_RESPONSE_BODY, "B");
	assert_int_equal(cap.r[3].index, 1);
	http_cap_clear(&cap);
}

static void
test_folding_repeats_nul(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_seg a[] = { HTTP_SEG(REQ, "GET / HTTP/1.1\r\nHost: h\r\nX-F: one\r\n two\r\n"
					      "X-R: 1\r\nx-r: 2\r\nCookie: a\r\nCookie: b\r\n\r\n") };
	struct http_cap cap = { 0 };
	run_checked(&lim, a, 1, &cap, NULL);
	assert_int_equal(cap.n, 1);
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_HEADERS, "Host: h\r\nX-F: one two\r\nX-R: 1, 2\r\n");
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_HEADER_NAMES, "\r\nHost\r\nX-F\r\nX-R\r\nCookie\r\n\r\n");
	assert_buf(&cap.r[0], HTTP_BUF_COOKIE, "a, b");
	assert_int_equal(cap.r[0].anomalies, 0);
	http_cap_clear(&cap);
	/* Folding with nothing before it, and a NUL before the colon: invalid. */
	static const char nul[] = "GET / HTTP/1.1\r\n X-Lead: 1\r\nHo\0st: h\r\n\r\n";
	static const char want[] = "X-Lead: 1\r\n: Ho\0st: h\r\n";
	struct http_seg b[] = { { REQ, nul, sizeof(nul) - 1 } };
	run_checked(&lim, b, 1, &cap, NULL);
	assert_int_equal(cap.n, 1);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_INVALID_REQUEST);
	assert_int_equal(cap.r[0].len[HTTP_BUF_REQUEST_HEADERS], sizeof(want) - 1);
	assert_memory_equal(cap.r[0].buf[HTTP_BUF_REQUEST_HEADERS], want, sizeof(want) - 1);
	http_cap_clear(&cap);
}

static void
test_connect_tunnel_and_refusal(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_seg a[] = {
		HTTP_SEG(REQ, "CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n\r\n"),
		HTTP_SEG(RES, "HTTP/1.1 200 Connection established\r\n\r\n"),
		HTTP_SEG(REQ, "\x16\x03\x01 not http at all\r\n\r\n"),
		HTTP_SEG(RES, "\x16\x03\x03 neither\r\n\r\n"),
	};
	struct http_cap cap = { 0 };
	struct http_stats st;
	run_checked(&lim, a, 4, &cap, &st);
	assert_int_equal(cap.n, 2);
	assert_buf(&cap.r[0], HTTP_BUF_URI, "h.example:443");
	assert_buf(&cap.r[0], HTTP_BUF_HOST, "h.example");
	assert_int_equal(cap.r[1].status, 200);
	assert_int_equal(cap.r[1].anomalies, 0);
	assert_int_equal(st.tunnels, 1);
	assert_int_equal(st.parse_errors, 0);
	http_cap_clear(&cap);
	/* Refused: the request side waited for the answer, then goes on. */
	struct http_seg b[] = {
		HTTP_SEG(REQ, "CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n"),
		HTTP_SEG(RES, "HTTP/1.1 407 Auth\r\nContent-Length: 0\r\n\r\n"
			      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
	};
	run_checked(&lim, b, 2, &cap, &st);
	assert_int_equal(cap.n, 4);
	assert_int_equal(cap.r[1].status, 407);
	assert_buf(&cap.r[2], HTTP_BUF_URI, "/after");
	assert_int_equal(cap.r[3].status, 200);
	assert_int_equal(st.tunnels, 0);
	http_cap_clear(&cap);
}

static void
test_upgrade_101(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_seg a[] = {
		HTTP_SEG(REQ, "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
		HTTP_SEG(RES, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello"),
		HTTP_SEG(REQ, "\x81\x85 masked frame\r\n\r\n"),
	};
	struct http_cap cap = { 0 };
	struct http_stats st;
	run_checked(&lim, a, 3, &cap, &st);
	assert_int_equal(cap.n, 2);
	assert_int_equal(cap.r[1].status, 101);
	assert_int_equal(st.tunnels, 1);
	assert_int_equal(st.parse_errors, 0);
	http_cap_clear(&cap);
	/* With responses off the 101 is still read for framing, just not reported. */
	lim.responses = false;
	run_checked(&lim, a, 3, &cap, &st);
	assert_int_equal(cap.n, 1);
	assert_int_equal(cap.r[0].anomalies, 0);
	assert_int_equal(st.tunnels, 1);
	assert_int_equal(st.requests, 1);
	http_cap_clear(&cap);
}

static void
test_interim_and_bodiless(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_seg a[] = {
		HTTP_SEG(REQ, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: h\r\n\r\n"
			      "GET /3 HTTP/1.1\r\nHost: h\r\n\r\nGET /4 HTTP/1.1\r\nHost: h\r\n\r\n"),
		HTTP_SEG(RES, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
			      "HTTP/1.1 102 Processing\r\n\r\n"
			      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
			      "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n"
			      "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"
			      "HTTP/1.1 304 Not Modified\r\n\r\n"),
	};
	struct http_cap cap = { 0 };
	run_checked(&lim, a, 2, &cap, NULL);
	assert_int_equal(cap.n, 8);
	int want[] = { 200, 200, 204, 304 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(cap.r[4 + i].dir, RES);
		assert_int_equal(cap.r[4 + i].status, want[i]);
		assert_true(cap.r[4 + i].response_complete);
	}
	assert_buf(&cap.r[4], HTTP_BUF_RESPONSE_HEADERS_RAW, "Content-Length: 2\r\n\r\n");
	assert_buf(&cap.r[4], HTTP_BUF_RESPONSE_BODY, "ok");
	assert_buf(&cap.r[5], HTTP_BUF_METHOD, "HEAD");
	assert_buf(&cap.r[5], HTTP_BUF_RESPONSE_BODY, "");
	http_cap_clear(&cap);
}

static void
test_chunk_extensions_trailers(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_seg a[] = {
		HTTP_SEG(REQ, "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
			      "4;name=\"v\";x\r\nabcd\r\n"
			      "A  \r\n0123456789\r\n"
			      "0;last\r\nX-Sum: 1\r\nX-More: 2\r\n\r\n"
			      "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"),
	};
	struct http_cap cap = { 0 };
	run_checked(&lim, a, 1, &cap, NULL);
	assert_int_equal(cap.n, 2);
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_BODY, "abcd0123456789");
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_HEADERS, "Host: h\r\nTransfer-Encoding: chunked\r\n");
	assert_true(cap.r[0].request_complete);
	assert_int_equal(cap.r[0].anomalies, 0);
	assert_buf(&cap.r[1], HTTP_BUF_URI, "/next");
	http_cap_clear(&cap);
}

static void
test_bad_chunks(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	/* Request: cannot be framed any more; the direction stops. */
	struct http_seg a[] = { HTTP_SEG(REQ, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
					      "2\r\nab\r\nzz\r\nGET /hidden HTTP/1.1\r\n\r\n") };
	struct http_cap cap = { 0 };
	struct http_stats st;
	run_checked(&lim, a, 1, &cap, &st);
	assert_int_equal(cap.n, 1);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_BAD_CHUNK);
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_BODY, "ab");
	assert_false(cap.r[0].request_complete);
	assert_int_equal(st.parse_errors, 1);
	http_cap_clear(&cap);
	/* Response: the rest is read to the close. */
	struct http_seg b[] = { HTTP_SEG(REQ, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
				HTTP_SEG(RES, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
					      "1\r\na\r\nxyz\r\nrest") };
	run_checked(&lim, b, 2, &cap, &st);
	assert_int_equal(cap.n, 2);
	assert_true(cap.r[1].anomalies & HTTP_ANOM_BAD_CHUNK);
	assert_buf(&cap.r[1], HTTP_BUF_RESPONSE_BODY, "arest");
	http_cap_clear(&cap);
	/* A chunk-size line without end: bounded, counted. */
	static char big[HTTP_CAP_MAX * 200];
	int n = snprintf(big, sizeof(big), "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;");
	memset(big + n, 'e', 5000);
	struct http_seg c[] = { { REQ, big, (size_t)n + 5000 } };
	http_cap_run(&lim, c, 1, -1, 0, 0, true, &cap, &st);
	assert_int_equal(cap.n, 1);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_BAD_CHUNK);
	assert_int_equal(st.chunk_line_limit_hits, 1);
	http_cap_clear(&cap);
}

static void
test_header_lines_limit(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	static char req[16384];
	size_t n = (size_t)snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 0; i < 600; i++)
		n += (size_t)snprintf(req + n, sizeof(req) - n, "X%d: v\r\n", i);
	n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\n");
	struct http_seg segs[] = { { REQ, req, n } };
	struct http_cap cap = { 0 };
	struct http_stats st;
	http_cap_run(&lim, segs, 1, -1, 0, 0, true, &cap, &st);
	assert_int_equal(cap.n, 1);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_HEADERS_TOO_LARGE);
	assert_int_equal(st.header_lines_limit_hits, 1);
	assert_int_equal(st.header_limit_hits, 0);
	/* The raw block is whole: it is under header_bytes. */
	assert_int_equal(cap.r[0].len[HTTP_BUF_REQUEST_HEADERS_RAW], n - 16);
	http_cap_clear(&cap);
}

/* A response arriving while its request's head is incomplete waits for it. */
static void
test_response_waits_for_request(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_seg a[] = {
		HTTP_SEG(REQ, "GET /slow HTTP/1.1\r\nHo"),
		HTTP_SEG(RES, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz"),
		HTTP_SEG(REQ, "st: h\r\n\r\n"),
	};
	struct http_cap cap = { 0 };
	run_checked(&lim, a, 3, &cap, NULL);
	assert_int_equal(cap.n, 2);
	assert_int_equal(cap.r[0].dir, REQ);
	assert_buf(&cap.r[1], HTTP_BUF_URI, "/slow");
	assert_buf(&cap.r[1], HTTP_BUF_RESPONSE_BODY, "z");
	assert_int_equal(cap.r[1].anomalies, 0);
	http_cap_clear(&cap);
	/* A response that ends during the request's body is held until the request ends. */
	struct http_seg b[] = {
		HTTP_SEG(REQ, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nabc"),
		HTTP_SEG(RES, "HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n"),
		HTTP_SEG(REQ, "def"),
	};
	run_checked(&lim, b, 3, &cap, NULL);
	assert_int_equal(cap.n, 2);
	assert_int_equal(cap.r[0].dir, REQ);
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_BODY, "abcdef");
	assert_true(cap.r[0].request_complete);
	assert_int_equal(cap.r[1].status, 413);
	http_cap_clear(&cap);
}

static void
test_not_http_response(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_seg a[] = { HTTP_SEG(REQ, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
				HTTP_SEG(RES, "<html>no status line</html>\r\nmore") };
	struct http_cap cap = { 0 };
	struct http_stats st;
	run_checked(&lim, a, 2, &cap, &st);
	assert_int_equal(cap.n, 2);
	assert_true(cap.r[1].anomalies & HTTP_ANOM_INVALID_RESPONSE);
	assert_buf(&cap.r[1], HTTP_BUF_RESPONSE_BODY, "<html>no status line</html>\r\nmore");
	assert_true(cap.r[1].response_complete);
	assert_int_equal(st.parse_errors, 1);
	http_cap_clear(&cap);
}

/* Response bytes held while the request head never completes: bounded. */
static void
test_pending_limit(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_cap cap = { 0 };
	struct http_engine *he;
	struct http_conn *c = http_cap_open(&lim, &cap, &he);
	const char req[] = "GET / HTTP/1.1\r\nX: ";
	http_conn_feed(c, REQ, (const uint8_t *)req, sizeof(req) - 1, 0);
	static uint8_t chunk[64 * 1024];
	memset(chunk, 'r', sizeof(chunk));
	memcpy(chunk, "HTTP/1.1 200 OK\r\n", 17);
	for (int i = 0; i < 6; i++)
		http_conn_feed(c, RES, chunk, sizeof(chunk), 0);
	const struct http_stats *st = http_engine_stats(he);
	assert_int_equal(st->pending_limit_hits, 1);
	assert_int_equal(st->gaps, 1);
	http_conn_end(c, 0);
	assert_int_equal(cap.n, 1);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_GAP);
	http_conn_free(c);
	http_engine_free(he);
	http_cap_clear(&cap);
}

static void
test_uri_forms(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_seg a[] = {
		HTTP_SEG(REQ, "GET /%u0041%uff0e%uff0e/b%5cc%2f%2fd HTTP/1.1\r\nHost: h\r\n\r\n"
			      "GET https://user:pw@Sub.Example.:8443/x/../y?q=%41#f%42 HTTP/1.1\r\n"
			      "Host: sub.example:8443\r\n\r\n"
			      "OPTIONS * HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"),
	};
	struct http_cap cap = { 0 };
	run_checked(&lim, a, 1, &cap, NULL);
	assert_int_equal(cap.n, 3);
	assert_buf(&cap.r[0], HTTP_BUF_URI, "/A../b/c/d");
	assert_int_equal(cap.r[0].anomalies, HTTP_ANOM_URI_BAD_ENCODING); /* %u00XX */
	assert_buf(&cap.r[1], HTTP_BUF_URI, "/y?q=A#fB");
	assert_buf(&cap.r[1], HTTP_BUF_HOST, "sub.example");
	assert_int_equal(cap.r[1].anomalies, 0);
	assert_buf(&cap.r[2], HTTP_BUF_URI, "*");
	assert_buf(&cap.r[2], HTTP_BUF_HOST, "[::1]");
	http_cap_clear(&cap);
}

/* Many keep-alive transactions: the live list stays short (released as they end). */
static void
test_keepalive_many(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_cap cap = { 0 };
	struct http_engine *he;
	struct http_conn *c = http_cap_open(&lim, &cap, &he);
	const char req[] = "GET /k HTTP/1.1\r\nHost: h\r\n\r\n";
	const char res[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	for (int i = 0; i < 1000; i++) {
		http_conn_feed(c, REQ, (const uint8_t *)req, sizeof(req) - 1, 0);
		http_conn_feed(c, RES, (const uint8_t *)res, sizeof(res) - 1, 0);
		if (cap.n > 32)
			http_cap_clear(&cap);
	}
	const struct http_stats *st = http_engine_stats(he);
	assert_int_equal(st->requests, 1000);
	assert_int_equal(st->responses, 1000);
	assert_int_equal(st->txn_evictions, 0);
	assert_null(c->head);
	assert_true(c->pool_len <= 2);
	http_conn_free(c);
	http_engine_free(he);
	http_cap_clear(&cap);
}

/*
 * Responses bypassed inline (http_conn_no_responses): transactions end with
 * their request and go back to the pool, nothing is evicted, and a request
 * after CONNECT is read at once instead of waiting for an answer.
 */
static void
test_no_responses(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	lim.responses = false;
	struct http_cap cap = { 0 };
	struct http_engine *he;
	struct http_conn *c = http_cap_open(&lim, &cap, &he);
	const char req[] = "GET /k HTTP/1.1\r\nHost: h\r\n\r\n";
	/* One already waiting for its answer when the bypass starts. */
	http_conn_feed(c, REQ, (const uint8_t *)req, sizeof(req) - 1, 0);
	assert_non_null(c->head);
	http_conn_no_responses(c);
	assert_null(c->head);
	for (int i = 0; i < 1000; i++) {
		http_conn_feed(c, REQ, (const uint8_t *)req, sizeof(req) - 1, 0);
		if (cap.n > 32)
			http_cap_clear(&cap);
	}
	const struct http_stats *st = http_engine_stats(he);
	assert_int_equal(st->requests, 1001);
	assert_int_equal(st->txn_evictions, 0);
	assert_null(c->head);
	assert_true(c->pool_len >= 1 && c->pool_len <= 2);
	http_cap_clear(&cap);
	/* CONNECT then an attack: without an answer to wait for, it is read. */
	const char tun[] = "CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n"
			   "GET /?q=attack HTTP/1.1\r\nHost: h\r\n\r\n";
	http_conn_feed(c, REQ, (const uint8_t *)tun, sizeof(tun) - 1, 0);
	assert_int_equal(cap.n, 2);
	assert_buf(&cap.r[0], HTTP_BUF_METHOD, "CONNECT");
	assert_buf(&cap.r[1], HTTP_BUF_URI_RAW, "/?q=attack");
	http_conn_free(c);
	http_engine_free(he);
	http_cap_clear(&cap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http09_then_more),
		cmocka_unit_test(test_empty_lines_and_lone_lf),
		cmocka_unit_test(test_folding_repeats_nul),
		cmocka_unit_test(test_connect_tunnel_and_refusal),
		cmocka_unit_test(test_upgrade_101),
		cmocka_unit_test(test_interim_and_bodiless),
		cmocka_unit_test(test_chunk_extensions_trailers),
		cmocka_unit_test(test_bad_chunks),
		cmocka_unit_test(test_header_lines_limit),
		cmocka_unit_test(test_response_waits_for_request),
		cmocka_unit_test(test_not_http_response),
		cmocka_unit_test(test_pending_limit),
		cmocka_unit_test(test_uri_forms),
		cmocka_unit_test(test_keepalive_many),
		cmocka_unit_test(test_no_responses),
	};
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
