/*
 * cli_keys: the key log side of a run (key log mode): the store, key log
 * files (read whole offline, followed as they grow live) and the live key
 * socket, wired to a tls engine so late secrets release waiting sessions.
 */
#ifndef TLSIPS_CLI_KEYS_H
#define TLSIPS_CLI_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/tls.h"
#include "tls/tls_keylog.h"

enum { CLI_KEYLOG_FILES_MAX = 16, CLI_KEYLOG_PROBLEMS_SHOWN = 20, CLI_KEYSOCK_QLEN_MIN = 512 };

struct cli_keys_opts {
	const char *files[CLI_KEYLOG_FILES_MAX];
	unsigned nfiles;
	const char *socket_path;                 /* live only */
	uint32_t uids[TLS_KEYSOCK_UIDS_MAX];     /* senders allowed on the socket */
	unsigned nuids;
	int64_t gid;                             /* group given the socket (servers'), -1: ours */
};

struct cli_keys {
	struct tls_keylog *kl;
	struct tls_keysock *sock;
	struct tls_keylog_follow *follow[CLI_KEYLOG_FILES_MAX];
	unsigned nfollow;
	struct tls_engine *te;
	uint64_t problems;
};

/* True when the options ask for key log mode at all. */
bool cli_keys_wanted(const struct cli_keys_opts *o);
/*
 * Opens the store; offline (live false) reads each file whole, live follows
 * them and opens the socket. Errors name the file or socket.
 */
int cli_keys_open(struct cli_keys *k, const struct cli_keys_opts *o, bool live, char *err,
		  size_t errlen);
/* Hands the store to the engine: sessions look secrets up, late ones resume. */
void cli_keys_attach(struct cli_keys *k, struct tls_engine *te, bool live);
/* Live: reads what the files and the socket have now. */
void cli_keys_poll(struct cli_keys *k, uint64_t now_sec);
/* The socket's descriptor to poll, or -1. */
int cli_keys_fd(const struct cli_keys *k);
/* Summary lines on stderr (lines taken, problems, socket rejections). */
void cli_keys_report(const struct cli_keys *k);
void cli_keys_close(struct cli_keys *k);

#endif
