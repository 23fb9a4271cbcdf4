/*
 * `tlsips decrypt`: capture file -> net -> tls -> plaintext pcap.
 *
 * Each TLS stream whose keys we hold is written as an ordinary TCP stream
 * carrying only its application data; a line (and optionally a `tls` event)
 * per session says what happened to it.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/num.h"
#include "capture/capture.h"
#include "cli/cli.h"
#include "cli/cli_decrypt.h"
#include "cli/cli_out.h"
#include "log/log_event.h"
#include "net/net.h"
#include "tls/tls.h"
#include "tls/tls_keystore.h"

static void
cli_decrypt_usage(FILE *out)
{
	fputs("usage: tlsips decrypt -r IN.pcap -w OUT.pcap [-k KEY [--pass-file F]]... [--keylog F]...\n"
	      "       tlsips decrypt -i IFACE -w OUT.pcap [--key-socket PATH] [--keylog F]... [-k KEY]...\n"
	      "\n"
	      "  -r, --read FILE        capture to read (pcap or pcapng; - for stdin)\n"
	      "  -i, --interface IFACE  capture live on IFACE until SIGINT/SIGTERM\n"
	      "      --filter EXPR      BPF filter for live capture (e.g. 'tcp port 443')\n"
	      "  -w, --write FILE       pcap to write the decrypted streams to\n"
	      "  -k, --key FILE         server RSA private key: PEM, encrypted PEM or PKCS#12;\n"
	      "                         repeat for several servers\n"
	      "      --pass-file FILE   pass phrase (first line) for the -k just before it\n"
	      "      --keylog FILE      NSS key log (CLIENT_RANDOM, TLS 1.3 secrets); repeatable;\n"
	      "                         followed as it grows when capturing live\n"
	      "      --key-socket PATH  live: receive key log lines from servers on this socket\n"
	      "                         (libtlsips-keylog.so sends them)\n"
	      "      --key-socket-uid UID  a uid allowed to send on the socket (repeatable;\n"
	      "                         default: root and the user running tlsips)\n"
	      "      --key-socket-group G  group of the socket and its directory (the servers'\n"
	      "                         group), so their workers may send; mode 0660/0750\n"
	      "      --events FILE      write one JSON `tls` event per session, then `stats`\n"
	      "      --keep-undecrypted copy sessions that could not be decrypted unchanged\n"
	      "      --max-flows N      flow table size (default 65536)\n"
	      "      --progress         report progress on stderr (default: when a terminal)\n"
	      "  -q, --quiet            no per-session lines\n",
	      out);
}

static void
cli_flow_flush_held(struct cli_decrypt *d, struct cli_flow *cf)
{
	for (int dir = 0; dir < 2; dir++) {
		struct buf *b = &cf->held[dir];
		if (buf_len(b))
			cli_out_data(d->out, &cf->out, cf->flow, (enum net_dir)dir, buf_data(b),
				     buf_len(b), d->now);
		buf_fini(b, false);
	}
}

static void
cli_on_plaintext(void *ctx, void *flow_ctx, enum tls_dir dir, const uint8_t *data, size_t len)
{
	struct cli_decrypt *d = ctx;
	struct cli_flow *cf = flow_ctx;
	/* tls directions are net directions: client->server is 0 in both. */
	cli_out_data(d->out, &cf->out, cf->flow, (enum net_dir)dir, data, len, d->now);
}

static void
cli_on_tls_state(void *ctx, void *flow_ctx, const struct tls_conn_info *info)
{
	struct cli_decrypt *d = ctx;
	struct cli_flow *cf = flow_ctx;
	if (cf->decided)
		return;
	cf->decided = true;
	if (!info->decrypted && d->opt.keep_undecrypted) {
		cf->keep_raw = true;
		cli_flow_flush_held(d, cf);
	} else {
		buf_fini(&cf->held[0], false);
		buf_fini(&cf->held[1], false);
	}
}

static void
cli_on_open(void *ctx, struct net_flow *flow, const struct net_pkt *pkt)
{
	struct cli_decrypt *d = ctx;
	(void)pkt;
	struct cli_flow *cf = calloc(1, sizeof(*cf));
	if (!cf)
		return;
	cf->flow = flow;
	cf->tls = tls_conn_new(d->te, cf, flow->midstream);
	if (!cf->tls) {
		free(cf);
		return;
	}
	buf_init(&cf->held[0], CLI_HELD_MAX);
	buf_init(&cf->held[1], CLI_HELD_MAX);
	flow->app = cf;
}

static void
cli_on_data(void *ctx, struct net_flow *flow, enum net_dir dir, const uint8_t *data, size_t len,
	    uint64_t ts_usec)
{
	struct cli_decrypt *d = ctx;
	struct cli_flow *cf = flow->app;
	if (!cf)
		return;
	d->now = ts_usec;
	cf->saw_data = true;
	if (cf->keep_raw) {
		cli_out_data(d->out, &cf->out, flow, dir, data, len, ts_usec);
		return;
	}
	if (d->opt.keep_undecrypted && !cf->decided &&
	    buf_append(&cf->held[dir], data, len) != 0)
		d->held_overflows++;
	tls_conn_feed(cf->tls, (enum tls_dir)dir, data, len);
}

static void
cli_on_gap(void *ctx, struct net_flow *flow, enum net_dir dir, uint64_t len, uint64_t ts_usec)
{
	struct cli_flow *cf = flow->app;
	(void)ctx;
	(void)ts_usec;
	if (cf)
		tls_conn_gap(cf->tls, (enum tls_dir)dir, len);
}

static void
cli_report_session(struct cli_decrypt *d, struct cli_flow *cf, const struct tls_conn_info *info)
{
	const struct net_flow *f = cf->flow;
	char cli[64], srv[64];
	d->sessions++;
	static const char *const sources[] = { "none", "server_key", "keylog", "session_cache" };
	if (d->events && !log_event_tls(d->events, d->now, f, info, sources[info->key_source], NULL))
		d->event_failures++;
	if (d->opt.quiet)
		return;
	net_addr_format(&f->cli, cli, sizeof(cli));
	net_addr_format(&f->srv, srv, sizeof(srv));
	fprintf(stderr, "tls %s:%u -> %s:%u %s %s ", cli, f->cli_port, srv, f->srv_port,
		tls_version_name(info->version), info->suite ? info->suite->name : "unknown");
	if (info->decrypted) {
		fputs("decrypted", stderr);
		if (info->resumed != TLS_RESUME_NONE)
			fputs(" resumed", stderr);
		if (info->reason != TLS_REASON_NONE)
			fprintf(stderr, " partial: %s", tls_reason_name(info->reason));
		fputc('\n', stderr);
	} else {
		fprintf(stderr, "not decrypted: %s\n", tls_reason_name(info->reason));
	}
}

/* Reports a session, closes its output stream and frees it. */
static void
cli_flow_finish(struct cli_decrypt *d, struct cli_flow *cf)
{
	tls_conn_end(cf->tls);
	if (cf->saw_data)
		cli_report_session(d, cf, tls_conn_info(cf->tls));
	cli_flow_flush_held(d, cf); /* only non-empty when keeping undecided raw bytes */
	cli_out_finish(d->out, &cf->out, cf->flow, d->now);
	tls_conn_free(cf->tls);
	free(cf);
}

static void
cli_on_close(void *ctx, struct net_flow *flow, enum net_close_reason why, uint64_t ts_usec)
{
	struct cli_decrypt *d = ctx;
	struct cli_flow *cf = flow->app;
	(void)why;
	flow->app = NULL;
	if (!cf)
		return;
	if (ts_usec > d->now)
		d->now = ts_usec;
	/*
	 * Key log secrets can arrive after the connection is over (the server
	 * sends them while it answers): the session outlives its flow until
	 * they come or the engine gives up waiting.
	 */
	if (tls_conn_is_waiting(cf->tls)) {
		cf->closed = *flow;
		cf->closed.app = NULL;
		cf->flow = &cf->closed;
		cf->linger_next = d->lingering;
		d->lingering = cf;
		return;
	}
	cli_flow_finish(d, cf);
}

void
cli_decrypt_sweep(struct cli_decrypt *d, bool force)
{
	struct cli_flow **link = &d->lingering;
	while (*link) {
		struct cli_flow *cf = *link;
		if (force || !tls_conn_is_waiting(cf->tls)) {
			*link = cf->linger_next;
			cli_flow_finish(d, cf);
		} else {
			link = &cf->linger_next;
		}
	}
}

/* Parses argv; returns -1 to continue, or an exit code. */
static int
cli_decrypt_parse(int argc, char **argv, struct cli_decrypt *d)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "filter", required_argument, NULL, 'B' },
		{ "keylog", required_argument, NULL, 'L' },
		{ "key-socket", required_argument, NULL, 'S' },
		{ "key-socket-uid", required_argument, NULL, 'U' },
		{ "key-socket-group", required_argument, NULL, 'G' },
		{ "write", required_argument, NULL, 'w' },
		{ "key", required_argument, NULL, 'k' },
		{ "pass-file", required_argument, NULL, 'p' },
		{ "events", required_argument, NULL, 'e' },
		{ "keep-undecrypted", no_argument, NULL, 'K' },
		{ "max-flows", required_argument, NULL, 'F' },
		{ "progress", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key_path = NULL;
	int ch;
	d->opt.max_flows = 65536;
	d->kopt.gid = -1;
	while ((ch = getopt_long(argc, argv, "r:i:w:k:qh", longopts, NULL)) != -1) {
		if (cli_key_option(d->keys, &key_path, ch, optarg) != 0)
			return CLI_EXIT_USAGE;
		switch (ch) {
		case 'r': d->opt.in_path = optarg; break;
		case 'i': d->opt.iface = optarg; break;
		case 'B': d->opt.filter = optarg; break;
		case 'L':
			if (d->kopt.nfiles == CLI_KEYLOG_FILES_MAX) {
				fprintf(stderr, "tlsips: at most %d --keylog files\n", CLI_KEYLOG_FILES_MAX);
				return CLI_EXIT_USAGE;
			}
			d->kopt.files[d->kopt.nfiles++] = optarg;
			break;
		case 'S': d->kopt.socket_path = optarg; break;
		case 'G': {
			uint64_t gid;
			struct group *gr = getgrnam(optarg);
			if (gr) {
				d->kopt.gid = gr->gr_gid;
			} else if (num_parse_u64(optarg, strlen(optarg), 0, UINT32_MAX - 1, &gid) == 0) {
				d->kopt.gid = (int64_t)gid;
			} else {
				fprintf(stderr, "tlsips: --key-socket-group: no group '%s'\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		}
		case 'U': {
			uint64_t uid;
			if (d->kopt.nuids == TLS_KEYSOCK_UIDS_MAX ||
			    num_parse_u64(optarg, strlen(optarg), 0, UINT32_MAX - 1, &uid) != 0) {
				fprintf(stderr, "tlsips: --key-socket-uid: '%s' is not a uid (at most %d)\n",
					optarg, TLS_KEYSOCK_UIDS_MAX);
				return CLI_EXIT_USAGE;
			}
			d->kopt.uids[d->kopt.nuids++] = (uint32_t)uid;
			break;
		}
		case 'w': d->opt.out_path = optarg; break;
		case 'k': case 'p': break; /* cli_key_option took them */
		case 'e': d->opt.events_path = optarg; break;
		case 'K': d->opt.keep_undecrypted = true; break;
		case 'P': d->opt.progress = true; break;
		case 'q': d->opt.quiet = true; break;
		case 'F':
			if (num_parse_u64(optarg, strlen(optarg), 1, 1u << 24, &d->opt.max_flows) != 0) {
				fprintf(stderr, "tlsips: --max-flows: '%s' is not a number from 1 to %u\n",
					optarg, 1u << 24);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'h': cli_decrypt_usage(stdout); return CLI_EXIT_OK;
		default: cli_decrypt_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (cli_key_option(d->keys, &key_path, 0, NULL) != 0)
		return CLI_EXIT_USAGE;
	if (optind < argc) {
		fprintf(stderr, "tlsips: unexpected argument '%s'\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (!d->opt.in_path == !d->opt.iface || !d->opt.out_path) {
		fputs("tlsips: decrypt needs -w OUT and one of -r IN or -i IFACE\n", stderr);
		cli_decrypt_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (d->kopt.socket_path && !d->opt.iface) {
		fputs("tlsips: --key-socket is for live capture (-i); offline, use --keylog FILE\n",
		      stderr);
		return CLI_EXIT_USAGE;
	}
	if (d->kopt.socket_path && d->kopt.nuids == 0) {
		d->kopt.uids[d->kopt.nuids++] = 0;
		if (getuid() != 0)
			d->kopt.uids[d->kopt.nuids++] = (uint32_t)getuid();
	}
	if (tls_keystore_count(d->keys) == 0 && !cli_keys_wanted(&d->kopt))
		fputs("tlsips: warning: no keys given (-k, --keylog): nothing can be decrypted\n",
		      stderr);
	return -1;
}

void
cli_decrypt_packet(struct cli_decrypt *d, const struct capture_pkt *cp)
{
	struct net_pkt np;
	int rc = net_decode(cp->linktype, cp->data, cp->caplen, cp->wire_len, cp->ts_usec, &np);
	if (rc != 0) {
		net_engine_count_frame(d->ne, rc);
		return;
	}
	d->now = cp->ts_usec;
	tls_engine_tick(d->te, cp->ts_usec);
	net_engine_feed(d->ne, &np);
}

static void
cli_decrypt_packet_fn(void *ctx, const struct capture_pkt *cp)
{
	cli_decrypt_packet(ctx, cp);
}

static void
cli_decrypt_summary(struct cli_decrypt *d, uint64_t packets, double secs)
{
	const struct tls_stats *ts = tls_engine_stats(d->te);
	const struct net_stats *ns = net_engine_stats(d->ne);
	fprintf(stderr, "summary: %llu packets, %llu flows, %llu sessions: ",
		(unsigned long long)packets, (unsigned long long)ns->flows_created,
		(unsigned long long)d->sessions);
	cli_print_not_decrypted(stderr, ts);
	fprintf(stderr, "; %llu plaintext bytes; %llu gaps; %.2f s\n",
		(unsigned long long)ts->plaintext_bytes, (unsigned long long)ns->gaps, secs);
	for (unsigned i = 0; i < tls_keystore_count(d->keys); i++) {
		const struct tls_server_key *k = tls_keystore_key(d->keys, i);
		if (!tls_server_key_was_used(k))
			fprintf(stderr, "tlsips: warning: key %s matched no server certificate\n",
				tls_server_key_path(k));
	}
	if (d->held_overflows)
		fprintf(stderr, "tlsips: warning: %llu handshakes too large to keep undecrypted\n",
			(unsigned long long)d->held_overflows);
}

/* Output, events, engines and key log: everything but the packet source. */
static int
cli_decrypt_setup(struct cli_decrypt *d, char *err, size_t errlen)
{
	bool live = d->opt.iface != NULL;
	if (cli_keys_wanted(&d->kopt) && cli_keys_open(&d->keylog, &d->kopt, live, err, errlen) != 0)
		return CLI_EXIT_USAGE;
	if (cli_out_open(d->opt.out_path, &d->out, err, errlen) != 0)
		return CLI_EXIT_USAGE;
	if (d->opt.events_path && !(d->events = fopen(d->opt.events_path, "w"))) {
		snprintf(err, errlen, "%s: cannot create: %s", d->opt.events_path, strerror(errno));
		return CLI_EXIT_USAGE;
	}
	struct tls_sink sink = { d, cli_on_plaintext, cli_on_tls_state };
	/* Direction ends need nothing here: the flow's close finishes the session. */
	struct net_callbacks cb = { d, cli_on_open, cli_on_data, cli_on_gap, NULL, cli_on_close };
	struct net_limits lim;
	net_limits_default(&lim);
	lim.max_flows = (uint32_t)d->opt.max_flows;
	d->te = tls_engine_new(NULL, d->keys, &sink);
	d->ne = d->te ? net_engine_new(&lim, &cb) : NULL;
	if (!d->ne) {
		snprintf(err, errlen, "out of memory");
		return CLI_EXIT_INPUT;
	}
	if (d->keylog.kl)
		cli_keys_attach(&d->keylog, d->te, live);
	return 0;
}

/* Reads the file or the interface to its end; returns the packet source's status. */
static int
cli_decrypt_source(struct cli_decrypt *d, uint64_t *out_packets,
		   struct capture_file_stats *out_cap, char *err, size_t errlen)
{
	int rc;
	memset(out_cap, 0, sizeof(*out_cap));
	if (d->opt.iface) {
		struct capture_live *cl = NULL;
		if (capture_live_open(d->opt.iface, d->opt.filter, &cl, err, errlen) != 0)
			return TLSIPS_ESYS;
		rc = cli_live_loop(d, cl, out_packets);
		uint64_t dropped;
		capture_live_counts(cl, &out_cap->packets, &dropped);
		if (dropped)
			fprintf(stderr, "tlsips: warning: the kernel dropped %llu packets\n",
				(unsigned long long)dropped);
		capture_live_close(cl);
		return rc;
	}
	struct capture_file *cf = NULL;
	if (capture_file_open(d->opt.in_path, &cf, err, errlen) != 0)
		return TLSIPS_ESYS;
	rc = cli_file_read_all(cf, d->opt.progress || isatty(STDERR_FILENO), cli_decrypt_packet_fn, d,
			       out_packets);
	*out_cap = *capture_file_stats(cf);
	capture_file_close(cf);
	return rc;
}

static int
cli_decrypt_run(struct cli_decrypt *d)
{
	char err[CLI_ERR_LEN];
	int exit_code = cli_decrypt_setup(d, err, sizeof(err));
	if (exit_code != 0) {
		fprintf(stderr, "tlsips: %s\n", err);
		goto out;
	}
	double started = cli_now_seconds();
	uint64_t packets = 0;
	struct capture_file_stats cap;
	int rc = cli_decrypt_source(d, &packets, &cap, err, sizeof(err));
	if (rc == TLSIPS_ESYS && packets == 0) {
		fprintf(stderr, "tlsips: %s\n", err);
		exit_code = CLI_EXIT_INPUT;
		goto out;
	}
	if (d->now == 0) {
		/* No packet gave a time: stamp the closing events with the clock. */
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		d->now = (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
	}
	net_engine_finish(d->ne, d->now);
	cli_decrypt_sweep(d, true);
	cli_decrypt_summary(d, packets, cli_now_seconds() - started);
	cli_keys_report(&d->keylog);
	struct log_stats_src st = { .cap = &cap, .net = net_engine_stats(d->ne),
				    .tls = tls_engine_stats(d->te) };
	if (d->events && !log_event_stats(d->events, d->now, &st))
		d->event_failures++;
	exit_code = rc < 0 && packets == 0 ? CLI_EXIT_INPUT : CLI_EXIT_OK;
out:
	if (d->out && cli_out_close(d->out) != 0) {
		fprintf(stderr, "tlsips: %s: write failed\n", d->opt.out_path);
		exit_code = CLI_EXIT_INPUT;
	}
	if (d->events && (fclose(d->events) != 0 || d->event_failures)) {
		fprintf(stderr, "tlsips: %s: some events could not be written\n",
			d->opt.events_path);
		exit_code = CLI_EXIT_INPUT;
	}
	net_engine_free(d->ne);
	tls_engine_free(d->te);
	cli_keys_close(&d->keylog);
	return exit_code;
}

int
cli_decrypt_main(int argc, char **argv)
{
	struct cli_decrypt d;
	memset(&d, 0, sizeof(d));
	cli_crypto_init();
	d.keys = tls_keystore_new();
	if (!d.keys) {
		fputs("tlsips: out of memory\n", stderr);
		return CLI_EXIT_INPUT;
	}
	int rc = cli_decrypt_parse(argc, argv, &d);
	if (rc < 0)
		rc = cli_decrypt_run(&d);
	tls_keystore_free(d.keys);
	return rc;
}
