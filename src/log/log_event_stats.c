/* `stats` events: every counter of every stage, so nothing is lost silently. */
#include "log/log_event.h"
#include "log/log_json.h"

static void
log_stats_http(struct log_json *j, const struct http_stats *h)
{
	log_json_open(j, "http");
	log_json_u64(j, "conns", h->conns);
	log_json_u64(j, "requests", h->requests);
	log_json_u64(j, "responses", h->responses);
	log_json_u64(j, "request_body_bytes", h->request_body_bytes);
	log_json_u64(j, "response_body_bytes", h->response_body_bytes);
	log_json_u64(j, "body_limit_hits", h->body_limit_hits);
	log_json_u64(j, "header_limit_hits", h->header_limit_hits);
	log_json_u64(j, "parse_errors", h->parse_errors);
	log_json_u64(j, "header_lines_limit_hits", h->header_lines_limit_hits);
	log_json_u64(j, "chunk_line_limit_hits", h->chunk_line_limit_hits);
	log_json_u64(j, "pending_limit_hits", h->pending_limit_hits);
	log_json_u64(j, "txn_evictions", h->txn_evictions);
	log_json_u64(j, "gaps", h->gaps);
	log_json_u64(j, "tunnels", h->tunnels);
	log_json_open(j, "anomalies");
	for (unsigned i = 0; i < sizeof(h->anomalies) / sizeof(h->anomalies[0]); i++)
		log_json_u64(j, http_anomaly_name(1u << i), h->anomalies[i]);
	log_json_close(j);
	log_json_close(j);
}

static void
log_stats_detect(struct log_json *j, const struct detect_stats *d, const struct log_stats_src *src)
{
	log_json_open(j, "detect");
	log_json_u64(j, "alerts", src->alerts);
	log_json_u64(j, "blocked_flows", src->blocked_flows);
	log_json_u64(j, "bypassed_flows", src->bypassed_flows);
	log_json_u64(j, "events_dropped", src->events_dropped);
	log_json_u64(j, "inspections", d->inspections);
	log_json_u64(j, "prefilter_hits", d->prefilter_hits);
	log_json_u64(j, "candidates", d->candidates);
	log_json_u64(j, "verified", d->verified);
	log_json_u64(j, "matches_suppressed", d->suppressed);
	log_json_u64(j, "pcre_calls", d->pcre_calls);
	log_json_u64(j, "pcre_limit_hits", d->pcre_limit_hits);
	log_json_u64(j, "candidate_limit_hits", d->candidate_limit_hits);
	log_json_u64(j, "scan_copies", d->scan_copies);
	log_json_u64(j, "scan_copy_failures", d->scan_copy_failures);
	log_json_u64(j, "threshold_entries", d->threshold_entries);
	log_json_u64(j, "threshold_evictions", d->threshold_evictions);
	log_json_close(j);
}

bool
log_event_stats(FILE *out, uint64_t ts_usec, const struct log_stats_src *src)
{
	const struct capture_file_stats *cap = src->cap;
	const struct net_stats *net = src->net;
	const struct tls_stats *tls = src->tls;
	struct log_json j;
	char ts[48];
	log_json_begin(&j);
	log_json_timestamp(ts_usec, ts, sizeof(ts));
	log_json_str(&j, "timestamp", ts);
	log_json_str(&j, "event_type", "stats");
	log_json_open(&j, "stats");
	if (cap) {
		log_json_open(&j, "capture");
		log_json_u64(&j, "packets", cap->packets);
		log_json_u64(&j, "bytes", cap->bytes);
		log_json_u64(&j, "resyncs", cap->resyncs);
		log_json_u64(&j, "skipped_bytes", cap->skipped_bytes);
		log_json_close(&j);
	}
	log_json_open(&j, "tcp");
	log_json_u64(&j, "packets", net->packets);
	log_json_u64(&j, "not_tcp", net->not_tcp);
	log_json_u64(&j, "malformed", net->malformed);
	log_json_u64(&j, "truncated", net->truncated);
	log_json_u64(&j, "flows", net->flows_created);
	log_json_u64(&j, "flows_peak", net->flows_peak);
	log_json_u64(&j, "flows_evicted", net->flows_evicted);
	log_json_u64(&j, "flows_timed_out", net->flows_timed_out);
	log_json_u64(&j, "retransmitted_bytes", net->retransmitted_bytes);
	log_json_u64(&j, "overlap_bytes", net->overlap_bytes);
	log_json_u64(&j, "ooo_bytes_queued", net->bytes_ooo_queued);
	log_json_u64(&j, "ooo_bytes_peak", net->ooo_bytes_peak);
	log_json_u64(&j, "ooo_limit_hits", net->ooo_limit_hits);
	log_json_u64(&j, "gaps", net->gaps);
	log_json_u64(&j, "gap_bytes", net->gap_bytes);
	log_json_close(&j);
	log_json_open(&j, "tls");
	log_json_u64(&j, "sessions", tls->conns);
	log_json_u64(&j, "handshakes", tls->handshakes);
	log_json_u64(&j, "decrypted", tls->decrypted);
	log_json_open(&j, "not_decrypted");
	for (int r = 1; r < TLS_REASON_COUNT; r++)
		log_json_u64(&j, tls_reason_name((enum tls_reason)r), tls->not_decrypted[r]);
	log_json_close(&j);
	log_json_u64(&j, "resumed_session_id", tls->resumed_id);
	log_json_u64(&j, "resumed_ticket", tls->resumed_ticket);
	log_json_u64(&j, "records", tls->records_opened);
	log_json_u64(&j, "records_failed", tls->records_failed);
	log_json_u64(&j, "plaintext_bytes", tls->plaintext_bytes);
	log_json_u64(&j, "session_cache_entries", tls->cache_entries);
	log_json_u64(&j, "session_cache_hits", tls->cache_hits);
	log_json_u64(&j, "session_cache_misses", tls->cache_misses);
	log_json_u64(&j, "session_cache_evictions", tls->cache_evictions);
	log_json_u64(&j, "handshake_limit_hits", tls->handshake_limit_hits);
	log_json_open(&j, "keylog");
	log_json_u64(&j, "hits", tls->keylog_hits);
	log_json_u64(&j, "misses", tls->keylog_misses);
	log_json_u64(&j, "waits", tls->key_waits);
	log_json_u64(&j, "arrived_late", tls->key_arrived_late);
	log_json_u64(&j, "timeouts", tls->key_timeouts);
	log_json_u64(&j, "waiting_evicted", tls->waiting_evicted);
	log_json_u64(&j, "held_bytes_peak", tls->held_bytes_peak);
	log_json_u64(&j, "held_limit_hits", tls->held_limit_hits);
	log_json_close(&j); /* keylog */
	log_json_close(&j); /* tls */
	if (src->http)
		log_stats_http(&j, src->http);
	if (src->detect)
		log_stats_detect(&j, src->detect, src);
	log_json_close(&j); /* stats */
	return log_json_end(&j, out);
}
