/*
 * Shared inside src/http/: the engine, a connection, and our state for each
 * libhtp transaction.
 *
 * Ownership: an http_conn owns one htp_connp_t and a list of http_tx, one per
 * libhtp transaction still alive (oldest first). Each http_tx owns the bytes
 * its views point into: per direction a text arena (derived strings, located
 * by spans), the raw header bytes and the kept body. Nothing in a view points
 * into libhtp memory, so libhtp may free or grow its strings at any time.
 */
#ifndef TLSIPS_HTTP_INT_H
#define TLSIPS_HTTP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <htp/htp.h>
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
	/* Bytes libhtp left unconsumed while it waits for the other direction
	 * (CONNECT, early responses); more is dropped as a gap. */
	HTTP_PENDING_MAX = 256 * 1024,
	/* Decompressed output below this never trips the ratio bound: small
	 * repetitive bodies compress far better than 100:1. */
	HTTP_INFLATE_RATIO_FLOOR = 64 * 1024,
	/* Compressed bytes remembered from a body's start, so a stream that is not
	 * compressed after all can be re-read raw (or as raw deflate). */
	HTTP_INFLATE_HEAD = 16,
	/* Output step of one inflate call. */
	HTTP_INFLATE_STEP = 16 * 1024,
};

/* Where a derived string lies in a side's text arena. */
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
	struct buf text;           /* derived strings; spans index into it */
	struct buf raw;            /* header bytes as sent, up to header_bytes */
	struct buf body;           /* decoded body, up to the body limit */
	uint64_t body_len;         /* body bytes seen (see http_body.c) */
	uint64_t start;            /* stream offset of the message's first byte */
	uint64_t z_in;             /* compressed bytes given to inflate */
	uint8_t z_head[HTTP_INFLATE_HEAD];
	enum http_zmode z;
	bool z_raw_tried;          /* raw deflate retried after a zlib header failed */
	bool started;              /* the message began */
	bool headers_done;         /* buffers of this side are built */
	bool reported;             /* the sink saw this side */
	bool chunked;              /* chunked when its headers were read */
	uint32_t anom;             /* HTTP_ANOM_* found while parsing this side */
};

struct http_conn;

struct http_tx {
	struct http_tx *prev, *next; /* conn's live list, oldest first */
	struct http_conn *c;
	htp_tx_t *htx;               /* libhtp's transaction; NULL once it is gone */
	uint64_t htx_flags_req;      /* libhtp flags when the request side was reported */
	struct http_txn txn;         /* what the sink sees; views filled at report time */
	struct http_span span[HTTP_BUF_COUNT];
	struct http_side side[HTTP_DIRS];
	bool no_request;             /* a response libhtp could not match to a request */
	bool evicted;                /* buffers dropped by HTTP_LIVE_MAX */
};

struct http_engine {
	htp_cfg_t *cfg;
	struct http_limits lim;
	struct http_sink sink;
	struct http_stats stats;
};

struct http_conn {
	struct http_engine *he;
	htp_connp_t *connp;
	void *flow_ctx;
	struct http_tx *head, *tail; /* live transactions, oldest first */
	struct http_tx *evict_next;  /* oldest live transaction still holding buffers */
	uint32_t kept;               /* live transactions holding buffers */
	struct http_tx *pool;        /* released transactions, singly linked by next */
	uint32_t pool_len;
	uint64_t ntx;                /* transactions started */
	uint64_t fed[HTTP_DIRS];     /* bytes handed to libhtp before the current call */
	struct buf pending[HTTP_DIRS];
	z_stream zs[HTTP_DIRS];      /* one inflater per direction, reset per body */
	bool zs_init[HTTP_DIRS];
	bool dead[HTTP_DIRS];        /* gap, error or limit: direction no longer parsed */
	bool over_limit;             /* txns_per_conn reached */
	bool ending;                 /* inside http_conn_end */
	uint32_t sticky;             /* anomalies every later transaction carries (GAP) */
	htp_time_t now;
};

/* http_engine.c: the libhtp hooks find their conn through these. */
struct http_conn *http_conn_of(const htp_tx_t *htx);
struct http_tx *http_tx_of(const htp_tx_t *htx);

/* http_conn.c */
struct http_tx *http_tx_start(struct http_conn *c, htp_tx_t *htx);
void http_tx_release(struct http_conn *c, struct http_tx *t);
void http_tx_report(struct http_conn *c, struct http_tx *t, enum http_dir dir);
void http_anom_add(struct http_conn *c, struct http_tx *t, enum http_dir dir, uint32_t bits);
uint64_t http_stream_pos(const struct http_conn *c, enum http_dir dir);

/* http_txn.c: builds a side's buffers from libhtp's parsed message. */
void http_txn_build_request(struct http_conn *c, struct http_tx *t);
void http_txn_build_response(struct http_conn *c, struct http_tx *t);
/* Anomalies readable from libhtp's flags for one direction. */
uint32_t http_txn_flags_anom(uint64_t flags, enum http_dir dir);
/* Checks on the raw URI libhtp does not make: traversal, double encoding. */
uint32_t http_uri_check(const uint8_t *raw, size_t len);
/* Appends s percent-decoded once to b; returns HTTP_ANOM_URI_BAD_ENCODING bits. */
uint32_t http_uri_decode_append(struct buf *b, const uint8_t *s, size_t len);

/* http_body.c */
void http_body_begin(struct http_conn *c, struct http_tx *t, enum http_dir dir,
		     const uint8_t *ce, size_t ce_len);
void http_body_data(struct http_conn *c, struct http_tx *t, enum http_dir dir,
		    const uint8_t *data, size_t len);
/* The body of one side ended (libhtp's last, empty body call). */
void http_body_end(struct http_conn *c, struct http_tx *t, enum http_dir dir);
void http_body_end_conn(struct http_conn *c);

#endif
