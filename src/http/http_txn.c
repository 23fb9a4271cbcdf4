/*
 * http_txn: the buffers of one side, built from a parsed head.
 *
 * Everything goes into the side's text arena, once: the start line as sent
 * (method, URI, protocol, status and reason are spans inside it), the
 * header bytes as sent, then the derived strings. Header value buffers are
 * spans inside the normalised header lines. Nothing points into the stream
 * bytes, which move on after the head.
 *
 * Normalised URI: the path decoded once (%XX and %uHHHH, as libhtp's IDS
 * personality: backslash and encoded '/' are separators, "//" collapsed,
 * then "./" and "../" resolved, RFC 3986 5.2.4), then '?' and the query
 * percent-decoded once, then '#' and the fragment decoded the same way.
 * Decoding is done once, like Suricata: "%252e" becomes "%2e" and is
 * flagged URI_DOUBLE_ENCODED rather than decoded again, so a rule sees what
 * a single-decoding server sees. '+' stays '+': it means space only inside
 * form data, and turning it into one would make "+" and "%2B" look alike.
 * An absolute URI keeps only its path and query (its host goes to the host
 * buffer); a CONNECT's authority is kept as sent. Host: the URI's host if it
 * has one, else the Host header's, lower-cased, port and final dots removed.
 */
#include <string.h>
#include <strings.h>

#include "http/http_int.h"

/* Header values that get a buffer of their own, by direction. */
struct http_hdr_row {
	const char *name;
	uint8_t len;
	enum http_buf buf;
};

static const struct http_hdr_row http_req_rows[] = {
	{ "user-agent", 10, HTTP_BUF_USER_AGENT },
	{ "host", 4, HTTP_BUF_HOST_RAW },
	{ "referer", 7, HTTP_BUF_REFERER },
	{ "content-type", 12, HTTP_BUF_REQUEST_CONTENT_TYPE },
	{ "accept", 6, HTTP_BUF_ACCEPT },
	{ "accept-language", 15, HTTP_BUF_ACCEPT_LANGUAGE },
	{ "accept-encoding", 15, HTTP_BUF_ACCEPT_ENCODING },
	{ "connection", 10, HTTP_BUF_CONNECTION },
	{ "content-length", 14, HTTP_BUF_CONTENT_LENGTH },
	{ "cookie", 6, HTTP_BUF_COOKIE },
};

static const struct http_hdr_row http_res_rows[] = {
	{ "content-type", 12, HTTP_BUF_RESPONSE_CONTENT_TYPE },
	{ "location", 8, HTTP_BUF_LOCATION },
	{ "server", 6, HTTP_BUF_SERVER },
	{ "set-cookie", 10, HTTP_BUF_SET_COOKIE },
};

/* Per direction: the buffers of the lines and names, the header left out
 * of the lines (its value kept apart), and the rows. */
struct http_hdr_set {
	enum http_buf line, raw, lines, names, excluded;
	const struct http_hdr_row *rows;
	size_t n_rows;
};

static const struct http_hdr_set http_hdr_sets[HTTP_DIRS] = {
	{ HTTP_BUF_REQUEST_LINE, HTTP_BUF_REQUEST_HEADERS_RAW, HTTP_BUF_REQUEST_HEADERS,
	  HTTP_BUF_REQUEST_HEADER_NAMES, HTTP_BUF_COOKIE, http_req_rows,
	  sizeof(http_req_rows) / sizeof(http_req_rows[0]) },
	{ HTTP_BUF_RESPONSE_LINE, HTTP_BUF_RESPONSE_HEADERS_RAW, HTTP_BUF_RESPONSE_HEADERS,
	  HTTP_BUF_RESPONSE_HEADER_NAMES, HTTP_BUF_SET_COOKIE, http_res_rows,
	  sizeof(http_res_rows) / sizeof(http_res_rows[0]) },
};

/* Appends; on the arena's limit the side is flagged. */
static void
http_put(struct http_side *s, const void *p, size_t n)
{
	if (n && buf_append(&s->text, p, n) != 0)
		s->anom |= HTTP_ANOM_HEADERS_TOO_LARGE;
}

static void
http_span_set(struct http_tx *t, enum http_buf b, size_t from, size_t to)
{
	t->span[b].off = (uint32_t)from;
	t->span[b].len = (uint32_t)(to - from);
}

/* A view inside the copied start line, as a span. */
static void
http_span_in(struct http_tx *t, enum http_buf b, size_t base, struct view line, struct view v)
{
	if (!v.ptr || v.len == 0) {
		t->span[b].off = t->span[b].len = 0;
		return;
	}
	t->span[b].off = (uint32_t)(base + (size_t)(v.ptr - line.ptr));
	t->span[b].len = (uint32_t)v.len;
}

static const struct http_hdr_row *
http_hdr_find(const struct http_hdr_set *set, struct view name)
{
	for (size_t i = 0; i < set->n_rows; i++)
		if (set->rows[i].len == name.len &&
		    strncasecmp((const char *)name.ptr, set->rows[i].name, name.len) == 0)
			return &set->rows[i];
	return NULL;
}

/* A field's value with its repeats merged, "a, b". */
static void
http_put_value(struct http_side *s, const struct http_head *h, int32_t k)
{
	http_put(s, h->f[k].value.ptr, h->f[k].value.len);
	for (int32_t r = h->f[k].next_rep; r >= 0; r = h->f[r].next_rep) {
		http_put(s, ", ", 2);
		http_put(s, h->f[r].value.ptr, h->f[r].value.len);
	}
}

/*
 * Header lines "Name: value\r\n" (the excluded header left out, its value
 * kept apart), the value buffers, then the names "\r\nA\r\nB\r\n\r\n".
 */
static void
http_txn_fields(struct http_tx *t, enum http_dir dir, const struct http_head *h)
{
	const struct http_hdr_set *set = &http_hdr_sets[dir];
	struct http_side *s = &t->side[dir];
	size_t from = buf_len(&s->text);
	int32_t excluded = -1;
	for (uint32_t i = 0; i < h->n; i++) {
		const struct http_field *f = &h->f[i];
		if (f->merged)
			continue;
		const struct http_hdr_row *row = http_hdr_find(set, f->name);
		if (row && row->buf == set->excluded) {
			excluded = (int32_t)i;
			continue;
		}
		http_put(s, f->name.ptr, f->name.len);
		http_put(s, ": ", 2);
		size_t v = buf_len(&s->text);
		http_put_value(s, h, (int32_t)i);
		if (row)
			http_span_set(t, row->buf, v, buf_len(&s->text));
		http_put(s, "\r\n", 2);
	}
	http_span_set(t, set->lines, from, buf_len(&s->text));
	if (excluded >= 0) {
		from = buf_len(&s->text);
		http_put_value(s, h, excluded);
		http_span_set(t, set->excluded, from, buf_len(&s->text));
	}
	from = buf_len(&s->text);
	uint32_t names = 0;
	for (uint32_t i = 0; i < h->n; i++) {
		if (h->f[i].merged)
			continue;
		http_put(s, "\r\n", 2);
		http_put(s, h->f[i].name.ptr, h->f[i].name.len);
		names++;
	}
	if (names)
		http_put(s, "\r\n\r\n", 4);
	http_span_set(t, set->names, from, buf_len(&s->text));
}

static bool
http_span_eq_nocase(const struct buf *b, struct http_span x, struct http_span y)
{
	const uint8_t *d = buf_data(b);
	return x.len == y.len && (x.len == 0 || strncasecmp((const char *)d + x.off,
							    (const char *)d + y.off, x.len) == 0);
}

/* URI and host buffers, and the anomalies found in them. */
static void
http_txn_uri_host(struct http_tx *t, const struct http_head *h, size_t uri_raw_off)
{
	struct http_side *s = &t->side[HTTP_DIR_REQUEST];
	size_t from = buf_len(&s->text);
	struct http_span uhost;
	int uport;
	s->anom |= http_uri_normalise(&s->text, buf_data(&s->text) + uri_raw_off, h->sl.uri.len,
				      t->is_connect, &uhost, &uport);
	http_span_set(t, HTTP_BUF_URI, from, uhost.off);
	if (h->sl.uri.len) {
		const uint8_t *raw = buf_data(&s->text) + uri_raw_off;
		s->anom |= http_uri_check(raw, h->sl.uri.len);
	}
	t->span[HTTP_BUF_HOST] = uhost;
	if (h->host < 0)
		return;
	if (h->f[h->host].repeated)
		s->anom |= HTTP_ANOM_DUPLICATE_HOST;
	/* The header's host, read from its copy in the lines (stable offsets). */
	struct http_span raw = t->span[HTTP_BUF_HOST_RAW], hhost;
	int hport;
	struct view v = view_make(buf_data(&s->text) + raw.off, raw.len);
	if (raw.len == 0)
		v = h->f[h->host].value;
	bool ok = http_uri_host_header(&s->text, v, &hhost, &hport);
	if (uhost.len == 0) {
		t->span[HTTP_BUF_HOST] = hhost;
		return;
	}
	/* RFC 9112 3.2.2: the URI's host wins; a different header is ambiguous. */
	if (!ok || !http_span_eq_nocase(&s->text, uhost, hhost) ||
	    (uport != -1 && hport != -1 && uport != hport))
		s->anom |= HTTP_ANOM_DUPLICATE_HOST;
}

void
http_txn_build(struct http_conn *c, struct http_tx *t, enum http_dir dir, const struct http_head *h)
{
	const struct http_hdr_set *set = &http_hdr_sets[dir];
	struct http_side *s = &t->side[dir];
	/* Room for everything up front: later strings are read from earlier
	 * ones in the arena, which must not move meanwhile. Bound: lines and
	 * names each within the header bytes plus 2 per field, the excluded
	 * value and the Host header's host within them, URI and its host twice
	 * the URI (http_side_init sizes the arena's ceiling for this). */
	size_t need = h->line.len + 4 * h->hdrs.len + 4 * (size_t)h->n + 2 * h->sl.uri.len + 64;
	if (!buf_reserve(&s->text, need)) {
		s->anom |= HTTP_ANOM_HEADERS_TOO_LARGE;
		return;
	}
	/* The start line and the header bytes, as sent. */
	size_t line_off = buf_len(&s->text);
	http_put(s, h->line.ptr, h->line.len);
	http_span_set(t, set->line, line_off, buf_len(&s->text));
	size_t raw_off = buf_len(&s->text);
	http_put(s, h->hdrs.ptr, h->hdrs.len);
	http_span_set(t, set->raw, raw_off, buf_len(&s->text));
	if (s->anom & HTTP_ANOM_HEADERS_TOO_LARGE && buf_len(&s->text) < raw_off + h->hdrs.len)
		return; /* the arena is full: nothing more would fit */
	http_txn_fields(t, dir, h);
	const struct view ce = h->ce >= 0 ? h->f[h->ce].value : view_make(NULL, 0);
	if (dir == HTTP_DIR_REQUEST) {
		http_span_in(t, HTTP_BUF_METHOD, line_off, h->line, h->sl.method);
		http_span_in(t, HTTP_BUF_URI_RAW, line_off, h->line, h->sl.uri);
		http_span_in(t, HTTP_BUF_REQUEST_PROTOCOL, line_off, h->line, h->sl.proto);
		http_txn_uri_host(t, h, t->span[HTTP_BUF_URI_RAW].off);
	} else {
		http_span_in(t, HTTP_BUF_STAT_CODE, line_off, h->line, h->sl.status);
		http_span_in(t, HTTP_BUF_STAT_MSG, line_off, h->line, h->sl.msg);
		http_span_in(t, HTTP_BUF_RESPONSE_PROTOCOL, line_off, h->line, h->sl.proto);
	}
	if (ce.ptr && (h->ce < 0 || !h->f[h->ce].repeated))
		http_body_begin(c, t, dir, ce.ptr, ce.len);
}
