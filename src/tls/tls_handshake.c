/*
 * Handshake layer (RFC 5246 7.4, SSL 3.0 RFC 6101 5.6): reassembles
 * messages that span records, parses the ones that carry what decryption
 * needs, and drives the key schedule.
 *
 *   struct {
 *       HandshakeType msg_type;   -- 1 byte
 *       uint24 length;
 *       body[length];
 *   } Handshake;
 *
 * Messages of one handshake in wire order:
 *   full:        ClientHello, ServerHello, Certificate, [ServerKeyExchange],
 *                [CertificateRequest], ServerHelloDone, [Certificate],
 *                ClientKeyExchange, [CertificateVerify], CCS, Finished,
 *                [NewSessionTicket], CCS, Finished
 *   abbreviated: ClientHello, ServerHello, [NewSessionTicket], CCS, Finished,
 *                CCS, Finished
 * A ClientHello inside protected records starts a renegotiation.
 */
#include <string.h>

#include <openssl/evp.h>

#include "tls/tls_int.h"
#include "tls/tls_secret.h"

void
tls_hs_free(struct tls_hs *hs)
{
	if (!hs)
		return;
	EVP_MD_CTX_free(hs->transcript);
	buf_fini(&hs->client_hello, false);
	tls_cipher_free(hs->pending[0]);
	tls_cipher_free(hs->pending[1]);
	tls_secmem_free(hs, sizeof(*hs));
}

static void
tls_hs_copy_printable(char *out, size_t out_len, struct view v)
{
	size_t n = 0;
	for (size_t i = 0; i < v.len && n + 1 < out_len; i++)
		out[n++] = (v.ptr[i] >= 0x20 && v.ptr[i] < 0x7f) ? (char)v.ptr[i] : '?';
	out[n] = '\0';
}

/* server_name (RFC 6066 3): list<2> of { type(1), HostName<2> }; keeps the host_name. */
static void
tls_hs_parse_sni(struct tls_conn *c, struct rd *ext)
{
	struct rd list = rd_child16(ext);
	while (rd_left(&list) > 0) {
		uint8_t type = rd_u8(&list);
		struct rd name = rd_child16(&list);
		if (rd_ok(&name) && type == 0) {
			tls_hs_copy_printable(c->info.sni, sizeof(c->info.sni), rd_rest(&name));
			return;
		}
	}
}

/* ALPN (RFC 7301 3.1) from the server: exactly one ProtocolName<1>. */
void
tls_hs_parse_alpn(struct tls_conn *c, struct rd *ext)
{
	struct rd list = rd_child16(ext);
	struct rd name = rd_child8(&list);
	if (rd_ok(&name) && rd_left(&name) > 0)
		tls_hs_copy_printable(c->info.alpn, sizeof(c->info.alpn), rd_rest(&name));
}

static bool
tls_hs_sha256(struct view v, uint8_t out[TLS_CACHE_KEY_LEN])
{
	unsigned len = 0;
	return EVP_Digest(v.ptr, v.len, out, &len, EVP_sha256(), NULL) == 1;
}

static void
tls_hs_client_hello(struct tls_conn *c, struct rd *body, const uint8_t *msg, size_t msg_len)
{
	/* RFC 8446 4.1.2: after a HelloRetryRequest the same handshake goes on. */
	if (c->hs && c->hs->hrr) {
		c->hs->hrr = false;
		return;
	}
	/* A new hello (first, or renegotiation) starts afresh. */
	tls_hs_free(c->hs);
	struct tls_hs *hs = c->hs = tls_secmem_alloc(sizeof(*hs));
	if (!hs) {
		tls_conn_fail_both(c, TLS_REASON_LIMIT);
		return;
	}
	c->info.handshakes++;
	c->te->stats.handshakes++;
	buf_init(&hs->client_hello, TLS_CLIENT_HELLO_MAX);
	if (buf_append(&hs->client_hello, msg, msg_len) != 0) {
		tls_conn_fail_both(c, TLS_REASON_LIMIT);
		return;
	}
	rd_u16(body); /* client_version: the server's choice is what counts */
	struct view random = rd_bytes(body, TLS_RANDOM_LEN);
	struct rd sid = rd_child8(body);
	rd_child16(body); /* cipher_suites */
	rd_child8(body);  /* compression_methods */
	if (!rd_ok(body) || !rd_ok(&sid) || rd_left(&sid) > TLS_SESSION_ID_MAX) {
		tls_conn_fail_both(c, TLS_REASON_MALFORMED);
		return;
	}
	memcpy(hs->client_random, random.ptr, TLS_RANDOM_LEN);
	hs->client_sid_len = (uint8_t)rd_left(&sid);
	memcpy(hs->client_sid, sid.pos, hs->client_sid_len);
	if (rd_left(body) == 0)
		return; /* no extensions (SSL 3.0 and old clients) */
	struct rd exts = rd_child16(body);
	while (rd_left(&exts) > 0) {
		uint16_t type = rd_u16(&exts);
		struct rd ext = rd_child16(&exts);
		switch (type) {
		case TLS_EXT_SERVER_NAME:
			tls_hs_parse_sni(c, &ext);
			break;
		case TLS_EXT_ENCRYPT_THEN_MAC:
			hs->client_etm = true;
			break;
		case TLS_EXT_EXTENDED_MASTER_SECRET:
			hs->client_ems = true;
			break;
		case TLS_EXT_EARLY_DATA:
			hs->early_offered = true;
			break;
		case TLS_EXT_SESSION_TICKET:
			/* RFC 5077 3.2: a non-empty extension presents a ticket. */
			if (rd_left(&ext) > 0)
				hs->ticket_offered = tls_hs_sha256(rd_rest(&ext), hs->ticket_hash);
			break;
		default:
			break;
		}
	}
	if (!rd_ok(&exts))
		tls_conn_fail_both(c, TLS_REASON_MALFORMED);
	/* RFC 8446 4.2.10: 0-RTT records follow at once, before any ServerHello
	 * names their suite: keep them until it does. */
	if (hs->early_offered)
		c->half[TLS_DIR_CLIENT].awaiting = true;
}

/* Applies an acquire result: fail with its reason; 0 and TLSIPS_AGAIN go on. */
static void
tls_hs_apply(struct tls_conn *c, int rc)
{
	if (rc > 0)
		tls_conn_fail_both(c, (enum tls_reason)rc);
}

/* Starts the RFC 7627 session hash now that the hash function is known. */
static bool
tls_hs_start_transcript(struct tls_hs *hs, const uint8_t *msg, size_t msg_len)
{
	const char *md_name = tls_prf_session_hash_md(hs->version, hs->suite);
	const EVP_MD *md = md_name ? EVP_get_digestbyname(md_name) : NULL;
	hs->transcript = md ? EVP_MD_CTX_new() : NULL;
	if (!hs->transcript || EVP_DigestInit_ex(hs->transcript, md, NULL) != 1 ||
	    EVP_DigestUpdate(hs->transcript, buf_data(&hs->client_hello),
			     buf_len(&hs->client_hello)) != 1 ||
	    EVP_DigestUpdate(hs->transcript, msg, msg_len) != 1)
		return false;
	return true;
}

static void
tls_hs_server_hello_exts(struct tls_conn *c, struct rd *body)
{
	struct tls_hs *hs = c->hs;
	if (rd_left(body) == 0)
		return;
	struct rd exts = rd_child16(body);
	while (rd_left(&exts) > 0) {
		uint16_t type = rd_u16(&exts);
		struct rd ext = rd_child16(&exts);
		switch (type) {
		case TLS_EXT_ALPN:
			tls_hs_parse_alpn(c, &ext);
			break;
		case TLS_EXT_ENCRYPT_THEN_MAC:
			hs->etm = hs->client_etm;
			break;
		case TLS_EXT_EXTENDED_MASTER_SECRET:
			hs->ems = hs->client_ems;
			break;
		case TLS_EXT_SUPPORTED_VERSIONS:
			/* RFC 8446 4.2.1: the server's selected_version. */
			hs->version = rd_u16(&ext);
			break;
		case TLS_EXT_PRE_SHARED_KEY:
			/* RFC 8446 4.2.11: the server resumes (or uses an external PSK). */
			hs->psk_accepted = true;
			break;
		default:
			break;
		}
	}
	if (!rd_ok(&exts))
		tls_conn_fail_both(c, TLS_REASON_MALFORMED);
}

static void
tls_hs_server_hello(struct tls_conn *c, struct rd *body, const uint8_t *msg, size_t msg_len)
{
	struct tls_hs *hs = c->hs;
	/* RFC 5246 7.4: one ServerHello per handshake. */
	if (hs->server_hello_seen) {
		tls_conn_fail_both(c, TLS_REASON_MALFORMED);
		return;
	}
	hs->version = rd_u16(body);
	struct view random = rd_bytes(body, TLS_RANDOM_LEN);
	struct rd sid = rd_child8(body);
	uint16_t suite_id = rd_u16(body);
	uint8_t compression = rd_u8(body);
	if (!rd_ok(body) || !rd_ok(&sid) || rd_left(&sid) > TLS_SESSION_ID_MAX) {
		tls_conn_fail_both(c, TLS_REASON_MALFORMED);
		return;
	}
	memcpy(hs->server_random, random.ptr, TLS_RANDOM_LEN);
	hs->server_sid_len = (uint8_t)rd_left(&sid);
	memcpy(hs->server_sid, sid.pos, hs->server_sid_len);
	hs->server_hello_seen = true;
	tls_hs_server_hello_exts(c, body);
	if (c->half[TLS_DIR_SERVER].stopped)
		return;
	hs->suite = tls_suite_find(suite_id);
	c->info.version = hs->version;
	c->info.suite_id = suite_id;
	c->info.suite = hs->suite;
	if (hs->suite && hs->suite->kind != TLS_CIPHER_CBC)
		hs->etm = false; /* RFC 7366 3: encrypt-then-MAC applies to CBC only */
	if (compression != 0) {
		tls_conn_fail_both(c, TLS_REASON_COMPRESSION);
		return;
	}
	if (hs->version == TLS_V_TLS13) {
		tls_hs13_server_hello(c);
		return;
	}
	if (!hs->suite || hs->version < TLS_V_SSL3 || hs->version > TLS_V_TLS12 ||
	    hs->suite->kx == TLS_KX_TLS13) {
		tls_conn_fail_both(c, TLS_REASON_UNSUPPORTED_SUITE);
		return;
	}
	if (hs->ems && hs->version != TLS_V_SSL3 && !tls_hs_start_transcript(hs, msg, msg_len)) {
		tls_conn_fail_both(c, TLS_REASON_LIMIT);
		return;
	}
	buf_fini(&hs->client_hello, false);
	/* RFC 5246 7.4.1.3 / RFC 5077 3.4: an echoed session ID means resumption. */
	if (hs->server_sid_len > 0 && hs->server_sid_len == hs->client_sid_len &&
	    memcmp(hs->server_sid, hs->client_sid, hs->server_sid_len) == 0)
		tls_hs_apply(c, tls_keys_resume(c));
}

/* Certificate (RFC 5246 7.4.2): certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
static void
tls_hs_certificate(struct tls_conn *c, struct rd *body)
{
	struct tls_hs *hs = c->hs;
	struct rd list = rd_child24(body);
	struct rd cert = rd_child24(&list);
	if (!rd_ok(&cert) || !rd_done(body)) {
		tls_conn_fail_both(c, TLS_REASON_MALFORMED);
		return;
	}
	hs->cert_seen = true;
	if (c->te->keys)
		hs->key = tls_keystore_match_cert(c->te->keys, cert.pos, rd_left(&cert));
}

static const struct tls_server_key *
tls_hs_pick_key(struct tls_conn *c)
{
	if (!c->te->keys)
		return NULL;
	if (c->hs->cert_seen)
		return c->hs->key;
	return tls_keystore_sole(c->te->keys);
}

static void
tls_hs_client_key_exchange(struct tls_conn *c, struct rd *body)
{
	struct tls_hs *hs = c->hs;
	hs->cke_seen = true;
	if (hs->transcript) {
		if (EVP_DigestFinal_ex(hs->transcript, hs->session_hash, &hs->session_hash_len) != 1) {
			tls_conn_fail_both(c, TLS_REASON_LIMIT);
			return;
		}
		EVP_MD_CTX_free(hs->transcript);
		hs->transcript = NULL;
	}
	if (tls_keys_full_keylog(c) == 0) {
		c->te->stats.full_handshakes++;
		return;
	}
	if (hs->suite->kx != TLS_KX_RSA) {
		tls_hs_apply(c, tls_keys_missing(c, TLS_REASON_UNSUPPORTED_SUITE));
		return;
	}
	const struct tls_server_key *key = tls_hs_pick_key(c);
	if (!key) {
		tls_hs_apply(c, tls_keys_missing(c, TLS_REASON_NO_KEY));
		return;
	}
	/* RFC 5246 7.4.7.1: EncryptedPreMasterSecret<0..2^16-1>; SSL 3.0 has no length. */
	struct view enc;
	if (hs->version == TLS_V_SSL3) {
		enc = rd_rest(body);
	} else {
		struct rd v = rd_child16(body);
		enc = rd_rest(&v);
		if (!rd_ok(&v) || !rd_done(body)) {
			tls_conn_fail_both(c, TLS_REASON_MALFORMED);
			return;
		}
	}
	uint8_t pms[48];
	c->te->stats.rsa_decrypts++;
	if (tls_server_key_decrypt_pms(key, enc.ptr, enc.len, pms) != 0) {
		c->te->stats.rsa_failures++;
		tls_conn_fail_both(c, TLS_REASON_KEY_MISMATCH);
		return;
	}
	int rc = tls_keys_from_pms(c, pms, sizeof(pms));
	OPENSSL_cleanse(pms, sizeof(pms));
	if (rc != 0)
		tls_conn_fail_both(c, TLS_REASON_UNSUPPORTED_SUITE);
	else
		c->te->stats.full_handshakes++;
}

/* NewSessionTicket (RFC 5077 3.3): lifetime_hint(4), ticket<0..2^16-1>. */
static void
tls_hs_new_session_ticket(struct tls_conn *c, struct rd *body)
{
	struct tls_hs *hs = c->hs;
	rd_u32(body);
	struct rd ticket = rd_child16(body);
	if (!rd_ok(&ticket) || !rd_done(body)) {
		tls_conn_fail_both(c, TLS_REASON_MALFORMED);
		return;
	}
	/* A ticket before any key exchange: the server accepted the offered one. */
	if (!hs->have_master && !hs->cke_seen && !hs->keys_pending) {
		tls_hs_apply(c, tls_keys_resume(c));
		if (c->half[TLS_DIR_SERVER].stopped)
			return;
	}
	uint8_t hash[TLS_CACHE_KEY_LEN];
	if (rd_left(&ticket) > 0 && hs->have_master && tls_hs_sha256(rd_rest(&ticket), hash))
		tls_session_cache_put(c->te->cache, TLS_CACHE_TICKET, hash, sizeof(hash),
				      hs->version, c->info.suite_id, hs->master);
}

static void
tls_hs_finished(struct tls_conn *c, enum tls_dir dir)
{
	struct tls_hs *hs = c->hs;
	hs->finished_seen[dir] = true;
	if (hs->finished_seen[TLS_DIR_CLIENT] && hs->finished_seen[TLS_DIR_SERVER]) {
		tls_hs_free(hs);
		c->hs = NULL;
	}
}

/* Which side may send each message type; -1 for types we do not expect. */
static int
tls_hs_sender(uint8_t type)
{
	switch (type) {
	case TLS_HS_CLIENT_HELLO:
	case TLS_HS_CLIENT_KEY_EXCHANGE:
	case TLS_HS_CERTIFICATE_VERIFY:
		return TLS_DIR_CLIENT;
	case TLS_HS_HELLO_REQUEST:
	case TLS_HS_SERVER_HELLO:
	case TLS_HS_NEW_SESSION_TICKET:
	case TLS_HS_SERVER_KEY_EXCHANGE:
	case TLS_HS_CERTIFICATE_REQUEST:
	case TLS_HS_SERVER_HELLO_DONE:
		return TLS_DIR_SERVER;
	case TLS_HS_CERTIFICATE:
	case TLS_HS_FINISHED:
		return 2; /* either side */
	default:
		return -1;
	}
}

static void
tls_hs_message(struct tls_conn *c, enum tls_dir dir, const uint8_t *msg, size_t msg_len)
{
	uint8_t type = msg[0];
	struct rd body = rd_make(msg + TLS_HS_HEADER, msg_len - TLS_HS_HEADER);
	int sender = tls_hs_sender(type);
	if (type == TLS_HS_HELLO_REQUEST && !c->tls13)
		return; /* RFC 5246 7.4.1.1: not part of any handshake */
	if (c->tls13 && type != TLS_HS_CLIENT_HELLO && type != TLS_HS_SERVER_HELLO) {
		tls_hs13_message(c, dir, type, &body);
		return;
	}
	if (sender < 0 || (sender != 2 && sender != (int)dir) ||
	    (type != TLS_HS_CLIENT_HELLO && !c->hs)) {
		tls_conn_fail_both(c, c->hs || c->info.handshakes ? TLS_REASON_MALFORMED
								  : TLS_REASON_NO_HANDSHAKE);
		return;
	}
	struct tls_hs *hs = c->hs;
	if (type != TLS_HS_CLIENT_HELLO && type != TLS_HS_SERVER_HELLO && hs->transcript &&
	    EVP_DigestUpdate(hs->transcript, msg, msg_len) != 1) {
		tls_conn_fail_both(c, TLS_REASON_LIMIT);
		return;
	}
	if (type != TLS_HS_CLIENT_HELLO && type != TLS_HS_SERVER_HELLO && !hs->server_hello_seen) {
		tls_conn_fail_both(c, TLS_REASON_MALFORMED);
		return;
	}
	switch (type) {
	case TLS_HS_CLIENT_HELLO:
		tls_hs_client_hello(c, &body, msg, msg_len);
		break;
	case TLS_HS_SERVER_HELLO:
		tls_hs_server_hello(c, &body, msg, msg_len);
		break;
	case TLS_HS_CERTIFICATE:
		if (dir == TLS_DIR_SERVER)
			tls_hs_certificate(c, &body);
		break;
	case TLS_HS_CLIENT_KEY_EXCHANGE:
		tls_hs_client_key_exchange(c, &body);
		break;
	case TLS_HS_NEW_SESSION_TICKET:
		tls_hs_new_session_ticket(c, &body);
		break;
	case TLS_HS_FINISHED:
		tls_hs_finished(c, dir);
		break;
	default:
		break;
	}
}

void
tls_handshake_feed(struct tls_conn *c, enum tls_dir dir, const uint8_t *data, size_t len)
{
	struct tls_half *h = &c->half[dir];
	uint32_t max = c->te->limits.max_handshake_msg;
	if (buf_len(&h->hs) > 0) {
		if (buf_append(&h->hs, data, len) != 0) {
			c->te->stats.handshake_limit_hits++;
			tls_conn_fail_both(c, TLS_REASON_LIMIT);
			return;
		}
		data = buf_data(&h->hs);
		len = buf_len(&h->hs);
	}
	size_t used = 0;
	while (len - used >= TLS_HS_HEADER && !h->stopped) {
		const uint8_t *m = data + used;
		size_t body = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
		if (body > max) {
			c->te->stats.handshake_limit_hits++;
			tls_conn_fail_both(c, TLS_REASON_LIMIT);
			return;
		}
		if (len - used < TLS_HS_HEADER + body)
			break;
		tls_hs_message(c, dir, m, TLS_HS_HEADER + body);
		used += TLS_HS_HEADER + body;
	}
	if (h->stopped)
		return;
	if (buf_len(&h->hs) > 0) {
		buf_consume(&h->hs, used);
	} else if (used < len && buf_append(&h->hs, data + used, len - used) != 0) {
		c->te->stats.handshake_limit_hits++;
		tls_conn_fail_both(c, TLS_REASON_LIMIT);
	}
}

void
tls_handshake_ccs(struct tls_conn *c, enum tls_dir dir)
{
	struct tls_hs *hs = c->hs;
	if (!hs) {
		tls_conn_fail(c, dir, c->info.handshakes ? TLS_REASON_MALFORMED
							 : TLS_REASON_NO_HANDSHAKE);
		return;
	}
	/* RFC 8446 D.4: a TLS 1.3 client may send one before the ServerHello. */
	if (!hs->server_hello_seen)
		return;
	/* Abbreviated handshake with a ticket and no echoed session ID. */
	if (!hs->have_master && !hs->cke_seen && !hs->keys_pending) {
		tls_hs_apply(c, tls_keys_resume(c));
		if (c->half[dir].stopped)
			return;
	}
	hs->ccs_seen[dir] = true;
	if (hs->keys_pending) {
		/* Key log mode: the secrets are late; keep the protected bytes. */
		c->half[dir].awaiting = true;
		return;
	}
	if (!tls_keys_activate(c, dir))
		tls_conn_fail(c, dir, TLS_REASON_MALFORMED);
}
