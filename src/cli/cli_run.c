/*
 * `tlsips run -c CONFIG`: set-up, the main thread's loop, reload and stop
 * (cli_run.h describes the threads). Set-up opens everything that needs
 * privileges (queues, raw sockets, the key socket, outputs), then drops to
 * the policy's user and starts the workers. SIGHUP loads the file again
 * aside and swaps it in whole; SIGTERM/SIGINT finish every flow, write the
 * last stats events, flush and exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/err.h"
#include "cli/cli.h"
#include "cli/cli_run.h"

static void
cli_run_usage(FILE *out)
{
	fputs("usage: tlsips run -c CONFIG\n"
	      "\n"
	      "  -c, --config FILE   policy (YAML): inline (NFQUEUE) or tap, as it says\n"
	      "\n"
	      "Signals: SIGHUP reloads the policy, rules and keys (a broken file keeps the\n"
	      "running one) and reopens event files; SIGTERM or SIGINT stop after every\n"
	      "flow is finished and every event written.\n",
	      out);
}

/* Frees what the last reload replaced, once no worker uses it. */
static void
cli_run_collect(struct cli_run *r, bool all)
{
	uint64_t now = cli_run_now_usec();
	struct cli_run_gen *old = cli_swap_collect(&r->swap);
	if (old) {
		/*
		 * The policy (rules) goes now. The key store is kept a while: a
		 * handshake in progress may point at one of its keys until its
		 * ClientKeyExchange, which an idle flow can delay up to its timeout.
		 */
		policy_fini(old->policy);
		free(old->policy);
		old->policy = NULL;
		if (r->retired[0])
			cli_run_gen_free(r->retired[0]); /* full: the oldest goes */
		memmove(r->retired, r->retired + 1, sizeof(r->retired) - sizeof(r->retired[0]));
		memmove(r->retired_at, r->retired_at + 1,
			sizeof(r->retired_at) - sizeof(r->retired_at[0]));
		r->retired[CLI_RUN_RETIRED_MAX - 1] = old;
		r->retired_at[CLI_RUN_RETIRED_MAX - 1] = now;
	}
	const struct cli_run_gen *cur = cli_swap_current(&r->swap);
	uint64_t keep = ((uint64_t)cur->policy->limits.net.idle_timeout_sec + 60) * 1000000u;
	for (unsigned i = 0; i < CLI_RUN_RETIRED_MAX; i++) {
		if (r->retired[i] && (all || now - r->retired_at[i] > keep)) {
			cli_run_gen_free(r->retired[i]);
			r->retired[i] = NULL;
		}
	}
}

/* Settings a reload cannot change (they shaped what set-up opened). */
static void
cli_run_reload_warn(const struct policy *old, const struct policy *fresh)
{
	bool same = old->inline_mode == fresh->inline_mode && old->n_queues == fresh->n_queues &&
		    memcmp(old->queues, fresh->queues, sizeof(old->queues)) == 0 &&
		    old->fail_open == fresh->fail_open && old->bypass_mark == fresh->bypass_mark &&
		    strcmp(old->tap_iface, fresh->tap_iface) == 0 && strcmp(old->user, fresh->user) == 0;
	if (!same)
		fputs("tlsips: warning: capture, queues, fail-open, bypass-mark, tap interface and "
		      "user take effect at the next restart\n", stderr);
	if (memcmp(&old->limits.net, &fresh->limits.net, sizeof(old->limits.net)) != 0 ||
	    memcmp(&old->limits.tls, &fresh->limits.tls, sizeof(old->limits.tls)) != 0 ||
	    memcmp(&old->limits.http, &fresh->limits.http, sizeof(old->limits.http)) != 0)
		fputs("tlsips: warning: flow, TLS and HTTP limits take effect at the next restart\n",
		      stderr);
}

static void
cli_run_reload(struct cli_run *r)
{
	char err[CLI_RUN_ERR];
	fprintf(stderr, "tlsips: SIGHUP: reloading %s\n", r->config_path);
	struct cli_run_gen *g = cli_run_gen_load(r->config_path);
	if (!g) {
		r->reload_failures++;
		fprintf(stderr, "tlsips: reload failed: %s has errors (above); the running "
			"configuration stays\n", r->config_path);
		return;
	}
	struct cli_run_gen *cur = cli_swap_current(&r->swap);
	cli_run_reload_warn(cur->policy, g->policy);
	if (cli_run_out_reopen(&r->out, g->policy, err, sizeof(err)) != 0) {
		r->reload_failures++;
		fprintf(stderr, "tlsips: reload failed: %s; the running configuration stays\n", err);
		cli_run_gen_free(g);
		return;
	}
	if (cli_swap_publish(&r->swap, g) != 0) {
		r->reload_failures++;
		fputs("tlsips: reload failed: the previous reload is still being taken up; send "
		      "SIGHUP again in a moment\n", stderr);
		cli_run_gen_free(g);
		return;
	}
	r->reloads++;
	fprintf(stderr, "tlsips: reloaded %s (reload %llu)\n", r->config_path,
		(unsigned long long)r->reloads);
}

/* Main thread: signals, key socket, stats timer, flushing; returns when asked to stop. */
static void
cli_run_loop(struct cli_run *r, int sigfd)
{
	struct pollfd fds[2] = { { sigfd, POLLIN, 0 }, { -1, POLLIN, 0 } };
	if (r->keylog)
		fds[1].fd = cli_keys_fd(&r->keys);
	const struct cli_run_gen *g = cli_swap_current(&r->swap);
	uint64_t now = cli_run_now_usec(), next_flush = now + 1000000u;
	uint64_t next_stats = now + (uint64_t)g->policy->stats_interval_sec * 1000000u;
	while (!atomic_load(&r->stop)) {
		poll(fds, 2, 200);
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP)
					cli_run_reload(r);
				else
					break;
			}
		}
		if (r->keylog)
			cli_run_keys_poll(r);
		cli_run_collect(r, false);
		now = cli_run_now_usec();
		g = cli_swap_current(&r->swap);
		if (g->policy->stats_interval_sec && now >= next_stats) {
			for (unsigned i = 0; i < r->n_workers; i++)
				atomic_store(&r->workers[i].stats_due, true);
			next_stats = now + (uint64_t)g->policy->stats_interval_sec * 1000000u;
		}
		if (now >= next_flush) {
			cli_run_out_flush(&r->out);
			fflush(stderr);
			next_flush = now + 1000000u;
		}
	}
	atomic_store(&r->stop, true);
}

/* Everything that needs privileges, in the order the workers need it. */
static int
cli_run_setup(struct cli_run *r, struct cli_run_gen *g)
{
	char err[CLI_RUN_ERR];
	const struct policy *pol = g->policy;
	r->inline_mode = pol->inline_mode;
	r->n_workers = r->inline_mode ? pol->n_queues : 1;
	if (!r->inline_mode && !pol->tap_iface[0]) {
		fprintf(stderr, "tlsips: %s: capture: tap needs tap: interface\n", r->config_path);
		return CLI_EXIT_USAGE;
	}
	if (cli_run_out_open(&r->out, pol, err, sizeof(err)) != 0) {
		fprintf(stderr, "tlsips: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	const struct policy_tls_entry *ke = cli_run_gen_keylog(g);
	if (ke && cli_run_keys_open(r, ke, err, sizeof(err)) != 0) {
		fprintf(stderr, "tlsips: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	for (unsigned i = 0; i < r->n_workers; i++) {
		struct cli_run_worker *w = &r->workers[i];
		w->run = r;
		w->idx = i;
		w->queue = r->inline_mode ? pol->queues[i] : 0;
		w->gen = g;
		if (cli_run_worker_open(w, pol, err, sizeof(err)) != 0) {
			fprintf(stderr, "tlsips: %s\n", err);
			return CLI_EXIT_INPUT;
		}
	}
	return 0;
}

static void
cli_run_teardown(struct cli_run *r)
{
	for (unsigned i = 0; i < r->n_workers; i++)
		cli_run_worker_join(&r->workers[i]);
	cli_run_out_flush(&r->out);
	for (unsigned i = 0; i < r->n_workers; i++)
		cli_run_worker_close(&r->workers[i]);
	cli_run_keys_close(r);
	cli_run_out_close(&r->out);
}

static int
cli_run_parse(int argc, char **argv, struct cli_run *r)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': r->config_path = optarg; break;
		case 'h': cli_run_usage(stdout); return CLI_EXIT_OK;
		default: cli_run_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc || !r->config_path) {
		cli_run_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

/* Signals go to the main thread's signalfd; set before any thread starts, so all inherit it. */
static int
cli_run_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int
cli_run_go(struct cli_run *r, struct cli_run_gen *g, int sigfd)
{
	char err[CLI_RUN_ERR];
	uid_t uid = 0;
	gid_t gid = 0;
	const char *user = g->policy->user;
	if (user[0] && cli_run_priv_lookup(user, &uid, &gid, err, sizeof(err)) != 0) {
		fprintf(stderr, "tlsips: %s:  %s\n", r->config_path, err);
		return CLI_EXIT_USAGE;
	}
	int rc = cli_run_setup(r, g);
	if (rc != 0)
		return rc;
	if (user[0] && cli_run_priv_drop(user, uid, gid, err, sizeof(err)) != 0) {
		fprintf(stderr, "tlsips: %s\n", err);
		return CLI_EXIT_INPUT;
	}
	for (unsigned i = 0; i < r->n_workers; i++) {
		if (cli_run_worker_start(&r->workers[i]) != 0) {
			fprintf(stderr, "tlsips: cannot start worker %u\n", i);
			return CLI_EXIT_INPUT;
		}
	}
	if (r->inline_mode) {
		fprintf(stderr, "tlsips: running: inline, %s, %u queue(s) from %u%s%s%s%s\n",
			g->policy->mode == POLICY_MODE_PREVENT ? "prevent" : "detect", r->n_workers,
			r->workers[0].queue, g->policy->fail_open ? ", fail-open" : "",
			!g->policy->bypass_mark ? ""
			: r->workers[0].pipe.bypass_ok ? ", response bypass"
						       : ", response bypass off (responses monitored)",
			r->keylog ? ", key socket " : "", r->keylog ? r->keys.sock ? "open" : "-" : "");
	} else {
		fprintf(stderr, "tlsips: running: tap on %s, %s%s\n", g->policy->tap_iface,
			g->policy->mode == POLICY_MODE_PREVENT ? "prevent" : "detect",
			g->policy->tap_resets ? " (resets)" : "");
	}
	cli_run_loop(r, sigfd);
	fputs("tlsips: stopping: finishing flows\n", stderr);
	for (unsigned i = 0; i < r->n_workers; i++)
		if (r->workers[i].rc != 0)
			rc = CLI_EXIT_INPUT;
	return rc;
}

int
cli_run_main(int argc, char **argv)
{
	struct cli_run *r = calloc(1, sizeof(*r));
	if (!r) {
		fputs("tlsips: out of memory\n", stderr);
		return CLI_EXIT_INPUT;
	}
	for (unsigned i = 0; i < POLICY_MAX_QUEUES; i++)
		r->workers[i].wake_fd = -1;
	int rc = cli_run_parse(argc, argv, r);
	if (rc >= 0) {
		free(r);
		return rc;
	}
	cli_crypto_init();
	struct cli_run_gen *g = cli_run_gen_load(r->config_path);
	if (!g) {
		free(r);
		return CLI_EXIT_USAGE;
	}
	int sigfd = cli_run_signals();
	if (sigfd < 0 || cli_swap_init(&r->swap, g, g->policy->inline_mode ? g->policy->n_queues : 1)) {
		fprintf(stderr, "tlsips: cannot set up signals: %s\n", strerror(errno));
		cli_run_gen_free(g);
		free(r);
		return CLI_EXIT_INPUT;
	}
	rc = cli_run_go(r, g, sigfd);
	atomic_store(&r->stop, true);
	cli_run_teardown(r);
	cli_run_collect(r, true);
	cli_run_gen_free(cli_swap_current(&r->swap));
	if (r->swap.old)
		cli_run_gen_free(r->swap.old);
	close(sigfd);
	fprintf(stderr, "tlsips: stopped (%llu reloads, %llu failed)\n",
		(unsigned long long)r->reloads, (unsigned long long)r->reload_failures);
	free(r);
	return rc;
}
