/*
 * TLS 1.3 (RFC 8446) with secrets from the key log.
 *
 * After the ServerHello every record is protected. Keys change at fixed
 * points, each side on its own:
 *   server: ServerHello -> handshake keys; its Finished -> application keys
 *   client: ServerHello -> handshake keys (early-data keys first when 0-RTT
 *           was offered: EndOfEarlyData, or the first record that only the
 *           handshake keys open, switches); its Finished -> application keys
 *   either: KeyUpdate -> next application secret (7.2)
 * A HelloRetryRequest is a ServerHello with a fixed random (4.1.3); the
 * client's second ClientHello then continues the same handshake.
 */
#include <string.h>

#include "tls/tls_hkdf.h"
#include "tls/tls_int.h"
#include "tls/tls_keylog.h"
#include "tls/tls_secret.h"

/* RFC 8446 4.1.3: SHA-256("HelloRetryRequest") as the ServerHello random. */
static const uint8_t tls_hs13_hrr_random[TLS_RANDOM_LEN] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static const enum tls_keylog_label tls_hs13_labels[TLS13_SECRET_COUNT] = {
	[TLS13_CLIENT_HS] = TLS_KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET,
	[TLS13_SERVER_HS] = TLS_KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET,
	[TLS13_CLIENT_APP] = TLS_KEYLOG_CLIENT_TRAFFIC_SECRET_0,
	[TLS13_SERVER_APP] = TLS_KEYLOG_SERVER_TRAFFIC_SECRET_0,
	[TLS13_CLIENT_EARLY] = TLS_KEYLOG_CLIENT_EARLY_TRAFFIC_SECRET,
};

void
tls_hs13_free(struct tls_conn *c)
{
	tls_secmem_free(c->k13, sizeof(*c->k13));
	c->k13 = NULL;
}

/* A record protection from a traffic secret (RFC 8446 7.3). */
static struct tls_cipher *
tls_hs13_cipher(const struct tls_conn *c, enum tls13_secret which)
{
	const struct tls_suite *s = c->info.suite;
	uint8_t key[32], iv[12];
	struct tls_cipher *cipher = NULL;
	if (tls_hkdf_traffic_keys(s->prf_md, c->k13->secret[which], c->k13->len, s->key_len,
				  sizeof(iv), key, iv) == 0) {
		struct tls_cipher_keys k = { NULL, key, iv };
		if (tls_cipher_new(s, TLS_V_TLS13, false, &k, &cipher) != 0)
			cipher = NULL;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(iv, sizeof(iv));
	return cipher;
}

static bool
tls_hs13_install(struct tls_conn *c, enum tls_dir dir, enum tls13_secret which)
{
	struct tls_cipher *cipher = tls_hs13_cipher(c, which);
	if (!cipher)
		return false;
	tls_cipher_free(c->half[dir].cipher);
	c->half[dir].cipher = cipher;
	return true;
}

/*
 * One secret out of the key log into k13; false if it is missing or has
 * another hash's length (then it cannot belong to this suite).
 */
static bool
tls_hs13_take_one(struct tls_conn *c, enum tls13_secret i, size_t want)
{
	size_t len = 0;
	return tls_keylog_find(c->te->keylog, c->hs->client_random, tls_hs13_labels[i],
			       c->k13->secret[i], &len) && len == want;
}

/* When every secret is in k13, the key log's copy goes (it lives here now). */
static void
tls_hs13_forget_if_done(struct tls_conn *c)
{
	if (c->k13->have_app[TLS_DIR_CLIENT] && c->k13->have_app[TLS_DIR_SERVER])
		tls_keylog_forget(c->te->keylog, c->hs->client_random);
}

/*
 * Copies the secrets out of the key log; false while the handshake secrets
 * are missing. The traffic secrets may come later: an OpenSSL server logs
 * the client's only once it has read the client's Finished, which an inline
 * tlsips must have let through — so each direction waits for its own at its
 * Finished (tls_hs13_finished), not here.
 */
static bool
tls_hs13_take_secrets(struct tls_conn *c)
{
	unsigned have = tls_keylog_labels(c->te->keylog, c->hs->client_random);
	if (!(have & TLS_KEYLOG_BIT(tls_hs13_labels[TLS13_CLIENT_HS])) ||
	    !(have & TLS_KEYLOG_BIT(tls_hs13_labels[TLS13_SERVER_HS])))
		return false;
	if (!c->k13 && !(c->k13 = tls_secmem_alloc(sizeof(*c->k13))))
		return false;
	size_t want = EVP_MD_get_size(EVP_get_digestbyname(c->info.suite->prf_md));
	if (!tls_hs13_take_one(c, TLS13_CLIENT_HS, want) || !tls_hs13_take_one(c, TLS13_SERVER_HS, want))
		return false;
	c->k13->have_early = tls_hs13_take_one(c, TLS13_CLIENT_EARLY, want);
	c->k13->have_app[TLS_DIR_CLIENT] = tls_hs13_take_one(c, TLS13_CLIENT_APP, want);
	c->k13->have_app[TLS_DIR_SERVER] = tls_hs13_take_one(c, TLS13_SERVER_APP, want);
	c->k13->len = (uint8_t)want;
	tls_hs13_forget_if_done(c);
	return true;
}

/* The traffic secret of dir, from k13 or (late) from the key log. */
static bool
tls_hs13_take_app(struct tls_conn *c, enum tls_dir dir)
{
	enum tls13_secret which = dir == TLS_DIR_CLIENT ? TLS13_CLIENT_APP : TLS13_SERVER_APP;
	if (!c->k13->have_app[dir]) {
		if (!tls_hs13_take_one(c, which, c->k13->len))
			return false;
		c->k13->have_app[dir] = true;
		tls_hs13_forget_if_done(c);
	}
	return true;
}

int
tls_hs13_acquire(struct tls_conn *c)
{
	struct tls_hs *hs = c->hs;
	if (!c->te->keylog)
		return TLS_REASON_UNSUPPORTED_SUITE; /* no RSA key exchange in TLS 1.3 */
	if (!tls_hs13_take_secrets(c)) {
		c->te->stats.keylog_misses++;
		return tls_keys_missing(c, TLS_REASON_UNSUPPORTED_SUITE);
	}
	c->te->stats.keylog_hits++;
	if (!tls_hs13_install(c, TLS_DIR_SERVER, TLS13_SERVER_HS) ||
	    !tls_hs13_install(c, TLS_DIR_CLIENT, TLS13_CLIENT_HS))
		return TLS_REASON_UNSUPPORTED_SUITE;
	if (hs->early_offered) {
		if (c->k13->have_early) {
			/* Early data first; the handshake keys wait as pending. */
			hs->pending[TLS_DIR_CLIENT] = c->half[TLS_DIR_CLIENT].cipher;
			c->half[TLS_DIR_CLIENT].cipher = tls_hs13_cipher(c, TLS13_CLIENT_EARLY);
			if (!c->half[TLS_DIR_CLIENT].cipher)
				return TLS_REASON_UNSUPPORTED_SUITE;
		} else {
			hs->skip_early = true;
		}
	}
	hs->keys_pending = false;
	c->info.key_source = TLS_KEY_SOURCE_KEYLOG;
	return 0;
}

void
tls_hs13_server_hello(struct tls_conn *c)
{
	struct tls_hs *hs = c->hs;
	if (memcmp(hs->server_random, tls_hs13_hrr_random, TLS_RANDOM_LEN) == 0) {
		hs->server_hello_seen = false;
		hs->hrr = true;
		return;
	}
	if (!hs->suite || hs->suite->kx != TLS_KX_TLS13) {
		tls_conn_fail_both(c, TLS_REASON_UNSUPPORTED_SUITE);
		return;
	}
	c->tls13 = true;
	buf_fini(&hs->client_hello, false);
	if (hs->psk_accepted) {
		/* TLS 1.3 resumption is a PSK from an earlier ticket (RFC 8446 2.2). */
		c->info.resumed = TLS_RESUME_TICKET;
		c->te->stats.resumed_ticket++;
	}
	int rc = tls_hs13_acquire(c);
	if (rc == TLSIPS_AGAIN) {
		/* Everything from here on is protected: keep it until the secrets come. */
		c->half[TLS_DIR_SERVER].awaiting = true;
		c->half[TLS_DIR_CLIENT].awaiting = true;
	} else if (rc > 0) {
		tls_conn_fail_both(c, (enum tls_reason)rc);
	} else if (c->half[TLS_DIR_CLIENT].awaiting) {
		/* 0-RTT records held since the ClientHello. The server's record in
		 * hand is in the clear, so the shared scratch buffer is free. */
		tls_keys_release(c, TLS_DIR_CLIENT);
	}
}

bool
tls_hs13_recover(struct tls_conn *c, enum tls_dir dir, uint8_t type, uint16_t version,
		 const uint8_t *in, size_t len, size_t *out_len, uint8_t *out_type)
{
	struct tls_hs *hs = c->hs;
	if (!hs || dir != TLS_DIR_CLIENT)
		return false;
	/* Early data rejected by the server: the client moved on to the handshake keys. */
	if (hs->pending[dir] && tls_cipher_open13(hs->pending[dir], type, version, in, len,
						  c->te->scratch, out_len, out_type) == 0) {
		tls_keys_activate(c, dir);
		return true;
	}
	if (hs->skip_early) {
		*out_len = 0;
		*out_type = 0; /* nothing to dispatch */
		return true;
	}
	return false;
}

/* KeyUpdate (RFC 8446 4.6.3): the sender's next records use the next secret. */
static void
tls_hs13_key_update(struct tls_conn *c, enum tls_dir dir, struct rd *body)
{
	uint8_t request = rd_u8(body);
	enum tls13_secret which = dir == TLS_DIR_CLIENT ? TLS13_CLIENT_APP : TLS13_SERVER_APP;
	struct tls_cipher_keys k;
	uint8_t key[32], iv[12];
	const struct tls_suite *s = c->info.suite;
	if (!rd_done(body) || request > 1 || !c->k13) {
		tls_conn_fail(c, dir, TLS_REASON_MALFORMED);
		return;
	}
	uint8_t *secret = c->k13->secret[which];
	int rc = tls_hkdf_next_secret(s->prf_md, secret, c->k13->len, secret);
	if (rc == 0)
		rc = tls_hkdf_traffic_keys(s->prf_md, secret, c->k13->len, s->key_len, sizeof(iv),
					   key, iv);
	k = (struct tls_cipher_keys){ NULL, key, iv };
	if (rc == 0)
		rc = tls_cipher_rekey(c->half[dir].cipher, &k);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(iv, sizeof(iv));
	if (rc != 0)
		tls_conn_fail(c, dir, TLS_REASON_MALFORMED);
}

/* EncryptedExtensions (RFC 8446 4.3.1): extensions<0..2^16-1>; ALPN is here in 1.3. */
static void
tls_hs13_encrypted_extensions(struct tls_conn *c, struct rd *body)
{
	struct rd exts = rd_child16(body);
	while (rd_left(&exts) > 0) {
		uint16_t type = rd_u16(&exts);
		struct rd ext = rd_child16(&exts);
		if (type == TLS_EXT_ALPN)
			tls_hs_parse_alpn(c, &ext);
	}
	if (!rd_ok(&exts) || !rd_done(body))
		tls_conn_fail_both(c, TLS_REASON_MALFORMED);
}

/* Both Finished seen and both traffic keys in place: the handshake state goes. */
static void
tls_hs13_maybe_done(struct tls_conn *c)
{
	struct tls_hs *hs = c->hs;
	if (hs->finished_seen[TLS_DIR_CLIENT] && hs->finished_seen[TLS_DIR_SERVER] &&
	    !hs->app_pending[TLS_DIR_CLIENT] && !hs->app_pending[TLS_DIR_SERVER] && !c->waiting) {
		tls_hs_free(hs);
		c->hs = NULL;
	}
}

static void
tls_hs13_finished(struct tls_conn *c, enum tls_dir dir)
{
	struct tls_hs *hs = c->hs;
	enum tls13_secret app = dir == TLS_DIR_CLIENT ? TLS13_CLIENT_APP : TLS13_SERVER_APP;
	if (!hs || hs->finished_seen[dir] || !c->k13) {
		tls_conn_fail(c, dir, TLS_REASON_MALFORMED);
		return;
	}
	hs->finished_seen[dir] = true;
	if (!tls_hs13_take_app(c, dir)) {
		if (!c->te->keylog_live) {
			tls_conn_fail(c, dir, TLS_REASON_NO_KEYLOG_ENTRY);
			return;
		}
		/* The rest of this direction waits for its traffic secret. */
		hs->app_pending[dir] = true;
		hs->keys_pending = true;
		c->half[dir].awaiting = true;
		tls_wait_add(c);
		return;
	}
	if (!tls_hs13_install(c, dir, app)) {
		tls_conn_fail(c, dir, TLS_REASON_MALFORMED);
		return;
	}
	tls_hs13_maybe_done(c);
}

/*
 * A key log line arrived for a session waiting at its Finished: directions
 * whose traffic secret is now there switch keys and replay what they held.
 * Returns false while some direction still waits.
 */
bool
tls_hs13_app_arrived(struct tls_conn *c)
{
	struct tls_hs *hs = c->hs;
	bool ready[2] = { false, false };
	for (int d = 0; d < 2; d++) {
		if (!hs->app_pending[d] || !tls_hs13_take_app(c, (enum tls_dir)d))
			continue;
		enum tls13_secret app = d == TLS_DIR_CLIENT ? TLS13_CLIENT_APP : TLS13_SERVER_APP;
		if (!tls_hs13_install(c, (enum tls_dir)d, app)) {
			tls_conn_fail(c, (enum tls_dir)d, TLS_REASON_MALFORMED);
			continue;
		}
		hs->app_pending[d] = false;
		ready[d] = true;
	}
	bool still = hs->app_pending[0] || hs->app_pending[1];
	hs->keys_pending = still;
	if (still)
		tls_wait_add(c);
	/* Replaying may end the handshake (and free hs): nothing of hs after this. */
	for (int d = 0; d < 2; d++)
		if (ready[d])
			tls_keys_release(c, (enum tls_dir)d);
	if (!still && c->hs)
		tls_hs13_maybe_done(c);
	return !still;
}

void
tls_hs13_message(struct tls_conn *c, enum tls_dir dir, uint8_t type, struct rd *body)
{
	switch (type) {
	case TLS_HS_ENCRYPTED_EXTENSIONS:
		if (dir == TLS_DIR_SERVER && c->hs) {
			tls_hs13_encrypted_extensions(c, body);
			return;
		}
		break;
	case TLS_HS_FINISHED:
		tls_hs13_finished(c, dir);
		return;
	case TLS_HS_KEY_UPDATE:
		/* After the sender's Finished (the peer's may still be on its way). */
		if (!c->hs || c->hs->finished_seen[dir]) {
			tls_hs13_key_update(c, dir, body);
			return;
		}
		break;
	case TLS_HS_END_OF_EARLY_DATA:
		/* RFC 8446 4.5: the client's next records use the handshake keys. */
		if (dir == TLS_DIR_CLIENT && c->hs && tls_keys_activate(c, dir))
			return;
		break;
	case TLS_HS_NEW_SESSION_TICKET:
		if (dir == TLS_DIR_SERVER)
			return; /* PSK resumption needs no ticket here: the key log has the secrets */
		break;
	case TLS_HS_CERTIFICATE:
	case TLS_HS_CERTIFICATE_VERIFY:
		if (c->hs)
			return;
		break;
	case TLS_HS_CERTIFICATE_REQUEST:
		if (dir == TLS_DIR_SERVER)
			return;
		break;
	default:
		break;
	}
	tls_conn_fail(c, dir, TLS_REASON_MALFORMED);
}
