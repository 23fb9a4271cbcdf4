/*
 * Key log mode of `tlsips run`: one store shared by the workers.
 *
 * Why shared with a mutex rather than one store per worker: the key socket
 * hands each datagram to one reader, and a flow's worker is not known from
 * a client random, so per-worker stores would need every secret copied to
 * every worker (as text: formatting secrets is what tls/ never does). With
 * one store, the main thread reads the socket into it under keys_mu; a
 * worker in key log mode runs its pipeline under keys_mu too, since its TLS
 * engine looks secrets up (and forgets taken ones) while it works. Workers
 * thus take turns; key log mode is the one that serialises, and the lock
 * is held per batch of packets, not per packet.
 *
 * Arrived secrets must reach the worker whose session waits for them: the
 * store's added callback (main thread, under keys_mu) puts the client
 * random into every worker's mailbox and the main thread wakes them
 * (eventfd); each worker resumes its waiting sessions from its own thread.
 * A full mailbox drops randoms (counted): those sessions time out
 * (key_timeout fallback), never pass uninspected.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/err.h"
#include "cli/cli_run.h"

static void
cli_run_keys_added(void *ctx, const uint8_t key[TLS_KEYLOG_RANDOM_LEN], enum tls_keylog_label label)
{
	struct cli_run *r = ctx;
	(void)label;
	for (unsigned i = 0; i < r->n_workers; i++) {
		struct cli_run_worker *w = &r->workers[i];
		if (!w->mbox)
			continue;
		if (w->mbox_len == CLI_RUN_MBOX) {
			w->mbox_overflow++;
			continue;
		}
		memcpy(w->mbox[(w->mbox_head + w->mbox_len) % CLI_RUN_MBOX], key, 32);
		w->mbox_len++;
	}
}

int
cli_run_keys_open(struct cli_run *r, const struct policy_tls_entry *e, char *err, size_t errlen)
{
	struct cli_keys_opts ko;
	memset(&ko, 0, sizeof(ko));
	ko.socket_path = e->keylog_socket;
	for (uint32_t i = 0; i < e->n_peer_uids && ko.nuids < TLS_KEYSOCK_UIDS_MAX; i++)
		ko.uids[ko.nuids++] = e->peer_uids[i];
	ko.gid = e->n_peer_gids ? (int64_t)e->peer_gids[0] : -1;
	int rc = cli_keys_open(&r->keys, &ko, true, err, errlen);
	if (rc != 0)
		return rc;
	tls_keylog_set_added_fn(r->keys.kl, cli_run_keys_added, r);
	pthread_mutex_init(&r->keys_mu, NULL);
	r->keylog = true;
	return 0;
}

void
cli_run_keys_poll(struct cli_run *r)
{
	bool wake[POLICY_MAX_QUEUES];
	pthread_mutex_lock(&r->keys_mu);
	cli_keys_poll(&r->keys, cli_run_now_usec() / 1000000u);
	for (unsigned i = 0; i < r->n_workers; i++)
		wake[i] = r->workers[i].mbox_len > 0;
	pthread_mutex_unlock(&r->keys_mu);
	uint64_t one = 1;
	for (unsigned i = 0; i < r->n_workers; i++) {
		struct cli_run_worker *w = &r->workers[i];
		/* A failed wake-up is caught by the worker's poll timeout. */
		if (wake[i] && w->wake_fd >= 0 && write(w->wake_fd, &one, sizeof(one)) < 0)
			(void)errno;
	}
}

void
cli_run_keys_drain(struct cli_run_worker *w)
{
	uint8_t random[32];
	while (w->mbox_len) {
		memcpy(random, w->mbox[w->mbox_head], sizeof(random));
		w->mbox_head = (w->mbox_head + 1) % CLI_RUN_MBOX;
		w->mbox_len--;
		cli_pipe_keys_added(&w->pipe, random);
	}
}

void
cli_run_keys_close(struct cli_run *r)
{
	if (!r->keylog)
		return;
	cli_keys_report(&r->keys);
	cli_keys_close(&r->keys);
	pthread_mutex_destroy(&r->keys_mu);
	r->keylog = false;
}
