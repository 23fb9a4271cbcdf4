/*
 * http_uri: the normalised URI and host, and the checks on the URI as sent.
 *
 * The path is decoded and normalised the way libhtp's IDS personality does
 * (see http_txn.c for the whole definition), with bad escapes, NUL and
 * overlong UTF-8 flagged. A path that climbs above the root (normalising
 * just stops at "/") and something encoded twice are read from the URI as
 * sent. Nothing here allocates beyond the arena it appends to.
 */
#include <stdint.h>
#include <string.h>

#include "base/num.h"
#include "http/http_int.h"

/* "%xx" at s[i]: its byte, or -1. */
static int
http_pct_at(const uint8_t *s, size_t len, size_t i)
{
	if (len - i < 3 || s[i] != '%')
		return -1;
	int hi = num_hex_digit((char)s[i + 1]), lo = num_hex_digit((char)s[i + 2]);
	return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
}

uint32_t
http_uri_decode_append(struct buf *b, const uint8_t *s, size_t len)
{
	uint32_t anom = 0;
	size_t i = 0;
	while (i < len) {
		/* Copy the run without escapes in one append. */
		size_t run = i;
		while (run < len && s[run] != '%')
			run++;
		if (run > i && buf_append(b, s + i, run - i) != 0)
			return anom | HTTP_ANOM_HEADERS_TOO_LARGE;
		i = run;
		if (i == len)
			break;
		int v = http_pct_at(s, len, i);
		uint8_t ch = '%';
		if (v < 0) {
			/* Kept as sent, like libhtp's PRESERVE_PERCENT for the path. */
			anom |= HTTP_ANOM_URI_BAD_ENCODING;
			i++;
		} else {
			ch = (uint8_t)v;
			if (ch == 0)
				anom |= HTTP_ANOM_URI_BAD_ENCODING;
			i += 3;
		}
		if (buf_append(b, &ch, 1) != 0)
			return anom | HTTP_ANOM_HEADERS_TOO_LARGE;
	}
	for (size_t k = 0; k < len; k++)
		if (s[k] == 0)
			anom |= HTTP_ANOM_URI_BAD_ENCODING;
	return anom;
}

/* Where the path of a URI as sent starts: after "scheme://authority". */
static size_t
http_uri_path_start(const uint8_t *s, size_t len)
{
	if (len && (s[0] == '/' || s[0] == '\\'))
		return 0;
	for (size_t i = 0; i + 2 < len; i++) {
		if (s[i] == '/' || s[i] == '?')
			break;
		if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
			for (size_t j = i + 3; j < len; j++)
				if (s[j] == '/' || s[j] == '\\')
					return j;
			return len;
		}
	}
	return 0;
}

/*
 * Walks the path's segments once decoded: "." stays, ".." climbs one, any
 * other segment descends. Climbing from the root is traversal (RFC 3986
 * 5.2.4 silently stops there; the server's file system may not).
 */
static bool
http_uri_climbs(const uint8_t *s, size_t len)
{
	size_t depth = 0, seg = 0;
	bool dots = true;
	size_t i = http_uri_path_start(s, len);
	for (;;) {
		int ch = -1;
		if (i < len && s[i] != '?' && s[i] != '#') {
			ch = s[i];
			int v = http_pct_at(s, len, i);
			if (v >= 0) {
				ch = v;
				i += 2;
			}
			i++;
		}
		if (ch < 0 || ch == '/' || ch == '\\') {
			if (seg == 2 && dots) {
				if (depth == 0)
					return true;
				depth--;
			} else if (seg > 0 && !(seg == 1 && dots)) {
				depth++;
			}
			seg = 0;
			dots = true;
			if (ch < 0)
				return false;
			continue;
		}
		seg++;
		dots = dots && ch == '.';
	}
}

/* "%25" followed by an escape's two hex digits: decoding twice changes it. */
static bool
http_uri_double_encoded(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i + 4 < len; i++)
		if (s[i] == '%' && s[i + 1] == '2' && s[i + 2] == '5' &&
		    num_hex_digit((char)s[i + 3]) >= 0 && num_hex_digit((char)s[i + 4]) >= 0)
			return true;
	return false;
}

uint32_t
http_uri_check(const uint8_t *raw, size_t len)
{
	uint32_t anom = 0;
	if (http_uri_climbs(raw, len))
		anom |= HTTP_ANOM_PATH_TRAVERSAL;
	if (http_uri_double_encoded(raw, len))
		anom |= HTTP_ANOM_URI_DOUBLE_ENCODED;
	return anom;
}

/*
 * %u escapes decode through best-fit mapping in libhtp's IDS personality.
 * We map what matters for evasion (%u00XX is XX, flagged overlong; the
 * full-width ASCII forms U+FF01..U+FF5E are their ASCII letters) and every
 * other code point to '?', libhtp's replacement byte.
 */
static uint8_t
http_uri_u_byte(int c1, int c2, uint32_t *anom)
{
	if (c1 == 0) {
		*anom |= HTTP_ANOM_URI_BAD_ENCODING;
		return (uint8_t)c2;
	}
	if (c1 == 0xff && c2 >= 0x01 && c2 <= 0x5e)
		return (uint8_t)(c2 + 0x20);
	return '?';
}

/* "%uHHHH" at s[i]: its two bytes, or -1. */
static int
http_pct_u_at(const uint8_t *s, size_t len, size_t i, int *out_c2)
{
	if (len - i < 6)
		return -1;
	int d[4];
	for (int k = 0; k < 4; k++) {
		d[k] = num_hex_digit((char)s[i + 2 + k]);
		if (d[k] < 0)
			return -1;
	}
	*out_c2 = d[2] << 4 | d[3];
	return d[0] << 4 | d[1];
}

/*
 * Decodes a path once into out (room for len bytes): %XX and %uHHHH, a bad
 * escape kept as sent; backslashes become '/' and runs of '/' one, as
 * libhtp's IDS personality (htp_decode_path_inplace) does. Returns the
 * length written.
 */
static size_t
http_uri_decode_path(const uint8_t *s, size_t len, uint8_t *out, uint32_t *anom)
{
	size_t r = 0, w = 0;
	bool prev_sep = false;
	while (r < len) {
		uint8_t ch = s[r];
		if (ch == '%') {
			int c2 = 0, c1 = -1, v = -1;
			if (len - r > 2 && (s[r + 1] == 'u' || s[r + 1] == 'U')) {
				c1 = http_pct_u_at(s, len, r, &c2);
				if (c1 >= 0) {
					ch = http_uri_u_byte(c1, c2, anom);
					r += 6;
				} else {
					*anom |= HTTP_ANOM_URI_BAD_ENCODING;
					r++;
				}
			} else if (len - r > 2 && (v = http_pct_at(s, len, r)) >= 0) {
				ch = (uint8_t)v;
				r += 3;
			} else {
				*anom |= HTTP_ANOM_URI_BAD_ENCODING;
				r++;
			}
			if (ch == 0 && (c1 >= 0 || v >= 0))
				*anom |= HTTP_ANOM_URI_BAD_ENCODING;
		} else {
			if (ch == 0)
				*anom |= HTTP_ANOM_URI_BAD_ENCODING;
			r++;
		}
		if (ch == '\\')
			ch = '/';
		if (ch == '/' && prev_sep)
			continue;
		prev_sep = ch == '/';
		out[w++] = ch;
	}
	return w;
}

/*
 * Flags overlong UTF-8 forms (a 2-byte '/' is the classic one); other
 * invalid UTF-8 is not flagged: Latin-1 paths are common. A byte that
 * breaks a sequence is consumed with it, as libhtp's decoder does.
 */
static uint32_t
http_uri_utf8_check(const uint8_t *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint8_t b = s[i++];
		int need;
		uint32_t cp, min;
		if (b < 0x80)
			continue;
		if (b >= 0xc0 && b <= 0xdf) {
			need = 1, cp = b & 0x1f, min = 0x80;
		} else if (b >= 0xe0 && b <= 0xef) {
			need = 2, cp = b & 0x0f, min = 0x800;
		} else if (b >= 0xf0 && b <= 0xf7) {
			need = 3, cp = b & 0x07, min = 0x10000;
		} else {
			continue;
		}
		bool ok = true;
		for (int k = 0; k < need && ok; k++) {
			if (i >= len)
				return 0;
			uint8_t cb = s[i++];
			ok = (cb & 0xc0) == 0x80;
			cp = cp << 6 | (cb & 0x3f);
		}
		if (ok && cp < min)
			return HTTP_ANOM_URI_BAD_ENCODING;
	}
	return 0;
}

/*
 * RFC 3986 5.2.4 remove_dot_segments, in place; the same steps as libhtp's
 * htp_normalize_uri_path_inplace so both agree on odd inputs ("a/../b").
 */
static size_t
http_uri_remove_dots(uint8_t *d, size_t len)
{
	size_t r = 0, w = 0;
	int c = -1;
	while (r < len && w < len) {
		if (c == -1)
			c = d[r++];
		if (c == '.') {
			/* A: "../" or "./" prefix dropped */
			if (r + 1 < len && d[r] == '.' && d[r + 1] == '/') {
				c = -1, r += 2;
				continue;
			}
			if (r < len && d[r] == '/') {
				c = -1, r += 1;
				continue;
			}
		}
		if (c == '/') {
			/* B: "/./" or a final "/." becomes "/" */
			if (r + 1 < len && d[r] == '.' && d[r + 1] == '/') {
				r += 2;
				continue;
			}
			if (r + 1 == len && d[r] == '.') {
				r += 1;
				continue;
			}
			/* C: "/../" or a final "/.." becomes "/" and drops a segment */
			bool up = (r + 2 < len && d[r] == '.' && d[r + 1] == '.' && d[r + 2] == '/');
			bool up_end = (r + 2 == len && d[r] == '.' && d[r + 1] == '.');
			if (up || up_end) {
				r += up ? 3 : 2;
				while (w > 0 && d[w - 1] != '/')
					w--;
				if (w > 0)
					w--;
				continue;
			}
		}
		/* D: a lone "." or ".." */
		if (c == '.' && r == len) {
			r++;
			continue;
		}
		if (c == '.' && r + 1 == len && d[r] == '.') {
			r += 2;
			continue;
		}
		/* E: the segment moves to the output */
		d[w++] = (uint8_t)c;
		while (r < len && d[r] != '/' && w < len)
			d[w++] = d[r++];
		c = -1;
	}
	return w;
}

static void
http_uri_lower(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (uint8_t)(p[i] + 32);
}

/* A port as digits in 1..65535, else -1. */
static int
http_uri_port(const uint8_t *p, size_t n)
{
	while (n && (p[0] == ' ' || p[0] == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0 || n > 5)
		return -1;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v > 0 && v < 65536 ? v : -1;
}

/* Splits "host[:port]" or "[v6]:port"; host is lower-cased into b. */
static bool
http_uri_hostport(struct buf *b, const uint8_t *p, size_t n, bool decode,
		  struct http_span *out_host, int *out_port)
{
	*out_port = -1;
	size_t hl = n;
	if (n && p[0] == '[') {
		const uint8_t *e = memchr(p, ']', n);
		if (e) {
			hl = (size_t)(e - p) + 1;
			const uint8_t *colon = memchr(e, ':', n - hl);
			if (colon)
				*out_port = http_uri_port(colon + 1, n - (size_t)(colon - p) - 1);
		}
	} else {
		const uint8_t *colon = memchr(p, ':', n);
		if (colon) {
			hl = (size_t)(colon - p);
			*out_port = http_uri_port(colon + 1, n - hl - 1);
		}
	}
	size_t from = buf_len(b);
	if (decode)
		(void)http_uri_decode_append(b, p, hl);
	else if (hl && buf_append(b, p, hl) != 0)
		return false;
	size_t len = buf_len(b) - from;
	uint8_t *h = b->mem ? b->mem + b->off + from : NULL;
	if (h)
		http_uri_lower(h, len);
	while (len && h[len - 1] == '.')
		len--;
	out_host->off = (uint32_t)from;
	out_host->len = (uint32_t)len;
	return len > 0;
}

bool
http_uri_host_header(struct buf *b, struct view v, struct http_span *out_host, int *out_port)
{
	const uint8_t *p = v.ptr;
	size_t n = v.len;
	while (n && (p[0] == ' ' || p[0] == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	out_host->off = (uint32_t)buf_len(b);
	out_host->len = 0;
	*out_port = -1;
	if (n == 0)
		return false;
	return http_uri_hostport(b, p, n, false, out_host, out_port);
}

uint32_t
http_uri_normalise(struct buf *b, const uint8_t *raw, size_t len, bool connect,
		   struct http_span *out_host, int *out_port)
{
	uint32_t anom = 0;
	out_host->off = 0;
	out_host->len = 0;
	*out_port = -1;
	while (len && raw[len - 1] == ' ')
		len--;
	out_host->off = (uint32_t)buf_len(b);
	if (len == 0)
		return 0;
	if (connect) {
		/* An authority, not a path: the URI as sent, its host apart. */
		if (buf_append(b, raw, len) != 0)
			return HTTP_ANOM_HEADERS_TOO_LARGE;
		(void)http_uri_hostport(b, raw, len, false, out_host, out_port);
		return 0;
	}
	size_t pos = 0;
	bool scheme = false;
	if (raw[0] != '/') {
		const uint8_t *colon = memchr(raw, ':', len);
		if (colon) {
			scheme = true;
			pos = (size_t)(colon - raw) + 1;
		}
	}
	size_t auth = SIZE_MAX, auth_len = 0;
	if (scheme && pos + 2 < len && raw[pos] == '/' && raw[pos + 1] == '/' && raw[pos + 2] != '/') {
		auth = pos + 2;
		pos = auth;
		while (pos < len && raw[pos] != '?' && raw[pos] != '/' && raw[pos] != '#')
			pos++;
		auth_len = pos - auth;
	}
	size_t ps = pos;
	while (pos < len && raw[pos] != '?' && raw[pos] != '#')
		pos++;
	size_t pl = pos - ps;
	uint8_t *out = buf_reserve(b, pl ? pl : 1);
	if (!out)
		return HTTP_ANOM_HEADERS_TOO_LARGE;
	size_t w = http_uri_decode_path(raw + ps, pl, out, &anom);
	anom |= http_uri_utf8_check(out, w);
	w = http_uri_remove_dots(out, w);
	buf_commit(b, w);
	if (pos < len && raw[pos] == '?') {
		size_t qs = ++pos;
		while (pos < len && raw[pos] != '#')
			pos++;
		if (buf_append(b, "?", 1) != 0)
			return anom | HTTP_ANOM_HEADERS_TOO_LARGE;
		anom |= http_uri_decode_append(b, raw + qs, pos - qs);
	}
	if (pos < len && raw[pos] == '#') {
		pos++;
		if (buf_append(b, "#", 1) != 0)
			return anom | HTTP_ANOM_HEADERS_TOO_LARGE;
		anom |= http_uri_decode_append(b, raw + pos, len - pos);
	}
	out_host->off = (uint32_t)buf_len(b);
	if (auth != SIZE_MAX) {
		const uint8_t *a = raw + auth;
		const uint8_t *at = memchr(a, '@', auth_len);
		if (at) {
			auth_len -= (size_t)(at - a) + 1;
			a = at + 1;
		}
		(void)http_uri_hostport(b, a, auth_len, true, out_host, out_port);
	}
	return anom;
}
