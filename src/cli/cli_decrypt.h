/* Shared inside the decrypt command: its state and the per-packet step. */
#ifndef TLSIPS_CLI_DECRYPT_H
#define TLSIPS_CLI_DECRYPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "capture/capture.h"
#include "cli/cli_keys.h"
#include "cli/cli_out.h"
#include "net/net.h"
#include "tls/tls.h"

enum { CLI_ERR_LEN = 512, CLI_HELD_MAX = 256 * 1024 };

struct cli_decrypt_opts {
	const char *in_path, *out_path, *events_path;
	const char *iface, *filter;     /* live capture instead of -r */
	bool keep_undecrypted, quiet, progress;
	uint64_t max_flows;
};

struct cli_decrypt {
	struct cli_decrypt_opts opt;
	struct cli_keys_opts kopt;
	struct cli_keys keylog;   /* key log mode, when asked for */
	struct tls_keystore *keys;
	struct tls_engine *te;
	struct net_engine *ne;
	struct cli_out *out;
	FILE *events;
	uint64_t now;             /* timestamp of the packet being processed */
	uint64_t sessions, held_overflows, event_failures;
	struct cli_flow *lingering; /* closed flows whose sessions wait for key log secrets */
};

/* What the decrypt command keeps per TCP flow. */
struct cli_flow {
	struct net_flow *flow;
	struct tls_conn *tls;
	struct cli_out_flow out;
	struct buf held[2];       /* raw bytes kept until decided (--keep-undecrypted) */
	bool decided, keep_raw, saw_data;
	/* After the TCP flow closed while its session waited for keys: */
	struct net_flow closed;   /* copy of the flow's identity; flow points here */
	struct cli_flow *linger_next;
};

/* Finishes lingering sessions that got their keys or gave up (all of them if force). */
void cli_decrypt_sweep(struct cli_decrypt *d, bool force);

/* Decodes one captured packet and runs it through the pipeline. */
void cli_decrypt_packet(struct cli_decrypt *d, const struct capture_pkt *cp);

/* cli_live.c: capture on an interface until SIGINT/SIGTERM. Returns 0 or a read error. */
int cli_live_loop(struct cli_decrypt *d, struct capture_live *cl, uint64_t *out_packets);

#endif
