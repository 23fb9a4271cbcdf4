/*
 * Unit tests for the parts of capture_nfq that need no queue: the wire
 * length read from a copied packet's IP header, the /proc counters line,
 * defaults and argument checks. Binding a real queue needs CAP_NET_ADMIN and
 * is tested in tests/e2e/nfq_passthrough.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capture/capture_nfq.c"

/* IPv4 header start: version 4, IHL 5, total length 1500. */
static const uint8_t IP4_1500[20] = { 0x45, 0x00, 0x05, 0xdc };
/* IPv6 header start: version 6, payload length 1460 (1500 on the wire). */
static const uint8_t IP6_1500[40] = { 0x60, 0, 0, 0, 0x05, 0xb4 };

static void
test_wire_len_from_ip_header(void **state)
{
	(void)state;
	/* Cut by the copy range: the header tells the real length. */
	assert_int_equal(capture_nfq_wire_len(IP4_1500, 20), 1500);
	assert_int_equal(capture_nfq_wire_len(IP6_1500, 40), 1500);
	/* Whole packet: the captured length stands. */
	uint8_t big[1600];
	memset(big, 0, sizeof(big));
	memcpy(big, IP4_1500, sizeof(IP4_1500));
	assert_int_equal(capture_nfq_wire_len(big, 1500), 1500);
	/* A declared length below what we hold never shrinks the packet. */
	assert_int_equal(capture_nfq_wire_len(big, 1600), 1600);
}

static void
test_wire_len_of_unreadable_headers(void **state)
{
	(void)state;
	static const uint8_t jumbo6[40] = { 0x60 }; /* payload length 0: jumbogram */
	static const uint8_t other[4] = { 0x50, 0xff, 0xff, 0xff };
	assert_int_equal(capture_nfq_wire_len(jumbo6, 40), 40);
	assert_int_equal(capture_nfq_wire_len(IP4_1500, 3), 3); /* length field cut */
	assert_int_equal(capture_nfq_wire_len(IP6_1500, 5), 5);
	assert_int_equal(capture_nfq_wire_len(other, 4), 4);
	assert_int_equal(capture_nfq_wire_len(IP4_1500, 0), 0);
}

static void
test_proc_line(void **state)
{
	(void)state;
	uint64_t f[CAPTURE_NFQ_PROC_FIELDS];
	/* As the kernel prints it: "%5u %6u %5u %1u %5u %5u %5u %8u %2d". */
	assert_int_equal(capture_nfq_proc_line("    7  12345     3 2 65531     4     5       99  1\n", f), 0);
	assert_int_equal(f[0], 7);
	assert_int_equal(f[1], 12345);
	assert_int_equal(f[2], 3);
	assert_int_equal(f[4], 65531);
	assert_int_equal(f[5], 4);
	assert_int_equal(f[6], 5);
	assert_int_equal(f[7], 99);
	assert_int_equal(capture_nfq_proc_line("    7  12345     3 2 65531     4     5       99\n", f),
			 TLSIPS_EMALFORMED);
	assert_int_equal(capture_nfq_proc_line("    7  12345     x 2 65531     4     5  99  1\n", f),
			 TLSIPS_EMALFORMED);
	assert_int_equal(capture_nfq_proc_line("99999999999 1 2 3 4 5 6 7 1\n", f), TLSIPS_EMALFORMED);
	assert_int_equal(capture_nfq_proc_line("", f), TLSIPS_EMALFORMED);
}

static void
test_defaults(void **state)
{
	(void)state;
	struct capture_nfq_opts o;
	memset(&o, 0xff, sizeof(o));
	capture_nfq_opts_default(&o);
	assert_int_equal(o.queue_maxlen, 4096);
	assert_int_equal(o.rcvbuf_bytes, 16 << 20);
	assert_false(o.fail_open);
	assert_true(o.gso);
}

static void
test_queue_number_out_of_range(void **state)
{
	(void)state;
	char err[128] = "";
	struct capture_nfq *q = (struct capture_nfq *)&q;
	assert_int_equal(capture_nfq_open(65536, NULL, &q, err, sizeof(err)), TLSIPS_ECONFIG);
	assert_null(q);
	assert_string_equal(err, "queue 65536: queue numbers go from 0 to 65535");
	capture_nfq_close(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_len_from_ip_header),
		cmocka_unit_test(test_wire_len_of_unreadable_headers),
		cmocka_unit_test(test_proc_line),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_queue_number_out_of_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
