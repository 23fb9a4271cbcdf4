/* The closing summary of an inspection on stderr. */
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/cli_pipe.h"

static int
cli_rule_count_cmp(const void *a, const void *b)
{
	const struct cli_rule_count *x = a, *y = b;
	if (x->alerts != y->alerts)
		return x->alerts < y->alerts ? 1 : -1;
	return x->rule->sid < y->rule->sid ? -1 : x->rule->sid > y->rule->sid;
}

void
cli_pipe_summary(const struct cli_pipe *p, FILE *out, double secs)
{
	const struct net_stats *ns = net_engine_stats(p->ne);
	const struct tls_stats *ts = tls_engine_stats(p->te);
	const struct http_stats *hs = http_engine_stats(p->he);
	fprintf(out, "summary: %llu packets, %llu flows (%llu inspected: %llu TLS, %llu plaintext), "
		"%.2f s\n",
		(unsigned long long)p->packets, (unsigned long long)ns->flows_created,
		(unsigned long long)p->inspected_flows, (unsigned long long)p->tls_sessions,
		(unsigned long long)p->plain_flows, secs);
	fputs("tls: ", out);
	cli_print_not_decrypted(out, ts);
	fprintf(out, "; %llu sessions blocked by policy\n", (unsigned long long)p->blocked_sessions);
	fprintf(out, "http: %llu requests, %llu responses, %llu body limit hits, %llu parse errors\n",
		(unsigned long long)hs->requests, (unsigned long long)hs->responses,
		(unsigned long long)hs->body_limit_hits, (unsigned long long)hs->parse_errors);
	fprintf(out, "alerts: %llu (%llu flows blocked%s)\n", (unsigned long long)p->alerts,
		(unsigned long long)p->blocked_flows,
		p->opt.policy->mode == POLICY_MODE_DETECT ? ", detect mode: none really" : "");
	struct cli_rule_count *sorted = malloc(sizeof(*sorted) * (p->n_rule_counts + 1));
	if (!sorted)
		return;
	for (uint32_t i = 0; i < p->n_rule_counts; i++)
		sorted[i] = p->rule_counts[i];
	qsort(sorted, p->n_rule_counts, sizeof(*sorted), cli_rule_count_cmp);
	for (uint32_t i = 0; i < p->n_rule_counts; i++)
		fprintf(out, "  %8llu  %u:%u  %s\n", (unsigned long long)sorted[i].alerts,
			sorted[i].rule->gid, sorted[i].rule->sid,
			sorted[i].rule->msg ? sorted[i].rule->msg : "");
	if (p->rule_counts_full)
		fprintf(out, "  %8llu  (alerts of further rules)\n",
			(unsigned long long)p->rule_counts_full);
	free(sorted);
}
