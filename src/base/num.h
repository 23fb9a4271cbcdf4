/* Bounded parsing of numbers written as text (options, config, key logs). */
#ifndef TLSIPS_BASE_NUM_H
#define TLSIPS_BASE_NUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses the whole of s[0..len) as a decimal unsigned integer in [min, max].
 * Rejects empty input, signs, spaces and anything but digits; checks before
 * it multiplies, so no input overflows. Returns 0 or TLSIPS_EMALFORMED.
 */
int num_parse_u64(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out_value);

/*
 * Decodes exactly out_len bytes from 2*out_len hex digits (either case).
 * Returns 0 or TLSIPS_EMALFORMED.
 */
int num_parse_hex(const char *s, size_t len, uint8_t *out, size_t out_len);

/* The value of one hex digit (either case), or -1. */
int num_hex_digit(char c);

#endif
