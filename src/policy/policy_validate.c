/*
 * policy_validate: checks only the whole policy can make, after every key
 * was read — capture settings against the capture mode, inspection entries
 * without a way to get keys, decrypted ports no rules inspect (the seeds'
 * classic mistake: "without specifying the proper port this rule would not
 * work") — and the values that follow from others.
 */
#include <string.h>

#include "policy/policy_int.h"

/* Ports checked per entry for coverage: enough for real lists, bounded for huge ranges. */
enum { POLICY_VALIDATE_PORT_CHECKS = 4096 };

static void
policy_validate_capture(struct policy_ctx *c)
{
	struct policy *p = c->p;
	if (c->capture_tap && c->inline_node)
		policy_diag_at(&c->d, c->inline_node, "set capture: inline, or remove the inline section",
			       "inline settings (NFQUEUE queues) given, but capture is tap");
	if (!c->capture_tap && c->tap_node)
		policy_diag_at(&c->d, c->tap_node, "add capture: tap, or remove the tap section",
			       "tap settings given, but capture is inline");
	if (c->capture_tap && !c->tap_node && c->capture_node)
		policy_diag_at(&c->d, c->capture_node, "add a tap section with interface: NAME",
			       "capture: tap needs an interface");
	if (c->capture_tap && c->tap_node && p->mode == POLICY_MODE_PREVENT && !p->tap_resets)
		policy_diag_warn(&c->d, c->tap_node->line, c->tap_node->col, "set resets: true",
				 "prevent mode on a tap without resets can only report, not block");
}

/* The first port of the entry that no application type inspects, or -1. */
static int32_t
policy_validate_uncovered(const struct policy *p, const struct policy_tls_entry *e)
{
	uint32_t checks = 0;
	for (uint32_t r = 0; r < e->ports.n_incl; r++) {
		for (uint32_t port = e->ports.incl[r].lo; port <= e->ports.incl[r].hi; port++) {
			if (++checks > POLICY_VALIDATE_PORT_CHECKS)
				return -1;
			if (!net_port_set_has(&e->ports, (uint16_t)port))
				continue;
			if (!policy_app_for_port(p, (uint16_t)port))
				return (int32_t)port;
		}
	}
	return -1;
}

static void
policy_validate_tls(struct policy_ctx *c, uint32_t i)
{
	const struct policy *p = c->p;
	const struct policy_tls_entry *e = &p->tls[i];
	const struct policy_node *at = c->tls_node[i];
	if (at->kind != POLICY_NODE_MAP || e->name[0] == '\0')
		return; /* already reported */
	if (e->n_credentials == 0 && !e->keylog)
		policy_diag_at(&c->d, at, "add credentials (server key mode) or keylog (key log mode)",
			       "tls-inspection entry '%s' has no way to get keys", e->name);
	if (e->keylog && e->n_peer_uids == 0 && e->n_peer_gids == 0)
		policy_diag_at(&c->d, at, "keylog: { peers: { uids: [UID of the server] } }",
			       "tls-inspection entry '%s': key log mode needs the peers allowed to send secrets",
			       e->name);
	if (!c->tls_ports_node[i])
		return;
	int32_t port = policy_validate_uncovered(p, e);
	if (port >= 0) {
		char hint[160];
		snprintf(hint, sizeof(hint), "add %d to the ports of an application type, e.g. '%s'",
			 (int)port, POLICY_BUILTIN_APP);
		policy_diag_warn(&c->d, c->tls_ports_node[i]->line, c->tls_ports_node[i]->col, hint,
				 "tls-inspection entry '%s': port %d is decrypted but no application "
				 "type inspects it",
				 e->name, (int)port);
	}
}

void
policy_validate(struct policy_ctx *c)
{
	struct policy *p = c->p;
	/* The built-in type follows the port list "HTTP" unless its ports were written. */
	int http = policy_port_list_find(p, "HTTP");
	for (uint32_t i = 0; i < p->n_app_types && http >= 0 && !c->builtin_ports_given; i++)
		if (strcmp(p->app_types[i].name, POLICY_BUILTIN_APP) == 0)
			p->app_types[i].ports = p->port_lists[http].ports;
	policy_validate_capture(c);
	if (p->n_app_types == 0)
		policy_diag_warn(&c->d, 1, 1, NULL, "no application type is enabled: no rule will run");
	/* libhtp parses responses when any type inspects them. */
	p->limits.http.responses = false;
	for (uint32_t i = 0; i < p->n_app_types; i++)
		p->limits.http.responses |= p->app_types[i].monitor_responses;
	/* Bypassed flows never show responses again: only without response parsing. */
	if (p->bypass_mark && p->limits.http.responses && c->inline_node)
		policy_diag_warn(&c->d, c->inline_node->line, c->inline_node->col,
				 "set monitor-responses: false on every application type",
				 "bypass-mark is set, but an application type monitors responses: "
				 "no flow will be bypassed");
	for (uint32_t i = 0; i < p->n_tls; i++)
		policy_validate_tls(c, i);
}
