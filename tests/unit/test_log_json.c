/* JSON lines: escaping keeps any input bytes valid JSON; overflow drops the object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "log/log_json.h"

static const char *
render(struct log_json *j, char *out, size_t out_len)
{
	FILE *f = fmemopen(out, out_len, "w");
	bool ok = log_json_end(j, f);
	fclose(f);
	return ok ? out : NULL;
}

static void
test_fields_nest_with_commas(void **state)
{
	(void)state;
	struct log_json j;
	char out[256] = { 0 };
	log_json_begin(&j);
	log_json_str(&j, "a", "x");
	log_json_open(&j, "b");
	log_json_u64(&j, "n", 18446744073709551615ull);
	log_json_bool(&j, "t", true);
	log_json_close(&j);
	log_json_null(&j, "z");
	assert_string_equal(render(&j, out, sizeof(out)),
			    "{\"a\":\"x\",\"b\":{\"n\":18446744073709551615,\"t\":true},\"z\":null}\n");
}

static void
test_control_quotes_and_invalid_utf8_are_escaped(void **state)
{
	(void)state;
	struct log_json j;
	char out[256] = { 0 };
	/* "q\"\\\n" then 0xff (invalid), then "é" as valid UTF-8 (c3 a9), then a lone c3 */
	const uint8_t in[] = { 'q', '"', '\\', '\n', 0xff, 0xc3, 0xa9, 0xc3 };
	log_json_begin(&j);
	log_json_strn(&j, "s", in, sizeof(in));
	assert_string_equal(render(&j, out, sizeof(out)),
			    "{\"s\":\"q\\\"\\\\\\u000a\\u00ff\xc3\xa9\\u00c3\"}\n");
}

static void
test_surrogates_and_overlongs_are_not_passed_through(void **state)
{
	(void)state;
	struct log_json j;
	char out[256] = { 0 };
	/* ed a0 80 = U+D800 (surrogate), c0 af = overlong '/' */
	const uint8_t in[] = { 0xed, 0xa0, 0x80, 0xc0, 0xaf };
	log_json_begin(&j);
	log_json_strn(&j, "s", in, sizeof(in));
	assert_string_equal(render(&j, out, sizeof(out)),
			    "{\"s\":\"\\u00ed\\u00a0\\u0080\\u00c0\\u00af\"}\n");
}

static void
test_object_too_large_is_dropped_whole(void **state)
{
	(void)state;
	struct log_json j;
	static char big[sizeof(j.buf) + 100];
	char out[16] = { 0 };
	memset(big, 'a', sizeof(big) - 1);
	log_json_begin(&j);
	log_json_str(&j, "s", big);
	assert_null(render(&j, out, sizeof(out)));
	assert_true(j.overflow);
}

static void
test_timestamp_is_utc_with_microseconds(void **state)
{
	(void)state;
	char ts[48];
	log_json_timestamp(1795451609123456ull, ts, sizeof(ts));
	assert_string_equal(ts, "2026-11-23T16:33:29.123456+0000");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_nest_with_commas),
		cmocka_unit_test(test_control_quotes_and_invalid_utf8_are_escaped),
		cmocka_unit_test(test_surrogates_and_overlongs_are_not_passed_through),
		cmocka_unit_test(test_object_too_large_is_dropped_whole),
		cmocka_unit_test(test_timestamp_is_utc_with_microseconds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
