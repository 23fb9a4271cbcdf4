/*
 * detect_parse: internals shared by the rule parser's files.
 *
 *   detect_parse.c          header, option tokenizer, keyword table, finishing a rule
 *   detect_parse_util.c     diagnostics, condition storage, quoted strings, numbers
 *   detect_parse_content.c  content and its modifiers
 *   detect_parse_pcre.c     pcre
 *   detect_parse_http.c     sticky buffers, legacy modifiers, buffer resolution
 *   detect_parse_byte.c     isdataat, bsize, urilen, byte_test, byte_jump
 *   detect_parse_misc.c     meta options, flow, flowbits, threshold
 *   detect_class.c          the built-in classtype table
 *
 * Every keyword handler returns DETECT_PARSE_OK, or ERROR / SKIPPED after
 * filling the diagnostic; the rule under construction is freed by the caller
 * on any outcome but OK.
 */
#ifndef TLSIPS_DETECT_PARSE_H
#define TLSIPS_DETECT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/detect.h"
#include "detect/detect_int.h"

/*
 * Buffers whose side is known only at the end of the rule (flow may come
 * after the content): stored in cond->buf while parsing, replaced by a
 * concrete enum http_buf in detect_parse_resolve().
 */
enum {
	DETECT_PBUF_HEADERS = DETECT_BUF_COUNT, /* http.header */
	DETECT_PBUF_HEADERS_RAW,                /* http.header.raw */
	DETECT_PBUF_HEADER_NAMES,               /* http.header_names */
	DETECT_PBUF_COOKIE,                     /* http.cookie: Cookie or Set-Cookie */
	DETECT_PBUF_CONTENT_TYPE,               /* http.content_type */
	DETECT_PBUF_PROTOCOL,                   /* http.protocol */
	DETECT_PBUF_BODY,                       /* file.data: request body to_server, else response */
	DETECT_PBUF_END
};

/* Limits of one rule; beyond them the rule is an error, not an allocation. */
enum {
	DETECT_PARSE_TEXT_MAX = 65536,  /* bytes of rule text */
	DETECT_PARSE_CONDS_MAX = 256,   /* conditions per rule */
	DETECT_PARSE_FLOWBITS_MAX = 16, /* flowbits options per rule */
	DETECT_PARSE_POS_MAX = 1 << 20, /* offset, depth, distance, within, isdataat */
	DETECT_PARSE_NAME_MAX = 64,     /* flowbit names */
};

struct detect_pstate {
	struct detect_rule *r;
	const struct detect_vars *vars;
	struct detect_parse_diag *diag;
	const struct detect_classtype *classes;
	uint32_t n_classes;
	uint16_t sticky;        /* buffer of the next condition: DETECT_BUF_STREAM or a (pseudo) buffer */
	int32_t last_content;   /* index of the last content condition, -1 before any */
	int32_t last_match;     /* last content or pcre: what relative options count from */
	uint32_t cap_conds, cap_flowbits;
	bool have_sid, have_rev, have_gid, have_msg, have_flow, have_priority;
	bool have_threshold, have_classtype, have_target;
	const char *kw;         /* keyword being handled, for messages */
};

/* ---- detect_parse_util.c ---- */

enum detect_parse_status detect_parse_err(struct detect_pstate *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
enum detect_parse_status detect_parse_skip(struct detect_pstate *ps, const char *keyword,
					   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A new zeroed condition at the end of the rule (not yet counted); NULL after an error. */
struct detect_cond *detect_parse_cond_new(struct detect_pstate *ps);
/* Counts the condition detect_parse_cond_new returned. */
void detect_parse_cond_commit(struct detect_pstate *ps);

/* Trims blanks at both ends. */
void detect_parse_trim(const char **s, size_t *len);
/* A quoted value's inside ('!' before the quote sets *negated if allowed). */
enum detect_parse_status detect_parse_quoted(struct detect_pstate *ps, const char *v, size_t len,
					     bool allow_neg, const char **out, size_t *out_len,
					     bool *negated);
/* Copies s, a backslash escaping the next character; NUL-terminated, caller frees. */
enum detect_parse_status detect_parse_unescape(struct detect_pstate *ps, const char *s, size_t len,
					       char **out);
/* Next comma-separated field of *s (trimmed); false when none is left. */
bool detect_parse_field(const char **s, size_t *len, const char **out, size_t *out_len);
/* Decimal or 0x hex in [min, max]. */
enum detect_parse_status detect_parse_u64(struct detect_pstate *ps, const char *what, const char *s,
					  size_t len, uint64_t min, uint64_t max, uint64_t *out);
/* Decimal with an optional sign, |value| <= max. */
enum detect_parse_status detect_parse_i32(struct detect_pstate *ps, const char *what, const char *s,
					  size_t len, int32_t max, int32_t *out);
/* True when s[0..len) equals the NUL-terminated word. */
bool detect_parse_is(const char *s, size_t len, const char *word);

/* ---- Keyword handlers: (state, value, value length); value is NULL for "kw;" ---- */

typedef enum detect_parse_status (*detect_parse_kw_fn)(struct detect_pstate *ps, const char *v,
						       size_t len);

enum detect_parse_status detect_parse_content(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_nocase(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_depth(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_offset(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_distance(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_within(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_fast_pattern(struct detect_pstate *ps, const char *v,
						   size_t len);
enum detect_parse_status detect_parse_startswith(struct detect_pstate *ps, const char *v,
						 size_t len);
enum detect_parse_status detect_parse_endswith(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_rawbytes(struct detect_pstate *ps, const char *v, size_t len);

enum detect_parse_status detect_parse_pcre(struct detect_pstate *ps, const char *v, size_t len);

/* Sticky buffer, legacy modifier or skipped HTTP keyword; NULL when kw is none of them. */
detect_parse_kw_fn detect_parse_http_lookup(const char *kw, size_t len);
/* Chooses the direction and makes every pseudo buffer concrete. */
enum detect_parse_status detect_parse_resolve(struct detect_pstate *ps);
/* The keyword name of a (pseudo) buffer, for messages. */
const char *detect_parse_buf_name(uint16_t buf);

enum detect_parse_status detect_parse_isdataat(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_bsize(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_urilen(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_byte_test(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_byte_jump(struct detect_pstate *ps, const char *v, size_t len);

enum detect_parse_status detect_parse_msg(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_sid(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_rev(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_gid(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_classtype(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_priority(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_reference(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_metadata(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_target(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_flow(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_flowbits(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_noalert(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_threshold(struct detect_pstate *ps, const char *v, size_t len);
enum detect_parse_status detect_parse_detection_filter(struct detect_pstate *ps, const char *v,
						       size_t len);
enum detect_parse_status detect_parse_ignored(struct detect_pstate *ps, const char *v, size_t len);

/* ---- The parser with a classtype table (detect_parse.c) ---- */

/* detect_parse_rule, taking priorities from classes (the ruleset's table). */
enum detect_parse_status detect_parse_rule_classes(const char *text, size_t len,
						   const struct detect_vars *vars,
						   const struct detect_classtype *classes,
						   uint32_t n_classes, struct detect_rule *out,
						   struct detect_parse_diag *diag);

/* ---- detect_class.c ---- */

struct detect_class_row {
	const char *name, *description;
	uint32_t priority;
};

extern const struct detect_class_row detect_class_builtin[];
extern const uint32_t detect_class_builtin_count;

#endif
