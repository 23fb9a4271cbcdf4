/*
 * cli_swap: one pointer published by one writer (the main thread) and read
 * by a fixed set of readers (the workers), replaced whole on reload.
 *
 * A reader calls cli_swap_peek between two packets, switches to the pointer
 * it got, and then cli_swap_ack: from then on it holds no older one (a
 * reader that could not switch does not ack, and the old pointer lives on). The writer publishes a
 * new pointer, then collects the previous one once every reader has entered
 * since (no reader can still use it) and frees it. One swap at a time: a
 * publish while the previous one is not collected yet is refused (AGAIN),
 * so a burst of reloads never stacks up old generations.
 */
#ifndef TLSIPS_CLI_SWAP_H
#define TLSIPS_CLI_SWAP_H

#include <stdatomic.h>
#include <stdint.h>

enum { CLI_SWAP_READERS_MAX = 64 };

struct cli_swap {
	_Atomic(void *) cur;
	_Atomic uint64_t seq;                          /* bumped after cur changes */
	_Atomic uint64_t seen[CLI_SWAP_READERS_MAX];   /* per reader: seq it last entered at */
	unsigned n_readers;
	void *old;                                     /* writer only: waiting to be collected */
	uint64_t old_until;                            /* seq every reader must have seen */
};

/* 0, or TLSIPS_ELIMIT for too many readers. */
int cli_swap_init(struct cli_swap *s, void *first, unsigned n_readers);
/* Reader: the pointer published last, and the sequence number to ack once switched to it. */
void *cli_swap_peek(struct cli_swap *s, uint64_t *out_seq);
void cli_swap_ack(struct cli_swap *s, unsigned reader, uint64_t seq);
/* Writer: 0, or TLSIPS_AGAIN when the previous pointer is still in use. */
int cli_swap_publish(struct cli_swap *s, void *next);
/* Writer: the previous pointer once no reader uses it (then the caller frees it), else NULL. */
void *cli_swap_collect(struct cli_swap *s);
/* Writer: the pointer published last. */
void *cli_swap_current(struct cli_swap *s);

#endif
