/*
 * Reload (`tlsips run`, SIGHUP): another policy, rules and key store,
 * swapped in between two packets. Detection state belongs to a ruleset's
 * context, so the new contexts are built first (on failure nothing
 * changed), then every flow is re-pointed at its new application type and
 * TLS entry with a fresh detect_flow, then the old contexts go.
 */
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_pipe.h"
#include "cli/cli_pipe_int.h"

static void
cli_pipe_reload_flow(struct cli_pipe *p, struct cli_pflow *pf, const struct policy *pol,
		     struct detect_ctx *const *dc)
{
	const struct net_flow *f = pf->flow;
	if (pf->df)
		detect_flow_free(pf->df);
	pf->df = NULL;
	pf->entry = policy_tls_for(pol, NULL, &f->srv, f->srv_port);
	pf->app = policy_app_for_port(pol, f->srv_port);
	if (!pf->app)
		return;
	pf->app_idx = (uint32_t)(pf->app - pol->app_types);
	if (dc[pf->app_idx] && !(pf->df = detect_flow_new(dc[pf->app_idx])))
		pf->app = NULL; /* no memory for its state: it passes uninspected, as a new flow would */
	(void)p;
}

int
cli_pipe_reload(struct cli_pipe *p, struct policy *pol, struct tls_keystore *keys,
		uint32_t event_types, char *err, size_t errlen)
{
	struct detect_ctx *dc[POLICY_MAX_APP_TYPES] = { 0 };
	for (uint32_t i = 0; i < pol->n_app_types; i++) {
		const struct detect_ruleset *rs = pol->app_types[i].rules;
		if (rs && !(dc[i] = detect_ctx_new(rs, &pol->limits.detect))) {
			snprintf(err, errlen, "cannot set up the rules of '%s'", pol->app_types[i].name);
			for (uint32_t j = 0; j < i; j++)
				if (dc[j])
					detect_ctx_free(dc[j]);
			return CLI_EXIT_INPUT;
		}
	}
	for (struct cli_pflow *pf = p->all; pf; pf = pf->all_next)
		cli_pipe_reload_flow(p, pf, pol, dc);
	for (uint32_t i = 0; i < POLICY_MAX_APP_TYPES; i++) {
		if (p->dc[i])
			detect_ctx_free(p->dc[i]);
		p->dc[i] = dc[i];
	}
	p->opt.policy = pol;
	p->opt.keys = keys;
	p->opt.event_types = event_types;
	tls_engine_set_keystore(p->te, keys);
	/* The per-rule table points into the old rulesets. */
	memset(p->rule_counts, 0, sizeof(p->rule_counts));
	p->n_rule_counts = 0;
	p->reloads++;
	return 0;
}
