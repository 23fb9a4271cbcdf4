/*
 * Writes the tls_record seed corpus: real sessions between OpenSSL peers
 * using the fuzz key, framed as fuzz_tls_record reads them.
 * usage: make_seeds KEY.pem CERT.pem OUTDIR
 */
#include <stdio.h>
#include <string.h>

#include "tls_peer.h"

static void
write_chunk(FILE *f, uint8_t kind, const uint8_t *b, size_t len)
{
	for (size_t off = 0; off < len; off += 65535) {
		size_t n = len - off < 65535 ? len - off : 65535;
		uint8_t hdr[3] = { kind, (uint8_t)(n >> 8), (uint8_t)n };
		fwrite(hdr, 1, 3, f);
		fwrite(b + off, 1, n, f);
	}
}

/* keylog: 0 none, 1 before the records, 2 after them (late keys). */
static void
write_framed(const struct tp_trace *t, const char *dir, const char *name, int keylog)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	if (keylog == 1)
		write_chunk(f, 2, (const uint8_t *)t->keylog, t->keylog_len);
	for (size_t i = 0; i < t->nchunks; i++) {
		const struct tp_chunk *c = &t->chunks[i];
		write_chunk(f, (uint8_t)c->dir, t->bytes + c->off, c->len);
	}
	if (keylog == 2)
		write_chunk(f, 2, (const uint8_t *)t->keylog, t->keylog_len);
	fclose(f);
}

static const uint8_t req[] = "GET /?id=1%27%20or%201=1-- HTTP/1.1\r\nHost: fuzz.test\r\n\r\n";

static void
session(const struct tp_identity *id, const struct tp_options *o, bool reneg, const char *dir,
	const char *name, int keylog)
{
	struct tp_trace t;
	struct tp_peers p;
	tp_trace_init(&t);
	if (tp_peers_new(&p, o, id, NULL, &t) && tp_handshake(&p)) {
		tp_send(&p, 0, req, sizeof(req) - 1);
		if (reneg && o->version == TLS1_3_VERSION)
			tp_key_update(&p, 0);
		else if (reneg)
			tp_renegotiate(&p);
		tp_send(&p, 1, req, sizeof(req) - 1);
		tp_close(&p);
		write_framed(&t, dir, name, keylog);
	}
	tp_peers_free(&p);
	tp_trace_fini(&t);
}

int
main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	const struct tp_identity *id = tp_identity_from_files(argv[1], argv[2]);
	if (!id)
		return 1;
	/* keylog: 0 none (server key), 1 key log before the records, 2 after them. */
	const struct {
		const char *cipher;
		int version;
		bool no_ems, no_etm, reneg, hrr;
		int keylog;
	} rows[] = {
		{ "AES128-GCM-SHA256", TLS1_2_VERSION, false, false, false, false, 0 },
		{ "AES256-GCM-SHA384", TLS1_2_VERSION, true, false, false, false, 0 },
		{ "AES128-SHA", TLS1_VERSION, false, false, false, false, 0 },
		{ "AES128-SHA", TLS1_1_VERSION, false, true, false, false, 0 },
		{ "AES256-SHA256", TLS1_2_VERSION, false, false, true, false, 0 },
		{ "AES128-CCM8", TLS1_2_VERSION, false, false, false, false, 0 },
		{ "CAMELLIA128-SHA", TLS1_2_VERSION, true, true, false, false, 0 },
		{ "ECDHE-RSA-AES128-GCM-SHA256", TLS1_2_VERSION, false, false, false, false, 0 },
		{ "ECDHE-RSA-CHACHA20-POLY1305", TLS1_2_VERSION, false, false, false, false, 1 },
		{ "DHE-RSA-AES128-SHA256", TLS1_2_VERSION, false, false, false, false, 2 },
		{ "TLS_AES_128_GCM_SHA256", TLS1_3_VERSION, false, false, true, false, 1 },
		{ "TLS_AES_256_GCM_SHA384", TLS1_3_VERSION, false, false, false, true, 1 },
		{ "TLS_CHACHA20_POLY1305_SHA256", TLS1_3_VERSION, false, false, false, false, 2 },
		{ "TLS_AES_128_CCM_8_SHA256", TLS1_3_VERSION, false, false, false, false, 1 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tp_options o = { rows[i].cipher, rows[i].version, rows[i].no_ems,
					rows[i].no_etm, false, rows[i].hrr, false };
		char name[128];
		snprintf(name, sizeof(name), "%s-%x%s%s%s%s%s", rows[i].cipher, rows[i].version,
			 rows[i].no_ems ? "-noems" : "", rows[i].no_etm ? "-noetm" : "",
			 rows[i].reneg ? "-reneg" : "", rows[i].hrr ? "-hrr" : "",
			 rows[i].keylog == 1 ? "-keylog" : rows[i].keylog == 2 ? "-latekeys" : "");
		session(id, &o, rows[i].reneg, argv[3], name, rows[i].keylog);
	}
	tp_identity_cleanup();
	return 0;
}
