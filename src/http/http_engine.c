/*
 * http_engine: the libhtp configuration shared by all connections of a
 * worker, and the libhtp hooks that turn its parsing events into our
 * transactions.
 *
 * Personality: HTP_SERVER_IDS. We sit in front of servers we do not know, so
 * the request line is parsed generically (the most lenient parser) and the
 * path decoded the widest way any backend might: %u escapes, backslashes and
 * encoded slashes as separators, // compressed. Two IDS defaults are turned
 * back off because they would change the bytes rules see: lower-casing the
 * path (rules choose nocase themselves) and best-fit mapping of UTF-8 (we keep
 * the bytes and only validate them, which also flags overlong forms).
 * APACHE_2 would leave %2f and backslashes alone and hide paths an IIS or a
 * Java backend would still resolve.
 *
 * Decompression is ours (http_body.c), in both directions: libhtp's response
 * decompressor keeps inflating past what we keep, allows a fixed 2048:1
 * ratio, and hides a body that only claims to be compressed.
 *
 * libhtp logging is off: every message is a malloc kept until the connection
 * ends, so a hostile peer could grow it without bound.
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

struct http_conn *
http_conn_of(const htp_tx_t *htx)
{
	return htp_connp_get_user_data(htx->connp);
}

struct http_tx *
http_tx_of(const htp_tx_t *htx)
{
	return htx ? htp_tx_get_user_data(htx) : NULL;
}

/* Header bytes as sent, kept up to header_bytes; more is flagged once. */
static void
http_hook_raw(htp_tx_data_t *d, enum http_dir dir)
{
	struct http_tx *t = http_tx_of(d->tx);
	if (!t || !d->data || d->len == 0 || t->evicted)
		return;
	struct http_conn *c = t->c;
	struct http_side *s = &t->side[dir];
	if (s->headers_done)
		return;
	if (buf_append(&s->raw, d->data, d->len) != 0 && !(s->anom & HTTP_ANOM_HEADERS_TOO_LARGE)) {
		size_t room = s->raw.max_cap - buf_len(&s->raw);
		(void)buf_append(&s->raw, d->data, room < d->len ? room : d->len);
		s->anom |= HTTP_ANOM_HEADERS_TOO_LARGE;
		c->he->stats.header_limit_hits++;
	}
}

/* A new transaction: ours is attached, unless the connection is over its limit. */
static int
http_hook_start(htp_tx_t *htx, enum http_dir dir)
{
	struct http_conn *c = http_conn_of(htx);
	struct http_tx *t = http_tx_of(htx);
	if (!t) {
		if (c->over_limit)
			return HTP_OK;
		t = http_tx_start(c, htx);
		if (!t)
			return HTP_ERROR;
		if (dir == HTTP_DIR_RESPONSE)
			t->no_request = true;
		if (c->ntx > c->he->lim.txns_per_conn) {
			/* Stopped at its first line (the start hooks' result is not
			 * always obeyed by libhtp). */
			c->over_limit = true;
			t->no_request = false;
			http_anom_add(c, t, HTTP_DIR_REQUEST, HTTP_ANOM_TOO_MANY_TXNS);
		}
	}
	t->side[dir].started = true;
	t->side[dir].start = http_stream_pos(c, dir);
	return HTP_OK;
}

static int
http_hook_request_start(htp_tx_t *htx)
{
	return http_hook_start(htx, HTTP_DIR_REQUEST);
}

static int
http_hook_response_start(htp_tx_t *htx)
{
	return http_hook_start(htx, HTTP_DIR_RESPONSE);
}

/*
 * Past txns_per_conn: one report carries the flag so policy can act, then
 * both directions stop (HTP_STOP), which also bounds libhtp's own list.
 */
static int
http_hook_line(htp_tx_t *htx)
{
	struct http_conn *c = http_conn_of(htx);
	if (!c->over_limit)
		return HTP_OK;
	struct http_tx *t = http_tx_of(htx);
	if (t && (t->side[HTTP_DIR_REQUEST].anom & HTTP_ANOM_TOO_MANY_TXNS)) {
		t->side[HTTP_DIR_REQUEST].started = true;
		http_tx_report(c, t, HTTP_DIR_REQUEST);
	}
	return HTP_STOP;
}

static int
http_hook_request_header_data(htp_tx_data_t *d)
{
	http_hook_raw(d, HTTP_DIR_REQUEST);
	return HTP_OK;
}

static int
http_hook_response_header_data(htp_tx_data_t *d)
{
	http_hook_raw(d, HTTP_DIR_RESPONSE);
	return HTP_OK;
}

static int
http_hook_request_headers(htp_tx_t *htx)
{
	struct http_tx *t = http_tx_of(htx);
	if (t && !t->evicted)
		http_txn_build_request(t->c, t);
	return HTP_OK;
}

static int
http_hook_response_headers(htp_tx_t *htx)
{
	struct http_tx *t = http_tx_of(htx);
	if (t && !t->evicted && t->c->he->lim.responses)
		http_txn_build_response(t->c, t);
	return HTP_OK;
}

static int
http_hook_body(htp_tx_data_t *d, enum http_dir dir)
{
	struct http_tx *t = http_tx_of(d->tx);
	if (!t)
		return HTP_OK;
	/* NULL data marks the end of the body: nothing is held back to flush. */
	if (d->data && d->len)
		http_body_data(t->c, t, dir, d->data, d->len);
	else if (!d->data)
		http_body_end(t->c, t, dir);
	return HTP_OK;
}

static int
http_hook_request_body_data(htp_tx_data_t *d)
{
	return http_hook_body(d, HTTP_DIR_REQUEST);
}

static int
http_hook_response_body_data(htp_tx_data_t *d)
{
	struct http_tx *t = http_tx_of(d->tx);
	if (t && !t->c->he->lim.responses)
		return HTP_OK;
	return http_hook_body(d, HTTP_DIR_RESPONSE);
}

static int
http_hook_request_complete(htp_tx_t *htx)
{
	struct http_tx *t = http_tx_of(htx);
	if (!t)
		return HTP_OK;
	/* libhtp also completes a body the close cut short; that is not complete. */
	t->txn.request_complete = htx->request_transfer_coding != HTP_CODING_IDENTITY ||
				  htx->request_content_length < 0 ||
				  htx->request_message_len >= htx->request_content_length;
	if (!t->no_request)
		http_tx_report(t->c, t, HTTP_DIR_REQUEST);
	return HTP_OK;
}

static int
http_hook_response_complete(htp_tx_t *htx)
{
	struct http_tx *t = http_tx_of(htx);
	if (!t)
		return HTP_OK;
	t->txn.response_complete = htx->response_transfer_coding != HTP_CODING_IDENTITY ||
				   htx->response_content_length < 0 ||
				   htx->response_message_len >= htx->response_content_length;
	if (t->c->he->lim.responses)
		http_tx_report(t->c, t, HTTP_DIR_RESPONSE);
	return HTP_OK;
}

/* libhtp destroys its transaction right after this hook (auto-destroy). */
static int
http_hook_tx_complete(htp_tx_t *htx)
{
	struct http_tx *t = http_tx_of(htx);
	if (t) {
		htp_tx_set_user_data(htx, NULL);
		t->htx = NULL;
		http_tx_release(t->c, t);
	}
	return HTP_OK;
}

static int
http_engine_config(htp_cfg_t *cfg, const struct http_limits *lim)
{
	if (htp_config_set_server_personality(cfg, HTP_SERVER_IDS) != HTP_OK)
		return -1;
	htp_config_set_convert_lowercase(cfg, HTP_DECODER_URL_PATH, 0);
	htp_config_set_utf8_convert_bestfit(cfg, HTP_DECODER_URL_PATH, 0);
	htp_config_set_response_decompression(cfg, 0);
	htp_config_set_request_decompression(cfg, 0);
	htp_config_set_parse_request_cookies(cfg, 0);
	htp_config_set_parse_request_auth(cfg, 0);
	htp_config_set_log_level(cfg, HTP_LOG_NONE);
	htp_config_set_tx_auto_destroy(cfg, 1);
	/* libhtp buffers one header line (plus a folded header) up to the hard
	 * limit and fails the direction past it; that bounds its memory. */
	htp_config_set_field_limits(cfg, lim->header_bytes, lim->header_bytes);
	htp_config_register_request_start(cfg, http_hook_request_start);
	htp_config_register_request_line(cfg, http_hook_line);
	htp_config_register_response_line(cfg, http_hook_line);
	htp_config_register_request_header_data(cfg, http_hook_request_header_data);
	htp_config_register_request_headers(cfg, http_hook_request_headers);
	htp_config_register_request_body_data(cfg, http_hook_request_body_data);
	htp_config_register_request_complete(cfg, http_hook_request_complete);
	htp_config_register_response_start(cfg, http_hook_response_start);
	htp_config_register_response_header_data(cfg, http_hook_response_header_data);
	htp_config_register_response_headers(cfg, http_hook_response_headers);
	htp_config_register_response_body_data(cfg, http_hook_response_body_data);
	htp_config_register_response_complete(cfg, http_hook_response_complete);
	htp_config_register_transaction_complete(cfg, http_hook_tx_complete);
	return 0;
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
	if (sink)
		he->sink = *sink;
	he->cfg = htp_config_create();
	if (!he->cfg || http_engine_config(he->cfg, &he->lim) != 0) {
		http_engine_free(he);
		return NULL;
	}
	return he;
}

void
http_engine_free(struct http_engine *he)
{
	if (!he)
		return;
	if (he->cfg)
		htp_config_destroy(he->cfg);
	he->cfg = NULL;
	free(he);
}

const struct http_stats *
http_engine_stats(const struct http_engine *he)
{
	return &he->stats;
}
