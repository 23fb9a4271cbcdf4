/* cli: the tlsips command; each subcommand wires the stages it needs. */
#ifndef TLSIPS_CLI_H
#define TLSIPS_CLI_H

/* Exit codes (a contract: scripts depend on them). */
enum {
	CLI_EXIT_OK = 0,      /* input read (sessions may still be undecrypted) */
	CLI_EXIT_INPUT = 1,   /* the input could not be read at all */
	CLI_EXIT_USAGE = 2,   /* bad arguments, key or configuration files */
};

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct capture_file;
struct capture_pkt;
struct tls_keystore;
struct tls_stats;

int cli_decrypt_main(int argc, char **argv);
int cli_inspect_main(int argc, char **argv);
int cli_check_main(int argc, char **argv);
int cli_run_main(int argc, char **argv);

/* cli_util.c: monotonic seconds, and a progress line for a capture file being read. */
double cli_now_seconds(void);
void cli_progress(const struct capture_file *cf, double started);
typedef void (*cli_packet_fn)(void *ctx, const struct capture_pkt *cp);
/*
 * Hands every packet of cf to fn (with a progress line every 2 s when
 * progress); the capture's final status: 0, or a read error (reported, as a
 * warning once some packets were read).
 */
int cli_file_read_all(struct capture_file *cf, bool progress, cli_packet_fn fn, void *ctx,
		      uint64_t *out_packets);
/* Sets up libcrypto for the engine: no core dumps, secure heap, legacy provider. */
void cli_crypto_init(void);
/*
 * -k KEY [--pass-file F]: call for every option (ch, arg) and once more
 * with ch 0 after the last; ch 'k' and 'p' are the key and pass file.
 * Returns 0, or -1 after saying what is wrong with the key.
 */
/* "N decrypted, N not (reason N, ...)" without a newline: the summaries' TLS part. */
void cli_print_not_decrypted(FILE *out, const struct tls_stats *ts);
int cli_key_option(struct tls_keystore *ks, const char **pending, int ch, const char *arg);

#endif
