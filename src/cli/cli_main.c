/* tlsips entry point: picks the subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void
cli_usage(FILE *out)
{
	fputs("usage: tlsips <command> [options]\n"
	      "\n"
	      "commands:\n"
	      "  decrypt   write the decrypted TLS streams of a capture as plain TCP\n"
	      "            tlsips decrypt -r IN.pcap -w OUT.pcap -k KEY [--pass-file F]...\n"
	      "  inspect   run the rules on the HTTP inside a capture (decrypting TLS), events out\n"
	      "            tlsips inspect -r IN.pcap [-c CONFIG] [-k KEY]... [--rules FILE]...\n"
	      "  check     validate a policy file, its rules and credentials\n"
	      "            tlsips check -c CONFIG\n"
	      "  run       the live engine: inline (NFQUEUE) or tap, as the policy says\n"
	      "            tlsips run -c CONFIG\n"
	      "\n"
	      "`tlsips <command> --help` describes a command's options.\n",
	      out);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "decrypt") == 0)
		return cli_decrypt_main(argc - 1, argv + 1);
	if (strcmp(cmd, "inspect") == 0)
		return cli_inspect_main(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cli_check_main(argc - 1, argv + 1);
	if (strcmp(cmd, "run") == 0)
		return cli_run_main(argc - 1, argv + 1);
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		cli_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		puts("tlsips " TLSIPS_VERSION);
		return CLI_EXIT_OK;
	}
	fprintf(stderr, "tlsips: unknown command '%s'\n", cmd);
	cli_usage(stderr);
	return CLI_EXIT_USAGE;
}
