/*
 * http_head: one message head (start line, header fields, empty line) read
 * in place into the engine's struct http_head, without allocating.
 *
 *   request-line  = method SP uri SP protocol (CR)LF     RFC 9112 3
 *   status-line   = protocol SP status SP reason (CR)LF  RFC 9112 4
 *   field-line    = name ":" OWS value OWS (CR)LF        RFC 9112 5
 *   obs-fold      = (CR)LF 1*(SP / HTAB)                 joined to the line before
 *
 * The reading is libhtp's IDS one, which our rules and tests were written
 * against: leading whitespace before the method is skipped; a URI ends at
 * the first SP (or, when the line has none after it, at any whitespace);
 * a line ending is LF with any CRs before it; a field without a colon gets
 * an empty name and the whole line as value; whitespace before the colon
 * or a name that is not a token marks the field invalid; repeats of a name
 * merge into the first field ("a, b"), except Content-Length, whose first
 * value counts (a different second one is smuggling, flagged by the caller).
 * Every view points into the caller's head bytes or the engine's fold
 * scratch, which holds fields joined from folded lines.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "http/http_int.h"

static bool
http_is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool
http_is_lws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 5.6.2 tchar, as a table: it is asked for every byte of every name. */
static const uint8_t http_tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
	['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
	['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
	['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
	['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
	['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

/* Strips line ends: LF, each with the CRs before it, repeatedly (as htp_chomp). */
static size_t
http_chomp(const uint8_t *p, size_t n)
{
	while (n && p[n - 1] == '\n') {
		n--;
		if (n && p[n - 1] == '\r')
			n--;
	}
	return n;
}

/* "HTTP/0.9", "HTTP/1.0" or "HTTP/1.1", exactly. */
static bool
http_proto_ok(struct view v)
{
	const uint8_t *p = v.ptr;
	if (v.len != 8 || memcmp(p, "HTTP/", 5) != 0 || p[6] != '.')
		return false;
	return (p[5] == '0' && p[7] == '9') || (p[5] == '1' && (p[7] == '0' || p[7] == '1'));
}

static void
http_head_request_line(const uint8_t *d, size_t len, struct http_startline *h)
{
	size_t pos = 0;
	while (pos < len && http_is_space(d[pos]))
		pos++;
	size_t m = pos;
	while (pos < len && !http_is_space(d[pos]))
		pos++;
	h->method = view_make(d + m, pos - m);
	while (pos < len && http_is_space(d[pos]))
		pos++;
	if (pos == len) {
		h->is_09 = true;
		return;
	}
	size_t start = pos;
	bool bad_delim = false;
	while (pos < len && d[pos] != ' ') {
		bad_delim = bad_delim || http_is_space(d[pos]);
		pos++;
	}
	/* No SP after the URI but a tab or such: that ends it instead. */
	if (bad_delim && pos == len) {
		pos = start;
		while (pos < len && !http_is_space(d[pos]))
			pos++;
	}
	h->uri = view_make(d + start, pos - start);
	while (pos < len && http_is_space(d[pos]))
		pos++;
	if (pos == len) {
		h->is_09 = true;
		return;
	}
	h->proto = view_make(d + pos, len - pos);
	h->proto_ok = http_proto_ok(h->proto);
}

/* Whether a status line is one at all: (?i)^\s*http, as browsers read it. */
static bool
http_looks_like_status(const uint8_t *d, size_t len)
{
	size_t pos = 0;
	while (pos < len && (http_is_space(d[pos]) || d[pos] == 0))
		pos++;
	return len - pos >= 4 && strncasecmp((const char *)d + pos, "http", 4) == 0;
}

static void
http_head_status_line(const uint8_t *d, size_t len, struct http_startline *h)
{
	size_t pos = 0;
	h->status_num = -1;
	if (!http_looks_like_status(d, len)) {
		h->not_http = true;
		return;
	}
	while (pos < len && http_is_space(d[pos]))
		pos++;
	size_t start = pos;
	while (pos < len && !http_is_space(d[pos]))
		pos++;
	h->proto = view_make(d + start, pos - start);
	h->proto_ok = http_proto_ok(h->proto);
	while (pos < len && http_is_space(d[pos]))
		pos++;
	start = pos;
	while (pos < len && !http_is_space(d[pos]))
		pos++;
	h->status = view_make(d + start, pos - start);
	const uint8_t *s = h->status.ptr;
	if (h->status.len == 3 && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	    s[2] >= '0' && s[2] <= '9')
		h->status_num = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	while (pos < len && http_is_space(d[pos]))
		pos++;
	h->msg = view_make(d + pos, len - pos);
}

static uint8_t
http_lc(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static unsigned
http_name_hash(struct view n)
{
	if (n.len == 0)
		return 0;
	return (unsigned)(n.len * 31u + http_lc(n.ptr[0]) * 7u + http_lc(n.ptr[n.len - 1])) %
	       HTTP_HEAD_BUCKETS;
}

static bool
http_name_eq(struct view a, struct view b)
{
	return a.len == b.len && (a.len == 0 || strncasecmp((const char *)a.ptr,
							    (const char *)b.ptr, a.len) == 0);
}

static bool
http_name_is(struct view n, const char *lc, size_t len)
{
	return n.len == len && strncasecmp((const char *)n.ptr, lc, len) == 0;
}

/* Splits one logical field line into name and value (see the header comment). */
static bool
http_field_split(const uint8_t *d, size_t len, struct view *out_name, struct view *out_value)
{
	const uint8_t *cp = memchr(d, ':', len);
	size_t colon = cp ? (size_t)(cp - d) : len;
	/* A NUL before the colon ends the search, as in libhtp. */
	if (colon == len || memchr(d, 0, colon)) {
		*out_name = view_make(d, 0);
		*out_value = view_make(d, len);
		return false;
	}
	bool ok = colon > 0;
	size_t name_end = colon;
	while (name_end > 0 && http_is_lws(d[name_end - 1])) {
		name_end--;
		ok = false;
	}
	size_t vs = colon + 1, ve = len;
	while (vs < len && http_is_lws(d[vs]))
		vs++;
	while (ve > vs && http_is_lws(d[ve - 1]))
		ve--;
	for (size_t i = 0; i < name_end && ok; i++)
		ok = http_tchar[d[i]];
	*out_name = view_make(d, name_end);
	*out_value = view_make(d + vs, ve - vs);
	return ok;
}

/* Adds a field, merging a repeat into the first field of its name. */
static void
http_head_add(struct http_engine *he, struct http_head *h, const uint8_t *d, size_t len,
	      uint32_t invalid)
{
	struct view name, value;
	if (!http_field_split(d, len, &name, &value))
		h->anom |= invalid;
	unsigned b = http_name_hash(name);
	int32_t first = -1;
	for (int32_t i = h->bucket[b]; i >= 0; i = h->f[i].hnext)
		if (http_name_eq(h->f[i].name, name)) {
			first = i;
			break;
		}
	if (first >= 0) {
		struct http_field *f0 = &h->f[first];
		if (f0->repeated) {
			if (h->repeats >= HTTP_REPEATS_MAX)
				return;
			h->repeats++;
		}
		f0->repeated = true;
		/* A second Content-Length is only noted: the first one counts. */
		if (first == h->cl)
			return;
	}
	if (h->n >= HTTP_FIELDS_MAX) {
		if (!(h->anom & HTTP_ANOM_HEADERS_TOO_LARGE))
			he->stats.header_lines_limit_hits++;
		h->anom |= HTTP_ANOM_HEADERS_TOO_LARGE;
		return;
	}
	int32_t k = (int32_t)h->n++;
	struct http_field *f = &h->f[k];
	f->name = name;
	f->value = value;
	f->next_rep = f->last_rep = -1;
	f->hnext = -1;
	f->repeated = false;
	f->merged = first >= 0;
	if (first >= 0) {
		struct http_field *f0 = &h->f[first];
		if (f0->last_rep >= 0)
			h->f[f0->last_rep].next_rep = k;
		else
			f0->next_rep = k;
		f0->last_rep = k;
		return;
	}
	f->hnext = h->bucket[b];
	h->bucket[b] = k;
	if (http_name_is(name, "content-length", 14))
		h->cl = k;
	else if (http_name_is(name, "transfer-encoding", 17))
		h->te = k;
	else if (http_name_is(name, "content-encoding", 16))
		h->ce = k;
	else if (http_name_is(name, "host", 4))
		h->host = k;
}

/* A field with folded continuation lines, joined into the fold scratch. */
static void
http_head_add_folded(struct http_engine *he, struct http_head *h, const uint8_t *d, size_t len,
		     size_t first_len, uint32_t invalid)
{
	uint8_t *out = he->fold + he->fold_len;
	size_t room = he->lim.header_bytes - he->fold_len, n = 0;
	size_t pos = 0, end = first_len;
	for (;;) {
		size_t l = http_chomp(d + pos, end - pos);
		if (l > room - n)
			l = room - n;
		memcpy(out + n, d + pos, l);
		n += l;
		pos = end;
		if (pos >= len)
			break;
		const uint8_t *lf = memchr(d + pos, '\n', len - pos);
		end = lf ? (size_t)(lf - d) + 1 : len;
	}
	he->fold_len += n;
	http_head_add(he, h, out, n, invalid);
}

/* Is the line starting at d a folded continuation? */
static bool
http_is_fold(const uint8_t *d, size_t len)
{
	return len > 0 && http_is_lws(d[0]) && http_chomp(d, len) > 0;
}

static void
http_head_fields(struct http_engine *he, struct http_head *h, enum http_dir dir)
{
	uint32_t invalid = dir == HTTP_DIR_REQUEST ? HTTP_ANOM_INVALID_REQUEST :
						     HTTP_ANOM_INVALID_RESPONSE;
	const uint8_t *d = h->hdrs.ptr;
	size_t len = h->hdrs.len, pos = 0;
	while (pos < len) {
		const uint8_t *lf = memchr(d + pos, '\n', len - pos);
		size_t end = lf ? (size_t)(lf - d) + 1 : len;
		size_t l = http_chomp(d + pos, end - pos);
		if (l == 0 && lf && end - pos <= 2)
			break; /* the empty line ending the head */
		size_t start = pos;
		bool lead_fold = http_is_lws(d[pos]);
		if (lead_fold) {
			/* Folding with nothing to fold into: the line on its own. */
			h->anom |= invalid;
			while (start < end && http_is_lws(d[start]))
				start++;
		}
		/* Continuation lines join this one. */
		size_t next = end;
		while (next < len) {
			const uint8_t *lf2 = memchr(d + next, '\n', len - next);
			size_t end2 = lf2 ? (size_t)(lf2 - d) + 1 : len;
			if (!http_is_fold(d + next, end2 - next))
				break;
			next = end2;
		}
		if (next == end)
			http_head_add(he, h, d + start, http_chomp(d + start, end - start), invalid);
		else
			http_head_add_folded(he, h, d + start, next - start, end - start, invalid);
		pos = next;
	}
}

void
http_head_parse(struct http_engine *he, enum http_dir dir, const uint8_t *p, size_t line_len,
		size_t len)
{
	struct http_head *h = &he->head;
	memset(h, 0, offsetof(struct http_head, bucket));
	memset(h->bucket, 0xff, sizeof(h->bucket));
	h->cl = h->te = h->ce = h->host = -1;
	he->fold_len = 0;
	h->line = view_make(p, http_chomp(p, line_len));
	size_t hb = len - line_len;
	if (hb > he->lim.header_bytes)
		hb = he->lim.header_bytes;
	h->hdrs = view_make(p + line_len, hb);
	http_head_start_line(dir, h->line.ptr, h->line.len, &h->sl);
	http_head_fields(he, h, dir);
}

void
http_head_start_line(enum http_dir dir, const uint8_t *line, size_t len, struct http_startline *out)
{
	memset(out, 0, sizeof(*out));
	if (dir == HTTP_DIR_REQUEST)
		http_head_request_line(line, len, out);
	else
		http_head_status_line(line, len, out);
}

int64_t
http_head_content_length(struct view v)
{
	size_t i = 0, n = v.len;
	const uint8_t *p = v.ptr;
	while (i < n && http_is_space(p[i]))
		i++;
	while (n > i && http_is_space(p[n - 1]))
		n--;
	if (i == n || n - i > 18)
		return -1;
	int64_t r = 0;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		r = r * 10 + (p[i] - '0');
	}
	return r;
}

bool
http_head_has_token(struct view v, const char *tok)
{
	size_t k = strlen(tok), i = 0;
	while (i < v.len) {
		while (i < v.len && (http_is_lws(v.ptr[i]) || v.ptr[i] == ','))
			i++;
		size_t s = i;
		while (i < v.len && v.ptr[i] != ',')
			i++;
		size_t e = i;
		while (e > s && http_is_lws(v.ptr[e - 1]))
			e--;
		if (e - s == k && strncasecmp((const char *)v.ptr + s, tok, k) == 0)
			return true;
	}
	return false;
}
