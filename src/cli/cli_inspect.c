/*
 * `tlsips inspect`: a capture through the whole pipeline (cli_pipe) with
 * the policy of a file or the built-in defaults; alerts and session events
 * out as JSON lines, a summary on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "cli/cli.h"
#include "cli/cli_keys.h"
#include "cli/cli_pipe.h"
#include "policy/policy.h"
#include "tls/tls_keystore.h"

enum { CLI_INSPECT_RULES_MAX = POLICY_MAX_RULE_FILES };

struct cli_inspect_opts {
	const char *in_path, *config_path, *events_path;
	const char *rules[CLI_INSPECT_RULES_MAX];
	unsigned nrules;
	const char *mode;        /* "prevent" or "detect", overrides the policy */
	bool http_events, progress, quiet;
};

static void
cli_inspect_usage(FILE *out)
{
	fputs("usage: tlsips inspect -r IN.pcap [-c CONFIG] [-k KEY [--pass-file F]]... "
	      "[--keylog F]...\n"
	      "                      [--rules FILE]... [-o EVENTS.json]\n"
	      "\n"
	      "  -r, --read FILE       capture to read (pcap or pcapng; - for stdin)\n"
	      "  -c, --config FILE     policy (YAML); default: the built-in \"Web Server Common\"\n"
	      "                        application type on ports 80, 443, 8080, 8443, built-in\n"
	      "                        rules, prevent mode\n"
	      "  -k, --key FILE        server RSA private key (PEM, encrypted PEM, PKCS#12)\n"
	      "      --pass-file FILE  pass phrase for the -k just before it\n"
	      "      --keylog FILE     NSS key log with the sessions' secrets; repeatable\n"
	      "      --rules FILE      rule file to run instead of the configured ones; repeatable;\n"
	      "                        \"builtin\" names the built-in rules\n"
	      "      --mode MODE       prevent (drop/reject rules report \"blocked\") or detect\n"
	      "  -o, --output FILE     events (JSON lines); default standard output\n"
	      "      --http-events     also write one `http` event per transaction\n"
	      "      --progress        report progress on stderr (default: when a terminal)\n"
	      "  -q, --quiet           no summary\n",
	      out);
}

/* Parses argv into o, loading keys as they come; -1 to go on, or an exit code. */
static int
cli_inspect_parse(int argc, char **argv, struct cli_inspect_opts *o, struct tls_keystore *ks,
		  struct cli_keys_opts *ko)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "pass-file", required_argument, NULL, 'p' },
		{ "keylog", required_argument, NULL, 'L' },
		{ "rules", required_argument, NULL, 'R' },
		{ "mode", required_argument, NULL, 'M' },
		{ "output", required_argument, NULL, 'o' },
		{ "http-events", no_argument, NULL, 'H' },
		{ "progress", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key_path = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "r:c:k:o:qh", longopts, NULL)) != -1) {
		if (cli_key_option(ks, &key_path, ch, optarg) != 0)
			return CLI_EXIT_USAGE;
		switch (ch) {
		case 'r': o->in_path = optarg; break;
		case 'c': o->config_path = optarg; break;
		case 'k': case 'p': break; /* cli_key_option took them */
		case 'L':
			if (ko->nfiles == CLI_KEYLOG_FILES_MAX) {
				fprintf(stderr, "tlsips: at most %d --keylog files\n", CLI_KEYLOG_FILES_MAX);
				return CLI_EXIT_USAGE;
			}
			ko->files[ko->nfiles++] = optarg;
			break;
		case 'R':
			if (o->nrules == CLI_INSPECT_RULES_MAX) {
				fprintf(stderr, "tlsips: at most %d --rules files\n", CLI_INSPECT_RULES_MAX);
				return CLI_EXIT_USAGE;
			}
			o->rules[o->nrules++] = optarg;
			break;
		case 'M':
			if (strcmp(optarg, "prevent") != 0 && strcmp(optarg, "detect") != 0) {
				fprintf(stderr, "tlsips: --mode: '%s' is neither prevent nor detect\n",
					optarg);
				return CLI_EXIT_USAGE;
			}
			o->mode = optarg;
			break;
		case 'o': o->events_path = optarg; break;
		case 'H': o->http_events = true; break;
		case 'P': o->progress = true; break;
		case 'q': o->quiet = true; break;
		case 'h': cli_inspect_usage(stdout); return CLI_EXIT_OK;
		default: cli_inspect_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (cli_key_option(ks, &key_path, 0, NULL) != 0)
		return CLI_EXIT_USAGE;
	if (optind < argc) {
		fprintf(stderr, "tlsips: unexpected argument '%s'\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (!o->in_path) {
		fputs("tlsips: inspect needs -r IN\n", stderr);
		cli_inspect_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

/* The policy of -c or the defaults, with the command line's overrides. */
static int
cli_inspect_policy(const struct cli_inspect_opts *o, struct policy *pol)
{
	if (o->config_path) {
		if (policy_load(pol, o->config_path, stderr) != 0) {
			fprintf(stderr, "tlsips: %s: not loaded\n", o->config_path);
			return CLI_EXIT_USAGE;
		}
	} else {
		policy_default(pol);
	}
	if (o->mode)
		pol->mode = strcmp(o->mode, "detect") == 0 ? POLICY_MODE_DETECT : POLICY_MODE_PREVENT;
	for (uint32_t i = 0; o->nrules && i < pol->n_app_types; i++)
		if (policy_app_set_rule_files(&pol->app_types[i], o->rules, o->nrules) != 0)
			return CLI_EXIT_INPUT;
	if (policy_build_rules(pol, stderr) != 0) {
		fputs("tlsips: the rules could not be loaded\n", stderr);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

/* Server keys named by the policy's TLS inspection entries join those of -k. */
static int
cli_inspect_policy_keys(const struct policy *pol, struct tls_keystore *ks)
{
	char err[512];
	for (uint32_t i = 0; i < pol->n_tls; i++) {
		const struct policy_tls_entry *e = &pol->tls[i];
		for (uint32_t j = 0; j < e->n_credentials; j++) {
			const struct policy_credential *c = &e->credentials[j];
			if (tls_keystore_add_file(ks, c->key_path, c->pass_file[0] ? c->pass_file : NULL,
						  err, sizeof(err)) != 0) {
				fprintf(stderr, "tlsips: %s:%u: %s\n", pol->path, c->line, err);
				return CLI_EXIT_USAGE;
			}
		}
	}
	return 0;
}

static void
cli_inspect_rules_report(const struct policy *pol)
{
	for (uint32_t i = 0; i < pol->n_app_types; i++) {
		const struct policy_app_type *app = &pol->app_types[i];
		if (!app->rules)
			continue;
		const struct detect_load_stats *s = detect_ruleset_stats(app->rules);
		fprintf(stderr, "rules: %s: %u loaded, %u skipped (unsupported), %u failed, "
			"%u disabled; %.2f s\n", app->name, s->loaded, s->skipped, s->failed,
			s->disabled, (double)s->compile_usec / 1e6);
	}
}

static void
cli_inspect_packet(void *ctx, const struct capture_pkt *cp)
{
	cli_pipe_packet(ctx, cp);
}

static int
cli_inspect_run(const struct cli_inspect_opts *o, struct policy *pol, struct tls_keystore *ks,
		struct cli_keys_opts *ko)
{
	struct cli_keys keylog;
	struct cli_pipe pipe;
	struct capture_file *cf = NULL;
	FILE *events = stdout;
	char err[512];
	int exit_code = CLI_EXIT_USAGE;
	memset(&keylog, 0, sizeof(keylog));
	memset(&pipe, 0, sizeof(pipe));
	if (cli_keys_wanted(ko) && cli_keys_open(&keylog, ko, false, err, sizeof(err)) != 0) {
		fprintf(stderr, "tlsips: %s\n", err);
		goto out;
	}
	if (capture_file_open(o->in_path, &cf, err, sizeof(err)) != 0) {
		fprintf(stderr, "tlsips: %s\n", err);
		exit_code = CLI_EXIT_INPUT;
		goto out;
	}
	if (o->events_path && !(events = fopen(o->events_path, "w"))) {
		fprintf(stderr, "tlsips: %s: cannot create: %s\n", o->events_path, strerror(errno));
		events = NULL;
		goto out;
	}
	uint32_t types = pol->n_outputs ? pol->outputs[0].events : POLICY_EVENT_ALL;
	if (o->http_events)
		types |= POLICY_EVENT_HTTP;
	struct cli_pipe_opts po = { .policy = pol, .keys = ks, .keylog = keylog.kl ? &keylog : NULL,
				    .events = events, .event_types = types };
	if ((exit_code = cli_pipe_init(&pipe, &po, err, sizeof(err))) != 0) {
		fprintf(stderr, "tlsips: %s\n", err);
		goto out;
	}
	double started = cli_now_seconds();
	uint64_t packets = 0;
	int rc = cli_file_read_all(cf, o->progress || isatty(STDERR_FILENO), cli_inspect_packet, &pipe,
				   &packets);
	cli_pipe_finish(&pipe, capture_file_stats(cf));
	if (!o->quiet) {
		cli_pipe_summary(&pipe, stderr, cli_now_seconds() - started);
		cli_keys_report(&keylog);
	}
	exit_code = rc < 0 && packets == 0 ? CLI_EXIT_INPUT : CLI_EXIT_OK;
out:
	cli_pipe_fini(&pipe);
	if (events && (fflush(events) != 0 || ferror(events) || pipe.event_failures)) {
		fprintf(stderr, "tlsips: %s: some events could not be written\n",
			o->events_path ? o->events_path : "stdout");
		exit_code = CLI_EXIT_INPUT;
	}
	if (events && events != stdout)
		fclose(events);
	if (cf)
		capture_file_close(cf);
	cli_keys_close(&keylog);
	return exit_code;
}

int
cli_inspect_main(int argc, char **argv)
{
	struct cli_inspect_opts o;
	struct cli_keys_opts ko;
	struct policy *pol = calloc(1, sizeof(*pol));
	memset(&o, 0, sizeof(o));
	memset(&ko, 0, sizeof(ko));
	ko.gid = -1;
	cli_crypto_init();
	struct tls_keystore *ks = tls_keystore_new();
	if (!ks || !pol) {
		fputs("tlsips: out of memory\n", stderr);
		free(pol);
		if (ks)
			tls_keystore_free(ks);
		return CLI_EXIT_INPUT;
	}
	int rc = cli_inspect_parse(argc, argv, &o, ks, &ko);
	if (rc < 0)
		rc = cli_inspect_policy(&o, pol);
	if (rc == 0)
		rc = cli_inspect_policy_keys(pol, ks);
	if (rc == 0) {
		if (!o.quiet)
			cli_inspect_rules_report(pol);
		rc = cli_inspect_run(&o, pol, ks, &ko);
	}
	policy_fini(pol);
	free(pol);
	tls_keystore_free(ks);
	return rc;
}
