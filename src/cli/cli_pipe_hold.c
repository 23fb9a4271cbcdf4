/*
 * The pipeline's held packets (live inline key log mode, cli_hold.h).
 *
 * A flow holds while its TLS session waits for key log secrets, and keeps
 * holding while it has held packets (so its packets leave in order). It is
 * settled when the session can be judged: blocked flows drop what they
 * held (the oldest packet gives the resets), others accept it, inspected.
 * A packet over a hold bound triggers the entry's key_timeout fallback:
 * block (drop and reset), or let the flow pass from then on (allow/detect;
 * its records are still inspected when the secrets come, after the fact).
 */
#include "cli/cli_pipe.h"
#include "cli/cli_pipe_int.h"

bool
cli_pipe_hold_wanted(const struct cli_pipe *p, const struct cli_pflow *pf)
{
	if (!p->opt.hold || !pf || !pf->app || pf->no_hold || pf->blocked)
		return false;
	return pf->held.n > 0 || (pf->tls && tls_conn_holds_app_data(pf->tls));
}

static void
cli_pipe_hold_link(struct cli_pipe *p, struct cli_pflow *pf)
{
	pf->hold_prev = NULL;
	pf->hold_next = p->holding;
	if (p->holding)
		p->holding->hold_prev = pf;
	p->holding = pf;
}

static void
cli_pipe_hold_unlink(struct cli_pipe *p, struct cli_pflow *pf)
{
	if (pf->hold_prev)
		pf->hold_prev->hold_next = pf->hold_next;
	else
		p->holding = pf->hold_next;
	if (pf->hold_next)
		pf->hold_next->hold_prev = pf->hold_prev;
	pf->hold_prev = NULL;
	pf->hold_next = NULL;
}

static void
cli_pipe_hold_give(void *ctx, const struct cli_hold_pkt *hp, bool accept, bool first)
{
	struct cli_pipe *p = ctx;
	enum cli_verdict v = accept ? CLI_VERDICT_ACCEPT : first ? CLI_VERDICT_RESET : CLI_VERDICT_DROP;
	p->verdicts[v]++;
	if (p->opt.release)
		p->opt.release(p->opt.release_ctx, hp->id, v, &hp->hdr);
}

/* Gives every held packet of pf its verdict: dropped if the flow is blocked. */
static void
cli_pipe_hold_release(struct cli_pipe *p, struct cli_pflow *pf)
{
	if (pf->held.n == 0)
		return;
	cli_pipe_hold_unlink(p, pf);
	cli_hold_release(&p->hold, &pf->held, !pf->blocked, cli_pipe_hold_give, p);
}

enum cli_verdict
cli_pipe_hold_take(struct cli_pipe *p, struct cli_pflow *pf, uint32_t id, uint32_t bytes)
{
	bool first = pf->held.n == 0;
	if (cli_hold_add(&p->hold, &pf->held, id, bytes, p->cur_ok ? &p->cur : NULL) == 0) {
		if (first)
			cli_pipe_hold_link(p, pf);
		return CLI_VERDICT_HOLD;
	}
	/* Over a bound: as if the secrets had not come in time. */
	p->hold_overflows++;
	enum policy_fallback fb = pf->entry ? pf->entry->key_timeout : POLICY_FALLBACK_BLOCK;
	if (fb == POLICY_FALLBACK_BLOCK && p->opt.policy->mode == POLICY_MODE_PREVENT) {
		pf->tls_verdict = "blocked";
		cli_pipe_block(p, pf, CLI_VERDICT_RESET);
		cli_pipe_hold_release(p, pf);
		return CLI_VERDICT_DROP;
	}
	pf->no_hold = true;
	cli_pipe_hold_release(p, pf);
	return CLI_VERDICT_ACCEPT;
}

void
cli_pipe_hold_settle(struct cli_pipe *p)
{
	struct cli_pflow *pf = p->holding, *next;
	for (; pf; pf = next) {
		next = pf->hold_next;
		if (pf->blocked || !pf->tls || !tls_conn_is_waiting(pf->tls))
			cli_pipe_hold_release(p, pf);
	}
}

void
cli_pipe_hold_flush(struct cli_pipe *p, struct cli_pflow *pf)
{
	cli_pipe_hold_release(p, pf);
}
