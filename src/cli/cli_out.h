/*
 * cli_out: writes streams as ordinary TCP connections into a pcap file
 * (LINKTYPE_RAW): a three-way handshake with the flow's own initial sequence
 * numbers, data segments whose sequence and acknowledgement numbers follow
 * the bytes written, and a FIN exchange at the end.
 */
#ifndef TLSIPS_CLI_OUT_H
#define TLSIPS_CLI_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

struct cli_out;

/* Per-flow position in the written stream; zero-initialised by the owner. */
struct cli_out_flow {
	bool started;
	bool finished;
	uint32_t next_seq[2]; /* by enum net_dir */
};

int cli_out_open(const char *path, struct cli_out **out, char *err, size_t errlen);
/* Writes len bytes sent in direction dir (handshake first if needed). */
void cli_out_data(struct cli_out *o, struct cli_out_flow *of, const struct net_flow *flow,
		  enum net_dir dir, const uint8_t *data, size_t len, uint64_t ts_usec);
/* Writes the closing FIN exchange if the flow was started. */
void cli_out_finish(struct cli_out *o, struct cli_out_flow *of, const struct net_flow *flow,
		    uint64_t ts_usec);
/* Writes out what is buffered, so a reader of the file sees it now. */
void cli_out_flush(struct cli_out *o);
uint64_t cli_out_packets(const struct cli_out *o);
/* Closes the file; TLSIPS_ESYS if any write failed. */
int cli_out_close(struct cli_out *o);

#endif
