/*
 * `tlsips check -c FILE`: everything `run` would need, checked before it
 * runs — the policy (every problem with file:line:col), every rule file,
 * every credential (readable, not readable by others, decrypts, and
 * belongs to the certificate the server really serves: the configured
 * certificate file, or the one the local service presents when asked),
 * the live interfaces. Exit 0 when all is well, 2 otherwise.
 *
 * Asking the local service for its certificate takes a TLS client, so this
 * command links libssl; the engine itself never does.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cli/cli.h"
#include "policy/policy.h"
#include "tls/tls_keystore.h"

struct cli_check {
	const struct policy *pol;
	bool connect;         /* ask the local service for its certificate */
	unsigned errors, warnings;
};

static void __attribute__((format(printf, 4, 5)))
cli_check_say(struct cli_check *c, bool error, uint32_t line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%u: %s: ", c->pol->path, line, error ? "error" : "warning");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (error)
		c->errors++;
	else
		c->warnings++;
}

/* Key and pass files must not be readable by others (group or world). */
static void
cli_check_perms(struct cli_check *c, const char *path, uint32_t line)
{
	struct stat st;
	if (!path[0] || stat(path, &st) != 0)
		return; /* a missing file is reported by the policy or the key store */
	if (!(st.st_mode & (S_IRWXG | S_IRWXO)))
		return;
	char mode[16];
	snprintf(mode, sizeof(mode), "%04o", (unsigned)(st.st_mode & 07777));
	cli_check_say(c, c->pol->key_perms_refuse, line,
		      "%s is readable by others (mode %s) (hint: chmod 600 it, owned by root)", path,
		      mode);
}

/* DER of the first certificate in a PEM file; caller frees. */
static uint8_t *
cli_check_cert_file(const char *path, int *out_len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	uint8_t *der = NULL;
	*out_len = x ? i2d_X509(x, &der) : -1;
	X509_free(x);
	return *out_len > 0 ? der : NULL;
}

/* DER of the certificate the service at addr:port presents; caller frees. */
static uint8_t *
cli_check_cert_served(const char *addr, uint16_t port, int *out_len)
{
	char target[128];
	uint8_t *der = NULL;
	*out_len = -1;
	snprintf(target, sizeof(target), strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, port);
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	BIO *bio = ctx ? BIO_new_ssl_connect(ctx) : NULL;
	SSL *ssl = NULL;
	if (bio && BIO_set_conn_hostname(bio, target) == 1 && BIO_get_ssl(bio, &ssl) == 1 &&
	    ssl && BIO_do_connect(bio) == 1 && BIO_do_handshake(bio) == 1) {
		X509 *x = SSL_get1_peer_certificate(ssl);
		*out_len = x ? i2d_X509(x, &der) : -1;
		X509_free(x);
	}
	BIO_free_all(bio);
	SSL_CTX_free(ctx);
	return *out_len > 0 ? der : NULL;
}

/* Where `check` asks for the certificate: the entry's first address and port. */
static void
cli_check_target(const struct policy_tls_entry *e, char *addr, size_t addr_len, uint16_t *port)
{
	*port = e->ports.n_incl ? e->ports.incl[0].lo : 443;
	snprintf(addr, addr_len, "127.0.0.1");
	if (!e->ips.any && e->ips.n_incl)
		inet_ntop(e->ips.incl[0].family == 6 ? AF_INET6 : AF_INET, e->ips.incl[0].lo, addr,
			  (socklen_t)addr_len);
}

static void
cli_check_credential(struct cli_check *c, const struct policy_tls_entry *e,
		     const struct policy_credential *cr)
{
	char err[512];
	cli_check_perms(c, cr->key_path, cr->line);
	cli_check_perms(c, cr->pass_file, cr->line);
	struct tls_keystore *ks = tls_keystore_new();
	if (!ks || tls_keystore_add_file(ks, cr->key_path, cr->pass_file[0] ? cr->pass_file : NULL,
					 err, sizeof(err)) != 0) {
		cli_check_say(c, true, cr->line, "%s", ks ? err : "out of memory");
		if (ks)
			tls_keystore_free(ks);
		return;
	}
	int len = -1;
	uint8_t *der;
	char where[POLICY_PATH + 64];
	if (cr->cert_path[0]) {
		der = cli_check_cert_file(cr->cert_path, &len);
		snprintf(where, sizeof(where), "%s", cr->cert_path);
		if (!der)
			cli_check_say(c, true, cr->line, "%s: no PEM certificate in it", cr->cert_path);
	} else if (c->connect) {
		char addr[64];
		uint16_t port;
		cli_check_target(e, addr, sizeof(addr), &port);
		der = cli_check_cert_served(addr, port, &len);
		snprintf(where, sizeof(where), "the service at %s port %u", addr, port);
		if (!der)
			cli_check_say(c, false, cr->line,
				      "could not get a certificate from %s (hint: is it running? give "
				      "`certificate:` to check against a file)", where);
	} else {
		der = NULL;
	}
	if (der) {
		if (tls_keystore_match_cert(ks, der, (size_t)len))
			fprintf(stderr, "%s:%u: ok: %s belongs to the certificate of %s\n", c->pol->path,
				cr->line, cr->key_path, where);
		else
			cli_check_say(c, true, cr->line,
				      "%s does not belong to the certificate of %s (hint: wrong key "
				      "file, or the server's certificate was renewed)", cr->key_path,
				      where);
		OPENSSL_free(der);
	}
	tls_keystore_free(ks);
}

static void
cli_check_live(struct cli_check *c)
{
	const struct policy *p = c->pol;
	if (!p->inline_mode && p->tap_iface[0] && !if_nametoindex(p->tap_iface))
		cli_check_say(c, true, 0, "tap interface %s does not exist", p->tap_iface);
	for (uint32_t i = 0; i < p->n_tls; i++)
		for (uint32_t j = 0; !p->tls[i].all_ifaces && j < p->tls[i].n_ifaces; j++)
			if (!if_nametoindex(p->tls[i].ifaces[j]))
				cli_check_say(c, false, p->tls[i].line,
					      "interface %s does not exist (yet)",
					      p->tls[i].ifaces[j]);
}

int
cli_check_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "no-connect", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct cli_check c = { .connect = true };
	int ch;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'N': c.connect = false; break;
		case 'h':
			puts("usage: tlsips check -c CONFIG [--no-connect]\n"
			     "  checks the policy, its rule files and credentials; --no-connect: do not\n"
			     "  ask local services for their certificates");
			return CLI_EXIT_OK;
		default: return CLI_EXIT_USAGE;
		}
	}
	if (!path || optind < argc) {
		fputs("usage: tlsips check -c CONFIG [--no-connect]\n", stderr);
		return CLI_EXIT_USAGE;
	}
	cli_crypto_init();
	struct policy *pol = calloc(1, sizeof(*pol));
	if (!pol)
		return CLI_EXIT_INPUT;
	c.pol = pol;
	if (policy_load(pol, path, stderr) != 0) {
		fprintf(stderr, "check: %s: the policy has errors (above)\n", path);
		free(pol);
		return CLI_EXIT_USAGE;
	}
	if (policy_build_rules(pol, stderr) != 0)
		c.errors++;
	uint32_t rules = 0;
	for (uint32_t i = 0; i < pol->n_app_types; i++) {
		if (!pol->app_types[i].rules)
			continue;
		/* Rules that did not load were reported one by one above; here they count. */
		const struct detect_load_stats *s = detect_ruleset_stats(pol->app_types[i].rules);
		rules += detect_ruleset_count(pol->app_types[i].rules);
		c.errors += s->failed;
		c.warnings += s->skipped;
	}
	for (uint32_t i = 0; i < pol->n_tls; i++)
		for (uint32_t j = 0; j < pol->tls[i].n_credentials; j++)
			cli_check_credential(&c, &pol->tls[i], &pol->tls[i].credentials[j]);
	cli_check_live(&c);
	fprintf(stderr, "check: %s: %u errors, %u warnings; %u application types with %u rules, "
		"%u TLS inspection entries\n", path, c.errors, c.warnings, pol->n_app_types, rules,
		pol->n_tls);
	policy_fini(pol);
	free(pol);
	return c.errors ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}
