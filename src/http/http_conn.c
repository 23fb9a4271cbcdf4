/*
 * http_conn: one connection's two byte streams and the life of its
 * transactions.
 *
 * Each direction has its parser (http_parse.c). A response waits, held in
 * pending[dir] (at most HTTP_PENDING_MAX), while the request it answers is
 * still in its head; a request after CONNECT waits for the answer. Held
 * bytes are offered again whenever the other direction moved.
 *
 * A transaction (struct http_tx) starts at a request's head, or at a
 * response's head when no request is waiting (no_request). Responses pair
 * with requests in order (pipelining). Each side is reported to the sink
 * once: when its message ends, when its body reaches the limit, or when the
 * connection ends. A response is never reported before its request: one
 * that ends first is held until the request ends. A transaction is released
 * when both of its messages ended; released ones keep their buffers' memory
 * in a small pool, so keep-alive traffic reuses it instead of allocating.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "http/http_int.h"

static void
http_side_init(struct http_side *s, const struct http_limits *lim, enum http_dir dir)
{
	uint32_t body = dir == HTTP_DIR_REQUEST ? lim->request_body : lim->response_body;
	/* Head as sent (start line and header_bytes) and the derived strings;
	 * see the bound in http_txn_build. */
	buf_init(&s->text, (size_t)lim->header_bytes * 8 + 4096);
	buf_init(&s->body, body);
}

/* Empties a side for reuse; a large body allocation is not kept idle. */
static void
http_side_reset(struct http_side *s)
{
	struct buf text = s->text, body = s->body;
	buf_clear(&text);
	buf_clear(&body);
	if (body.cap > 64 * 1024)
		buf_fini(&body, false);
	if (text.cap > 64 * 1024)
		buf_fini(&text, false);
	memset(s, 0, sizeof(*s));
	s->text = text;
	s->body = body;
}

static void
http_side_fini(struct http_side *s)
{
	buf_fini(&s->text, false);
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
	memset(t->txn.buf, 0, sizeof(t->txn.buf));
	t->evicted = true;
	c->kept--;
	c->evict_next = t->next;
	c->he->stats.txn_evictions++;
}

struct http_tx *
http_tx_start(struct http_conn *c)
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
	return t;
}

/* Back to the pool, or freed. */
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
	t->no_request = t->evicted = t->is_head = t->is_connect = false;
	t->res_begun = t->res_held = false;
	t->req_ended = t->res_ended = false;
	t->next = c->pool;
	c->pool = t;
	c->pool_len++;
}

struct http_tx *
http_conn_res_tx(struct http_conn *c)
{
	for (struct http_tx *t = c->head; t; t = t->next)
		if (!t->no_request && !t->res_begun)
			return t;
	return NULL;
}

/* Points the txn's views of one direction at the side's buffers. */
static void
http_tx_fill_views(struct http_tx *t, enum http_dir dir)
{
	const struct http_side *s = &t->side[dir];
	const uint8_t *text = buf_data(&s->text);
	size_t text_len = buf_len(&s->text);
	int first = dir == HTTP_DIR_REQUEST ? 0 : HTTP_BUF_STAT_CODE;
	int last = dir == HTTP_DIR_REQUEST ? HTTP_BUF_STAT_CODE : HTTP_BUF_COUNT;
	for (int b = first; b < last; b++) {
		struct http_span sp = t->span[b];
		if (text && sp.len && (size_t)sp.off + sp.len <= text_len)
			t->txn.buf[b] = view_make(text + sp.off, sp.len);
		else
			t->txn.buf[b] = view_make(NULL, 0);
	}
	enum http_buf body = dir == HTTP_DIR_REQUEST ? HTTP_BUF_REQUEST_BODY : HTTP_BUF_RESPONSE_BODY;
	t->txn.buf[body] = buf_data(&s->body) ? view_make(buf_data(&s->body), buf_len(&s->body)) :
						view_make(NULL, 0);
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
	uint32_t anom = s->anom | c->sticky;
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
	if (!t->evicted) {
		http_tx_fill_views(t, HTTP_DIR_REQUEST);
		http_tx_fill_views(t, HTTP_DIR_RESPONSE);
	}
	if (dir == HTTP_DIR_REQUEST && he->sink.on_request)
		he->sink.on_request(he->sink.ctx, c->flow_ctx, &t->txn);
	else if (dir == HTTP_DIR_RESPONSE && he->sink.on_response)
		he->sink.on_response(he->sink.ctx, c->flow_ctx, &t->txn);
	if (dir == HTTP_DIR_REQUEST && !he->lim.responses) {
		/* No response call will read these views again. */
		http_side_reset(s);
		s->reported = s->started = s->headers_done = true;
		memset(t->txn.buf, 0, sizeof(t->txn.buf));
	}
}

/* Both messages ended and nothing refers to t any more: released. */
static void
http_tx_done_check(struct http_conn *c, struct http_tx *t)
{
	if (!t->res_ended || t->res_held || c->p[HTTP_DIR_REQUEST].tx == t ||
	    c->p[HTTP_DIR_RESPONSE].tx == t)
		return;
	if (!t->no_request && !t->req_ended && !t->side[HTTP_DIR_REQUEST].reported)
		return;
	http_tx_release(c, t);
}

void
http_msg_end(struct http_conn *c, struct http_tx *t, enum http_dir dir, bool complete)
{
	http_body_end(c, t, dir);
	if (dir == HTTP_DIR_REQUEST) {
		t->req_ended = true;
		t->txn.request_complete = complete;
		if (!t->no_request)
			http_tx_report(c, t, HTTP_DIR_REQUEST);
		if (t->res_held) {
			t->res_held = false;
			http_tx_report(c, t, HTTP_DIR_RESPONSE);
		}
		if (c->no_responses)
			t->res_ended = true; /* no answer will come: released below */
	} else {
		t->res_ended = true;
		t->txn.response_complete = complete;
		if (c->he->lim.responses) {
			/* The request still streams its body: its report comes first. */
			if (!t->no_request && !t->req_ended && !t->side[HTTP_DIR_REQUEST].reported &&
			    c->p[HTTP_DIR_REQUEST].tx == t && !c->ending)
				t->res_held = true;
			else
				http_tx_report(c, t, HTTP_DIR_RESPONSE);
		}
	}
	http_tx_done_check(c, t);
}

struct http_conn *
http_conn_new(struct http_engine *he, void *flow_ctx, uint64_t ts_usec)
{
	(void)ts_usec;
	struct http_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->he = he;
	c->flow_ctx = flow_ctx;
	for (int d = 0; d < HTTP_DIRS; d++) {
		/* A start line and header_bytes of fields, and the lookahead of
		 * the empty line's search. */
		size_t head = (size_t)he->lim.header_bytes * 2 + 8;
		buf_init(&c->p[d].head, head);
		buf_init(&c->p[d].replay, head);
		buf_init(&c->pending[d], HTTP_PENDING_MAX);
	}
	he->stats.conns++;
	return c;
}

/* Offers the held bytes of dir again; true if the parser took any. */
static bool
http_conn_drain(struct http_conn *c, enum http_dir dir)
{
	struct buf *p = &c->pending[dir];
	size_t n = buf_len(p);
	if (n == 0 && !http_parse_has_replay(c, dir))
		return false;
	if (c->p[dir].st == HTTP_P_STOP) {
		buf_clear(p);
		return false;
	}
	bool replay = http_parse_has_replay(c, dir);
	size_t used = http_parse_feed(c, dir, buf_data(p), n);
	if (c->p[dir].st == HTTP_P_STOP) {
		buf_clear(p);
		return used > 0;
	}
	buf_consume(p, used);
	return used > 0 || (replay && !http_parse_has_replay(c, dir));
}

void
http_conn_feed(struct http_conn *c, enum http_dir dir, const uint8_t *data, size_t len,
	       uint64_t ts_usec)
{
	(void)ts_usec;
	if (!c || (unsigned)dir >= HTTP_DIRS || c->p[dir].st == HTTP_P_STOP || !data || len == 0)
		return;
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
		size_t used = http_parse_feed(c, dir, data, len);
		if (used < len && c->p[dir].st != HTTP_P_STOP &&
		    buf_append(p, data + used, len - used) != 0) {
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
http_conn_no_responses(struct http_conn *c)
{
	if (!c || c->no_responses)
		return;
	c->no_responses = true;
	http_parse_stop(c, HTTP_DIR_RESPONSE);
	c->p[HTTP_DIR_RESPONSE].tx = NULL;
	/* Bytes held behind a CONNECT are requests now. */
	if (c->p[HTTP_DIR_REQUEST].st == HTTP_P_WAIT)
		c->p[HTTP_DIR_REQUEST].st = HTTP_P_IDLE;
	for (struct http_tx *t = c->head, *next; t; t = next) {
		next = t->next;
		/* A response held for its request's report still gets it. */
		if (t->req_ended && !t->res_held) {
			t->res_ended = true;
			http_tx_done_check(c, t);
		}
	}
	http_conn_drain(c, HTTP_DIR_REQUEST);
}

/* The side in progress in dir ends here; report what it has. */
static void
http_conn_cut_current(struct http_conn *c, enum http_dir dir, uint32_t anom)
{
	struct http_tx *t = c->p[dir].tx;
	if (!t)
		return;
	c->p[dir].tx = NULL;
	t->side[dir].anom |= anom;
	http_msg_end(c, t, dir, false);
}

void
http_conn_gap(struct http_conn *c, enum http_dir dir, uint64_t len)
{
	(void)len;
	if (!c || (unsigned)dir >= HTTP_DIRS || c->p[dir].st == HTTP_P_STOP)
		return;
	c->he->stats.gaps++;
	/* Every later report carries it: with bytes lost, pairing is a guess. */
	c->sticky |= HTTP_ANOM_GAP;
	http_conn_cut_current(c, dir, HTTP_ANOM_GAP);
	http_parse_stop(c, dir);
}

void
http_conn_end(struct http_conn *c, uint64_t ts_usec)
{
	(void)ts_usec;
	if (!c || c->ending)
		return;
	/* Held bytes get their chance, then each side closes: the request
	 * first, so a response waiting for its request can pair. */
	http_conn_drain(c, HTTP_DIR_REQUEST);
	http_conn_drain(c, HTTP_DIR_RESPONSE);
	if (c->p[HTTP_DIR_REQUEST].st == HTTP_P_WAIT)
		c->p[HTTP_DIR_REQUEST].st = HTTP_P_IDLE;
	http_parse_close(c, HTTP_DIR_REQUEST);
	http_conn_drain(c, HTTP_DIR_RESPONSE);
	c->ending = true;
	http_parse_close(c, HTTP_DIR_RESPONSE);
	/* What never completed is reported as it stands, oldest first. */
	struct http_tx *t = c->head;
	while (t) {
		struct http_tx *next = t->next;
		if (t->side[HTTP_DIR_REQUEST].started && !t->no_request)
			http_tx_report(c, t, HTTP_DIR_REQUEST);
		if (t->side[HTTP_DIR_RESPONSE].started && c->he->lim.responses)
			http_tx_report(c, t, HTTP_DIR_RESPONSE);
		t->res_held = false;
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
	http_body_end_conn(c);
	for (int d = 0; d < HTTP_DIRS; d++) {
		buf_fini(&c->p[d].head, false);
		buf_fini(&c->p[d].replay, false);
		buf_fini(&c->pending[d], false);
	}
	free(c);
}
