/*
 * http_body: de-chunked body bytes (from libhtp) into the kept body, inflated
 * when the message says gzip or deflate.
 *
 * Bounds: the kept body stops at the body limit. At that point the side is
 * cut (flagged, counted, reported at once) and nothing more is decoded, so
 * inflating never costs more than the limit per body. A stream that inflates
 * past decompress_ratio times its compressed size (once past
 * HTTP_INFLATE_RATIO_FLOOR) is a bomb: flagged BAD_COMPRESSION and no longer
 * decoded. body_len counts decoded bytes, and, once decoding stopped, the
 * remaining bytes as they come.
 *
 * A body announced as compressed that does not start like one (an evasion
 * trick as much as a server bug) is flagged BAD_COMPRESSION and kept raw from
 * its first byte; "deflate" is first retried as raw deflate, which servers
 * send under that name. A stream that breaks later is kept raw from there.
 * Single layer only: "gzip, gzip" and other codings are kept as they come.
 */
#include <string.h>
#include <strings.h>

#include "http/http_int.h"

static bool
http_ce_is(const uint8_t *v, size_t n, const char *name)
{
	size_t k = strlen(name);
	return n == k && strncasecmp((const char *)v, name, k) == 0;
}

void
http_body_begin(struct http_conn *c, struct http_tx *t, enum http_dir dir, const uint8_t *ce,
		size_t ce_len)
{
	(void)c;
	struct http_side *s = &t->side[dir];
	while (ce_len && (ce[0] == ' ' || ce[0] == '\t'))
		ce++, ce_len--;
	while (ce_len && (ce[ce_len - 1] == ' ' || ce[ce_len - 1] == '\t'))
		ce_len--;
	if (http_ce_is(ce, ce_len, "gzip") || http_ce_is(ce, ce_len, "x-gzip")) {
		s->z = HTTP_Z_PENDING;
		s->z_raw_tried = true; /* plain text can decode as raw deflate */
	} else if (http_ce_is(ce, ce_len, "deflate") || http_ce_is(ce, ce_len, "x-deflate")) {
		s->z = HTTP_Z_PENDING;
		s->z_raw_tried = false;
	}
}

/* The side reached its limit: flag, count, report now (STYLE: reported once). */
static void
http_body_cut(struct http_conn *c, struct http_tx *t, enum http_dir dir)
{
	struct http_side *s = &t->side[dir];
	s->z = HTTP_Z_STOP;
	s->anom |= dir == HTTP_DIR_REQUEST ? HTTP_ANOM_REQUEST_BODY_CUT : HTTP_ANOM_RESPONSE_BODY_CUT;
	c->he->stats.body_limit_hits++;
	if (dir == HTTP_DIR_REQUEST && t->no_request)
		return;
	http_tx_report(c, t, dir);
}

static void
http_body_keep(struct http_conn *c, struct http_tx *t, enum http_dir dir, const uint8_t *p,
	       size_t n)
{
	struct http_side *s = &t->side[dir];
	size_t room = s->body.max_cap - buf_len(&s->body);
	size_t take = n < room ? n : room;
	s->body_len += n;
	if (take && buf_append(&s->body, p, take) != 0)
		take = 0;
	if (take < n)
		http_body_cut(c, t, dir);
}

static int
http_body_zreset(struct http_conn *c, enum http_dir dir, int window_bits)
{
	z_stream *zs = &c->zs[dir];
	if (c->zs_init[dir])
		return inflateReset2(zs, window_bits) == Z_OK ? 0 : -1;
	memset(zs, 0, sizeof(*zs));
	if (inflateInit2(zs, window_bits) != Z_OK)
		return -1;
	c->zs_init[dir] = true;
	return 0;
}

static void http_body_inflate(struct http_conn *c, struct http_tx *t, enum http_dir dir,
			      const uint8_t *p, size_t n);

/*
 * inflate failed. At the very start (nothing out, everything read still in
 * z_head) the body is re-read: as raw deflate once, else raw bytes. Later,
 * the rest is kept raw.
 */
static void
http_body_inflate_failed(struct http_conn *c, struct http_tx *t, enum http_dir dir)
{
	struct http_side *s = &t->side[dir];
	z_stream *zs = &c->zs[dir];
	const uint8_t *rest = zs->next_in;
	size_t rest_len = zs->avail_in;
	if (zs->total_out == 0 && zs->total_in <= HTTP_INFLATE_HEAD) {
		uint8_t head[HTTP_INFLATE_HEAD];
		size_t head_len = zs->total_in;
		memcpy(head, s->z_head, head_len);
		if (!s->z_raw_tried && http_body_zreset(c, dir, -15) == 0) {
			s->z_raw_tried = true;
			http_body_inflate(c, t, dir, head, head_len);
			if (s->z == HTTP_Z_INFLATE)
				http_body_inflate(c, t, dir, rest, rest_len);
			else if (s->z == HTTP_Z_PASS)
				http_body_keep(c, t, dir, rest, rest_len);
			return;
		}
		s->anom |= HTTP_ANOM_BAD_COMPRESSION;
		s->z = HTTP_Z_PASS;
		http_body_keep(c, t, dir, head, head_len);
		if (s->z == HTTP_Z_PASS)
			http_body_keep(c, t, dir, rest, rest_len);
		return;
	}
	s->anom |= HTTP_ANOM_BAD_COMPRESSION;
	s->z = HTTP_Z_PASS;
	http_body_keep(c, t, dir, rest, rest_len);
}

/* Decoding stops for good; what is left is only counted. */
static void
http_body_zstop(struct http_side *s, size_t left)
{
	s->z = HTTP_Z_STOP;
	s->body_len += left;
}

/* The body is full with input still there, or zlib holding more output. */
static bool
http_body_has_more(z_stream *zs)
{
	if (zs->avail_in)
		return true;
	uint8_t probe;
	zs->next_out = &probe;
	zs->avail_out = 1;
	return inflate(zs, Z_NO_FLUSH) == Z_OK && zs->avail_out == 0;
}

static void
http_body_inflate(struct http_conn *c, struct http_tx *t, enum http_dir dir, const uint8_t *p,
		  size_t n)
{
	struct http_side *s = &t->side[dir];
	z_stream *zs = &c->zs[dir];
	uint32_t ratio = c->he->lim.decompress_ratio;
	if (zs->total_in < HTTP_INFLATE_HEAD) {
		size_t k = HTTP_INFLATE_HEAD - zs->total_in;
		memcpy(s->z_head + zs->total_in, p, k < n ? k : n);
	}
	zs->next_in = (Bytef *)(uintptr_t)p;
	zs->avail_in = (uInt)n;
	bool out_full = false;
	for (;;) {
		size_t room = s->body.max_cap - buf_len(&s->body);
		if (room == 0) {
			if (zs->avail_in || (out_full && http_body_has_more(zs))) {
				size_t left = zs->avail_in;
				http_body_cut(c, t, dir);
				s->body_len += left;
			}
			return;
		}
		size_t step = room < HTTP_INFLATE_STEP ? room : HTTP_INFLATE_STEP;
		uint8_t *out = buf_reserve(&s->body, step);
		if (!out) {
			http_body_zstop(s, zs->avail_in);
			return;
		}
		zs->next_out = out;
		zs->avail_out = (uInt)step;
		int rc = inflate(zs, Z_NO_FLUSH);
		size_t got = step - zs->avail_out;
		buf_commit(&s->body, got);
		s->body_len += got;
		out_full = zs->avail_out == 0;
		if (rc == Z_STREAM_END) {
			/* Bytes after the stream's end are not part of the entity. */
			http_body_zstop(s, zs->avail_in);
			return;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			http_body_inflate_failed(c, t, dir);
			return;
		}
		if (ratio && zs->total_out > HTTP_INFLATE_RATIO_FLOOR &&
		    zs->total_out / ratio > zs->total_in) {
			s->anom |= HTTP_ANOM_BAD_COMPRESSION;
			http_body_zstop(s, zs->avail_in);
			return;
		}
		if (!out_full && zs->avail_in == 0)
			return;
		if (rc == Z_BUF_ERROR && got == 0)
			return;
	}
}

void
http_body_data(struct http_conn *c, struct http_tx *t, enum http_dir dir, const uint8_t *data,
	       size_t len)
{
	struct http_side *s = &t->side[dir];
	if (t->evicted || s->reported || s->z == HTTP_Z_STOP) {
		/* Reported sides are frozen: their views must not move. */
		s->body_len += len;
		return;
	}
	if (s->z == HTTP_Z_PENDING) {
		if (http_body_zreset(c, dir, 15 + 32) != 0) {
			s->anom |= HTTP_ANOM_BAD_COMPRESSION;
			s->z = HTTP_Z_PASS;
		} else {
			s->z = HTTP_Z_INFLATE;
		}
	}
	if (s->z == HTTP_Z_INFLATE)
		http_body_inflate(c, t, dir, data, len);
	else
		http_body_keep(c, t, dir, data, len);
}

void
http_body_end(struct http_conn *c, struct http_tx *t, enum http_dir dir)
{
	(void)c;
	struct http_side *s = &t->side[dir];
	/* The body ended before its compressed stream did. */
	if (s->z == HTTP_Z_INFLATE && !s->reported && !t->evicted) {
		s->anom |= HTTP_ANOM_BAD_COMPRESSION;
		s->z = HTTP_Z_STOP;
	}
}

void
http_body_end_conn(struct http_conn *c)
{
	for (int d = 0; d < HTTP_DIRS; d++) {
		if (c->zs_init[d])
			inflateEnd(&c->zs[d]);
		c->zs_init[d] = false;
	}
}
