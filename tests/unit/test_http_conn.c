/* Unit tests for http_conn: transactions, buffers, framing, limits, splits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_cap.h"

#define REQ HTTP_DIR_REQUEST
#define RES HTTP_DIR_RESPONSE

static void
lim_default(struct http_limits *lim)
{
	http_limits_default(lim);
}

/* A browser-like GET and a 200 with a 5-byte body. */
static const char get_req[] = "GET /index.html?q=1 HTTP/1.1\r\n"
			      "Host: Example.COM:8080\r\n"
			      "User-Agent: curl/8.0\r\n"
			      "Accept: */*\r\n"
			      "Cookie: sid=abc\r\n"
			      "Referer: http://a.example/\r\n"
			      "Accept-Language: en\r\n"
			      "Accept-Encoding: identity\r\n"
			      "Connection: keep-alive\r\n"
			      "\r\n";
static const char get_res[] = "HTTP/1.1 200 OK\r\n"
			      "Server: nginx\r\n"
			      "Content-Type: text/html\r\n"
			      "Set-Cookie: a=1\r\n"
			      "Content-Length: 5\r\n"
			      "\r\n"
			      "hello";

static void
test_simple_get(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	struct http_seg segs[] = { HTTP_SEG(REQ, get_req), HTTP_SEG(RES, get_res) };
	struct http_cap cap = { 0 };
	struct http_stats st;
	http_cap_run(&lim, segs, 2, -1, 0, 0, true, &cap, &st);
	assert_int_equal(cap.n, 2);
	const struct http_rec *q = &cap.r[0], *s = &cap.r[1];
	assert_int_equal(q->dir, REQ);
	assert_int_equal(q->index, 0);
	assert_true(q->request_complete);
	assert_int_equal(q->anomalies, 0);
	assert_buf(q, HTTP_BUF_METHOD, "GET");
	assert_buf(q, HTTP_BUF_URI, "/index.html?q=1");
	assert_buf(q, HTTP_BUF_URI_RAW, "/index.html?q=1");
	assert_buf(q, HTTP_BUF_REQUEST_LINE, "GET /index.html?q=1 HTTP/1.1");
	assert_buf(q, HTTP_BUF_REQUEST_PROTOCOL, "HTTP/1.1");
	assert_buf(q, HTTP_BUF_REQUEST_HEADERS,
		   "Host: Example.COM:8080\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n"
		   "Referer: http://a.example/\r\nAccept-Language: en\r\n"
		   "Accept-Encoding: identity\r\nConnection: keep-alive\r\n");
	assert_buf(q, HTTP_BUF_REQUEST_HEADERS_RAW,
		   "Host: Example.COM:8080\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n"
		   "Cookie: sid=abc\r\nReferer: http://a.example/\r\nAccept-Language: en\r\n"
		   "Accept-Encoding: identity\r\nConnection: keep-alive\r\n\r\n");
	assert_buf(q, HTTP_BUF_REQUEST_HEADER_NAMES,
		   "\r\nHost\r\nUser-Agent\r\nAccept\r\nCookie\r\nReferer\r\nAccept-Language"
		   "\r\nAccept-Encoding\r\nConnection\r\n\r\n");
	assert_buf(q, HTTP_BUF_COOKIE, "sid=abc");
	assert_buf(q, HTTP_BUF_USER_AGENT, "curl/8.0");
	assert_buf(q, HTTP_BUF_HOST, "example.com");
	assert_buf(q, HTTP_BUF_HOST_RAW, "Example.COM:8080");
	assert_buf(q, HTTP_BUF_REFERER, "http://a.example/");
	assert_buf(q, HTTP_BUF_ACCEPT, "*/*");
	assert_buf(q, HTTP_BUF_ACCEPT_LANGUAGE, "en");
	assert_buf(q, HTTP_BUF_ACCEPT_ENCODING, "identity");
	assert_buf(q, HTTP_BUF_CONNECTION, "keep-alive");
	assert_buf(q, HTTP_BUF_CONTENT_LENGTH, "");
	assert_buf(q, HTTP_BUF_REQUEST_BODY, "");
	assert_buf(q, HTTP_BUF_STAT_CODE, "");
	assert_int_equal(q->status, 0);

	assert_int_equal(s->dir, RES);
	assert_int_equal(s->index, 0);
	assert_true(s->response_complete);
	assert_int_equal(s->status, 200);
	assert_int_equal(s->anomalies, 0);
	/* Request buffers are still there in the response call. */
	assert_buf(s, HTTP_BUF_URI, "/index.html?q=1");
	assert_buf(s, HTTP_BUF_USER_AGENT, "curl/8.0");
	assert_buf(s, HTTP_BUF_STAT_CODE, "200");
	assert_buf(s, HTTP_BUF_STAT_MSG, "OK");
	assert_buf(s, HTTP_BUF_RESPONSE_LINE, "HTTP/1.1 200 OK");
	assert_buf(s, HTTP_BUF_RESPONSE_PROTOCOL, "HTTP/1.1");
	assert_buf(s, HTTP_BUF_RESPONSE_HEADERS,
		   "Server: nginx\r\nContent-Type: text/html\r\nContent-Length: 5\r\n");
	assert_buf(s, HTTP_BUF_RESPONSE_HEADERS_RAW,
		   "Server: nginx\r\nContent-Type: text/html\r\nSet-Cookie: a=1\r\n"
		   "Content-Length: 5\r\n\r\n");
	assert_buf(s, HTTP_BUF_RESPONSE_HEADER_NAMES,
		   "\r\nServer\r\nContent-Type\r\nSet-Cookie\r\nContent-Length\r\n\r\n");
	assert_buf(s, HTTP_BUF_SET_COOKIE, "a=1");
	assert_buf(s, HTTP_BUF_RESPONSE_CONTENT_TYPE, "text/html");
	assert_buf(s, HTTP_BUF_SERVER, "nginx");
	assert_buf(s, HTTP_BUF_LOCATION, "");
	assert_buf(s, HTTP_BUF_RESPONSE_BODY, "hello");
	assert_int_equal(s->response_body_len, 5);
	assert_int_equal(st.conns, 1);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.responses, 1);
	http_cap_clear(&cap);
}

static const char post_req[] = "POST /submit HTTP/1.1\r\n"
			       "Host: h\r\n"
			       "Content-Type: application/x-www-form-urlencoded\r\n"
			       "Content-Length: 11\r\n"
			       "\r\n"
			       "a=1&b=2&c=3";
static const char ok_empty[] = "HTTP/1.1 204 No Content\r\n\r\n";

static void
test_post_content_length(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	struct http_seg segs[] = { HTTP_SEG(REQ, post_req), HTTP_SEG(RES, ok_empty) };
	struct http_cap cap = { 0 };
	http_cap_run(&lim, segs, 2, -1, 0, 0, true, &cap, NULL);
	assert_int_equal(cap.n, 2);
	assert_buf(&cap.r[0], HTTP_BUF_METHOD, "POST");
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_BODY, "a=1&b=2&c=3");
	assert_buf(&cap.r[0], HTTP_BUF_CONTENT_LENGTH, "11");
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_CONTENT_TYPE, "application/x-www-form-urlencoded");
	assert_int_equal(cap.r[0].request_body_len, 11);
	assert_int_equal(cap.r[1].status, 204);
	assert_buf(&cap.r[1], HTTP_BUF_RESPONSE_BODY, "");
	assert_buf(&cap.r[1], HTTP_BUF_REQUEST_BODY, "a=1&b=2&c=3");
	http_cap_clear(&cap);
}

static const char chunked_req[] = "POST /up HTTP/1.1\r\n"
				  "Host: h\r\n"
				  "Transfer-Encoding: chunked\r\n"
				  "\r\n"
				  "5\r\nhello\r\n"
				  "6;ext=1\r\n world\r\n"
				  "0\r\n\r\n";
static const char chunked_res[] = "HTTP/1.1 200 OK\r\n"
				  "Transfer-Encoding: chunked\r\n"
				  "\r\n"
				  "3\r\nabc\r\n"
				  "a\r\n0123456789\r\n"
				  "0\r\n\r\n";

static void
test_chunked_both_ways(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	struct http_seg segs[] = { HTTP_SEG(REQ, chunked_req), HTTP_SEG(RES, chunked_res) };
	struct http_cap cap = { 0 };
	http_cap_run(&lim, segs, 2, -1, 0, 0, true, &cap, NULL);
	assert_int_equal(cap.n, 2);
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_BODY, "hello world");
	assert_true(cap.r[0].request_complete);
	assert_int_equal(cap.r[0].anomalies, 0);
	assert_buf(&cap.r[1], HTTP_BUF_RESPONSE_BODY, "abc0123456789");
	assert_int_equal(cap.r[1].response_body_len, 13);
	assert_int_equal(cap.r[1].anomalies, 0);
	http_cap_clear(&cap);
}

static const char pipe_reqs[] = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
				"GET /two HTTP/1.1\r\nHost: h\r\n\r\n"
				"HEAD /three HTTP/1.1\r\nHost: h\r\n\r\n";
static const char pipe_ress[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
				"HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n"
				"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";

/* Pipelined requests in one feed, answered in order; HEAD and 304 have no body. */
static void
test_pipelined(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	struct http_seg segs[] = { HTTP_SEG(REQ, pipe_reqs), HTTP_SEG(RES, pipe_ress) };
	struct http_cap cap = { 0 };
	http_cap_run(&lim, segs, 2, -1, 0, 0, true, &cap, NULL);
	assert_int_equal(cap.n, 6);
	const char *uris[] = { "/one", "/two", "/three" };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cap.r[i].dir, REQ);
		assert_int_equal(cap.r[i].index, (uint64_t)i);
		assert_buf(&cap.r[i], HTTP_BUF_URI, uris[i]);
		assert_int_equal(cap.r[3 + i].dir, RES);
		assert_int_equal(cap.r[3 + i].index, (uint64_t)i);
		assert_buf(&cap.r[3 + i], HTTP_BUF_URI, uris[i]);
		assert_true(cap.r[3 + i].response_complete);
	}
	assert_buf(&cap.r[3], HTTP_BUF_RESPONSE_BODY, "one");
	assert_int_equal(cap.r[4].status, 304);
	assert_buf(&cap.r[4], HTTP_BUF_RESPONSE_BODY, "");
	assert_int_equal(cap.r[5].status, 200);
	assert_buf(&cap.r[5], HTTP_BUF_METHOD, "HEAD");
	assert_buf(&cap.r[5], HTTP_BUF_RESPONSE_BODY, "");
	http_cap_clear(&cap);
}

/* Keep-alive: request, response, request, response, each its own feed. */
static void
test_keepalive_across_feeds(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	struct http_seg segs[] = {
		HTTP_SEG(REQ, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"),
		HTTP_SEG(RES, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"),
		HTTP_SEG(REQ, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"),
		HTTP_SEG(RES, "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nB"),
	};
	struct http_cap cap = { 0 };
	http_cap_run(&lim, segs, 4, -1, 0, 0, false, &cap, NULL);
	assert_int_equal(cap.n, 4);
	assert_int_equal(cap.r[0].dir, REQ);
	assert_int_equal(cap.r[1].dir, RES);
	assert_int_equal(cap.r[2].dir, REQ);
	assert_int_equal(cap.r[3].dir, RES);
	assert_int_equal(cap.r[2].index, 1);
	assert_buf(&cap.r[1], HTTP_BUF_RESPONSE_BODY, "A");
	assert_buf(&cap.r[3], HTTP_BUF_URI, "/b");
	assert_buf(&cap.r[3], HTTP_BUF_RESPONSE_BODY, "B");
	assert_int_equal(cap.r[3].status, 404);
	http_cap_clear(&cap);
}

static void
http_cap_diff(const struct http_cap *a, const struct http_cap *b)
{
	print_message("records %d vs %d\n", a->n, b->n);
	for (int i = 0; i < a->n && i < b->n; i++) {
		const struct http_rec *x = &a->r[i], *y = &b->r[i];
		print_message("rec %d: dir %d/%d anom %x/%x status %d/%d lens %lu/%lu %lu/%lu "
			      "complete %d%d/%d%d\n", i, x->dir, y->dir, x->anomalies, y->anomalies,
			      x->status, y->status, (unsigned long)x->request_body_len,
			      (unsigned long)y->request_body_len, (unsigned long)x->response_body_len,
			      (unsigned long)y->response_body_len, x->request_complete,
			      x->response_complete, y->request_complete, y->response_complete);
		for (int k = 0; k < HTTP_BUF_COUNT; k++)
			if (x->len[k] != y->len[k] || memcmp(x->buf[k], y->buf[k], x->len[k]))
				print_message("  %s: \"%s\" vs \"%s\"\n", http_buf_name(k),
					      (const char *)x->buf[k], (const char *)y->buf[k]);
	}
}

/* Every split point of either side, and one byte at a time, give identical reports. */
static void
check_splits(const struct http_limits *lim, const struct http_seg *segs, size_t n)
{
	struct http_cap whole = { 0 };
	http_cap_run(lim, segs, n, -1, 0, 0, true, &whole, NULL);
	assert_true(whole.n > 0);
	for (size_t s = 0; s < n; s++) {
		for (size_t at = 1; at < segs[s].len; at++) {
			struct http_cap cap = { 0 };
			http_cap_run(lim, segs, n, (int)s, at, 0, true, &cap, NULL);
			if (!http_cap_equal(&whole, &cap)) {
				http_cap_diff(&whole, &cap);
				fail_msg("segment %zu split at %zu differs", s, at);
			}
			http_cap_clear(&cap);
		}
	}
	struct http_cap bytes = { 0 };
	http_cap_run(lim, segs, n, -1, 0, 1, true, &bytes, NULL);
	assert_true(http_cap_equal(&whole, &bytes));
	http_cap_clear(&bytes);
	http_cap_clear(&whole);
}

static void
test_split_points_identical(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	struct http_seg a[] = { HTTP_SEG(REQ, get_req), HTTP_SEG(RES, get_res) };
	check_splits(&lim, a, 2);
	struct http_seg b[] = { HTTP_SEG(REQ, chunked_req), HTTP_SEG(RES, chunked_res) };
	check_splits(&lim, b, 2);
	struct http_seg c[] = { HTTP_SEG(REQ, pipe_reqs), HTTP_SEG(RES, pipe_ress) };
	check_splits(&lim, c, 2);
	struct http_seg d[] = {
		HTTP_SEG(REQ, "POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
			      "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nde"),
		HTTP_SEG(RES, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nxy"
			      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz"),
	};
	check_splits(&lim, d, 2);
	/* With a small body limit the cut must land on the same byte too. */
	lim.request_body = 4;
	lim.response_body = 7;
	check_splits(&lim, b, 2);
}

/* Expect: 100-continue; the interim response is not a transaction of its own. */
static void
test_100_continue(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	struct http_seg segs[] = {
		HTTP_SEG(REQ, "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
			      "Content-Length: 4\r\n\r\n"),
		HTTP_SEG(RES, "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"),
		HTTP_SEG(REQ, "data"),
		HTTP_SEG(RES, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
	};
	struct http_cap cap = { 0 };
	http_cap_run(&lim, segs, 4, -1, 0, 0, true, &cap, NULL);
	assert_int_equal(cap.n, 2);
	assert_int_equal(cap.r[0].dir, REQ);
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_BODY, "data");
	assert_int_equal(cap.r[1].dir, RES);
	assert_int_equal(cap.r[1].status, 201);
	assert_buf(&cap.r[1], HTTP_BUF_STAT_CODE, "201");
	assert_buf(&cap.r[1], HTTP_BUF_RESPONSE_LINE, "HTTP/1.1 201 Created");
	assert_buf(&cap.r[1], HTTP_BUF_RESPONSE_HEADERS_RAW, "Content-Length: 2\r\n\r\n");
	assert_buf(&cap.r[1], HTTP_BUF_RESPONSE_HEADERS, "Content-Length: 2\r\n");
	assert_buf(&cap.r[1], HTTP_BUF_RESPONSE_BODY, "ok");
	/* The same with the whole exchange in two feeds. */
	struct http_seg two[] = {
		HTTP_SEG(REQ, "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
			      "Content-Length: 4\r\n\r\ndata"),
		HTTP_SEG(RES, "HTTP/1.1 100 Continue\r\n\r\n"
			      "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
	};
	struct http_cap cap2 = { 0 };
	http_cap_run(&lim, two, 2, -1, 0, 0, true, &cap2, NULL);
	assert_int_equal(cap2.n, 2);
	assert_buf(&cap2.r[1], HTTP_BUF_RESPONSE_HEADERS_RAW, "Content-Length: 2\r\n\r\n");
	assert_buf(&cap2.r[1], HTTP_BUF_RESPONSE_BODY, "ok");
	check_splits(&lim, two, 2);
	http_cap_clear(&cap2);
	http_cap_clear(&cap);
}

/* The body over the limit: the first N bytes kept, flagged, reported at once. */
static void
test_body_limit_cut(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	lim.request_body = 16;
	struct http_cap cap = { 0 };
	struct http_engine *he;
	struct http_conn *c = http_cap_open(&lim, &cap, &he);
	const char hdr[] = "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n";
	http_conn_feed(c, REQ, (const uint8_t *)hdr, sizeof(hdr) - 1, 0);
	assert_int_equal(cap.n, 0);
	char body[100];
	for (int i = 0; i < 100; i++)
		body[i] = (char)('a' + i % 26);
	http_conn_feed(c, REQ, (const uint8_t *)body, 20, 0);
	/* Reported as soon as the limit was passed, not at the end of the body. */
	assert_int_equal(cap.n, 1);
	assert_false(cap.r[0].request_complete);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_REQUEST_BODY_CUT);
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_BODY, "abcdefghijklmnop");
	http_conn_feed(c, REQ, (const uint8_t *)body + 20, 80, 0);
	assert_int_equal(cap.n, 1);
	const char res[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	http_conn_feed(c, RES, (const uint8_t *)res, sizeof(res) - 1, 0);
	assert_int_equal(cap.n, 2);
	assert_int_equal(cap.r[1].request_body_len, 100);
	assert_buf(&cap.r[1], HTTP_BUF_REQUEST_BODY, "abcdefghijklmnop");
	assert_int_equal(http_engine_stats(he)->body_limit_hits, 1);
	assert_int_equal(http_engine_stats(he)->anomalies[0], 1);
	/* Framing went on: the next request on the connection parses. */
	const char next[] = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
	http_conn_feed(c, REQ, (const uint8_t *)next, sizeof(next) - 1, 0);
	assert_int_equal(cap.n, 3);
	assert_buf(&cap.r[2], HTTP_BUF_URI, "/next");
	assert_int_equal(cap.r[2].anomalies, 0);
	http_conn_free(c);
	http_engine_free(he);
	http_cap_clear(&cap);
}

/* Header block over header_bytes: raw cut at the limit and flagged. */
static void
test_header_limit(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	lim.header_bytes = 256;
	char req[2048];
	size_t n = 0;
	n += (size_t)snprintf(req + n, sizeof(req) - n, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(req + n, sizeof(req) - n, "X-Filler-%02d: 0123456789012345\r\n", i);
	n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\n");
	struct http_seg segs[] = { { REQ, req, n } };
	struct http_cap cap = { 0 };
	struct http_stats st;
	http_cap_run(&lim, segs, 1, -1, 0, 0, true, &cap, &st);
	assert_int_equal(cap.n, 1);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_HEADERS_TOO_LARGE);
	assert_int_equal(cap.r[0].len[HTTP_BUF_REQUEST_HEADERS_RAW], 256);
	assert_memory_equal(cap.r[0].buf[HTTP_BUF_REQUEST_HEADERS_RAW], req + 16, 256);
	assert_int_equal(st.header_limit_hits, 1);
	http_cap_clear(&cap);

	/* One line longer than the limit: libhtp gives up on the direction. */
	n = (size_t)snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nX-Long: ");
	memset(req + n, 'x', 600);
	n += 600;
	n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\n\r\n");
	struct http_seg segs2[] = { { REQ, req, n } };
	http_cap_run(&lim, segs2, 1, -1, 0, 0, true, &cap, &st);
	assert_int_equal(cap.n, 1);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_HEADERS_TOO_LARGE);
	assert_buf(&cap.r[0], HTTP_BUF_METHOD, "GET");
	http_cap_clear(&cap);
}

/* Chunk sizes that never end: memory stays at the limit, counting goes on. */
static void
test_endless_chunks(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	lim.response_body = 64;
	struct http_cap cap = { 0 };
	struct http_engine *he;
	struct http_conn *c = http_cap_open(&lim, &cap, &he);
	const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	const char hdr[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	http_conn_feed(c, REQ, (const uint8_t *)req, sizeof(req) - 1, 0);
	http_conn_feed(c, RES, (const uint8_t *)hdr, sizeof(hdr) - 1, 0);
	const char chunk[] = "1\r\nz\r\n";
	for (int i = 0; i < 20000; i++)
		http_conn_feed(c, RES, (const uint8_t *)chunk, sizeof(chunk) - 1, 0);
	assert_int_equal(cap.n, 2);
	assert_true(cap.r[1].anomalies & HTTP_ANOM_RESPONSE_BODY_CUT);
	assert_int_equal(cap.r[1].len[HTTP_BUF_RESPONSE_BODY], 64);
	http_conn_end(c, 0);
	assert_int_equal(cap.n, 2);
	http_conn_free(c);
	http_engine_free(he);
	http_cap_clear(&cap);
}

static const struct http_rec *
run_uri(const char *uri, struct http_cap *cap)
{
	static char req[512];
	struct http_limits lim;
	lim_default(&lim);
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", uri);
	struct http_seg segs[] = { { REQ, req, (size_t)n } };
	http_cap_run(&lim, segs, 1, -1, 0, 0, true, cap, NULL);
	assert_int_equal(cap->n, 1);
	return &cap->r[0];
}

static void
test_uri_double_encoded(void **state)
{
	(void)state;
	struct http_cap cap = { 0 };
	/* Decoded once: %25 becomes %, the 2e after it stays as text. */
	const struct http_rec *r = run_uri("/a/%252e%252e/b", &cap);
	assert_buf(r, HTTP_BUF_URI, "/a/%2e%2e/b");
	assert_buf(r, HTTP_BUF_URI_RAW, "/a/%252e%252e/b");
	assert_int_equal(r->anomalies, HTTP_ANOM_URI_DOUBLE_ENCODED);
	http_cap_clear(&cap);
}

static void
test_uri_traversal(void **state)
{
	(void)state;
	struct http_cap cap = { 0 };
	const struct http_rec *r = run_uri("/../../etc/passwd", &cap);
	assert_buf(r, HTTP_BUF_URI, "/etc/passwd");
	assert_int_equal(r->anomalies, HTTP_ANOM_PATH_TRAVERSAL);
	http_cap_clear(&cap);
	r = run_uri("/a/%2e%2e\\%2e%2e/x", &cap);
	assert_buf(r, HTTP_BUF_URI, "/x");
	assert_int_equal(r->anomalies, HTTP_ANOM_PATH_TRAVERSAL);
	http_cap_clear(&cap);
	/* Climbing but staying below the root is only normalised. */
	r = run_uri("/a/b/../c", &cap);
	assert_buf(r, HTTP_BUF_URI, "/a/c");
	assert_int_equal(r->anomalies, 0);
	http_cap_clear(&cap);
}

static void
test_uri_overlong_utf8(void **state)
{
	(void)state;
	struct http_cap cap = { 0 };
	/* %c0%af is an overlong '/'. */
	const struct http_rec *r = run_uri("/x%c0%afetc", &cap);
	assert_true(r->anomalies & HTTP_ANOM_URI_BAD_ENCODING);
	assert_int_equal(r->len[HTTP_BUF_URI], 7);
	assert_memory_equal(r->buf[HTTP_BUF_URI], "/x\xc0\xaf" "etc", 7);
	http_cap_clear(&cap);
	r = run_uri("/a%zzb", &cap);
	assert_int_equal(r->anomalies, HTTP_ANOM_URI_BAD_ENCODING);
	assert_buf(r, HTTP_BUF_URI, "/a%zzb");
	http_cap_clear(&cap);
	r = run_uri("/a%00b", &cap);
	assert_int_equal(r->anomalies, HTTP_ANOM_URI_BAD_ENCODING);
	http_cap_clear(&cap);
}

static void
test_uri_raw_vs_normalised(void **state)
{
	(void)state;
	struct http_cap cap = { 0 };
	const struct http_rec *r = run_uri("/a/./b//c\\d/../e%2Ff?x=%41+b&y=%2B#frag", &cap);
	assert_buf(r, HTTP_BUF_URI_RAW, "/a/./b//c\\d/../e%2Ff?x=%41+b&y=%2B#frag");
	assert_buf(r, HTTP_BUF_URI, "/a/b/c/e/f?x=A+b&y=+#frag");
	assert_int_equal(r->anomalies, 0);
	http_cap_clear(&cap);
	/* An absolute URI: the path stays, its host becomes the host buffer. */
	r = run_uri("http://Other.Example:81/p?q", &cap);
	assert_buf(r, HTTP_BUF_URI, "/p?q");
	assert_buf(r, HTTP_BUF_HOST, "other.example");
	assert_buf(r, HTTP_BUF_HOST_RAW, "h");
	assert_true(r->anomalies & HTTP_ANOM_DUPLICATE_HOST);
	http_cap_clear(&cap);
}

static void
test_duplicate_host_and_smuggling(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	struct http_seg a[] = { HTTP_SEG(REQ, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") };
	struct http_cap cap = { 0 };
	http_cap_run(&lim, a, 1, -1, 0, 0, true, &cap, NULL);
	assert_int_equal(cap.n, 1);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_DUPLICATE_HOST);
	http_cap_clear(&cap);
	struct http_seg b[] = { HTTP_SEG(REQ, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
					      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n") };
	http_cap_run(&lim, b, 1, -1, 0, 0, true, &cap, NULL);
	assert_int_equal(cap.n, 1);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_SMUGGLING);
	assert_true(cap.r[0].request_complete);
	http_cap_clear(&cap);
	struct http_seg c[] = { HTTP_SEG(REQ, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
					      "Content-Length: 4\r\n\r\nabcd") };
	http_cap_run(&lim, c, 1, -1, 0, 0, true, &cap, NULL);
	/* libhtp keeps the first length: "d" is read as the next request. */
	assert_int_equal(cap.n, 2);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_SMUGGLING);
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_BODY, "abc");
	assert_buf(&cap.r[1], HTTP_BUF_METHOD, "d");
	http_cap_clear(&cap);
}

static void
test_invalid_request(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	struct http_seg a[] = { HTTP_SEG(REQ, "POST / HTTP/1.1\r\nHost: a\r\n"
					      "Transfer-Encoding: bogus\r\n\r\nxyz") };
	struct http_cap cap = { 0 };
	struct http_stats st;
	http_cap_run(&lim, a, 1, -1, 0, 0, true, &cap, &st);
	assert_int_equal(cap.n, 1);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_INVALID_REQUEST);
	assert_buf(&cap.r[0], HTTP_BUF_METHOD, "POST");
	assert_int_equal(st.parse_errors, 1);
	http_cap_clear(&cap);
}

/* A gap stops that direction; the transaction in progress is reported with GAP. */
static void
test_gap(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	struct http_cap cap = { 0 };
	struct http_engine *he;
	struct http_conn *c = http_cap_open(&lim, &cap, &he);
	const char req[] = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc";
	http_conn_feed(c, REQ, (const uint8_t *)req, sizeof(req) - 1, 0);
	http_conn_gap(c, REQ, 4);
	assert_int_equal(cap.n, 1);
	assert_true(cap.r[0].anomalies & HTTP_ANOM_GAP);
	assert_buf(&cap.r[0], HTTP_BUF_REQUEST_BODY, "abc");
	/* Nothing more is parsed on that side. */
	const char more[] = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";
	http_conn_feed(c, REQ, (const uint8_t *)more, sizeof(more) - 1, 0);
	assert_int_equal(cap.n, 1);
	/* The response side still is, and carries the flag. */
	const char res[] = "HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n";
	http_conn_feed(c, RES, (const uint8_t *)res, sizeof(res) - 1, 0);
	assert_int_equal(cap.n, 2);
	assert_int_equal(cap.r[1].status, 400);
	assert_true(cap.r[1].anomalies & HTTP_ANOM_GAP);
	assert_int_equal(http_engine_stats(he)->gaps, 1);
	http_conn_end(c, 0);
	assert_int_equal(cap.n, 2);
	http_conn_free(c);
	http_engine_free(he);
	http_cap_clear(&cap);
}

/* A body delimited by the close completes at http_conn_end. */
static void
test_end_of_connection_body(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	struct http_seg segs[] = {
		HTTP_SEG(REQ, "GET / HTTP/1.0\r\n\r\n"),
		HTTP_SEG(RES, "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nuntil the end"),
	};
	struct http_cap cap = { 0 };
	http_cap_run(&lim, segs, 2, -1, 0, 0, false, &cap, NULL);
	assert_int_equal(cap.n, 1);
	http_cap_clear(&cap);
	http_cap_run(&lim, segs, 2, -1, 0, 0, true, &cap, NULL);
	assert_int_equal(cap.n, 2);
	assert_true(cap.r[1].response_complete);
	assert_buf(&cap.r[1], HTTP_BUF_RESPONSE_BODY, "until the end");
	http_cap_clear(&cap);
	check_splits(&lim, segs, 2);
}

static void
test_responses_off(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	lim.responses = false;
	struct http_seg segs[] = { HTTP_SEG(REQ, pipe_reqs), HTTP_SEG(RES, pipe_ress) };
	struct http_cap cap = { 0 };
	struct http_stats st;
	http_cap_run(&lim, segs, 2, -1, 0, 0, true, &cap, &st);
	assert_int_equal(cap.n, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(cap.r[i].dir, REQ);
	assert_buf(&cap.r[2], HTTP_BUF_URI, "/three");
	assert_int_equal(st.responses, 0);
	assert_int_equal(st.response_body_bytes, 0);
	http_cap_clear(&cap);
}

/* A response with no request, and a request never answered. */
static void
test_unpaired(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	struct http_seg a[] = { HTTP_SEG(RES, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi") };
	struct http_cap cap = { 0 };
	http_cap_run(&lim, a, 1, -1, 0, 0, true, &cap, NULL);
	assert_int_equal(cap.n, 1);
	assert_int_equal(cap.r[0].dir, RES);
	assert_buf(&cap.r[0], HTTP_BUF_URI, "");
	assert_buf(&cap.r[0], HTTP_BUF_METHOD, "");
	assert_buf(&cap.r[0], HTTP_BUF_RESPONSE_BODY, "hi");
	http_cap_clear(&cap);
	struct http_seg b[] = { HTTP_SEG(REQ, "GET /lonely HTTP/1.1\r\nHost: h\r\n\r\n") };
	http_cap_run(&lim, b, 1, -1, 0, 0, true, &cap, NULL);
	assert_int_equal(cap.n, 1);
	assert_int_equal(cap.r[0].dir, REQ);
	assert_buf(&cap.r[0], HTTP_BUF_URI, "/lonely");
	http_cap_clear(&cap);
	/* Headers of a response cut by the close: reported as they stand. */
	struct http_seg c[] = { HTTP_SEG(REQ, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
				HTTP_SEG(RES, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab") };
	http_cap_run(&lim, c, 2, -1, 0, 0, true, &cap, NULL);
	assert_int_equal(cap.n, 2);
	assert_false(cap.r[1].response_complete);
	assert_buf(&cap.r[1], HTTP_BUF_RESPONSE_BODY, "ab");
	http_cap_clear(&cap);
}

static void
test_txn_limit(void **state)
{
	(void)state;
	struct http_limits lim;
	lim_default(&lim);
	lim.txns_per_conn = 2;
	struct http_seg segs[] = { HTTP_SEG(REQ, pipe_reqs), HTTP_SEG(RES, pipe_ress) };
	struct http_cap cap = { 0 };
	struct http_stats st;
	http_cap_run(&lim, segs, 2, -1, 0, 0, true, &cap, &st);
	assert_int_equal(cap.n, 3);
	assert_int_equal(cap.r[2].dir, REQ);
	assert_int_equal(cap.r[2].index, 2);
	assert_int_equal(cap.r[2].anomalies, HTTP_ANOM_TOO_MANY_TXNS);
	assert_int_equal(st.anomalies[12], 1);
	http_cap_clear(&cap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_get),
		cmocka_unit_test(test_post_content_length),
		cmocka_unit_test(test_chunked_both_ways),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_keepalive_across_feeds),
		cmocka_unit_test(test_split_points_identical),
		cmocka_unit_test(test_100_continue),
		cmocka_unit_test(test_body_limit_cut),
		cmocka_unit_test(test_header_limit),
		cmocka_unit_test(test_endless_chunks),
		cmocka_unit_test(test_uri_double_encoded),
		cmocka_unit_test(test_uri_traversal),
		cmocka_unit_test(test_uri_overlong_utf8),
		cmocka_unit_test(test_uri_raw_vs_normalised),
		cmocka_unit_test(test_duplicate_host_and_smuggling),
		cmocka_unit_test(test_invalid_request),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_end_of_connection_body),
		cmocka_unit_test(test_responses_off),
		cmocka_unit_test(test_unpaired),
		cmocka_unit_test(test_txn_limit),
	};
	/* TEST_FILTER=name runs one test (cmocka's pattern). */
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
