/*
 * Unit tests for capture_file: classic pcap (both byte orders, micro and
 * nano seconds), pcapng through libpcap, truncation and resynchronisation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "capture/capture.h"

struct tmp {
	char path[256];
};

static void
tmp_make(struct tmp *t)
{
	const char *dir = getenv("TMPDIR");
	snprintf(t->path, sizeof(t->path), "%s/test_capture_XXXXXX", dir ? dir : "/tmp");
	int fd = mkstemp(t->path);
	assert_true(fd >= 0);
	close(fd);
}

static void
tmp_write(const struct tmp *t, const uint8_t *data, size_t len)
{
	FILE *f = fopen(t->path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static size_t
tmp_read(const struct tmp *t, uint8_t *out, size_t cap)
{
	FILE *f = fopen(t->path, "rb");
	assert_non_null(f);
	size_t n = fread(out, 1, cap, f);
	fclose(f);
	return n;
}

/* Packet i of the test captures: 20 + i bytes of a pattern. */
static size_t
pkt_make(unsigned i, uint8_t *out)
{
	size_t n = 20 + i;
	for (size_t k = 0; k < n; k++)
		out[k] = (uint8_t)(i * 31 + k);
	return n;
}

/* Writes n packets with capture_writer, timestamps 1700000000.000100 + i seconds. */
static void
write_capture(const struct tmp *t, unsigned n, int linktype)
{
	struct capture_writer *w;
	char err[256];
	assert_int_equal(capture_writer_open(t->path, linktype, &w, err, sizeof(err)), 0);
	for (unsigned i = 0; i < n; i++) {
		uint8_t p[64];
		size_t len = pkt_make(i, p);
		assert_int_equal(capture_writer_write(w, 1700000000000100ull + i * 1000000ull, p, len), 0);
	}
	assert_int_equal(capture_writer_close(w), 0);
}

static void
expect_pkt(struct capture_file *cf, unsigned i, int linktype)
{
	struct capture_pkt p;
	char err[256] = "";
	uint8_t want[64];
	size_t len = pkt_make(i, want);
	assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), 1);
	assert_int_equal(p.caplen, len);
	assert_int_equal(p.wire_len, len);
	assert_memory_equal(p.data, want, len);
	assert_int_equal(p.ts_usec, 1700000000000100ull + i * 1000000ull);
	assert_int_equal(p.linktype, linktype);
}

static void
test_reads_what_writer_wrote(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	write_capture(&t, 5, CAPTURE_LINK_RAW);
	struct capture_file *cf;
	char err[256];
	assert_int_equal(capture_file_open(t.path, &cf, err, sizeof(err)), 0);
	for (unsigned i = 0; i < 5; i++)
		expect_pkt(cf, i, CAPTURE_LINK_RAW);
	struct capture_pkt p;
	assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), 0);
	assert_int_equal(capture_file_stats(cf)->packets, 5);
	assert_int_equal(capture_file_stats(cf)->bytes, 20 + 21 + 22 + 23 + 24);
	assert_int_equal(capture_file_offset(cf), capture_file_size(cf));
	assert_int_equal(capture_file_size(cf), 24 + 5 * 16 + 110);
	capture_file_close(cf);
	unlink(t.path);
}

/*
 * Big-endian, nanosecond classic pcap, link type 12 (old DLT_RAW):
 *   a1 b2 3c 4d  magic (nanoseconds, big-endian)
 *   00 02 00 04  version 2.4
 *   0 0          thiszone, sigfigs
 *   00 00 ff ff  snaplen 65535
 *   00 00 00 0c  link type 12
 *   record: sec 1, nsec 2500, caplen 3, len 5, bytes 01 02 03
 */
static const uint8_t be_nsec_file[] = {
	0xa1, 0xb2, 0x3c, 0x4d, 0x00, 0x02, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0,
	0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x0c,
	0, 0, 0, 1, 0, 0, 0x09, 0xc4, 0, 0, 0, 3, 0, 0, 0, 5, 1, 2, 3,
};

static void
test_big_endian_nanosecond_raw12(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	tmp_write(&t, be_nsec_file, sizeof(be_nsec_file));
	struct capture_file *cf;
	char err[256];
	assert_int_equal(capture_file_open(t.path, &cf, err, sizeof(err)), 0);
	struct capture_pkt p;
	assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), 1);
	assert_int_equal(p.ts_usec, 1000002);
	assert_int_equal(p.caplen, 3);
	assert_int_equal(p.wire_len, 5);
	assert_int_equal(p.linktype, CAPTURE_LINK_RAW);
	assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), 0);
	capture_file_close(cf);
	unlink(t.path);
}

static void
put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * A little-endian pcapng: Section Header Block, Interface Description Block
 * (given link type, snaplen 0, default microsecond resolution), then one
 * Enhanced Packet Block per packet (interface 0, padded to 4 bytes).
 */
static size_t
pcapng_make(uint8_t *out, uint16_t linktype, unsigned npkts)
{
	static const uint8_t shb[28] = {
		0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0,             /* type, total length 28 */
		0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,             /* byte-order magic, version 1.0 */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* section length unknown */
		28, 0, 0, 0,
	};
	size_t n = 0;
	memcpy(out, shb, sizeof(shb));
	n += sizeof(shb);
	/* IDB: type 1, length 20, link type, reserved, snaplen 0, length 20 */
	put32le(out + n, 1);
	put32le(out + n + 4, 20);
	put32le(out + n + 8, linktype);
	put32le(out + n + 12, 0);
	put32le(out + n + 16, 20);
	n += 20;
	for (unsigned i = 0; i < npkts; i++) {
		uint8_t p[64];
		size_t len = pkt_make(i, p);
		size_t padded = (len + 3) & ~(size_t)3;
		uint64_t ts = 1700000000000100ull + i * 1000000ull;
		/* EPB: type 6, length, interface 0, ts high, ts low, caplen, len, data, length */
		uint32_t total = (uint32_t)(32 + padded);
		put32le(out + n, 6);
		put32le(out + n + 4, total);
		put32le(out + n + 8, 0);
		put32le(out + n + 12, (uint32_t)(ts >> 32));
		put32le(out + n + 16, (uint32_t)ts);
		put32le(out + n + 20, (uint32_t)len);
		put32le(out + n + 24, (uint32_t)len);
		memset(out + n + 28, 0, padded);
		memcpy(out + n + 28, p, len);
		put32le(out + n + 28 + padded, total);
		n += total;
	}
	return n;
}

static void
test_pcapng_ethernet(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = pcapng_make(buf, 1, 3);
	struct tmp t;
	tmp_make(&t);
	tmp_write(&t, buf, n);
	struct capture_file *cf;
	char err[256];
	assert_int_equal(capture_file_open(t.path, &cf, err, sizeof(err)), 0);
	for (unsigned i = 0; i < 3; i++)
		expect_pkt(cf, i, CAPTURE_LINK_ETHERNET);
	struct capture_pkt p;
	assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), 0);
	capture_file_close(cf);
	unlink(t.path);
}

static void
test_pcapng_raw_reports_linktype_101(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = pcapng_make(buf, 101, 1);
	struct tmp t;
	tmp_make(&t);
	tmp_write(&t, buf, n);
	struct capture_file *cf;
	char err[256];
	assert_int_equal(capture_file_open(t.path, &cf, err, sizeof(err)), 0);
	expect_pkt(cf, 0, CAPTURE_LINK_RAW);
	capture_file_close(cf);
	unlink(t.path);
}

static void
test_pcapng_truncated(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = pcapng_make(buf, 1, 2);
	struct capture_file *cf;
	char err[256];
	FILE *fp = fmemopen(buf, n - 5, "rb");
	assert_non_null(fp);
	assert_int_equal(capture_file_open_fp_take(fp, "mem.pcapng", &cf, err, sizeof(err)), 0);
	expect_pkt(cf, 0, CAPTURE_LINK_ETHERNET);
	struct capture_pkt p;
	assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), TLSIPS_ETRUNC);
	assert_non_null(strstr(err, "mem.pcapng"));
	assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), 0);
	capture_file_close(cf);
}

static void
test_pcapng_corrupt_block_malformed(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = pcapng_make(buf, 1, 2);
	/* Second EPB's total length 7: not a multiple of 4, below the minimum. */
	put32le(buf + 28 + 20 + 52 + 4, 7);
	struct capture_file *cf;
	char err[256];
	FILE *fp = fmemopen(buf, n, "rb");
	assert_non_null(fp);
	assert_int_equal(capture_file_open_fp_take(fp, "bad.pcapng", &cf, err, sizeof(err)), 0);
	expect_pkt(cf, 0, CAPTURE_LINK_ETHERNET);
	struct capture_pkt p;
	assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), TLSIPS_EMALFORMED);
	assert_non_null(strstr(err, "bad.pcapng"));
	capture_file_close(cf);
}

/* Every cut of a 3-packet file: complete packets first, then ETRUNC or a clean end. */
static void
test_truncated_at_every_byte(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	write_capture(&t, 3, CAPTURE_LINK_ETHERNET);
	uint8_t full[512];
	size_t n = tmp_read(&t, full, sizeof(full));
	size_t ends[4] = { 24, 24 + 36, 24 + 36 + 37, 24 + 36 + 37 + 38 };
	assert_int_equal(n, ends[3]);
	for (size_t cut = 24; cut < n; cut++) {
		FILE *fp = fmemopen(full, cut, "rb");
		assert_non_null(fp);
		struct capture_file *cf;
		char err[256] = "";
		assert_int_equal(capture_file_open_fp_take(fp, "cut.pcap", &cf, err, sizeof(err)), 0);
		unsigned whole = 0;
		while (whole < 3 && ends[whole + 1] <= cut)
			whole++;
		for (unsigned i = 0; i < whole; i++)
			expect_pkt(cf, i, CAPTURE_LINK_ETHERNET);
		struct capture_pkt p;
		int rc = capture_file_next(cf, &p, err, sizeof(err));
		if (cut == ends[whole]) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, TLSIPS_ETRUNC);
			char want[64];
			snprintf(want, sizeof(want), "byte offset %zu", ends[whole]);
			assert_non_null(strstr(err, "cut.pcap"));
			assert_non_null(strstr(err, want));
		}
		capture_file_close(cf);
	}
	unlink(t.path);
}

static void
test_corrupt_record_resynchronised(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	write_capture(&t, 4, CAPTURE_LINK_ETHERNET);
	uint8_t buf[512];
	size_t n = tmp_read(&t, buf, sizeof(buf));
	/* Record 1 (at 24 + 36) gets caplen 0x7fffff00: absurd. */
	put32le(buf + 24 + 36 + 8, 0x7fffff00u);
	tmp_write(&t, buf, n);
	struct capture_file *cf;
	char err[256];
	assert_int_equal(capture_file_open(t.path, &cf, err, sizeof(err)), 0);
	expect_pkt(cf, 0, CAPTURE_LINK_ETHERNET);
	expect_pkt(cf, 2, CAPTURE_LINK_ETHERNET);
	expect_pkt(cf, 3, CAPTURE_LINK_ETHERNET);
	struct capture_pkt p;
	assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), 0);
	assert_int_equal(capture_file_stats(cf)->resyncs, 1);
	assert_int_equal(capture_file_stats(cf)->skipped_bytes, 16 + 21);
	capture_file_close(cf);
	unlink(t.path);
}

static void
test_corrupt_last_record_malformed(void **state)
{
	(void)state;
	struct tmp t;
	tmp_make(&t);
	write_capture(&t, 2, CAPTURE_LINK_ETHERNET);
	uint8_t buf[512];
	size_t n = tmp_read(&t, buf, sizeof(buf));
	put32le(buf + 24 + 36 + 8, 0x7fffff00u);
	tmp_write(&t, buf, n);
	struct capture_file *cf;
	char err[256];
	assert_int_equal(capture_file_open(t.path, &cf, err, sizeof(err)), 0);
	expect_pkt(cf, 0, CAPTURE_LINK_ETHERNET);
	struct capture_pkt p;
	assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), TLSIPS_EMALFORMED);
	assert_non_null(strstr(err, "byte offset 60"));
	capture_file_close(cf);
	unlink(t.path);
}

static void
test_not_a_capture(void **state)
{
	(void)state;
	static const uint8_t junk[32] = "this is not a capture file at al";
	struct capture_file *cf;
	char err[256];
	FILE *fp = fmemopen((void *)junk, sizeof(junk), "rb");
	assert_non_null(fp);
	assert_int_equal(capture_file_open_fp_take(fp, "junk", &cf, err, sizeof(err)),
			 TLSIPS_EMALFORMED);
	assert_null(cf);
	assert_non_null(strstr(err, "junk"));
	fp = fmemopen((void *)junk, 10, "rb");
	assert_non_null(fp);
	assert_int_equal(capture_file_open_fp_take(fp, "short", &cf, err, sizeof(err)),
			 TLSIPS_EMALFORMED);
}

static void
test_missing_file(void **state)
{
	(void)state;
	struct capture_file *cf;
	char err[256];
	assert_int_equal(capture_file_open("/nonexistent/x.pcap", &cf, err, sizeof(err)), TLSIPS_ESYS);
	assert_non_null(strstr(err, "/nonexistent/x.pcap"));
}

/* Packet i of the large-file test: 1000 bytes, or the largest record for i == BIG_AT. */
enum { LARGE_N = 1200, BIG_AT = 600, BIG_LEN = 262144 };

static size_t
large_pkt(unsigned i, uint8_t *out)
{
	size_t n = i == BIG_AT ? BIG_LEN : 1000;
	for (size_t k = 0; k < n; k++)
		out[k] = (uint8_t)(i * 7 + k * 3);
	return n;
}

static void
expect_large(struct capture_file *cf, uint8_t *want)
{
	char err[256];
	struct capture_pkt p;
	for (unsigned i = 0; i < LARGE_N; i++) {
		size_t n = large_pkt(i, want);
		assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), 1);
		assert_int_equal(p.caplen, n);
		assert_memory_equal(p.data, want, n);
	}
	assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), 0);
	assert_int_equal(capture_file_stats(cf)->packets, LARGE_N);
}

static void
test_records_across_many_refills_and_the_largest_record(void **state)
{
	(void)state;
	/* About 1.4 MB: refills of the 256 KiB buffer cut records anywhere,
	 * and one record of 262144 bytes needs more than the buffer holds. */
	struct tmp t;
	tmp_make(&t);
	uint8_t *pkt = malloc(BIG_LEN);
	assert_non_null(pkt);
	struct capture_writer *w;
	char err[256];
	assert_int_equal(capture_writer_open(t.path, CAPTURE_LINK_RAW, &w, err, sizeof(err)), 0);
	for (unsigned i = 0; i < LARGE_N; i++)
		assert_int_equal(capture_writer_write(w, i, pkt, large_pkt(i, pkt)), 0);
	assert_int_equal(capture_writer_close(w), 0);

	struct capture_file *cf;
	assert_int_equal(capture_file_open(t.path, &cf, err, sizeof(err)), 0);
	expect_large(cf, pkt);
	capture_file_close(cf);

	/* The same through a pipe, which reads as it comes (short reads). */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(fds[0]);
		FILE *in = fopen(t.path, "rb");
		size_t n;
		while (in != NULL && (n = fread(pkt, 1, 4096, in)) > 0)
			if (write(fds[1], pkt, n) != (ssize_t)n)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	FILE *fp = fdopen(fds[0], "rb");
	assert_non_null(fp);
	assert_int_equal(capture_file_open_fp_take(fp, "pipe", &cf, err, sizeof(err)), 0);
	expect_large(cf, pkt);
	capture_file_close(cf);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(pkt);
	unlink(t.path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_what_writer_wrote),
		cmocka_unit_test(test_big_endian_nanosecond_raw12),
		cmocka_unit_test(test_pcapng_ethernet),
		cmocka_unit_test(test_pcapng_raw_reports_linktype_101),
		cmocka_unit_test(test_pcapng_truncated),
		cmocka_unit_test(test_pcapng_corrupt_block_malformed),
		cmocka_unit_test(test_truncated_at_every_byte),
		cmocka_unit_test(test_corrupt_record_resynchronised),
		cmocka_unit_test(test_corrupt_last_record_malformed),
		cmocka_unit_test(test_not_a_capture),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_records_across_many_refills_and_the_largest_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
