/*
 * Unit tests for the parts of capture_nfq that need no queue: the wire
 * length read from a copied packet's IP header, the /proc counters line,
 * defaults and argument checks, the verdict messages and their batch. Binding a real queue needs CAP_NET_ADMIN and
 * is tested in tests/e2e/nfq_passthrough.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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

/* ACCEPT for packet 0x01020304 of queue 3, no mark: 32 bytes (host-endian netlink header). */
static const uint8_t VERDICT_ACCEPT[32] = {
	0x20, 0, 0, 0,         /* nlmsg_len 32 */
	0x01, 0x03,            /* type: NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_VERDICT */
	0x01, 0,               /* flags: NLM_F_REQUEST (no ack) */
	0, 0, 0, 0, 0, 0, 0, 0,/* seq, pid */
	0, 0, 0x00, 0x03,      /* nfgenmsg: AF_UNSPEC, version 0, queue 3 (big-endian) */
	0x0c, 0, 0x02, 0,      /* nlattr: len 12, NFQA_VERDICT_HDR */
	0, 0, 0, 1,            /* NF_ACCEPT, big-endian */
	0x01, 0x02, 0x03, 0x04 /* packet id, big-endian */
};

static void
test_verdict_msg_accept(void **state)
{
	(void)state;
	uint8_t b[64];
	memset(b, 0xee, sizeof(b));
	assert_int_equal(capture_nfq_verdict_msg(b, sizeof(b), 3, 0x01020304, CAPTURE_NFQ_ACCEPT,
						 false, 0),
			 32);
	assert_memory_equal(b, VERDICT_ACCEPT, 32);
	assert_int_equal(b[32], 0xee); /* nothing written past the message */
}

static void
test_verdict_msg_repeat_with_mark(void **state)
{
	(void)state;
	uint8_t b[CAPTURE_NFQ_VERDICT_MSG];
	assert_int_equal(capture_nfq_verdict_msg(b, sizeof(b), 0x1234, 7, CAPTURE_NFQ_REPEAT, true,
						 0x100),
			 40);
	static const uint8_t tail[20] = {
		0x0c, 0, 0x02, 0, 0, 0, 0, 4, /* NFQA_VERDICT_HDR: NF_REPEAT */
		0, 0, 0, 7,                   /* id 7 */
		0x08, 0, 0x03, 0,             /* nlattr: len 8, NFQA_MARK */
		0, 0, 0x01, 0x00,             /* mark 0x100, big-endian */
	};
	assert_int_equal(b[0], 40);
	assert_int_equal(b[18], 0x12); /* queue number, big-endian */
	assert_int_equal(b[19], 0x34);
	assert_memory_equal(b + 20, tail, sizeof(tail));
	/* DROP: verdict 0. */
	assert_int_equal(capture_nfq_verdict_msg(b, sizeof(b), 0, 9, CAPTURE_NFQ_DROP, false, 0), 32);
	assert_int_equal(b[24 + 3], 0);
}

static void
test_verdict_msg_refuses(void **state)
{
	(void)state;
	uint8_t b[64];
	assert_int_equal(capture_nfq_verdict_msg(b, 31, 0, 1, CAPTURE_NFQ_ACCEPT, false, 0), 0);
	assert_int_equal(capture_nfq_verdict_msg(b, 39, 0, 1, CAPTURE_NFQ_ACCEPT, true, 1), 0);
	assert_int_equal(capture_nfq_verdict_msg(b, sizeof(b), 0, 1, CAPTURE_NFQ_HOLD, false, 0), 0);
	assert_int_equal(capture_nfq_verdict_msg(b, sizeof(b), 0, 1, (enum capture_nfq_verdict)9,
						 false, 0),
			 0);
}

/*
 * Inside a dispatch verdicts wait in the batch; walked the way the kernel's
 * netlink_rcv_skb walks a datagram, it holds each message in order.
 */
static void
test_verdict_batch(void **state)
{
	(void)state;
	struct capture_nfq *q = calloc(1, sizeof(*q));
	assert_non_null(q);
	q->queue_num = 5;
	q->batching = true;
	assert_int_equal(capture_nfq_send_verdict(q, 10, CAPTURE_NFQ_ACCEPT, false, 0), 0);
	assert_int_equal(capture_nfq_send_verdict(q, 11, CAPTURE_NFQ_DROP, false, 0), 0);
	assert_int_equal(capture_nfq_send_verdict(q, 12, CAPTURE_NFQ_REPEAT, true, 0x100), 0);
	assert_int_equal(capture_nfq_send_verdict(q, 13, CAPTURE_NFQ_HOLD, false, 0), TLSIPS_ECONFIG);
	assert_int_equal(q->vn, 3);
	assert_int_equal(q->vlen, 32 + 32 + 40);
	assert_int_equal(q->v_accepted, 2);
	assert_int_equal(q->v_dropped, 1);
	assert_int_equal(q->v_repeated, 1);
	/* Nothing counted as sent before the datagram leaves. */
	assert_int_equal(q->st.accepted, 0);

	static const uint32_t want_id[3] = { 10, 11, 12 }, want_v[3] = { NF_ACCEPT, NF_DROP, NF_REPEAT };
	int len = (int)q->vlen, i = 0;
	/* nlmsghdr in vbuf is aligned: vbuf follows uint32_t members. */
	for (struct nlmsghdr *nh = (struct nlmsghdr *)(void *)q->vbuf; NLMSG_OK(nh, len);
	     nh = NLMSG_NEXT(nh, len), i++) {
		assert_true(i < 3);
		assert_int_equal(nh->nlmsg_type, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT);
		struct nfqnl_msg_verdict_hdr vh;
		memcpy(&vh, (uint8_t *)nh + NLMSG_HDRLEN + 4 + NLA_HDRLEN, sizeof(vh));
		assert_int_equal(ntohl(vh.id), want_id[i]);
		assert_int_equal(ntohl(vh.verdict), want_v[i]);
	}
	assert_int_equal(i, 3);
	assert_int_equal(len, 0);
	free(q);
}

/* A verdict the kernel refused comes back as NLMSG_ERROR: counted, not a packet. */
static void
test_take_netlink_error(void **state)
{
	(void)state;
	struct capture_nfq *q = calloc(1, sizeof(*q));
	assert_non_null(q);
	uint8_t msg[NLMSG_HDRLEN + sizeof(struct nlmsgerr)];
	memset(msg, 0, sizeof(msg));
	struct nlmsghdr nh = { .nlmsg_len = sizeof(msg), .nlmsg_type = NLMSG_ERROR };
	struct nlmsgerr e = { .error = -ENOENT };
	memcpy(msg, &nh, sizeof(nh));
	memcpy(msg + NLMSG_HDRLEN, &e, sizeof(e));
	capture_nfq_take(q, msg, sizeof(msg), false);
	assert_int_equal(q->st.verdict_failures, 1);
	e.error = 0; /* an ack: nothing failed */
	memcpy(msg + NLMSG_HDRLEN, &e, sizeof(e));
	capture_nfq_take(q, msg, sizeof(msg), false);
	assert_int_equal(q->st.verdict_failures, 1);
	/* Cut short by our buffer, or empty: a bad message, the parser never runs. */
	capture_nfq_take(q, msg, sizeof(msg), true);
	capture_nfq_take(q, msg, 0, false);
	assert_int_equal(q->st.bad_messages, 2);
	free(q);
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
		cmocka_unit_test(test_verdict_msg_accept),
		cmocka_unit_test(test_verdict_msg_repeat_with_mark),
		cmocka_unit_test(test_verdict_msg_refuses),
		cmocka_unit_test(test_verdict_batch),
		cmocka_unit_test(test_take_netlink_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
