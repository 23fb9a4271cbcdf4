/*
 * Test helper for the http tests: a sink that copies every report (each
 * buffer, flags, lengths) so tests assert after feeding, and a runner that
 * feeds an exchange whole, split at a point, or one byte at a time.
 */
#ifndef TLSIPS_TEST_HTTP_CAP_H
#define TLSIPS_TEST_HTTP_CAP_H

#include <stdlib.h>
#include <string.h>

#include "http/http.h"

enum { HTTP_CAP_MAX = 64 };

struct http_rec {
	enum http_dir dir;
	uint64_t index;
	uint8_t *buf[HTTP_BUF_COUNT];
	size_t len[HTTP_BUF_COUNT];
	uint32_t anomalies;
	int status;
	uint64_t request_body_len, response_body_len;
	bool request_complete, response_complete;
};

struct http_cap {
	struct http_rec r[HTTP_CAP_MAX];
	int n;
	int overflow;
};

static void
http_cap_take(struct http_cap *cap, enum http_dir dir, const struct http_txn *txn)
{
	if (cap->n >= HTTP_CAP_MAX) {
		cap->overflow++;
		return;
	}
	struct http_rec *r = &cap->r[cap->n++];
	r->dir = dir;
	r->index = txn->index;
	for (int b = 0; b < HTTP_BUF_COUNT; b++) {
		r->len[b] = txn->buf[b].len;
		r->buf[b] = malloc(txn->buf[b].len + 1);
		if (txn->buf[b].len)
			memcpy(r->buf[b], txn->buf[b].ptr, txn->buf[b].len);
		r->buf[b][txn->buf[b].len] = 0;
	}
	r->anomalies = txn->anomalies;
	r->status = txn->status;
	r->request_body_len = txn->request_body_len;
	r->response_body_len = txn->response_body_len;
	r->request_complete = txn->request_complete;
	r->response_complete = txn->response_complete;
}

static void
http_cap_on_request(void *ctx, void *flow_ctx, const struct http_txn *txn)
{
	(void)flow_ctx;
	http_cap_take(ctx, HTTP_DIR_REQUEST, txn);
}

static void
http_cap_on_response(void *ctx, void *flow_ctx, const struct http_txn *txn)
{
	(void)flow_ctx;
	http_cap_take(ctx, HTTP_DIR_RESPONSE, txn);
}

static void
http_cap_clear(struct http_cap *cap)
{
	for (int i = 0; i < cap->n; i++)
		for (int b = 0; b < HTTP_BUF_COUNT; b++)
			free(cap->r[i].buf[b]);
	memset(cap, 0, sizeof(*cap));
}

/* An engine whose sink records into cap, and one connection of it. */
static inline struct http_conn *
http_cap_open(const struct http_limits *lim, struct http_cap *cap, struct http_engine **out_he)
{
	struct http_sink sink = { cap, http_cap_on_request, http_cap_on_response };
	*out_he = http_engine_new(lim, &sink);
	return *out_he ? http_conn_new(*out_he, NULL, 0) : NULL;
}

/* One captured buffer is exactly want (cmocka.h comes before this header). */
static inline void
assert_buf(const struct http_rec *r, enum http_buf b, const char *want)
{
	if (r->len[b] != strlen(want) || memcmp(r->buf[b], want, r->len[b]) != 0)
		fail_msg("buffer %s: got \"%s\" (%zu), want \"%s\"", http_buf_name(b),
			 (const char *)r->buf[b], r->len[b], want);
}

/* Two records equal in every field and every buffer byte. */
static bool
http_rec_equal(const struct http_rec *a, const struct http_rec *b)
{
	/* A side reported at its cut counts what had come by then, which
	 * depends on where the bytes were split; only uncut lengths compare. */
	bool req_cut = a->anomalies & HTTP_ANOM_REQUEST_BODY_CUT;
	bool res_cut = a->anomalies & HTTP_ANOM_RESPONSE_BODY_CUT;
	if (a->dir != b->dir || a->index != b->index || a->anomalies != b->anomalies ||
	    a->status != b->status || (!req_cut && a->request_body_len != b->request_body_len) ||
	    (!res_cut && a->response_body_len != b->response_body_len) ||
	    a->request_complete != b->request_complete ||
	    a->response_complete != b->response_complete)
		return false;
	for (int i = 0; i < HTTP_BUF_COUNT; i++)
		if (a->len[i] != b->len[i] || memcmp(a->buf[i], b->buf[i], a->len[i]) != 0)
			return false;
	return true;
}

static bool
http_cap_equal(const struct http_cap *a, const struct http_cap *b)
{
	if (a->n != b->n || a->overflow || b->overflow)
		return false;
	for (int i = 0; i < a->n; i++)
		if (!http_rec_equal(&a->r[i], &b->r[i]))
			return false;
	return true;
}

/* One piece of an exchange: a direction and its bytes. */
struct http_seg {
	enum http_dir dir;
	const char *data;
	size_t len;
};

#define HTTP_SEG(d, s) { (d), (s), sizeof(s) - 1 }

/*
 * Feeds the segments in order to one connection, then ends it. Segment
 * `split_seg` is cut at `split_at` (two feeds); step 1 feeds every segment
 * one byte at a time instead. Returns the engine's stats copy in out_stats.
 */
static void
http_cap_run(const struct http_limits *lim, const struct http_seg *segs, size_t nsegs,
	     int split_seg, size_t split_at, size_t step, bool end, struct http_cap *cap,
	     struct http_stats *out_stats)
{
	struct http_engine *he;
	struct http_conn *c = http_cap_open(lim, cap, &he);
	for (size_t i = 0; i < nsegs; i++) {
		const uint8_t *p = (const uint8_t *)segs[i].data;
		size_t n = segs[i].len;
		if (step) {
			for (size_t k = 0; k < n; k += step)
				http_conn_feed(c, segs[i].dir, p + k, n - k < step ? n - k : step, 1000001);
		} else if ((int)i == split_seg && split_at > 0 && split_at < n) {
			http_conn_feed(c, segs[i].dir, p, split_at, 1000001);
			http_conn_feed(c, segs[i].dir, p + split_at, n - split_at, 1000002);
		} else {
			http_conn_feed(c, segs[i].dir, p, n, 1000001);
		}
	}
	if (end)
		http_conn_end(c, 2000000);
	if (out_stats)
		*out_stats = *http_engine_stats(he);
	http_conn_free(c);
	http_engine_free(he);
}

#endif
