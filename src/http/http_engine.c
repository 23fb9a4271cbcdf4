/*
 * http_engine: what all connections of one worker share: limits, the sink,
 * counters, and the scratch one head is parsed into at a time.
 *
 * The parser is ours (http_parse.c, http_head.c), not libhtp: with libhtp
 * the per-transaction bstr strings, header tables and hooks cost more than
 * the whole inspection budget (issue 4). It reads HTTP the way libhtp's IDS
 * personality does, which our rules were written against; the differential
 * test tests/unit/test_http_vs_libhtp.c keeps the two in step and lists
 * where they differ on purpose. Decompression is ours too (http_body.c).
 */
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

void
http_limits_default(struct http_limits *out)
{
	out->request_body = 1u << 20;
	out->response_body = 1u << 20;
	out->header_bytes = 64u << 10;
	out->txns_per_conn = 10000;
	out->decompress_ratio = 100;
	out->responses = true;
}

struct http_engine *
http_engine_new(const struct http_limits *limits, const struct http_sink *sink)
{
	struct http_engine *he = calloc(1, sizeof(*he));
	if (!he)
		return NULL;
	if (limits)
		he->lim = *limits;
	else
		http_limits_default(&he->lim);
	if (he->lim.header_bytes < 256)
		he->lim.header_bytes = 256; /* a request line must fit */
	if (he->lim.header_bytes > (1u << 24))
		he->lim.header_bytes = 1u << 24; /* spans are 32-bit; arenas are 8x this */
	if (sink)
		he->sink = *sink;
	he->fold = malloc(he->lim.header_bytes);
	if (!he->fold) {
		free(he);
		return NULL;
	}
	return he;
}

void
http_engine_free(struct http_engine *he)
{
	if (!he)
		return;
	free(he->fold);
	he->fold = NULL;
	free(he);
}

const struct http_stats *
http_engine_stats(const struct http_engine *he)
{
	return &he->stats;
}
