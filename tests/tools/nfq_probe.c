/*
 * nfq_probe: a test tool for the inline packet source. Binds one NFQUEUE
 * queue, accepts every packet except a TCP segment whose payload contains a
 * marker string: that one is dropped and the connection is reset toward both
 * ends (net_reset_build + capture_reset_send). Prints one line per drop and
 * the counters at exit (SIGTERM / SIGINT).
 *
 *   nfq_probe -q QUEUE -m MARKER [--defer] [--fail-open] [--reset-mark N]
 *   nfq_probe -q QUEUE --check     # can the queue be bound here? exit 0, or 77
 *
 * --defer returns HOLD from the callback and gives each verdict after the
 * dispatch call with capture_nfq_verdict, as a pipeline waiting for keys
 * would. Used by tests/e2e/nfq_passthrough.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "capture/capture.h"
#include "net/net.h"

enum {
	PROBE_BATCH = 64,    /* packets per dispatch call */
	PROBE_EXIT_SKIP = 77 /* the environment cannot bind a queue (ctest SKIP_RETURN_CODE) */
};

struct probe_held {
	uint32_t id;
	enum capture_nfq_verdict verdict;
};

struct probe {
	const char *marker;
	size_t marker_len;
	bool defer;
	struct capture_reset *reset;
	uint64_t tcp, not_tcp, resets_wanted, reset_errors;
	struct probe_held held[PROBE_BATCH]; /* --defer: verdicts owed for this batch */
	int n_held;
};

static volatile sig_atomic_t probe_stop;

static void
probe_on_signal(int sig)
{
	(void)sig;
	probe_stop = 1;
}

static void
probe_send_resets(struct probe *pr, const struct net_pkt *np)
{
	struct net_reset rst;
	if (net_reset_build(np, &rst) != 0)
		return;
	if (rst.to_sender_len > 0) {
		pr->resets_wanted++;
		if (capture_reset_send(pr->reset, rst.to_sender, rst.to_sender_len) != 0)
			pr->reset_errors++;
	}
	if (rst.to_receiver_len > 0) {
		pr->resets_wanted++;
		if (capture_reset_send(pr->reset, rst.to_receiver, rst.to_receiver_len) != 0)
			pr->reset_errors++;
	}
}

static enum capture_nfq_verdict
probe_decide(struct probe *pr, const struct capture_nfq_pkt *p)
{
	struct net_pkt np;
	if (net_decode(p->pkt.linktype, p->pkt.data, p->pkt.caplen, p->pkt.wire_len,
		       p->pkt.ts_usec, &np) != 0) {
		pr->not_tcp++;
		return CAPTURE_NFQ_ACCEPT;
	}
	pr->tcp++;
	if (np.payload.len < pr->marker_len ||
	    !memmem(np.payload.ptr, np.payload.len, pr->marker, pr->marker_len))
		return CAPTURE_NFQ_ACCEPT;
	char src[64], dst[64];
	net_addr_format(&np.src, src, sizeof(src));
	net_addr_format(&np.dst, dst, sizeof(dst));
	probe_send_resets(pr, &np);
	printf("drop id=%u %s:%u -> %s:%u seq=%u ack=%u len=%zu%s\n", p->id, src, np.sport, dst,
	       np.dport, np.seq, np.ack, np.payload.len, p->gso ? " gso" : "");
	fflush(stdout);
	return CAPTURE_NFQ_DROP;
}

static enum capture_nfq_verdict
probe_on_packet(void *ctx, const struct capture_nfq_pkt *p, uint32_t *out_mark)
{
	(void)out_mark;
	struct probe *pr = ctx;
	enum capture_nfq_verdict v = probe_decide(pr, p);
	/* Dispatch hands out at most PROBE_BATCH packets, so held[] cannot fill. */
	if (pr->defer && pr->n_held < PROBE_BATCH) {
		pr->held[pr->n_held].id = p->id;
		pr->held[pr->n_held].verdict = v;
		pr->n_held++;
		return CAPTURE_NFQ_HOLD;
	}
	return v;
}

static void
probe_print_stats(const struct probe *pr, struct capture_nfq *q)
{
	struct capture_nfq_stats st;
	capture_nfq_stats(q, &st);
	const struct capture_reset_stats *rs = capture_reset_stats(pr->reset);
	printf("stats packets=%llu bytes=%llu tcp=%llu accepted=%llu dropped=%llu held=%llu "
	       "gso=%llu truncated=%llu enobufs=%llu verdict_failures=%llu bad_messages=%llu "
	       "resets_wanted=%llu resets_sent=%llu resets_failed=%llu kernel_queue_dropped=%lld "
	       "kernel_user_dropped=%lld\n",
	       (unsigned long long)st.packets, (unsigned long long)st.bytes,
	       (unsigned long long)pr->tcp, (unsigned long long)st.accepted,
	       (unsigned long long)st.dropped, (unsigned long long)st.held,
	       (unsigned long long)st.gso, (unsigned long long)st.truncated,
	       (unsigned long long)st.enobufs, (unsigned long long)st.verdict_failures,
	       (unsigned long long)st.bad_messages, (unsigned long long)pr->resets_wanted,
	       (unsigned long long)rs->sent, (unsigned long long)(rs->failed + rs->malformed),
	       st.kernel_queue_dropped == UINT64_MAX ? -1LL : (long long)st.kernel_queue_dropped,
	       st.kernel_user_dropped == UINT64_MAX ? -1LL : (long long)st.kernel_user_dropped);
	fflush(stdout);
}

/* Polls and dispatches until a signal; 0, or 1 when the queue failed. */
static int
probe_loop(struct probe *pr, struct capture_nfq *q)
{
	char err[256];
	struct pollfd pfd = { .fd = capture_nfq_fd(q), .events = POLLIN };
	while (!probe_stop) {
		int n = poll(&pfd, 1, 200);
		if (n < 0 && errno != EINTR) {
			perror("nfq_probe: poll");
			return 1;
		}
		if (n <= 0)
			continue;
		pr->n_held = 0;
		int rc = capture_nfq_dispatch(q, PROBE_BATCH, probe_on_packet, pr, err, sizeof(err));
		for (int i = 0; i < pr->n_held; i++)
			if (capture_nfq_verdict(q, pr->held[i].id, pr->held[i].verdict) != 0)
				fprintf(stderr, "nfq_probe: verdict for %u failed: %s\n",
					pr->held[i].id, strerror(errno));
		if (rc < 0) {
			fprintf(stderr, "nfq_probe: %s\n", err);
			return 1;
		}
	}
	return 0;
}

static int
probe_usage(void)
{
	fprintf(stderr, "usage: nfq_probe -q QUEUE (-m MARKER [--defer] [--fail-open] "
			"[--reset-mark N] | --check)\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct probe pr = { 0 };
	struct capture_nfq_opts opts;
	capture_nfq_opts_default(&opts);
	long queue = -1;
	unsigned long rmark = 0;
	bool check = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q") && i + 1 < argc)
			queue = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-m") && i + 1 < argc)
			pr.marker = argv[++i];
		else if (!strcmp(argv[i], "--reset-mark") && i + 1 < argc)
			rmark = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--defer"))
			pr.defer = true;
		else if (!strcmp(argv[i], "--fail-open"))
			opts.fail_open = true;
		else if (!strcmp(argv[i], "--check"))
			check = true;
		else
			return probe_usage();
	}
	if (queue < 0 || queue > 0xffff || (!check && (!pr.marker || !*pr.marker)))
		return probe_usage();
	pr.marker_len = pr.marker ? strlen(pr.marker) : 0;

	char err[256];
	struct capture_nfq *q = NULL;
	int rc = capture_nfq_open((uint32_t)queue, &opts, &q, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "nfq_probe: %s\n", err);
		/* Not permitted, or no queue support in this kernel: not our bug. */
		return check && (errno == EPERM || errno == ENOENT || errno == EPROTONOSUPPORT)
			       ? PROBE_EXIT_SKIP
			       : 1;
	}
	if (check) {
		printf("queue %ld can be bound\n", queue);
		capture_nfq_close(q);
		return 0;
	}
	if (capture_reset_open((uint32_t)rmark, &pr.reset, err, sizeof(err)) != 0) {
		fprintf(stderr, "nfq_probe: %s\n", err);
		capture_nfq_close(q);
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fprintf(stderr, "nfq_probe: queue %ld bound, dropping segments containing '%s'%s\n", queue,
		pr.marker, pr.defer ? " (verdicts deferred)" : "");
	rc = probe_loop(&pr, q);
	probe_print_stats(&pr, q);
	capture_reset_close(pr.reset);
	capture_nfq_close(q);
	return rc;
}
