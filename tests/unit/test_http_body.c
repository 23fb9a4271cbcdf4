/* Unit tests for http_body: gzip/deflate bodies both ways, bad streams, bombs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "http_cap.h"

#define REQ HTTP_DIR_REQUEST
#define RES HTTP_DIR_RESPONSE

static const char plain[] = "<html>the quick brown fox jumps over the lazy dog, "
			    "the quick brown fox jumps over the lazy dog</html>";

/* Compresses src with zlib: window_bits 31 = gzip, 15 = zlib, -15 = raw deflate. */
static size_t
zpack(const void *src, size_t n, int window_bits, uint8_t *out, size_t cap)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)src;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	size_t len = zs.total_out;
	deflateEnd(&zs);
	return len;
}

/* A 200 with the given Content-Encoding and body, into out; returns its length. */
static size_t
make_response(const char *ce, const uint8_t *body, size_t n, char *out, size_t cap)
{
	int h = snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n",
			 ce, n);
	assert_true(h > 0 && (size_t)h + n <= cap);
	memcpy(out + h, body, n);
	return (size_t)h + n;
}

static const char get_req[] = "GET / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip, deflate\r\n\r\n";

static void
run_response(const struct http_limits *lim, const char *ce, const uint8_t *body, size_t n,
	     struct http_cap *cap)
{
	static char res[1 << 16];
	size_t len = make_response(ce, body, n, res, sizeof(res));
	struct http_seg segs[] = { HTTP_SEG(REQ, get_req), { RES, res, len } };
	http_cap_run(lim, segs, 2, -1, 0, 0, true, cap, NULL);
	assert_int_equal(cap->n, 2);
}

static void
assert_body(const struct http_rec *r, enum http_buf b, const void *want, size_t n)
{
	assert_int_equal(r->len[b], n);
	assert_memory_equal(r->buf[b], want, n);
}

static void
test_gzip_and_deflate_response(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	uint8_t z[512];
	const int bits[] = { 31, 15, -15 };
	const char *ce[] = { "gzip", "deflate", "deflate" };
	for (int i = 0; i < 3; i++) {
		size_t zn = zpack(plain, sizeof(plain) - 1, bits[i], z, sizeof(z));
		struct http_cap cap = { 0 };
		run_response(&lim, ce[i], z, zn, &cap);
		assert_body(&cap.r[1], HTTP_BUF_RESPONSE_BODY, plain, sizeof(plain) - 1);
		assert_int_equal(cap.r[1].response_body_len, sizeof(plain) - 1);
		assert_int_equal(cap.r[1].anomalies, 0);
		http_cap_clear(&cap);
	}
}

/* Compressed and chunked, checked at every split point and byte by byte. */
static void
test_gzip_chunked_splits(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	uint8_t z[512];
	size_t zn = zpack(plain, sizeof(plain) - 1, 31, z, sizeof(z));
	char res[1024];
	int n = snprintf(res, sizeof(res),
			 "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
			 "%zx\r\n", zn - 10);
	memcpy(res + n, z, zn - 10);
	n += (int)zn - 10;
	n += snprintf(res + n, sizeof(res) - (size_t)n, "\r\na\r\n");
	memcpy(res + n, z + zn - 10, 10);
	n += 10;
	n += snprintf(res + n, sizeof(res) - (size_t)n, "\r\n0\r\n\r\n");
	struct http_seg segs[] = { HTTP_SEG(REQ, get_req), { RES, res, (size_t)n } };
	struct http_cap whole = { 0 };
	http_cap_run(&lim, segs, 2, -1, 0, 0, true, &whole, NULL);
	assert_int_equal(whole.n, 2);
	assert_body(&whole.r[1], HTTP_BUF_RESPONSE_BODY, plain, sizeof(plain) - 1);
	for (int at = 1; at < n; at++) {
		struct http_cap cap = { 0 };
		http_cap_run(&lim, segs, 2, 1, (size_t)at, 0, true, &cap, NULL);
		assert_true(http_cap_equal(&whole, &cap));
		http_cap_clear(&cap);
	}
	struct http_cap bytes = { 0 };
	http_cap_run(&lim, segs, 2, -1, 0, 1, true, &bytes, NULL);
	assert_true(http_cap_equal(&whole, &bytes));
	http_cap_clear(&bytes);
	http_cap_clear(&whole);
}

static void
test_gzip_request(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	uint8_t z[512];
	size_t zn = zpack(plain, sizeof(plain) - 1, 31, z, sizeof(z));
	char req[1024];
	int h = snprintf(req, sizeof(req),
			 "POST /api HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
			 zn);
	memcpy(req + h, z, zn);
	struct http_seg segs[] = { { REQ, req, (size_t)h + zn } };
	struct http_cap cap = { 0 };
	http_cap_run(&lim, segs, 1, -1, 0, 0, true, &cap, NULL);
	assert_int_equal(cap.n, 1);
	assert_true(cap.r[0].request_complete);
	assert_body(&cap.r[0], HTTP_BUF_REQUEST_BODY, plain, sizeof(plain) - 1);
	assert_int_equal(cap.r[0].anomalies, 0);
	struct http_cap bytes = { 0 };
	http_cap_run(&lim, segs, 1, -1, 0, 1, true, &bytes, NULL);
	assert_true(http_cap_equal(&cap, &bytes));
	http_cap_clear(&bytes);
	http_cap_clear(&cap);
}

/* Plain text that says it is gzip: flagged, and kept raw so it is still inspected. */
static void
test_bad_gzip_kept_raw(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_cap cap = { 0 };
	run_response(&lim, "gzip", (const uint8_t *)plain, sizeof(plain) - 1, &cap);
	assert_int_equal(cap.r[1].anomalies, HTTP_ANOM_BAD_COMPRESSION);
	assert_body(&cap.r[1], HTTP_BUF_RESPONSE_BODY, plain, sizeof(plain) - 1);
	struct http_seg segs[] = { HTTP_SEG(REQ, get_req), { RES, NULL, 0 } };
	static char res[1024];
	segs[1].len = make_response("gzip", (const uint8_t *)plain, sizeof(plain) - 1, res, sizeof(res));
	segs[1].data = res;
	struct http_cap bytes = { 0 };
	http_cap_run(&lim, segs, 2, -1, 0, 1, true, &bytes, NULL);
	assert_true(http_cap_equal(&cap, &bytes));
	http_cap_clear(&bytes);
	http_cap_clear(&cap);

	/* A stream that breaks in the middle: what decoded stays, the rest raw. */
	uint8_t z[512];
	size_t zn = zpack(plain, sizeof(plain) - 1, 31, z, sizeof(z));
	memset(z + 12, 0xff, zn - 12);
	run_response(&lim, "gzip", z, zn, &cap);
	assert_true(cap.r[1].anomalies & HTTP_ANOM_BAD_COMPRESSION);
	assert_true(cap.r[1].len[HTTP_BUF_RESPONSE_BODY] <= zn);
	http_cap_clear(&cap);
}

/* 16 MiB of zeros (about 16 KiB gzipped): stopped by the ratio bound. */
static void
test_gzip_bomb(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	lim.response_body = 8u << 20;
	size_t n = 16u << 20;
	uint8_t *zeros = calloc(1, n);
	uint8_t *z = malloc(1 << 16);
	size_t zn = zpack(zeros, n, 31, z, 1 << 16);
	struct http_cap cap = { 0 };
	run_response(&lim, "gzip", z, zn, &cap);
	assert_true(cap.r[1].anomalies & HTTP_ANOM_BAD_COMPRESSION);
	/* Decoding stopped soon after the ratio floor, far below the 8 MiB limit. */
	assert_true(cap.r[1].len[HTTP_BUF_RESPONSE_BODY] < 256 * 1024);
	assert_true(cap.r[1].len[HTTP_BUF_RESPONSE_BODY] > 64 * 1024);
	http_cap_clear(&cap);
	/* With a small body limit the cut comes first and bounds the work. */
	lim.response_body = 1000;
	run_response(&lim, "gzip", z, zn, &cap);
	assert_int_equal(cap.r[1].anomalies, HTTP_ANOM_RESPONSE_BODY_CUT);
	assert_int_equal(cap.r[1].len[HTTP_BUF_RESPONSE_BODY], 1000);
	http_cap_clear(&cap);
	free(z);
	free(zeros);
}

/* The cut of a compressed body lands on the limit and is reported once. */
static void
test_gzip_cut(void **state)
{
	(void)state;
	struct http_limits lim;
	http_limits_default(&lim);
	lim.response_body = 10;
	uint8_t z[512];
	size_t zn = zpack(plain, sizeof(plain) - 1, 31, z, sizeof(z));
	struct http_cap cap = { 0 };
	run_response(&lim, "gzip", z, zn, &cap);
	assert_int_equal(cap.r[1].anomalies, HTTP_ANOM_RESPONSE_BODY_CUT);
	assert_body(&cap.r[1], HTTP_BUF_RESPONSE_BODY, plain, 10);
	http_cap_clear(&cap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_and_deflate_response),
		cmocka_unit_test(test_gzip_chunked_splits),
		cmocka_unit_test(test_gzip_request),
		cmocka_unit_test(test_bad_gzip_kept_raw),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_gzip_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
