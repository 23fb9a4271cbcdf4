/* Shared inside the pipeline files: what it keeps per flow. */
#ifndef TLSIPS_CLI_PIPE_INT_H
#define TLSIPS_CLI_PIPE_INT_H

#include "cli/cli_pipe.h"

enum cli_pflow_kind {
	CLI_PFLOW_UNKNOWN = 0,  /* no payload yet */
	CLI_PFLOW_TLS,
	CLI_PFLOW_PLAIN,
};

struct cli_pflow {
	struct net_flow *flow;
	uint32_t app_idx;                     /* index in policy->app_types */
	const struct policy_app_type *app;
	const struct policy_tls_entry *entry; /* TLS inspection entry covering the server, or NULL */
	enum cli_pflow_kind kind;
	struct tls_conn *tls;
	struct http_conn *http;
	struct detect_flow *df;
	bool blocked;                         /* prevent: later packets are dropped */
	bool session_decided;                 /* the policy looked at the TLS outcome */
	const char *tls_verdict;              /* "blocked", "allowed", "would_block" or NULL */
	/* After the TCP flow closed while its session waited for key log secrets: */
	struct net_flow closed;
	struct cli_pflow *linger_next;
	struct cli_pflow *all_prev, *all_next;   /* p->all */
	struct cli_pflow *hold_prev, *hold_next; /* p->holding, while held.n > 0 */
	struct cli_hold_list held;
	bool no_hold;                 /* a hold bound was hit and the policy let it pass */
	bool bypassed;                /* responses bypass the queue: ends on the client's FIN */
};

extern const char *const cli_key_source_names[4];

/* cli_pipe_flow.c: the net callbacks and the TLS sink. */
void cli_pipe_callbacks(struct cli_pipe *p, struct net_callbacks *out_net,
			struct tls_sink *out_tls);
/* Set on the net engine: every segment of a flow (blocked flows drop retransmissions). */
void cli_pipe_on_segment(void *ctx, struct net_flow *flow, enum net_dir dir, const struct net_pkt *pkt);
/* Finishes lingering sessions that got their keys or gave up (all of them if force). */
void cli_pipe_sweep(struct cli_pipe *p, bool force);

/* Whether the current packet may mark its flow for response bypass (cli_pipe_flow.c). */
bool cli_pipe_bypass_ready(const struct cli_pipe *p);

/* cli_pipe_http.c: the HTTP sink (rules, alerts, verdicts). */
void cli_pipe_http_sink(struct cli_pipe *p, struct http_sink *out);
/* Runs stream rules on a chunk of a flow's (decrypted) payload. */
void cli_pipe_stream(struct cli_pipe *p, struct cli_pflow *pf, enum http_dir dir,
		     const uint8_t *data, size_t len);
/* Blocks the flow (prevent mode) with the packet's verdict; counts it once. */
void cli_pipe_block(struct cli_pipe *p, struct cli_pflow *pf, enum cli_verdict v);

/* cli_pipe_hold.c: held packets (live key log mode). */
/* Whether the current packet must be held: its flow waits for secrets or already holds. */
bool cli_pipe_hold_wanted(const struct cli_pipe *p, const struct cli_pflow *pf);
/* Takes the current packet; on a bound, applies key_timeout and returns the verdict to give. */
enum cli_verdict cli_pipe_hold_take(struct cli_pipe *p, struct cli_pflow *pf, uint32_t id,
				    uint32_t bytes);
/* Releases the held packets of flows that can be judged now (all of pf's if force). */
void cli_pipe_hold_settle(struct cli_pipe *p);
void cli_pipe_hold_flush(struct cli_pipe *p, struct cli_pflow *pf);

#endif
