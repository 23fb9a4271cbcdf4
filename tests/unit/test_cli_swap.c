/*
 * Unit tests for cli_swap (reload: the generation published to workers):
 * the old pointer is handed back only after every reader switched to the
 * new one, a reader that did not ack keeps it alive, and a second publish
 * waits for the first to be collected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/err.h"
#include "cli/cli_swap.c"

static void
test_old_freed_after_every_reader_switched(void **state)
{
	(void)state;
	struct cli_swap s;
	int g1 = 1, g2 = 2;
	uint64_t seq0, seq1;
	assert_int_equal(cli_swap_init(&s, &g1, 2), 0);
	assert_ptr_equal(cli_swap_peek(&s, &seq0), &g1);
	cli_swap_ack(&s, 0, seq0);
	cli_swap_ack(&s, 1, seq0);
	assert_null(cli_swap_collect(&s));
	assert_int_equal(cli_swap_publish(&s, &g2), 0);
	assert_ptr_equal(cli_swap_current(&s), &g2);
	assert_null(cli_swap_collect(&s)); /* nobody switched yet */
	assert_ptr_equal(cli_swap_peek(&s, &seq1), &g2);
	assert_true(seq1 > seq0);
	cli_swap_ack(&s, 0, seq1);
	assert_null(cli_swap_collect(&s)); /* reader 1 may still use g1 */
	cli_swap_ack(&s, 1, seq1);
	assert_ptr_equal(cli_swap_collect(&s), &g1);
	assert_null(cli_swap_collect(&s)); /* handed back once */
}

static void
test_reader_that_did_not_ack_keeps_it(void **state)
{
	(void)state;
	struct cli_swap s;
	int g1 = 1, g2 = 2, g3 = 3;
	uint64_t seq;
	assert_int_equal(cli_swap_init(&s, &g1, 1), 0);
	assert_int_equal(cli_swap_publish(&s, &g2), 0);
	/* The reader peeked but could not switch (no ack): g1 stays alive. */
	assert_ptr_equal(cli_swap_peek(&s, &seq), &g2);
	assert_null(cli_swap_collect(&s));
	/* One swap at a time. */
	assert_int_equal(cli_swap_publish(&s, &g3), TLSIPS_AGAIN);
	assert_ptr_equal(cli_swap_current(&s), &g2);
	cli_swap_ack(&s, 0, seq);
	assert_ptr_equal(cli_swap_collect(&s), &g1);
	assert_int_equal(cli_swap_publish(&s, &g3), 0);
}

static void
test_too_many_readers(void **state)
{
	(void)state;
	struct cli_swap s;
	assert_int_equal(cli_swap_init(&s, NULL, CLI_SWAP_READERS_MAX + 1), TLSIPS_ELIMIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_old_freed_after_every_reader_switched),
		cmocka_unit_test(test_reader_that_did_not_ack_keeps_it),
		cmocka_unit_test(test_too_many_readers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
