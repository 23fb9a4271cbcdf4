/*
 * Fuzz target detect_match: the matcher over hostile buffers.
 *
 * A fixed set of rules (content positions, negative distance, nocase,
 * startswith/endswith, pcre with /R and negation, isdataat, bsize, urilen,
 * byte_test, byte_jump, flowbits, a threshold, a pass rule, a stream rule)
 * is loaded once. The input is framed as chunks `buf(1) len(1) bytes`: buf
 * modulo the buffer count picks an HTTP buffer (or the stream), len is cut to
 * what is left. One transaction is matched at the request point, then the
 * response point, then the stream bytes in both directions, all on one flow
 * so flowbits carry over. Alert counts are checked against the callback.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"

static const char fuzz_detect_rules[] =
	"alert http any any -> any any (msg:\"1\"; http.uri; content:\"/adm\"; offset:0; depth:8; "
	"content:\"id=\"; distance:0; within:32; pcre:\"/^\\d{1,5}(&|$)/R\"; sid:1;)\n"
	"alert http any any -> any any (msg:\"2\"; http.uri; content:\"bar\"; content:\"foo\"; "
	"distance:-7; within:4; sid:2;)\n"
	"alert http any any -> any any (msg:\"3\"; http.user_agent; content:\"CURL\"; nocase; "
	"startswith; http.host; content:\".ru\"; endswith; sid:3;)\n"
	"alert http any any -> any any (msg:\"4\"; http.request_body; content:\"cmd=\"; "
	"pcre:!\"/cmd=(ls|id)/\"; isdataat:!4,relative; sid:4;)\n"
	"alert http any any -> any any (msg:\"5\"; http.request_body; content:\"L\"; "
	"byte_test:2,>,0x100,0,relative; byte_jump:1,2,relative,multiplier 2,align,post_offset -1; "
	"content:\"E\"; within:3; sid:5;)\n"
	"alert http any any -> any any (msg:\"6\"; http.request_body; content:\"N=\"; "
	"byte_test:4,<,5000,0,relative,string,dec; byte_jump:2,0,from_beginning,string,hex; "
	"isdataat:1,relative; sid:6;)\n"
	"alert http any any -> any any (msg:\"7\"; http.method; content:\"POST\"; bsize:4; "
	"http.uri; content:\"/\"; urilen:1<>64; flowbits:set,posted; flowbits:noalert; sid:7;)\n"
	"alert http any any -> any any (msg:\"8\"; flow:to_client; http.stat_code; content:\"200\"; "
	"flowbits:isset,posted; flowbits:toggle,seen; sid:8;)\n"
	"alert http any any -> any any (msg:\"9\"; http.cookie; content:\"a\"; content:\"a\"; "
	"distance:0; content:\"b\"; within:2; pcre:\"/(a|b)+c/R\"; sid:9;)\n"
	"alert http any any -> any any (msg:\"10\"; file.data; flow:to_client; "
	"pcre:\"/<script[^>]*>/i\"; threshold:type limit, track by_src, count 1, seconds 60; "
	"sid:10;)\n"
	"pass http any any -> any any (msg:\"11\"; http.uri; content:\"/health\"; startswith; "
	"sid:11;)\n"
	"drop tcp any any -> any any (msg:\"12\"; content:\"EVIL\"; nocase; "
	"byte_test:1,&,1,0,relative; isdataat:2,relative; sid:12;)\n"
	"alert tcp any any -> any any (msg:\"13\"; pcre:\"/(x+x+)+y/\"; sid:13;)\n";

struct fuzz_detect {
	struct detect_ruleset *rs;
	struct detect_ctx *dc;
	uint32_t calls;
};

static struct fuzz_detect *
fuzz_detect_setup(void)
{
	static struct fuzz_detect fd;
	if (fd.dc)
		return &fd;
	struct detect_vars vars;
	detect_vars_default(&vars);
	fd.rs = detect_ruleset_new(&vars, NULL);
	if (!fd.rs ||
	    detect_ruleset_load_text(fd.rs, "fuzz", fuzz_detect_rules, sizeof(fuzz_detect_rules) - 1) ||
	    detect_ruleset_stats(fd.rs)->loaded != 13 || detect_ruleset_compile(fd.rs) != 0)
		abort();
	fd.dc = detect_ctx_new(fd.rs, NULL);
	if (!fd.dc)
		abort();
	return &fd;
}

static void
fuzz_detect_alert(void *ctx, const struct detect_alert *a)
{
	struct fuzz_detect *fd = ctx;
	if (!a->rule || !a->rule->msg)
		abort();
	fd->calls++;
}

static void
fuzz_detect_check(struct fuzz_detect *fd, struct detect_result r)
{
	if (r.alerts != fd->calls)
		abort();
	fd->calls = 0;
}

int
fuzz_detect_match(const uint8_t *d, size_t n)
{
	struct fuzz_detect *fd = fuzz_detect_setup();
	struct http_txn txn;
	memset(&txn, 0, sizeof(txn));
	struct view stream = { NULL, 0 };
	size_t i = 0;
	while (i + 2 <= n) {
		unsigned b = d[i] % (DETECT_BUF_COUNT);
		size_t len = d[i + 1];
		i += 2;
		if (len > n - i)
			len = n - i;
		if (b == DETECT_BUF_STREAM)
			stream = view_make(d + i, len);
		else
			txn.buf[b] = view_make(d + i, len);
		i += len;
	}
	struct net_addr cli = { 4, { 10, 0, 0, 1 } }, srv = { 4, { 10, 0, 0, 2 } };
	uint64_t ts = n > 0 ? (uint64_t)d[0] * 1000000u : 0;
	struct detect_pkt_info req = { &cli, &srv, 40000, 80, ts, true };
	struct detect_pkt_info rsp = { &srv, &cli, 80, 40000, ts, true };
	struct detect_flow *df = detect_flow_new(fd->dc);
	if (!df)
		abort();
	fuzz_detect_check(fd, detect_match_http(fd->dc, df, &req, &txn, HTTP_DIR_REQUEST,
						fuzz_detect_alert, fd));
	fuzz_detect_check(fd, detect_match_http(fd->dc, df, &rsp, &txn, HTTP_DIR_RESPONSE,
						fuzz_detect_alert, fd));
	fuzz_detect_check(fd, detect_match_stream(fd->dc, df, &req, HTTP_DIR_REQUEST, stream.ptr,
						  stream.len, fuzz_detect_alert, fd));
	fuzz_detect_check(fd, detect_match_stream(fd->dc, df, &rsp, HTTP_DIR_RESPONSE, stream.ptr,
						  stream.len, fuzz_detect_alert, fd));
	detect_flow_free(df);
	return 0;
}

#ifdef TLSIPS_LIBFUZZER
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_detect_match(data, len);
}
#endif
