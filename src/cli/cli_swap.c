/* Publishing a pointer to worker threads and knowing when the old one is free (cli_swap.h). */
#include "cli/cli_swap.h"

#include <stddef.h>

#include "base/err.h"

int
cli_swap_init(struct cli_swap *s, void *first, unsigned n_readers)
{
	if (n_readers > CLI_SWAP_READERS_MAX)
		return TLSIPS_ELIMIT;
	atomic_store(&s->cur, first);
	atomic_store(&s->seq, 1);
	for (unsigned i = 0; i < CLI_SWAP_READERS_MAX; i++)
		atomic_store(&s->seen[i], 1);
	s->n_readers = n_readers;
	s->old = NULL;
	s->old_until = 0;
	return 0;
}

void *
cli_swap_peek(struct cli_swap *s, uint64_t *out_seq)
{
	/*
	 * seq before cur: the writer stores cur, then seq, so a reader that sees
	 * the new seq also sees the new cur. Seeing the old seq with the new cur
	 * only makes the writer wait one more round.
	 */
	*out_seq = atomic_load_explicit(&s->seq, memory_order_acquire);
	return atomic_load_explicit(&s->cur, memory_order_acquire);
}

void
cli_swap_ack(struct cli_swap *s, unsigned reader, uint64_t seq)
{
	atomic_store_explicit(&s->seen[reader], seq, memory_order_release);
}

int
cli_swap_publish(struct cli_swap *s, void *next)
{
	if (s->old)
		return TLSIPS_AGAIN;
	s->old = atomic_load(&s->cur);
	atomic_store_explicit(&s->cur, next, memory_order_release);
	s->old_until = atomic_fetch_add_explicit(&s->seq, 1, memory_order_acq_rel) + 1;
	return 0;
}

void *
cli_swap_collect(struct cli_swap *s)
{
	if (!s->old)
		return NULL;
	for (unsigned i = 0; i < s->n_readers; i++)
		if (atomic_load_explicit(&s->seen[i], memory_order_acquire) < s->old_until)
			return NULL;
	void *old = s->old;
	s->old = NULL;
	return old;
}

void *
cli_swap_current(struct cli_swap *s)
{
	return atomic_load(&s->cur);
}
