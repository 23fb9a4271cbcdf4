/*
 * Live capture for `tlsips decrypt -i`: waits on the interface, takes key
 * log lines first (so records find their keys), then packets; flushes the
 * output after each batch so a reader sees decrypted streams as they come;
 * SIGINT or SIGTERM end the run cleanly.
 *
 * The key socket is drained on a 1 ms tick (and within packet batches), not
 * waited on: a datagram that has to wake a sleeping receiver costs the
 * sending server 13-30 us of CPU (the wake-up's inter-processor interrupt),
 * one that finds it busy 2-4 us (docs/benchmarks.md). Secrets reach the
 * engine up to 1 ms later, which a passive decrypt does not mind: records
 * that come first wait for them (bounded).
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli_decrypt.h"

enum {
	CLI_LIVE_BATCH = 4096,
	CLI_LIVE_KEY_EVERY = 64,
	CLI_LIVE_POLL_MS = 100,
	CLI_LIVE_KEY_TICK_MS = 1,
	CLI_ERR = 512,
};

static volatile sig_atomic_t cli_live_stop;

static void
cli_live_on_signal(int sig)
{
	(void)sig;
	cli_live_stop = 1;
}

static uint64_t
cli_live_now_usec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

int
cli_live_loop(struct cli_decrypt *d, struct capture_live *cl, uint64_t *out_packets)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cli_live_on_signal; /* no SA_RESTART: poll() returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct pollfd fds[1] = { { capture_live_fd(cl), POLLIN, 0 } };
	int timeout_ms = d->keylog.kl && cli_keys_fd(&d->keylog) >= 0 ? CLI_LIVE_KEY_TICK_MS
									: CLI_LIVE_POLL_MS;
	char err[CLI_ERR];
	int rc = 0;
	fprintf(stderr, "tlsips: capturing on %s; SIGINT or SIGTERM to stop\n", d->opt.iface);
	while (!cli_live_stop) {
		poll(fds, 1, timeout_ms);
		uint64_t now = cli_live_now_usec();
		if (d->keylog.kl)
			cli_keys_poll(&d->keylog, now / 1000000u);
		struct capture_pkt cp;
		int n = 0;
		while (n < CLI_LIVE_BATCH && (rc = capture_live_next(cl, &cp, err, sizeof(err))) == 1) {
			cli_decrypt_packet(d, &cp);
			/*
			 * Servers send secrets while we work through a batch; the
			 * socket's queue is short (net.unix.max_dgram_qlen), and a
			 * full queue makes them drop lines: drain it as we go.
			 */
			if (++n % CLI_LIVE_KEY_EVERY == 0 && d->keylog.kl)
				cli_keys_poll(&d->keylog, cp.ts_usec / 1000000u);
		}
		*out_packets += (uint64_t)n;
		if (rc < 0) {
			fprintf(stderr, "tlsips: %s\n", err);
			break;
		}
		rc = 0;
		/* Time moves on without packets too: waiting sessions must time out. */
		tls_engine_tick(d->te, now);
		cli_decrypt_sweep(d, false);
		cli_out_flush(d->out);
	}
	return rc;
}
