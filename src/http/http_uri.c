/*
 * http_uri: the URI checks libhtp does not make, and the query decoder.
 *
 * libhtp decodes and normalises the path and flags bad escapes, NUL and
 * overlong UTF-8 there. It does not say when a path climbs above the root
 * (it just stops at "/"), nor when something was encoded twice; both are
 * read here from the URI as sent. Neither allocates: they walk the bytes.
 */
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
