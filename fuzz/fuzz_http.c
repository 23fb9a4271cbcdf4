/*
 * Fuzz target http: one connection's two byte streams through http_conn.
 *
 * Input: a first byte choosing the limits (bit 0: small bodies, bit 1: small
 * headers, bit 2: responses off, bits 3-4: transactions per connection),
 * then chunks "ctrl(1) bytes": bit 0 of ctrl is the direction, ctrl >> 1 is
 * the length minus one (1..128 bytes); ctrl 0xff is a gap in the request
 * direction, 0xfe in the response direction. The connection ends after the
 * last chunk. The sink reads every byte of every view, so ASan sees any view
 * outside its buffer, and checks the views against the limits they claim.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

struct fuzz_http_ctx {
	struct http_limits lim;
	uint64_t sum;
	uint8_t seen[2][512]; /* reports per transaction index, per direction */
};

static void
fuzz_http_check(struct fuzz_http_ctx *fc, const struct http_txn *txn)
{
	for (int b = 0; b < HTTP_BUF_COUNT; b++) {
		const struct view *v = &txn->buf[b];
		if (v->len && !v->ptr)
			abort();
		for (size_t i = 0; i < v->len; i++)
			fc->sum += v->ptr[i];
	}
	if (txn->buf[HTTP_BUF_REQUEST_BODY].len > fc->lim.request_body ||
	    txn->buf[HTTP_BUF_RESPONSE_BODY].len > fc->lim.response_body ||
	    txn->buf[HTTP_BUF_REQUEST_HEADERS_RAW].len > fc->lim.header_bytes ||
	    txn->buf[HTTP_BUF_RESPONSE_HEADERS_RAW].len > fc->lim.header_bytes)
		abort();
	if (txn->request_body_len < txn->buf[HTTP_BUF_REQUEST_BODY].len &&
	    !(txn->anomalies & HTTP_ANOM_BAD_COMPRESSION))
		abort();
	if (txn->anomalies >> 14)
		abort();
}

/* Each direction of a transaction is reported once at most. */
static void
fuzz_http_once(struct fuzz_http_ctx *fc, int dir, uint64_t index)
{
	if (index < sizeof(fc->seen[0]) && fc->seen[dir][index]++)
		abort();
}

static void
fuzz_http_on_request(void *ctx, void *flow_ctx, const struct http_txn *txn)
{
	struct fuzz_http_ctx *fc = ctx;
	(void)flow_ctx;
	fuzz_http_once(fc, 0, txn->index);
	fuzz_http_check(fc, txn);
}

static void
fuzz_http_on_response(void *ctx, void *flow_ctx, const struct http_txn *txn)
{
	struct fuzz_http_ctx *fc = ctx;
	(void)flow_ctx;
	if (!fc->lim.responses)
		abort();
	fuzz_http_once(fc, 1, txn->index);
	fuzz_http_check(fc, txn);
}

int
fuzz_http(const uint8_t *d, size_t n)
{
	if (n == 0)
		return 0;
	struct fuzz_http_ctx fc;
	memset(&fc, 0, sizeof(fc));
	http_limits_default(&fc.lim);
	if (d[0] & 1) {
		fc.lim.request_body = 37;
		fc.lim.response_body = 61;
	}
	if (d[0] & 2)
		fc.lim.header_bytes = 300;
	fc.lim.responses = !(d[0] & 4);
	fc.lim.txns_per_conn = 1u + ((d[0] >> 3) & 3) * 3;
	fc.lim.decompress_ratio = 10;
	struct http_sink sink = { &fc, fuzz_http_on_request, fuzz_http_on_response };
	struct http_engine *he = http_engine_new(&fc.lim, &sink);
	if (!he)
		abort();
	struct http_conn *c = http_conn_new(he, NULL, 0);
	if (!c)
		abort();
	size_t i = 1;
	uint64_t now = 1;
	while (i < n) {
		uint8_t ctrl = d[i++];
		if (ctrl >= 0xfe) {
			http_conn_gap(c, ctrl == 0xff ? HTTP_DIR_REQUEST : HTTP_DIR_RESPONSE, 10);
			continue;
		}
		size_t len = (size_t)(ctrl >> 1) + 1;
		if (len > n - i)
			len = n - i;
		http_conn_feed(c, (enum http_dir)(ctrl & 1), d + i, len, now++);
		i += len;
	}
	http_conn_end(c, now);
	const struct http_stats *st = http_engine_stats(he);
	if (st->requests > st->conns * (fc.lim.txns_per_conn + 1u))
		abort();
	http_conn_free(c);
	http_engine_free(he);
	return 0;
}

#ifdef TLSIPS_LIBFUZZER
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_http(data, len);
}
#endif
