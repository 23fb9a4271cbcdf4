/* cli: the tlsips command; each subcommand wires the stages it needs. */
#ifndef TLSIPS_CLI_H
#define TLSIPS_CLI_H

/* Exit codes (a contract: scripts depend on them). */
enum {
	CLI_EXIT_OK = 0,      /* input read (sessions may still be undecrypted) */
	CLI_EXIT_INPUT = 1,   /* the input could not be read at all */
	CLI_EXIT_USAGE = 2,   /* bad arguments, key or configuration files */
};

int cli_decrypt_main(int argc, char **argv);

#endif
