/* Shared inside log/: pieces every event writer reuses. */
#ifndef TLSIPS_LOG_EVENT_INT_H
#define TLSIPS_LOG_EVENT_INT_H

#include "log/log_json.h"
#include "net/net.h"
#include "tls/tls.h"

/* flow_id, src/dest address and port, proto: the client is the source. */
void log_event_flow(struct log_json *j, const struct net_flow *flow);
/* "tls":{version, cipher, sni, alpn, inspection{...}}; verdict may be NULL. */
void log_event_tls_object(struct log_json *j, const struct tls_conn_info *info,
			  const char *key_source, const char *verdict);

#endif
