/*
 * The pipeline's flow side: which flows are inspected, TLS or plaintext,
 * and what the policy does with a TLS session that cannot be decrypted.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli_pipe.h"
#include "cli/cli_pipe_int.h"
#include "log/log_event.h"

const char *const cli_key_source_names[4] = { "none", "server_key", "keylog", "session_cache" };

static enum policy_fallback
cli_pipe_fallback(const struct cli_pflow *pf, const struct tls_conn_info *info)
{
	/* Without an inspection entry the seeds' defaults hold: block. */
	if (!pf->entry)
		return POLICY_FALLBACK_BLOCK;
	if (info->reason == TLS_REASON_KEY_TIMEOUT)
		return pf->entry->key_timeout;
	return pf->entry->undecryptable;
}

/* Applies the policy once the session's outcome is known. */
static void
cli_pipe_decide_session(struct cli_pipe *p, struct cli_pflow *pf, const struct tls_conn_info *info)
{
	enum policy_fallback fb;
	bool ssl3 = info->version == 0x0300;
	if (pf->session_decided)
		return;
	if (info->decrypted && !ssl3)
		return; /* the rules decide */
	if (!info->decrypted && info->reason == TLS_REASON_NONE)
		return; /* not known yet */
	pf->session_decided = true;
	if (ssl3)
		fb = pf->entry ? pf->entry->ssl3 : POLICY_FALLBACK_BLOCK;
	else
		fb = cli_pipe_fallback(pf, info);
	if (fb == POLICY_FALLBACK_ALLOW) {
		pf->tls_verdict = "allowed";
	} else if (fb == POLICY_FALLBACK_DETECT || p->opt.policy->mode == POLICY_MODE_DETECT) {
		pf->tls_verdict = "would_block";
	} else {
		pf->tls_verdict = "blocked";
		p->blocked_sessions++;
		cli_pipe_block(p, pf, CLI_VERDICT_RESET);
	}
}

static void
cli_pipe_on_plaintext(void *ctx, void *flow_ctx, enum tls_dir dir, const uint8_t *data, size_t len)
{
	struct cli_pipe *p = ctx;
	struct cli_pflow *pf = flow_ctx;
	if (pf->blocked || !pf->app)
		return;
	http_conn_feed(pf->http, (enum http_dir)dir, data, len, p->now);
	cli_pipe_stream(p, pf, (enum http_dir)dir, data, len);
}

static void
cli_pipe_on_tls_state(void *ctx, void *flow_ctx, const struct tls_conn_info *info)
{
	cli_pipe_decide_session(ctx, flow_ctx, info);
}

static void
cli_pipe_on_open(void *ctx, struct net_flow *flow, const struct net_pkt *pkt)
{
	struct cli_pipe *p = ctx;
	const struct policy *pol = p->opt.policy;
	(void)pkt;
	const struct policy_app_type *app = policy_app_for_port(pol, flow->srv_port);
	if (!app)
		return; /* not an inspected port: the flow passes untouched */
	struct cli_pflow *pf = calloc(1, sizeof(*pf));
	if (!pf)
		return;
	pf->flow = flow;
	pf->app = app;
	pf->app_idx = (uint32_t)(app - pol->app_types);
	pf->entry = policy_tls_for(pol, NULL, &flow->srv, flow->srv_port);
	pf->http = http_conn_new(p->he, pf, p->now);
	if (p->dc[pf->app_idx])
		pf->df = detect_flow_new(p->dc[pf->app_idx]);
	if (!pf->http || (p->dc[pf->app_idx] && !pf->df)) {
		if (pf->http)
			http_conn_free(pf->http);
		free(pf);
		return;
	}
	p->inspected_flows++;
	flow->app = pf;
	cli_hold_list_init(&pf->held);
	pf->all_next = p->all;
	if (p->all)
		p->all->all_prev = pf;
	p->all = pf;
}

/* Every segment of a flow: the verdict follows the flow even when no byte is new. */
void
cli_pipe_on_segment(void *ctx, struct net_flow *flow, enum net_dir dir, const struct net_pkt *pkt)
{
	struct cli_pipe *p = ctx;
	struct cli_pflow *pf = flow->app;
	(void)dir;
	p->cur_pf = pf;
	/*
	 * Retransmissions of a blocked flow carry bytes reassembly already has
	 * (never on_data again), yet the receiver never got them: drop them.
	 * Resets pass: they end the connection, ours included.
	 */
	if (pf && pf->blocked && !(pkt->flags & NET_TCP_RST) && p->verdict < CLI_VERDICT_DROP)
		p->verdict = CLI_VERDICT_DROP;
}

/* TLS records start with a handshake (22) or alert (21) and major version 3. */
static bool
cli_pipe_looks_like_tls(const uint8_t *data, size_t len)
{
	return len >= 2 && (data[0] == 22 || data[0] == 21) && data[1] == 3;
}

static void
cli_pipe_on_data(void *ctx, struct net_flow *flow, enum net_dir dir, const uint8_t *data,
		 size_t len, uint64_t ts_usec)
{
	struct cli_pipe *p = ctx;
	struct cli_pflow *pf = flow->app;
	if (!pf)
		return;
	p->now = ts_usec;
	if (pf->blocked) {
		p->verdict = CLI_VERDICT_DROP;
		return;
	}
	if (!pf->app)
		return; /* a reload took the port out of every application type */
	if (pf->kind == CLI_PFLOW_UNKNOWN) {
		if (dir == NET_DIR_TO_SERVER && cli_pipe_looks_like_tls(data, len)) {
			pf->kind = CLI_PFLOW_TLS;
			pf->tls = tls_conn_new(p->te, pf, flow->midstream);
			p->tls_sessions++;
		} else {
			pf->kind = CLI_PFLOW_PLAIN;
			p->plain_flows++;
		}
	}
	if (pf->kind == CLI_PFLOW_TLS) {
		if (pf->tls)
			tls_conn_feed(pf->tls, (enum tls_dir)dir, data, len);
		return;
	}
	http_conn_feed(pf->http, (enum http_dir)dir, data, len, ts_usec);
	cli_pipe_stream(p, pf, (enum http_dir)dir, data, len);
}

static void
cli_pipe_on_gap(void *ctx, struct net_flow *flow, enum net_dir dir, uint64_t len, uint64_t ts_usec)
{
	struct cli_pflow *pf = flow->app;
	(void)ctx;
	(void)ts_usec;
	if (!pf)
		return;
	if (pf->tls)
		tls_conn_gap(pf->tls, (enum tls_dir)dir, len);
	else
		http_conn_gap(pf->http, (enum http_dir)dir, len);
}

static bool
cli_pipe_addr_eq(const struct net_addr *a, const struct net_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16) == 0;
}

/*
 * Response bypass: the current packet goes to the server, its flow's type
 * does not monitor responses, and the server has nothing left to show us:
 * plaintext at once; TLS once both directions sent a protected record that
 * authenticated (the handshake is over both ways: TLS 1.2's server
 * Finished, TLS 1.3's client Finished) and no key log wait or hold is open.
 */
bool
cli_pipe_bypass_ready(const struct cli_pipe *p)
{
	const struct cli_pflow *pf = p->cur_pf;
	if (!pf || !p->cur_ok || !pf->app || pf->app->monitor_responses || pf->blocked ||
	    pf->bypassed || pf->held.n > 0 || pf->flow->midstream)
		return false;
	const struct net_pkt *np = &p->cur;
	if (np->dport != pf->flow->srv_port || !cli_pipe_addr_eq(&np->dst, &pf->flow->srv))
		return false;
	if (pf->kind == CLI_PFLOW_PLAIN)
		return true;
	if (pf->kind != CLI_PFLOW_TLS || !pf->tls || tls_conn_is_waiting(pf->tls))
		return false;
	const struct tls_conn_info *info = tls_conn_info(pf->tls);
	return info->decrypted && info->reason == TLS_REASON_NONE && info->records[0] > 0 &&
	       info->records[1] > 0;
}

/* Reports the session, ends the HTTP side and frees the flow's state. */
static void
cli_pflow_finish(struct cli_pipe *p, struct cli_pflow *pf)
{
	if (pf->tls) {
		tls_conn_end(pf->tls);
		const struct tls_conn_info *info = tls_conn_info(pf->tls);
		cli_pipe_decide_session(p, pf, info);
		if (p->opt.events && (p->opt.event_types & POLICY_EVENT_TLS) && info->is_tls &&
		    !log_event_tls(p->opt.events, p->now, pf->flow, info,
				   cli_key_source_names[info->key_source], pf->tls_verdict))
			p->event_failures++;
	}
	/* Packets held for the session get their verdict now that its fate is known. */
	cli_pipe_hold_flush(p, pf);
	if (p->cur_pf == pf)
		p->cur_pf = NULL;
	if (pf->all_prev)
		pf->all_prev->all_next = pf->all_next;
	else
		p->all = pf->all_next;
	if (pf->all_next)
		pf->all_next->all_prev = pf->all_prev;
	if (!pf->blocked)
		http_conn_end(pf->http, p->now);
	http_conn_free(pf->http);
	if (pf->tls)
		tls_conn_free(pf->tls);
	if (pf->df)
		detect_flow_free(pf->df);
	free(pf);
}

static void
cli_pipe_on_close(void *ctx, struct net_flow *flow, enum net_close_reason why, uint64_t ts_usec)
{
	struct cli_pipe *p = ctx;
	struct cli_pflow *pf = flow->app;
	(void)why;
	flow->app = NULL;
	if (!pf)
		return;
	if (ts_usec > p->now)
		p->now = ts_usec;
	/* Key log secrets can come after the connection is over: the session outlives its flow. */
	if (pf->tls && tls_conn_is_waiting(pf->tls)) {
		pf->closed = *flow;
		pf->closed.app = NULL;
		pf->flow = &pf->closed;
		pf->linger_next = p->lingering;
		p->lingering = pf;
		return;
	}
	cli_pflow_finish(p, pf);
}

/*
 * A bypassed flow's server side is never seen again, so net/ would keep it
 * until it idles out: its inspection ends with the client's FIN instead
 * (net/ drops payload after a FIN, so nothing uninspected can follow).
 */
static void
cli_pipe_on_end(void *ctx, struct net_flow *flow, enum net_dir dir, bool rst, uint64_t ts_usec)
{
	struct cli_pipe *p = ctx;
	struct cli_pflow *pf = flow->app;
	/* A blocked flow stays: its retransmissions must keep being dropped. */
	if (!pf || !pf->bypassed || pf->blocked || dir != NET_DIR_TO_SERVER || rst)
		return;
	flow->app = NULL;
	if (ts_usec > p->now)
		p->now = ts_usec;
	cli_pflow_finish(p, pf);
}

void
cli_pipe_sweep(struct cli_pipe *p, bool force)
{
	struct cli_pflow **link = &p->lingering;
	while (*link) {
		struct cli_pflow *pf = *link;
		if (force || !tls_conn_is_waiting(pf->tls)) {
			*link = pf->linger_next;
			cli_pflow_finish(p, pf);
		} else {
			link = &pf->linger_next;
		}
	}
}

void
cli_pipe_callbacks(struct cli_pipe *p, struct net_callbacks *out_net, struct tls_sink *out_tls)
{
	*out_net = (struct net_callbacks){ p, cli_pipe_on_open, cli_pipe_on_data, cli_pipe_on_gap,
					   cli_pipe_on_end, cli_pipe_on_close };
	*out_tls = (struct tls_sink){ p, cli_pipe_on_plaintext, cli_pipe_on_tls_state };
}
