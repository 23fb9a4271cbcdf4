/*
 * Unit tests for the detect matcher's conditions: content positions and
 * modifiers, fast pattern choice, pcre, isdataat, bsize, urilen, byte_test,
 * byte_jump, on rules given as text.
 */
#include "detect_match_util.h"

#define R(opts) "alert http any any -> any any (msg:\"t\"; " opts ")\n"

static void
test_content_offset_depth(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"abc\"; offset:2; depth:4; sid:1;"));
	assert_int_equal(dm_uri(&e, "xxabcyy"), 1);
	assert_int_equal(e.sids[0], 1);
	assert_int_equal(dm_uri(&e, "xxxabc"), 1);   /* [2,6): abc at 3..6 fits */
	assert_int_equal(dm_uri(&e, "xxxxabc"), 0);  /* ends at 7, past the depth */
	assert_int_equal(dm_uri(&e, "abcxxxx"), 0);  /* before the offset */
	dm_free(&e);
}

static void
test_content_distance_within(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/a\"; content:\"id=\"; distance:2; within:6; sid:2;"));
	assert_int_equal(dm_uri(&e, "/a12id=1"), 1);    /* id= starts 2 after /a */
	assert_int_equal(dm_uri(&e, "/a1id=1"), 0);     /* only 1 after: distance not met */
	assert_int_equal(dm_uri(&e, "/a12345id=1"), 1); /* ends 8 after /a: within counts from distance */
	assert_int_equal(dm_uri(&e, "/a123456id=1"), 0); /* ends 9 after: past within */
	assert_int_equal(dm_uri(&e, "/a1234id="), 1);   /* ends exactly at within */
	dm_free(&e);
}

static void
test_content_negative_distance(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"bar\"; content:\"foo\"; distance:-6; within:3; sid:3;"));
	assert_int_equal(dm_uri(&e, "foobar"), 1); /* foo right before bar */
	assert_int_equal(dm_uri(&e, "xfoobar"), 1); /* window [1, 4) from bar's end 7 */
	assert_int_equal(dm_uri(&e, "fooxbar"), 0); /* window [1, 4) holds "oox" */
	assert_int_equal(dm_uri(&e, "barfoo"), 0);
	dm_free(&e);
}

static void
test_content_backtracking(void **state)
{
	(void)state;
	struct dm_env e;
	/* The first "a=" is followed by 1; Suricata retries "a=" at its next occurrence. */
	dm_load(&e, R("http.uri; content:\"a=\"; content:\"x\"; within:1; sid:4;"));
	assert_int_equal(dm_uri(&e, "/?a=1&a=x"), 1);
	assert_int_equal(dm_uri(&e, "/?a=1&a=y&x"), 0);
	dm_free(&e);
}

static void
test_content_backtracking_through_isdataat(void **state)
{
	(void)state;
	struct dm_env e;
	/* isdataat between two contents does not move the position: still retried. */
	dm_load(&e, R("http.uri; content:\"k\"; isdataat:1,relative; content:\"v\"; within:1; sid:5;"));
	assert_int_equal(dm_uri(&e, "/k1kv"), 1);
	assert_int_equal(dm_uri(&e, "/k1k"), 0);
	dm_free(&e);
}

static void
test_content_nocase(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"AdMiN\"; nocase; sid:6;")
		R("http.uri; content:\"AdMiN\"; sid:7;"));
	assert_int_equal(dm_uri(&e, "/xADMIN/"), 1);
	assert_int_equal(e.sids[0], 6);
	assert_int_equal(dm_uri(&e, "/AdMiN"), 2);
	assert_int_equal(dm_uri(&e, "/admi"), 0);
	dm_free(&e);
}

static void
test_content_negated(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/login\"; content:!\"token=\"; distance:0; sid:8;"));
	assert_int_equal(dm_uri(&e, "/login?user=a"), 1);
	assert_int_equal(dm_uri(&e, "/login?token=1"), 0);
	/* Before /login: outside the relative window, so it does not count. */
	assert_int_equal(dm_uri(&e, "/token=/login"), 1);
	dm_free(&e);
}

static void
test_content_startswith_endswith(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/adm\"; startswith; sid:9;")
		R("http.uri; content:\".php\"; endswith; sid:10;"));
	assert_int_equal(dm_uri(&e, "/adm/x"), 1);
	assert_int_equal(e.sids[0], 9);
	assert_int_equal(dm_uri(&e, "/x/adm"), 0);
	assert_int_equal(dm_uri(&e, "/a.php"), 1);
	assert_int_equal(e.sids[0], 10);
	assert_int_equal(dm_uri(&e, "/a.php?x"), 0);
	dm_free(&e);
}

static void
test_content_buffers_independent(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.method; content:\"POST\"; http.uri; content:\"/up\"; "
		      "http.user_agent; content:\"curl\"; sid:11;"));
	dm_clear(&e);
	dm_buf(&e, HTTP_BUF_METHOD, "POST");
	dm_buf(&e, HTTP_BUF_URI, "/upload");
	dm_buf(&e, HTTP_BUF_USER_AGENT, "curl/8.0");
	assert_int_equal(dm_req(&e), 1);
	dm_buf(&e, HTTP_BUF_USER_AGENT, "Mozilla");
	assert_int_equal(dm_req(&e), 0);
	/* An absent buffer: nothing on it holds. */
	dm_buf(&e, HTTP_BUF_USER_AGENT, "");
	assert_int_equal(dm_req(&e), 0);
	dm_free(&e);
}

static const struct detect_pdb *
dm_pdb(const struct dm_env *e, int group, int buf)
{
	return &e->rs->compiled->pdb[group][buf];
}

static void
test_fast_pattern_choice(void **state)
{
	(void)state;
	struct dm_env e;
	/* Writer's choice wins over the longer uri content. */
	dm_load(&e, R("http.uri; content:\"/very/long/path\"; http.user_agent; content:\"ab\"; "
		      "fast_pattern; sid:12;"));
	assert_non_null(dm_pdb(&e, DETECT_GROUP_REQUEST, HTTP_BUF_USER_AGENT)->db);
	assert_null(dm_pdb(&e, DETECT_GROUP_REQUEST, HTTP_BUF_URI)->db);
	dm_clear(&e);
	dm_buf(&e, HTTP_BUF_URI, "/very/long/path");
	dm_buf(&e, HTTP_BUF_USER_AGENT, "xab");
	assert_int_equal(dm_req(&e), 1);
	dm_free(&e);

	/* Otherwise the longest; a negated content never prefilters. */
	dm_load(&e, R("http.uri; content:\"/abc\"; http.user_agent; content:!\"Mozilla/5.0\"; "
		      "sid:13;"));
	assert_non_null(dm_pdb(&e, DETECT_GROUP_REQUEST, HTTP_BUF_URI)->db);
	assert_null(dm_pdb(&e, DETECT_GROUP_REQUEST, HTTP_BUF_USER_AGENT)->db);
	assert_int_equal(detect_ruleset_stats(e.rs)->no_fast_pattern, 0);
	dm_free(&e);

	/* Only a pcre: no fast pattern, checked whenever the uri is there. */
	dm_load(&e, R("http.uri; pcre:\"/^\\/x\\d+/\"; sid:14;"));
	assert_int_equal(detect_ruleset_stats(e.rs)->no_fast_pattern, 1);
	assert_int_equal(dm_pdb(&e, DETECT_GROUP_REQUEST, HTTP_BUF_URI)->n_nofp, 1);
	assert_int_equal(dm_uri(&e, "/x12"), 1);
	assert_int_equal(dm_uri(&e, "/y12"), 0);
	dm_free(&e);
}

static void
test_fast_pattern_slice(void **state)
{
	(void)state;
	struct dm_env e;
	/* Prefilter on "cde" only; the whole content is still verified. */
	dm_load(&e, R("http.uri; content:\"abcdef\"; fast_pattern:2,3; sid:15;"));
	assert_int_equal(dm_pdb(&e, DETECT_GROUP_REQUEST, HTTP_BUF_URI)->n_pats, 1);
	assert_int_equal(dm_uri(&e, "/abcdef"), 1);
	assert_int_equal(dm_uri(&e, "/xbcdef"), 0);
	dm_free(&e);
}

static void
test_pcre_flags(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; pcre:\"/admin/i\"; sid:20;")
		R("http.request_body; pcre:\"/a.b/s\"; sid:21;")
		R("http.request_body; pcre:\"/^key$/m\"; sid:22;")
		R("http.uri; pcre:\"/q u e r y/x\"; sid:23;"));
	assert_int_equal(dm_uri(&e, "/ADMIN"), 1);
	assert_int_equal(e.sids[0], 20);
	assert_int_equal(dm_uri(&e, "/query"), 1);
	assert_int_equal(e.sids[0], 23);
	assert_int_equal(dm_uri(&e, "/q u e r y"), 0);
	dm_clear(&e);
	dm_buf(&e, HTTP_BUF_URI, "/");
	dm_buf(&e, HTTP_BUF_REQUEST_BODY, "a\nb\nkey\nz");
	assert_int_equal(dm_req(&e), 2);
	assert_true(dm_has(&e, 21) && dm_has(&e, 22));
	dm_buf(&e, HTTP_BUF_REQUEST_BODY, "axb key");
	assert_int_equal(dm_req(&e), 1);
	assert_int_equal(e.sids[0], 21);
	dm_free(&e);
}

static void
test_pcre_relative_and_negated(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"id=\"; pcre:\"/^\\d+/R\"; sid:24;")
		R("http.uri; content:\"/q\"; pcre:!\"/select/i\"; sid:25;"));
	assert_int_equal(dm_uri(&e, "/p?id=42"), 1);
	assert_int_equal(e.sids[0], 24);
	assert_int_equal(dm_uri(&e, "/p?id=x42"), 0);
	/* Retried at the next "id=": the first is not followed by digits. */
	assert_int_equal(dm_uri(&e, "/p?id=x&id=7"), 1);
	assert_int_equal(dm_uri(&e, "/q?a=1"), 1);
	assert_int_equal(e.sids[0], 25);
	assert_int_equal(dm_uri(&e, "/q?a=SELECT"), 0);
	dm_free(&e);
}

static void
test_pcre_bad_rule_dropped(void **state)
{
	(void)state;
	char *msgs = NULL;
	size_t msgs_len = 0;
	FILE *diag = open_memstream(&msgs, &msgs_len);
	assert_non_null(diag);
	struct detect_vars vars;
	detect_vars_default(&vars);
	struct detect_ruleset *rs = detect_ruleset_new(&vars, diag);
	static const char text[] = R("http.uri; content:\"/a\"; sid:70;")
		R("http.uri; content:\"/a\"; pcre:\"/(unclosed/\"; sid:71;");
	assert_int_equal(detect_ruleset_load_text(rs, "bad.rules", text, strlen(text)), 0);
	assert_int_equal(detect_ruleset_stats(rs)->loaded, 2);
	assert_int_equal(detect_ruleset_compile(rs), 0);
	assert_int_equal(detect_ruleset_stats(rs)->loaded, 1);
	assert_int_equal(detect_ruleset_stats(rs)->failed, 1);
	fclose(diag);
	assert_non_null(strstr(msgs, "bad.rules:2: error:"));
	assert_non_null(strstr(msgs, "sid 71"));
	free(msgs);
	struct dm_env e;
	memset(&e, 0, sizeof(e));
	e.rs = rs;
	e.dc = detect_ctx_new(rs, NULL);
	e.df = detect_flow_new(e.dc);
	assert_int_equal(dm_uri(&e, "/a"), 1);
	assert_int_equal(e.sids[0], 70);
	dm_free(&e);
}

static void
test_pcre_match_limit(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.request_body; pcre:\"/(a+)+$/\"; sid:26;"));
	static char body[64];
	memset(body, 'a', sizeof(body) - 2);
	body[sizeof(body) - 2] = 'b';
	dm_clear(&e);
	dm_buf(&e, HTTP_BUF_URI, "/");
	dm_buf(&e, HTTP_BUF_REQUEST_BODY, body);
	assert_int_equal(dm_req(&e), 0);
	assert_true(detect_ctx_stats(e.dc)->pcre_limit_hits > 0);
	dm_free(&e);
}

static void
test_isdataat(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"cmd=\"; isdataat:3,relative; sid:30;")
		R("http.uri; content:\"end=\"; isdataat:!1,relative; sid:31;")
		R("http.uri; content:\"/z\"; isdataat:5; sid:32;"));
	assert_int_equal(dm_uri(&e, "/?cmd=abc"), 1);
	assert_int_equal(dm_uri(&e, "/?cmd=ab"), 0);
	assert_int_equal(dm_uri(&e, "/?end="), 1);
	assert_int_equal(e.sids[0], 31);
	assert_int_equal(dm_uri(&e, "/?end=1"), 0);
	assert_int_equal(dm_uri(&e, "/z2345"), 1); /* byte 5 exists */
	assert_int_equal(dm_uri(&e, "/z234"), 0);
	dm_free(&e);
}

static void
test_bsize(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.method; content:\"GE\"; bsize:3; sid:33;")
		R("http.host; content:\"x\"; bsize:2<>5; sid:34;"));
	dm_clear(&e);
	dm_buf(&e, HTTP_BUF_METHOD, "GET");
	dm_buf(&e, HTTP_BUF_HOST, "xxx");
	assert_int_equal(dm_req(&e), 2);
	dm_buf(&e, HTTP_BUF_METHOD, "GETS");
	dm_buf(&e, HTTP_BUF_HOST, "xxxxx"); /* 5 is outside the exclusive range */
	assert_int_equal(dm_req(&e), 0);
	dm_free(&e);
}

static void
test_urilen_norm_raw(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/\"; urilen:>8; sid:35;")
		R("http.uri; content:\"/\"; urilen:>8,raw; sid:36;"));
	dm_clear(&e);
	dm_buf(&e, HTTP_BUF_URI, "/a b");           /* 4 normalised */
	dm_buf(&e, HTTP_BUF_URI_RAW, "/a%20b%20");  /* 9 raw */
	assert_int_equal(dm_req(&e), 1);
	assert_int_equal(e.sids[0], 36);
	dm_buf(&e, HTTP_BUF_URI, "/123456789");
	dm_buf(&e, HTTP_BUF_URI_RAW, "/1");
	assert_int_equal(dm_req(&e), 1);
	assert_int_equal(e.sids[0], 35);
	dm_free(&e);
}

static void
test_byte_test(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.request_body; content:\"LEN\"; byte_test:2,>,1000,0,relative; sid:40;")
		R("http.request_body; content:\"N=\"; byte_test:3,=,123,0,relative,string,dec; "
		  "sid:41;")
		R("http.request_body; content:\"F\"; byte_test:1,&,0x80,0,relative; sid:42;")
		R("http.request_body; content:\"LE\"; byte_test:2,=,0x0102,0,relative,little; "
		  "sid:43;"));
	/* "LEN" 0x03 0xe9 (1001, big endian) */
	static const uint8_t big[] = { 'L', 'E', 'N', 0x03, 0xe9 };
	dm_clear(&e);
	dm_buf(&e, HTTP_BUF_URI, "/");
	dm_buf_bin(&e, HTTP_BUF_REQUEST_BODY, big, sizeof(big));
	assert_int_equal(dm_req(&e), 1);
	assert_int_equal(e.sids[0], 40);
	/* "LEN" 0x03 0xe8 (1000): not greater */
	static const uint8_t eq[] = { 'L', 'E', 'N', 0x03, 0xe8 };
	dm_buf_bin(&e, HTTP_BUF_REQUEST_BODY, eq, sizeof(eq));
	assert_int_equal(dm_req(&e), 0);
	dm_buf(&e, HTTP_BUF_REQUEST_BODY, "N=123");
	assert_int_equal(dm_req(&e), 1);
	assert_int_equal(e.sids[0], 41);
	dm_buf(&e, HTTP_BUF_REQUEST_BODY, "N=124");
	assert_int_equal(dm_req(&e), 0);
	/* "F" 0x81: high bit set */
	static const uint8_t flag[] = { 'F', 0x81 };
	dm_buf_bin(&e, HTTP_BUF_REQUEST_BODY, flag, sizeof(flag));
	assert_int_equal(dm_req(&e), 1);
	assert_int_equal(e.sids[0], 42);
	/* "LE" 0x02 0x01: 0x0102 little endian */
	static const uint8_t le[] = { 'L', 'E', 0x02, 0x01 };
	dm_buf_bin(&e, HTTP_BUF_REQUEST_BODY, le, sizeof(le));
	assert_int_equal(dm_req(&e), 1);
	assert_int_equal(e.sids[0], 43);
	/* Too short to read two bytes. */
	dm_buf(&e, HTTP_BUF_REQUEST_BODY, "xLEN\x03");
	assert_int_equal(dm_req(&e), 0);
	dm_free(&e);
}

static void
test_byte_jump(void **state)
{
	(void)state;
	struct dm_env e;
	/* Skip a length-prefixed field, then "OK" must follow at once. */
	dm_load(&e, R("http.request_body; content:\"H\"; byte_jump:1,0,relative; "
		      "content:\"OK\"; within:2; sid:44;"));
	/* "H" len=3 "abc" "OK" */
	static const uint8_t good[] = { 'H', 3, 'a', 'b', 'c', 'O', 'K' };
	/* "H" len=2 "ab" "cOK": OK one byte late */
	static const uint8_t bad[] = { 'H', 2, 'a', 'b', 'c', 'O', 'K' };
	dm_clear(&e);
	dm_buf(&e, HTTP_BUF_URI, "/");
	dm_buf_bin(&e, HTTP_BUF_REQUEST_BODY, good, sizeof(good));
	assert_int_equal(dm_req(&e), 1);
	dm_buf_bin(&e, HTTP_BUF_REQUEST_BODY, bad, sizeof(bad));
	assert_int_equal(dm_req(&e), 0);
	dm_free(&e);
}

static void
test_stream_rule(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, "alert tcp any any -> any any (msg:\"s\"; content:\"EVIL\"; nocase; sid:50;)\n"
		    "alert tcp any any -> any any (msg:\"s\"; flow:to_client; content:\"LEAK\"; sid:51;)\n");
	static const char chunk[] = "xx evil yy LEAK";
	e.res = detect_match_stream(e.dc, e.df, &e.pi, HTTP_DIR_REQUEST, (const uint8_t *)chunk,
				    strlen(chunk), dm_on_alert, &e);
	assert_int_equal(e.res.alerts, 1);
	assert_int_equal(e.sids[0], 50);
	e.n = 0;
	e.res = detect_match_stream(e.dc, e.df, &e.pi, HTTP_DIR_RESPONSE, (const uint8_t *)chunk,
				    strlen(chunk), dm_on_alert, &e);
	assert_int_equal(e.res.alerts, 2);
	/* Stream rules are not HTTP rules. */
	assert_int_equal(dm_uri(&e, "/EVIL"), 0);
	dm_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_offset_depth),
		cmocka_unit_test(test_content_distance_within),
		cmocka_unit_test(test_content_negative_distance),
		cmocka_unit_test(test_content_backtracking),
		cmocka_unit_test(test_content_backtracking_through_isdataat),
		cmocka_unit_test(test_content_nocase),
		cmocka_unit_test(test_content_negated),
		cmocka_unit_test(test_content_startswith_endswith),
		cmocka_unit_test(test_content_buffers_independent),
		cmocka_unit_test(test_fast_pattern_choice),
		cmocka_unit_test(test_fast_pattern_slice),
		cmocka_unit_test(test_pcre_flags),
		cmocka_unit_test(test_pcre_relative_and_negated),
		cmocka_unit_test(test_pcre_bad_rule_dropped),
		cmocka_unit_test(test_pcre_match_limit),
		cmocka_unit_test(test_isdataat),
		cmocka_unit_test(test_bsize),
		cmocka_unit_test(test_urilen_norm_raw),
		cmocka_unit_test(test_byte_test),
		cmocka_unit_test(test_byte_jump),
		cmocka_unit_test(test_stream_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
