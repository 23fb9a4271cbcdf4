/*
 * Differential test: our HTTP parser against libhtp 0.5 (IDS personality,
 * configured as src/http used it before it had its own parser).
 *
 * The same exchanges go through both: every request of
 * tests/rules/builtin_cases.txt (answered by a small response), and a
 * generated set of requests and responses (methods, URIs with odd
 * encodings and absolute forms, folded, repeated and unusual header lines,
 * Content-Length and chunked bodies, pipelining, 1xx/204/304/HEAD and
 * close-delimited responses). Per transaction we compare method, raw URI,
 * normalised path, protocol, header names and values (as the header lines
 * buffer, Cookie apart), request body, status, response header lines and
 * response body. Where we differ from libhtp on purpose, http_dt_known
 * lists the case and the reason, and only the field named is skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <htp/htp.h>

#include "http_cap.h"
#include "htp_oracle.h"

#ifndef TLSIPS_BUILTIN_CASES
#error "TLSIPS_BUILTIN_CASES (path of builtin_cases.txt) must be defined"
#endif

enum { DT_MAX_TX = 64, DT_BUF = 1 << 16 };

/* Fields compared, as bits, so a known difference names what it skips. */
enum {
	DT_F_COUNT = 1u << 0, DT_F_METHOD = 1u << 1, DT_F_URI_RAW = 1u << 2,
	DT_F_PATH = 1u << 3, DT_F_PROTO = 1u << 4, DT_F_REQ_HDRS = 1u << 5,
	DT_F_REQ_BODY = 1u << 6, DT_F_STATUS = 1u << 7, DT_F_RES_HDRS = 1u << 8,
	DT_F_RES_BODY = 1u << 9,
};

/* One transaction as libhtp saw it, flattened to strings. */
struct dt_tx {
	char method[256], uri[4096], path[4096], proto[256], cookie[1024], set_cookie[1024];
	char req_hdrs[DT_BUF], res_hdrs[8192];
	size_t path_len, uri_len;
	bool has_path;
	uint8_t req_body[8192], res_body[8192];
	size_t req_body_len, res_body_len;
	int status;
};

struct dt_oracle {
	struct dt_tx tx[DT_MAX_TX];
	int n;
};

static struct dt_oracle *dt_cur;

static void
dt_bstr(char *out, size_t cap, const bstr *b, size_t *out_len)
{
	size_t n = b ? bstr_len(b) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(out, bstr_ptr(b), n);
	out[n] = 0;
	if (out_len)
		*out_len = n;
}

static struct dt_tx *
dt_tx_of(htp_tx_t *tx)
{
	size_t i = tx->index;
	return dt_cur && i < DT_MAX_TX ? &dt_cur->tx[i] : NULL;
}

static int
dt_req_body(htp_tx_data_t *d)
{
	struct dt_tx *t = dt_tx_of(d->tx);
	if (t && d->data && d->len && t->req_body_len + d->len <= sizeof(t->req_body)) {
		memcpy(t->req_body + t->req_body_len, d->data, d->len);
		t->req_body_len += d->len;
	}
	return HTP_OK;
}

static int
dt_res_body(htp_tx_data_t *d)
{
	struct dt_tx *t = dt_tx_of(d->tx);
	if (t && d->data && d->len && t->res_body_len + d->len <= sizeof(t->res_body)) {
		memcpy(t->res_body + t->res_body_len, d->data, d->len);
		t->res_body_len += d->len;
	}
	return HTP_OK;
}

/* "Name: value\r\n" lines, the excluded header's value apart (our buffers' form). */
static void
dt_headers(const htp_table_t *table, const char *excluded, char *out, size_t cap, char *ex,
	   size_t ex_cap)
{
	size_t n = 0;
	out[0] = 0;
	ex[0] = 0;
	for (size_t i = 0; table && i < htp_table_size(table); i++) {
		htp_header_t *h = htp_table_get_index(table, i, NULL);
		if (!h || !h->name || !h->value)
			continue;
		if (bstr_cmp_c_nocase(h->name, excluded) == 0) {
			dt_bstr(ex, ex_cap, h->value, NULL);
			continue;
		}
		int w = snprintf(out + n, cap - n, "%.*s: %.*s\r\n", (int)bstr_len(h->name),
				 (const char *)bstr_ptr(h->name), (int)bstr_len(h->value),
				 (const char *)bstr_ptr(h->value));
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
}

/* Runs libhtp over the two streams, each fed whole. */
static void
dt_oracle_run(const uint8_t *req, size_t req_len, const uint8_t *res, size_t res_len,
	      struct dt_oracle *o)
{
	memset(o, 0, sizeof(*o));
	dt_cur = o;
	htp_cfg_t *cfg = htp_config_create();
	assert_non_null(cfg);
	htp_oracle_configure(cfg);
	htp_config_register_request_body_data(cfg, dt_req_body);
	htp_config_register_response_body_data(cfg, dt_res_body);
	htp_connp_t *cp = htp_connp_create(cfg);
	htp_time_t tv = { 1, 0 };
	htp_connp_open(cp, "10.0.0.1", 40000, "10.0.0.2", 80, &tv);
	if (req_len)
		htp_connp_req_data(cp, &tv, req, req_len);
	if (res_len)
		htp_connp_res_data(cp, &tv, res, res_len);
	htp_connp_close(cp, &tv);
	htp_conn_t *conn = htp_connp_get_connection(cp);
	size_t n = htp_list_size(conn->transactions);
	for (size_t i = 0; i < n && i < DT_MAX_TX; i++) {
		htp_tx_t *tx = htp_list_get(conn->transactions, i);
		struct dt_tx *t = &o->tx[i];
		if (!tx)
			continue;
		dt_bstr(t->method, sizeof(t->method), tx->request_method, NULL);
		dt_bstr(t->uri, sizeof(t->uri), tx->request_uri, &t->uri_len);
		dt_bstr(t->proto, sizeof(t->proto), tx->request_protocol, NULL);
		t->has_path = tx->parsed_uri && tx->parsed_uri->path;
		if (t->has_path)
			dt_bstr(t->path, sizeof(t->path), tx->parsed_uri->path, &t->path_len);
		dt_headers(tx->request_headers, "cookie", t->req_hdrs, sizeof(t->req_hdrs), t->cookie,
			   sizeof(t->cookie));
		dt_headers(tx->response_headers, "set-cookie", t->res_hdrs, sizeof(t->res_hdrs),
			   t->set_cookie, sizeof(t->set_cookie));
		t->status = tx->response_status_number > 0 ? tx->response_status_number : 0;
		o->n++;
	}
	htp_connp_destroy_all(cp);
	htp_config_destroy(cfg);
	dt_cur = NULL;
}

/* A deliberate difference: inputs containing `needle` skip `fields`. */
struct dt_known {
	const char *needle;
	uint32_t fields;
	const char *reason;
};

static const struct dt_known http_dt_known[] = {
	{ "%u4e2d", DT_F_PATH,
	  "%u escapes outside U+00xx and the full-width ASCII block map to '?' (libhtp: its "
	  "full best-fit table); the evasions that matter decode alike" },
	{ "GET /09\r\n", DT_F_COUNT | DT_F_METHOD | DT_F_URI_RAW | DT_F_PATH | DT_F_PROTO |
	  DT_F_REQ_HDRS | DT_F_STATUS | DT_F_RES_HDRS | DT_F_RES_BODY,
	  "after an HTTP/0.9 request libhtp ignores the rest of the stream; we keep parsing it "
	  "as requests, so nothing hides behind a fake 0.9 line" },
	{ "HTTP/1.1 102 Processing", DT_F_COUNT | DT_F_STATUS | DT_F_RES_HDRS | DT_F_RES_BODY,
	  "every 1xx but 101 is interim (RFC 9110 15.2); libhtp skips only 100" },
	{ "X-Trailer:", DT_F_REQ_HDRS | DT_F_RES_HDRS,
	  "libhtp merges trailer fields into the headers after the fact; our header buffers "
	  "are built at the head, and trailers are skipped" },
	{ "FOO /unknown-method", DT_F_COUNT | DT_F_REQ_BODY,
	  "libhtp reads a line after a complete request as more body of it when it does not "
	  "know the line's method; we read the next request, as a server does (found by "
	  "fuzz_http_diff)" },
	/* DT_KNOWN_EMPTY_LINE: applied by the cases that have one, not by a needle. */
	{ NULL, DT_F_REQ_BODY | DT_F_RES_BODY,
	  "an empty line after a message is skipped before the next start line (RFC 9112 "
	  "2.2); libhtp's look-ahead after a message appends it to the previous body" },
};

enum { DT_KNOWN_EMPTY_LINE = 5 };

static uint32_t
dt_skip_fields(const uint8_t *req, size_t req_len, const uint8_t *res, size_t res_len)
{
	uint32_t skip = 0;
	for (size_t k = 0; k < sizeof(http_dt_known) / sizeof(http_dt_known[0]); k++) {
		const char *n = http_dt_known[k].needle;
		if (!n)
			continue;
		size_t l = strlen(n);
		if ((req_len >= l && memmem(req, req_len, n, l)) ||
		    (res_len >= l && memmem(res, res_len, n, l)))
			skip |= http_dt_known[k].fields;
	}
	return skip;
}

static unsigned dt_compared, dt_txns;

static bool
dt_str_eq(const char *what, int i, const char *want, size_t want_len, const uint8_t *got,
	  size_t got_len)
{
	if (want_len == got_len && memcmp(want, got, got_len) == 0)
		return true;
	print_error("tx %d %s: libhtp \"%.*s\" ours \"%.*s\"\n", i, what, (int)want_len, want,
		    (int)got_len, (const char *)got);
	return false;
}

/* Feeds one exchange to both and compares; prints the input on a mismatch. */
static bool
dt_compare_known(const char *name, const uint8_t *req, size_t req_len, const uint8_t *res,
		 size_t res_len, int known)
{
	static struct dt_oracle o;
	dt_oracle_run(req, req_len, res, res_len, &o);
	struct http_limits lim;
	http_limits_default(&lim);
	struct http_seg segs[2];
	size_t nsegs = 0;
	if (req_len)
		segs[nsegs++] = (struct http_seg){ HTTP_DIR_REQUEST, (const char *)req, req_len };
	if (res_len)
		segs[nsegs++] = (struct http_seg){ HTTP_DIR_RESPONSE, (const char *)res, res_len };
	static struct http_cap cap;
	memset(&cap, 0, sizeof(cap));
	http_cap_run(&lim, segs, nsegs, -1, 0, 0, true, &cap, NULL);
	uint32_t skip = dt_skip_fields(req, req_len, res, res_len);
	if (known >= 0)
		skip |= http_dt_known[known].fields;
	/* Ours, by transaction index: the request report and the response report. */
	const struct http_rec *rq[DT_MAX_TX] = { 0 }, *rs[DT_MAX_TX] = { 0 };
	int ours = 0;
	for (int i = 0; i < cap.n; i++) {
		uint64_t k = cap.r[i].index;
		if (k >= DT_MAX_TX)
			continue;
		if (cap.r[i].dir == HTTP_DIR_REQUEST)
			rq[k] = &cap.r[i];
		else
			rs[k] = &cap.r[i];
		if ((int)k + 1 > ours)
			ours = (int)k + 1;
	}
	bool ok = true;
	if (!(skip & DT_F_COUNT) && ours != o.n) {
		print_error("transactions: libhtp %d ours %d\n", o.n, ours);
		ok = false;
	}
	int n = ours < o.n ? ours : o.n;
	for (int i = 0; i < n && ok; i++) {
		const struct dt_tx *t = &o.tx[i];
		const struct http_rec *q = rq[i] ? rq[i] : rs[i];
		if (!q)
			continue;
		dt_txns++;
		if (rq[i]) {
			if (!(skip & DT_F_METHOD))
				ok &= dt_str_eq("method", i, t->method, strlen(t->method),
						q->buf[HTTP_BUF_METHOD], q->len[HTTP_BUF_METHOD]);
			if (!(skip & DT_F_URI_RAW))
				ok &= dt_str_eq("uri_raw", i, t->uri, t->uri_len, q->buf[HTTP_BUF_URI_RAW],
						q->len[HTTP_BUF_URI_RAW]);
			if (!(skip & DT_F_PROTO))
				ok &= dt_str_eq("protocol", i, t->proto, strlen(t->proto),
						q->buf[HTTP_BUF_REQUEST_PROTOCOL],
						q->len[HTTP_BUF_REQUEST_PROTOCOL]);
			if (!(skip & DT_F_PATH) && t->has_path && strcmp(t->method, "CONNECT")) {
				size_t ul = q->len[HTTP_BUF_URI];
				size_t pl = t->path_len < ul ? t->path_len : ul;
				bool end = ul == t->path_len || q->buf[HTTP_BUF_URI][t->path_len] == '?' ||
					   q->buf[HTTP_BUF_URI][t->path_len] == '#';
				if (pl != t->path_len || !end)
					pl = ul;
				ok &= dt_str_eq("path", i, t->path, t->path_len, q->buf[HTTP_BUF_URI], pl);
			}
			if (!(skip & DT_F_REQ_HDRS)) {
				ok &= dt_str_eq("request headers", i, t->req_hdrs, strlen(t->req_hdrs),
						q->buf[HTTP_BUF_REQUEST_HEADERS],
						q->len[HTTP_BUF_REQUEST_HEADERS]);
				ok &= dt_str_eq("cookie", i, t->cookie, strlen(t->cookie),
						q->buf[HTTP_BUF_COOKIE], q->len[HTTP_BUF_COOKIE]);
			}
			if (!(skip & DT_F_REQ_BODY))
				ok &= dt_str_eq("request body", i, (const char *)t->req_body,
						t->req_body_len, q->buf[HTTP_BUF_REQUEST_BODY],
						q->len[HTTP_BUF_REQUEST_BODY]);
		}
		const struct http_rec *s = rs[i];
		if (!s) {
			if (!(skip & DT_F_STATUS) && t->status) {
				print_error("tx %d: libhtp has status %d, we no response\n", i, t->status);
				ok = false;
			}
			continue;
		}
		if (!(skip & DT_F_STATUS) && s->status != t->status) {
			print_error("tx %d status: libhtp %d ours %d\n", i, t->status, s->status);
			ok = false;
		}
		if (!(skip & DT_F_RES_HDRS)) {
			ok &= dt_str_eq("response headers", i, t->res_hdrs, strlen(t->res_hdrs),
					s->buf[HTTP_BUF_RESPONSE_HEADERS],
					s->len[HTTP_BUF_RESPONSE_HEADERS]);
			ok &= dt_str_eq("set-cookie", i, t->set_cookie, strlen(t->set_cookie),
					s->buf[HTTP_BUF_SET_COOKIE], s->len[HTTP_BUF_SET_COOKIE]);
		}
		if (!(skip & DT_F_RES_BODY))
			ok &= dt_str_eq("response body", i, (const char *)t->res_body, t->res_body_len,
					s->buf[HTTP_BUF_RESPONSE_BODY], s->len[HTTP_BUF_RESPONSE_BODY]);
	}
	dt_compared++;
	if (!ok)
		print_error("case %s differs:\n--- request\n%.*s\n--- response\n%.*s\n---\n", name,
			    (int)req_len, (const char *)req, (int)res_len, (const char *)res);
	http_cap_clear(&cap);
	return ok;
}

static bool
dt_compare(const char *name, const uint8_t *req, size_t req_len, const uint8_t *res,
	   size_t res_len)
{
	return dt_compare_known(name, req, req_len, res, res_len, -1);
}

/* ---- builtin_cases.txt: every request, as its file defines it ---- */

static int
dt_hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The escapes of builtin_cases.txt: \r \n \t \\ \xHH. */
static size_t
dt_unescape(const char *s, uint8_t *out)
{
	size_t n = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] != '\\' || !s[i + 1]) {
			out[n++] = (uint8_t)s[i];
			continue;
		}
		char e = s[++i];
		if (e == 'x' && dt_hex(s[i + 1]) >= 0 && dt_hex(s[i + 2]) >= 0) {
			out[n++] = (uint8_t)(dt_hex(s[i + 1]) * 16 + dt_hex(s[i + 2]));
			i += 2;
		} else {
			out[n++] = (uint8_t)(e == 'r' ? '\r' : e == 'n' ? '\n' : e == 't' ? '\t' : e);
		}
	}
	return n;
}

static const char dt_small_res[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
/* A response to HEAD has no body (RFC 9110 9.3.2). */
static const char dt_head_res[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";

static void
test_builtin_cases(void **state)
{
	(void)state;
	FILE *f = fopen(TLSIPS_BUILTIN_CASES, "r");
	assert_non_null(f);
	static char line[8192];
	static uint8_t head[DT_BUF], body[DT_BUF], req[2 * DT_BUF];
	size_t hl = 0, bl = 0;
	bool in_case = false, in_body = false, body_first = true;
	char name[8192] = "";
	unsigned cases = 0, bad = 0;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		if (!in_case) {
			if (strncmp(line, "case ", 5) == 0) {
				in_case = true;
				in_body = false;
				body_first = true;
				hl = bl = 0;
				snprintf(name, sizeof(name), "%s", line + 5);
			}
			continue;
		}
		if (strcmp(line, "end") == 0) {
			head[hl++] = '\r';
			head[hl++] = '\n';
			/* "Content-Length: auto" is the body's length. */
			size_t n = 0;
			static const char au[] = "Content-Length: auto\r\n";
			for (size_t i = 0; i < hl;) {
				if (hl - i >= sizeof(au) - 1 && memcmp(head + i, au, sizeof(au) - 1) == 0) {
					n += (size_t)snprintf((char *)req + n, sizeof(req) - n,
							      "Content-Length: %zu\r\n", bl);
					i += sizeof(au) - 1;
				} else {
					req[n++] = head[i++];
				}
			}
			memcpy(req + n, body, bl);
			n += bl;
			bool head_req = n > 5 && memcmp(req, "HEAD ", 5) == 0;
			const char *res = head_req ? dt_head_res : dt_small_res;
			if (!dt_compare(name, req, n, (const uint8_t *)res, strlen(res)))
				bad++;
			cases++;
			in_case = false;
			continue;
		}
		if (in_body) {
			if (!body_first) {
				body[bl++] = '\r';
				body[bl++] = '\n';
			}
			bl += dt_unescape(line, body + bl);
			body_first = false;
		} else if (len == 0) {
			in_body = true;
		} else {
			hl += dt_unescape(line, head + hl);
			head[hl++] = '\r';
			head[hl++] = '\n';
		}
	}
	fclose(f);
	print_message("builtin cases: %u compared, %u differ\n", cases, bad);
	assert_true(cases > 200);
	assert_int_equal(bad, 0);
}

/* ---- The generated set ---- */

static const char *const dt_methods[] = { "GET", "POST", "HEAD", "PUT", "OPTIONS", "DELETE",
					  "PROPFIND", "get" };

static const char *const dt_uris[] = {
	"/",
	"/index.html",
	"/a/b/../c/./d",
	"/a//b///c",
	"/a\\b\\..\\c",
	"/%2e%2e/%2e%2e/etc/passwd",
	"/x%2fy%5cz",
	"/p%20q?x=1&y=%41%42+c",
	"/%u0041%u002fb",
	"/%uff0e%uff0e/x",
	"/%u4e2d",
	"/%zz%4",
	"/%",
	"/a%00b",
	"/%c0%af../x",
	"/caf%C3%A9",
	"http://Example.COM:8080/abs/path?q=1",
	"http://user:pw@host.example/x",
	"https://h.example",
	"*",
	"/search?q=%252e%252e",
	"/a?b#frag%41",
	"/../../../x",
	"/a/b/..",
	"/./.",
	"relative/path",
	"/long/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"/semi;jsessionid=1?x",
};

/* Header blocks (each line ends CRLF unless it says otherwise). */
static const char *const dt_hblocks[] = {
	"Host: www.example.com\r\nUser-Agent: t/1\r\nAccept: */*\r\n",
	"Host: a\r\nHost: b\r\n",
	"host: lower.example\r\nCOOKIE: a=1\r\nCookie: b=2\r\n",
	"Host:nospace.example\r\nX-Empty:\r\nX-Spaces:   v   \r\n",
	"Host: f\r\nX-Folded: one\r\n two\r\n\tthree\r\n",
	"Host: lf\nUser-Agent: lone-lf\nAccept: x\n",
	"Host: h\r\nX-Dup: 1\r\nX-Dup: 2\r\nx-dup: 3\r\n",
	"Host: h\r\nReferer: http://r.example/\r\nAccept-Language: en\r\nConnection: close\r\n",
	"Host: [::1]:8080\r\n",
	"Host: h\r\nContent-Type: text/plain\r\nX-Nul: a\x01" "b\r\n",
	"Host: H.Example.:80\r\n",
	"Host: h\r\nBad Name: v\r\nNoColonHere\r\n",
};

/* Request body framings: what follows the headers (headers included). */
static const char *const dt_bodies[] = {
	"\r\n",
	"Content-Length: 5\r\n\r\nhello",
	"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n",
	"Content-Length: 0\r\n\r\n",
	"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n",
	"Content-Length: 11\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\na=1&b=2&c=3",
};

static const char *const dt_responses[] = {
	"HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 3\r\n\r\nabc",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: s=1\r\n\r\n"
	"4\r\nwxyz\r\n0\r\n\r\n",
	"HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n",
	"HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n",
	"HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\nnot found",
	"HTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 1\r\n\r\nz",
	"HTTP/1.1 500 Internal Error\nContent-Length: 2\n\nee",
};

static size_t
dt_request(char *out, size_t cap, int m, int u, int h, int b)
{
	const char *method = dt_methods[m];
	int n = snprintf(out, cap, "%s %s HTTP/1.1\r\n%s%s", method, dt_uris[u], dt_hblocks[h],
			 dt_bodies[b]);
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static void
test_generated(void **state)
{
	(void)state;
	static char req[16384], res[16384];
	unsigned cases = 0, bad = 0;
	size_t nm = sizeof(dt_methods) / sizeof(dt_methods[0]);
	size_t nu = sizeof(dt_uris) / sizeof(dt_uris[0]);
	size_t nh = sizeof(dt_hblocks) / sizeof(dt_hblocks[0]);
	size_t nb = sizeof(dt_bodies) / sizeof(dt_bodies[0]);
	size_t nr = sizeof(dt_responses) / sizeof(dt_responses[0]);
	/* Every URI with every header block; method, body and response rotate. */
	for (size_t u = 0; u < nu; u++) {
		for (size_t h = 0; h < nh; h++) {
			size_t k = u * nh + h;
			int m = (int)(k % nm);
			int b = (int)((k / 3) % nb);
			size_t rl = dt_request(req, sizeof(req), m, (int)u, (int)h, b);
			size_t sl = (size_t)snprintf(res, sizeof(res), "%s", dt_responses[k % nr]);
			char name[64];
			snprintf(name, sizeof(name), "gen-%zu-%zu", u, h);
			if (!dt_compare(name, (uint8_t *)req, rl, (uint8_t *)res, sl))
				bad++;
			cases++;
		}
	}
	print_message("generated: %u compared, %u differ\n", cases, bad);
	assert_true(cases >= 200);
	assert_int_equal(bad, 0);
}

/* Pipelines: several requests in one stream, answered in order. */
static void
test_pipelined(void **state)
{
	(void)state;
	static char req[65536], res[65536];
	unsigned cases = 0, bad = 0;
	size_t nu = sizeof(dt_uris) / sizeof(dt_uris[0]);
	size_t nb = sizeof(dt_bodies) / sizeof(dt_bodies[0]);
	size_t nr = sizeof(dt_responses) / sizeof(dt_responses[0]);
	for (size_t start = 0; start < 40; start++) {
		size_t rl = 0, sl = 0;
		for (size_t j = 0; j < 4; j++) {
			size_t k = start * 4 + j;
			/* HEAD would make a response with a body mean something else. */
			int m = (int)(k % 2); /* GET, POST */
			if (j == 2 && start % 5 == 0)
				rl += (size_t)snprintf(req + rl, sizeof(req) - rl, "\r\n"); /* empty line */
			rl += dt_request(req + rl, sizeof(req) - rl, m, (int)(k % nu), (int)(k % 4),
					 (int)(k % nb));
			const char *r = dt_responses[(k + start) % nr];
			if (j == 1 && start % 3 == 0)
				sl += (size_t)snprintf(res + sl, sizeof(res) - sl,
						       "HTTP/1.1 100 Continue\r\n\r\n");
			sl += (size_t)snprintf(res + sl, sizeof(res) - sl, "%s", r);
		}
		char name[64];
		snprintf(name, sizeof(name), "pipe-%zu", start);
		int known = start % 5 == 0 ? DT_KNOWN_EMPTY_LINE : -1;
		if (!dt_compare_known(name, (uint8_t *)req, rl, (uint8_t *)res, sl, known))
			bad++;
		cases++;
	}
	print_message("pipelined: %u compared, %u differ\n", cases, bad);
	assert_int_equal(bad, 0);
}

/* Odd shapes one by one: each a known libhtp reading. */
static void
test_odd_shapes(void **state)
{
	(void)state;
	static const struct {
		const char *req, *res;
	} c[] = {
		{ "GET /nohttp\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na" },
		{ "  GET /lead HTTP/1.1\r\nHost: x\r\n\r\n", "" },
		{ "GET\t/tab HTTP/1.1\r\nHost: x\r\n\r\n", "" },
		{ "GET /sp ace HTTP/1.1\r\nHost: x\r\n\r\n", "" },
		{ "GET /x HTTP/1.1 \r\nHost: x\r\n\r\n", "" },
		{ "GET /x HTTP/2.0\r\nHost: x\r\n\r\n", "" },
		{ "GET /x FOO/1.1\r\nHost: x\r\n\r\n", "" },
		{ "GET /x HTTP/1.1\r\n Folded-first: x\r\nHost: x\r\n\r\n", "" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", "" },
		{ "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length:  4 \r\n\r\nabcd", "" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\n\r\n",
		  "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\nclose-delimited body" },
		{ "HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n",
		  "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\n\r\n",
		  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n  3  \r\nabc\r\n0\r\n\r\n" },
		{ "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "1\r\na\r\n1\r\nb\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n", "" },
		{ "GET /09\r\nGET /after HTTP/1.1\r\n\r\n", "" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\n\r\n",
		  "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nq" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nq" },
		{ "GET /x HTTP/1.0\r\n\r\n", "  HTTP/1.0 200 OK\r\n\r\nbody" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\nCookie: a\r\nCookie: b\r\n\r\n", "" },
		{ "GET /a HTTP/1.1\r\nHost: x\r\n\r\nFOO /unknown-method HTTP/1.1\r\nHost: x\r\n\r\n",
		  "" },
	};
	unsigned bad = 0;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "odd-%zu", i);
		if (!dt_compare(name, (const uint8_t *)c[i].req, strlen(c[i].req),
				(const uint8_t *)c[i].res, strlen(c[i].res)))
			bad++;
	}
	static const char req[] = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char res[] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nq\r\n\r\n";
	if (!dt_compare_known("odd-empty-line", (const uint8_t *)req, sizeof(req) - 1,
			      (const uint8_t *)res, sizeof(res) - 1, DT_KNOWN_EMPTY_LINE))
		bad++;
	assert_int_equal(bad, 0);
}

/* Every split point gives the same reports (http_cap.h's comparison). */
static void
test_generated_splits(void **state)
{
	(void)state;
	static char req[16384];
	struct http_limits lim;
	http_limits_default(&lim);
	for (size_t u = 0; u < 6; u++) {
		size_t rl = dt_request(req, sizeof(req), 1, (int)(u * 4), (int)(u * 2 + 1), (int)u);
		const char *res = dt_responses[u];
		struct http_seg segs[] = { { HTTP_DIR_REQUEST, req, rl },
					   { HTTP_DIR_RESPONSE, res, strlen(res) } };
		struct http_cap whole = { 0 };
		http_cap_run(&lim, segs, 2, -1, 0, 0, true, &whole, NULL);
		for (size_t s = 0; s < 2; s++)
			for (size_t at = 1; at < segs[s].len; at++) {
				struct http_cap cap = { 0 };
				http_cap_run(&lim, segs, 2, (int)s, at, 0, true, &cap, NULL);
				if (!http_cap_equal(&whole, &cap))
					fail_msg("case %zu: segment %zu split at %zu differs", u, s, at);
				http_cap_clear(&cap);
			}
		http_cap_clear(&whole);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_cases),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_odd_shapes),
		cmocka_unit_test(test_generated_splits),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	print_message("exchanges compared: %u, transactions: %u\n", dt_compared, dt_txns);
	return rc;
}
