/*
 * http_conn: one connection's bytes through libhtp, and the life of its
 * transactions.
 *
 * Bytes go to libhtp as they come. libhtp may stop short of a chunk while it
 * waits to see the other direction (a CONNECT, or a response that arrives
 * before its request is done): the rest is kept in pending[dir] (at most
 * HTTP_PENDING_MAX) and offered again whenever the other direction moved.
 *
 * A transaction (struct http_tx) is created at libhtp's request or response
 * start hook, reported to the sink at most once per direction, and released
 * when libhtp finishes it (both directions complete) or with the connection.
 * Released transactions keep their buffers' memory in a small pool, so
 * keep-alive traffic reuses it instead of allocating.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "http/http_int.h"

uint64_t
http_stream_pos(const struct http_conn *c, enum http_dir dir)
{
	size_t in = dir == HTTP_DIR_REQUEST ? htp_connp_req_data_consumed(c->connp) :
					      htp_connp_res_data_consumed(c->connp);
	return c->fed[dir] + in;
}

static void
http_side_init(struct http_side *s, const struct http_limits *lim, enum http_dir dir)
{
	uint32_t body = dir == HTTP_DIR_REQUEST ? lim->request_body : lim->response_body;
	buf_init(&s->text, (size_t)lim->header_bytes * 2 + 4096);
	buf_init(&s->raw, lim->header_bytes);
	buf_init(&s->body, body);
}

/* Empties a side for reuse; a large body allocation is not kept idle. */
static void
http_side_reset(struct http_side *s)
{
	struct buf text = s->text, raw = s->raw, body = s->body;
	buf_clear(&text);
	buf_clear(&raw);
	buf_clear(&body);
	if (body.cap > 64 * 1024)
		buf_fini(&body, false);
	memset(s, 0, sizeof(*s));
	s->text = text;
	s->raw = raw;
	s->body = body;
}

static void
http_side_fini(struct http_side *s)
{
	buf_fini(&s->text, false);
	buf_fini(&s->raw, false);
	buf_fini(&s->body, false);
}

static void
http_tx_unlink(struct http_conn *c, struct http_tx *t)
{
	if (c->evict_next == t)
		c->evict_next = t->next;
	if (t->prev)
		t->prev->next = t->next;
	else
		c->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		c->tail = t->prev;
	t->prev = t->next = NULL;
	if (!t->evicted)
		c->kept--;
}

/* The oldest transaction still holding buffers gives them up (HTTP_LIVE_MAX). */
static void
http_tx_evict_oldest(struct http_conn *c)
{
	struct http_tx *t = c->evict_next;
	if (!t)
		return;
	if (t->side[HTTP_DIR_REQUEST].started && !t->no_request)
		http_tx_report(c, t, HTTP_DIR_REQUEST);
	http_side_fini(&t->side[HTTP_DIR_REQUEST]);
	http_side_fini(&t->side[HTTP_DIR_RESPONSE]);
	t->evicted = true;
	c->kept--;
	c->evict_next = t->next;
	c->he->stats.txn_evictions++;
}

struct http_tx *
http_tx_start(struct http_conn *c, htp_tx_t *htx)
{
	if (c->kept >= HTTP_LIVE_MAX)
		http_tx_evict_oldest(c);
	struct http_tx *t = c->pool;
	if (t) {
		c->pool = t->next;
		c->pool_len--;
	} else {
		t = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		for (int d = 0; d < HTTP_DIRS; d++)
			http_side_init(&t->side[d], &c->he->lim, (enum http_dir)d);
	}
	t->c = c;
	t->htx = htx;
	t->txn.index = c->ntx++;
	t->prev = c->tail;
	t->next = NULL;
	if (c->tail)
		c->tail->next = t;
	else
		c->head = t;
	c->tail = t;
	c->kept++;
	if (!c->evict_next)
		c->evict_next = t;
	htp_tx_set_user_data(htx, t);
	return t;
}

/* Back to the pool, or freed; the caller has detached it from libhtp. */
void
http_tx_release(struct http_conn *c, struct http_tx *t)
{
	http_tx_unlink(c, t);
	if (c->pool_len >= HTTP_POOL_MAX || t->evicted) {
		http_side_fini(&t->side[HTTP_DIR_REQUEST]);
		http_side_fini(&t->side[HTTP_DIR_RESPONSE]);
		free(t);
		return;
	}
	for (int d = 0; d < HTTP_DIRS; d++)
		http_side_reset(&t->side[d]);
	memset(&t->txn, 0, sizeof(t->txn));
	memset(t->span, 0, sizeof(t->span));
	t->htx = NULL;
	t->htx_flags_req = 0;
	t->no_request = t->evicted = false;
	t->next = c->pool;
	c->pool = t;
	c->pool_len++;
}

void
http_anom_add(struct http_conn *c, struct http_tx *t, enum http_dir dir, uint32_t bits)
{
	(void)c;
	t->side[dir].anom |= bits;
}

/* Points the txn's views of one direction at the side's buffers. */
static void
http_tx_fill_views(struct http_tx *t, enum http_dir dir)
{
	const struct http_side *s = &t->side[dir];
	const uint8_t *text = buf_data(&s->text);
	for (int b = 0; b < HTTP_BUF_COUNT; b++) {
		if (http_buf_is_response((enum http_buf)b) != (dir == HTTP_DIR_RESPONSE))
			continue;
		struct view v = { NULL, 0 };
		if (b == HTTP_BUF_REQUEST_HEADERS_RAW || b == HTTP_BUF_RESPONSE_HEADERS_RAW)
			v = view_make(buf_data(&s->raw), buf_len(&s->raw));
		else if (b == HTTP_BUF_REQUEST_BODY || b == HTTP_BUF_RESPONSE_BODY)
			v = view_make(buf_data(&s->body), buf_len(&s->body));
		else if (text && t->span[b].len &&
			 (size_t)t->span[b].off + t->span[b].len <= buf_len(&s->text))
			v = view_make(text + t->span[b].off, t->span[b].len);
		if (!v.ptr)
			v.len = 0;
		t->txn.buf[b] = v;
	}
}

static void
http_stats_anom(struct http_stats *st, uint32_t fresh)
{
	for (unsigned i = 0; i < sizeof(st->anomalies) / sizeof(st->anomalies[0]); i++)
		if (fresh & (1u << i))
			st->anomalies[i]++;
}

/*
 * Hands one direction of t to the sink, once. A response reported before its
 * request reports the request first, so rules always see both in order.
 */
void
http_tx_report(struct http_conn *c, struct http_tx *t, enum http_dir dir)
{
	struct http_engine *he = c->he;
	struct http_side *s = &t->side[dir];
	if (s->reported)
		return;
	if (dir == HTTP_DIR_RESPONSE && !t->no_request && t->side[HTTP_DIR_REQUEST].started)
		http_tx_report(c, t, HTTP_DIR_REQUEST);
	s->reported = true;
	if (!s->headers_done && !t->evicted) {
		if (dir == HTTP_DIR_REQUEST)
			http_txn_build_request(c, t);
		else
			http_txn_build_response(c, t);
	}
	uint32_t anom = s->anom | c->sticky;
	if (t->htx) {
		uint64_t f = t->htx->flags;
		if (dir == HTTP_DIR_REQUEST)
			t->htx_flags_req = f;
		else
			f &= ~t->htx_flags_req;
		anom |= http_txn_flags_anom(f, dir);
		if (dir == HTTP_DIR_RESPONSE && t->htx->response_status_number > 0)
			t->txn.status = t->htx->response_status_number;
	}
	http_stats_anom(&he->stats, anom & ~t->txn.anomalies);
	t->txn.anomalies |= anom;
	t->txn.request_body_len = t->side[HTTP_DIR_REQUEST].body_len;
	t->txn.response_body_len = t->side[HTTP_DIR_RESPONSE].body_len;
	if (dir == HTTP_DIR_REQUEST) {
		he->stats.requests++;
		he->stats.request_body_bytes += buf_len(&s->body);
	} else {
		he->stats.responses++;
		he->stats.response_body_bytes += buf_len(&s->body);
	}
	http_tx_fill_views(t, HTTP_DIR_REQUEST);
	http_tx_fill_views(t, HTTP_DIR_RESPONSE);
	if (dir == HTTP_DIR_REQUEST && he->sink.on_request)
		he->sink.on_request(he->sink.ctx, c->flow_ctx, &t->txn);
	else if (dir == HTTP_DIR_RESPONSE && he->sink.on_response)
		he->sink.on_response(he->sink.ctx, c->flow_ctx, &t->txn);
	if (dir == HTTP_DIR_REQUEST && !he->lim.responses) {
		/* No response call will read these views again. */
		http_side_reset(s);
		s->reported = s->started = true;
		memset(t->txn.buf, 0, sizeof(t->txn.buf));
	}
}

struct http_conn *
http_conn_new(struct http_engine *he, void *flow_ctx, uint64_t ts_usec)
{
	struct http_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->he = he;
	c->flow_ctx = flow_ctx;
	c->now.tv_sec = (time_t)(ts_usec / 1000000);
	c->now.tv_usec = (suseconds_t)(ts_usec % 1000000);
	c->connp = htp_connp_create(he->cfg);
	if (!c->connp) {
		free(c);
		return NULL;
	}
	htp_connp_set_user_data(c->connp, c);
	htp_connp_open(c->connp, NULL, 0, NULL, 0, &c->now);
	for (int d = 0; d < HTTP_DIRS; d++)
		buf_init(&c->pending[d], HTTP_PENDING_MAX);
	he->stats.conns++;
	return c;
}

/* The libhtp transaction in progress in one direction, if ours. */
static struct http_tx *
http_conn_current(struct http_conn *c, enum http_dir dir)
{
	htp_tx_t *htx = dir == HTTP_DIR_REQUEST ? htp_connp_get_in_tx(c->connp) :
						  htp_connp_get_out_tx(c->connp);
	return http_tx_of(htx);
}

/* The side in progress in dir ends here; report what it has. */
static void
http_conn_cut_current(struct http_conn *c, enum http_dir dir, uint32_t anom)
{
	struct http_tx *t = http_conn_current(c, dir);
	if (!t || !t->side[dir].started || t->side[dir].reported)
		return;
	t->side[dir].anom |= anom;
	if (dir == HTTP_DIR_REQUEST && t->no_request)
		return;
	if (dir == HTTP_DIR_RESPONSE && !c->he->lim.responses)
		return;
	http_tx_report(c, t, dir);
}

/* libhtp gave up on a direction: say why, as precisely as we can tell. */
static void
http_conn_error(struct http_conn *c, enum http_dir dir)
{
	c->he->stats.parse_errors++;
	struct http_tx *t = http_conn_current(c, dir);
	uint32_t anom = dir == HTTP_DIR_REQUEST ? HTTP_ANOM_INVALID_REQUEST : HTTP_ANOM_INVALID_RESPONSE;
	if (t && t->htx) {
		int progress = dir == HTTP_DIR_REQUEST ? (int)t->htx->request_progress :
							 (int)t->htx->response_progress;
		bool in_body = dir == HTTP_DIR_REQUEST ? progress == HTP_REQUEST_BODY :
							 progress == HTP_RESPONSE_BODY;
		/* libhtp fails a direction whose header line outgrows the field limit
		 * (set to header_bytes) and does not say so but in a log line. */
		if (!in_body && http_stream_pos(c, dir) - t->side[dir].start >= c->he->lim.header_bytes) {
			anom = HTTP_ANOM_HEADERS_TOO_LARGE;
			c->he->stats.header_limit_hits++;
		} else if (in_body && t->side[dir].chunked) {
			anom = HTTP_ANOM_BAD_CHUNK;
		}
	}
	http_conn_cut_current(c, dir, anom);
}

/*
 * Feeds one run of bytes to libhtp. Returns how many it took: all of them,
 * unless it stopped to wait for the other direction.
 */
static size_t
http_conn_push_call(struct http_conn *c, enum http_dir dir, const uint8_t *data, size_t len)
{
	if (c->dead[dir])
		return len;
	int rc = dir == HTTP_DIR_REQUEST ? htp_connp_req_data(c->connp, &c->now, data, len) :
					   htp_connp_res_data(c->connp, &c->now, data, len);
	size_t used = len;
	switch (rc) {
	case HTP_STREAM_DATA_OTHER:
		used = dir == HTTP_DIR_REQUEST ? htp_connp_req_data_consumed(c->connp) :
						 htp_connp_res_data_consumed(c->connp);
		if (used > len)
			used = len;
		break;
	case HTP_STREAM_TUNNEL:
		/* CONNECT accepted or protocol switched: no longer HTTP. */
		c->dead[HTTP_DIR_REQUEST] = c->dead[HTTP_DIR_RESPONSE] = true;
		break;
	case HTP_STREAM_ERROR:
		c->dead[dir] = true;
		if (!c->over_limit)
			http_conn_error(c, dir);
		break;
	default:
		break;
	}
	/* Our line hook stopped it (libhtp may call that an error): txns_per_conn. */
	if (c->over_limit)
		c->dead[HTTP_DIR_REQUEST] = c->dead[HTTP_DIR_RESPONSE] = true;
	c->fed[dir] += used;
	return used;
}

/* Body bytes left before the message in progress ends, when its length is known. */
static size_t
http_conn_msg_left(const struct http_conn *c, enum http_dir dir)
{
	const htp_tx_t *h = dir == HTTP_DIR_REQUEST ? htp_connp_get_in_tx(c->connp) :
						      htp_connp_get_out_tx(c->connp);
	if (!h)
		return SIZE_MAX;
	bool body = dir == HTTP_DIR_REQUEST ? h->request_progress == HTP_REQUEST_BODY :
					      h->response_progress == HTP_RESPONSE_BODY;
	enum htp_transfer_coding_t tc = dir == HTTP_DIR_REQUEST ? h->request_transfer_coding :
								  h->response_transfer_coding;
	int64_t cl = dir == HTTP_DIR_REQUEST ? h->request_content_length : h->response_content_length;
	int64_t seen = dir == HTTP_DIR_REQUEST ? h->request_message_len : h->response_message_len;
	if (!body || tc != HTP_CODING_IDENTITY || cl < 0 || seen >= cl)
		return SIZE_MAX;
	return (uint64_t)(cl - seen) < SIZE_MAX ? (size_t)(cl - seen) : SIZE_MAX;
}

/*
 * libhtp 0.5.42 probes the line after a message (its *_FINALIZE state) and,
 * when that line straddles two calls, cannot give back the part it buffered:
 * the next request or status line comes out doubled. So no call may end
 * inside such a line: calls are cut after the last LF, and again where a
 * body of known length ends inside the LF-free rest, so the probe always
 * finds either a whole line or the end of the call.
 */
static size_t
http_conn_push(struct http_conn *c, enum http_dir dir, const uint8_t *data, size_t len)
{
	const uint8_t *lf = memrchr(data, '\n', len);
	size_t head = lf ? (size_t)(lf - data) + 1 : 0;
	size_t used = 0;
	if (head) {
		used = http_conn_push_call(c, dir, data, head);
		if (used < head)
			return used;
	}
	while (used < len && !c->dead[dir]) {
		size_t n = len - used;
		size_t left = http_conn_msg_left(c, dir);
		if (left < n)
			n = left;
		size_t took = http_conn_push_call(c, dir, data + used, n);
		used += took;
		if (took < n)
			break;
	}
	return c->dead[dir] ? len : used;
}

/* Offers the pending bytes of dir again; true if libhtp took any. */
static bool
http_conn_drain(struct http_conn *c, enum http_dir dir)
{
	struct buf *p = &c->pending[dir];
	if (buf_len(p) == 0)
		return false;
	if (c->dead[dir]) {
		buf_clear(p);
		return false;
	}
	size_t used = http_conn_push(c, dir, buf_data(p), buf_len(p));
	buf_consume(p, used);
	if (c->dead[dir])
		buf_clear(p);
	return used > 0;
}

static void
http_conn_set_time(struct http_conn *c, uint64_t ts_usec)
{
	c->now.tv_sec = (time_t)(ts_usec / 1000000);
	c->now.tv_usec = (suseconds_t)(ts_usec % 1000000);
}

void
http_conn_feed(struct http_conn *c, enum http_dir dir, const uint8_t *data, size_t len,
	       uint64_t ts_usec)
{
	if (!c || (unsigned)dir >= HTTP_DIRS || c->dead[dir] || !data || len == 0)
		return;
	http_conn_set_time(c, ts_usec);
	struct buf *p = &c->pending[dir];
	if (buf_len(p) > 0) {
		/* Order matters: new bytes queue behind the waiting ones. */
		if (buf_append(p, data, len) != 0) {
			c->he->stats.pending_limit_hits++;
			http_conn_gap(c, dir, len);
			return;
		}
		http_conn_drain(c, dir);
	} else {
		size_t used = http_conn_push(c, dir, data, len);
		if (used < len && !c->dead[dir] && buf_append(p, data + used, len - used) != 0) {
			c->he->stats.pending_limit_hits++;
			http_conn_gap(c, dir, len - used);
		}
	}
	/* The other direction may have been waiting for these bytes; each round
	 * needs progress, and a few rounds cover any CONNECT/response ordering. */
	enum http_dir other = dir == HTTP_DIR_REQUEST ? HTTP_DIR_RESPONSE : HTTP_DIR_REQUEST;
	for (int round = 0; round < 4; round++)
		if (!http_conn_drain(c, other) && !http_conn_drain(c, dir))
			break;
}

void
http_conn_gap(struct http_conn *c, enum http_dir dir, uint64_t len)
{
	(void)len;
	if (!c || (unsigned)dir >= HTTP_DIRS || c->dead[dir])
		return;
	c->dead[dir] = true;
	buf_clear(&c->pending[dir]);
	c->he->stats.gaps++;
	/* Every later report carries it: with bytes lost, pairing is a guess. */
	c->sticky |= HTTP_ANOM_GAP;
	http_conn_cut_current(c, dir, HTTP_ANOM_GAP);
}

void
http_conn_end(struct http_conn *c, uint64_t ts_usec)
{
	if (!c || c->ending)
		return;
	c->ending = true;
	http_conn_set_time(c, ts_usec);
	http_conn_drain(c, HTTP_DIR_REQUEST);
	http_conn_drain(c, HTTP_DIR_RESPONSE);
	/* Lets libhtp complete bodies delimited by the close. */
	if (!c->dead[HTTP_DIR_RESPONSE])
		htp_connp_close(c->connp, &c->now);
	else if (!c->dead[HTTP_DIR_REQUEST])
		htp_connp_req_close(c->connp, &c->now);
	c->dead[HTTP_DIR_REQUEST] = c->dead[HTTP_DIR_RESPONSE] = true;
	/* What never completed is reported as it stands, oldest first. */
	struct http_tx *t = c->head;
	while (t) {
		struct http_tx *next = t->next;
		if (t->side[HTTP_DIR_REQUEST].started && !t->no_request)
			http_tx_report(c, t, HTTP_DIR_REQUEST);
		if (t->side[HTTP_DIR_RESPONSE].started && c->he->lim.responses)
			http_tx_report(c, t, HTTP_DIR_RESPONSE);
		t = next;
	}
}

void
http_conn_free(struct http_conn *c)
{
	if (!c)
		return;
	while (c->head) {
		struct http_tx *t = c->head;
		if (t->htx)
			htp_tx_set_user_data(t->htx, NULL);
		t->htx = NULL;
		http_tx_unlink(c, t);
		http_side_fini(&t->side[HTTP_DIR_REQUEST]);
		http_side_fini(&t->side[HTTP_DIR_RESPONSE]);
		free(t);
	}
	while (c->pool) {
		struct http_tx *t = c->pool;
		c->pool = t->next;
		http_side_fini(&t->side[HTTP_DIR_REQUEST]);
		http_side_fini(&t->side[HTTP_DIR_RESPONSE]);
		free(t);
	}
	htp_connp_destroy_all(c->connp);
	c->connp = NULL;
	http_body_end_conn(c);
	for (int d = 0; d < HTTP_DIRS; d++)
		buf_fini(&c->pending[d], false);
	free(c);
}
