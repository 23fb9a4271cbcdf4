/*
 * log_json: writing one JSON object per line, valid for any input bytes.
 *
 * Strings are escaped per RFC 8259 7; bytes that are not valid UTF-8 are
 * written as \u00XX of the byte so the output is always valid JSON.
 * The writer appends to a bounded buffer; log_json_flush writes it out.
 */
#ifndef TLSIPS_LOG_JSON_H
#define TLSIPS_LOG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct log_json {
	char buf[16384];
	size_t len;
	bool overflow;   /* the object did not fit: it is dropped, counted by the caller */
	bool need_comma;
};

void log_json_begin(struct log_json *j);
void log_json_key(struct log_json *j, const char *key);
void log_json_str(struct log_json *j, const char *key, const char *value);
void log_json_strn(struct log_json *j, const char *key, const uint8_t *value, size_t len);
void log_json_u64(struct log_json *j, const char *key, uint64_t value);
void log_json_bool(struct log_json *j, const char *key, bool value);
void log_json_null(struct log_json *j, const char *key);
void log_json_open(struct log_json *j, const char *key);  /* "key":{ */
void log_json_close(struct log_json *j);                  /* } */
/* Ends the object and writes it with a newline; false if dropped or the write failed. */
bool log_json_end(struct log_json *j, FILE *out);

/* "2026-11-23T16:33:29.123456+0000" from microseconds since the epoch. */
void log_json_timestamp(uint64_t ts_usec, char *out, size_t out_len);

#endif
