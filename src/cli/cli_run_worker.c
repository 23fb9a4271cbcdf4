/*
 * A worker of `tlsips run`: one NFQUEUE queue (inline) or the tap
 * interface, one pipeline. Every queued packet gets exactly one verdict:
 * at once from the callback, or later for held packets (key log mode)
 * through the pipeline's release callback. Resets for RESET verdicts are
 * built from the dropped packet and sent toward both ends. With a bypass
 * mark, the client packet that the pipeline says may end the queueing of
 * responses is accepted with NF_REPEAT and the mark (docs/inline.md).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "cli/cli_run.h"

uint64_t
cli_run_now_usec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static void
cli_run_worker_resets(struct cli_run_worker *w, const struct net_pkt *np)
{
	struct net_reset rs;
	if (!w->reset || !np || net_reset_build(np, &rs) != 0)
		return;
	if (rs.to_sender_len) {
		if (capture_reset_send(w->reset, rs.to_sender, rs.to_sender_len) == 0)
			w->resets_sent++;
		else
			w->resets_failed++;
	}
	if (rs.to_receiver_len) {
		if (capture_reset_send(w->reset, rs.to_receiver, rs.to_receiver_len) == 0)
			w->resets_sent++;
		else
			w->resets_failed++;
	}
}

/* The pipeline settled held packets: their verdicts go to the kernel now. */
static void
cli_run_worker_release(void *ctx, uint32_t id, enum cli_verdict v, const struct net_pkt *hdr)
{
	struct cli_run_worker *w = ctx;
	if (v == CLI_VERDICT_RESET)
		cli_run_worker_resets(w, hdr);
	if (capture_nfq_verdict(w->nfq, id, v == CLI_VERDICT_ACCEPT ? CAPTURE_NFQ_ACCEPT
								  : CAPTURE_NFQ_DROP) != 0)
		w->verdict_failures++;
}

static enum capture_nfq_verdict
cli_run_worker_on_packet(void *ctx, const struct capture_nfq_pkt *pkt, uint32_t *out_mark)
{
	struct cli_run_worker *w = ctx;
	uint64_t blocked = w->pipe.blocked_flows;
	/*
	 * Our clock, not the kernel's stamp: outgoing TCP packets carry the
	 * stack's departure time (CLOCK_MONOTONIC), incoming ones wall time, and
	 * flow and key-wait timeouts need one clock.
	 */
	struct capture_pkt cp = pkt->pkt;
	cp.ts_usec = cli_run_now_usec();
	enum cli_verdict v = cli_pipe_packet_live(&w->pipe, &cp, pkt->id);
	/*
	 * A drop rule blocks the flow too: dropping its packets alone would leave
	 * both ends retransmitting into silence, so the packet that blocked it
	 * resets the connection like a reject rule (docs/inline.md).
	 */
	if (v == CLI_VERDICT_DROP && w->pipe.blocked_flows != blocked)
		v = CLI_VERDICT_RESET;
	switch (v) {
	case CLI_VERDICT_ACCEPT:
		if (!w->pipe.bypass_now)
			return CAPTURE_NFQ_ACCEPT;
		/* The rules before the queue rule see the mark and save it to the connection. */
		*out_mark = pkt->mark | w->pipe.opt.bypass_mark;
		return CAPTURE_NFQ_REPEAT;
	case CLI_VERDICT_HOLD:
		return CAPTURE_NFQ_HOLD;
	case CLI_VERDICT_RESET:
		cli_run_worker_resets(w, cli_pipe_current(&w->pipe));
		return CAPTURE_NFQ_DROP;
	case CLI_VERDICT_DROP:
		break;
	}
	return CAPTURE_NFQ_DROP;
}

int
cli_run_worker_open(struct cli_run_worker *w, const struct policy *pol, char *err, size_t errlen)
{
	struct cli_run *r = w->run;
	int rc;
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return TLSIPS_ESYS;
	}
	if (r->inline_mode) {
		struct capture_nfq_opts o;
		capture_nfq_opts_default(&o);
		o.fail_open = pol->fail_open;
		if ((rc = capture_nfq_open(w->queue, &o, &w->nfq, err, errlen)) != 0)
			return rc;
	} else if ((rc = capture_live_open(pol->tap_iface, "tcp", &w->tap, err, errlen)) != 0) {
		return rc;
	}
	if ((r->inline_mode || pol->tap_resets) &&
	    (rc = capture_reset_open(0, &w->reset, err, errlen)) != 0)
		return rc;
	if (r->keylog && !(w->mbox = calloc(CLI_RUN_MBOX, sizeof(*w->mbox)))) {
		snprintf(err, errlen, "out of memory");
		return TLSIPS_ENOMEM;
	}
	if (!(w->events = cli_run_out_stream(&r->out))) {
		snprintf(err, errlen, "out of memory");
		return TLSIPS_ENOMEM;
	}
	struct cli_pipe_opts po = {
		.policy = w->gen->policy, .keys = w->gen->keys, .live = true, .events = w->events,
		.event_types = w->gen->event_types,
		.hold = r->keylog && r->inline_mode, .hold_max_pkts = CLI_RUN_HOLD_PKTS,
		.hold_max_per_flow = CLI_RUN_HOLD_PER_FLOW,
		.hold_max_bytes = pol->limits.tls.held_bytes_total,
		.release = cli_run_worker_release, .release_ctx = w,
		.bypass_mark = r->inline_mode ? pol->bypass_mark : 0,
	};
	if ((rc = cli_pipe_init(&w->pipe, &po, err, errlen)) != 0)
		return rc;
	w->pipe_ready = true;
	if (r->keylog)
		tls_engine_set_keylog(w->pipe.te, r->keys.kl, true);
	return 0;
}

/* Between packets: the generation the main thread published last. */
static void
cli_run_worker_switch(struct cli_run_worker *w)
{
	uint64_t seq;
	struct cli_run_gen *g = cli_swap_peek(&w->run->swap, &seq);
	if (g != w->gen) {
		char err[CLI_RUN_ERR];
		if (cli_pipe_reload(&w->pipe, g->policy, g->keys, g->event_types, err, sizeof(err)) != 0) {
			/* Not acknowledged: the old generation stays alive; retried next round. */
			fprintf(stderr, "tlsips: worker %u: reload failed, old policy kept: %s\n", w->idx,
				err);
			return;
		}
		w->gen = g;
	}
	cli_swap_ack(&w->run->swap, w->idx, seq);
}

static void
cli_run_worker_capstats(const struct cli_run_worker *w, struct capture_file_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (w->nfq) {
		struct capture_nfq_stats ns;
		capture_nfq_stats(w->nfq, &ns);
		out->packets = ns.packets;
		out->bytes = ns.bytes;
		fprintf(stderr, "tlsips: queue %u: %llu packets, %llu accepted, %llu dropped, %llu held "
			"(%llu now), %llu socket overflows (%s), %llu verdict failures, %llu resets sent, "
			"%llu held over a bound, %llu flows bypassed, %llu reads, %llu verdict sends\n",
			w->queue, (unsigned long long)ns.packets, (unsigned long long)ns.accepted,
			(unsigned long long)ns.dropped, (unsigned long long)ns.held,
			(unsigned long long)w->pipe.hold.st.pkts_now, (unsigned long long)ns.enobufs,
			w->pipe.opt.policy->fail_open ? "fail-open: passed uninspected"
								      : "dropped by the kernel",
			(unsigned long long)(ns.verdict_failures + w->verdict_failures),
			(unsigned long long)w->resets_sent, (unsigned long long)w->pipe.hold.st.over_limit,
			(unsigned long long)w->pipe.bypassed_flows, (unsigned long long)ns.reads,
			(unsigned long long)ns.verdict_sends);
	} else if (w->tap) {
		uint64_t rx, dropped;
		capture_live_counts(w->tap, &rx, &dropped);
		out->packets = rx;
		fprintf(stderr, "tlsips: tap %s: %llu packets, %llu dropped by the kernel, %llu resets "
			"sent\n", w->pipe.opt.policy->tap_iface, (unsigned long long)rx,
			(unsigned long long)dropped, (unsigned long long)w->resets_sent);
	}
}

/* Up to a few batches of packets: how many, or -1 when the source failed. */
static int
cli_run_worker_packets(struct cli_run_worker *w)
{
	int total = 0;
	for (int round = 0; round < 16; round++) {
		int n;
		if (w->nfq) {
			n = capture_nfq_dispatch(w->nfq, CLI_RUN_BATCH, cli_run_worker_on_packet, w,
						 w->err, sizeof(w->err));
		} else {
			struct capture_pkt cp;
			int rc = 0;
			for (n = 0; n < CLI_RUN_BATCH &&
				    (rc = capture_live_next(w->tap, &cp, w->err, sizeof(w->err))) == 1;
			     n++) {
				/* A tap blocks only by resets: one for each packet of a blocked flow. */
				enum cli_verdict v = cli_pipe_packet(&w->pipe, &cp);
				if (v == CLI_VERDICT_DROP || v == CLI_VERDICT_RESET)
					cli_run_worker_resets(w, cli_pipe_current(&w->pipe));
			}
			if (rc < 0)
				n = rc;
		}
		if (n < 0)
			return -1;
		total += n;
		if (n < CLI_RUN_BATCH)
			break;
	}
	return total;
}

/*
 * While packets keep coming, the next one is usually microseconds away:
 * yielding the CPU (to nginx, say) and looking again is far cheaper than
 * sleeping in poll and being woken, which costs a context switch and an
 * inter-processor interrupt per wake-up. Gives up after CLI_RUN_SPIN_USEC
 * without a packet, or after 1 ms. -1 when the source failed.
 */
static int
cli_run_worker_spin(struct cli_run_worker *w)
{
	uint64_t start = cli_run_now_usec(), until = start + CLI_RUN_SPIN_USEC;
	int total = 0;
	/* Back to the main loop within a millisecond: ticks, reloads, stats. */
	while (!atomic_load(&w->run->stop) && cli_run_now_usec() - start < 1000) {
		sched_yield();
		int n = cli_run_worker_packets(w);
		if (n < 0)
			return -1;
		total += n;
		uint64_t now = cli_run_now_usec();
		if (n > 0)
			until = now + CLI_RUN_SPIN_USEC;
		else if (now >= until)
			break;
	}
	return total;
}

static void *
cli_run_worker_main(void *arg)
{
	struct cli_run_worker *w = arg;
	struct cli_run *r = w->run;
	int src = w->nfq ? capture_nfq_fd(w->nfq) : capture_live_fd(w->tap);
	struct pollfd fds[2] = { { src, POLLIN, 0 }, { w->wake_fd, POLLIN, 0 } };
	bool ok = true;
	while (ok && !atomic_load(&r->stop)) {
		uint64_t junk;
		poll(fds, 2, CLI_RUN_POLL_MS);
		if (fds[1].revents & POLLIN)
			(void)!read(w->wake_fd, &junk, sizeof(junk));
		if (r->keylog)
			pthread_mutex_lock(&r->keys_mu);
		cli_run_worker_switch(w);
		if (r->keylog)
			cli_run_keys_drain(w);
		int n = cli_run_worker_packets(w);
		/* Key log mode keeps the key lock over a dispatch: no spinning there. */
		if (n > 0 && w->nfq && !r->keylog)
			n = cli_run_worker_spin(w);
		ok = n >= 0;
		cli_pipe_tick(&w->pipe, cli_run_now_usec());
		if (r->keylog)
			pthread_mutex_unlock(&r->keys_mu);
		if (atomic_exchange(&w->stats_due, false)) {
			struct capture_file_stats cs;
			cli_run_worker_capstats(w, &cs);
			cli_pipe_stats(&w->pipe, &cs);
		}
	}
	if (!ok) {
		fprintf(stderr, "tlsips: worker %u: %s\n", w->idx, w->err);
		w->rc = 1;
	}
	return NULL;
}

int
cli_run_worker_start(struct cli_run_worker *w)
{
	if (pthread_create(&w->thread, NULL, cli_run_worker_main, w) != 0)
		return TLSIPS_ESYS;
	w->started = true;
	return 0;
}

void
cli_run_worker_join(struct cli_run_worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = false;
	if (!w->pipe_ready)
		return;
	/* Every flow ends: held packets get their verdicts, the closing stats event is written. */
	struct capture_file_stats cs;
	if (w->run->keylog)
		pthread_mutex_lock(&w->run->keys_mu);
	cli_run_worker_capstats(w, &cs);
	cli_pipe_finish(&w->pipe, &cs);
	if (w->run->keylog)
		pthread_mutex_unlock(&w->run->keys_mu);
}

void
cli_run_worker_close(struct cli_run_worker *w)
{
	if (w->pipe_ready) {
		if (w->run->keylog)
			pthread_mutex_lock(&w->run->keys_mu);
		cli_pipe_fini(&w->pipe);
		if (w->run->keylog)
			pthread_mutex_unlock(&w->run->keys_mu);
		w->pipe_ready = false;
	}
	if (w->events)
		fclose(w->events);
	w->events = NULL;
	capture_nfq_close(w->nfq);
	w->nfq = NULL;
	if (w->tap)
		capture_live_close(w->tap);
	w->tap = NULL;
	if (w->reset)
		capture_reset_close(w->reset);
	w->reset = NULL;
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	w->wake_fd = -1;
	free(w->mbox);
	w->mbox = NULL;
}
