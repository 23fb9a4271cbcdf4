/* The flow header shared by all events, and `tls` events. */
#include "log/log_event.h"

#include "log/log_event_int.h"
#include "log/log_json.h"

void
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
	      const struct tls_conn_info *info, const char *key_source, const char *verdict)
{
	struct log_json j;
	char ts[48];
	log_json_begin(&j);
	log_json_timestamp(ts_usec, ts, sizeof(ts));
	log_json_str(&j, "timestamp", ts);
	log_event_flow(&j, flow);
	log_json_str(&j, "event_type", "tls");
	log_event_tls_object(&j, info, key_source, verdict);
	return log_json_end(&j, out);
}

void
log_event_tls_object(struct log_json *j, const struct tls_conn_info *info, const char *key_source,
		     const char *verdict)
{
	static const char *const resumed[] = { "no", "session_id", "ticket" };
	log_json_open(j, "tls");
	log_json_str(j, "version", tls_version_name(info->version));
	if (info->suite)
		log_json_str(j, "cipher", info->suite->iana);
	else if (info->suite_id)
		log_json_u64(j, "cipher_id", info->suite_id);
	if (info->sni[0])
		log_json_str(j, "sni", info->sni);
	if (info->alpn[0])
		log_json_str(j, "alpn", info->alpn);
	log_json_open(j, "inspection");
	log_json_bool(j, "decrypted", info->decrypted);
	if (verdict)
		log_json_str(j, "verdict", verdict);
	log_json_str(j, "key_source", key_source);
	if (info->reason == TLS_REASON_NONE)
		log_json_null(j, "reason");
	else
		log_json_str(j, "reason", tls_reason_name(info->reason));
	log_json_bool(j, "resumed", info->resumed != TLS_RESUME_NONE);
	log_json_str(j, "resumed_by", resumed[info->resumed]);
	log_json_u64(j, "handshakes", info->handshakes);
	log_json_u64(j, "records_to_server", info->records[TLS_DIR_CLIENT]);
	log_json_u64(j, "records_to_client", info->records[TLS_DIR_SERVER]);
	log_json_u64(j, "bytes_to_server", info->plaintext_bytes[TLS_DIR_CLIENT]);
	log_json_u64(j, "bytes_to_client", info->plaintext_bytes[TLS_DIR_SERVER]);
	log_json_close(j); /* inspection */
	log_json_close(j); /* tls */
}

