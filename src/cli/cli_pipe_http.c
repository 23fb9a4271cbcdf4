/* The pipeline's detection side: rules on transactions and streams, alerts, verdicts. */
#include "cli/cli_pipe.h"
#include "cli/cli_pipe_int.h"
#include "log/log_event.h"

/* What an alert callback needs to write its event. */
struct cli_alert_scope {
	struct cli_pipe *p;
	struct cli_pflow *pf;
	const struct http_txn *txn;
	bool to_client;
};

void
cli_pipe_block(struct cli_pipe *p, struct cli_pflow *pf, enum cli_verdict v)
{
	if (v > p->verdict)
		p->verdict = v;
	if (!pf->blocked) {
		pf->blocked = true;
		p->blocked_flows++;
	}
}

static void
cli_pipe_count_rule(struct cli_pipe *p, const struct detect_rule *r, const char *category)
{
	for (uint32_t i = 0; i < p->n_rule_counts; i++) {
		if (p->rule_counts[i].rule == r) {
			p->rule_counts[i].alerts++;
			return;
		}
	}
	if (p->n_rule_counts == CLI_PIPE_RULE_COUNTS) {
		p->rule_counts_full++;
		return;
	}
	p->rule_counts[p->n_rule_counts++] = (struct cli_rule_count){ r, category, 1 };
}

static bool
cli_pipe_prevents(const struct cli_pipe *p, enum detect_action a)
{
	return p->opt.policy->mode == POLICY_MODE_PREVENT &&
	       (a == DETECT_ACTION_DROP || a == DETECT_ACTION_REJECT);
}

static void
cli_pipe_on_alert(void *ctx, const struct detect_alert *a)
{
	struct cli_alert_scope *s = ctx;
	struct cli_pipe *p = s->p;
	const struct detect_ruleset *rs = s->pf->app->rules;
	const char *category = detect_ruleset_category(rs, a->rule);
	p->alerts++;
	cli_pipe_count_rule(p, a->rule, category);
	if (!p->opt.events || !(p->opt.event_types & POLICY_EVENT_ALERT))
		return;
	const struct tls_conn_info *info = s->pf->tls ? tls_conn_info(s->pf->tls) : NULL;
	struct log_alert_ctx lc = {
		.flow = s->pf->flow,
		.to_client = s->to_client,
		.txn = s->txn,
		.tls = info,
		.key_source = info ? cli_key_source_names[info->key_source] : NULL,
		.category = category,
		.action = cli_pipe_prevents(p, a->action) ? "blocked" : "allowed",
	};
	if (!log_event_alert(p->opt.events, p->now, &lc, a->rule))
		p->event_failures++;
}

static void
cli_pipe_pkt_info(const struct cli_pflow *pf, bool to_client, uint64_t now,
		  struct detect_pkt_info *out)
{
	const struct net_flow *f = pf->flow;
	*out = (struct detect_pkt_info){
		.src = to_client ? &f->srv : &f->cli,
		.dst = to_client ? &f->cli : &f->srv,
		.sport = to_client ? f->srv_port : f->cli_port,
		.dport = to_client ? f->cli_port : f->srv_port,
		.ts_usec = now,
		.established = true, /* data flows only after the handshake (or midstream) */
	};
}

static void
cli_pipe_apply(struct cli_pipe *p, struct cli_pflow *pf, struct detect_result r)
{
	if (!cli_pipe_prevents(p, r.verdict))
		return;
	cli_pipe_block(p, pf, r.verdict == DETECT_ACTION_REJECT ? CLI_VERDICT_RESET
								: CLI_VERDICT_DROP);
}

static void
cli_pipe_inspect_txn(struct cli_pipe *p, struct cli_pflow *pf, const struct http_txn *txn,
		     enum http_dir point)
{
	struct detect_ctx *dc = pf->app ? p->dc[pf->app_idx] : NULL;
	if (!dc || pf->blocked)
		return;
	bool to_client = point == HTTP_DIR_RESPONSE;
	struct detect_pkt_info pi;
	cli_pipe_pkt_info(pf, to_client, p->now, &pi);
	struct cli_alert_scope scope = { p, pf, txn, to_client };
	struct detect_result r = detect_match_http(dc, pf->df, &pi, txn, point, cli_pipe_on_alert,
						   &scope);
	cli_pipe_apply(p, pf, r);
}

static void
cli_pipe_on_request(void *ctx, void *flow_ctx, const struct http_txn *txn)
{
	struct cli_pipe *p = ctx;
	p->txns++;
	cli_pipe_inspect_txn(p, flow_ctx, txn, HTTP_DIR_REQUEST);
}

static void
cli_pipe_on_response(void *ctx, void *flow_ctx, const struct http_txn *txn)
{
	struct cli_pipe *p = ctx;
	struct cli_pflow *pf = flow_ctx;
	if (pf->app && pf->app->monitor_responses)
		cli_pipe_inspect_txn(p, pf, txn, HTTP_DIR_RESPONSE);
	if (p->opt.events && (p->opt.event_types & POLICY_EVENT_HTTP) &&
	    !log_event_http(p->opt.events, p->now, pf->flow, txn,
			    pf->tls ? tls_conn_info(pf->tls) : NULL))
		p->event_failures++;
}

void
cli_pipe_stream(struct cli_pipe *p, struct cli_pflow *pf, enum http_dir dir, const uint8_t *data,
		size_t len)
{
	struct detect_ctx *dc = pf->app ? p->dc[pf->app_idx] : NULL;
	bool to_client = dir == HTTP_DIR_RESPONSE;
	if (!dc || pf->blocked || (to_client && !pf->app->monitor_responses))
		return;
	struct detect_pkt_info pi;
	cli_pipe_pkt_info(pf, to_client, p->now, &pi);
	struct cli_alert_scope scope = { p, pf, NULL, to_client };
	struct detect_result r = detect_match_stream(dc, pf->df, &pi, dir, data, len,
						     cli_pipe_on_alert, &scope);
	cli_pipe_apply(p, pf, r);
}

void
cli_pipe_http_sink(struct cli_pipe *p, struct http_sink *out)
{
	*out = (struct http_sink){ p, cli_pipe_on_request, cli_pipe_on_response };
}
