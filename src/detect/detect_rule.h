/*
 * detect_rule: one parsed rule, the contract between the rule parser
 * (detect_parse.c) and the compiler/matcher (detect_compile.c,
 * detect_match.c).
 *
 * The parser turns Suricata rule text into this form and resolves
 * everything that depends on order or context: sticky buffers and legacy
 * modifiers become a concrete enum http_buf per condition; buffers that
 * exist on both sides (http.header, http.cookie, http.content_type,
 * http.protocol, http.header_names, http.header.raw) become the request or
 * the response buffer by the rule's direction; variables are expanded;
 * flowbit names stay names (the compiler numbers them).
 *
 * Conditions are kept in rule order. Positions of a relative condition
 * (distance, within, pcre /R, isdataat relative) count from the end of the
 * previous content or pcre match of the same buffer, as in Suricata.
 */
#ifndef TLSIPS_DETECT_RULE_H
#define TLSIPS_DETECT_RULE_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "net/net_set.h"

enum detect_action {
	DETECT_ACTION_ALERT = 0,
	DETECT_ACTION_DROP,
	DETECT_ACTION_REJECT,
	DETECT_ACTION_PASS,
};

/* Where a condition looks: an HTTP buffer, or the raw stream of a direction. */
enum {
	DETECT_BUF_STREAM = HTTP_BUF_COUNT, /* reassembled (decrypted) payload, no sticky buffer */
	DETECT_BUF_COUNT
};

enum detect_dir {
	DETECT_DIR_ANY = 0,       /* no flow direction given and no side-specific buffer */
	DETECT_DIR_TO_SERVER,     /* flow:to_server / from_client, or request buffers only */
	DETECT_DIR_TO_CLIENT,     /* flow:to_client / from_server, or any response buffer */
};

enum detect_cond_kind {
	DETECT_COND_CONTENT = 0,
	DETECT_COND_PCRE,
	DETECT_COND_ISDATAAT,
	DETECT_COND_BSIZE,
	DETECT_COND_URILEN,       /* length of HTTP_BUF_URI or HTTP_BUF_URI_RAW (buf says which) */
	DETECT_COND_BYTE_TEST,
	DETECT_COND_BYTE_JUMP,
};

/* Comparison of a number with one or two values: bsize, urilen, byte_test. */
enum detect_cmp {
	DETECT_CMP_EQ = 0,
	DETECT_CMP_LT,
	DETECT_CMP_GT,
	DETECT_CMP_LE,
	DETECT_CMP_GE,
	DETECT_CMP_RANGE,         /* a < x < b ("a<>b"), exclusive as in Suricata */
	DETECT_CMP_NE,
	DETECT_CMP_AND,           /* byte_test & */
	DETECT_CMP_OR,            /* byte_test ^ */
};

struct detect_content {
	uint8_t *pat;             /* owned, after |hex| and escape decoding */
	uint32_t len;
	bool nocase, negated;
	bool startswith, endswith;
	bool has_offset, has_depth, has_distance, has_within;
	int32_t offset, depth, distance, within; /* distance may be negative */
	bool fast_pattern;        /* chosen by the rule writer (fast_pattern;) */
	bool fast_pattern_only;   /* fast_pattern:only; legacy, treated as fast_pattern */
	uint32_t fp_off, fp_len;  /* fast_pattern:off,len: the slice to prefilter on (fp_len 0 = all) */
};

struct detect_pcre {
	char *re;                 /* owned: the pattern between the slashes */
	uint32_t opts;            /* PCRE2_CASELESS | PCRE2_DOTALL | PCRE2_MULTILINE | PCRE2_EXTENDED ... */
	bool negated, relative;   /* !"/x/" ; the R flag */
	void *code;               /* pcre2_code *, set by the compiler */
};

struct detect_num {
	enum detect_cmp cmp;
	uint64_t a, b;
};

struct detect_isdataat {
	uint32_t offset;
	bool relative, negated;
};

struct detect_byte {
	uint8_t nbytes;           /* 1..8 (or up to 23 with string) */
	int32_t offset;
	bool relative, little_endian, string;
	uint8_t base;             /* 10, 16 or 8 when string */
	struct detect_num test;   /* byte_test: compare with test.a */
	int32_t multiplier, post_offset; /* byte_jump */
	bool from_beginning, align;      /* byte_jump */
};

struct detect_cond {
	enum detect_cond_kind kind;
	uint16_t buf;             /* enum http_buf or DETECT_BUF_STREAM */
	union {
		struct detect_content content;
		struct detect_pcre pcre;
		struct detect_isdataat isdataat;
		struct detect_num num;      /* bsize, urilen */
		struct detect_byte byte;
	} u;
};

enum detect_flowbit_op {
	DETECT_FLOWBIT_SET = 0,
	DETECT_FLOWBIT_UNSET,
	DETECT_FLOWBIT_TOGGLE,
	DETECT_FLOWBIT_ISSET,
	DETECT_FLOWBIT_ISNOTSET,
	DETECT_FLOWBIT_NOALERT,
};

enum { DETECT_FLOWBIT_NAMES = 8 };

struct detect_flowbit {
	enum detect_flowbit_op op;
	bool any_of;              /* names joined by '|' (isset: any); '&' or one name: all */
	uint8_t n_names;
	char *names[DETECT_FLOWBIT_NAMES]; /* owned */
	uint32_t ids[DETECT_FLOWBIT_NAMES];/* set by the compiler */
};

enum detect_track {
	DETECT_TRACK_BY_SRC = 0,
	DETECT_TRACK_BY_DST,
	DETECT_TRACK_BY_RULE,
	DETECT_TRACK_BY_BOTH,
};

enum detect_thr_type {
	DETECT_THR_NONE = 0,
	DETECT_THR_LIMIT,         /* alert on the first count per period */
	DETECT_THR_THRESHOLD,     /* alert on every count-th */
	DETECT_THR_BOTH,          /* alert once per period after count */
	DETECT_THR_DETECTION_FILTER, /* alert on every match after count in the period */
};

struct detect_threshold {
	enum detect_thr_type type;
	enum detect_track track;
	uint32_t count, seconds;
};

struct detect_rule {
	/* Header. */
	enum detect_action action;
	uint8_t proto;            /* DETECT_PROTO_* */
	bool bidirectional;       /* "<>" */
	struct net_ip_set src_ip, dst_ip;
	struct net_port_set src_port, dst_port;

	/* Meta. */
	uint32_t sid, rev, gid;
	uint32_t priority;        /* from priority: or the classtype, 3 if neither */
	char *msg;                /* owned, unescaped */
	char *classtype;          /* owned or NULL */
	char *target;             /* "src_ip", "dest_ip" or NULL */

	/* Flow. */
	enum detect_dir dir;
	bool established;         /* flow:established (stateless when false) */

	/* Conditions, in rule order. */
	struct detect_cond *conds; /* owned array */
	uint32_t n_conds;
	struct detect_flowbit *flowbits; /* owned array */
	uint32_t n_flowbits;
	struct detect_threshold threshold;

	/* Where it came from, for messages. */
	const char *file;         /* borrowed: lives as long as the ruleset */
	uint32_t line;            /* first line of the rule */
	bool needs_response;      /* some condition reads a response buffer */
};

enum {
	DETECT_PROTO_IP = 0,      /* ip, any: stream conditions only */
	DETECT_PROTO_TCP,
	DETECT_PROTO_HTTP,        /* http, http1 */
	DETECT_PROTO_TLS,         /* tls: only header-level use; no tls.* buffers yet */
};

/* Frees what the rule owns (not the rule itself). */
void detect_rule_fini(struct detect_rule *r);

#endif
