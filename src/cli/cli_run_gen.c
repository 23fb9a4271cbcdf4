/*
 * A generation of `tlsips run` (cli_run.h): the policy file, its rules and
 * its server keys, loaded together at start and on every SIGHUP. Problems
 * go to stderr as FILE:LINE: ...; a generation is all or nothing.
 */
#include <stdlib.h>

#include "cli/cli_run.h"
#include "tls/tls_keystore.h"

void
cli_run_gen_free(struct cli_run_gen *g)
{
	if (!g)
		return;
	if (g->policy) {
		policy_fini(g->policy);
		free(g->policy);
	}
	tls_keystore_free(g->keys);
	free(g);
}

/* The TLS entries' credentials, in one store (key permissions were checked by policy_load). */
static int
cli_run_gen_keys(struct cli_run_gen *g)
{
	char err[CLI_RUN_ERR];
	const struct policy *pol = g->policy;
	for (uint32_t i = 0; i < pol->n_tls; i++) {
		const struct policy_tls_entry *e = &pol->tls[i];
		for (uint32_t j = 0; j < e->n_credentials; j++) {
			const struct policy_credential *c = &e->credentials[j];
			if (tls_keystore_add_file(g->keys, c->key_path,
						  c->pass_file[0] ? c->pass_file : NULL, err,
						  sizeof(err)) != 0) {
				fprintf(stderr, "tlsips: %s:%u: %s\n", pol->path, c->line, err);
				return -1;
			}
		}
	}
	return 0;
}

struct cli_run_gen *
cli_run_gen_load(const char *path)
{
	struct cli_run_gen *g = calloc(1, sizeof(*g));
	if (!g || !(g->policy = calloc(1, sizeof(*g->policy))) || !(g->keys = tls_keystore_new())) {
		fputs("tlsips: out of memory\n", stderr);
		cli_run_gen_free(g);
		return NULL;
	}
	if (policy_load(g->policy, path, stderr) != 0) {
		fprintf(stderr, "tlsips: %s: not loaded\n", path);
		goto fail;
	}
	if (policy_build_rules(g->policy, stderr) != 0) {
		fputs("tlsips: the rules could not be loaded\n", stderr);
		goto fail;
	}
	if (cli_run_gen_keys(g) != 0)
		goto fail;
	/* A tap without resets cannot block: say "allowed", not "blocked". */
	if (!g->policy->inline_mode && !g->policy->tap_resets)
		g->policy->mode = POLICY_MODE_DETECT;
	for (uint32_t i = 0; i < g->policy->n_outputs; i++)
		g->event_types |= g->policy->outputs[i].events;
	return g;
fail:
	cli_run_gen_free(g);
	return NULL;
}

const struct policy_tls_entry *
cli_run_gen_keylog(const struct cli_run_gen *g)
{
	for (uint32_t i = 0; i < g->policy->n_tls; i++)
		if (g->policy->tls[i].keylog && g->policy->tls[i].keylog_socket[0])
			return &g->policy->tls[i];
	return NULL;
}
