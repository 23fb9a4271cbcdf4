/* Unit tests for capture_writer: file layout and write errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "capture/capture.h"

/* An empty temporary file's name in path. */
static void
test_tmp_path(char *path, size_t len)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, len, "%s/test_capture_writer_XXXXXX", dir ? dir : "/tmp");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

static void
test_layout(void **state)
{
	(void)state;
	char path[256];
	test_tmp_path(path, sizeof(path));
	struct capture_writer *w;
	char err[256];
	assert_int_equal(capture_writer_open(path, CAPTURE_LINK_RAW, &w, err, sizeof(err)), 0);
	assert_int_equal(capture_writer_write(w, 1000002500ull, (const uint8_t *)"abc", 3), 0);
	assert_int_equal(capture_writer_flush(w), 0);
	assert_int_equal(capture_writer_close(w), 0);
	/*
	 * d4 c3 b2 a1 | 02 00 04 00 | thiszone 0 | sigfigs 0 | snaplen 262144 | link 101
	 * record: sec 1000, usec 2500, caplen 3, len 3, "abc"
	 */
	static const uint8_t want[] = {
		0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x00, 0x04, 0x00, 101, 0, 0, 0,
		0xe8, 0x03, 0, 0, 0xc4, 0x09, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 'a', 'b', 'c',
	};
	uint8_t got[128];
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(got, 1, sizeof(got), f);
	fclose(f);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	unlink(path);
}

static void
test_oversized_packet_capped_at_snaplen(void **state)
{
	(void)state;
	char path[256];
	test_tmp_path(path, sizeof(path));
	size_t big = 300000;
	uint8_t *data = calloc(1, big);
	assert_non_null(data);
	struct capture_writer *w;
	assert_int_equal(capture_writer_open(path, CAPTURE_LINK_RAW, &w, NULL, 0), 0);
	assert_int_equal(capture_writer_write(w, 0, data, big), 0);
	assert_int_equal(capture_writer_close(w), 0);
	struct capture_file *cf;
	char err[256];
	assert_int_equal(capture_file_open(path, &cf, err, sizeof(err)), 0);
	struct capture_pkt p;
	assert_int_equal(capture_file_next(cf, &p, err, sizeof(err)), 1);
	assert_int_equal(p.caplen, 262144);
	assert_int_equal(p.wire_len, big);
	capture_file_close(cf);
	free(data);
	unlink(path);
}

static void
test_write_error_reported(void **state)
{
	(void)state;
	struct capture_writer *w;
	char err[256];
	/* /dev/full accepts the open and fails every write with ENOSPC. */
	assert_int_equal(capture_writer_open("/dev/full", CAPTURE_LINK_RAW, &w, err, sizeof(err)), 0);
	uint8_t data[4096] = { 0 };
	for (int i = 0; i < 300; i++)
		(void)capture_writer_write(w, 0, data, sizeof(data));
	assert_int_equal(capture_writer_close(w), TLSIPS_ESYS);
}

static void
test_open_error(void **state)
{
	(void)state;
	struct capture_writer *w;
	char err[256];
	assert_int_equal(capture_writer_open("/nonexistent/out.pcap", 1, &w, err, sizeof(err)),
			 TLSIPS_ESYS);
	assert_null(w);
	assert_non_null(strstr(err, "/nonexistent/out.pcap"));
}

/* Packet i of the batching test: 1 + i % 1500 bytes of a pattern. */
static size_t
batch_pkt(unsigned i, uint8_t *out)
{
	size_t n = 1 + i % 1500;
	for (size_t k = 0; k < n; k++)
		out[k] = (uint8_t)(i * 13 + k);
	return n;
}

static void
test_batches_are_written_early_and_read_back_whole(void **state)
{
	(void)state;
	char path[256];
	test_tmp_path(path, sizeof(path));
	struct capture_writer *w;
	assert_int_equal(capture_writer_open(path, CAPTURE_LINK_RAW, &w, NULL, 0), 0);
	/* About 2.2 MB: packets written whole and built in place, alternately. */
	enum { N = 3000, EARLY = 200000 };
	uint8_t p[1500];
	size_t total = 24;
	bool checked = false;
	for (unsigned i = 0; i < N; i++) {
		if (total > EARLY && !checked) {
			/* After 200 KB written whole: the first batch of 128 KiB
			 * (not a full 1 MiB buffer) is on disk, the rest waits. */
			struct stat st;
			assert_int_equal(stat(path, &st), 0);
			assert_true(st.st_size >= 128 * 1024);
			assert_true((size_t)st.st_size < total);
			checked = true;
		}
		size_t n = batch_pkt(i, p);
		total += 16 + n;
		if (i % 2 || !checked) {
			assert_int_equal(capture_writer_write(w, i, p, n), 0);
		} else {
			uint8_t *dst = capture_writer_reserve(w, 262144);
			assert_non_null(dst);
			memcpy(dst, p, n);
			assert_int_equal(capture_writer_commit(w, i, n), 0);
		}
	}
	assert_true(checked);
	assert_int_equal(capture_writer_close(w), 0);

	struct capture_file *cf;
	char err[256];
	assert_int_equal(capture_file_open(path, &cf, err, sizeof(err)), 0);
	for (unsigned i = 0; i < N; i++) {
		struct capture_pkt got;
		assert_int_equal(capture_file_next(cf, &got, err, sizeof(err)), 1);
		size_t n = batch_pkt(i, p);
		assert_int_equal(got.caplen, n);
		assert_int_equal(got.ts_usec, i);
		assert_memory_equal(got.data, p, n);
	}
	struct capture_pkt end;
	assert_int_equal(capture_file_next(cf, &end, err, sizeof(err)), 0);
	capture_file_close(cf);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_oversized_packet_capped_at_snaplen),
		cmocka_unit_test(test_write_error_reported),
		cmocka_unit_test(test_open_error),
		cmocka_unit_test(test_batches_are_written_early_and_read_back_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
