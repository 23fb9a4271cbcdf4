/*
 * net_set: Suricata address and port sets.
 *
 * Grammar (both kinds; an atom is an address or a port expression):
 *   set   := elem
 *   elem  := '!' elem | '[' elem (',' elem)* ']' | '$' NAME | 'any' | atom
 * Negation flips the polarity of everything under it, so "![a, !b]"
 * excludes a and includes b, the way Suricata folds nested negations. A
 * variable's text is parsed in place with the polarity it is named with.
 * Two limits keep hostile text from recursing without end: list nesting
 * (NET_SET_NEST_MAX) and variable depth (NET_SET_VAR_DEPTH).
 */
#include "net/net_set.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/num.h"

enum { NET_SET_NEST_MAX = 16, NET_SET_ATOM_MAX = 64 };

/* One parse: where results go and how to report. */
struct net_set_ps {
	bool port;                /* port set (else address set) */
	net_set_var_fn vars;
	void *vars_ctx;
	struct net_port_set *ps;
	struct net_ip_set *is;
	bool saw_any;             /* a positive "any" somewhere */
	char *err;
	size_t errlen;
};

static int
net_set_fail(struct net_set_ps *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
net_set_fail(struct net_set_ps *p, const char *fmt, ...)
{
	/* The first (innermost) reason wins: outer frames only pass it up. */
	if (p->err && p->errlen > 0 && p->err[0] == '\0') {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return TLSIPS_ECONFIG;
}

static void
net_set_trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* ---- Ports ---- */

static int
net_set_port_num(struct net_set_ps *p, const char *s, size_t len, uint16_t *out)
{
	uint64_t v;
	if (num_parse_u64(s, len, 0, 65535, &v) != 0) {
		bool digits = len > 0 && len <= 20;
		for (size_t i = 0; i < len && digits; i++)
			digits = s[i] >= '0' && s[i] <= '9';
		if (digits)
			return net_set_fail(p, "port %.*s out of range", (int)len, s);
		return net_set_fail(p, "bad port '%.*s'", (int)(len > 40 ? 40 : len), s);
	}
	*out = (uint16_t)v;
	return 0;
}

/* "80", "1024:", ":1023", "8000:8100". */
static int
net_set_port_atom(struct net_set_ps *p, const char *s, size_t len, bool neg)
{
	struct net_port_range r = { 0, 65535 };
	const char *colon = memchr(s, ':', len);
	if (!colon) {
		if (net_set_port_num(p, s, len, &r.lo) != 0)
			return TLSIPS_ECONFIG;
		r.hi = r.lo;
	} else {
		size_t a = (size_t)(colon - s), b = len - a - 1;
		if (a == 0 && b == 0)
			return net_set_fail(p, "bad port range ':'");
		if (a > 0 && net_set_port_num(p, s, a, &r.lo) != 0)
			return TLSIPS_ECONFIG;
		if (b > 0 && net_set_port_num(p, colon + 1, b, &r.hi) != 0)
			return TLSIPS_ECONFIG;
		if (r.lo > r.hi)
			return net_set_fail(p, "port range %.*s is reversed", (int)len, s);
	}
	struct net_port_set *o = p->ps;
	uint8_t *n = neg ? &o->n_excl : &o->n_incl;
	if (*n >= NET_SET_MAX)
		return net_set_fail(p, "list has more than %d entries", NET_SET_MAX);
	(neg ? o->excl : o->incl)[(*n)++] = r;
	return 0;
}

/* ---- Addresses ---- */

static void
net_set_ip_mask(struct net_ip_range *r, unsigned bits)
{
	unsigned nbytes = r->family == 4 ? 4 : 16;
	for (unsigned i = 0; i < nbytes; i++) {
		unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
		uint8_t m = (uint8_t)(keep == 0 ? 0 : 0xffu << (8 - keep));
		r->lo[i] = (uint8_t)(r->lo[i] & m);
		r->hi[i] = (uint8_t)(r->lo[i] | (uint8_t)~m);
	}
}

/* One address into bytes; family 4 or 6, or 0 when it is neither. */
static uint8_t
net_set_ip_pton(const char *s, size_t len, uint8_t out[16])
{
	char tmp[NET_SET_ATOM_MAX];
	if (len == 0 || len >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memset(out, 0, 16);
	if (inet_pton(AF_INET, tmp, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, tmp, out) == 1)
		return 6;
	return 0;
}

/* Prefix length from "/24" or a dotted IPv4 netmask "/255.255.255.0". */
static int
net_set_ip_prefix(struct net_set_ps *p, uint8_t family, const char *s, size_t len, unsigned *out)
{
	uint64_t v;
	if (num_parse_u64(s, len, 0, family == 4 ? 32 : 128, &v) == 0) {
		*out = (unsigned)v;
		return 0;
	}
	uint8_t m[16];
	if (family == 4 && net_set_ip_pton(s, len, m) == 4) {
		uint32_t x = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
		unsigned bits = 0;
		while (bits < 32 && (x & (0x80000000u >> bits)))
			bits++;
		if (bits == 32 || (x << bits) == 0) {
			*out = bits;
			return 0;
		}
	}
	return net_set_fail(p, "bad prefix length '%.*s'", (int)(len > 40 ? 40 : len), s);
}

/* "192.0.2.1", "10.0.0.0/8", "10.0.0.0/255.0.0.0", "2001:db8::/32", "a-b". */
static int
net_set_ip_atom(struct net_set_ps *p, const char *s, size_t len, bool neg)
{
	struct net_ip_range r;
	memset(&r, 0, sizeof(r));
	const char *slash = memchr(s, '/', len);
	const char *dash = memchr(s, '-', len);
	size_t alen = slash ? (size_t)(slash - s) : dash ? (size_t)(dash - s) : len;
	r.family = net_set_ip_pton(s, alen, r.lo);
	if (r.family == 0)
		return net_set_fail(p, "bad address '%.*s'", (int)(alen > 60 ? 60 : alen), s);
	memcpy(r.hi, r.lo, 16);
	if (slash) {
		unsigned bits = 0;
		if (net_set_ip_prefix(p, r.family, slash + 1, len - alen - 1, &bits) != 0)
			return TLSIPS_ECONFIG;
		net_set_ip_mask(&r, bits);
	} else if (dash) {
		size_t blen = len - alen - 1;
		if (net_set_ip_pton(dash + 1, blen, r.hi) != r.family)
			return net_set_fail(p, "bad address range '%.*s'", (int)(len > 80 ? 80 : len), s);
		if (memcmp(r.lo, r.hi, r.family == 4 ? 4 : 16) > 0)
			return net_set_fail(p, "address range '%.*s' is reversed", (int)(len > 80 ? 80 : len),
					    s);
	}
	struct net_ip_set *o = p->is;
	uint8_t *n = neg ? &o->n_excl : &o->n_incl;
	if (*n >= NET_SET_MAX)
		return net_set_fail(p, "list has more than %d entries", NET_SET_MAX);
	(neg ? o->excl : o->incl)[(*n)++] = r;
	return 0;
}

/* ---- The shared grammar ---- */

static int net_set_elem(struct net_set_ps *p, const char *s, size_t len, bool neg, unsigned nest,
			unsigned depth);

/* "[a, b, ...]" without the brackets: split at top-level commas. */
static int
net_set_list(struct net_set_ps *p, const char *s, size_t len, bool neg, unsigned nest,
	     unsigned depth)
{
	size_t start = 0;
	int level = 0;
	unsigned items = 0;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? s[i] : ',';
		if (c == '[')
			level++;
		else if (c == ']')
			level--;
		if (level < 0)
			return net_set_fail(p, "unbalanced ']'");
		if (c != ',' || level != 0)
			continue;
		const char *e = s + start;
		size_t elen = i - start;
		net_set_trim(&e, &elen);
		if (elen == 0)
			return net_set_fail(p, items == 0 && i == len ? "empty list" : "empty list entry");
		if (net_set_elem(p, e, elen, neg, nest, depth) != 0)
			return TLSIPS_ECONFIG;
		items++;
		start = i + 1;
	}
	if (level != 0)
		return net_set_fail(p, "unbalanced '['");
	return 0;
}

static int
net_set_var(struct net_set_ps *p, const char *name, size_t len, bool neg, unsigned nest,
	    unsigned depth)
{
	if (len == 0)
		return net_set_fail(p, "'$' without a variable name");
	for (size_t i = 0; i < len; i++)
		if (!(name[i] == '_' || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9')))
			return net_set_fail(p, "bad variable name '$%.*s'", (int)(len > 48 ? 48 : len),
					    name);
	const char *val = p->vars ? p->vars(p->vars_ctx, name, len) : NULL;
	if (!val)
		return net_set_fail(p, "unknown variable $%.*s", (int)(len > 48 ? 48 : len), name);
	if (depth + 1 > NET_SET_VAR_DEPTH)
		return net_set_fail(p, "variables nested deeper than %d (a loop?) at $%.*s",
				    NET_SET_VAR_DEPTH, (int)(len > 48 ? 48 : len), name);
	const char *v = val;
	size_t vlen = strlen(val);
	net_set_trim(&v, &vlen);
	if (vlen == 0)
		return net_set_fail(p, "variable $%.*s is empty", (int)(len > 48 ? 48 : len), name);
	return net_set_elem(p, v, vlen, neg, nest, depth + 1);
}

static int
net_set_elem(struct net_set_ps *p, const char *s, size_t len, bool neg, unsigned nest,
	     unsigned depth)
{
	while (len > 0 && s[0] == '!') {
		neg = !neg;
		s++;
		len--;
		net_set_trim(&s, &len);
	}
	if (len == 0)
		return net_set_fail(p, "'!' without anything after it");
	if (s[0] == '[') {
		if (s[len - 1] != ']')
			return net_set_fail(p, "unbalanced '['");
		if (nest + 1 > NET_SET_NEST_MAX)
			return net_set_fail(p, "lists nested deeper than %d", NET_SET_NEST_MAX);
		const char *in = s + 1;
		size_t inlen = len - 2;
		net_set_trim(&in, &inlen);
		if (inlen == 0)
			return net_set_fail(p, "empty list");
		return net_set_list(p, in, inlen, neg, nest + 1, depth);
	}
	if (s[0] == '$')
		return net_set_var(p, s + 1, len - 1, neg, nest, depth);
	if (len == 3 && strncmp(s, "any", 3) == 0) {
		if (neg)
			return net_set_fail(p, "negated 'any' matches nothing");
		p->saw_any = true;
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '[' || s[i] == ']' || s[i] == ' ' || s[i] == '\t')
			return net_set_fail(p, "unexpected '%c' in '%.*s' (lists need brackets)", s[i],
					    (int)(len > 60 ? 60 : len), s);
	return p->port ? net_set_port_atom(p, s, len, neg) : net_set_ip_atom(p, s, len, neg);
}

static int
net_set_run(struct net_set_ps *p, const char *text, size_t len)
{
	if (p->err && p->errlen > 0)
		p->err[0] = '\0';
	net_set_trim(&text, &len);
	if (len == 0)
		return net_set_fail(p, "empty %s", p->port ? "port" : "address");
	return net_set_elem(p, text, len, false, 0, 0);
}

int
net_port_set_parse(const char *text, size_t len, net_set_var_fn vars, void *vars_ctx,
		   struct net_port_set *out, char *err, size_t errlen)
{
	struct net_set_ps p = { true, vars, vars_ctx, out, NULL, false, err, errlen };
	memset(out, 0, sizeof(*out));
	if (net_set_run(&p, text, len) != 0) {
		net_port_set_any(out);
		return TLSIPS_ECONFIG;
	}
	/* A positive "any" swallows the includes; only excludes are left. */
	if (p.saw_any)
		out->n_incl = 0;
	out->any = out->n_incl == 0;
	return 0;
}

int
net_ip_set_parse(const char *text, size_t len, net_set_var_fn vars, void *vars_ctx,
		 struct net_ip_set *out, char *err, size_t errlen)
{
	struct net_set_ps p = { false, vars, vars_ctx, NULL, out, false, err, errlen };
	memset(out, 0, sizeof(*out));
	if (net_set_run(&p, text, len) != 0) {
		net_ip_set_any(out);
		return TLSIPS_ECONFIG;
	}
	if (p.saw_any)
		out->n_incl = 0;
	out->any = out->n_incl == 0;
	return 0;
}

static bool
net_port_in(const struct net_port_range *r, uint8_t n, uint16_t port)
{
	for (uint8_t i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return true;
	return false;
}

bool
net_port_set_has(const struct net_port_set *s, uint16_t port)
{
	if (!s->any && !net_port_in(s->incl, s->n_incl, port))
		return false;
	return !net_port_in(s->excl, s->n_excl, port);
}

static bool
net_ip_in(const struct net_ip_range *r, uint8_t n, const struct net_addr *a)
{
	size_t len = a->family == 4 ? 4 : 16;
	for (uint8_t i = 0; i < n; i++)
		if (r[i].family == a->family && memcmp(a->bytes, r[i].lo, len) >= 0 &&
		    memcmp(a->bytes, r[i].hi, len) <= 0)
			return true;
	return false;
}

bool
net_ip_set_has(const struct net_ip_set *s, const struct net_addr *a)
{
	if (a->family != 4 && a->family != 6)
		return false;
	if (!s->any && !net_ip_in(s->incl, s->n_incl, a))
		return false;
	return !net_ip_in(s->excl, s->n_excl, a);
}

void
net_port_set_any(struct net_port_set *out)
{
	memset(out, 0, sizeof(*out));
	out->any = true;
}

void
net_ip_set_any(struct net_ip_set *out)
{
	memset(out, 0, sizeof(*out));
	out->any = true;
}
