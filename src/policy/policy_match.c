/*
 * policy_match: which application type and which TLS inspection entry a
 * flow falls under. Both take the first match in the order of the file, so
 * the order is the operator's way to say which entry wins.
 */
#include <string.h>

#include "policy/policy.h"

const struct policy_app_type *
policy_app_for_port(const struct policy *p, uint16_t srv_port)
{
	for (uint32_t i = 0; i < p->n_app_types; i++)
		if (net_port_set_has(&p->app_types[i].ports, srv_port))
			return &p->app_types[i];
	return NULL;
}

/* iface NULL (a capture file): every entry's interfaces match. */
static bool
policy_match_iface(const struct policy_tls_entry *e, const char *iface)
{
	if (e->all_ifaces || !iface)
		return true;
	for (uint32_t i = 0; i < e->n_ifaces; i++)
		if (strcmp(e->ifaces[i], iface) == 0)
			return true;
	return false;
}

const struct policy_tls_entry *
policy_tls_for(const struct policy *p, const char *iface, const struct net_addr *srv,
	       uint16_t srv_port)
{
	for (uint32_t i = 0; i < p->n_tls; i++) {
		const struct policy_tls_entry *e = &p->tls[i];
		if (policy_match_iface(e, iface) && net_port_set_has(&e->ports, srv_port) &&
		    net_ip_set_has(&e->ips, srv))
			return e;
	}
	return NULL;
}
