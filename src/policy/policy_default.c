/*
 * policy_default: the policy tlsips runs with when no file is given (and
 * the base every file starts from), and policy_fini.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "policy/policy_int.h"

const char policy_builtin_rules_name[] = POLICY_BUILTIN_RULES;

/* 80, 443, 8080, 8443: the seeds' "HTTP" port list with the TLS ports added. */
static void
policy_default_http_ports(struct net_port_set *out)
{
	static const uint16_t ports[] = { 80, 443, 8080, 8443 };
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		out->incl[i].lo = out->incl[i].hi = ports[i];
		out->n_incl++;
	}
}

void
policy_default(struct policy *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = POLICY_MODE_PREVENT;
	detect_vars_default(&out->vars);

	struct policy_port_list *l = &out->port_lists[out->n_port_lists++];
	snprintf(l->name, sizeof(l->name), "HTTP");
	policy_default_http_ports(&l->ports);

	struct policy_app_type *a = &out->app_types[out->n_app_types++];
	snprintf(a->name, sizeof(a->name), "%s", POLICY_BUILTIN_APP);
	snprintf(a->protocol, sizeof(a->protocol), "http");
	policy_default_http_ports(&a->ports);
	a->monitor_responses = true;
	/* Not owned: policy_fini leaves this one pointer alone. */
	a->rule_files[a->n_rule_files++] = (char *)policy_builtin_rules_name;

	struct policy_output *o = &out->outputs[out->n_outputs++];
	o->type = POLICY_OUTPUT_STDOUT;
	o->events = POLICY_EVENT_ALERT | POLICY_EVENT_TLS | POLICY_EVENT_STATS;

	net_limits_default(&out->limits.net);
	tls_limits_default(&out->limits.tls);
	http_limits_default(&out->limits.http);
	detect_limits_default(&out->limits.detect);
	out->limits.http.responses = true;

	out->inline_mode = true;
	out->n_queues = 1;
	out->queues[0] = 0;
	out->fail_open = false;
	out->tap_resets = true;
	out->stats_interval_sec = 60;
	out->key_perms_refuse = true;
}

void
policy_app_clear_rule_files(struct policy_app_type *a)
{
	for (uint32_t j = 0; j < a->n_rule_files; j++) {
		if (a->rule_files[j] != policy_builtin_rules_name)
			free(a->rule_files[j]);
		a->rule_files[j] = NULL;
	}
	a->n_rule_files = 0;
}

int
policy_app_set_rule_files(struct policy_app_type *a, const char *const *files, uint32_t n)
{
	if (n > POLICY_MAX_RULE_FILES)
		return TLSIPS_ELIMIT;
	policy_app_clear_rule_files(a);
	for (uint32_t j = 0; j < n; j++) {
		if (strcmp(files[j], POLICY_BUILTIN_RULES) == 0)
			a->rule_files[j] = (char *)policy_builtin_rules_name;
		else if (!(a->rule_files[j] = strdup(files[j])))
			return TLSIPS_ENOMEM;
		a->n_rule_files = j + 1;
	}
	return 0;
}

void
policy_fini(struct policy *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < p->n_app_types; i++) {
		struct policy_app_type *a = &p->app_types[i];
		policy_app_clear_rule_files(a);
		detect_ruleset_free(a->rules);
		a->rules = NULL;
	}
	p->n_app_types = 0;
	free(p->overrides);
	p->overrides = NULL;
	p->n_overrides = 0;
	free(p->tls);
	p->tls = NULL;
	p->n_tls = 0;
}
