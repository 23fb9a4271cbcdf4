#include "base/num.h"

#include "base/err.h"

int
num_parse_u64(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out_value)
{
	if (len == 0)
		return TLSIPS_EMALFORMED;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return TLSIPS_EMALFORMED;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return TLSIPS_EMALFORMED;
		v = v * 10 + d;
	}
	if (v < min)
		return TLSIPS_EMALFORMED;
	*out_value = v;
	return TLSIPS_OK;
}

int
num_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
num_parse_hex(const char *s, size_t len, uint8_t *out, size_t out_len)
{
	if (len != out_len * 2)
		return TLSIPS_EMALFORMED;
	for (size_t i = 0; i < out_len; i++) {
		int hi = num_hex_digit(s[2 * i]);
		int lo = num_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return TLSIPS_EMALFORMED;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return TLSIPS_OK;
}
