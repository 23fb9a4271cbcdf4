/*
 * tls_peer: real OpenSSL client and server (libssl, tests only) talking
 * over memory BIOs. Every byte either side puts on the wire is recorded in
 * wire order as a trace of (direction, bytes) chunks, which tests feed to
 * the engine; what each side sent as application data is kept to compare.
 */
#ifndef TLSIPS_TEST_TLS_PEER_H
#define TLSIPS_TEST_TLS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "tls/tls.h"

enum { TP_MAX_CHUNKS = 4096 };

struct tp_chunk {
	int dir; /* 0: client to server, 1: server to client */
	size_t off, len;
};

struct tp_trace {
	uint8_t *bytes;
	size_t len, cap;
	struct tp_chunk chunks[TP_MAX_CHUNKS];
	size_t nchunks;
	uint8_t *sent[2]; /* application data per direction */
	size_t sent_len[2];
	char keylog[16384]; /* the client's NSS key log lines for this trace */
	size_t keylog_len;
};

struct tp_options {
	const char *cipher;   /* TLS 1.2-and-earlier cipher list; for TLS 1.3 the ciphersuites */
	int version;          /* TLS1_2_VERSION, TLS1_1_VERSION, ... */
	bool no_ems, no_etm, no_ticket;
	bool hrr; /* TLS 1.3: the server insists on a group the client did not send a share for */
	bool early; /* TLS 1.3: the server accepts 0-RTT early data on resumption */
};

/* A server identity: RSA key and self-signed certificate, and the key's PEM file. */
struct tp_identity {
	EVP_PKEY *key;
	X509 *cert;
	char key_path[256];
};

struct tp_peers {
	SSL_CTX *cctx, *sctx;
	SSL *c, *s;
	BIO *c_in, *c_out, *s_in, *s_out;
	struct tp_trace *t;
};

/* Makes an RSA-2048 identity (once per process, cached) and writes the key to a temp file. */
const struct tp_identity *tp_identity_get(int which);
/* An ECDSA P-256 identity (index 3), for ECDHE-ECDSA suites. */
const struct tp_identity *tp_identity_ec(void);
/* Identity 2 loaded from PEM files (key and certificate); NULL on failure. */
const struct tp_identity *tp_identity_from_files(const char *key_path, const char *cert_path);
/* Removes the key files and frees the identities. */
void tp_identity_cleanup(void);

void tp_trace_init(struct tp_trace *t);
void tp_trace_fini(struct tp_trace *t);

/* Sets up both peers; session may be NULL or a session to resume. */
bool tp_peers_new(struct tp_peers *p, const struct tp_options *o, const struct tp_identity *id,
		  SSL_SESSION *session, struct tp_trace *t);
bool tp_handshake(struct tp_peers *p);
/* A resumed TLS 1.3 handshake whose client sends len bytes as 0-RTT early data. */
bool tp_handshake_early(struct tp_peers *p, const uint8_t *data, size_t len);
/* Sends len bytes from dir (0 client, 1 server) and has the other side read them. */
bool tp_send(struct tp_peers *p, int dir, const uint8_t *data, size_t len);
/* TLS 1.3 KeyUpdate sent by dir (0 client, 1 server). */
bool tp_key_update(struct tp_peers *p, int dir);
/* Client-initiated renegotiation. */
bool tp_renegotiate(struct tp_peers *p);
/* close_notify both ways. */
void tp_close(struct tp_peers *p);
void tp_peers_free(struct tp_peers *p);

/* What an engine handed to its sink: plaintext per direction, state calls. */
struct tp_collect {
	uint8_t *b[2];
	size_t len[2];
	int state_calls;
};

/* Sink callbacks for a struct tp_collect passed as the sink's ctx. */
void tp_collect_plaintext(void *ctx, void *flow_ctx, enum tls_dir dir, const uint8_t *d, size_t n);
void tp_collect_state(void *ctx, void *flow_ctx, const struct tls_conn_info *info);
void tp_collect_free(struct tp_collect *c);

#endif
