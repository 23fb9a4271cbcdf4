/* Unit tests for the rule parser (detect_parse*.c), the variables and the rule-set loader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/err.h"
#include "detect/detect.h"

static struct detect_vars test_vars;
static struct detect_rule rule;
static struct detect_parse_diag diag;

static int
setup(void **state)
{
	(void)state;
	detect_vars_default(&test_vars);
	memset(&rule, 0, sizeof(rule));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	detect_rule_fini(&rule);
	return 0;
}

static enum detect_parse_status
parse(const char *text)
{
	detect_rule_fini(&rule);
	return detect_parse_rule(text, strlen(text), &test_vars, &rule, &diag);
}

/* Parses "alert http any any -> any any (OPTS sid:1;)". */
static enum detect_parse_status
parse_opts(const char *opts)
{
	char text[4096];
	snprintf(text, sizeof(text), "alert http any any -> any any (%s sid:1;)", opts);
	return parse(text);
}

#define assert_error(st, fragment)                                                              \
	do {                                                                                    \
		assert_int_equal((st), DETECT_PARSE_ERROR);                                     \
		if (!strstr(diag.msg, (fragment)))                                              \
			fail_msg("message '%s' lacks '%s'", diag.msg, (fragment));             \
	} while (0)

#define assert_skipped(st, kw)                                                                  \
	do {                                                                                    \
		assert_int_equal((st), DETECT_PARSE_SKIPPED);                                   \
		assert_string_equal(diag.keyword, (kw));                                        \
	} while (0)

/* ---- header ---- */

static void
test_header_basic(void **state)
{
	(void)state;
	assert_int_equal(parse("alert http $EXTERNAL_NET any -> $HTTP_SERVERS $HTTP_PORTS "
			       "(msg:\"x\"; sid:1000; rev:3;)"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.action, DETECT_ACTION_ALERT);
	assert_int_equal(rule.proto, DETECT_PROTO_HTTP);
	assert_false(rule.bidirectional);
	assert_true(rule.src_ip.any);
	assert_false(rule.dst_port.any);
	assert_true(net_port_set_has(&rule.dst_port, 8443));
	assert_false(net_port_set_has(&rule.dst_port, 22));
	assert_int_equal(rule.sid, 1000);
	assert_int_equal(rule.rev, 3);
	assert_int_equal(rule.gid, 1);
	assert_int_equal(rule.priority, 3);
	assert_string_equal(rule.msg, "x");
	assert_int_equal(rule.dir, DETECT_DIR_ANY);
	assert_int_equal(rule.n_conds, 0);
}

static void
test_header_actions(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum detect_action a;
	} rows[] = {
		{ "drop tcp any any -> any any (sid:1;)", DETECT_ACTION_DROP },
		{ "reject tcp any any -> any any (sid:1;)", DETECT_ACTION_REJECT },
		{ "rejectsrc tcp any any -> any any (sid:1;)", DETECT_ACTION_REJECT },
		{ "rejectdst tcp any any -> any any (sid:1;)", DETECT_ACTION_REJECT },
		{ "rejectboth tcp any any -> any any (sid:1;)", DETECT_ACTION_REJECT },
		{ "pass ip any any -> any any (sid:1;)", DETECT_ACTION_PASS },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(parse(rows[i].text), DETECT_PARSE_OK);
		assert_int_equal(rule.action, rows[i].a);
	}
	assert_error(parse("log tcp any any -> any any (sid:1;)"), "unknown action 'log'");
}

static void
test_header_protos(void **state)
{
	(void)state;
	assert_int_equal(parse("alert http1 any any -> any any (sid:1;)"), DETECT_PARSE_OK);
	assert_int_equal(rule.proto, DETECT_PROTO_HTTP);
	assert_int_equal(parse("alert tls any any -> any any (sid:1;)"), DETECT_PARSE_OK);
	assert_int_equal(rule.proto, DETECT_PROTO_TLS);
	assert_int_equal(parse("alert ip any any -> any any (sid:1;)"), DETECT_PARSE_OK);
	assert_int_equal(rule.proto, DETECT_PROTO_IP);
	assert_skipped(parse("alert udp any any -> any 53 (sid:1;)"), "udp");
	assert_skipped(parse("alert dns any any -> any any (sid:1;)"), "dns");
	assert_skipped(parse("alert smtp any any -> any any (sid:1;)"), "smtp");
	/* A tcp rule that names HTTP buffers is an HTTP rule, as in Suricata. */
	assert_int_equal(parse("alert tcp any any -> any any (http.uri; content:\"/a\"; sid:1;)"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.proto, DETECT_PROTO_HTTP);
	assert_error(parse("alert tls any any -> any any (http.uri; content:\"/a\"; sid:1;)"),
		     "HTTP buffers in a tls rule");
}

static void
test_header_bidirectional_and_lists(void **state)
{
	(void)state;
	assert_int_equal(parse("alert tcp [10.0.0.0/8, !10.1.0.0/16] [1024:, !8080] <> "
			       "$HOME_NET ![22,23] (sid:1;)"),
			 DETECT_PARSE_OK);
	assert_true(rule.bidirectional);
	assert_int_equal(rule.src_ip.n_incl, 1);
	assert_int_equal(rule.src_ip.n_excl, 1);
	assert_true(net_port_set_has(&rule.src_port, 2000));
	assert_false(net_port_set_has(&rule.src_port, 8080));
	assert_false(net_port_set_has(&rule.dst_port, 22));
	assert_true(net_port_set_has(&rule.dst_port, 80));
}

static void
test_header_errors(void **state)
{
	(void)state;
	assert_error(parse("alert tcp any any any any (sid:1;)"), "6 fields");
	assert_error(parse("alert tcp any any <- any any (sid:1;)"), "bad direction '<-'");
	assert_error(parse("alert tcp any 70000 -> any any (sid:1;)"),
		     "source port: port 70000 out of range");
	assert_error(parse("alert tcp any any -> any $NOPE (sid:1;)"),
		     "destination port: unknown variable $NOPE");
	assert_error(parse("alert tcp 1.2.3 any -> any any (sid:1;)"),
		     "source address: bad address '1.2.3'");
	assert_error(parse("alert tcp any any -> any any"), "'(' not found");
	assert_error(parse("alert tcp any any -> any any (sid:1;"), "does not end with ')'");
	assert_error(parse("alert tcp any any -> any any (msg:\"x\";)"), "no sid");
	assert_error(parse(""), "'(' not found");
}

/* ---- framing of options ---- */

static void
test_option_framing(void **state)
{
	(void)state;
	assert_error(parse("alert tcp any any -> any any (sid:1; msg:\"x\")"),
		     "option 'msg' is not terminated by ';'");
	assert_error(parse("alert tcp any any -> any any (sid:1; nocase)"),
		     "option 'nocase' is not terminated by ';'");
	assert_error(parse("alert tcp any any -> any any (sid:1; ;)"), "empty option");
	assert_error(parse("alert tcp any any -> any any (sid:1; c$t:1;)"), "bad keyword");
	assert_error(parse_opts("sid:2;"), "sid given twice");
	assert_error(parse_opts("nocase:1;"), "nocase takes no value");
	assert_error(parse_opts("content;"), "content needs a value");
	/* An escaped ';' does not end the value. */
	assert_int_equal(parse_opts("content:\"a\\;b\";"), DETECT_PARSE_OK);
	assert_memory_equal(rule.conds[0].u.content.pat, "a;b", 3);
}

static void
test_unknown_keyword_skipped(void **state)
{
	(void)state;
	assert_skipped(parse_opts("content:\"a\"; dsize:>10;"), "dsize");
	assert_string_equal(diag.msg, "unsupported keyword 'dsize'");
	assert_skipped(parse_opts("xbits:set,foo,track ip_src;"), "xbits");
	assert_skipped(parse_opts("http.start; content:\"GET\";"), "http.start");
	assert_skipped(parse_opts("flow:no_stream;"), "flow");
	/* Nothing is kept from a skipped rule. */
	assert_int_equal(rule.n_conds, 0);
	assert_null(rule.conds);
}

/* ---- meta ---- */

static void
test_meta_options(void **state)
{
	(void)state;
	assert_int_equal(parse("alert http any any -> any any (msg:\"say \\\"hi\\\"\\; ok\\\\\"; "
			       "reference:url,example.com/a; reference:cve,2020-1; "
			       "metadata:affected_product Any, deployment Perimeter; "
			       "classtype:web-application-attack; target:dest_ip; gid:3; "
			       "sid:7; rev:2;)"),
			 DETECT_PARSE_OK);
	assert_string_equal(rule.msg, "say \"hi\"; ok\\");
	assert_string_equal(rule.classtype, "web-application-attack");
	assert_int_equal(rule.priority, 1);
	assert_string_equal(rule.target, "dest_ip");
	assert_int_equal(rule.gid, 3);
	assert_int_equal(rule.sid, 7);
	assert_int_equal(rule.rev, 2);
}

static void
test_priority(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("classtype:attempted-recon;"), DETECT_PARSE_OK);
	assert_int_equal(rule.priority, 2);
	assert_int_equal(parse_opts("classtype:attempted-recon; priority:4;"), DETECT_PARSE_OK);
	assert_int_equal(rule.priority, 4);
	assert_int_equal(parse_opts("classtype:no-such-class;"), DETECT_PARSE_OK);
	assert_int_equal(rule.priority, 3);
	assert_error(parse_opts("priority:0;"), "bad priority");
	assert_error(parse_opts("priority:256;"), "bad priority");
}

static void
test_meta_errors(void **state)
{
	(void)state;
	assert_error(parse("alert tcp any any -> any any (sid:0;)"), "bad number '0'");
	assert_error(parse("alert tcp any any -> any any (sid:99999999999;)"), "bad number");
	assert_error(parse("alert tcp any any -> any any (sid:12a;)"), "bad number");
	assert_error(parse_opts("msg:x;"), "double quotes");
	assert_error(parse_opts("msg:\"a\"; msg:\"b\";"), "msg given twice");
	assert_error(parse_opts("target:both;"), "src_ip or dest_ip");
	assert_error(parse_opts("reference:nocomma;"), "TYPE,VALUE");
	assert_error(parse_opts("classtype:bad class;"), "bad character");
}

/* ---- flow ---- */

static void
test_flow(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("flow:established,to_server;"), DETECT_PARSE_OK);
	assert_true(rule.established);
	assert_int_equal(rule.dir, DETECT_DIR_TO_SERVER);
	assert_int_equal(parse_opts("flow: from_server, established;"), DETECT_PARSE_OK);
	assert_int_equal(rule.dir, DETECT_DIR_TO_CLIENT);
	assert_int_equal(parse_opts("flow:to_client;"), DETECT_PARSE_OK);
	assert_false(rule.established);
	assert_int_equal(rule.dir, DETECT_DIR_TO_CLIENT);
	assert_int_equal(parse_opts("flow:from_client,stateless;"), DETECT_PARSE_OK);
	assert_int_equal(rule.dir, DETECT_DIR_TO_SERVER);
	assert_int_equal(parse_opts("flow:established,to_server,only_stream;"), DETECT_PARSE_OK);
	assert_skipped(parse_opts("flow:not_established;"), "flow");
	assert_error(parse_opts("flow:to_server,to_client;"), "both directions");
	assert_error(parse_opts("flow:sideways;"), "unknown option 'sideways'");
	assert_error(parse_opts("flow:established; flow:to_server;"), "flow given twice");
}

/* ---- content ---- */

static void
test_content_escapes_and_hex(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("content:\"a|20 0d0A|b\\\"\\:\\\\|3b|\";"), DETECT_PARSE_OK);
	assert_int_equal(rule.n_conds, 1);
	const struct detect_content *c = &rule.conds[0].u.content;
	assert_int_equal(rule.conds[0].kind, DETECT_COND_CONTENT);
	assert_int_equal(rule.conds[0].buf, DETECT_BUF_STREAM);
	/* a, space, CR, LF, b, quote, colon, backslash, ';' */
	assert_int_equal(c->len, 9);
	assert_memory_equal(c->pat, "a \r\nb\":\\;", 9);
	assert_false(c->negated);
}

static void
test_content_negated_and_modifiers(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("content:\"GET\"; nocase; depth:3; offset:0; "
				    "content:!\"x\"; distance:-2; within:10; "
				    "content:\"end\"; endswith; content:\"Q\"; startswith; rawbytes;"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.n_conds, 4);
	const struct detect_content *a = &rule.conds[0].u.content;
	assert_true(a->nocase);
	assert_true(a->has_depth);
	assert_int_equal(a->depth, 3);
	assert_true(a->has_offset);
	const struct detect_content *b = &rule.conds[1].u.content;
	assert_true(b->negated);
	assert_true(b->has_distance);
	assert_int_equal(b->distance, -2);
	assert_true(b->has_within);
	assert_int_equal(b->within, 10);
	assert_true(rule.conds[2].u.content.endswith);
	assert_true(rule.conds[3].u.content.startswith);
}

static void
test_fast_pattern_forms(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("content:\"abcdef\"; fast_pattern; content:\"xyz\"; "
				    "fast_pattern:only; content:\"0123456789\"; fast_pattern:2,5;"),
			 DETECT_PARSE_OK);
	assert_true(rule.conds[0].u.content.fast_pattern);
	assert_false(rule.conds[0].u.content.fast_pattern_only);
	assert_true(rule.conds[1].u.content.fast_pattern_only);
	assert_int_equal(rule.conds[2].u.content.fp_off, 2);
	assert_int_equal(rule.conds[2].u.content.fp_len, 5);
	assert_error(parse_opts("content:\"abc\"; fast_pattern:2,5;"), "outside the content");
	assert_error(parse_opts("content:\"abc\"; fast_pattern:x;"), "bad offset");
	assert_error(parse_opts("content:!\"abc\"; fast_pattern;"), "negated");
}

static void
test_content_errors(void **state)
{
	(void)state;
	assert_error(parse_opts("content:\"|4g|\";"), "bad hex digit 'g'");
	assert_error(parse_opts("content:\"|414|\";"), "odd number of hex digits");
	assert_error(parse_opts("content:\"|41\";"), "unterminated |hex|");
	assert_error(parse_opts("content:\"a\\nb\";"), "bad escape '\\n'");
	assert_error(parse_opts("content:\"\";"), "empty content");
	assert_error(parse_opts("content:abc;"), "double quotes");
	assert_error(parse_opts("content:\"abc;"), "double quotes");
	assert_error(parse_opts("content:\"a\"b\";"), "unescaped '\"'");
	assert_error(parse_opts("distance:0;"), "distance needs a preceding content");
	assert_error(parse_opts("nocase;"), "nocase needs a preceding content");
	assert_error(parse_opts("content:\"abcd\"; depth:2;"), "smaller than the content");
	assert_error(parse_opts("content:\"abcd\"; within:3;"), "smaller than the content");
	assert_error(parse_opts("content:\"a\"; depth:4; distance:1;"), "conflicts");
	assert_error(parse_opts("content:\"a\"; startswith; offset:1;"), "conflicts");
	assert_error(parse_opts("content:\"a\"; offset:-1;"), "negative");
	assert_error(parse_opts("content:\"a\"; depth:99999999;"), "bad depth");
}

/* ---- sticky buffers and legacy modifiers ---- */

static void
test_sticky_buffers_request(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("http.method; content:\"POST\"; http.uri; content:\"/a\"; "
				    "http.uri.raw; content:\"%2e\"; http.header; content:\"X\"; "
				    "http.cookie; content:\"c\"; http.user_agent; content:\"u\"; "
				    "http.host; content:\"h\"; http.request_body; content:\"b\"; "
				    "pkt_data; content:\"s\";"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.n_conds, 9);
	assert_int_equal(rule.conds[0].buf, HTTP_BUF_METHOD);
	assert_int_equal(rule.conds[1].buf, HTTP_BUF_URI);
	assert_int_equal(rule.conds[2].buf, HTTP_BUF_URI_RAW);
	assert_int_equal(rule.conds[3].buf, HTTP_BUF_REQUEST_HEADERS);
	assert_int_equal(rule.conds[4].buf, HTTP_BUF_COOKIE);
	assert_int_equal(rule.conds[5].buf, HTTP_BUF_USER_AGENT);
	assert_int_equal(rule.conds[6].buf, HTTP_BUF_HOST);
	assert_int_equal(rule.conds[7].buf, HTTP_BUF_REQUEST_BODY);
	assert_int_equal(rule.conds[8].buf, DETECT_BUF_STREAM);
	assert_int_equal(rule.dir, DETECT_DIR_TO_SERVER);
	assert_false(rule.needs_response);
}

static void
test_sticky_buffer_table(void **state)
{
	(void)state;
	static const struct {
		const char *kw;
		uint16_t buf;
	} rows[] = {
		{ "http.host.raw", HTTP_BUF_HOST_RAW },
		{ "http.referer", HTTP_BUF_REFERER },
		{ "http.request_line", HTTP_BUF_REQUEST_LINE },
		{ "http.accept", HTTP_BUF_ACCEPT },
		{ "http.accept_lang", HTTP_BUF_ACCEPT_LANGUAGE },
		{ "http.accept_enc", HTTP_BUF_ACCEPT_ENCODING },
		{ "http.connection", HTTP_BUF_CONNECTION },
		{ "http.content_len", HTTP_BUF_CONTENT_LENGTH },
		{ "http.header.raw", HTTP_BUF_REQUEST_HEADERS_RAW },
		{ "http.header_names", HTTP_BUF_REQUEST_HEADER_NAMES },
		{ "http.content_type", HTTP_BUF_REQUEST_CONTENT_TYPE },
		{ "http.protocol", HTTP_BUF_REQUEST_PROTOCOL },
		{ "http_request_line", HTTP_BUF_REQUEST_LINE },
		{ "http_header_names", HTTP_BUF_REQUEST_HEADER_NAMES },
		{ "http.stat_code", HTTP_BUF_STAT_CODE },
		{ "http.stat_msg", HTTP_BUF_STAT_MSG },
		{ "http.response_line", HTTP_BUF_RESPONSE_LINE },
		{ "http.location", HTTP_BUF_LOCATION },
		{ "http.server", HTTP_BUF_SERVER },
		{ "http.response_body", HTTP_BUF_RESPONSE_BODY },
		{ "file.data", HTTP_BUF_RESPONSE_BODY },
		{ "file_data", HTTP_BUF_RESPONSE_BODY },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char opts[128];
		snprintf(opts, sizeof(opts), "%s; content:\"x\";", rows[i].kw);
		assert_int_equal(parse_opts(opts), DETECT_PARSE_OK);
		if (rule.conds[0].buf != rows[i].buf)
			fail_msg("%s gave buffer %u, expected %u", rows[i].kw, rule.conds[0].buf,
				 rows[i].buf);
		bool resp = http_buf_is_response((enum http_buf)rows[i].buf);
		assert_int_equal(rule.needs_response, resp);
		/* Two-sided buffers alone leave the direction open. */
		bool two_sided = strstr("http.header.raw http.header_names http.content_type "
					"http.protocol http_header_names", rows[i].kw) != NULL;
		assert_int_equal(rule.dir, resp	     ? DETECT_DIR_TO_CLIENT :
					   two_sided ? DETECT_DIR_ANY :
						       DETECT_DIR_TO_SERVER);
	}
}

/* Buffers on both sides follow the rule's direction, even when flow comes last. */
static void
test_ambiguous_buffers_follow_flow(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("http.header; content:\"a\"; http.cookie; content:\"b\"; "
				    "http.content_type; content:\"c\"; http.header_names; "
				    "content:\"d\"; http.protocol; content:\"e\"; http.header.raw; "
				    "content:\"f\"; flow:established,to_client;"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.conds[0].buf, HTTP_BUF_RESPONSE_HEADERS);
	assert_int_equal(rule.conds[1].buf, HTTP_BUF_SET_COOKIE);
	assert_int_equal(rule.conds[2].buf, HTTP_BUF_RESPONSE_CONTENT_TYPE);
	assert_int_equal(rule.conds[3].buf, HTTP_BUF_RESPONSE_HEADER_NAMES);
	assert_int_equal(rule.conds[4].buf, HTTP_BUF_RESPONSE_PROTOCOL);
	assert_int_equal(rule.conds[5].buf, HTTP_BUF_RESPONSE_HEADERS_RAW);
	assert_true(rule.needs_response);
	/* A response-only buffer makes the header a response one without flow. */
	assert_int_equal(parse_opts("http.header; content:\"a\"; http.stat_code; content:\"200\";"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.dir, DETECT_DIR_TO_CLIENT);
	assert_int_equal(rule.conds[0].buf, HTTP_BUF_RESPONSE_HEADERS);
	/* Alone, a two-sided buffer reads the request, direction unknown. */
	assert_int_equal(parse_opts("http.header; content:\"a\";"), DETECT_PARSE_OK);
	assert_int_equal(rule.dir, DETECT_DIR_ANY);
	assert_int_equal(rule.conds[0].buf, HTTP_BUF_REQUEST_HEADERS);
	/* file.data in a to_server rule is the request body. */
	assert_int_equal(parse_opts("flow:to_server; file.data; content:\"MZ\";"), DETECT_PARSE_OK);
	assert_int_equal(rule.conds[0].buf, HTTP_BUF_REQUEST_BODY);
	assert_false(rule.needs_response);
	/* Request buffers stay usable in a response rule. */
	assert_int_equal(parse_opts("flow:to_client; http.uri; content:\"/a\"; file.data; "
				    "content:\"b\";"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.conds[0].buf, HTTP_BUF_URI);
	assert_int_equal(rule.conds[1].buf, HTTP_BUF_RESPONSE_BODY);
	assert_true(rule.needs_response);
}

static void
test_direction_conflicts(void **state)
{
	(void)state;
	assert_error(parse_opts("flow:to_server; http.stat_code; content:\"200\";"),
		     "http.stat_code reads the response, but the rule is to_server");
	assert_skipped(parse_opts("flow:to_client; http.content_len; content:\"1\";"),
		       "http.content_len");
}

static void
test_legacy_modifiers(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("content:\"POST\"; http_method; content:\"/x\"; http_uri; "
				    "content:\"y\"; distance:0; http_uri; content:\"%41\"; "
				    "http_raw_uri; content:\"H\"; http_header; content:\"R\"; "
				    "http_raw_header; content:\"c\"; http_cookie; content:\"u\"; "
				    "http_user_agent; content:\"h\"; http_host; content:\"H\"; "
				    "http_raw_host; content:\"b\"; http_client_body; content:\"s\";"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.n_conds, 12);
	static const uint16_t want[] = {
		HTTP_BUF_METHOD,	    HTTP_BUF_URI,	  HTTP_BUF_URI,
		HTTP_BUF_URI_RAW,	    HTTP_BUF_REQUEST_HEADERS, HTTP_BUF_REQUEST_HEADERS_RAW,
		HTTP_BUF_COOKIE,	    HTTP_BUF_USER_AGENT,  HTTP_BUF_HOST,
		HTTP_BUF_HOST_RAW,	    HTTP_BUF_REQUEST_BODY, DETECT_BUF_STREAM,
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(rule.conds[i].buf, want[i]);
	assert_true(rule.conds[2].u.content.has_distance);
	assert_int_equal(parse_opts("content:\"200\"; http_stat_code; content:\"OK\"; "
				    "http_stat_msg; content:\"z\"; http_server_body;"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.conds[0].buf, HTTP_BUF_STAT_CODE);
	assert_int_equal(rule.conds[1].buf, HTTP_BUF_STAT_MSG);
	assert_int_equal(rule.conds[2].buf, HTTP_BUF_RESPONSE_BODY);
	assert_int_equal(rule.dir, DETECT_DIR_TO_CLIENT);
	/* With nothing to modify, the underscore form is a sticky buffer. */
	assert_int_equal(parse_opts("http_uri; content:\"/a\"; content:\"b\";"), DETECT_PARSE_OK);
	assert_int_equal(rule.conds[0].buf, HTTP_BUF_URI);
	assert_int_equal(rule.conds[1].buf, HTTP_BUF_URI);
	assert_error(parse_opts("http.uri:1;"), "takes no value");
}

/* ---- pcre ---- */

static void
test_pcre_flags(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("pcre:\"/a\\/b\\;c/ismxAEG\";"), DETECT_PARSE_OK);
	const struct detect_pcre *p = &rule.conds[0].u.pcre;
	assert_int_equal(rule.conds[0].kind, DETECT_COND_PCRE);
	assert_string_equal(p->re, "a\\/b\\;c");
	assert_int_equal(p->opts, PCRE2_CASELESS | PCRE2_DOTALL | PCRE2_MULTILINE | PCRE2_EXTENDED |
					  PCRE2_ANCHORED | PCRE2_DOLLAR_ENDONLY | PCRE2_UNGREEDY);
	assert_false(p->relative);
	assert_int_equal(rule.conds[0].buf, DETECT_BUF_STREAM);
	assert_int_equal(parse_opts("pcre:!\"/x/BO\";"), DETECT_PARSE_OK);
	assert_true(rule.conds[0].u.pcre.negated);
	assert_int_equal(rule.conds[0].u.pcre.opts, 0);
}

static void
test_pcre_buffer_letters(void **state)
{
	(void)state;
	static const struct {
		char letter;
		uint16_t buf;
	} rows[] = {
		{ 'U', HTTP_BUF_URI },		  { 'I', HTTP_BUF_URI_RAW },
		{ 'M', HTTP_BUF_METHOD },	  { 'H', HTTP_BUF_REQUEST_HEADERS },
		{ 'D', HTTP_BUF_REQUEST_HEADERS_RAW }, { 'C', HTTP_BUF_COOKIE },
		{ 'P', HTTP_BUF_REQUEST_BODY },	  { 'V', HTTP_BUF_USER_AGENT },
		{ 'W', HTTP_BUF_HOST },		  { 'Z', HTTP_BUF_HOST_RAW },
		{ 'S', HTTP_BUF_STAT_CODE },	  { 'Y', HTTP_BUF_STAT_MSG },
		{ 'Q', HTTP_BUF_RESPONSE_BODY },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char opts[64];
		snprintf(opts, sizeof(opts), "pcre:\"/x/%c\";", rows[i].letter);
		assert_int_equal(parse_opts(opts), DETECT_PARSE_OK);
		if (rule.conds[0].buf != rows[i].buf)
			fail_msg("flag %c gave buffer %u", rows[i].letter, rule.conds[0].buf);
	}
}

static void
test_pcre_relative_and_sticky(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("http.uri; content:\"/a\"; pcre:\"/b/R\";"), DETECT_PARSE_OK);
	assert_true(rule.conds[1].u.pcre.relative);
	assert_int_equal(rule.conds[1].buf, HTTP_BUF_URI);
	/* Legacy: a relative pcre follows the buffer of the match before it. */
	assert_int_equal(parse_opts("content:\"/a\"; http_uri; pcre:\"/b/R\";"), DETECT_PARSE_OK);
	assert_int_equal(rule.conds[1].buf, HTTP_BUF_URI);
}

static void
test_pcre_errors(void **state)
{
	(void)state;
	assert_error(parse_opts("pcre:\"abc\";"), "\"/regex/flags\"");
	assert_error(parse_opts("pcre:abc;"), "double quotes");
	assert_error(parse_opts("pcre:\"/abc\";"), "no closing '/'");
	assert_error(parse_opts("pcre:\"//i\";"), "empty pcre");
	assert_error(parse_opts("pcre:\"/a/q\";"), "unknown pcre flag 'q'");
	assert_error(parse_opts("pcre:\"/a/UM\";"), "two buffers");
}

/* ---- sizes and numbers ---- */

static void
test_urilen_bsize_isdataat(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("urilen:>10; urilen:5<>20,raw; urilen:7,norm; "
				    "http.uri; bsize:<=30; bsize:!4; content:\"a\"; "
				    "isdataat:!2,relative; isdataat:100;"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.n_conds, 8);
	assert_int_equal(rule.conds[0].kind, DETECT_COND_URILEN);
	assert_int_equal(rule.conds[0].buf, HTTP_BUF_URI);
	assert_int_equal(rule.conds[0].u.num.cmp, DETECT_CMP_GT);
	assert_int_equal(rule.conds[0].u.num.a, 10);
	assert_int_equal(rule.conds[1].buf, HTTP_BUF_URI_RAW);
	assert_int_equal(rule.conds[1].u.num.cmp, DETECT_CMP_RANGE);
	assert_int_equal(rule.conds[1].u.num.a, 5);
	assert_int_equal(rule.conds[1].u.num.b, 20);
	assert_int_equal(rule.conds[2].u.num.cmp, DETECT_CMP_EQ);
	assert_int_equal(rule.conds[3].kind, DETECT_COND_BSIZE);
	assert_int_equal(rule.conds[3].buf, HTTP_BUF_URI);
	assert_int_equal(rule.conds[3].u.num.cmp, DETECT_CMP_LE);
	assert_int_equal(rule.conds[4].u.num.cmp, DETECT_CMP_NE);
	assert_int_equal(rule.conds[6].kind, DETECT_COND_ISDATAAT);
	assert_true(rule.conds[6].u.isdataat.negated);
	assert_true(rule.conds[6].u.isdataat.relative);
	assert_int_equal(rule.conds[6].u.isdataat.offset, 2);
	assert_false(rule.conds[7].u.isdataat.relative);
	assert_error(parse_opts("bsize:10;"), "needs a sticky buffer");
	assert_error(parse_opts("urilen:10,sideways;"), "'norm' or 'raw'");
	assert_error(parse_opts("urilen:20<>10;"), "is empty");
	assert_error(parse_opts("isdataat:1,relative;"), "needs a preceding content");
	assert_error(parse_opts("isdataat:x;"), "bad offset");
}

static void
test_byte_test(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("content:\"a\"; byte_test:2,>=,0x1f,-3,relative,little; "
				    "byte_test:4,!=,5,0,string,hex; byte_test:1,&,128,2; "
				    "byte_test:1,!<,4,0;"),
			 DETECT_PARSE_OK);
	const struct detect_byte *b = &rule.conds[1].u.byte;
	assert_int_equal(rule.conds[1].kind, DETECT_COND_BYTE_TEST);
	assert_int_equal(b->nbytes, 2);
	assert_int_equal(b->test.cmp, DETECT_CMP_GE);
	assert_int_equal(b->test.a, 31);
	assert_int_equal(b->offset, -3);
	assert_true(b->relative);
	assert_true(b->little_endian);
	b = &rule.conds[2].u.byte;
	assert_int_equal(b->test.cmp, DETECT_CMP_NE);
	assert_true(b->string);
	assert_int_equal(b->base, 16);
	assert_int_equal(rule.conds[3].u.byte.test.cmp, DETECT_CMP_AND);
	assert_int_equal(rule.conds[4].u.byte.test.cmp, DETECT_CMP_GE);
	assert_skipped(parse_opts("byte_test:1,!&,8,2;"), "byte_test");
	assert_skipped(parse_opts("byte_test:0,>,5,0,string,dec;"), "byte_test");
	assert_skipped(parse_opts("byte_test:2,>,len,0;"), "byte_extract");
	assert_skipped(parse_opts("byte_test:2,>,1,0,dce;"), "byte_test");
	assert_error(parse_opts("byte_test:9,>,1,0;"), "at most 8 bytes");
	assert_error(parse_opts("byte_test:2,~,1,0;"), "unknown operator");
	assert_error(parse_opts("byte_test:2,>,1;"), "NBYTES,OP,VALUE,OFFSET");
	assert_error(parse_opts("byte_test:2,>,1,0,hex;"), "need 'string'");
	assert_error(parse_opts("byte_test:2,>,1,0,sideways;"), "unknown option");
}

static void
test_byte_jump(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("content:\"a\"; byte_jump:2,1,relative,little,multiplier 4,"
				    "post_offset -4,align,from_beginning;"),
			 DETECT_PARSE_OK);
	const struct detect_byte *b = &rule.conds[1].u.byte;
	assert_int_equal(rule.conds[1].kind, DETECT_COND_BYTE_JUMP);
	assert_int_equal(b->nbytes, 2);
	assert_int_equal(b->offset, 1);
	assert_true(b->relative);
	assert_true(b->little_endian);
	assert_int_equal(b->multiplier, 4);
	assert_int_equal(b->post_offset, -4);
	assert_true(b->align);
	assert_true(b->from_beginning);
	assert_int_equal(parse_opts("byte_jump:3,0,string,dec;"), DETECT_PARSE_OK);
	assert_int_equal(rule.conds[0].u.byte.multiplier, 1);
	assert_int_equal(rule.conds[0].u.byte.base, 10);
	assert_skipped(parse_opts("byte_jump:2,0,from_end;"), "byte_jump");
	assert_error(parse_opts("byte_jump:2;"), "NBYTES,OFFSET");
	assert_error(parse_opts("byte_jump:2,0,multiplier x;"), "bad multiplier");
}

/* ---- flowbits, threshold ---- */

static void
test_flowbits(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("flowbits:set,ET.a; flowbits:isset,b&c; "
				    "flowbits:isnotset,d|e|f; flowbits:unset,g; flowbits:toggle,h; "
				    "flowbits:noalert; noalert;"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.n_flowbits, 7);
	assert_int_equal(rule.flowbits[0].op, DETECT_FLOWBIT_SET);
	assert_string_equal(rule.flowbits[0].names[0], "ET.a");
	assert_int_equal(rule.flowbits[1].op, DETECT_FLOWBIT_ISSET);
	assert_int_equal(rule.flowbits[1].n_names, 2);
	assert_false(rule.flowbits[1].any_of);
	assert_string_equal(rule.flowbits[1].names[1], "c");
	assert_int_equal(rule.flowbits[2].op, DETECT_FLOWBIT_ISNOTSET);
	assert_true(rule.flowbits[2].any_of);
	assert_int_equal(rule.flowbits[2].n_names, 3);
	assert_int_equal(rule.flowbits[3].op, DETECT_FLOWBIT_UNSET);
	assert_int_equal(rule.flowbits[4].op, DETECT_FLOWBIT_TOGGLE);
	assert_int_equal(rule.flowbits[5].op, DETECT_FLOWBIT_NOALERT);
	assert_int_equal(rule.flowbits[6].op, DETECT_FLOWBIT_NOALERT);
	assert_error(parse_opts("flowbits:isset,a&b|c;"), "mix");
	assert_error(parse_opts("flowbits:set,a|b;"), "only with isset");
	assert_error(parse_opts("flowbits:flip,a;"), "unknown operation 'flip'");
	assert_error(parse_opts("flowbits:set;"), "needs a name");
	assert_error(parse_opts("flowbits:set,a&;"), "must be 1..64");
	assert_error(parse_opts("flowbits:isset,a&b&c&d&e&f&g&h&i;"), "more than 8");
}

static void
test_threshold(void **state)
{
	(void)state;
	assert_int_equal(parse_opts("threshold: type limit, track by_src, count 1, seconds 60;"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.threshold.type, DETECT_THR_LIMIT);
	assert_int_equal(rule.threshold.track, DETECT_TRACK_BY_SRC);
	assert_int_equal(rule.threshold.count, 1);
	assert_int_equal(rule.threshold.seconds, 60);
	assert_int_equal(parse_opts("threshold:type both,seconds 5,count 3,track by_dst;"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.threshold.type, DETECT_THR_BOTH);
	assert_int_equal(rule.threshold.track, DETECT_TRACK_BY_DST);
	assert_int_equal(parse_opts("threshold:type threshold,track by_rule,count 10,seconds 1;"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.threshold.type, DETECT_THR_THRESHOLD);
	assert_int_equal(rule.threshold.track, DETECT_TRACK_BY_RULE);
	assert_int_equal(parse_opts("detection_filter:track by_both, count 15, seconds 2;"),
			 DETECT_PARSE_OK);
	assert_int_equal(rule.threshold.type, DETECT_THR_DETECTION_FILTER);
	assert_int_equal(rule.threshold.track, DETECT_TRACK_BY_BOTH);
	assert_int_equal(rule.threshold.count, 15);
	assert_error(parse_opts("threshold:type limit, count 1, seconds 60;"),
		     "needs type, track, count and seconds");
	assert_error(parse_opts("threshold:type most, track by_src, count 1, seconds 1;"),
		     "unknown type");
	assert_error(parse_opts("threshold:type limit, track by_x, count 1, seconds 1;"),
		     "unknown track");
	assert_error(parse_opts("threshold:type limit, track by_src, count 0, seconds 1;"),
		     "bad count");
	assert_error(parse_opts("detection_filter:track by_src, count 1, seconds 1; "
				"threshold:type limit, track by_src, count 1, seconds 1;"),
		     "only one");
	/* tag changes logging only: accepted. */
	assert_int_equal(parse_opts("tag:session,5,packets;"), DETECT_PARSE_OK);
}

static void
test_condition_limit(void **state)
{
	(void)state;
	size_t cap = 300 * 16 + 64;
	char *opts = malloc(cap);
	assert_non_null(opts);
	size_t n = 0;
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(opts + n, cap - n, "content:\"a\"; ");
	assert_error(parse_opts(opts), "more than 256 conditions");
	free(opts);
}

/* Every rule text below parsed with its last byte against an unmapped page. */
static void
test_guard_page(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"alert http any any -> any any (content:\"a|41|\"; sid:1;)",
		"alert http any any -> any any (content:\"a|41",
		"alert http any any -> any any (pcre:\"/a/",
		"alert http any any -> any any (msg:\"\\",
		"alert http any any -> any any (urilen:1<",
		"alert http any any -> any any (content:\"a\"; byte_test:1,>,1,0,string",
		"alert http [1.2.3.4,",
		"alert http any any -> any any (flowbits:isset,a&",
		"alert http any any -> any any (threshold:type limit,track",
		"alert http any any -> any any (sid:1; content:\"x\"; fast_pattern:1,",
		"alert",
		"(",
	};
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t len = strlen(texts[i]);
		/* Every prefix too: each is a text cut at that byte. */
		for (size_t cut = 0; cut <= len; cut++) {
			char *t = (char *)m + pg - cut;
			memcpy(t, texts[i], cut);
			struct detect_rule r;
			if (detect_parse_rule(t, cut, &test_vars, &r, &diag) == DETECT_PARSE_OK)
				detect_rule_fini(&r);
		}
	}
	munmap(m, (size_t)pg * 2);
}

/* ---- variables ---- */

static void
test_vars_default_and_set(void **state)
{
	(void)state;
	struct detect_vars v;
	detect_vars_default(&v);
	assert_true(v.n_addr >= 15);
	assert_true(v.n_port >= 11);
	assert_int_equal(detect_vars_set(&v, true, "$HTTP_PORTS", "[80,81]"), 0);
	assert_int_equal(detect_vars_set(&v, false, "HOME_NET", "[192.0.2.0/24]"), 0);
	assert_int_equal(detect_vars_set(&v, false, "EXTERNAL_NET", "!$HOME_NET"), 0);
	struct detect_rule r;
	static const char text[] =
		"alert http $EXTERNAL_NET any -> $HOME_NET $FILE_DATA_PORTS (sid:1;)";
	assert_int_equal(detect_parse_rule(text, strlen(text), &v, &r, &diag), DETECT_PARSE_OK);
	assert_true(net_port_set_has(&r.dst_port, 81));
	assert_true(net_port_set_has(&r.dst_port, 143));
	assert_false(net_port_set_has(&r.dst_port, 8443));
	assert_false(r.dst_ip.any);
	assert_int_equal(r.src_ip.n_excl, 1);
	detect_rule_fini(&r);
	char big[DETECT_VAR_VALUE + 1];
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(detect_vars_set(&v, true, "BIG", big), TLSIPS_ELIMIT);
	for (int i = 0; i < DETECT_VARS_MAX; i++) {
		char name[16];
		snprintf(name, sizeof(name), "V%d", i);
		(void)detect_vars_set(&v, true, name, "1");
	}
	assert_int_equal(v.n_port, DETECT_VARS_MAX);
	assert_int_equal(detect_vars_set(&v, true, "ONE_MORE", "1"), TLSIPS_ELIMIT);
}

/* ---- the rule-set loader ---- */

static char *
load_text_diag(const char *text, struct detect_ruleset **out)
{
	static char buf[8192];
	memset(buf, 0, sizeof(buf));
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	assert_non_null(f);
	struct detect_ruleset *rs = detect_ruleset_new(&test_vars, f);
	assert_non_null(rs);
	assert_int_equal(detect_ruleset_load_text(rs, "t.rules", text, strlen(text)), 0);
	fclose(f);
	*out = rs;
	return buf;
}

static void
test_ruleset_load_text(void **state)
{
	(void)state;
	static const char text[] =
		"# a comment\n"
		"\n"
		"alert http any any -> any any (msg:\"one\"; content:\"a\"; sid:1;)\r\n"
		"#alert http any any -> any any (msg:\"off\"; sid:2;)\n"
		"# drop tcp any any -> any any (sid:3;)\n"
		"alert http any any -> any any (msg:\"two\"; \\\n"
		"   content:\"b\"; sid:4;)\n"
		"alert udp any any -> any any (sid:5;)\n"
		"alert http any any -> any any (dsize:1; sid:6;)\n"
		"alert http any any -> any any (content:\"|zz|\"; sid:7;)\n"
		"alert http any any -> any any (msg:\"dup\"; sid:1;)\n"
		"   \t  \n"
		"alert http any any -> any any (msg:\"other gid\"; gid:2; sid:1;)";
	struct detect_ruleset *rs;
	const char *d = load_text_diag(text, &rs);
	const struct detect_load_stats *st = detect_ruleset_stats(rs);
	assert_int_equal(st->files, 1);
	assert_int_equal(st->loaded, 3);
	assert_int_equal(st->skipped, 2);
	assert_int_equal(st->failed, 1);
	assert_int_equal(st->commented, 2);
	assert_int_equal(st->duplicates, 1);
	assert_int_equal(detect_ruleset_count(rs), 3);
	const struct detect_rule *r = detect_ruleset_rule(rs, 1);
	assert_string_equal(r->msg, "two");
	assert_int_equal(r->line, 6);
	assert_string_equal(r->file, "t.rules");
	assert_int_equal(detect_ruleset_rule(rs, 2)->gid, 2);
	assert_null(detect_ruleset_rule(rs, 3));
	assert_int_equal(st->n_skipped_by, 2);
	assert_string_equal(st->skipped_by[0].keyword, "udp");
	assert_string_equal(st->skipped_by[1].keyword, "dsize");
	assert_non_null(strstr(d, "t.rules:8: warning: sid 5 skipped: protocol 'udp' is not "
				  "supported\n"));
	assert_non_null(strstr(d, "t.rules:9: warning: sid 6 skipped: unsupported keyword "
				  "'dsize'\n"));
	assert_non_null(strstr(d, "t.rules:10: error: sid 7: content: bad hex digit 'z'\n"));
	assert_non_null(strstr(d, "t.rules:11: warning: duplicate rule 1:1 dropped\n"));
	detect_ruleset_free(rs);
}

static void
test_ruleset_overrides_and_category(void **state)
{
	(void)state;
	struct detect_ruleset *rs;
	load_text_diag("alert http any any -> any any (classtype:trojan-activity; sid:10;)\n"
		       "alert http any any -> any any (classtype:made-up; sid:11;)\n"
		       "alert http any any -> any any (sid:12;)\n",
		       &rs);
	assert_int_equal(detect_ruleset_count(rs), 3);
	assert_string_equal(detect_ruleset_category(rs, detect_ruleset_rule(rs, 0)),
			    "Trojan or malware activity");
	assert_int_equal(detect_ruleset_rule(rs, 0)->priority, 1);
	assert_string_equal(detect_ruleset_category(rs, detect_ruleset_rule(rs, 1)), "made-up");
	assert_string_equal(detect_ruleset_category(rs, detect_ruleset_rule(rs, 2)), "");
	assert_int_equal(detect_ruleset_set_action(rs, 11, DETECT_ACTION_DROP), 0);
	assert_int_equal(detect_ruleset_rule(rs, 1)->action, DETECT_ACTION_DROP);
	assert_int_equal(detect_ruleset_disable(rs, 12), 0);
	assert_int_equal(detect_ruleset_disable(rs, 12), 0);
	assert_int_equal(detect_ruleset_stats(rs)->disabled, 1);
	assert_int_equal(detect_ruleset_disable(rs, 99), TLSIPS_ENOKEY);
	assert_int_equal(detect_ruleset_set_action(rs, 99, DETECT_ACTION_DROP), TLSIPS_ENOKEY);
	detect_ruleset_free(rs);
}

static void
test_ruleset_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/tlsips-rules-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], cpath[256];
	snprintf(path, sizeof(path), "%s/a.rules", dir);
	snprintf(cpath, sizeof(cpath), "%s/classification.config", dir);
	FILE *f = fopen(cpath, "w");
	assert_non_null(f);
	fputs("# comment\nconfig classification: my-class,My Class,4\n"
	      "config classification: trojan-activity,Trojans, 2\nconfig nonsense\n",
	      f);
	fclose(f);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("alert http any any -> any any (classtype:my-class; sid:1;)\n"
	      "alert http any any -> any any (classtype:trojan-activity; sid:2;)\n",
	      f);
	fclose(f);
	char buf[2048] = { 0 };
	FILE *d = fmemopen(buf, sizeof(buf) - 1, "w");
	struct detect_ruleset *rs = detect_ruleset_new(NULL, d);
	assert_int_equal(detect_ruleset_load_classification(rs, cpath), TLSIPS_ECONFIG);
	assert_int_equal(detect_ruleset_load_file(rs, path), 0);
	char missing[300];
	snprintf(missing, sizeof(missing), "%s/missing.rules", dir);
	assert_int_equal(detect_ruleset_load_file(rs, missing), TLSIPS_ECONFIG);
	fclose(d);
	assert_non_null(strstr(buf, ":4: error: expected 'config classification:"));
	assert_non_null(strstr(buf, "missing.rules: error: cannot open: No such file"));
	assert_int_equal(detect_ruleset_rule(rs, 0)->priority, 4);
	assert_string_equal(detect_ruleset_category(rs, detect_ruleset_rule(rs, 0)), "My Class");
	assert_int_equal(detect_ruleset_rule(rs, 1)->priority, 2);
	assert_string_equal(detect_ruleset_category(rs, detect_ruleset_rule(rs, 1)), "Trojans");
	detect_ruleset_free(rs);
	remove(path);
	remove(cpath);
	remove(dir);
	detect_ruleset_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_protos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_bidirectional_and_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_option_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_keyword_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_priority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_escapes_and_hex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_negated_and_modifiers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_pattern_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sticky_buffers_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sticky_buffer_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ambiguous_buffers_follow_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direction_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_modifiers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcre_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcre_buffer_letters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcre_relative_and_sticky, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcre_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urilen_bsize_isdataat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_test, setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_jump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flowbits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_condition_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vars_default_and_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_load_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_overrides_and_category, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
