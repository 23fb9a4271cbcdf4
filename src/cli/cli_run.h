/*
 * `tlsips run`: the live engine, inline (NFQUEUE) or tap (live capture).
 *
 *   main thread: signals (SIGHUP reload, SIGTERM/SIGINT stop), the key
 *                socket, periodic stats, output flushing, freeing what a
 *                reload replaced
 *   workers:     one per NFQUEUE queue (or one for the tap), each with its
 *                own cli_pipe (flow table, TLS, HTTP, detection); the
 *                kernel's queue balancing pins both directions of a flow
 *                to one queue, hence one worker, so workers share no flow
 *
 * What a reload replaces is a generation (policy with built rules, server
 * key store), built aside by the main thread and published through a
 * cli_swap; each worker switches between two packets.
 */
#ifndef TLSIPS_CLI_RUN_H
#define TLSIPS_CLI_RUN_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli/cli_keys.h"
#include "cli/cli_pipe.h"
#include "cli/cli_swap.h"
#include "policy/policy.h"

enum {
	CLI_RUN_ERR = 512,
	CLI_RUN_MBOX = 4096,          /* client randoms waiting for one worker */
	CLI_RUN_BATCH = 64,           /* packets per dispatch between other duties */
	CLI_RUN_POLL_MS = 100,        /* longest a worker sleeps: ticks, reloads, stop */
	CLI_RUN_SPIN_USEC = 15,       /* after packets, yield-and-retry this long (docs/inline.md) */
	CLI_RUN_HOLD_PKTS = 1024,     /* held packets per worker (the kernel queue holds 4096) */
	CLI_RUN_HOLD_PER_FLOW = 128,
	CLI_RUN_RETIRED_MAX = 16,     /* key stores kept after a reload (handshakes may point in) */
};

/* What a reload replaces, immutable once published. */
struct cli_run_gen {
	struct policy *policy;        /* owned; rules built */
	struct tls_keystore *keys;    /* owned; may be retired before it is freed */
	uint32_t event_types;         /* union of the outputs' events */
};

struct cli_run;

/* One output of the policy (cli_run_out.c). */
struct cli_run_sink {
	enum policy_output_type type;
	char path[POLICY_PATH];
	uint32_t events;
	FILE *fp;                     /* file or stdout */
	int fd;                       /* unix datagram socket, -1 otherwise */
	uint64_t written, failed;
};

struct cli_run_out {
	pthread_mutex_t mu;           /* sinks are shared by the workers */
	struct cli_run_sink sink[POLICY_MAX_OUTPUTS];
	unsigned n;
	uint64_t unrouted;            /* lines without an event type */
};

struct cli_run_worker {
	struct cli_run *run;
	unsigned idx;
	uint16_t queue;
	struct capture_nfq *nfq;      /* inline */
	struct capture_live *tap;     /* tap */
	struct capture_reset *reset;  /* NULL: no resets */
	struct cli_pipe pipe;
	bool pipe_ready;
	FILE *events;                 /* routes to the outputs */
	struct cli_run_gen *gen;      /* the generation the pipe runs */
	int wake_fd;                  /* eventfd: key log secrets arrived */
	pthread_t thread;
	bool started;
	atomic_bool stats_due;
	/* Client randoms of arrived secrets, under run->keys_mu. */
	uint8_t (*mbox)[32];
	uint32_t mbox_head, mbox_len;
	uint64_t mbox_overflow;
	uint64_t resets_sent, resets_failed, verdict_failures;
	char err[CLI_RUN_ERR];
	int rc;
};

struct cli_run {
	const char *config_path;
	struct cli_swap swap;         /* of struct cli_run_gen */
	struct cli_run_gen *retired[CLI_RUN_RETIRED_MAX];
	uint64_t retired_at[CLI_RUN_RETIRED_MAX];
	struct cli_run_out out;
	bool keylog;                  /* key log mode: the shared store below */
	struct cli_keys keys;
	pthread_mutex_t keys_mu;      /* the store, and every worker's pipe while keylog */
	struct cli_run_worker workers[POLICY_MAX_QUEUES];
	unsigned n_workers;
	bool inline_mode;
	atomic_bool stop;
	uint64_t reloads, reload_failures;
};

/* cli_run_gen.c: a generation from the policy file; NULL with every problem on stderr. */
struct cli_run_gen *cli_run_gen_load(const char *path);
void cli_run_gen_free(struct cli_run_gen *g);
/* Key log mode: the first TLS entry with a key socket, or NULL. */
const struct policy_tls_entry *cli_run_gen_keylog(const struct cli_run_gen *g);

/* cli_run_out.c: the policy's outputs. */
int cli_run_out_open(struct cli_run_out *o, const struct policy *pol, char *err, size_t errlen);
/* Reload: the new policy's outputs (files reopened: rotation); on failure the old ones stay. */
int cli_run_out_reopen(struct cli_run_out *o, const struct policy *pol, char *err, size_t errlen);
/* A stream for one worker: each event written to it goes to the outputs that want its type. */
FILE *cli_run_out_stream(struct cli_run_out *o);
void cli_run_out_flush(struct cli_run_out *o);
void cli_run_out_close(struct cli_run_out *o);

/* cli_run_priv.c: privilege drop. */
int cli_run_priv_lookup(const char *user, uid_t *out_uid, gid_t *out_gid, char *err,
			size_t errlen);
/* setgroups/setgid/setuid keeping only CAP_NET_ADMIN and CAP_NET_RAW. */
int cli_run_priv_drop(const char *user, uid_t uid, gid_t gid, char *err, size_t errlen);

/* cli_run_keys.c: the shared key log store (key log mode). */
int cli_run_keys_open(struct cli_run *r, const struct policy_tls_entry *e, char *err,
		      size_t errlen);
/* Main thread: reads the socket; arrived secrets wake the workers. */
void cli_run_keys_poll(struct cli_run *r);
/* Worker, under keys_mu: resumes the sessions whose secrets arrived. */
void cli_run_keys_drain(struct cli_run_worker *w);
void cli_run_keys_close(struct cli_run *r);

/* cli_run_worker.c */
int cli_run_worker_open(struct cli_run_worker *w, const struct policy *pol, char *err,
			size_t errlen);
int cli_run_worker_start(struct cli_run_worker *w);
void cli_run_worker_join(struct cli_run_worker *w);
void cli_run_worker_close(struct cli_run_worker *w);
uint64_t cli_run_now_usec(void);

int cli_run_main(int argc, char **argv);

#endif
