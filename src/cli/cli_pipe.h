/*
 * cli_pipe: the inspection pipeline `inspect` and `run` share.
 *
 *   packet -> net (flows, reassembly) -> tls (when the flow speaks TLS)
 *          -> http -> detect (the rules of the flow's application type)
 *          -> verdict for the packet, events out
 *
 * A flow is inspected only if its server port is in some application
 * type's port list (policy). Whether it carries TLS is decided by its first
 * bytes, so plaintext HTTP and HTTPS work on any listed port. Once a drop
 * or reject rule matches in prevent mode, or the policy blocks a session
 * that cannot be decrypted, the flow is blocked: the packet that completed
 * the match gets DROP (RESET for reject and blocked sessions) and every
 * later packet of the flow DROP. Offline, the same decisions are only
 * reported ("action":"blocked").
 *
 * Live (`tlsips run`): with opts.hold, a packet of a session waiting for
 * key log secrets, and every later packet of its flow, is held
 * (CLI_VERDICT_HOLD from cli_pipe_packet_live) until the session can be
 * judged, then released in order through opts.release (cli_hold.h).
 * cli_pipe_reload swaps the policy, rules and keys between packets.
 *
 * Response bypass (live, opts.bypass_mark): once a flow whose application
 * type does not monitor responses needs none of its server's packets any
 * more (plaintext at once; TLS once the handshake is done both ways and
 * decrypts), the next accepted client packet sets bypass_now: the caller
 * marks the connection with it so netfilter stops queueing the responses
 * (docs/inline.md). Such a flow ends on the client's FIN or RST, or idle.
 */
#ifndef TLSIPS_CLI_PIPE_H
#define TLSIPS_CLI_PIPE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/capture.h"
#include "cli/cli_hold.h"
#include "cli/cli_keys.h"
#include "detect/detect.h"
#include "http/http.h"
#include "net/net.h"
#include "policy/policy.h"
#include "tls/tls.h"

enum cli_verdict {
	CLI_VERDICT_ACCEPT = 0,
	CLI_VERDICT_DROP,       /* drop this packet */
	CLI_VERDICT_RESET,      /* drop it and reset the connection toward both ends */
	CLI_VERDICT_HOLD,       /* live only: the pipe keeps it; opts.release decides later */
};

/*
 * A held packet's verdict (accept, drop, or reset: drop and reset the
 * connection built from hdr). Called from inside cli_pipe_* calls.
 */
typedef void (*cli_pipe_release_fn)(void *ctx, uint32_t id, enum cli_verdict v,
				    const struct net_pkt *hdr);

enum { CLI_PIPE_RULE_COUNTS = 1024 };

struct cli_pipe_opts {
	struct policy *policy;      /* borrowed; rules built (policy_build_rules) */
	struct tls_keystore *keys;  /* borrowed; may be empty */
	struct cli_keys *keylog;    /* borrowed; NULL without key log mode */
	bool live;                  /* key log secrets may still arrive */
	FILE *events;               /* borrowed; NULL: no events */
	uint32_t event_types;       /* POLICY_EVENT_* */
	/* Live inline key log mode: hold packets of waiting sessions (cli_hold.h bounds). */
	bool hold;
	uint32_t hold_max_pkts, hold_max_per_flow;
	uint64_t hold_max_bytes;
	cli_pipe_release_fn release;
	void *release_ctx;
	/* Live inline: mark bits the caller sets to bypass responses; 0: off. */
	uint32_t bypass_mark;
};

/* Alerts per rule, for the summary. */
struct cli_rule_count {
	const struct detect_rule *rule;
	const char *category;
	uint64_t alerts;
};

struct cli_pipe {
	struct cli_pipe_opts opt;
	struct net_engine *ne;
	struct tls_engine *te;
	struct http_engine *he;
	struct detect_ctx *dc[POLICY_MAX_APP_TYPES]; /* one per application type */
	uint64_t now;               /* capture time of the packet being processed */
	enum cli_verdict verdict;   /* for the packet being processed */
	bool bypass_now;            /* live: mark the current packet's connection (opts.bypass_mark) */
	bool bypass_ok;             /* bypass_mark set and the HTTP engine ignores responses */
	struct cli_pflow *lingering;/* closed flows whose sessions wait for key log secrets */
	struct cli_pflow *all;      /* every inspected flow, lingering ones too (reload re-points them) */
	struct cli_pflow *holding;  /* flows with held packets */
	struct cli_pflow *cur_pf;   /* flow of the packet being processed, or NULL */
	struct net_pkt cur;         /* the packet being processed, when cur_ok (views into it) */
	bool cur_ok;
	struct cli_hold hold;
	uint64_t hold_overflows;    /* flows that hit a hold bound: key_timeout fallback applied */
	uint64_t reloads;
	/* Counters for the summary and the stats event. */
	uint64_t packets, inspected_flows, tls_sessions, plain_flows, txns;
	uint64_t alerts, blocked_flows, blocked_sessions, event_failures;
	uint64_t bypassed_flows;    /* flows whose responses left the queue (bypass_now given) */
	uint64_t verdicts[4];
	struct cli_rule_count rule_counts[CLI_PIPE_RULE_COUNTS];
	uint32_t n_rule_counts;
	uint64_t rule_counts_full;  /* alerts of rules that found the table full */
};

/* Builds the engines; 0, or an exit code with a message in err. */
int cli_pipe_init(struct cli_pipe *p, const struct cli_pipe_opts *o, char *err, size_t errlen);
/* Decodes and inspects one captured packet; returns its verdict. */
enum cli_verdict cli_pipe_packet(struct cli_pipe *p, const struct capture_pkt *cp);
/*
 * Live: the same with the packet's queue id; CLI_VERDICT_HOLD means the pipe
 * took the packet (its verdict comes through opts.release). Also releases
 * what other flows held once they can be judged.
 */
enum cli_verdict cli_pipe_packet_live(struct cli_pipe *p, const struct capture_pkt *cp, uint32_t id);
/* The decoded packet being processed (for resets), or NULL if it was not TCP. */
const struct net_pkt *cli_pipe_current(const struct cli_pipe *p);
/* Live: time moves on without packets (key waits time out, held packets released). */
void cli_pipe_tick(struct cli_pipe *p, uint64_t now_usec);
/* Live: key log secrets for client_random arrived: waiting sessions resume. */
void cli_pipe_keys_added(struct cli_pipe *p, const uint8_t client_random[32]);
/*
 * Swaps in another policy (rules built) and key store, both borrowed, between
 * packets. Every flow gets a fresh detection state for its new application
 * type: flowbits, thresholds and per-flow rule state start over. A flow
 * whose port no application type covers any more passes uninspected from
 * then on. The limits of the engines (net, tls, http) stay those of init.
 * Returns 0, or an exit code with a message in err (the old policy stays).
 */
int cli_pipe_reload(struct cli_pipe *p, struct policy *pol, struct tls_keystore *keys,
		    uint32_t event_types, char *err, size_t errlen);
/* Writes a `stats` event now (periodic stats); cap may be NULL. */
void cli_pipe_stats(struct cli_pipe *p, const struct capture_file_stats *cap);
/* End of input: finishes every flow and writes the closing stats event. */
void cli_pipe_finish(struct cli_pipe *p, const struct capture_file_stats *cap);
/* The closing summary on out: flows, TLS sessions by outcome, transactions, alerts by rule. */
void cli_pipe_summary(const struct cli_pipe *p, FILE *out, double secs);
void cli_pipe_fini(struct cli_pipe *p);

#endif
