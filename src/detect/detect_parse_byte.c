/*
 * detect_parse_byte: conditions on sizes and on numbers inside a buffer.
 *
 *   isdataat:[!]N[,relative][,rawbytes]
 *   bsize:N | <N | >N | <=N | >=N | !N | A<>B      (on the sticky buffer)
 *   urilen:same forms[,norm|,raw]
 *   byte_test:NBYTES,[!]OP,VALUE,OFFSET[,relative][,big|little][,string[,hex|dec|oct]]
 *   byte_jump:NBYTES,OFFSET[,relative][,multiplier N][,big|little][,string[,BASE]]
 *             [,align][,from_beginning][,post_offset N]
 * dce, bitmask, from_end and byte_extract variables are skipped as
 * unsupported; a whole-buffer byte count (0) too.
 */
#include <string.h>

#include "detect/detect_parse.h"

enum { DETECT_BYTE_MAX = 8, DETECT_BYTE_STRING_MAX = 23 };

/* The buffer of a condition that may be relative to the previous match. */
static uint16_t
detect_byte_buf(const struct detect_pstate *ps, bool relative)
{
	if (ps->sticky == DETECT_BUF_STREAM && relative && ps->last_match >= 0)
		return ps->r->conds[ps->last_match].buf;
	return ps->sticky;
}

/* "N", "<N", ">N", "<=N", ">=N", "=N", "!N", "!=N", "A<>B", "A-B". */
static enum detect_parse_status
detect_parse_cmp(struct detect_pstate *ps, const char *s, size_t len, uint64_t max,
		 struct detect_num *out)
{
	detect_parse_trim(&s, &len);
	memset(out, 0, sizeof(*out));
	const char *mid = NULL;
	size_t midlen = 0;
	for (size_t i = 1; i + 1 < len && !mid; i++) {
		if (s[i] == '<' && s[i + 1] == '>')
			mid = s + i, midlen = 2;
		else if (s[i] == '-')
			mid = s + i, midlen = 1;
	}
	if (mid) {
		size_t alen = (size_t)(mid - s);
		if (detect_parse_u64(ps, "number", s, alen, 0, max, &out->a) != 0 ||
		    detect_parse_u64(ps, "number", mid + midlen, len - alen - midlen, 0, max,
				     &out->b) != 0)
			return DETECT_PARSE_ERROR;
		if (out->a >= out->b)
			return detect_parse_err(ps, "%s: range %llu<>%llu is empty", ps->kw,
						(unsigned long long)out->a, (unsigned long long)out->b);
		out->cmp = DETECT_CMP_RANGE;
		return DETECT_PARSE_OK;
	}
	size_t skip = 0;
	out->cmp = DETECT_CMP_EQ;
	if (len >= 2 && (s[0] == '<' || s[0] == '>' || s[0] == '!') && s[1] == '=') {
		out->cmp = s[0] == '<' ? DETECT_CMP_LE : s[0] == '>' ? DETECT_CMP_GE : DETECT_CMP_NE;
		skip = 2;
	} else if (len >= 1 && (s[0] == '<' || s[0] == '>' || s[0] == '!' || s[0] == '=')) {
		out->cmp = s[0] == '<' ? DETECT_CMP_LT :
			   s[0] == '>' ? DETECT_CMP_GT :
			   s[0] == '!' ? DETECT_CMP_NE :
					 DETECT_CMP_EQ;
		skip = 1;
	}
	return detect_parse_u64(ps, "number", s + skip, len - skip, 0, max, &out->a);
}

enum detect_parse_status
detect_parse_isdataat(struct detect_pstate *ps, const char *v, size_t len)
{
	const char *f;
	size_t fl;
	struct detect_isdataat d = { 0, false, false };
	detect_parse_field(&v, &len, &f, &fl);
	if (fl > 0 && f[0] == '!') {
		d.negated = true;
		f++, fl--;
	}
	uint64_t n;
	if (detect_parse_u64(ps, "offset", f, fl, 0, DETECT_PARSE_POS_MAX, &n) != 0)
		return DETECT_PARSE_ERROR;
	d.offset = (uint32_t)n;
	while (detect_parse_field(&v, &len, &f, &fl)) {
		if (detect_parse_is(f, fl, "relative"))
			d.relative = true;
		else if (!detect_parse_is(f, fl, "rawbytes"))
			return detect_parse_err(ps, "isdataat: unknown option '%.*s'",
						(int)(fl > 32 ? 32 : fl), f);
	}
	if (d.relative && ps->last_match < 0)
		return detect_parse_err(ps, "isdataat relative needs a preceding content or pcre");
	struct detect_cond *c = detect_parse_cond_new(ps);
	if (!c)
		return DETECT_PARSE_ERROR;
	c->kind = DETECT_COND_ISDATAAT;
	c->buf = detect_byte_buf(ps, d.relative);
	c->u.isdataat = d;
	detect_parse_cond_commit(ps);
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_bsize(struct detect_pstate *ps, const char *v, size_t len)
{
	if (ps->sticky == DETECT_BUF_STREAM)
		return detect_parse_err(ps, "bsize needs a sticky buffer before it");
	struct detect_num num;
	if (detect_parse_cmp(ps, v, len, UINT32_MAX, &num) != 0)
		return DETECT_PARSE_ERROR;
	struct detect_cond *c = detect_parse_cond_new(ps);
	if (!c)
		return DETECT_PARSE_ERROR;
	c->kind = DETECT_COND_BSIZE;
	c->buf = ps->sticky;
	c->u.num = num;
	detect_parse_cond_commit(ps);
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_urilen(struct detect_pstate *ps, const char *v, size_t len)
{
	const char *f, *opt;
	size_t fl, ol;
	detect_parse_field(&v, &len, &f, &fl);
	uint16_t buf = HTTP_BUF_URI;
	if (detect_parse_field(&v, &len, &opt, &ol)) {
		if (detect_parse_is(opt, ol, "raw"))
			buf = HTTP_BUF_URI_RAW;
		else if (!detect_parse_is(opt, ol, "norm"))
			return detect_parse_err(ps, "urilen: expected 'norm' or 'raw', not '%.*s'",
						(int)(ol > 32 ? 32 : ol), opt);
		if (v)
			return detect_parse_err(ps, "urilen: too many fields");
	}
	struct detect_num num;
	if (detect_parse_cmp(ps, f, fl, UINT32_MAX, &num) != 0)
		return DETECT_PARSE_ERROR;
	struct detect_cond *c = detect_parse_cond_new(ps);
	if (!c)
		return DETECT_PARSE_ERROR;
	c->kind = DETECT_COND_URILEN;
	c->buf = buf;
	c->u.num = num;
	detect_parse_cond_commit(ps);
	return DETECT_PARSE_OK;
}

/* Options shared by byte_test and byte_jump; false when f is none of them. */
static bool
detect_byte_common(struct detect_byte *b, const char *f, size_t fl, bool *base_given)
{
	if (detect_parse_is(f, fl, "relative"))
		b->relative = true;
	else if (detect_parse_is(f, fl, "big"))
		b->little_endian = false;
	else if (detect_parse_is(f, fl, "little"))
		b->little_endian = true;
	else if (detect_parse_is(f, fl, "string"))
		b->string = true;
	else if (detect_parse_is(f, fl, "hex"))
		b->base = 16, *base_given = true;
	else if (detect_parse_is(f, fl, "dec"))
		b->base = 10, *base_given = true;
	else if (detect_parse_is(f, fl, "oct"))
		b->base = 8, *base_given = true;
	else
		return false;
	return true;
}

/* Options tlsips recognises but does not implement: the rule is skipped. */
static bool
detect_byte_unsupported(const char *f, size_t fl)
{
	return detect_parse_is(f, fl, "dce") || detect_parse_is(f, fl, "from_end") ||
	       (fl >= 7 && memcmp(f, "bitmask", 7) == 0);
}

static enum detect_parse_status
detect_byte_nbytes(struct detect_pstate *ps, const char *f, size_t fl, struct detect_byte *b)
{
	uint64_t n;
	if (detect_parse_is(f, fl, "0"))
		return detect_parse_skip(ps, ps->kw, "%s over the whole buffer (0 bytes) is not "
					 "supported", ps->kw);
	if (detect_parse_u64(ps, "byte count", f, fl, 1, DETECT_BYTE_STRING_MAX, &n) != 0)
		return DETECT_PARSE_ERROR;
	b->nbytes = (uint8_t)n;
	return DETECT_PARSE_OK;
}

static enum detect_parse_status
detect_byte_finish(struct detect_pstate *ps, struct detect_byte *b, bool base_given,
		   enum detect_cond_kind kind)
{
	if (base_given && !b->string)
		return detect_parse_err(ps, "%s: hex, dec and oct need 'string'", ps->kw);
	if (b->string && !base_given)
		b->base = 10;
	if (!b->string && b->nbytes > DETECT_BYTE_MAX)
		return detect_parse_err(ps, "%s: at most %d bytes without 'string'", ps->kw,
					DETECT_BYTE_MAX);
	struct detect_cond *c = detect_parse_cond_new(ps);
	if (!c)
		return DETECT_PARSE_ERROR;
	c->kind = kind;
	c->buf = detect_byte_buf(ps, b->relative);
	c->u.byte = *b;
	detect_parse_cond_commit(ps);
	return DETECT_PARSE_OK;
}

/* "<", ">", "=", "<=", ">=", "&", "^", each optionally after '!'. */
static enum detect_parse_status
detect_byte_op(struct detect_pstate *ps, const char *f, size_t fl, enum detect_cmp *out)
{
	bool neg = fl > 0 && f[0] == '!';
	if (neg)
		f++, fl--;
	static const struct {
		const char *op;
		enum detect_cmp cmp, neg_cmp;
	} ops[] = {
		{ "<", DETECT_CMP_LT, DETECT_CMP_GE },	{ ">", DETECT_CMP_GT, DETECT_CMP_LE },
		{ "=", DETECT_CMP_EQ, DETECT_CMP_NE },	{ "<=", DETECT_CMP_LE, DETECT_CMP_GT },
		{ ">=", DETECT_CMP_GE, DETECT_CMP_LT }, { "&", DETECT_CMP_AND, DETECT_CMP_AND },
		{ "^", DETECT_CMP_OR, DETECT_CMP_OR },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!detect_parse_is(f, fl, ops[i].op))
			continue;
		if (neg && (ops[i].cmp == DETECT_CMP_AND || ops[i].cmp == DETECT_CMP_OR))
			return detect_parse_skip(ps, "byte_test", "byte_test: negated bitwise "
						 "operator '!%s' is not supported", ops[i].op);
		*out = neg ? ops[i].neg_cmp : ops[i].cmp;
		return DETECT_PARSE_OK;
	}
	return detect_parse_err(ps, "byte_test: unknown operator '%.*s'", (int)(fl > 8 ? 8 : fl), f);
}

static bool
detect_byte_is_number(const char *f, size_t fl)
{
	return fl > 0 && ((f[0] >= '0' && f[0] <= '9') || f[0] == '-' || f[0] == '+');
}

enum detect_parse_status
detect_parse_byte_test(struct detect_pstate *ps, const char *v, size_t len)
{
	struct detect_byte b;
	memset(&b, 0, sizeof(b));
	const char *f[4];
	size_t fl[4];
	for (int i = 0; i < 4; i++)
		if (!detect_parse_field(&v, &len, &f[i], &fl[i]))
			return detect_parse_err(ps, "byte_test needs NBYTES,OP,VALUE,OFFSET");
	enum detect_parse_status st = detect_byte_nbytes(ps, f[0], fl[0], &b);
	if (st == DETECT_PARSE_OK)
		st = detect_byte_op(ps, f[1], fl[1], &b.test.cmp);
	if (st != DETECT_PARSE_OK)
		return st;
	if (!detect_byte_is_number(f[2], fl[2]) || !detect_byte_is_number(f[3], fl[3]))
		return detect_parse_skip(ps, "byte_extract", "byte_test with a variable (from "
					 "byte_extract) is not supported");
	if (detect_parse_u64(ps, "value", f[2], fl[2], 0, UINT64_MAX, &b.test.a) != 0 ||
	    detect_parse_i32(ps, "offset", f[3], fl[3], DETECT_PARSE_POS_MAX, &b.offset) != 0)
		return DETECT_PARSE_ERROR;
	bool base_given = false;
	const char *o;
	size_t ol;
	while (detect_parse_field(&v, &len, &o, &ol)) {
		if (detect_byte_common(&b, o, ol, &base_given))
			continue;
		if (detect_byte_unsupported(o, ol))
			return detect_parse_skip(ps, "byte_test", "byte_test option '%.*s' is not "
						 "supported", (int)(ol > 32 ? 32 : ol), o);
		return detect_parse_err(ps, "byte_test: unknown option '%.*s'",
					(int)(ol > 32 ? 32 : ol), o);
	}
	return detect_byte_finish(ps, &b, base_given, DETECT_COND_BYTE_TEST);
}

/* byte_jump options that take a number after a blank: "multiplier 2", "post_offset -4". */
static enum detect_parse_status
detect_byte_jump_opt(struct detect_pstate *ps, struct detect_byte *b, const char *o, size_t ol,
		     bool *handled)
{
	*handled = false;
	const char *sp = memchr(o, ' ', ol);
	if (!sp)
		return DETECT_PARSE_OK;
	size_t wl = (size_t)(sp - o);
	if (detect_parse_is(o, wl, "multiplier")) {
		*handled = true;
		return detect_parse_i32(ps, "multiplier", sp + 1, ol - wl - 1, 65535,
					&b->multiplier);
	}
	if (detect_parse_is(o, wl, "post_offset")) {
		*handled = true;
		return detect_parse_i32(ps, "post_offset", sp + 1, ol - wl - 1,
					DETECT_PARSE_POS_MAX, &b->post_offset);
	}
	return DETECT_PARSE_OK;
}

enum detect_parse_status
detect_parse_byte_jump(struct detect_pstate *ps, const char *v, size_t len)
{
	struct detect_byte b;
	memset(&b, 0, sizeof(b));
	b.multiplier = 1;
	const char *f[2];
	size_t fl[2];
	for (int i = 0; i < 2; i++)
		if (!detect_parse_field(&v, &len, &f[i], &fl[i]))
			return detect_parse_err(ps, "byte_jump needs NBYTES,OFFSET");
	enum detect_parse_status st = detect_byte_nbytes(ps, f[0], fl[0], &b);
	if (st != DETECT_PARSE_OK)
		return st;
	if (!detect_byte_is_number(f[1], fl[1]))
		return detect_parse_skip(ps, "byte_extract", "byte_jump with a variable (from "
					 "byte_extract) is not supported");
	if (detect_parse_i32(ps, "offset", f[1], fl[1], DETECT_PARSE_POS_MAX, &b.offset) != 0)
		return DETECT_PARSE_ERROR;
	bool base_given = false;
	const char *o;
	size_t ol;
	while (detect_parse_field(&v, &len, &o, &ol)) {
		bool handled;
		if (detect_byte_jump_opt(ps, &b, o, ol, &handled) != 0)
			return DETECT_PARSE_ERROR;
		if (handled || detect_byte_common(&b, o, ol, &base_given))
			continue;
		if (detect_parse_is(o, ol, "align"))
			b.align = true;
		else if (detect_parse_is(o, ol, "from_beginning"))
			b.from_beginning = true;
		else if (detect_byte_unsupported(o, ol))
			return detect_parse_skip(ps, "byte_jump", "byte_jump option '%.*s' is not "
						 "supported", (int)(ol > 32 ? 32 : ol), o);
		else
			return detect_parse_err(ps, "byte_jump: unknown option '%.*s'",
						(int)(ol > 32 ? 32 : ol), o);
	}
	return detect_byte_finish(ps, &b, base_given, DETECT_COND_BYTE_JUMP);
}
