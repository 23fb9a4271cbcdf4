/* The pipeline's engines, the per-packet step and the end of input. */
#include "cli/cli_pipe.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_pipe_int.h"
#include "log/log_event.h"

int
cli_pipe_init(struct cli_pipe *p, const struct cli_pipe_opts *o, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->opt = *o;
	const struct policy *pol = o->policy;
	struct net_callbacks ncb;
	struct tls_sink tsink;
	struct http_sink hsink;
	cli_pipe_callbacks(p, &ncb, &tsink);
	cli_pipe_http_sink(p, &hsink);
	struct http_limits hl = pol->limits.http;
	hl.responses = false;
	for (uint32_t i = 0; i < pol->n_app_types; i++)
		hl.responses |= pol->app_types[i].monitor_responses;
	/*
	 * Bypassed flows never show their responses again: only safe when the
	 * HTTP engine does not wait for responses at all, i.e. no application
	 * type monitors them (otherwise nothing is bypassed).
	 */
	p->bypass_ok = o->bypass_mark != 0 && o->live && !hl.responses;
	p->te = tls_engine_new(&pol->limits.tls, o->keys, &tsink);
	p->he = http_engine_new(&hl, &hsink);
	p->ne = net_engine_new(&pol->limits.net, &ncb);
	if (!p->te || !p->he || !p->ne) {
		snprintf(err, errlen, "out of memory");
		return CLI_EXIT_INPUT;
	}
	net_engine_set_segment_fn(p->ne, cli_pipe_on_segment);
	for (uint32_t i = 0; i < pol->n_app_types; i++) {
		const struct detect_ruleset *rs = pol->app_types[i].rules;
		if (rs && !(p->dc[i] = detect_ctx_new(rs, &pol->limits.detect))) {
			snprintf(err, errlen, "cannot set up the rules of '%s'", pol->app_types[i].name);
			return CLI_EXIT_INPUT;
		}
	}
	if (o->keylog && o->keylog->kl)
		cli_keys_attach(o->keylog, p->te, o->live);
	if (o->hold && cli_hold_init(&p->hold, o->hold_max_pkts, o->hold_max_bytes,
				     o->hold_max_per_flow) != 0) {
		snprintf(err, errlen, "cannot set up the held-packet pool (%u packets)",
			 o->hold_max_pkts);
		return CLI_EXIT_INPUT;
	}
	return 0;
}

enum cli_verdict
cli_pipe_packet(struct cli_pipe *p, const struct capture_pkt *cp)
{
	struct net_pkt *np = &p->cur;
	p->packets++;
	p->verdict = CLI_VERDICT_ACCEPT;
	p->bypass_now = false;
	p->cur_pf = NULL;
	int rc = net_decode(cp->linktype, cp->data, cp->caplen, cp->wire_len, cp->ts_usec, np);
	p->cur_ok = rc == 0;
	if (rc != 0) {
		net_engine_count_frame(p->ne, rc);
	} else {
		p->now = cp->ts_usec;
		tls_engine_tick(p->te, cp->ts_usec);
		net_engine_feed(p->ne, np);
	}
	p->verdicts[p->verdict]++;
	return p->verdict;
}

enum cli_verdict
cli_pipe_packet_live(struct cli_pipe *p, const struct capture_pkt *cp, uint32_t id)
{
	enum cli_verdict v = cli_pipe_packet(p, cp);
	if (v == CLI_VERDICT_ACCEPT && cli_pipe_hold_wanted(p, p->cur_pf)) {
		p->verdicts[v]--;
		v = cli_pipe_hold_take(p, p->cur_pf, id, cp->caplen);
		p->verdicts[v]++;
	}
	if (v == CLI_VERDICT_ACCEPT && p->bypass_ok && cli_pipe_bypass_ready(p)) {
		p->cur_pf->bypassed = true;
		p->bypass_now = true;
		p->bypassed_flows++;
		/* Its responses skip the queue from now on: transactions must not
		 * wait for them. */
		http_conn_no_responses(p->cur_pf->http);
	}
	if (p->holding)
		cli_pipe_hold_settle(p);
	return v;
}

const struct net_pkt *
cli_pipe_current(const struct cli_pipe *p)
{
	return p->cur_ok ? &p->cur : NULL;
}

void
cli_pipe_tick(struct cli_pipe *p, uint64_t now_usec)
{
	if (now_usec > p->now)
		p->now = now_usec;
	tls_engine_tick(p->te, now_usec);
	cli_pipe_sweep(p, false);
	if (p->holding)
		cli_pipe_hold_settle(p);
}

void
cli_pipe_keys_added(struct cli_pipe *p, const uint8_t client_random[32])
{
	p->cur_pf = NULL;
	tls_engine_keys_added(p->te, client_random);
	cli_pipe_sweep(p, false);
	if (p->holding)
		cli_pipe_hold_settle(p);
}

void
cli_pipe_finish(struct cli_pipe *p, const struct capture_file_stats *cap)
{
	if (p->now == 0) {
		/* No packet gave a time: stamp the closing events with the clock. */
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		p->now = (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
	}
	net_engine_finish(p->ne, p->now);
	cli_pipe_sweep(p, true);
	cli_pipe_stats(p, cap);
}

void
cli_pipe_stats(struct cli_pipe *p, const struct capture_file_stats *cap)
{
	if (!p->opt.events || !(p->opt.event_types & POLICY_EVENT_STATS))
		return;
	struct log_stats_src st = {
		.cap = cap, .net = net_engine_stats(p->ne), .tls = tls_engine_stats(p->te),
		.http = http_engine_stats(p->he), .alerts = p->alerts,
		.blocked_flows = p->blocked_flows, .events_dropped = p->event_failures,
		.bypassed_flows = p->bypassed_flows,
	};
	/* Detection counters of all application types together. */
	struct detect_stats ds = { 0 };
	for (uint32_t i = 0; i < p->opt.policy->n_app_types; i++) {
		if (!p->dc[i])
			continue;
		const struct detect_stats *s = detect_ctx_stats(p->dc[i]);
		ds.inspections += s->inspections;
		ds.prefilter_hits += s->prefilter_hits;
		ds.candidates += s->candidates;
		ds.verified += s->verified;
		ds.alerts += s->alerts;
		ds.suppressed += s->suppressed;
		ds.pcre_calls += s->pcre_calls;
		ds.pcre_limit_hits += s->pcre_limit_hits;
		ds.candidate_limit_hits += s->candidate_limit_hits;
		ds.threshold_entries += s->threshold_entries;
		ds.threshold_evictions += s->threshold_evictions;
	}
	st.detect = &ds;
	if (!log_event_stats(p->opt.events, p->now, &st))
		p->event_failures++;
}

void
cli_pipe_fini(struct cli_pipe *p)
{
	if (p->ne)
		net_engine_free(p->ne); /* closes every flow left, which frees their state */
	cli_pipe_sweep(p, true);
	if (p->he)
		http_engine_free(p->he);
	if (p->te)
		tls_engine_free(p->te);
	for (uint32_t i = 0; i < POLICY_MAX_APP_TYPES; i++)
		if (p->dc[i])
			detect_ctx_free(p->dc[i]);
	p->ne = NULL;
	p->he = NULL;
	p->te = NULL;
	cli_hold_fini(&p->hold);
}
