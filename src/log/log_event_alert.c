/* `alert` and `http` events: what matched, on which transaction, in which session. */
#include "log/log_event.h"
#include "log/log_event_int.h"
#include "log/log_json.h"

/*
 * HTTP fields are clipped so one event always fits the writer's buffer
 * (escaping can grow a byte to six): the clip is flagged, never silent.
 */
enum { LOG_HTTP_URL_MAX = 1024, LOG_HTTP_FIELD_MAX = 256 };

static void
log_http_field(struct log_json *j, const char *key, struct view v, size_t max, bool *clipped)
{
	if (!v.len)
		return;
	if (v.len > max) {
		v.len = max;
		*clipped = true;
	}
	log_json_strn(j, key, v.ptr, v.len);
}

static void
log_http_object(struct log_json *j, const struct http_txn *t)
{
	bool clipped = false;
	log_json_open(j, "http");
	log_http_field(j, "hostname", t->buf[HTTP_BUF_HOST], LOG_HTTP_FIELD_MAX, &clipped);
	log_http_field(j, "url", t->buf[HTTP_BUF_URI_RAW], LOG_HTTP_URL_MAX, &clipped);
	log_http_field(j, "http_user_agent", t->buf[HTTP_BUF_USER_AGENT], LOG_HTTP_FIELD_MAX,
		       &clipped);
	log_http_field(j, "http_content_type", t->buf[HTTP_BUF_RESPONSE_CONTENT_TYPE],
		       LOG_HTTP_FIELD_MAX, &clipped);
	log_http_field(j, "http_refer", t->buf[HTTP_BUF_REFERER], LOG_HTTP_FIELD_MAX, &clipped);
	log_http_field(j, "http_method", t->buf[HTTP_BUF_METHOD], LOG_HTTP_FIELD_MAX, &clipped);
	log_http_field(j, "protocol", t->buf[HTTP_BUF_REQUEST_PROTOCOL], LOG_HTTP_FIELD_MAX,
		       &clipped);
	if (t->status)
		log_json_u64(j, "status", (uint64_t)t->status);
	log_json_u64(j, "request_body_length", t->request_body_len);
	log_json_u64(j, "length", t->response_body_len);
	log_json_u64(j, "tx_id", t->index);
	if (t->anomalies) {
		log_json_open(j, "anomalies");
		for (uint32_t bit = 1; bit; bit <<= 1)
			if (t->anomalies & bit)
				log_json_bool(j, http_anomaly_name(bit), true);
		log_json_close(j);
	}
	if (clipped)
		log_json_bool(j, "clipped", true);
	log_json_close(j);
}

static void
log_event_head(struct log_json *j, uint64_t ts_usec, const struct net_flow *flow, const char *type)
{
	char ts[48];
	log_json_begin(j);
	log_json_timestamp(ts_usec, ts, sizeof(ts));
	log_json_str(j, "timestamp", ts);
	log_event_flow(j, flow);
	log_json_str(j, "event_type", type);
}

bool
log_event_alert(FILE *out, uint64_t ts_usec, const struct log_alert_ctx *ctx,
		const struct detect_rule *rule)
{
	static const char *const rule_actions[] = { "alert", "drop", "reject", "pass" };
	struct log_json j;
	log_event_head(&j, ts_usec, ctx->flow, "alert");
	log_json_str(&j, "direction", ctx->to_client ? "to_client" : "to_server");
	if (ctx->txn)
		log_json_str(&j, "app_proto", "http");
	log_json_open(&j, "alert");
	log_json_str(&j, "action", ctx->action);
	log_json_u64(&j, "gid", rule->gid);
	log_json_u64(&j, "signature_id", rule->sid);
	log_json_u64(&j, "rev", rule->rev);
	log_json_str(&j, "signature", rule->msg ? rule->msg : "");
	log_json_str(&j, "category", ctx->category ? ctx->category : "");
	log_json_u64(&j, "severity", rule->priority);
	log_json_str(&j, "rule_action", rule_actions[rule->action]);
	log_json_close(&j);
	if (ctx->txn)
		log_http_object(&j, ctx->txn);
	if (ctx->tls)
		log_event_tls_object(&j, ctx->tls, ctx->key_source, NULL);
	return log_json_end(&j, out);
}

bool
log_event_http(FILE *out, uint64_t ts_usec, const struct net_flow *flow, const struct http_txn *txn,
	       const struct tls_conn_info *tls)
{
	struct log_json j;
	log_event_head(&j, ts_usec, flow, "http");
	log_http_object(&j, txn);
	if (tls) {
		log_json_open(&j, "tls");
		log_json_bool(&j, "decrypted", tls->decrypted);
		if (tls->sni[0])
			log_json_str(&j, "sni", tls->sni);
		log_json_close(&j);
	}
	return log_json_end(&j, out);
}
