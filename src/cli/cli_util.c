/* Small things every subcommand needs: time, progress, crypto set-up. */
#include <stdio.h>
#include <sys/prctl.h>
#include <time.h>

#include "capture/capture.h"
#include "cli/cli.h"
#include "tls/tls_cipher.h"
#include "tls/tls.h"
#include "tls/tls_keystore.h"
#include "tls/tls_secret.h"

double
cli_now_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void
cli_progress(const struct capture_file *cf, double started)
{
	uint64_t off = capture_file_offset(cf), size = capture_file_size(cf);
	double secs = cli_now_seconds() - started;
	double mb = (double)off / 1e6;
	if (size)
		fprintf(stderr, "progress: %3.0f%% %.0f of %.0f MB, %.0f MB/s\n",
			100.0 * (double)off / (double)size, mb, (double)size / 1e6,
			secs > 0 ? mb / secs : 0.0);
	else
		fprintf(stderr, "progress: %.0f MB, %.0f MB/s\n", mb, secs > 0 ? mb / secs : 0.0);
}

void
cli_crypto_init(void)
{
	/* Key material must never reach a core dump. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	tls_secmem_init(16u << 20);
	if (!tls_cipher_providers_load())
		fputs("tlsips: warning: OpenSSL legacy provider missing: RC4 and DES suites "
		      "cannot be decrypted\n", stderr);
}

int
cli_key_option(struct tls_keystore *ks, const char **pending, int ch, const char *arg)
{
	char err[512];
	/* A key is loaded when the next option shows whether a pass file follows it. */
	if (*pending && ch != 'p') {
		if (tls_keystore_add_file(ks, *pending, NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "tlsips: %s\n", err);
			return -1;
		}
		*pending = NULL;
	}
	if (ch == 'k') {
		*pending = arg;
	} else if (ch == 'p') {
		if (!*pending) {
			fputs("tlsips: --pass-file must follow the -k it belongs to\n", stderr);
			return -1;
		}
		if (tls_keystore_add_file(ks, *pending, arg, err, sizeof(err)) != 0) {
			fprintf(stderr, "tlsips: %s\n", err);
			return -1;
		}
		*pending = NULL;
	}
	return 0;
}

int
cli_file_read_all(struct capture_file *cf, bool progress, cli_packet_fn fn, void *ctx,
		  uint64_t *out_packets)
{
	struct capture_pkt cp;
	char err[512];
	double started = cli_now_seconds(), last = started;
	uint64_t n = 0;
	int rc;
	while ((rc = capture_file_next(cf, &cp, err, sizeof(err))) == 1) {
		n++;
		fn(ctx, &cp);
		if (progress && (n & 0xffff) == 0 && cli_now_seconds() - last >= 2.0) {
			last = cli_now_seconds();
			cli_progress(cf, started);
		}
	}
	*out_packets = n;
	if (rc < 0)
		fprintf(stderr, "tlsips: %s%s\n", n ? "warning: " : "", err);
	return rc;
}

void
cli_print_not_decrypted(FILE *out, const struct tls_stats *ts)
{
	uint64_t total = 0;
	for (int r = 1; r < TLS_REASON_COUNT; r++)
		total += ts->not_decrypted[r];
	fprintf(out, "%llu decrypted, %llu not", (unsigned long long)ts->decrypted,
		(unsigned long long)total);
	const char *sep = " (";
	for (int r = 1; r < TLS_REASON_COUNT; r++) {
		if (!ts->not_decrypted[r])
			continue;
		fprintf(out, "%s%s %llu", sep, tls_reason_name((enum tls_reason)r),
			(unsigned long long)ts->not_decrypted[r]);
		sep = ", ";
	}
	if (*sep == ',')
		fputc(')', out);
}
