/*
 * http_txn: the buffers of one side, built from libhtp's parsed message.
 *
 * Every string is copied into the side's text arena (spans record where), so
 * the views never point into libhtp, which may free or grow its strings
 * (trailers merge into headers) while our transaction still lives.
 *
 * Normalised URI: libhtp's decoded, normalised path (IDS personality, see
 * http_engine.c), then '?' and the query percent-decoded once by us, then
 * '#' and the fragment as libhtp decoded it. Decoding is done once, like
 * Suricata: "%252e" becomes "%2e" and is flagged URI_DOUBLE_ENCODED rather
 * than decoded again, so a rule sees what a single-decoding server sees. '+'
 * stays '+': it means space only inside form data, and turning it into one
 * would make "+" and "%2B" look alike. An absolute URI keeps only its path
 * and query (its host goes to the host buffer).
 */
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "http/http_int.h"

/* Header values that get a buffer of their own (HTTP_BUF_COUNT: none, but
 * the header matters for framing or decoding), by direction. */
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
	{ "transfer-encoding", 17, HTTP_BUF_COUNT },
	{ "content-encoding", 16, HTTP_BUF_COUNT },
};

static const struct http_hdr_row http_res_rows[] = {
	{ "content-type", 12, HTTP_BUF_RESPONSE_CONTENT_TYPE },
	{ "location", 8, HTTP_BUF_LOCATION },
	{ "server", 6, HTTP_BUF_SERVER },
	{ "set-cookie", 10, HTTP_BUF_SET_COOKIE },
	{ "content-length", 14, HTTP_BUF_COUNT },
	{ "transfer-encoding", 17, HTTP_BUF_COUNT },
	{ "content-encoding", 16, HTTP_BUF_COUNT },
};

/* Headers framing and decoding depend on, found while the lines are built
 * (one pass over libhtp's table instead of a lookup each). */
struct http_hdr_seen {
	const htp_header_t *cl, *te, *ce, *host;
	const htp_header_t *excluded; /* Cookie or Set-Cookie (libhtp merges repeats) */
};

/* Per direction: the header left out of the header lines, and the rows. */
struct http_hdr_set {
	enum http_buf lines, names, excluded;
	const struct http_hdr_row *rows;
	size_t n_rows;
};

static const struct http_hdr_set http_hdr_sets[HTTP_DIRS] = {
	{ HTTP_BUF_REQUEST_HEADERS, HTTP_BUF_REQUEST_HEADER_NAMES, HTTP_BUF_COOKIE, http_req_rows,
	  sizeof(http_req_rows) / sizeof(http_req_rows[0]) },
	{ HTTP_BUF_RESPONSE_HEADERS, HTTP_BUF_RESPONSE_HEADER_NAMES, HTTP_BUF_SET_COOKIE,
	  http_res_rows, sizeof(http_res_rows) / sizeof(http_res_rows[0]) },
};

/* Appends, recording nothing; on the arena's limit the side is flagged. */
static void
http_put(struct http_side *s, const void *p, size_t n)
{
	if (n && buf_append(&s->text, p, n) != 0)
		s->anom |= HTTP_ANOM_HEADERS_TOO_LARGE;
}

static void
http_put_bstr(struct http_side *s, const bstr *b)
{
	if (b)
		http_put(s, bstr_ptr(b), bstr_len(b));
}

static void
http_span_set(struct http_tx *t, enum http_buf b, size_t from, size_t to)
{
	t->span[b].off = (uint32_t)from;
	t->span[b].len = (uint32_t)(to - from);
}

static void
http_span_bstr(struct http_tx *t, enum http_dir dir, enum http_buf b, const bstr *v)
{
	struct http_side *s = &t->side[dir];
	size_t from = buf_len(&s->text);
	http_put_bstr(s, v);
	http_span_set(t, b, from, buf_len(&s->text));
}

static const struct http_hdr_row *
http_hdr_find(const struct http_hdr_set *set, const bstr *name)
{
	size_t n = bstr_len(name);
	for (size_t i = 0; i < set->n_rows; i++)
		if (set->rows[i].len == n &&
		    strncasecmp((const char *)bstr_ptr(name), set->rows[i].name, n) == 0)
			return &set->rows[i];
	return NULL;
}

/*
 * Header lines "Name: value\r\n" (the excluded header left out, its value
 * kept apart), the value buffers, then the names "\r\nA\r\nB\r\n\r\n".
 */
static void
http_hdr_note(struct http_hdr_seen *seen, const struct http_hdr_row *row, const htp_header_t *h)
{
	if (row->len == 14 && row->name[8] == 'l')
		seen->cl = h;
	else if (row->len == 17)
		seen->te = h;
	else if (row->len == 16)
		seen->ce = h;
	else if (row->len == 4)
		seen->host = h;
}

static void
http_txn_headers(struct http_tx *t, enum http_dir dir, const htp_table_t *table,
		 struct http_hdr_seen *seen)
{
	const struct http_hdr_set *set = &http_hdr_sets[dir];
	struct http_side *s = &t->side[dir];
	size_t n = table ? htp_table_size(table) : 0;
	size_t from = buf_len(&s->text);
	for (size_t i = 0; i < n; i++) {
		const htp_header_t *h = htp_table_get_index(table, i, NULL);
		if (!h || !h->name || !h->value)
			continue;
		const struct http_hdr_row *row = http_hdr_find(set, h->name);
		if (row)
			http_hdr_note(seen, row, h);
		if (row && row->buf == set->excluded) {
			seen->excluded = h;
			continue;
		}
		http_put_bstr(s, h->name);
		http_put(s, ": ", 2);
		size_t v = buf_len(&s->text);
		http_put_bstr(s, h->value);
		if (row && row->buf != HTTP_BUF_COUNT)
			http_span_set(t, row->buf, v, buf_len(&s->text));
		http_put(s, "\r\n", 2);
	}
	http_span_set(t, set->lines, from, buf_len(&s->text));
	if (seen->excluded)
		http_span_bstr(t, dir, set->excluded, seen->excluded->value);
	from = buf_len(&s->text);
	for (size_t i = 0; i < n; i++) {
		const htp_header_t *h = htp_table_get_index(table, i, NULL);
		if (!h || !h->name)
			continue;
		http_put(s, "\r\n", 2);
		http_put_bstr(s, h->name);
	}
	if (n)
		http_put(s, "\r\n\r\n", 4);
	http_span_set(t, set->names, from, buf_len(&s->text));
}

/* Both framings announced: which one the server obeys is the attack. */
static uint32_t
http_txn_framing_check(const struct http_hdr_seen *seen)
{
	uint32_t anom = 0;
	if (seen->cl && seen->te)
		anom |= HTTP_ANOM_SMUGGLING;
	if (seen->cl && (seen->cl->flags & HTP_FIELD_REPEATED))
		anom |= HTTP_ANOM_SMUGGLING;
	return anom;
}

static void
http_txn_uri(struct http_tx *t, const htp_tx_t *h)
{
	struct http_side *s = &t->side[HTTP_DIR_REQUEST];
	size_t from = buf_len(&s->text);
	const htp_uri_t *u = h->parsed_uri;
	if (u && u->path) {
		http_put_bstr(s, u->path);
		if (u->query) {
			http_put(s, "?", 1);
			s->anom |= http_uri_decode_append(&s->text, bstr_ptr(u->query), bstr_len(u->query));
		}
		if (u->fragment) {
			http_put(s, "#", 1);
			http_put_bstr(s, u->fragment);
		}
	} else {
		/* No path (CONNECT authority, "*"): the URI as sent. */
		http_put_bstr(s, h->request_uri);
	}
	http_span_set(t, HTTP_BUF_URI, from, buf_len(&s->text));
	if (h->request_uri)
		s->anom |= http_uri_check(bstr_ptr(h->request_uri), bstr_len(h->request_uri));
}

void
http_txn_build_request(struct http_conn *c, struct http_tx *t)
{
	struct http_side *s = &t->side[HTTP_DIR_REQUEST];
	const htp_tx_t *h = t->htx;
	if (s->headers_done || !h)
		return;
	s->headers_done = true;
	http_span_bstr(t, HTTP_DIR_REQUEST, HTTP_BUF_REQUEST_LINE, h->request_line);
	http_span_bstr(t, HTTP_DIR_REQUEST, HTTP_BUF_METHOD, h->request_method);
	http_span_bstr(t, HTTP_DIR_REQUEST, HTTP_BUF_URI_RAW, h->request_uri);
	http_span_bstr(t, HTTP_DIR_REQUEST, HTTP_BUF_REQUEST_PROTOCOL, h->request_protocol);
	http_txn_uri(t, h);
	http_span_bstr(t, HTTP_DIR_REQUEST, HTTP_BUF_HOST, h->request_hostname);
	/* libhtp lower-cases a URI's host but not the Host header's. */
	uint8_t *lc = s->text.mem ? s->text.mem + s->text.off + t->span[HTTP_BUF_HOST].off : NULL;
	for (uint32_t i = 0; lc && i < t->span[HTTP_BUF_HOST].len; i++)
		if (lc[i] >= 'A' && lc[i] <= 'Z')
			lc[i] = (uint8_t)(lc[i] - 'A' + 'a');
	struct http_hdr_seen seen = { 0 };
	http_txn_headers(t, HTTP_DIR_REQUEST, h->request_headers, &seen);
	if (h->request_protocol_number == HTP_PROTOCOL_INVALID)
		s->anom |= HTTP_ANOM_INVALID_REQUEST;
	s->anom |= http_txn_framing_check(&seen);
	if (seen.host && (seen.host->flags & HTP_FIELD_REPEATED))
		s->anom |= HTTP_ANOM_DUPLICATE_HOST;
	s->chunked = h->request_transfer_coding == HTP_CODING_CHUNKED;
	const htp_header_t *ce = seen.ce;
	if (ce && ce->value)
		http_body_begin(c, t, HTTP_DIR_REQUEST, bstr_ptr(ce->value), bstr_len(ce->value));
}

/*
 * After "100 Continue" libhtp's raw header data also holds the interim
 * headers and the final status line: drop everything up to and including
 * the first status line after the interim block's empty line.
 */
static void
http_txn_strip_interim(struct buf *raw)
{
	const uint8_t *p = buf_data(raw);
	size_t n = buf_len(raw), i = 0;
	bool blank_seen = false;
	while (i < n) {
		const uint8_t *lf = memchr(p + i, '\n', n - i);
		size_t end = lf ? (size_t)(lf - p) + 1 : n;
		size_t body = end - i - (lf ? 1 : 0);
		bool blank = body == 0 || (body == 1 && p[i] == '\r');
		i = end;
		if (!blank_seen) {
			blank_seen = blank;
			continue;
		}
		if (!blank)
			break; /* that was the final status line */
	}
	buf_consume(raw, i);
}

void
http_txn_build_response(struct http_conn *c, struct http_tx *t)
{
	struct http_side *s = &t->side[HTTP_DIR_RESPONSE];
	const htp_tx_t *h = t->htx;
	if (s->headers_done || !h)
		return;
	s->headers_done = true;
	if (h->seen_100continue)
		http_txn_strip_interim(&s->raw);
	http_span_bstr(t, HTTP_DIR_RESPONSE, HTTP_BUF_STAT_CODE, h->response_status);
	http_span_bstr(t, HTTP_DIR_RESPONSE, HTTP_BUF_STAT_MSG, h->response_message);
	http_span_bstr(t, HTTP_DIR_RESPONSE, HTTP_BUF_RESPONSE_LINE, h->response_line);
	http_span_bstr(t, HTTP_DIR_RESPONSE, HTTP_BUF_RESPONSE_PROTOCOL, h->response_protocol);
	struct http_hdr_seen seen = { 0 };
	http_txn_headers(t, HTTP_DIR_RESPONSE, h->response_headers, &seen);
	if (h->response_status_number == HTP_STATUS_INVALID ||
	    h->response_protocol_number == HTP_PROTOCOL_INVALID)
		s->anom |= HTTP_ANOM_INVALID_RESPONSE;
	s->anom |= http_txn_framing_check(&seen);
	s->chunked = h->response_transfer_coding == HTP_CODING_CHUNKED;
	const htp_header_t *ce = seen.ce;
	if (ce && ce->value && h->response_transfer_coding != HTP_CODING_NO_BODY)
		http_body_begin(c, t, HTTP_DIR_RESPONSE, bstr_ptr(ce->value), bstr_len(ce->value));
}

uint32_t
http_txn_flags_anom(uint64_t f, enum http_dir dir)
{
	uint32_t a = 0;
	if (f & HTP_REQUEST_SMUGGLING)
		a |= HTTP_ANOM_SMUGGLING;
	if (f & HTP_HEADERS_TOO_MANY)
		a |= HTTP_ANOM_HEADERS_TOO_LARGE;
	uint64_t invalid = HTP_FIELD_UNPARSEABLE | HTP_FIELD_INVALID | HTP_INVALID_FOLDING;
	if (dir == HTTP_DIR_REQUEST) {
		invalid |= HTP_REQUEST_INVALID | HTP_REQUEST_INVALID_T_E | HTP_REQUEST_INVALID_C_L;
		if (f & invalid)
			a |= HTTP_ANOM_INVALID_REQUEST;
		/* Invalid UTF-8 alone is not flagged: Latin-1 paths are common. */
		if (f & (HTP_PATH_INVALID_ENCODING | HTP_PATH_ENCODED_NUL | HTP_PATH_RAW_NUL |
			 HTP_PATH_OVERLONG_U | HTP_PATH_UTF8_OVERLONG | HTP_URLEN_ENCODED_NUL |
			 HTP_URLEN_INVALID_ENCODING | HTP_URLEN_OVERLONG_U | HTP_URLEN_RAW_NUL))
			a |= HTTP_ANOM_URI_BAD_ENCODING;
		if (f & HTP_HOST_AMBIGUOUS)
			a |= HTTP_ANOM_DUPLICATE_HOST;
	} else {
		invalid |= HTP_STATUS_LINE_INVALID;
		if (f & invalid)
			a |= HTTP_ANOM_INVALID_RESPONSE;
	}
	return a;
}
