/*
 * detect_parse_http: HTTP buffer keywords and the end-of-rule resolution.
 *
 * Three forms name a buffer:
 *  - sticky buffers (http.uri, file.data, ...): every later content, pcre,
 *    bsize, isdataat, byte_* reads that buffer, until the next one; pkt_data
 *    returns to the stream;
 *  - legacy modifiers (content:"x"; http_uri;): move the content just
 *    parsed into the buffer. Written where no unassigned content precedes
 *    them, they act as sticky buffers, which is how Suricata 4 read the
 *    underscore forms;
 *  - pcre buffer letters (detect_parse_pcre.c).
 * Buffers present on both sides stay pseudo buffers until the direction is
 * known (DETECT_PBUF_*); detect_parse_resolve() settles them.
 */
#include <string.h>

#include "detect/detect_parse.h"

enum detect_http_form {
	DETECT_HTTP_STICKY = 0,
	DETECT_HTTP_MODIFIER,     /* legacy content modifier, sticky when nothing to modify */
	DETECT_HTTP_UNSUPPORTED,  /* a buffer tlsips does not build */
};

struct detect_http_kw {
	const char *name;
	uint16_t buf;
	enum detect_http_form form;
};

static const struct detect_http_kw detect_http_kws[] = {
	{ "http.uri", HTTP_BUF_URI, DETECT_HTTP_STICKY },
	{ "http.uri.raw", HTTP_BUF_URI_RAW, DETECT_HTTP_STICKY },
	{ "http.method", HTTP_BUF_METHOD, DETECT_HTTP_STICKY },
	{ "http.request_line", HTTP_BUF_REQUEST_LINE, DETECT_HTTP_STICKY },
	{ "http.protocol", DETECT_PBUF_PROTOCOL, DETECT_HTTP_STICKY },
	{ "http.header", DETECT_PBUF_HEADERS, DETECT_HTTP_STICKY },
	{ "http.header.raw", DETECT_PBUF_HEADERS_RAW, DETECT_HTTP_STICKY },
	{ "http.header_names", DETECT_PBUF_HEADER_NAMES, DETECT_HTTP_STICKY },
	{ "http.cookie", DETECT_PBUF_COOKIE, DETECT_HTTP_STICKY },
	{ "http.user_agent", HTTP_BUF_USER_AGENT, DETECT_HTTP_STICKY },
	{ "http.host", HTTP_BUF_HOST, DETECT_HTTP_STICKY },
	{ "http.host.raw", HTTP_BUF_HOST_RAW, DETECT_HTTP_STICKY },
	{ "http.referer", HTTP_BUF_REFERER, DETECT_HTTP_STICKY },
	{ "http.content_type", DETECT_PBUF_CONTENT_TYPE, DETECT_HTTP_STICKY },
	{ "http.accept", HTTP_BUF_ACCEPT, DETECT_HTTP_STICKY },
	{ "http.accept_lang", HTTP_BUF_ACCEPT_LANGUAGE, DETECT_HTTP_STICKY },
	{ "http.accept_enc", HTTP_BUF_ACCEPT_ENCODING, DETECT_HTTP_STICKY },
	{ "http.connection", HTTP_BUF_CONNECTION, DETECT_HTTP_STICKY },
	{ "http.content_len", HTTP_BUF_CONTENT_LENGTH, DETECT_HTTP_STICKY },
	{ "http.request_body", HTTP_BUF_REQUEST_BODY, DETECT_HTTP_STICKY },
	{ "http.stat_code", HTTP_BUF_STAT_CODE, DETECT_HTTP_STICKY },
	{ "http.stat_msg", HTTP_BUF_STAT_MSG, DETECT_HTTP_STICKY },
	{ "http.response_line", HTTP_BUF_RESPONSE_LINE, DETECT_HTTP_STICKY },
	{ "http.location", HTTP_BUF_LOCATION, DETECT_HTTP_STICKY },
	{ "http.server", HTTP_BUF_SERVER, DETECT_HTTP_STICKY },
	{ "http.response_body", HTTP_BUF_RESPONSE_BODY, DETECT_HTTP_STICKY },
	{ "file.data", DETECT_PBUF_BODY, DETECT_HTTP_STICKY },
	{ "file_data", DETECT_PBUF_BODY, DETECT_HTTP_STICKY },
	{ "pkt_data", DETECT_BUF_STREAM, DETECT_HTTP_STICKY },
	/* Suricata 4 sticky buffers with underscore names. */
	{ "http_request_line", HTTP_BUF_REQUEST_LINE, DETECT_HTTP_STICKY },
	{ "http_response_line", HTTP_BUF_RESPONSE_LINE, DETECT_HTTP_STICKY },
	{ "http_protocol", DETECT_PBUF_PROTOCOL, DETECT_HTTP_STICKY },
	{ "http_header_names", DETECT_PBUF_HEADER_NAMES, DETECT_HTTP_STICKY },
	{ "http_referer", HTTP_BUF_REFERER, DETECT_HTTP_STICKY },
	{ "http_content_type", DETECT_PBUF_CONTENT_TYPE, DETECT_HTTP_STICKY },
	{ "http_accept", HTTP_BUF_ACCEPT, DETECT_HTTP_STICKY },
	{ "http_accept_lang", HTTP_BUF_ACCEPT_LANGUAGE, DETECT_HTTP_STICKY },
	{ "http_accept_enc", HTTP_BUF_ACCEPT_ENCODING, DETECT_HTTP_STICKY },
	{ "http_connection", HTTP_BUF_CONNECTION, DETECT_HTTP_STICKY },
	{ "http_content_len", HTTP_BUF_CONTENT_LENGTH, DETECT_HTTP_STICKY },
	/* Legacy content modifiers. */
	{ "http_uri", HTTP_BUF_URI, DETECT_HTTP_MODIFIER },
	{ "http_raw_uri", HTTP_BUF_URI_RAW, DETECT_HTTP_MODIFIER },
	{ "http_method", HTTP_BUF_METHOD, DETECT_HTTP_MODIFIER },
	{ "http_header", DETECT_PBUF_HEADERS, DETECT_HTTP_MODIFIER },
	{ "http_raw_header", DETECT_PBUF_HEADERS_RAW, DETECT_HTTP_MODIFIER },
	{ "http_cookie", DETECT_PBUF_COOKIE, DETECT_HTTP_MODIFIER },
	{ "http_user_agent", HTTP_BUF_USER_AGENT, DETECT_HTTP_MODIFIER },
	{ "http_host", HTTP_BUF_HOST, DETECT_HTTP_MODIFIER },
	{ "http_raw_host", HTTP_BUF_HOST_RAW, DETECT_HTTP_MODIFIER },
	{ "http_client_body", HTTP_BUF_REQUEST_BODY, DETECT_HTTP_MODIFIER },
	{ "http_server_body", HTTP_BUF_RESPONSE_BODY, DETECT_HTTP_MODIFIER },
	{ "http_stat_code", HTTP_BUF_STAT_CODE, DETECT_HTTP_MODIFIER },
	{ "http_stat_msg", HTTP_BUF_STAT_MSG, DETECT_HTTP_MODIFIER },
	/* Request or response line plus headers: not a buffer tlsips builds. */
	{ "http.start", 0, DETECT_HTTP_UNSUPPORTED },
	{ "http_start", 0, DETECT_HTTP_UNSUPPORTED },
	/* HTTP/2-style single header lookups. */
	{ "http.request_header", 0, DETECT_HTTP_UNSUPPORTED },
	{ "http.response_header", 0, DETECT_HTTP_UNSUPPORTED },
};

#define DETECT_HTTP_NKWS (sizeof(detect_http_kws) / sizeof(detect_http_kws[0]))

static const struct detect_http_kw *
detect_http_find(const char *kw, size_t len)
{
	for (size_t i = 0; i < DETECT_HTTP_NKWS; i++)
		if (detect_parse_is(kw, len, detect_http_kws[i].name))
			return &detect_http_kws[i];
	return NULL;
}

static enum detect_parse_status
detect_parse_http_kw(struct detect_pstate *ps, const char *v, size_t len)
{
	(void)len;
	const struct detect_http_kw *k = detect_http_find(ps->kw, strlen(ps->kw));
	if (!k)
		return detect_parse_err(ps, "internal: unknown HTTP keyword");
	if (v)
		return detect_parse_err(ps, "%s takes no value", ps->kw);
	if (k->form == DETECT_HTTP_UNSUPPORTED)
		return detect_parse_skip(ps, ps->kw, "buffer %s is not supported", ps->kw);
	if (k->form == DETECT_HTTP_MODIFIER && ps->sticky == DETECT_BUF_STREAM &&
	    ps->last_content >= 0 && ps->r->conds[ps->last_content].buf == DETECT_BUF_STREAM) {
		ps->r->conds[ps->last_content].buf = k->buf;
		return DETECT_PARSE_OK;
	}
	ps->sticky = k->buf;
	return DETECT_PARSE_OK;
}

detect_parse_kw_fn
detect_parse_http_lookup(const char *kw, size_t len)
{
	return detect_http_find(kw, len) ? detect_parse_http_kw : NULL;
}

const char *
detect_parse_buf_name(uint16_t buf)
{
	for (size_t i = 0; i < DETECT_HTTP_NKWS; i++)
		if (detect_http_kws[i].buf == buf && detect_http_kws[i].form != DETECT_HTTP_UNSUPPORTED)
			return detect_http_kws[i].name;
	switch (buf) {
	case HTTP_BUF_REQUEST_PROTOCOL:
	case HTTP_BUF_RESPONSE_PROTOCOL:
		return "http.protocol";
	case HTTP_BUF_REQUEST_HEADERS:
	case HTTP_BUF_RESPONSE_HEADERS:
		return "http.header";
	case HTTP_BUF_REQUEST_HEADERS_RAW:
	case HTTP_BUF_RESPONSE_HEADERS_RAW:
		return "http.header.raw";
	case HTTP_BUF_REQUEST_HEADER_NAMES:
	case HTTP_BUF_RESPONSE_HEADER_NAMES:
		return "http.header_names";
	case HTTP_BUF_COOKIE:
	case HTTP_BUF_SET_COOKIE:
		return "http.cookie";
	case HTTP_BUF_REQUEST_CONTENT_TYPE:
	case HTTP_BUF_RESPONSE_CONTENT_TYPE:
		return "http.content_type";
	default:
		return "buffer";
	}
}

/* The concrete buffer of a pseudo buffer for a direction. */
static uint16_t
detect_http_concrete(uint16_t buf, enum detect_dir dir)
{
	bool resp = dir == DETECT_DIR_TO_CLIENT;
	switch (buf) {
	case DETECT_PBUF_HEADERS:
		return resp ? HTTP_BUF_RESPONSE_HEADERS : HTTP_BUF_REQUEST_HEADERS;
	case DETECT_PBUF_HEADERS_RAW:
		return resp ? HTTP_BUF_RESPONSE_HEADERS_RAW : HTTP_BUF_REQUEST_HEADERS_RAW;
	case DETECT_PBUF_HEADER_NAMES:
		return resp ? HTTP_BUF_RESPONSE_HEADER_NAMES : HTTP_BUF_REQUEST_HEADER_NAMES;
	case DETECT_PBUF_COOKIE:
		return resp ? HTTP_BUF_SET_COOKIE : HTTP_BUF_COOKIE;
	case DETECT_PBUF_CONTENT_TYPE:
		return resp ? HTTP_BUF_RESPONSE_CONTENT_TYPE : HTTP_BUF_REQUEST_CONTENT_TYPE;
	case DETECT_PBUF_PROTOCOL:
		return resp ? HTTP_BUF_RESPONSE_PROTOCOL : HTTP_BUF_REQUEST_PROTOCOL;
	case DETECT_PBUF_BODY:
		/* file.data is the response body unless the rule looks at requests. */
		return dir == DETECT_DIR_TO_SERVER ? HTTP_BUF_REQUEST_BODY : HTTP_BUF_RESPONSE_BODY;
	default:
		return buf;
	}
}

/*
 * Direction: flow's, else TO_CLIENT when a response-only buffer is read,
 * TO_SERVER when only request buffers are, TO_CLIENT for file.data alone
 * (mostly served files), else ANY. A response buffer in a to_server rule is
 * an error, as in Suricata; request buffers stay readable in to_client rules.
 */
enum detect_parse_status
detect_parse_resolve(struct detect_pstate *ps)
{
	struct detect_rule *r = ps->r;
	bool req = false, body = false, http = false;
	int32_t resp = -1; /* first condition reading a response-only buffer */
	for (uint32_t i = 0; i < r->n_conds; i++) {
		uint16_t b = r->conds[i].buf;
		if (b == DETECT_BUF_STREAM)
			continue;
		http = true;
		if (b < HTTP_BUF_COUNT && http_buf_is_response((enum http_buf)b)) {
			if (resp < 0)
				resp = (int32_t)i;
		} else if (b < HTTP_BUF_COUNT) {
			req = true;
		} else if (b == DETECT_PBUF_BODY) {
			body = true;
		}
	}
	ps->kw = NULL;
	if (r->dir == DETECT_DIR_TO_SERVER && resp >= 0)
		return detect_parse_err(ps, "%s reads the response, but the rule is to_server",
					detect_parse_buf_name(r->conds[resp].buf));
	if (r->dir == DETECT_DIR_ANY)
		r->dir = resp >= 0 ? DETECT_DIR_TO_CLIENT :
			 req	   ? DETECT_DIR_TO_SERVER :
			 body	   ? DETECT_DIR_TO_CLIENT :
				     DETECT_DIR_ANY;
	for (uint32_t i = 0; i < r->n_conds; i++) {
		struct detect_cond *c = &r->conds[i];
		c->buf = detect_http_concrete(c->buf, r->dir);
		if (c->buf == HTTP_BUF_CONTENT_LENGTH && r->dir == DETECT_DIR_TO_CLIENT)
			return detect_parse_skip(ps, "http.content_len",
						 "http.content_len of responses is not supported");
		if (c->buf < HTTP_BUF_COUNT && http_buf_is_response((enum http_buf)c->buf))
			r->needs_response = true;
	}
	if (http && r->proto == DETECT_PROTO_TLS)
		return detect_parse_err(ps, "HTTP buffers in a tls rule");
	/* Suricata makes a tcp rule with HTTP buffers an HTTP rule. */
	if (http)
		r->proto = DETECT_PROTO_HTTP;
	return DETECT_PARSE_OK;
}
