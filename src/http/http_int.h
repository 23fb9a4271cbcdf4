/*
 * Shared inside src/http/: the engine, a connection, its two stream parsers
 * and our state for each transaction.
 *
 * Ownership: an http_conn owns a list of http_tx, one per transaction still
 * alive (oldest first), a small pool of released ones, and per direction a
 * parser with its bounded head buffer. Each http_tx owns the bytes its views
 * point into: per direction a text arena (the head as sent plus the derived
 * strings, located by spans) and the kept body. The engine owns the scratch
 * a head is parsed into (one worker, one head at a time): struct http_head
 * holds views into the head bytes, valid until the head's bytes move on.
 */
#ifndef TLSIPS_HTTP_INT_H
#define TLSIPS_HTTP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <zlib.h>

#include "base/buf.h"
#include "http/http.h"

enum {
	HTTP_DIRS = 2,
	/* Transactions kept per connection waiting for their response; past it the
	 * oldest loses its buffers (stats.txn_evictions). */
	HTTP_LIVE_MAX = 16,
	/* Released transactions kept for reuse, so keep-alive traffic does not malloc. */
	HTTP_POOL_MAX = 2,
	/* Bytes of one direction held while the other must move first (a
	 * response before its request's head, a CONNECT's answer); more is
	 * dropped as a gap (stats.pending_limit_hits). */
	HTTP_PENDING_MAX = 256 * 1024,
	/* Header fields parsed per message; later lines are skipped and the
	 * message flagged HEADERS_TOO_LARGE (stats.header_lines_limit_hits). */
	HTTP_FIELDS_MAX = 512,
	/* Repeats of already repeated fields merged per message, as libhtp
	 * (HTP_MAX_HEADERS_REPETITIONS): more are dropped. */
	HTTP_REPEATS_MAX = 64,
	/* A chunk-size line (size, extensions) longer than this is BAD_CHUNK
	 * (stats.chunk_line_limit_hits). */
	HTTP_CHUNK_LINE_MAX = 4096,
	/* Bytes of a chunk-size line kept to read the size from. */
	HTTP_CHUNK_KEEP = 40,
	/* Decompressed output below this never trips the ratio bound: small
	 * repetitive bodies compress far better than 100:1. */
	HTTP_INFLATE_RATIO_FLOOR = 64 * 1024,
	/* Compressed bytes remembered from a body's start, so a stream that is not
	 * compressed after all can be re-read raw (or as raw deflate). */
	HTTP_INFLATE_HEAD = 16,
	/* Output step of one inflate call. */
	HTTP_INFLATE_STEP = 16 * 1024,
};

/* Where a string lies in a side's text arena. */
struct http_span {
	uint32_t off, len;
};

/* How a body is decoded. */
enum http_zmode {
	HTTP_Z_NONE = 0,  /* identity: bytes kept as they come */
	HTTP_Z_PENDING,   /* gzip or deflate announced, no byte seen yet */
	HTTP_Z_INFLATE,   /* inflating */
	HTTP_Z_PASS,      /* announced compression failed: kept raw from here */
	HTTP_Z_STOP,      /* cut, ratio bound or stream end: nothing more kept */
};

/* One direction of one transaction. */
struct http_side {
	struct buf text;           /* head as sent and derived strings; spans index into it */
	struct buf body;           /* decoded body, up to the body limit */
	uint64_t body_len;         /* body bytes seen (see http_body.c) */
	uint64_t z_in;             /* compressed bytes given to inflate */
	uint8_t z_head[HTTP_INFLATE_HEAD];
	enum http_zmode z;
	bool z_raw_tried;          /* raw deflate retried after a zlib header failed */
	bool started;              /* the message began */
	bool headers_done;         /* the head was read (buffers built unless evicted) */
	bool complete;             /* the message ended where its framing said */
	bool reported;             /* the sink saw this side */
	bool chunked;              /* chunked when its headers were read */
	uint32_t anom;             /* HTTP_ANOM_* found while parsing this side */
};

struct http_conn;

struct http_tx {
	struct http_tx *prev, *next; /* conn's live list, oldest first */
	struct http_conn *c;
	struct http_txn txn;         /* what the sink sees; views filled at report time */
	struct http_span span[HTTP_BUF_COUNT];
	struct http_side side[HTTP_DIRS];
	bool no_request;             /* a response with no request to pair with */
	bool evicted;                /* buffers dropped by HTTP_LIVE_MAX */
	/* Request facts the response's framing needs, kept even when evicted. */
	bool is_head, is_connect;
	bool res_begun;              /* a (final) response is being parsed for it */
	bool res_held;               /* response done, its report waits for the request */
	bool req_ended, res_ended;   /* the message of that side ended (or was cut) */
};

/*
 * One field of a head. Repeats of a name are merged into the first as
 * libhtp does ("a, b"), except Content-Length, whose first value counts.
 */
struct http_field {
	struct view name, value;     /* into the head, or the engine's fold scratch */
	int32_t next_rep;            /* next field merged into this one, or -1 */
	int32_t last_rep;            /* last field of the merge chain */
	int32_t hnext;               /* next field in the same hash bucket, or -1 */
	bool repeated;
	bool merged;                 /* a repeat: part of an earlier field */
};

enum { HTTP_HEAD_BUCKETS = 64 };

/* A start line, read in place. */
struct http_startline {
	struct view method, uri, proto;   /* request */
	struct view status, msg;          /* response: proto is shared */
	int status_num;              /* response: -1 when not three digits */
	bool is_09;                  /* request without protocol */
	bool proto_ok;               /* HTTP/0.9, 1.0 or 1.1 exactly */
	bool not_http;               /* response line that is not one: a body */
};

/* A parsed head: views into the head bytes (or the fold scratch). */
struct http_head {
	struct view line;            /* start line, line end removed */
	struct view hdrs;            /* header bytes as sent, up to header_bytes */
	struct http_startline sl;
	uint32_t anom;               /* anomalies found in the head */
	uint32_t n;                  /* fields */
	uint32_t repeats;
	int32_t cl, te, ce, host;    /* fields by role, or -1 */
	int32_t bucket[HTTP_HEAD_BUCKETS];
	struct http_field f[HTTP_FIELDS_MAX];
};

/* Parser states of one direction; see http_parse.c. */
enum http_pstate {
	HTTP_P_IDLE = 0,   /* before a start line: empty lines skipped */
	HTTP_P_HEAD,       /* start line and header block, up to their empty line */
	HTTP_P_HEAD_SKIP,  /* head over the limit: skipped to its empty line */
	HTTP_P_BODY_LEN,   /* Content-Length body: `left` bytes to go */
	HTTP_P_CHUNK_LINE, /* chunk-size line */
	HTTP_P_CHUNK_DATA, /* `left` bytes of a chunk */
	HTTP_P_CHUNK_END,  /* rest of the line after a chunk's data */
	HTTP_P_TRAILER,    /* trailer lines up to the empty one */
	HTTP_P_BODY_CLOSE, /* response body up to the close */
	HTTP_P_WAIT,       /* request after CONNECT: waits for its response */
	HTTP_P_STOP,       /* tunnel, gap, error or limit: bytes ignored */
};

struct http_parser {
	enum http_pstate st;
	struct buf head;             /* head bytes when a head spans feeds */
	struct buf replay;           /* gathered bytes a head did not use, parsed next */
	enum http_pstate st_after;   /* HEAD_SKIP: the state framing chose */
	size_t scan;                 /* head: where the search for its end resumes */
	uint64_t left;               /* body or chunk bytes to go */
	uint32_t line_len;           /* chunk-size or trailer line bytes seen */
	uint32_t trailer_bytes;
	uint8_t line[HTTP_CHUNK_KEEP];
	uint8_t nl;                  /* skip/trailer: 1 after LF, 2 after LF CR */
	struct http_tx *tx;          /* whose message is in progress */
};

struct http_engine {
	struct http_limits lim;
	struct http_sink sink;
	struct http_stats stats;
	struct http_head head;       /* scratch of the head being read */
	uint8_t *fold;               /* scratch for folded fields, header_bytes */
	size_t fold_len;
};

struct http_conn {
	struct http_engine *he;
	void *flow_ctx;
	struct http_tx *head, *tail; /* live transactions, oldest first */
	struct http_tx *evict_next;  /* oldest live transaction still holding buffers */
	uint32_t kept;               /* live transactions holding buffers */
	struct http_tx *pool;        /* released transactions, singly linked by next */
	uint32_t pool_len;
	uint64_t ntx;                /* transactions started */
	struct http_parser p[HTTP_DIRS];
	struct buf pending[HTTP_DIRS];
	z_stream zs[HTTP_DIRS];      /* one inflater per direction, reset per body */
	bool zs_init[HTTP_DIRS];
	bool over_limit;             /* txns_per_conn reached */
	bool ending;                 /* inside http_conn_end */
	bool no_responses;           /* http_conn_no_responses: none will come */
	bool feeding;                /* inside a feed: re-entry only drains */
	uint32_t sticky;             /* anomalies every later transaction carries (GAP) */
};

/* http_conn.c */
struct http_tx *http_tx_start(struct http_conn *c);
void http_tx_report(struct http_conn *c, struct http_tx *t, enum http_dir dir);
void http_tx_release(struct http_conn *c, struct http_tx *t);
/* The transaction a response pairs with, or NULL. */
struct http_tx *http_conn_res_tx(struct http_conn *c);
/* A side's message ended (complete: its framing was met). */
void http_msg_end(struct http_conn *c, struct http_tx *t, enum http_dir dir, bool complete);

/* http_parse.c: takes bytes of dir; returns how many it consumed (all of
 * them unless it waits for the other direction). */
size_t http_parse_feed(struct http_conn *c, enum http_dir dir, const uint8_t *data, size_t len);
/* The connection closed: what is in progress ends here. */
void http_parse_close(struct http_conn *c, enum http_dir dir);
void http_parse_stop(struct http_conn *c, enum http_dir dir);
/* Bytes gathered earlier wait to be parsed again (see http_parse_feed). */
bool http_parse_has_replay(const struct http_conn *c, enum http_dir dir);

/* http_head.c: parses a whole head (start line, fields, empty line). */
void http_head_parse(struct http_engine *he, enum http_dir dir, const uint8_t *p, size_t line_len,
		     size_t len);
/* Reads a start line (line end removed) of dir into out. */
void http_head_start_line(enum http_dir dir, const uint8_t *line, size_t len,
			  struct http_startline *out);
/* Content-Length as libhtp reads it: digits with spaces around, else -1. */
int64_t http_head_content_length(struct view v);
/* A field value holds the token (comma-separated, case-insensitive). */
bool http_head_has_token(struct view v, const char *tok);

/* http_txn.c: builds a side's buffers from the engine's parsed head. */
void http_txn_build(struct http_conn *c, struct http_tx *t, enum http_dir dir,
		    const struct http_head *h);

/* http_uri.c */
/* Checks on the raw URI: traversal, double encoding. */
uint32_t http_uri_check(const uint8_t *raw, size_t len);
/* Appends s percent-decoded once to b; returns HTTP_ANOM_URI_BAD_ENCODING bits. */
uint32_t http_uri_decode_append(struct buf *b, const uint8_t *s, size_t len);
/* Appends the normalised URI of raw (see http_txn.c); the URI's host, if
 * any, is appended after it: *out_host is its span (len 0 when none) and
 * *out_port its port or -1. Returns anomaly bits. */
uint32_t http_uri_normalise(struct buf *b, const uint8_t *raw, size_t len, bool connect,
			    struct http_span *out_host, int *out_port);
/* Host header value: host lower-cased (port stripped) appended to b.
 * Returns false when it holds no host; *out_port is -1 when absent. */
bool http_uri_host_header(struct buf *b, struct view v, struct http_span *out_host, int *out_port);

/* http_body.c */
void http_body_begin(struct http_conn *c, struct http_tx *t, enum http_dir dir,
		     const uint8_t *ce, size_t ce_len);
void http_body_data(struct http_conn *c, struct http_tx *t, enum http_dir dir,
		    const uint8_t *data, size_t len);
/* The body of one side ended. */
void http_body_end(struct http_conn *c, struct http_tx *t, enum http_dir dir);
void http_body_end_conn(struct http_conn *c);

#endif
