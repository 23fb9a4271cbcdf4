/*
 * http: HTTP/1.x transactions of one connection, with our own bounded,
 * streaming parser (read the way libhtp's IDS personality reads HTTP).
 *
 * An http_engine holds what all connections of one worker share: limits,
 * counters and parsing scratch. An http_conn follows one connection:
 * it takes the in-order plaintext of each direction (decrypted TLS or a
 * plaintext port) and hands each transaction to the sink twice at most —
 * when its request is complete (headers and body, or the body reached the
 * inspection limit) and when its response is complete. Pipelined and
 * keep-alive requests are separate transactions, in order.
 *
 * The transaction exposes the buffers rules look at (enum http_buf) as
 * views valid during the sink call only. Request buffers stay valid in the
 * response call, so rules can combine both sides. Bodies are de-chunked and
 * decompressed (gzip/deflate) and kept up to the body limits; what is cut
 * is counted and flagged. Like tls/, it takes bytes with a direction and a
 * flow context, never net/ types, so it is tested and fuzzed alone.
 */
#ifndef TLSIPS_HTTP_H
#define TLSIPS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/view.h"

enum http_dir {
	HTTP_DIR_REQUEST = 0,  /* client to server */
	HTTP_DIR_RESPONSE = 1, /* server to client */
};

/*
 * The buffers of a transaction, named after the Suricata sticky buffers.
 * Header buffers hold "Name: value\r\n" lines (normalised: one space after
 * the colon, folded lines joined, the final empty line left out); the raw
 * ones hold the bytes as they came, final CRLF CRLF included. Header names
 * are "\r\nName1\r\nName2\r\n\r\n" as in Suricata. Empty when absent.
 */
enum http_buf {
	HTTP_BUF_URI = 0,            /* request: normalised URI (decoded, path normalised) */
	HTTP_BUF_URI_RAW,            /* request: URI as sent */
	HTTP_BUF_METHOD,             /* request */
	HTTP_BUF_REQUEST_LINE,       /* request: "GET /x HTTP/1.1" */
	HTTP_BUF_REQUEST_PROTOCOL,   /* request: "HTTP/1.1" */
	HTTP_BUF_REQUEST_HEADERS,    /* request: normalised header lines, Cookie excluded (as Suricata) */
	HTTP_BUF_REQUEST_HEADERS_RAW,
	HTTP_BUF_REQUEST_HEADER_NAMES,
	HTTP_BUF_COOKIE,             /* request: Cookie value(s) */
	HTTP_BUF_USER_AGENT,
	HTTP_BUF_HOST,               /* request: Host, lower-cased, port stripped */
	HTTP_BUF_HOST_RAW,
	HTTP_BUF_REFERER,
	HTTP_BUF_REQUEST_CONTENT_TYPE,
	HTTP_BUF_ACCEPT,
	HTTP_BUF_ACCEPT_LANGUAGE,
	HTTP_BUF_ACCEPT_ENCODING,
	HTTP_BUF_CONNECTION,
	HTTP_BUF_CONTENT_LENGTH,     /* request's Content-Length value */
	HTTP_BUF_REQUEST_BODY,       /* de-chunked, decompressed, up to the limit */
	HTTP_BUF_STAT_CODE,          /* response: "200" */
	HTTP_BUF_STAT_MSG,           /* response: "OK" */
	HTTP_BUF_RESPONSE_LINE,      /* response: "HTTP/1.1 200 OK" */
	HTTP_BUF_RESPONSE_PROTOCOL,
	HTTP_BUF_RESPONSE_HEADERS,   /* response: normalised header lines, Set-Cookie excluded */
	HTTP_BUF_RESPONSE_HEADERS_RAW,
	HTTP_BUF_RESPONSE_HEADER_NAMES,
	HTTP_BUF_SET_COOKIE,         /* response: Set-Cookie value(s) */
	HTTP_BUF_RESPONSE_CONTENT_TYPE,
	HTTP_BUF_LOCATION,
	HTTP_BUF_SERVER,
	HTTP_BUF_RESPONSE_BODY,      /* file.data: de-chunked, decompressed, up to the limit */
	HTTP_BUF_COUNT
};

/* True for buffers filled from the response side. */
static inline bool
http_buf_is_response(enum http_buf b)
{
	return b >= HTTP_BUF_STAT_CODE;
}

/* Stable lower-case name of a buffer ("uri", "request_body", ...) for messages. */
const char *http_buf_name(enum http_buf b);

/* Things a transaction did that a well-behaved peer would not; bit flags. */
enum http_anomaly {
	HTTP_ANOM_REQUEST_BODY_CUT = 1u << 0,  /* request body longer than the limit */
	HTTP_ANOM_RESPONSE_BODY_CUT = 1u << 1,
	HTTP_ANOM_HEADERS_TOO_LARGE = 1u << 2, /* header bytes over the limit */
	HTTP_ANOM_BAD_CHUNK = 1u << 3,         /* invalid chunked framing */
	HTTP_ANOM_BAD_COMPRESSION = 1u << 4,   /* gzip/deflate stream that does not decode */
	HTTP_ANOM_URI_DOUBLE_ENCODED = 1u << 5,/* %25xx: encoded twice */
	HTTP_ANOM_URI_BAD_ENCODING = 1u << 6,  /* invalid %-escape, overlong UTF-8, NUL */
	HTTP_ANOM_PATH_TRAVERSAL = 1u << 7,    /* normalising the path climbed above the root */
	HTTP_ANOM_INVALID_REQUEST = 1u << 8,   /* request line, headers or framing not valid HTTP */
	HTTP_ANOM_INVALID_RESPONSE = 1u << 9,
	HTTP_ANOM_DUPLICATE_HOST = 1u << 10,   /* Host header twice, or differs from the URI's host */
	HTTP_ANOM_SMUGGLING = 1u << 11,        /* both Content-Length and Transfer-Encoding, or two lengths */
	HTTP_ANOM_TOO_MANY_TXNS = 1u << 12,    /* transactions per connection over the limit */
	HTTP_ANOM_GAP = 1u << 13,              /* bytes of the connection were lost */
};

/* Stable names of the anomaly bits, for events ("request_body_cut", ...). */
const char *http_anomaly_name(uint32_t bit);

struct http_txn {
	uint64_t index;              /* 0 for the first transaction of the connection */
	struct view buf[HTTP_BUF_COUNT];
	int status;                  /* response status, 0 before the response */
	uint64_t request_body_len;   /* body bytes seen (may exceed what buf holds) */
	uint64_t response_body_len;
	uint32_t anomalies;          /* HTTP_ANOM_* bits */
	bool request_complete, response_complete;
};

struct http_sink {
	void *ctx;
	/* The request is complete (or its body reached the inspection limit). */
	void (*on_request)(void *ctx, void *flow_ctx, const struct http_txn *txn);
	/* The response is complete (or its body reached the limit); request buffers still valid. */
	void (*on_response)(void *ctx, void *flow_ctx, const struct http_txn *txn);
};

struct http_limits {
	uint32_t request_body;       /* body bytes kept for inspection per request (default 1 MiB) */
	uint32_t response_body;      /* default 1 MiB */
	uint32_t header_bytes;       /* header bytes per message (default 64 KiB) */
	uint32_t txns_per_conn;      /* transactions inspected per connection (default 10000) */
	uint32_t decompress_ratio;   /* decompressed:compressed bound, anti zip bomb (default 100) */
	bool responses;              /* parse and report responses at all */
};

void http_limits_default(struct http_limits *out);

struct http_stats {
	uint64_t conns, requests, responses;
	uint64_t anomalies[14];      /* per HTTP_ANOM_* bit, index = bit number */
	uint64_t request_body_bytes, response_body_bytes;
	uint64_t body_limit_hits, header_limit_hits, parse_errors;
	uint64_t txn_evictions;      /* unanswered transactions that lost their buffers */
	uint64_t pending_limit_hits; /* bytes waiting for the other direction over the limit */
	uint64_t gaps;               /* http_conn_gap calls that stopped a direction */
	uint64_t tunnels;            /* CONNECT accepted or 101: the rest is not HTTP */
	uint64_t header_lines_limit_hits; /* messages with more header fields than parsed */
	uint64_t chunk_line_limit_hits;   /* chunk-size lines over their bound */
};

struct http_engine;
struct http_conn;

struct http_engine *http_engine_new(const struct http_limits *limits, const struct http_sink *sink);
void http_engine_free(struct http_engine *he);
const struct http_stats *http_engine_stats(const struct http_engine *he);

/* A new connection; flow_ctx is passed to the sink; ts_usec is capture time. */
struct http_conn *http_conn_new(struct http_engine *he, void *flow_ctx, uint64_t ts_usec);
/* In-order bytes of one direction. */
void http_conn_feed(struct http_conn *c, enum http_dir dir, const uint8_t *data, size_t len,
		    uint64_t ts_usec);
/*
 * This connection's responses will not be seen (inline, its server's packets
 * bypass the queue): each transaction ends with its request, and a request
 * after CONNECT is parsed at once instead of waiting for the answer.
 */
void http_conn_no_responses(struct http_conn *c);
/* len bytes of a direction were lost: that direction stops being parsed. */
void http_conn_gap(struct http_conn *c, enum http_dir dir, uint64_t len);
/* The connection ended: complete what can be completed (a body ended by close). */
void http_conn_end(struct http_conn *c, uint64_t ts_usec);
void http_conn_free(struct http_conn *c);

#endif
