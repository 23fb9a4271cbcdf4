/*
 * log_event: EVE-style events (DESIGN.md "Events"), one JSON object a line.
 * Reads stage state; never writes key material (no stage exposes any).
 */
#ifndef TLSIPS_LOG_EVENT_H
#define TLSIPS_LOG_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/capture.h"
#include "detect/detect.h"
#include "http/http.h"
#include "net/net.h"
#include "tls/tls.h"

/*
 * A `tls` event for one session; key_source is "server_key", "keylog", ...
 * verdict ("blocked", "allowed", "would_block") says what the policy did
 * with the session, NULL when no policy applies (decrypt).
 */
bool log_event_tls(FILE *out, uint64_t ts_usec, const struct net_flow *flow,
		   const struct tls_conn_info *info, const char *key_source, const char *verdict);

/* Where an alert happened: the flow, its transaction, its TLS session. */
struct log_alert_ctx {
	const struct net_flow *flow;
	bool to_client;                       /* the alert is on the response side */
	const struct http_txn *txn;           /* NULL for stream rules */
	const struct tls_conn_info *tls;      /* NULL for plaintext */
	const char *key_source;
	const char *category;                 /* the rule's classtype description */
	const char *action;                   /* "blocked" or "allowed" (EVE) */
};

/* An `alert` event for one rule match, with `http` and `tls` context. */
bool log_event_alert(FILE *out, uint64_t ts_usec, const struct log_alert_ctx *ctx,
		     const struct detect_rule *rule);

/* An `http` event for one transaction (when asked for). */
bool log_event_http(FILE *out, uint64_t ts_usec, const struct net_flow *flow,
		    const struct http_txn *txn, const struct tls_conn_info *tls);

/* The counters a `stats` event reports; NULL members are left out. */
struct log_stats_src {
	const struct capture_file_stats *cap;
	const struct net_stats *net;
	const struct tls_stats *tls;
	const struct http_stats *http;
	const struct detect_stats *detect;
	uint64_t alerts, blocked_flows, events_dropped;
	uint64_t bypassed_flows; /* inline: flows whose responses skip the queue */
};

/* A `stats` event (periodic or closing). */
bool log_event_stats(FILE *out, uint64_t ts_usec, const struct log_stats_src *src);

#endif
