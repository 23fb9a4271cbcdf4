#include "cli/cli_keys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"

static void
cli_keys_problem(void *ctx, const char *source, uint64_t line, const char *problem)
{
	struct cli_keys *k = ctx;
	/* A broken key log can have millions of bad lines: show the first few. */
	if (k->problems++ < CLI_KEYLOG_PROBLEMS_SHOWN)
		fprintf(stderr, "tlsips: warning: %s:%llu: %s (line skipped)\n", source,
			(unsigned long long)line, problem);
}

static void
cli_keys_added(void *ctx, const uint8_t key[TLS_KEYLOG_RANDOM_LEN], enum tls_keylog_label label)
{
	struct cli_keys *k = ctx;
	(void)label;
	if (k->te)
		tls_engine_keys_added(k->te, key);
}

bool
cli_keys_wanted(const struct cli_keys_opts *o)
{
	return o->nfiles > 0 || o->socket_path != NULL;
}

/*
 * A Unix datagram socket queues at most net.unix.max_dgram_qlen datagrams
 * (10 by default); past that the servers' library drops key lines. Say so,
 * with the fix: changing a system setting is the operator's decision.
 */
static void
cli_keys_check_queue(void)
{
	FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "r");
	unsigned qlen = 0;
	if (!f)
		return;
	if (fscanf(f, "%u", &qlen) == 1 && qlen < CLI_KEYSOCK_QLEN_MIN)
		fprintf(stderr,
			"tlsips: warning: net.unix.max_dgram_qlen is %u: under load servers will drop "
			"key lines; raise it with: sysctl -w net.unix.max_dgram_qlen=%u\n",
			qlen, CLI_KEYSOCK_QLEN_MIN);
	fclose(f);
}

static int
cli_keys_open_socket(struct cli_keys *k, const struct cli_keys_opts *o, char *err, size_t errlen)
{
	struct tls_keysock_config cfg = { o->socket_path, o->uids, o->nuids, o->gid };
	int rc = tls_keysock_open(&cfg, &k->sock);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot open the key socket: %s", o->socket_path,
			 rc == TLSIPS_ESYS ? strerror(errno)
					   : "not an absolute path, in use, or not a socket");
		return rc;
	}
	cli_keys_check_queue();
	return 0;
}

int
cli_keys_open(struct cli_keys *k, const struct cli_keys_opts *o, bool live, char *err,
	      size_t errlen)
{
	memset(k, 0, sizeof(*k));
	k->kl = tls_keylog_new(NULL);
	if (!k->kl) {
		snprintf(err, errlen, "out of memory for the key log");
		return TLSIPS_ENOMEM;
	}
	tls_keylog_set_problem_fn(k->kl, cli_keys_problem, k);
	tls_keylog_set_added_fn(k->kl, cli_keys_added, k);
	for (unsigned i = 0; i < o->nfiles; i++) {
		if (live) {
			k->follow[k->nfollow] = tls_keylog_follow_new(k->kl, o->files[i]);
			if (!k->follow[k->nfollow]) {
				snprintf(err, errlen, "out of memory for the key log");
				return TLSIPS_ENOMEM;
			}
			k->nfollow++;
		} else if (tls_keylog_add_file(k->kl, o->files[i], 0, NULL) != 0) {
			snprintf(err, errlen, "%s: cannot read key log: %s", o->files[i],
				 strerror(errno));
			return TLSIPS_ESYS;
		}
	}
	if (live && o->socket_path)
		return cli_keys_open_socket(k, o, err, errlen);
	return 0;
}

void
cli_keys_attach(struct cli_keys *k, struct tls_engine *te, bool live)
{
	k->te = te;
	tls_engine_set_keylog(te, k->kl, live);
}

void
cli_keys_poll(struct cli_keys *k, uint64_t now_sec)
{
	for (unsigned i = 0; i < k->nfollow; i++)
		tls_keylog_follow_poll(k->follow[i], now_sec);
	if (k->sock)
		tls_keysock_poll(k->sock, k->kl, now_sec);
	tls_keylog_expire(k->kl, now_sec);
}

int
cli_keys_fd(const struct cli_keys *k)
{
	return k->sock ? tls_keysock_fd(k->sock) : -1;
}

void
cli_keys_report(const struct cli_keys *k)
{
	if (!k->kl)
		return;
	const struct tls_keylog_stats *st = tls_keylog_stats(k->kl);
	fprintf(stderr, "keylog: %llu lines, %llu malformed, %llu sessions' secrets held now\n",
		(unsigned long long)st->lines, (unsigned long long)st->malformed,
		(unsigned long long)st->entries);
	if (k->sock) {
		const struct tls_keysock_stats *ss = tls_keysock_stats(k->sock);
		fprintf(stderr, "keysock: %llu datagrams, %llu accepted, %llu from senders not allowed, "
				"%llu oversize\n",
			(unsigned long long)ss->datagrams, (unsigned long long)ss->accepted,
			(unsigned long long)ss->rejected_uid, (unsigned long long)ss->oversize);
	}
}

void
cli_keys_close(struct cli_keys *k)
{
	for (unsigned i = 0; i < k->nfollow; i++)
		tls_keylog_follow_free(k->follow[i]);
	k->nfollow = 0;
	tls_keysock_close(k->sock);
	k->sock = NULL;
	tls_keylog_free(k->kl);
	k->kl = NULL;
}
