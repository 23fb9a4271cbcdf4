/*
 * detect_parse: one Suricata rule from text to struct detect_rule.
 *
 *   action proto src_addr src_port ->|<> dst_addr dst_port (kw[:value]; ...)
 *
 * The header is split on blanks outside brackets; addresses and ports go
 * through net_set with the rule variables. Options are "keyword;" or
 * "keyword:value;", where a value ends at the first ';' not escaped by a
 * backslash (quotes do not protect it, as in Suricata). Each keyword is a row
 * of detect_parse_keywords; sticky buffers and legacy HTTP modifiers come
 * from detect_parse_http.c; anything else is a keyword tlsips does not
 * support and the rule is skipped, naming it. Protocols other than
 * http/http1/tcp(-pkt,-stream)/ip/any/tls are skipped the same way, named
 * by the protocol.
 */
#include <stdlib.h>
#include <string.h>

#include "detect/detect_parse.h"

enum detect_kw_value {
	DETECT_KW_NONE = 0,  /* "kw;" only */
	DETECT_KW_REQUIRED,  /* "kw:value;" only */
	DETECT_KW_OPTIONAL,
};

struct detect_kw {
	const char *name;
	detect_parse_kw_fn fn;
	enum detect_kw_value value;
};

static const struct detect_kw detect_parse_keywords[] = {
	{ "msg", detect_parse_msg, DETECT_KW_REQUIRED },
	{ "sid", detect_parse_sid, DETECT_KW_REQUIRED },
	{ "rev", detect_parse_rev, DETECT_KW_REQUIRED },
	{ "gid", detect_parse_gid, DETECT_KW_REQUIRED },
	{ "classtype", detect_parse_classtype, DETECT_KW_REQUIRED },
	{ "priority", detect_parse_priority, DETECT_KW_REQUIRED },
	{ "reference", detect_parse_reference, DETECT_KW_REQUIRED },
	{ "metadata", detect_parse_metadata, DETECT_KW_REQUIRED },
	{ "target", detect_parse_target, DETECT_KW_REQUIRED },
	{ "flow", detect_parse_flow, DETECT_KW_REQUIRED },
	{ "flowbits", detect_parse_flowbits, DETECT_KW_REQUIRED },
	{ "noalert", detect_parse_noalert, DETECT_KW_NONE },
	{ "threshold", detect_parse_threshold, DETECT_KW_REQUIRED },
	{ "detection_filter", detect_parse_detection_filter, DETECT_KW_REQUIRED },
	{ "content", detect_parse_content, DETECT_KW_REQUIRED },
	{ "nocase", detect_parse_nocase, DETECT_KW_NONE },
	{ "depth", detect_parse_depth, DETECT_KW_REQUIRED },
	{ "offset", detect_parse_offset, DETECT_KW_REQUIRED },
	{ "distance", detect_parse_distance, DETECT_KW_REQUIRED },
	{ "within", detect_parse_within, DETECT_KW_REQUIRED },
	{ "fast_pattern", detect_parse_fast_pattern, DETECT_KW_OPTIONAL },
	{ "startswith", detect_parse_startswith, DETECT_KW_NONE },
	{ "endswith", detect_parse_endswith, DETECT_KW_NONE },
	{ "rawbytes", detect_parse_rawbytes, DETECT_KW_NONE },
	{ "pcre", detect_parse_pcre, DETECT_KW_REQUIRED },
	{ "isdataat", detect_parse_isdataat, DETECT_KW_REQUIRED },
	{ "bsize", detect_parse_bsize, DETECT_KW_REQUIRED },
	{ "urilen", detect_parse_urilen, DETECT_KW_REQUIRED },
	{ "byte_test", detect_parse_byte_test, DETECT_KW_REQUIRED },
	{ "byte_jump", detect_parse_byte_jump, DETECT_KW_REQUIRED },
	/* Only changes what is logged around an alert, never whether it fires. */
	{ "tag", detect_parse_ignored, DETECT_KW_OPTIONAL },
};

struct detect_action_row {
	const char *name;
	enum detect_action action;
};

static const struct detect_action_row detect_parse_actions[] = {
	{ "alert", DETECT_ACTION_ALERT },       { "drop", DETECT_ACTION_DROP },
	{ "reject", DETECT_ACTION_REJECT },     { "rejectsrc", DETECT_ACTION_REJECT },
	{ "rejectdst", DETECT_ACTION_REJECT },  { "rejectboth", DETECT_ACTION_REJECT },
	{ "pass", DETECT_ACTION_PASS },
};

struct detect_proto_row {
	const char *name;
	uint8_t proto;
};

static const struct detect_proto_row detect_parse_protos[] = {
	{ "http", DETECT_PROTO_HTTP }, { "http1", DETECT_PROTO_HTTP }, { "tcp", DETECT_PROTO_TCP },
	{ "ip", DETECT_PROTO_IP },     { "any", DETECT_PROTO_IP },    { "tls", DETECT_PROTO_TLS },
	/* Packet-only and stream-only TCP rules: tlsips inspects reassembled
	 * payload, which holds every packet's bytes in order. */
	{ "tcp-pkt", DETECT_PROTO_TCP }, { "tcp-stream", DETECT_PROTO_TCP },
};

#define DETECT_NROWS(a) (sizeof(a) / sizeof((a)[0]))

static const char *
detect_parse_var(const struct detect_var *tab, uint32_t n, const char *name, size_t len)
{
	for (uint32_t i = 0; i < n; i++)
		if (strlen(tab[i].name) == len && memcmp(tab[i].name, name, len) == 0)
			return tab[i].value;
	return NULL;
}

static const char *
detect_parse_addr_var(void *ctx, const char *name, size_t len)
{
	const struct detect_vars *v = ctx;
	return detect_parse_var(v->addr, v->n_addr, name, len);
}

static const char *
detect_parse_port_var(void *ctx, const char *name, size_t len)
{
	const struct detect_vars *v = ctx;
	return detect_parse_var(v->port, v->n_port, name, len);
}

/* Splits the header into at most n fields on blanks outside brackets. */
static size_t
detect_parse_header_fields(const char *s, size_t len, const char **f, size_t *flen, size_t n)
{
	size_t count = 0, i = 0;
	while (i < len) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == len)
			break;
		size_t start = i;
		int level = 0;
		while (i < len && (level > 0 || (s[i] != ' ' && s[i] != '\t'))) {
			level += s[i] == '[' ? 1 : s[i] == ']' ? -1 : 0;
			i++;
		}
		if (count < n) {
			f[count] = s + start;
			flen[count] = i - start;
		}
		count++;
	}
	return count;
}

static enum detect_parse_status
detect_parse_addr(struct detect_pstate *ps, const char *what, const char *s, size_t len,
		  struct net_ip_set *out)
{
	char err[160];
	void *ctx = (void *)ps->vars;
	if (net_ip_set_parse(s, len, ps->vars ? detect_parse_addr_var : NULL, ctx, out, err,
			     sizeof(err)) != 0)
		return detect_parse_err(ps, "%s address: %s", what, err);
	return DETECT_PARSE_OK;
}

static enum detect_parse_status
detect_parse_port(struct detect_pstate *ps, const char *what, const char *s, size_t len,
		  struct net_port_set *out)
{
	char err[160];
	void *ctx = (void *)ps->vars;
	if (net_port_set_parse(s, len, ps->vars ? detect_parse_port_var : NULL, ctx, out, err,
			       sizeof(err)) != 0)
		return detect_parse_err(ps, "%s port: %s", what, err);
	return DETECT_PARSE_OK;
}

static enum detect_parse_status
detect_parse_header(struct detect_pstate *ps, const char *s, size_t len)
{
	const char *f[7];
	size_t fl[7];
	size_t n = detect_parse_header_fields(s, len, f, fl, 7);
	if (n == 0)
		return detect_parse_err(ps, "empty rule header");
	bool found = false;
	for (size_t i = 0; i < DETECT_NROWS(detect_parse_actions) && !found; i++)
		if (detect_parse_is(f[0], fl[0], detect_parse_actions[i].name)) {
			ps->r->action = detect_parse_actions[i].action;
			found = true;
		}
	if (!found)
		return detect_parse_err(ps, "unknown action '%.*s'", (int)(fl[0] > 32 ? 32 : fl[0]),
					f[0]);
	if (n != 7)
		return detect_parse_err(ps, "rule header has %zu fields, expected 7 "
					    "(action proto src port -> dst port)", n);
	found = false;
	for (size_t i = 0; i < DETECT_NROWS(detect_parse_protos) && !found; i++)
		if (detect_parse_is(f[1], fl[1], detect_parse_protos[i].name)) {
			ps->r->proto = detect_parse_protos[i].proto;
			found = true;
		}
	if (!found) {
		char name[48];
		size_t nl = fl[1] < sizeof(name) ? fl[1] : sizeof(name) - 1;
		memcpy(name, f[1], nl);
		name[nl] = '\0';
		return detect_parse_skip(ps, name, "protocol '%s' is not supported", name);
	}
	if (detect_parse_is(f[4], fl[4], "<>"))
		ps->r->bidirectional = true;
	else if (!detect_parse_is(f[4], fl[4], "->"))
		return detect_parse_err(ps, "bad direction '%.*s' (expected -> or <>)",
					(int)(fl[4] > 8 ? 8 : fl[4]), f[4]);
	enum detect_parse_status st;
	if ((st = detect_parse_addr(ps, "source", f[2], fl[2], &ps->r->src_ip)) != DETECT_PARSE_OK ||
	    (st = detect_parse_port(ps, "source", f[3], fl[3], &ps->r->src_port)) != DETECT_PARSE_OK ||
	    (st = detect_parse_addr(ps, "destination", f[5], fl[5], &ps->r->dst_ip)) !=
		    DETECT_PARSE_OK ||
	    (st = detect_parse_port(ps, "destination", f[6], fl[6], &ps->r->dst_port)) !=
		    DETECT_PARSE_OK)
		return st;
	return DETECT_PARSE_OK;
}

static bool
detect_parse_kw_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* Runs one "keyword[:value]" through its handler. */
static enum detect_parse_status
detect_parse_option(struct detect_pstate *ps, const char *kw, size_t kwlen, const char *v,
		    size_t vlen)
{
	char name[48];
	size_t nl = kwlen < sizeof(name) ? kwlen : sizeof(name) - 1;
	memcpy(name, kw, nl);
	name[nl] = '\0';
	ps->kw = name;
	for (size_t i = 0; i < kwlen; i++)
		if (!detect_parse_kw_char(kw[i]))
			return detect_parse_err(ps, "bad keyword '%s'", name);
	for (size_t i = 0; i < DETECT_NROWS(detect_parse_keywords); i++) {
		const struct detect_kw *k = &detect_parse_keywords[i];
		if (!detect_parse_is(kw, kwlen, k->name))
			continue;
		if (k->value == DETECT_KW_NONE && v)
			return detect_parse_err(ps, "%s takes no value", name);
		if (k->value == DETECT_KW_REQUIRED && !v)
			return detect_parse_err(ps, "%s needs a value", name);
		return k->fn(ps, v, vlen);
	}
	detect_parse_kw_fn fn = detect_parse_http_lookup(kw, kwlen);
	if (fn)
		return fn(ps, v, vlen);
	return detect_parse_skip(ps, name, "unsupported keyword '%s'", name);
}

static enum detect_parse_status
detect_parse_options(struct detect_pstate *ps, const char *s, size_t len)
{
	size_t i = 0;
	for (;;) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == len)
			return DETECT_PARSE_OK;
		size_t kstart = i;
		while (i < len && s[i] != ':' && s[i] != ';')
			i++;
		const char *kw = s + kstart;
		size_t kwlen = i - kstart;
		detect_parse_trim(&kw, &kwlen);
		ps->kw = NULL;
		if (kwlen == 0)
			return detect_parse_err(ps, "empty option at offset %zu of the options", kstart);
		if (i == len)
			return detect_parse_err(ps, "option '%.*s' is not terminated by ';'",
						(int)(kwlen > 40 ? 40 : kwlen), kw);
		const char *v = NULL;
		size_t vlen = 0;
		if (s[i] == ':') {
			size_t vstart = ++i;
			while (i < len && s[i] != ';')
				i += s[i] == '\\' ? 2 : 1;
			if (i >= len)
				return detect_parse_err(ps, "option '%.*s' is not terminated by ';'",
							(int)(kwlen > 40 ? 40 : kwlen), kw);
			v = s + vstart;
			vlen = i - vstart;
		}
		i++; /* the ';' */
		enum detect_parse_status st = detect_parse_option(ps, kw, kwlen, v, vlen);
		ps->kw = NULL;
		if (st != DETECT_PARSE_OK)
			return st;
	}
}

static uint32_t
detect_parse_class_priority(const struct detect_pstate *ps, const char *name)
{
	if (ps->classes) {
		for (uint32_t i = 0; i < ps->n_classes; i++)
			if (strcmp(ps->classes[i].name, name) == 0)
				return ps->classes[i].priority;
		return 3;
	}
	for (uint32_t i = 0; i < detect_class_builtin_count; i++)
		if (strcmp(detect_class_builtin[i].name, name) == 0)
			return detect_class_builtin[i].priority;
	return 3;
}

/* Splits text into header and options, checks the framing, runs both. */
static enum detect_parse_status
detect_parse_text(struct detect_pstate *ps, const char *text, size_t len)
{
	if (len > DETECT_PARSE_TEXT_MAX)
		return detect_parse_err(ps, "rule is longer than %d bytes", DETECT_PARSE_TEXT_MAX);
	const char *open = memchr(text, '(', len);
	if (!open)
		return detect_parse_err(ps, "rule has no options: '(' not found");
	size_t end = len;
	while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r' ||
			   text[end - 1] == '\n'))
		end--;
	if (text[end - 1] != ')' || text + end - 1 == open)
		return detect_parse_err(ps, "rule does not end with ')'");
	enum detect_parse_status st = detect_parse_header(ps, text, (size_t)(open - text));
	if (st != DETECT_PARSE_OK)
		return st;
	size_t obeg = (size_t)(open - text) + 1;
	st = detect_parse_options(ps, text + obeg, end - 1 - obeg);
	if (st != DETECT_PARSE_OK)
		return st;
	if (!ps->have_sid)
		return detect_parse_err(ps, "rule has no sid");
	st = detect_parse_resolve(ps);
	if (st != DETECT_PARSE_OK)
		return st;
	if (!ps->have_priority)
		ps->r->priority =
			ps->r->classtype ? detect_parse_class_priority(ps, ps->r->classtype) : 3;
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_rule_classes(const char *text, size_t len, const struct detect_vars *vars,
			  const struct detect_classtype *classes, uint32_t n_classes,
			  struct detect_rule *out, struct detect_parse_diag *diag)
{
	struct detect_parse_diag scratch;
	if (!diag)
		diag = &scratch;
	memset(diag, 0, sizeof(*diag));
	memset(out, 0, sizeof(*out));
	out->gid = 1;
	out->priority = 3;
	net_ip_set_any(&out->src_ip);
	net_ip_set_any(&out->dst_ip);
	net_port_set_any(&out->src_port);
	net_port_set_any(&out->dst_port);
	struct detect_pstate ps;
	memset(&ps, 0, sizeof(ps));
	ps.r = out;
	ps.vars = vars;
	ps.diag = diag;
	ps.classes = classes;
	ps.n_classes = n_classes;
	ps.sticky = DETECT_BUF_STREAM;
	ps.last_content = ps.last_match = -1;
	enum detect_parse_status st = text ? detect_parse_text(&ps, text, len) :
					     detect_parse_err(&ps, "no rule text");
	if (st != DETECT_PARSE_OK) {
		detect_rule_fini(out);
		memset(out, 0, sizeof(*out));
	}
	return st;
}

enum detect_parse_status
detect_parse_rule(const char *text, size_t len, const struct detect_vars *vars,
		  struct detect_rule *out, struct detect_parse_diag *diag)
{
	return detect_parse_rule_classes(text, len, vars, NULL, 0, out, diag);
}
