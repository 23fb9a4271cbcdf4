#include "tls_peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static void
tp_append(struct tp_trace *t, int dir, const uint8_t *b, size_t n)
{
	if (n == 0 || t->nchunks == TP_MAX_CHUNKS)
		return;
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 65536;
		while (cap < t->len + n)
			cap *= 2;
		t->bytes = realloc(t->bytes, cap);
		t->cap = cap;
	}
	memcpy(t->bytes + t->len, b, n);
	t->chunks[t->nchunks++] = (struct tp_chunk){ dir, t->len, n };
	t->len += n;
}

void
tp_trace_init(struct tp_trace *t)
{
	memset(t, 0, sizeof(*t));
}

void
tp_trace_fini(struct tp_trace *t)
{
	free(t->bytes);
	free(t->sent[0]);
	free(t->sent[1]);
	memset(t, 0, sizeof(*t));
}

static X509 *
tp_self_signed(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"tlsips.test",
				   -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_sign(x, key, EVP_sha256());
	return x;
}

static struct tp_identity tp_ids[4];

void
tp_identity_cleanup(void)
{
	for (int i = 0; i < 4; i++) {
		if (!tp_ids[i].key)
			continue;
		if (tp_ids[i].key_path[0])
			unlink(tp_ids[i].key_path);
		EVP_PKEY_free(tp_ids[i].key);
		X509_free(tp_ids[i].cert);
		tp_ids[i].key = NULL;
	}
}

const struct tp_identity *
tp_identity_from_files(const char *key_path, const char *cert_path)
{
	struct tp_identity *id = &tp_ids[2];
	FILE *f = fopen(key_path, "r");
	id->key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	f = fopen(cert_path, "r");
	id->cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	/* Not ours to delete: tp_identity_cleanup skips paths it did not write. */
	id->key_path[0] = '\0';
	return id->key && id->cert ? id : NULL;
}

static const struct tp_identity *tp_identity_make(int which, EVP_PKEY *key);

const struct tp_identity *
tp_identity_ec(void)
{
	if (tp_ids[3].key)
		return &tp_ids[3];
	return tp_identity_make(3, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
}

const struct tp_identity *
tp_identity_get(int which)
{
	if (tp_ids[which].key)
		return &tp_ids[which];
	return tp_identity_make(which, EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048));
}

static const struct tp_identity *
tp_identity_make(int which, EVP_PKEY *key)
{
	struct tp_identity *id = &tp_ids[which];
	id->key = key;
	id->cert = tp_self_signed(id->key);
	snprintf(id->key_path, sizeof(id->key_path), "/tmp/tlsips-test-key-%d-%d.pem",
		 (int)getpid(), which);
	FILE *f = fopen(id->key_path, "w");
	PEM_write_PrivateKey(f, id->key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	return id;
}

static void
tp_pump(struct tp_peers *p)
{
	uint8_t b[16384];
	int n;
	while ((n = BIO_read(p->c_out, b, sizeof(b))) > 0) {
		tp_append(p->t, 0, b, (size_t)n);
		BIO_write(p->s_in, b, n);
	}
	while ((n = BIO_read(p->s_out, b, sizeof(b))) > 0) {
		tp_append(p->t, 1, b, (size_t)n);
		BIO_write(p->c_in, b, n);
	}
}

static void
tp_keylog_line(const SSL *ssl, const char *line)
{
	struct tp_trace *t = SSL_get_app_data(ssl);
	size_t n = strlen(line);
	if (!t || t->keylog_len + n + 1 >= sizeof(t->keylog))
		return;
	memcpy(t->keylog + t->keylog_len, line, n);
	t->keylog[t->keylog_len + n] = '\n';
	t->keylog_len += n + 1;
	t->keylog[t->keylog_len] = '\0';
}

static SSL_CTX *
tp_ctx(const SSL_METHOD *m, const struct tp_options *o)
{
	SSL_CTX *ctx = SSL_CTX_new(m);
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, o->version);
	SSL_CTX_set_max_proto_version(ctx, o->version);
	if (o->version == TLS1_3_VERSION)
		SSL_CTX_set_ciphersuites(ctx, o->cipher);
	else
		SSL_CTX_set_cipher_list(ctx, o->cipher);
	SSL_CTX_set_keylog_callback(ctx, tp_keylog_line);
	/* The client offers x25519 first; a server on P-384 only forces a retry. */
	if (o->hrr)
		SSL_CTX_set1_groups_list(ctx, m == TLS_server_method() ? "P-384" : "X25519:P-384");
	uint64_t opts = 0;
	if (o->no_ems)
		opts |= SSL_OP_NO_EXTENDED_MASTER_SECRET;
	if (o->no_etm)
		opts |= SSL_OP_NO_ENCRYPT_THEN_MAC;
	if (o->no_ticket)
		opts |= SSL_OP_NO_TICKET;
	SSL_CTX_set_options(ctx, opts);
	return ctx;
}

bool
tp_peers_new(struct tp_peers *p, const struct tp_options *o, const struct tp_identity *id,
	     SSL_SESSION *session, struct tp_trace *t)
{
	static SSL_CTX *shared_sctx; /* one server context so tickets and IDs resume */
	static struct tp_options shared_opts;
	static const struct tp_identity *shared_id;
	memset(p, 0, sizeof(*p));
	p->t = t;
	if (!shared_sctx || memcmp(&shared_opts, o, sizeof(*o)) != 0 || !session ||
	    shared_id != id) {
		SSL_CTX_free(shared_sctx);
		shared_sctx = tp_ctx(TLS_server_method(), o);
		SSL_CTX_use_certificate(shared_sctx, id->cert);
		SSL_CTX_use_PrivateKey(shared_sctx, id->key);
		SSL_CTX_set_session_cache_mode(shared_sctx, SSL_SESS_CACHE_SERVER);
		SSL_CTX_set_dh_auto(shared_sctx, 1); /* DHE suites need parameters */
		if (o->early)
			SSL_CTX_set_max_early_data(shared_sctx, 16384);
		/* OpenSSL 3 refuses client-initiated renegotiation unless asked. */
		SSL_CTX_set_options(shared_sctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
		SSL_CTX_set_session_id_context(shared_sctx, (const unsigned char *)"tp", 2);
		shared_opts = *o;
		shared_id = id;
	}
	SSL_CTX_up_ref(shared_sctx);
	p->sctx = shared_sctx;
	p->cctx = tp_ctx(TLS_client_method(), o);
	p->c = SSL_new(p->cctx);
	p->s = SSL_new(p->sctx);
	p->c_in = BIO_new(BIO_s_mem());
	p->c_out = BIO_new(BIO_s_mem());
	p->s_in = BIO_new(BIO_s_mem());
	p->s_out = BIO_new(BIO_s_mem());
	SSL_set_bio(p->c, p->c_in, p->c_out);
	SSL_set_bio(p->s, p->s_in, p->s_out);
	SSL_set_connect_state(p->c);
	SSL_set_accept_state(p->s);
	SSL_set_tlsext_host_name(p->c, "tlsips.test");
	SSL_set_app_data(p->c, t); /* the client's key log lines go to the trace */
	if (session)
		SSL_set_session(p->c, session);
	return p->c && p->s;
}

bool
tp_handshake(struct tp_peers *p)
{
	for (int i = 0; i < 50; i++) {
		int rc = SSL_do_handshake(p->c);
		tp_pump(p);
		int rs = SSL_do_handshake(p->s);
		tp_pump(p);
		if (rc == 1 && rs == 1) {
			/* Let the client read any NewSessionTicket. */
			uint8_t b[1];
			SSL_read(p->c, b, 1);
			tp_pump(p);
			return true;
		}
	}
	ERR_print_errors_fp(stderr);
	return false;
}

bool
tp_handshake_early(struct tp_peers *p, const uint8_t *data, size_t len)
{
	size_t done = 0;
	if (SSL_write_early_data(p->c, data, len, &done) != 1 || done != len) {
		ERR_print_errors_fp(stderr);
		fprintf(stderr, "tp: early data not written\n");
		return false;
	}
	tp_pump(p);
	for (int i = 0; i < 50; i++) {
		uint8_t b[16384];
		size_t n = 0;
		int r = SSL_read_early_data(p->s, b, sizeof(b), &n);
		tp_pump(p);
		if (r == SSL_READ_EARLY_DATA_ERROR) {
			if (SSL_get_error(p->s, r) != SSL_ERROR_WANT_READ) {
				ERR_print_errors_fp(stderr);
				return false;
			}
			/* The server waits for EndOfEarlyData: let the client go on. */
			SSL_do_handshake(p->c);
			tp_pump(p);
		}
		if (r == SSL_READ_EARLY_DATA_FINISH)
			break;
	}
	if (!tp_handshake(p) || SSL_get_early_data_status(p->c) != SSL_EARLY_DATA_ACCEPTED) {
		fprintf(stderr, "tp: early data status %d\n", SSL_get_early_data_status(p->c));
		return false;
	}
	struct tp_trace *t = p->t;
	t->sent[0] = realloc(t->sent[0], t->sent_len[0] + len);
	memcpy(t->sent[0] + t->sent_len[0], data, len);
	t->sent_len[0] += len;
	return true;
}

bool
tp_send(struct tp_peers *p, int dir, const uint8_t *data, size_t len)
{
	SSL *from = dir == 0 ? p->c : p->s, *to = dir == 0 ? p->s : p->c;
	struct tp_trace *t = p->t;
	size_t off = 0;
	while (off < len) {
		int n = SSL_write(from, data + off, (int)(len - off));
		if (n <= 0)
			return false;
		off += (size_t)n;
		tp_pump(p);
		uint8_t b[16384];
		while (SSL_pending(to) > 0 || BIO_ctrl_pending(SSL_get_rbio(to)) > 0) {
			int r = SSL_read(to, b, sizeof(b));
			tp_pump(p);
			if (r <= 0)
				break;
		}
	}
	t->sent[dir] = realloc(t->sent[dir], t->sent_len[dir] + len);
	memcpy(t->sent[dir] + t->sent_len[dir], data, len);
	t->sent_len[dir] += len;
	return true;
}

bool
tp_key_update(struct tp_peers *p, int dir)
{
	SSL *from = dir == 0 ? p->c : p->s, *to = dir == 0 ? p->s : p->c;
	uint8_t b[1];
	if (SSL_key_update(from, SSL_KEY_UPDATE_NOT_REQUESTED) != 1 || SSL_do_handshake(from) != 1)
		return false;
	tp_pump(p);
	SSL_read(to, b, 1);
	tp_pump(p);
	return true;
}

bool
tp_renegotiate(struct tp_peers *p)
{
	if (SSL_renegotiate(p->c) != 1)
		return false;
	uint8_t b[1];
	for (int i = 0; i < 20; i++) {
		SSL_do_handshake(p->c);
		tp_pump(p);
		SSL_read(p->s, b, 1);
		tp_pump(p);
		SSL_read(p->c, b, 1);
		tp_pump(p);
		if (!SSL_renegotiate_pending(p->c))
			return true;
	}
	return false;
}

void
tp_close(struct tp_peers *p)
{
	SSL_shutdown(p->c);
	tp_pump(p);
	SSL_shutdown(p->s);
	tp_pump(p);
}

void
tp_peers_free(struct tp_peers *p)
{
	SSL_free(p->c);
	SSL_free(p->s);
	SSL_CTX_free(p->cctx);
	SSL_CTX_free(p->sctx);
	memset(p, 0, sizeof(*p));
}

void
tp_collect_plaintext(void *ctx, void *flow_ctx, enum tls_dir dir, const uint8_t *d, size_t n)
{
	struct tp_collect *c = ctx;
	(void)flow_ctx;
	c->b[dir] = realloc(c->b[dir], c->len[dir] + n);
	memcpy(c->b[dir] + c->len[dir], d, n);
	c->len[dir] += n;
}

void
tp_collect_state(void *ctx, void *flow_ctx, const struct tls_conn_info *info)
{
	struct tp_collect *c = ctx;
	(void)flow_ctx, (void)info;
	c->state_calls++;
}

void
tp_collect_free(struct tp_collect *c)
{
	free(c->b[0]);
	free(c->b[1]);
	memset(c, 0, sizeof(*c));
}
