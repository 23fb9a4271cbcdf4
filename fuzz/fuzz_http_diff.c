/*
 * Fuzz target http_diff: our HTTP parser against libhtp on the same bytes.
 *
 * Input: byte 0 picks where the request stream ends (its share of the rest,
 * in 256ths), byte 1 a split point for feeding ours in two pieces; the
 * rest is the request stream, then the response stream. Both parsers see
 * both streams. Whatever the input, neither may crash. When the exchange is
 * plainly well-formed (printable ASCII, CRLF line ends, no empty line
 * between messages, every request with a protocol, no HEAD, CONNECT or 1xx,
 * and our parser flagged nothing and completed every message), method, raw
 * URI, protocol and status of every transaction, and their number, must be
 * the same (for methods libhtp knows); a difference aborts. The deliberate differences listed in
 * tests/unit/test_http_vs_libhtp.c are all outside that set.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <htp/htp.h>

#include "http/http.h"
#include "../tests/unit/htp_oracle.h"

enum { FUZZ_HD_TX = 32, FUZZ_HD_STR = 96 };

struct fuzz_hd_str {
	uint8_t b[FUZZ_HD_STR];
	size_t len; /* full length; only the first FUZZ_HD_STR bytes kept */
};

struct fuzz_hd_tx {
	struct fuzz_hd_str method, uri, proto;
	int status;
	bool req, res, req_complete, res_complete;
	uint32_t anom;
};

struct fuzz_hd_ours {
	struct fuzz_hd_tx tx[FUZZ_HD_TX];
	int n;
};

static void
fuzz_hd_keep(struct fuzz_hd_str *s, const uint8_t *p, size_t n)
{
	s->len = n;
	if (n)
		memcpy(s->b, p, n < FUZZ_HD_STR ? n : FUZZ_HD_STR);
}

static bool
fuzz_hd_eq(const struct fuzz_hd_str *s, const bstr *b)
{
	size_t n = b ? bstr_len(b) : 0;
	if (n != s->len)
		return false;
	return n == 0 || memcmp(bstr_ptr(b), s->b, n < FUZZ_HD_STR ? n : FUZZ_HD_STR) == 0;
}

static void
fuzz_hd_take(struct fuzz_hd_ours *o, const struct http_txn *t, bool res)
{
	if (t->index >= FUZZ_HD_TX)
		return;
	struct fuzz_hd_tx *x = &o->tx[t->index];
	if ((int)t->index + 1 > o->n)
		o->n = (int)t->index + 1;
	/* Every byte of every view is read, so ASan sees a view out of bounds. */
	volatile uint8_t sink = 0;
	for (int b = 0; b < HTTP_BUF_COUNT; b++)
		for (size_t i = 0; i < t->buf[b].len; i++)
			sink ^= t->buf[b].ptr[i];
	(void)sink;
	x->anom |= t->anomalies;
	if (!res) {
		x->req = true;
		x->req_complete = t->request_complete;
		fuzz_hd_keep(&x->method, t->buf[HTTP_BUF_METHOD].ptr, t->buf[HTTP_BUF_METHOD].len);
		fuzz_hd_keep(&x->uri, t->buf[HTTP_BUF_URI_RAW].ptr, t->buf[HTTP_BUF_URI_RAW].len);
		fuzz_hd_keep(&x->proto, t->buf[HTTP_BUF_REQUEST_PROTOCOL].ptr,
			     t->buf[HTTP_BUF_REQUEST_PROTOCOL].len);
	} else {
		x->res = true;
		x->res_complete = t->response_complete;
		x->status = t->status;
	}
}

static void
fuzz_hd_on_req(void *ctx, void *flow, const struct http_txn *t)
{
	(void)flow;
	fuzz_hd_take(ctx, t, false);
}

static void
fuzz_hd_on_res(void *ctx, void *flow, const struct http_txn *t)
{
	(void)flow;
	fuzz_hd_take(ctx, t, true);
}

/* Printable ASCII with CRLF line ends only, no empty line between messages. */
static bool
fuzz_hd_plain(const uint8_t *p, size_t n)
{
	if (n >= 1 && (p[0] == '\r' || p[0] == '\n'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			i++;
			continue;
		}
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	}
	return !memmem(p, n, "\r\n\r\n\r\n", 6) && !memmem(p, n, "HEAD", 4) &&
	       !memmem(p, n, "CONNECT", 7) && !memmem(p, n, "%u", 2) && !memmem(p, n, "%U", 2);
}

static void
fuzz_hd_ours_run(const uint8_t *req, size_t rl, const uint8_t *res, size_t sl, size_t split,
		 struct fuzz_hd_ours *o)
{
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_sink sink = { o, fuzz_hd_on_req, fuzz_hd_on_res };
	struct http_engine *he = http_engine_new(&lim, &sink);
	if (!he)
		abort();
	struct http_conn *c = http_conn_new(he, NULL, 0);
	if (!c)
		abort();
	size_t a = split < rl ? split : rl;
	http_conn_feed(c, HTTP_DIR_REQUEST, req, a, 1);
	http_conn_feed(c, HTTP_DIR_REQUEST, req + a, rl - a, 1);
	a = split < sl ? split : sl;
	http_conn_feed(c, HTTP_DIR_RESPONSE, res, a, 1);
	http_conn_feed(c, HTTP_DIR_RESPONSE, res + a, sl - a, 1);
	http_conn_end(c, 2);
	http_conn_free(c);
	http_engine_free(he);
}

/* libhtp configured as src/http configured it (IDS personality). */
static htp_cfg_t *
fuzz_hd_cfg(void)
{
	static htp_cfg_t *cfg;
	if (cfg)
		return cfg;
	cfg = htp_config_create();
	if (!cfg)
		abort();
	htp_oracle_configure(cfg);
	return cfg;
}

/*
 * libhtp reads a line after a complete request as more body of that request
 * unless its method is one it knows; we read it as the next request. Only
 * known methods are compared.
 */
static bool
fuzz_hd_known_method(const struct fuzz_hd_str *m)
{
	static const char *const known[] = { "GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
					     "TRACE" };
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (m->len == strlen(known[i]) && memcmp(m->b, known[i], m->len) == 0)
			return true;
	return false;
}

static bool
fuzz_hd_comparable(const struct fuzz_hd_ours *o)
{
	for (int i = 0; i < o->n; i++) {
		const struct fuzz_hd_tx *x = &o->tx[i];
		if (!x->req || !x->req_complete || x->anom || x->proto.len == 0 ||
		    !fuzz_hd_known_method(&x->method))
			return false;
		if (x->res && (!x->res_complete || x->status < 200))
			return false;
	}
	return o->n > 0 && o->n < FUZZ_HD_TX;
}

int
fuzz_http_diff(const uint8_t *d, size_t n)
{
	if (n < 2)
		return 0;
	size_t rest = n - 2;
	size_t rl = rest * d[0] / 256;
	size_t split = d[1];
	const uint8_t *req = d + 2, *res = d + 2 + rl;
	size_t sl = rest - rl;
	static struct fuzz_hd_ours o;
	memset(&o, 0, sizeof(o));
	fuzz_hd_ours_run(req, rl, res, sl, split, &o);

	htp_connp_t *cp = htp_connp_create(fuzz_hd_cfg());
	if (!cp)
		abort();
	htp_time_t tv = { 1, 0 };
	htp_connp_open(cp, "10.0.0.1", 40000, "10.0.0.2", 80, &tv);
	if (rl)
		htp_connp_req_data(cp, &tv, req, rl);
	if (sl)
		htp_connp_res_data(cp, &tv, res, sl);
	htp_connp_close(cp, &tv);
	if (fuzz_hd_plain(req, rl) && fuzz_hd_plain(res, sl) && fuzz_hd_comparable(&o)) {
		htp_conn_t *conn = htp_connp_get_connection(cp);
		int ln = (int)htp_list_size(conn->transactions);
		if (ln != o.n)
			abort();
		for (int i = 0; i < ln; i++) {
			htp_tx_t *tx = htp_list_get(conn->transactions, (size_t)i);
			const struct fuzz_hd_tx *x = &o.tx[i];
			if (!tx || !fuzz_hd_eq(&x->method, tx->request_method) ||
			    !fuzz_hd_eq(&x->uri, tx->request_uri) ||
			    !fuzz_hd_eq(&x->proto, tx->request_protocol))
				abort();
			int st = tx->response_status_number > 0 ? tx->response_status_number : 0;
			if (x->res && st != x->status)
				abort();
		}
	}
	htp_connp_destroy_all(cp);
	return 0;
}

#ifdef TLSIPS_LIBFUZZER
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_http_diff(data, len);
}
#endif
