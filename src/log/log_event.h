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
#include "net/net.h"
#include "tls/tls.h"

/* A `tls` event for one session; key_source is "server_key" or "keylog". */
bool log_event_tls(FILE *out, uint64_t ts_usec, const struct net_flow *flow,
		   const struct tls_conn_info *info, const char *key_source);

/* The closing `stats` event: capture, flow and TLS counters. */
bool log_event_stats(FILE *out, uint64_t ts_usec, const struct capture_file_stats *cap,
		     const struct net_stats *net, const struct tls_stats *tls);

#endif
