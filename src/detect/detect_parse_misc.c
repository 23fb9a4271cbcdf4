/*
 * detect_parse_misc: options that are not conditions on bytes.
 *
 *   msg:"text"; sid:N; rev:N; gid:N; classtype:NAME; priority:1..255;
 *   reference:TYPE,VALUE; metadata:...; target:src_ip|dest_ip;
 *   flow:established|not_established|stateless|to_server|to_client|
 *        from_server|from_client|only_stream|no_stream[,...];
 *   flowbits:set|unset|toggle|isset|isnotset,NAME[&NAME...|NAME|NAME...];
 *   flowbits:noalert; noalert;
 *   threshold:type limit|threshold|both,track by_src|by_dst|by_rule|by_both,
 *             count N,seconds N;   detection_filter: the same without type.
 */
#include <stdlib.h>
#include <string.h>

#include "detect/detect_parse.h"

enum detect_parse_status
detect_parse_msg(struct detect_pstate *ps, const char *v, size_t len)
{
	const char *in;
	size_t inlen;
	if (ps->have_msg)
		return detect_parse_err(ps, "msg given twice");
	enum detect_parse_status st = detect_parse_quoted(ps, v, len, false, &in, &inlen, NULL);
	if (st == DETECT_PARSE_OK && memchr(in, '\0', inlen))
		st = detect_parse_err(ps, "msg contains a NUL byte");
	if (st == DETECT_PARSE_OK)
		st = detect_parse_unescape(ps, in, inlen, &ps->r->msg);
	ps->have_msg = st == DETECT_PARSE_OK;
	return st;
}

static enum detect_parse_status
detect_parse_u32_once(struct detect_pstate *ps, const char *v, size_t len, bool *seen,
		      uint32_t min, uint32_t *out)
{
	uint64_t n;
	if (*seen)
		return detect_parse_err(ps, "%s given twice", ps->kw);
	if (detect_parse_u64(ps, "number", v, len, min, UINT32_MAX, &n) != 0)
		return DETECT_PARSE_ERROR;
	*out = (uint32_t)n;
	*seen = true;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_sid(struct detect_pstate *ps, const char *v, size_t len)
{
	return detect_parse_u32_once(ps, v, len, &ps->have_sid, 1, &ps->r->sid);
}

enum detect_parse_status
detect_parse_rev(struct detect_pstate *ps, const char *v, size_t len)
{
	return detect_parse_u32_once(ps, v, len, &ps->have_rev, 0, &ps->r->rev);
}

enum detect_parse_status
detect_parse_gid(struct detect_pstate *ps, const char *v, size_t len)
{
	return detect_parse_u32_once(ps, v, len, &ps->have_gid, 0, &ps->r->gid);
}

enum detect_parse_status
detect_parse_priority(struct detect_pstate *ps, const char *v, size_t len)
{
	if (ps->have_priority)
		return detect_parse_err(ps, "priority given twice");
	uint64_t n;
	if (detect_parse_u64(ps, "priority", v, len, 1, 255, &n) != 0)
		return DETECT_PARSE_ERROR;
	ps->r->priority = (uint32_t)n;
	ps->have_priority = true;
	return DETECT_PARSE_OK;
}

static bool
detect_parse_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

static enum detect_parse_status
detect_parse_name_dup(struct detect_pstate *ps, const char *what, const char *s, size_t len,
		      char **out)
{
	detect_parse_trim(&s, &len);
	if (len == 0 || len > DETECT_PARSE_NAME_MAX)
		return detect_parse_err(ps, "%s: %s must be 1..%d characters", ps->kw, what,
					DETECT_PARSE_NAME_MAX);
	for (size_t i = 0; i < len; i++)
		if (!detect_parse_name_char(s[i]))
			return detect_parse_err(ps, "%s: bad character in %s '%.*s'", ps->kw, what,
						(int)len, s);
	char *d = malloc(len + 1);
	if (!d)
		return detect_parse_err(ps, "out of memory");
	memcpy(d, s, len);
	d[len] = '\0';
	*out = d;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_classtype(struct detect_pstate *ps, const char *v, size_t len)
{
	if (ps->have_classtype)
		return detect_parse_err(ps, "classtype given twice");
	enum detect_parse_status st = detect_parse_name_dup(ps, "name", v, len, &ps->r->classtype);
	ps->have_classtype = st == DETECT_PARSE_OK;
	return st;
}

/* References only name documents; the form is checked, the value not kept. */
enum detect_parse_status
detect_parse_reference(struct detect_pstate *ps, const char *v, size_t len)
{
	const char *comma = memchr(v, ',', len);
	if (!comma || comma == v || (size_t)(comma - v) + 1 == len)
		return detect_parse_err(ps, "reference must be TYPE,VALUE");
	return DETECT_PARSE_OK;
}

/* Metadata is free-form key/value text for people and SIEMs: accepted, not kept. */
enum detect_parse_status
detect_parse_metadata(struct detect_pstate *ps, const char *v, size_t len)
{
	(void)ps, (void)v, (void)len;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_ignored(struct detect_pstate *ps, const char *v, size_t len)
{
	(void)ps, (void)v, (void)len;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_target(struct detect_pstate *ps, const char *v, size_t len)
{
	detect_parse_trim(&v, &len);
	if (ps->have_target)
		return detect_parse_err(ps, "target given twice");
	if (!detect_parse_is(v, len, "src_ip") && !detect_parse_is(v, len, "dest_ip"))
		return detect_parse_err(ps, "target must be src_ip or dest_ip");
	ps->have_target = true;
	return detect_parse_name_dup(ps, "target", v, len, &ps->r->target);
}

static enum detect_parse_status
detect_parse_flow_dir(struct detect_pstate *ps, enum detect_dir dir)
{
	if (ps->r->dir != DETECT_DIR_ANY && ps->r->dir != dir)
		return detect_parse_err(ps, "flow names both directions");
	ps->r->dir = dir;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_flow(struct detect_pstate *ps, const char *v, size_t len)
{
	if (ps->have_flow)
		return detect_parse_err(ps, "flow given twice");
	ps->have_flow = true;
	const char *f;
	size_t fl;
	while (detect_parse_field(&v, &len, &f, &fl)) {
		enum detect_parse_status st = DETECT_PARSE_OK;
		if (detect_parse_is(f, fl, "established"))
			ps->r->established = true;
		else if (detect_parse_is(f, fl, "stateless"))
			ps->r->established = false;
		else if (detect_parse_is(f, fl, "to_server") || detect_parse_is(f, fl, "from_client"))
			st = detect_parse_flow_dir(ps, DETECT_DIR_TO_SERVER);
		else if (detect_parse_is(f, fl, "to_client") || detect_parse_is(f, fl, "from_server"))
			st = detect_parse_flow_dir(ps, DETECT_DIR_TO_CLIENT);
		else if (detect_parse_is(f, fl, "only_stream"))
			; /* tlsips inspects reassembled streams only */
		else if (detect_parse_is(f, fl, "not_established") ||
			 detect_parse_is(f, fl, "no_stream"))
			/* Data before the handshake and single packets never reach detect. */
			st = detect_parse_skip(ps, "flow", "flow:%.*s is not supported", (int)fl, f);
		else
			st = detect_parse_err(ps, "flow: unknown option '%.*s'",
					      (int)(fl > 32 ? 32 : fl), f);
		if (st != DETECT_PARSE_OK)
			return st;
	}
	return DETECT_PARSE_OK;
}

static struct detect_flowbit *
detect_parse_flowbit_new(struct detect_pstate *ps)
{
	struct detect_rule *r = ps->r;
	if (r->n_flowbits >= DETECT_PARSE_FLOWBITS_MAX) {
		detect_parse_err(ps, "more than %d flowbits in one rule", DETECT_PARSE_FLOWBITS_MAX);
		return NULL;
	}
	if (r->n_flowbits == ps->cap_flowbits) {
		uint32_t cap = ps->cap_flowbits ? ps->cap_flowbits * 2 : 4;
		struct detect_flowbit *fb = realloc(r->flowbits, cap * sizeof(*fb));
		if (!fb) {
			detect_parse_err(ps, "out of memory");
			return NULL;
		}
		r->flowbits = fb;
		ps->cap_flowbits = cap;
	}
	struct detect_flowbit *fb = &r->flowbits[r->n_flowbits];
	memset(fb, 0, sizeof(*fb));
	return fb;
}

enum detect_parse_status
detect_parse_noalert(struct detect_pstate *ps, const char *v, size_t len)
{
	(void)v, (void)len;
	struct detect_flowbit *fb = detect_parse_flowbit_new(ps);
	if (!fb)
		return DETECT_PARSE_ERROR;
	fb->op = DETECT_FLOWBIT_NOALERT;
	ps->r->n_flowbits++;
	return DETECT_PARSE_OK;
}

static const struct {
	const char *name;
	enum detect_flowbit_op op;
} detect_flowbit_ops[] = {
	{ "set", DETECT_FLOWBIT_SET },	     { "unset", DETECT_FLOWBIT_UNSET },
	{ "toggle", DETECT_FLOWBIT_TOGGLE }, { "isset", DETECT_FLOWBIT_ISSET },
	{ "isnotset", DETECT_FLOWBIT_ISNOTSET },
};

/* "a&b&c" or "a|b|c" (not mixed) into fb->names; fb is counted by the caller. */
static enum detect_parse_status
detect_parse_flowbit_names(struct detect_pstate *ps, struct detect_flowbit *fb, const char *s,
			   size_t len)
{
	bool amp = memchr(s, '&', len) != NULL, bar = memchr(s, '|', len) != NULL;
	if (amp && bar)
		return detect_parse_err(ps, "flowbits cannot mix '&' and '|'");
	if (bar && fb->op != DETECT_FLOWBIT_ISSET && fb->op != DETECT_FLOWBIT_ISNOTSET)
		return detect_parse_err(ps, "flowbits: '|' only with isset or isnotset");
	fb->any_of = bar;
	char sep = bar ? '|' : '&';
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != sep)
			continue;
		if (fb->n_names >= DETECT_FLOWBIT_NAMES)
			return detect_parse_err(ps, "more than %d flowbit names", DETECT_FLOWBIT_NAMES);
		char *name;
		if (detect_parse_name_dup(ps, "name", s + start, i - start, &name) != 0)
			return DETECT_PARSE_ERROR;
		fb->names[fb->n_names++] = name;
		start = i + 1;
	}
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_flowbits(struct detect_pstate *ps, const char *v, size_t len)
{
	const char *f;
	size_t fl;
	detect_parse_field(&v, &len, &f, &fl);
	if (detect_parse_is(f, fl, "noalert")) {
		if (v)
			return detect_parse_err(ps, "flowbits:noalert takes no name");
		return detect_parse_noalert(ps, NULL, 0);
	}
	size_t nops = sizeof(detect_flowbit_ops) / sizeof(detect_flowbit_ops[0]);
	size_t k = 0;
	while (k < nops && !detect_parse_is(f, fl, detect_flowbit_ops[k].name))
		k++;
	if (k == nops)
		return detect_parse_err(ps, "flowbits: unknown operation '%.*s'",
					(int)(fl > 32 ? 32 : fl), f);
	if (!v)
		return detect_parse_err(ps, "flowbits:%s needs a name", detect_flowbit_ops[k].name);
	detect_parse_trim(&v, &len);
	struct detect_flowbit *fb = detect_parse_flowbit_new(ps);
	if (!fb)
		return DETECT_PARSE_ERROR;
	fb->op = detect_flowbit_ops[k].op;
	/* Count it first so the names are freed with the rule on any error. */
	ps->r->n_flowbits++;
	return detect_parse_flowbit_names(ps, fb, v, len);
}

/* threshold and detection_filter: "key value" pairs in any order. */
static enum detect_parse_status
detect_parse_thr(struct detect_pstate *ps, const char *v, size_t len, bool need_type)
{
	struct detect_threshold t = { DETECT_THR_NONE, DETECT_TRACK_BY_SRC, 0, 0 };
	bool have_track = false, have_count = false, have_seconds = false;
	const char *f;
	size_t fl;
	if (ps->have_threshold)
		return detect_parse_err(ps, "only one threshold or detection_filter per rule");
	if (!need_type)
		t.type = DETECT_THR_DETECTION_FILTER;
	while (detect_parse_field(&v, &len, &f, &fl)) {
		const char *sp = memchr(f, ' ', fl);
		if (!sp)
			return detect_parse_err(ps, "%s: expected 'key value', not '%.*s'", ps->kw,
						(int)(fl > 32 ? 32 : fl), f);
		size_t kl = (size_t)(sp - f);
		const char *val = sp + 1;
		size_t vl = fl - kl - 1;
		detect_parse_trim(&val, &vl);
		uint64_t n;
		if (need_type && detect_parse_is(f, kl, "type")) {
			t.type = detect_parse_is(val, vl, "limit")     ? DETECT_THR_LIMIT :
				 detect_parse_is(val, vl, "threshold") ? DETECT_THR_THRESHOLD :
				 detect_parse_is(val, vl, "both")      ? DETECT_THR_BOTH :
									 DETECT_THR_NONE;
			if (t.type == DETECT_THR_NONE)
				return detect_parse_err(ps, "threshold: unknown type");
		} else if (detect_parse_is(f, kl, "track")) {
			have_track = true;
			if (detect_parse_is(val, vl, "by_src"))
				t.track = DETECT_TRACK_BY_SRC;
			else if (detect_parse_is(val, vl, "by_dst"))
				t.track = DETECT_TRACK_BY_DST;
			else if (detect_parse_is(val, vl, "by_rule"))
				t.track = DETECT_TRACK_BY_RULE;
			else if (detect_parse_is(val, vl, "by_both"))
				t.track = DETECT_TRACK_BY_BOTH;
			else
				return detect_parse_err(ps, "%s: unknown track", ps->kw);
		} else if (detect_parse_is(f, kl, "count")) {
			if (detect_parse_u64(ps, "count", val, vl, 1, UINT32_MAX, &n) != 0)
				return DETECT_PARSE_ERROR;
			t.count = (uint32_t)n;
			have_count = true;
		} else if (detect_parse_is(f, kl, "seconds")) {
			if (detect_parse_u64(ps, "seconds", val, vl, 1, UINT32_MAX, &n) != 0)
				return DETECT_PARSE_ERROR;
			t.seconds = (uint32_t)n;
			have_seconds = true;
		} else {
			return detect_parse_err(ps, "%s: unknown key '%.*s'", ps->kw,
						(int)(kl > 32 ? 32 : kl), f);
		}
	}
	if (t.type == DETECT_THR_NONE || !have_track || !have_count || !have_seconds)
		return detect_parse_err(ps, "%s needs %strack, count and seconds", ps->kw,
					need_type ? "type, " : "");
	ps->r->threshold = t;
	ps->have_threshold = true;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_threshold(struct detect_pstate *ps, const char *v, size_t len)
{
	return detect_parse_thr(ps, v, len, true);
}

enum detect_parse_status
detect_parse_detection_filter(struct detect_pstate *ps, const char *v, size_t len)
{
	return detect_parse_thr(ps, v, len, false);
}
