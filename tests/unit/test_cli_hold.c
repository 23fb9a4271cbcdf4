/*
 * Unit tests for cli_hold (held packets in inline key log mode): per-flow
 * order, the three bounds (pool, bytes, per flow) refusing without taking,
 * release giving every packet exactly one verdict with the oldest first,
 * and the pool reusing released entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "cli/cli_hold.c"

struct got {
	uint32_t ids[64];
	bool accept[64], first[64];
	uint32_t seqs[64];
	unsigned n;
};

static void
record(void *ctx, const struct cli_hold_pkt *hp, bool accept, bool first)
{
	struct got *g = ctx;
	g->ids[g->n] = hp->id;
	g->accept[g->n] = accept;
	g->first[g->n] = first;
	g->seqs[g->n] = hp->hdr.seq;
	g->n++;
}

static void
test_release_in_order_per_flow(void **state)
{
	(void)state;
	struct cli_hold h;
	struct cli_hold_list a, b;
	struct got g = { 0 };
	struct net_pkt np;
	memset(&np, 0, sizeof(np));
	assert_int_equal(cli_hold_init(&h, 8, 100000, 8), 0);
	cli_hold_list_init(&a);
	cli_hold_list_init(&b);
	for (uint32_t i = 0; i < 3; i++) {
		np.seq = 1000 + i;
		np.payload.ptr = (const uint8_t *)"x"; /* must not be kept */
		assert_int_equal(cli_hold_add(&h, &a, 10 + i, 100, &np), 0);
		assert_int_equal(cli_hold_add(&h, &b, 20 + i, 50, NULL), 0);
	}
	assert_int_equal(h.st.pkts_now, 6);
	assert_int_equal(h.st.bytes_now, 450);
	cli_hold_release(&h, &a, true, record, &g);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.ids[0], 10);
	assert_int_equal(g.ids[1], 11);
	assert_int_equal(g.ids[2], 12);
	assert_int_equal(g.seqs[2], 1002);
	assert_true(g.first[0]);
	assert_false(g.first[1]);
	assert_true(g.accept[0] && g.accept[2]);
	assert_int_equal(a.n, 0);
	assert_int_equal(a.head, CLI_HOLD_NONE);
	cli_hold_release(&h, &b, false, record, &g);
	assert_int_equal(g.n, 6);
	assert_int_equal(g.ids[3], 20);
	assert_true(g.first[3]);
	assert_false(g.accept[3]);
	assert_int_equal(h.st.accepted, 3);
	assert_int_equal(h.st.dropped, 3);
	assert_int_equal(h.st.pkts_now, 0);
	assert_int_equal(h.st.bytes_now, 0);
	cli_hold_fini(&h);
}

static void
test_bounds_refuse_without_taking(void **state)
{
	(void)state;
	struct cli_hold h;
	struct cli_hold_list a, b;
	assert_int_equal(cli_hold_init(&h, 4, 1000, 2), 0);
	cli_hold_list_init(&a);
	cli_hold_list_init(&b);
	/* per flow: 2 */
	assert_int_equal(cli_hold_add(&h, &a, 1, 10, NULL), 0);
	assert_int_equal(cli_hold_add(&h, &a, 2, 10, NULL), 0);
	assert_int_equal(cli_hold_add(&h, &a, 3, 10, NULL), TLSIPS_ELIMIT);
	assert_int_equal(a.n, 2);
	/* bytes: 1000 in all, 20 used */
	assert_int_equal(cli_hold_add(&h, &b, 4, 981, NULL), TLSIPS_ELIMIT);
	assert_int_equal(cli_hold_add(&h, &b, 5, 980, NULL), 0);
	/* pool: 4 packets; a third flow fills it */
	struct cli_hold_list c;
	cli_hold_list_init(&c);
	assert_int_equal(cli_hold_add(&h, &c, 6, 0, NULL), 0);
	assert_int_equal(cli_hold_add(&h, &c, 7, 0, NULL), TLSIPS_ELIMIT);
	assert_int_equal(h.st.over_limit, 3);
	assert_int_equal(h.st.pkts_now, 4);
	assert_int_equal(h.st.pkts_peak, 4);
	/* released entries are reused */
	cli_hold_release(&h, &a, true, NULL, NULL);
	assert_int_equal(cli_hold_add(&h, &c, 8, 0, NULL), 0);
	assert_int_equal(cli_hold_add(&h, &b, 9, 0, NULL), 0);
	assert_int_equal(cli_hold_add(&h, &b, 10, 0, NULL), TLSIPS_ELIMIT);
	cli_hold_release(&h, &b, false, NULL, NULL);
	cli_hold_release(&h, &c, false, NULL, NULL);
	assert_int_equal(h.st.pkts_now, 0);
	assert_int_equal(h.st.held, h.st.accepted + h.st.dropped);
	cli_hold_fini(&h);
}

static void
test_init_rejects_zero_bounds(void **state)
{
	(void)state;
	struct cli_hold h;
	assert_int_equal(cli_hold_init(&h, 0, 10, 1), TLSIPS_ECONFIG);
	assert_int_equal(cli_hold_init(&h, 1, 10, 0), TLSIPS_ECONFIG);
	cli_hold_fini(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_in_order_per_flow),
		cmocka_unit_test(test_bounds_refuse_without_taking),
		cmocka_unit_test(test_init_rejects_zero_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
