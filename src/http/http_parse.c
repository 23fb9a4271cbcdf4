/*
 * http_parse: the streaming HTTP/1.x parser of one direction.
 *
 * States (enum http_pstate):
 *   IDLE        between messages: CR and LF bytes skipped (RFC 9112 2.2)
 *   HEAD        start line and fields up to the empty line; a head inside
 *               one feed is read in place, one spanning feeds is gathered
 *               in parser.head (at most a start line and header_bytes more)
 *   HEAD_SKIP   a head over header_bytes: what fits was read, the rest is
 *               skipped to the empty line (HEADERS_TOO_LARGE)
 *   BODY_LEN    Content-Length body
 *   CHUNK_LINE  chunk-size [; extensions] line, at most HTTP_CHUNK_LINE_MAX
 *   CHUNK_DATA  chunk bytes; CHUNK_END the line end after them
 *   TRAILER     trailer lines, skipped, up to the empty line
 *   BODY_CLOSE  response body delimited by the close
 *   WAIT        request side after CONNECT until its response says
 *   STOP        tunnel (CONNECT 2xx, 101), gap, error or transaction limit
 *
 * Framing follows RFC 9112 6.3 read the way libhtp reads it: a
 * Transfer-Encoding naming chunked wins over Content-Length (both: SMUGGLING);
 * a request with another Transfer-Encoding, or a Content-Length that is not
 * a number, cannot be framed: INVALID_REQUEST and the direction stops. A
 * response to HEAD, a 1xx, 204 or 304 has no body; 1xx other than 101 are
 * interim and skipped; a response without length reads to the close. A
 * request line without protocol is HTTP/0.9 (no fields) unless the next
 * line looks like a field, as libhtp probes. Nothing here allocates except
 * the bounded head buffer of a head that spans feeds.
 */
#include <string.h>
#include <strings.h>

#include "base/num.h"
#include "http/http_int.h"

enum http_find {
	HTTP_FIND_MORE = 0, /* need more bytes */
	HTTP_FIND_HEAD,     /* a head: line_len, head_len */
	HTTP_FIND_IGNORE,   /* a whitespace-only line before the start line */
	HTTP_FIND_LONG,     /* over the limit: line_len set if the line ended */
};

static bool
http_p_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Length without the line end (LF, with the CR before it, repeatedly). */
static size_t
http_chomp_len(const uint8_t *p, size_t n)
{
	while (n && p[n - 1] == '\n') {
		n--;
		if (n && p[n - 1] == '\r')
			n--;
	}
	return n;
}

/*
 * After a request line without protocol: does a field line follow (libhtp's
 * probe)? 1 yes, 0 no (HTTP/0.9), -1 cannot tell yet.
 */
static int
http_p_probe_field(const uint8_t *d, size_t n)
{
	bool after_space = false;
	for (size_t i = 0; i < n; i++) {
		if (d[i] == ':')
			return 1;
		if (d[i] == ' ' || d[i] == '\t')
			after_space = true;
		else if (http_p_space(d[i]) || after_space)
			return 0;
	}
	return -1;
}

static bool
http_p_blank(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!http_p_space(d[i]))
			return false;
	return true;
}

/* Looks for a whole head in b[0..n); *scan is where the search resumes. */
static enum http_find
http_p_find(const struct http_engine *he, enum http_dir dir, const uint8_t *b, size_t n,
	    size_t *scan, size_t *out_line, size_t *out_len)
{
	size_t lim = he->lim.header_bytes;
	const uint8_t *lf = memchr(b, '\n', n);
	if (!lf) {
		*out_line = 0;
		return n > lim ? HTTP_FIND_LONG : HTTP_FIND_MORE;
	}
	size_t line = (size_t)(lf - b) + 1;
	*out_line = line;
	if (line > lim)
		return HTTP_FIND_LONG;
	if (http_p_blank(b, line))
		return HTTP_FIND_IGNORE;
	struct http_startline sl;
	http_head_start_line(dir, b, http_chomp_len(b, line), &sl);
	if (sl.not_http || sl.is_09) {
		int r = sl.not_http ? 0 : http_p_probe_field(b + line, n - line);
		/* A probe that never decides is bounded like a head. */
		if (r < 0 && n - line > lim)
			r = 0;
		if (r < 0)
			return HTTP_FIND_MORE;
		if (r == 0) {
			*out_len = line;
			return HTTP_FIND_HEAD;
		}
	}
	size_t i = *scan > line - 1 ? *scan : line - 1;
	while (i < n && (lf = memchr(b + i, '\n', n - i))) {
		i = (size_t)(lf - b);
		if (i + 1 >= n)
			break;
		if (b[i + 1] == '\n' || (b[i + 1] == '\r' && i + 2 < n && b[i + 2] == '\n')) {
			*out_len = i + (b[i + 1] == '\n' ? 2 : 3);
			return *out_len - line > lim ? HTTP_FIND_LONG : HTTP_FIND_HEAD;
		}
		if (b[i + 1] == '\r' && i + 2 >= n)
			break;
		i++;
	}
	*scan = i;
	return n - line > lim ? HTTP_FIND_LONG : HTTP_FIND_MORE;
}

/* Body bytes of the message in progress. */
static void
http_p_body(struct http_conn *c, enum http_dir dir, const uint8_t *d, size_t n)
{
	struct http_tx *t = c->p[dir].tx;
	if (!t || n == 0)
		return;
	if (dir == HTTP_DIR_RESPONSE && !c->he->lim.responses) {
		t->side[dir].body_len += n;
		return;
	}
	http_body_data(c, t, dir, d, n);
}

static void
http_p_end(struct http_conn *c, enum http_dir dir, bool complete)
{
	struct http_parser *p = &c->p[dir];
	struct http_tx *t = p->tx;
	p->tx = NULL;
	if (p->st != HTTP_P_STOP && p->st != HTTP_P_WAIT)
		p->st = HTTP_P_IDLE;
	if (t)
		http_msg_end(c, t, dir, complete);
}

void
http_parse_stop(struct http_conn *c, enum http_dir dir)
{
	c->p[dir].st = HTTP_P_STOP;
	buf_clear(&c->p[dir].head);
	buf_clear(&c->pending[dir]);
}

/* CONNECT accepted or protocol switched: no longer HTTP either way. */
static void
http_p_tunnel(struct http_conn *c)
{
	c->he->stats.tunnels++;
	http_parse_stop(c, HTTP_DIR_REQUEST);
	http_parse_stop(c, HTTP_DIR_RESPONSE);
}

/*
 * Invalid chunked framing. A request cannot be framed any more: the
 * direction stops. A response is read to the close from here, as libhtp.
 */
static void
http_p_bad_chunk(struct http_conn *c, enum http_dir dir)
{
	struct http_parser *p = &c->p[dir];
	c->he->stats.parse_errors++;
	if (p->tx)
		p->tx->side[dir].anom |= HTTP_ANOM_BAD_CHUNK;
	if (dir == HTTP_DIR_RESPONSE) {
		p->st = HTTP_P_BODY_CLOSE;
		return;
	}
	struct http_tx *t = p->tx;
	p->tx = NULL;
	if (t)
		http_msg_end(c, t, dir, false);
	http_parse_stop(c, dir);
}

/* Case-insensitive search for a lower-case needle. */
static bool
http_p_has_nocase(const uint8_t *h, size_t n, const char *needle, size_t k)
{
	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp((const char *)h + i, needle, k) == 0)
			return true;
	return false;
}

/* Content-Length / chunked / none, for a request head; false: cannot frame. */
static bool
http_p_frame_request(struct http_conn *c, struct http_tx *t, const struct http_head *h)
{
	struct http_parser *p = &c->p[HTTP_DIR_REQUEST];
	struct http_side *s = &t->side[HTTP_DIR_REQUEST];
	if (h->te >= 0) {
		const struct view v = h->f[h->te].value;
		if (!http_p_has_nocase(v.ptr, v.len, "chunked", 7)) {
			s->anom |= HTTP_ANOM_INVALID_REQUEST;
			return false;
		}
		s->chunked = true;
		p->st = HTTP_P_CHUNK_LINE;
		p->line_len = 0;
		return true;
	}
	if (h->cl >= 0) {
		int64_t cl = http_head_content_length(h->f[h->cl].value);
		if (cl < 0) {
			s->anom |= HTTP_ANOM_INVALID_REQUEST;
			return false;
		}
		if (cl > 0) {
			p->st = HTTP_P_BODY_LEN;
			p->left = (uint64_t)cl;
			return true;
		}
	}
	http_p_end(c, HTTP_DIR_REQUEST, true);
	return true;
}

static void
http_p_frame_response(struct http_conn *c, struct http_tx *t, const struct http_head *h)
{
	struct http_parser *p = &c->p[HTTP_DIR_RESPONSE];
	struct http_side *s = &t->side[HTTP_DIR_RESPONSE];
	int st = h->sl.status_num;
	bool connect = t->is_connect; /* t may be released by http_p_end */
	bool tunnel = st == 101 || (connect && st >= 200 && st <= 299);
	if (tunnel || t->is_head || st == 204 || st == 304 || (st >= 100 && st <= 199)) {
		http_p_end(c, HTTP_DIR_RESPONSE, true);
		if (tunnel)
			http_p_tunnel(c);
		else if (connect)
			c->p[HTTP_DIR_REQUEST].st = HTTP_P_IDLE; /* refused: requests go on */
		return;
	}
	if (t->is_connect)
		c->p[HTTP_DIR_REQUEST].st = HTTP_P_IDLE;
	if (h->te >= 0) {
		const struct view v = h->f[h->te].value;
		if (http_p_has_nocase(v.ptr, v.len, "chunked", 7)) {
			s->chunked = true;
			p->st = HTTP_P_CHUNK_LINE;
			p->line_len = 0;
			return;
		}
	} else if (h->cl >= 0) {
		int64_t cl = http_head_content_length(h->f[h->cl].value);
		if (cl == 0) {
			http_p_end(c, HTTP_DIR_RESPONSE, true);
			return;
		}
		if (cl > 0) {
			p->st = HTTP_P_BODY_LEN;
			p->left = (uint64_t)cl;
			return;
		}
		s->anom |= HTTP_ANOM_INVALID_RESPONSE;
	}
	p->st = HTTP_P_BODY_CLOSE;
}

/* Framing anomalies read from the head alone. */
static uint32_t
http_p_framing_anom(const struct http_head *h)
{
	if (h->cl >= 0 && (h->te >= 0 || h->f[h->cl].repeated))
		return HTTP_ANOM_SMUGGLING;
	return 0;
}

/*
 * A whole request head (or what fits of it): a new transaction, its
 * buffers, its framing. Past txns_per_conn the transaction is reported
 * flagged and the connection is no longer parsed.
 */
static void
http_p_request_head(struct http_conn *c, const uint8_t *b, size_t line, size_t len, uint32_t anom)
{
	struct http_engine *he = c->he;
	struct http_parser *p = &c->p[HTTP_DIR_REQUEST];
	struct http_tx *t = http_tx_start(c);
	if (!t) {
		http_parse_stop(c, HTTP_DIR_REQUEST);
		return;
	}
	http_head_parse(he, HTTP_DIR_REQUEST, b, line, len);
	const struct http_head *h = &he->head;
	struct http_side *s = &t->side[HTTP_DIR_REQUEST];
	s->started = true;
	s->anom |= anom | h->anom | http_p_framing_anom(h);
	if (!h->sl.is_09 && !h->sl.proto_ok)
		s->anom |= HTTP_ANOM_INVALID_REQUEST;
	const struct view m = h->sl.method;
	t->is_head = m.len == 4 && memcmp(m.ptr, "HEAD", 4) == 0;
	t->is_connect = m.len == 7 && memcmp(m.ptr, "CONNECT", 7) == 0;
	if (!t->evicted)
		http_txn_build(c, t, HTTP_DIR_REQUEST, h);
	s->headers_done = true;
	p->tx = t;
	if (c->ntx > he->lim.txns_per_conn) {
		c->over_limit = true;
		s->anom |= HTTP_ANOM_TOO_MANY_TXNS;
		http_tx_report(c, t, HTTP_DIR_REQUEST);
		http_parse_stop(c, HTTP_DIR_REQUEST);
		http_parse_stop(c, HTTP_DIR_RESPONSE);
		return;
	}
	if (!http_p_frame_request(c, t, h)) {
		he->stats.parse_errors++;
		p->tx = NULL;
		http_tx_report(c, t, HTTP_DIR_REQUEST);
		http_parse_stop(c, HTTP_DIR_REQUEST);
		return;
	}
	/* What follows a CONNECT waits for its response: a tunnel or more
	 * requests (responses are framed even when not reported). */
	if (t->is_connect && p->st == HTTP_P_IDLE && !c->no_responses)
		p->st = HTTP_P_WAIT;
}

/*
 * The transaction a response belongs to: the oldest unanswered request's,
 * or a new one with no request (*fresh). NULL when none can be had (the
 * response side stops).
 */
static struct http_tx *
http_p_res_tx(struct http_conn *c, bool *fresh)
{
	struct http_tx *t = http_conn_res_tx(c);
	*fresh = t == NULL;
	if (t)
		return t;
	t = http_tx_start(c);
	if (!t) {
		http_parse_stop(c, HTTP_DIR_RESPONSE);
		return NULL;
	}
	t->no_request = true;
	t->side[HTTP_DIR_REQUEST].reported = true;
	return t;
}

/* A whole response head: paired with the oldest unanswered request (or a
 * transaction of its own), built, framed. An interim 1xx is dropped. */
static void
http_p_response_head(struct http_conn *c, const uint8_t *b, size_t line, size_t len, uint32_t anom)
{
	struct http_engine *he = c->he;
	struct http_parser *p = &c->p[HTTP_DIR_RESPONSE];
	http_head_parse(he, HTTP_DIR_RESPONSE, b, line, len);
	const struct http_head *h = &he->head;
	int st = h->sl.status_num;
	if (st >= 100 && st <= 199 && st != 101) {
		p->st = HTTP_P_IDLE; /* interim: the final response follows */
		return;
	}
	bool fresh;
	struct http_tx *t = http_p_res_tx(c, &fresh);
	if (!t)
		return;
	if (fresh && c->ntx > he->lim.txns_per_conn) {
		c->over_limit = true;
		http_parse_stop(c, HTTP_DIR_REQUEST);
		http_parse_stop(c, HTTP_DIR_RESPONSE);
		http_tx_release(c, t);
		return;
	}
	t->res_begun = true;
	struct http_side *s = &t->side[HTTP_DIR_RESPONSE];
	s->started = true;
	s->anom |= anom | h->anom | http_p_framing_anom(h);
	if (!h->sl.proto_ok || st < 0)
		s->anom |= HTTP_ANOM_INVALID_RESPONSE;
	t->txn.status = st > 0 ? st : 0;
	if (he->lim.responses && !t->evicted)
		http_txn_build(c, t, HTTP_DIR_RESPONSE, h);
	s->headers_done = true;
	p->tx = t;
	http_p_frame_response(c, t, h);
}

/* A response line that is not one: the stream is a body to the close. */
static void
http_p_not_http(struct http_conn *c)
{
	struct http_parser *p = &c->p[HTTP_DIR_RESPONSE];
	bool fresh;
	struct http_tx *t = http_p_res_tx(c, &fresh);
	if (!t)
		return;
	t->res_begun = true;
	t->side[HTTP_DIR_RESPONSE].started = true;
	t->side[HTTP_DIR_RESPONSE].headers_done = true;
	t->side[HTTP_DIR_RESPONSE].anom |= HTTP_ANOM_INVALID_RESPONSE;
	c->he->stats.parse_errors++;
	p->tx = t;
	p->st = HTTP_P_BODY_CLOSE;
}

/*
 * A head was found (or cut) in b: reads it and sets the next state.
 * Returns how many bytes of b it used.
 */
static size_t
http_p_head_found(struct http_conn *c, enum http_dir dir, const uint8_t *b, size_t n,
		  enum http_find f, size_t line, size_t len)
{
	struct http_parser *p = &c->p[dir];
	struct http_engine *he = c->he;
	if (f == HTTP_FIND_IGNORE) {
		p->st = HTTP_P_IDLE;
		return line;
	}
	if (dir == HTTP_DIR_RESPONSE && f == HTTP_FIND_HEAD && len == line) {
		struct http_startline sl;
		http_head_start_line(dir, b, http_chomp_len(b, line), &sl);
		if (sl.not_http) {
			http_p_not_http(c);
			return 0; /* the line is the body's start */
		}
	}
	uint32_t anom = 0;
	size_t used = len;
	bool line_long = false;
	if (f == HTTP_FIND_LONG) {
		anom = HTTP_ANOM_HEADERS_TOO_LARGE;
		he->stats.header_limit_hits++;
		if (line == 0 || line > he->lim.header_bytes) {
			/* The start line alone is over the limit: read what fits, stop. */
			line_long = true;
			line = len = used = he->lim.header_bytes;
		} else {
			len = used = line + he->lim.header_bytes;
		}
	}
	p->st = HTTP_P_IDLE;
	if (dir == HTTP_DIR_REQUEST)
		http_p_request_head(c, b, line, len, anom);
	else
		http_p_response_head(c, b, line, len, anom);
	if (f != HTTP_FIND_LONG || p->st == HTTP_P_STOP)
		return used;
	if (line_long) {
		struct http_tx *t = p->tx;
		p->tx = NULL;
		if (t)
			http_msg_end(c, t, dir, false);
		http_parse_stop(c, dir);
		return n;
	}
	/* Framing was set from what fits; the rest of the head is skipped first. */
	p->nl = 0;
	if (b[used - 1] == '\n')
		p->nl = 1;
	else if (b[used - 1] == '\r' && b[used - 2] == '\n')
		p->nl = 2;
	p->st_after = p->st;
	p->st = HTTP_P_HEAD_SKIP;
	return used;
}

/*
 * HEAD: finds the head in place when the parser holds nothing, else gathers
 * it in p->head. Returns bytes of d used; *out_wait is set when a response
 * must wait for its request's head.
 */
static size_t
http_p_head(struct http_conn *c, enum http_dir dir, const uint8_t *d, size_t n)
{
	struct http_parser *p = &c->p[dir];
	size_t line = 0, len = 0;
	if (buf_len(&p->head) == 0) {
		enum http_find f = http_p_find(c->he, dir, d, n, &p->scan, &line, &len);
		if (f != HTTP_FIND_MORE) {
			p->scan = 0;
			return http_p_head_found(c, dir, d, n, f, line, len);
		}
		if (buf_append(&p->head, d, n) != 0) {
			http_parse_stop(c, dir);
			return n;
		}
		return n;
	}
	size_t old = buf_len(&p->head);
	size_t room = p->head.max_cap - old;
	size_t take = n < room ? n : room;
	if (take && buf_append(&p->head, d, take) != 0) {
		http_parse_stop(c, dir);
		return n;
	}
	const uint8_t *b = buf_data(&p->head);
	size_t bn = buf_len(&p->head);
	enum http_find f = http_p_find(c->he, dir, b, bn, &p->scan, &line, &len);
	if (f == HTTP_FIND_MORE)
		return take;
	p->scan = 0;
	size_t used = http_p_head_found(c, dir, b, bn, f, line, len);
	if (p->st == HTTP_P_STOP)
		return n;
	if (used < old) {
		/* Bytes gathered earlier belong to what follows (a probed HTTP/0.9
		 * line's successor, a body's start): they go through the parser
		 * again, before the rest of this feed (see http_parse_feed). */
		buf_consume(&p->head, used);
		struct buf swap = p->replay;
		p->replay = p->head;
		p->head = swap;
		buf_clear(&p->head);
		return take;
	}
	buf_clear(&p->head);
	return used - old;
}

/*
 * One byte of a scan for the empty line that ends a head or the trailers
 * (p->nl: 1 after LF, 2 after LF CR): true when ch is the LF that ends it.
 */
static inline bool
http_p_blank_line(struct http_parser *p, uint8_t ch)
{
	if (ch == '\n' && p->nl)
		return true;
	if (ch == '\n')
		p->nl = 1;
	else if (ch == '\r' && p->nl == 1)
		p->nl = 2;
	else
		p->nl = 0;
	return false;
}

/* HEAD_SKIP: drops bytes up to the empty line ending the head. */
static size_t
http_p_skip_head(struct http_conn *c, enum http_dir dir, const uint8_t *d, size_t n)
{
	struct http_parser *p = &c->p[dir];
	for (size_t i = 0; i < n; i++) {
		if (http_p_blank_line(p, d[i])) {
			p->st = p->st_after;
			return i + 1;
		}
	}
	return n;
}

/* The chunk-size line is complete: its size, or BAD_CHUNK. */
static void
http_p_chunk_size(struct http_conn *c, enum http_dir dir)
{
	struct http_parser *p = &c->p[dir];
	size_t n = p->line_len < HTTP_CHUNK_KEEP ? p->line_len : HTTP_CHUNK_KEEP;
	size_t i = 0;
	while (i < n && http_p_space(p->line[i]))
		i++;
	if (i == n && p->line_len <= HTTP_CHUNK_KEEP) {
		p->line_len = 0; /* an empty line where a size was due: skipped, as libhtp */
		return;
	}
	uint64_t v = 0;
	size_t digits = 0;
	for (; i < n; i++, digits++) {
		int h = num_hex_digit((char)p->line[i]);
		if (h < 0)
			break;
		v = v << 4 | (uint64_t)h;
		if (v > INT32_MAX)
			break;
	}
	p->line_len = 0;
	if (digits == 0 || v > INT32_MAX) {
		http_p_bad_chunk(c, dir);
		return;
	}
	if (v == 0) {
		p->st = HTTP_P_TRAILER;
		p->nl = 1;
		p->trailer_bytes = 0;
		return;
	}
	p->left = v;
	p->st = HTTP_P_CHUNK_DATA;
}

static size_t
http_p_chunk_line(struct http_conn *c, enum http_dir dir, const uint8_t *d, size_t n)
{
	struct http_parser *p = &c->p[dir];
	const uint8_t *lf = memchr(d, '\n', n);
	size_t k = lf ? (size_t)(lf - d) + 1 : n;
	if (p->line_len < HTTP_CHUNK_KEEP) {
		size_t room = HTTP_CHUNK_KEEP - p->line_len;
		memcpy(p->line + p->line_len, d, k < room ? k : room);
	}
	if (k > HTTP_CHUNK_LINE_MAX || p->line_len + k > HTTP_CHUNK_LINE_MAX) {
		c->he->stats.chunk_line_limit_hits++;
		p->line_len = 0;
		http_p_bad_chunk(c, dir);
		return k;
	}
	p->line_len += (uint32_t)k;
	if (lf)
		http_p_chunk_size(c, dir);
	return k;
}

/* TRAILER: lines up to an empty one; nl is 1 at a line start. */
static size_t
http_p_trailer(struct http_conn *c, enum http_dir dir, const uint8_t *d, size_t n)
{
	struct http_parser *p = &c->p[dir];
	for (size_t i = 0; i < n; i++) {
		if (http_p_blank_line(p, d[i])) {
			http_p_end(c, dir, true);
			return i + 1;
		}
		if (++p->trailer_bytes == c->he->lim.header_bytes && p->tx) {
			p->tx->side[dir].anom |= HTTP_ANOM_HEADERS_TOO_LARGE;
			c->he->stats.header_limit_hits++;
		}
	}
	return n;
}

/* Bytes of a known length (body or chunk); true when they ran out. */
static size_t
http_p_counted(struct http_conn *c, enum http_dir dir, const uint8_t *d, size_t n)
{
	struct http_parser *p = &c->p[dir];
	size_t k = p->left < n ? (size_t)p->left : n;
	http_p_body(c, dir, d, k);
	p->left -= k;
	if (p->left == 0) {
		if (p->st == HTTP_P_BODY_LEN)
			http_p_end(c, dir, true);
		else if (p->st == HTTP_P_CHUNK_DATA)
			p->st = HTTP_P_CHUNK_END;
	}
	return k;
}

/*
 * Runs the state machine over d until it is used up, waits, or bytes went
 * to replay (which must be parsed before the rest of d). While d is the
 * replay itself nothing new goes there: its heads start with an empty head
 * buffer, so they are read in place (http_p_head).
 */
static size_t
http_p_run(struct http_conn *c, enum http_dir dir, const uint8_t *d, size_t n, bool replaying)
{
	struct http_parser *p = &c->p[dir];
	size_t pos = 0;
	while (pos < n && (replaying || buf_len(&p->replay) == 0)) {
		const uint8_t *q = d + pos;
		size_t k = n - pos;
		switch (p->st) {
		case HTTP_P_IDLE:
			if (*q == '\r' || *q == '\n') {
				pos++;
				break;
			}
			/* A response waits while its request is still coming: a head
			 * in progress, or request bytes held back (after a CONNECT). */
			if (dir == HTTP_DIR_RESPONSE && !http_conn_res_tx(c) &&
			    (c->p[HTTP_DIR_REQUEST].st == HTTP_P_HEAD ||
			     buf_len(&c->pending[HTTP_DIR_REQUEST]) ||
			     buf_len(&c->p[HTTP_DIR_REQUEST].replay)))
				return pos;
			p->st = HTTP_P_HEAD;
			p->scan = 0;
			break;
		case HTTP_P_HEAD:
			pos += http_p_head(c, dir, q, k);
			break;
		case HTTP_P_HEAD_SKIP:
			pos += http_p_skip_head(c, dir, q, k);
			break;
		case HTTP_P_BODY_LEN:
		case HTTP_P_CHUNK_DATA:
			pos += http_p_counted(c, dir, q, k);
			break;
		case HTTP_P_CHUNK_LINE:
			pos += http_p_chunk_line(c, dir, q, k);
			break;
		case HTTP_P_CHUNK_END: {
			const uint8_t *lf = memchr(q, '\n', k);
			if (lf)
				p->st = HTTP_P_CHUNK_LINE;
			pos += lf ? (size_t)(lf - q) + 1 : k;
			break;
		}
		case HTTP_P_TRAILER:
			pos += http_p_trailer(c, dir, q, k);
			break;
		case HTTP_P_BODY_CLOSE:
			http_p_body(c, dir, q, k);
			pos = n;
			break;
		case HTTP_P_WAIT:
			return pos;
		case HTTP_P_STOP:
			return n;
		}
	}
	return pos;
}

size_t
http_parse_feed(struct http_conn *c, enum http_dir dir, const uint8_t *d, size_t n)
{
	struct http_parser *p = &c->p[dir];
	size_t pos = 0;
	for (;;) {
		size_t rn = buf_len(&p->replay);
		if (rn) {
			size_t u = http_p_run(c, dir, buf_data(&p->replay), rn, true);
			if (p->st == HTTP_P_STOP) {
				buf_clear(&p->replay);
				return n;
			}
			buf_consume(&p->replay, u);
			if (u < rn)
				return pos; /* waiting */
		}
		if (pos >= n || p->st == HTTP_P_STOP)
			return p->st == HTTP_P_STOP ? n : pos;
		size_t u = http_p_run(c, dir, d + pos, n - pos, false);
		pos += u;
		if (buf_len(&p->replay) == 0 && pos < n && p->st != HTTP_P_STOP)
			return pos; /* waiting */
	}
}

bool
http_parse_has_replay(const struct http_conn *c, enum http_dir dir)
{
	return buf_len(&c->p[dir].replay) > 0;
}

/*
 * The connection closed: a head in progress is read as it stands and flagged
 * invalid (libhtp reads a last request line without its end, but drops such
 * a response), a body delimited by the close is complete, any other is cut.
 */
void
http_parse_close(struct http_conn *c, enum http_dir dir)
{
	struct http_parser *p = &c->p[dir];
	if (buf_len(&p->replay) && p->st != HTTP_P_STOP && p->st != HTTP_P_WAIT)
		(void)http_parse_feed(c, dir, NULL, 0);
	switch (p->st) {
	case HTTP_P_HEAD: {
		size_t n = buf_len(&p->head);
		if (n == 0)
			break;
		const uint8_t *b = buf_data(&p->head);
		const uint8_t *lf = memchr(b, '\n', n);
		size_t line = lf ? (size_t)(lf - b) + 1 : n;
		if (http_p_blank(b, n))
			break;
		if (dir == HTTP_DIR_RESPONSE) {
			struct http_startline sl;
			http_head_start_line(dir, b, http_chomp_len(b, line), &sl);
			if (sl.not_http) {
				http_p_not_http(c);
				http_p_body(c, dir, b, n);
				http_p_end(c, dir, true);
				break;
			}
		}
		(void)http_p_head_found(c, dir, b, n, HTTP_FIND_HEAD, line, n);
		if (p->tx) {
			/* Inspected as it stands, but a head without its empty line is
			 * not a message a well-behaved peer sends (libhtp drops a
			 * response like that). */
			p->tx->side[dir].anom |= dir == HTTP_DIR_REQUEST ? HTTP_ANOM_INVALID_REQUEST
									 : HTTP_ANOM_INVALID_RESPONSE;
			http_p_end(c, dir, p->st == HTTP_P_BODY_CLOSE);
		}
		break;
	}
	case HTTP_P_BODY_CLOSE:
		http_p_end(c, dir, true);
		break;
	case HTTP_P_HEAD_SKIP:
	case HTTP_P_BODY_LEN:
	case HTTP_P_CHUNK_LINE:
	case HTTP_P_CHUNK_DATA:
	case HTTP_P_CHUNK_END:
	case HTTP_P_TRAILER:
		http_p_end(c, dir, false);
		break;
	default:
		break;
	}
	buf_clear(&p->head);
	p->st = HTTP_P_STOP;
}
