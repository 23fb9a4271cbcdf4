#include "log/log_event.h"

#include "log/log_json.h"

static void
log_event_flow(struct log_json *j, const struct net_flow *flow)
{
	char ip[64];
	log_json_u64(j, "flow_id", flow->id);
	net_addr_format(&flow->cli, ip, sizeof(ip));
	log_json_str(j, "src_ip", ip);
	log_json_u64(j, "src_port", flow->cli_port);
	net_addr_format(&flow->srv, ip, sizeof(ip));
	log_json_str(j, "dest_ip", ip);
	log_json_u64(j, "dest_port", flow->srv_port);
	log_json_str(j, "proto", "TCP");
}

bool
log_event_tls(FILE *out, uint64_t ts_usec, const struct net_flow *flow,
	      const struct tls_conn_info *info, const char *key_source)
{
	static const char *const resumed[] = { "no", "session_id", "ticket" };
	struct log_json j;
	char ts[48];
	log_json_begin(&j);
	log_json_timestamp(ts_usec, ts, sizeof(ts));
	log_json_str(&j, "timestamp", ts);
	log_event_flow(&j, flow);
	log_json_str(&j, "event_type", "tls");
	log_json_open(&j, "tls");
	log_json_str(&j, "version", tls_version_name(info->version));
	if (info->suite)
		log_json_str(&j, "cipher", info->suite->iana);
	else if (info->suite_id)
		log_json_u64(&j, "cipher_id", info->suite_id);
	if (info->sni[0])
		log_json_str(&j, "sni", info->sni);
	if (info->alpn[0])
		log_json_str(&j, "alpn", info->alpn);
	log_json_open(&j, "inspection");
	log_json_bool(&j, "decrypted", info->decrypted);
	log_json_str(&j, "key_source", key_source);
	if (info->reason == TLS_REASON_NONE)
		log_json_null(&j, "reason");
	else
		log_json_str(&j, "reason", tls_reason_name(info->reason));
	log_json_bool(&j, "resumed", info->resumed != TLS_RESUME_NONE);
	log_json_str(&j, "resumed_by", resumed[info->resumed]);
	log_json_u64(&j, "handshakes", info->handshakes);
	log_json_u64(&j, "records_to_server", info->records[TLS_DIR_CLIENT]);
	log_json_u64(&j, "records_to_client", info->records[TLS_DIR_SERVER]);
	log_json_u64(&j, "bytes_to_server", info->plaintext_bytes[TLS_DIR_CLIENT]);
	log_json_u64(&j, "bytes_to_client", info->plaintext_bytes[TLS_DIR_SERVER]);
	log_json_close(&j);
	log_json_close(&j);
	return log_json_end(&j, out);
}

bool
log_event_stats(FILE *out, uint64_t ts_usec, const struct capture_file_stats *cap,
		const struct net_stats *net, const struct tls_stats *tls)
{
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
	log_json_close(&j);
	log_json_close(&j);
	log_json_close(&j);
	return log_json_end(&j, out);
}
