#include "log/log_json.h"

#include <string.h>
#include <time.h>

static void
log_json_raw(struct log_json *j, const char *s, size_t n)
{
	if (j->overflow || n > sizeof(j->buf) - j->len) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static void
log_json_lit(struct log_json *j, const char *s)
{
	log_json_raw(j, s, strlen(s));
}

void
log_json_begin(struct log_json *j)
{
	j->len = 0;
	j->overflow = false;
	j->need_comma = false;
	log_json_lit(j, "{");
}

/* Length of a valid UTF-8 sequence at s (RFC 3629 4), or 0. */
static size_t
log_json_utf8_len(const uint8_t *s, size_t left)
{
	uint8_t c = s[0];
	size_t n;
	uint32_t min;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	uint32_t cp = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void
log_json_escaped(struct log_json *j, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	log_json_lit(j, "\"");
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			log_json_raw(j, e, 2);
			i++;
		} else if (c >= 0x20 && c < 0x7f) {
			log_json_raw(j, (const char *)&s[i], 1);
			i++;
		} else {
			size_t u = c >= 0x80 ? log_json_utf8_len(s + i, n - i) : 0;
			if (u) {
				log_json_raw(j, (const char *)&s[i], u);
				i += u;
				continue;
			}
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			log_json_raw(j, e, 6);
			i++;
		}
	}
	log_json_lit(j, "\"");
}

void
log_json_key(struct log_json *j, const char *key)
{
	if (j->need_comma)
		log_json_lit(j, ",");
	j->need_comma = true;
	log_json_escaped(j, (const uint8_t *)key, strlen(key));
	log_json_lit(j, ":");
}

void
log_json_strn(struct log_json *j, const char *key, const uint8_t *value, size_t len)
{
	log_json_key(j, key);
	log_json_escaped(j, value, len);
}

void
log_json_str(struct log_json *j, const char *key, const char *value)
{
	log_json_strn(j, key, (const uint8_t *)value, strlen(value));
}

void
log_json_u64(struct log_json *j, const char *key, uint64_t value)
{
	char num[24];
	size_t n = 0;
	char rev[24];
	do {
		rev[n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	for (size_t i = 0; i < n; i++)
		num[i] = rev[n - 1 - i];
	log_json_key(j, key);
	log_json_raw(j, num, n);
}

void
log_json_bool(struct log_json *j, const char *key, bool value)
{
	log_json_key(j, key);
	log_json_lit(j, value ? "true" : "false");
}

void
log_json_null(struct log_json *j, const char *key)
{
	log_json_key(j, key);
	log_json_lit(j, "null");
}

void
log_json_open(struct log_json *j, const char *key)
{
	log_json_key(j, key);
	log_json_lit(j, "{");
	j->need_comma = false;
}

void
log_json_close(struct log_json *j)
{
	log_json_lit(j, "}");
	j->need_comma = true;
}

bool
log_json_end(struct log_json *j, FILE *out)
{
	log_json_lit(j, "}\n");
	if (j->overflow)
		return false;
	return fwrite(j->buf, 1, j->len, out) == j->len;
}

void
log_json_timestamp(uint64_t ts_usec, char *out, size_t out_len)
{
	time_t secs = (time_t)(ts_usec / 1000000u);
	struct tm tm;
	char day[32];
	gmtime_r(&secs, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, out_len, "%s.%06u+0000", day, (unsigned)(ts_usec % 1000000u));
}
