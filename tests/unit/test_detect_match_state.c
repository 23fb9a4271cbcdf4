/*
 * Unit tests for the detect matcher beyond one buffer: flowbits across
 * transactions, noalert, thresholds and detection_filter over time, pass
 * and drop, request and response points, header sets, alert order, and a
 * set of 2000 generated rules.
 */
#include "detect_match_util.h"

#define R(opts) "alert http any any -> any any (msg:\"t\"; " opts ")\n"

static void
test_flowbits_across_transactions(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/login\"; flowbits:set,seen_login; flowbits:noalert; "
		      "sid:1;")
		R("http.uri; content:\"/admin\"; flowbits:isset,seen_login; sid:2;")
		R("http.uri; content:\"/admin\"; flowbits:isnotset,seen_login; sid:3;"));
	assert_int_equal(dm_uri(&e, "/admin"), 1);
	assert_int_equal(e.sids[0], 3);
	assert_int_equal(dm_uri(&e, "/login"), 0); /* noalert: sets the bit silently */
	assert_int_equal(detect_ctx_stats(e.dc)->suppressed, 1);
	assert_int_equal(dm_uri(&e, "/admin"), 1);
	assert_int_equal(e.sids[0], 2);
	/* Another flow has its own bits. */
	struct detect_flow *other = detect_flow_new(e.dc);
	struct detect_flow *mine = e.df;
	e.df = other;
	assert_int_equal(dm_uri(&e, "/admin"), 1);
	assert_int_equal(e.sids[0], 3);
	e.df = mine;
	detect_flow_free(other);
	dm_free(&e);
}

static void
test_flowbits_same_inspection(void **state)
{
	(void)state;
	struct dm_env e;
	/* The checker comes first in the file; the setter still runs before it. */
	dm_load(&e, R("http.uri; content:\"/b\"; flowbits:isset,a; sid:4;")
		R("http.uri; content:\"/a\"; flowbits:set,a; sid:5;"));
	assert_int_equal(dm_uri(&e, "/a/b"), 2);
	dm_free(&e);
}

static void
test_flowbits_toggle_unset(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/t\"; flowbits:toggle,x; flowbits:noalert; sid:6;")
		R("http.uri; content:\"/u\"; flowbits:unset,x; flowbits:noalert; sid:7;")
		R("http.uri; content:\"/q\"; flowbits:isset,x; sid:8;"));
	assert_int_equal(dm_uri(&e, "/q"), 0);
	assert_int_equal(dm_uri(&e, "/t"), 0);
	assert_int_equal(dm_uri(&e, "/q"), 1);
	assert_int_equal(dm_uri(&e, "/t"), 0); /* toggled off again */
	assert_int_equal(dm_uri(&e, "/q"), 0);
	assert_int_equal(dm_uri(&e, "/t"), 0);
	assert_int_equal(dm_uri(&e, "/u"), 0);
	assert_int_equal(dm_uri(&e, "/q"), 0);
	dm_free(&e);
}

static void
test_flowbits_any_of(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/s\"; flowbits:set,b; flowbits:noalert; sid:9;")
		R("http.uri; content:\"/c\"; flowbits:isset,a|b; sid:10;")
		R("http.uri; content:\"/c\"; flowbits:isset,a&b; sid:11;"));
	assert_int_equal(dm_uri(&e, "/s"), 0);
	assert_int_equal(dm_uri(&e, "/c"), 1);
	assert_int_equal(e.sids[0], 10);
	dm_free(&e);
}

/* Runs /x at time t seconds; returns the alert count. */
static uint32_t
dm_at(struct dm_env *e, uint64_t t)
{
	e->pi.ts_usec = t * 1000000u;
	return dm_uri(e, "/x");
}

static void
test_threshold_limit(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/x\"; threshold:type limit, track by_src, count 2, "
		      "seconds 60; sid:20;"));
	assert_int_equal(dm_at(&e, 100), 1);
	assert_int_equal(dm_at(&e, 101), 1);
	assert_int_equal(dm_at(&e, 102), 0);
	assert_int_equal(dm_at(&e, 159), 0);
	assert_int_equal(dm_at(&e, 160), 1); /* a new period */
	/* Another source has its own counter. */
	e.src.bytes[3] = 9;
	assert_int_equal(dm_at(&e, 161), 1);
	assert_int_equal(detect_ctx_stats(e.dc)->threshold_entries, 2);
	dm_free(&e);
}

static void
test_threshold_threshold(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/x\"; threshold:type threshold, track by_dst, count 3, "
		      "seconds 10; sid:21;"));
	assert_int_equal(dm_at(&e, 1), 0);
	assert_int_equal(dm_at(&e, 2), 0);
	assert_int_equal(dm_at(&e, 3), 1);
	assert_int_equal(dm_at(&e, 4), 0);
	assert_int_equal(dm_at(&e, 5), 0);
	assert_int_equal(dm_at(&e, 6), 1);
	assert_int_equal(dm_at(&e, 12), 0); /* period over: counting starts again */
	assert_int_equal(dm_at(&e, 13), 0);
	assert_int_equal(dm_at(&e, 14), 1);
	dm_free(&e);
}

static void
test_threshold_both(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/x\"; threshold:type both, track by_src, count 2, "
		      "seconds 30; sid:22;"));
	assert_int_equal(dm_at(&e, 1), 0);
	assert_int_equal(dm_at(&e, 2), 1);
	assert_int_equal(dm_at(&e, 3), 0);
	assert_int_equal(dm_at(&e, 4), 0);
	assert_int_equal(dm_at(&e, 31), 0);
	assert_int_equal(dm_at(&e, 32), 1);
	dm_free(&e);
}

static void
test_detection_filter(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/x\"; detection_filter:track by_src, count 2, "
		      "seconds 60; sid:23;"));
	assert_int_equal(dm_at(&e, 1), 0);
	assert_int_equal(dm_at(&e, 2), 0);
	assert_int_equal(dm_at(&e, 3), 1);
	assert_int_equal(dm_at(&e, 4), 1);
	assert_int_equal(dm_at(&e, 70), 0);
	dm_free(&e);
}

static void
test_threshold_table_evicts(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/x\"; threshold:type limit, track by_src, count 1, "
		      "seconds 60; sid:24;"));
	detect_ctx_free(e.dc);
	detect_flow_free(e.df);
	struct detect_limits lim;
	detect_limits_default(&lim);
	lim.threshold_entries = 2;
	e.dc = detect_ctx_new(e.rs, &lim);
	e.df = detect_flow_new(e.dc);
	for (uint8_t i = 1; i <= 3; i++) {
		e.src.bytes[3] = i;
		assert_int_equal(dm_at(&e, 1), 1);
	}
	const struct detect_stats *st = detect_ctx_stats(e.dc);
	assert_int_equal(st->threshold_entries, 2);
	assert_int_equal(st->threshold_evictions, 1);
	/* Source 1 was the least recently used and is forgotten: it alerts again. */
	e.src.bytes[3] = 1;
	assert_int_equal(dm_at(&e, 2), 1);
	/* Source 3 is still tracked. */
	e.src.bytes[3] = 3;
	assert_int_equal(dm_at(&e, 2), 0);
	dm_free(&e);
}

static void
test_pass_suppresses(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/x\"; sid:30;")
		"drop http any any -> any any (msg:\"d\"; http.uri; content:\"/x\"; sid:31;)\n"
		"pass http any any -> any any (msg:\"p\"; http.uri; content:\"/x/ok\"; sid:32;)\n");
	assert_int_equal(dm_uri(&e, "/x/ok"), 0);
	assert_int_equal(e.res.verdict, DETECT_ACTION_PASS);
	assert_int_equal(dm_uri(&e, "/x/bad"), 2);
	assert_int_equal(e.res.verdict, DETECT_ACTION_DROP);
	dm_free(&e);
}

static void
test_drop_reject_verdict(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/a\"; sid:33;")
		"drop http any any -> any any (msg:\"d\"; http.uri; content:\"/b\"; sid:34;)\n"
		"reject http any any -> any any (msg:\"r\"; http.uri; content:\"/c\"; sid:35;)\n");
	assert_int_equal(dm_uri(&e, "/a"), 1);
	assert_int_equal(e.res.verdict, DETECT_ACTION_ALERT);
	assert_int_equal(dm_uri(&e, "/a/b"), 2);
	assert_int_equal(e.res.verdict, DETECT_ACTION_DROP);
	assert_true(e.actions[0] == DETECT_ACTION_DROP || e.actions[1] == DETECT_ACTION_DROP);
	assert_int_equal(dm_uri(&e, "/a/b/c"), 3);
	assert_int_equal(e.res.verdict, DETECT_ACTION_REJECT);
	dm_free(&e);
}

static void
test_alert_priority_order(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/x\"; priority:3; sid:40;")
		R("http.uri; content:\"/x\"; priority:1; sid:41;")
		R("http.uri; content:\"/x\"; priority:2; sid:42;"));
	assert_int_equal(dm_uri(&e, "/x"), 3);
	assert_int_equal(e.sids[0], 41);
	assert_int_equal(e.sids[1], 42);
	assert_int_equal(e.sids[2], 40);
	/* Once per inspection, however often the pattern occurs. */
	assert_int_equal(dm_uri(&e, "/x/x/x"), 3);
	dm_free(&e);
}

static void
test_request_response_points(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/dl\"; sid:50;")
		R("http.stat_code; content:\"500\"; sid:51;")
		R("http.uri; content:\"/dl\"; file.data; content:\"secret\"; flow:to_client; "
		  "sid:52;"));
	dm_clear(&e);
	dm_buf(&e, HTTP_BUF_URI, "/dl");
	dm_buf(&e, HTTP_BUF_STAT_CODE, "500");
	dm_buf(&e, HTTP_BUF_RESPONSE_BODY, "top secret");
	assert_int_equal(dm_run(&e, HTTP_DIR_REQUEST), 1);
	assert_int_equal(e.sids[0], 50);
	assert_int_equal(dm_run(&e, HTTP_DIR_RESPONSE), 2);
	assert_true(dm_has(&e, 51) && dm_has(&e, 52));
	dm_free(&e);
}

static void
test_header_sets(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, "alert http !192.0.2.1 any -> any any (msg:\"a\"; http.uri; content:\"/h\"; "
		    "sid:60;)\n"
		    "alert http any any -> any ![8080,8443] (msg:\"b\"; http.uri; content:\"/h\"; "
		    "sid:61;)\n"
		    "alert http 192.0.2.2 80 <> any any (msg:\"c\"; http.uri; content:\"/h\"; "
		    "sid:62;)\n"
		    "alert http 192.0.2.2 80 -> any any (msg:\"d\"; http.uri; content:\"/h\"; "
		    "sid:63;)\n"
		    "alert http any any -> any any (msg:\"e\"; flow:established,to_server; "
		    "http.uri; content:\"/h\"; sid:64;)\n");
	/* 192.0.2.1:40000 -> 192.0.2.2:80 */
	assert_int_equal(dm_uri(&e, "/h"), 3);
	assert_true(dm_has(&e, 61) && dm_has(&e, 62) && dm_has(&e, 64));
	e.pi.dport = 8443;
	e.pi.established = false;
	assert_int_equal(dm_uri(&e, "/h"), 0);
	e.src.bytes[3] = 7;
	assert_int_equal(dm_uri(&e, "/h"), 1);
	assert_int_equal(e.sids[0], 60);
	dm_free(&e);
}

static void
test_candidate_limit(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/x\"; sid:70;") R("http.uri; content:\"/x\"; sid:71;")
		R("http.uri; content:\"/x\"; sid:72;"));
	detect_ctx_free(e.dc);
	struct detect_limits lim;
	detect_limits_default(&lim);
	lim.max_candidates = 2;
	e.dc = detect_ctx_new(e.rs, &lim);
	assert_int_equal(dm_uri(&e, "/x"), 2);
	assert_int_equal(detect_ctx_stats(e.dc)->candidate_limit_hits, 1);
	/* The bitmap was cleared: the next inspection finds candidates again. */
	assert_int_equal(dm_uri(&e, "/x"), 2);
	dm_free(&e);
}

static void
test_backtracking_budget(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.request_body; content:\"a\"; content:\"a\"; distance:0; "
		      "content:\"a\"; distance:0; content:\"b\"; distance:0; within:1; sid:73;"));
	static char body[301];
	memset(body, 'a', sizeof(body) - 1);
	dm_clear(&e);
	dm_buf(&e, HTTP_BUF_URI, "/");
	dm_buf(&e, HTTP_BUF_REQUEST_BODY, body);
	assert_int_equal(dm_req(&e), 0);
	assert_int_equal(detect_ctx_stats(e.dc)->verify_limit_hits, 1);
	dm_buf(&e, HTTP_BUF_REQUEST_BODY, "xaaab");
	assert_int_equal(dm_req(&e), 1);
	dm_free(&e);
}

static void
test_rule_without_conditions(void **state)
{
	(void)state;
	struct dm_env e;
	dm_load(&e, R("http.uri; content:\"/s\"; flowbits:set,s; flowbits:noalert; sid:74;")
		R("flow:to_server; flowbits:isset,s; sid:75;"));
	assert_int_equal(dm_uri(&e, "/a"), 0);
	assert_int_equal(dm_uri(&e, "/s"), 1);
	assert_int_equal(e.sids[0], 75);
	assert_int_equal(dm_uri(&e, "/b"), 1);
	assert_int_equal(detect_ruleset_stats(e.rs)->no_fast_pattern, 1);
	dm_free(&e);
}

static void
test_generated_rules(void **state)
{
	(void)state;
	enum { N = 2000 };
	size_t cap = (size_t)N * 160, len = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	for (int i = 0; i < N; i++) {
		/* Every fifth rule also has a pcre; every seventh is nocase. */
		int w = snprintf(text + len, cap - len,
				 "alert http any any -> any any (msg:\"g%d\"; http.uri; "
				 "content:\"/app%d/\"; %s%s sid:%d;)\n",
				 i, i, i % 7 == 0 ? "nocase; " : "",
				 i % 5 == 0 ? "pcre:\"/id=\\d+$/\";" : "", 100000 + i);
		assert_true(w > 0 && (size_t)w < cap - len);
		len += (size_t)w;
	}
	struct dm_env e;
	dm_load(&e, text);
	free(text);
	assert_int_equal(detect_ruleset_stats(e.rs)->loaded, N);
	assert_int_equal(detect_ruleset_stats(e.rs)->no_fast_pattern, 0);
	assert_true(detect_ruleset_stats(e.rs)->memory_bytes > 0);
	char uri[64];
	for (int i = 0; i < N; i++) {
		snprintf(uri, sizeof(uri), "%s%d/x?id=%d", i % 7 == 0 ? "/APP" : "/app", i, i);
		assert_int_equal(dm_uri(&e, uri), 1);
		assert_int_equal(e.sids[0], 100000 + i);
	}
	/* Without the digits only the pcre rules fail. */
	assert_int_equal(dm_uri(&e, "/app5/x?id="), 0);
	assert_int_equal(dm_uri(&e, "/app6/x?id="), 1);
	assert_int_equal(dm_uri(&e, "/nothing"), 0);
	dm_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flowbits_across_transactions),
		cmocka_unit_test(test_flowbits_same_inspection),
		cmocka_unit_test(test_flowbits_toggle_unset),
		cmocka_unit_test(test_flowbits_any_of),
		cmocka_unit_test(test_threshold_limit),
		cmocka_unit_test(test_threshold_threshold),
		cmocka_unit_test(test_threshold_both),
		cmocka_unit_test(test_detection_filter),
		cmocka_unit_test(test_threshold_table_evicts),
		cmocka_unit_test(test_pass_suppresses),
		cmocka_unit_test(test_drop_reject_verdict),
		cmocka_unit_test(test_alert_priority_order),
		cmocka_unit_test(test_request_response_points),
		cmocka_unit_test(test_header_sets),
		cmocka_unit_test(test_candidate_limit),
		cmocka_unit_test(test_backtracking_budget),
		cmocka_unit_test(test_rule_without_conditions),
		cmocka_unit_test(test_generated_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
