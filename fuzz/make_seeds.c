/*
 * Writes the tls_record seed corpus: real sessions between OpenSSL peers
 * using the fuzz key, framed as fuzz_tls_record reads them.
 * usage: make_seeds KEY.pem CERT.pem OUTDIR
 */
#include <stdio.h>
#include <string.h>

#include "tls_peer.h"

static void
write_framed(const struct tp_trace *t, const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	for (size_t i = 0; i < t->nchunks; i++) {
		const struct tp_chunk *c = &t->chunks[i];
		for (size_t off = 0; off < c->len; off += 65535) {
			size_t n = c->len - off < 65535 ? c->len - off : 65535;
			uint8_t hdr[3] = { (uint8_t)c->dir, (uint8_t)(n >> 8), (uint8_t)n };
			fwrite(hdr, 1, 3, f);
			fwrite(t->bytes + c->off + off, 1, n, f);
		}
	}
	fclose(f);
}

static const uint8_t req[] = "GET /?id=1%27%20or%201=1-- HTTP/1.1\r\nHost: fuzz.test\r\n\r\n";

static void
session(const struct tp_identity *id, const struct tp_options *o, bool reneg, const char *dir,
	const char *name)
{
	struct tp_trace t;
	struct tp_peers p;
	tp_trace_init(&t);
	if (tp_peers_new(&p, o, id, NULL, &t) && tp_handshake(&p)) {
		tp_send(&p, 0, req, sizeof(req) - 1);
		if (reneg)
			tp_renegotiate(&p);
		tp_send(&p, 1, req, sizeof(req) - 1);
		tp_close(&p);
		write_framed(&t, dir, name);
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
	const struct { const char *cipher; int version; bool no_ems, no_etm, reneg; } rows[] = {
		{ "AES128-GCM-SHA256", TLS1_2_VERSION, false, false, false },
		{ "AES256-GCM-SHA384", TLS1_2_VERSION, true, false, false },
		{ "AES128-SHA", TLS1_VERSION, false, false, false },
		{ "AES128-SHA", TLS1_1_VERSION, false, true, false },
		{ "AES256-SHA256", TLS1_2_VERSION, false, false, true },
		{ "AES128-CCM8", TLS1_2_VERSION, false, false, false },
		{ "CAMELLIA128-SHA", TLS1_2_VERSION, true, true, false },
		{ "ECDHE-RSA-AES128-GCM-SHA256", TLS1_2_VERSION, false, false, false },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tp_options o = { rows[i].cipher, rows[i].version, rows[i].no_ems,
					rows[i].no_etm, false };
		char name[128];
		snprintf(name, sizeof(name), "%s-%x%s%s%s", rows[i].cipher, rows[i].version,
			 rows[i].no_ems ? "-noems" : "", rows[i].no_etm ? "-noetm" : "",
			 rows[i].reneg ? "-reneg" : "");
		session(id, &o, rows[i].reneg, argv[3], name);
	}
	tp_identity_cleanup();
	return 0;
}
