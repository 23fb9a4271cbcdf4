/*
 * Key schedule glue: from a pre-master or cached master secret to the two
 * directions' record protection (RFC 5246 6.3), and the session cache.
 *
 *   key_block = client_write_MAC_key | server_write_MAC_key |
 *               client_write_key     | server_write_key     |
 *               client_write_IV      | server_write_IV
 *
 * IVs are drawn for every suite; TLS 1.1+ CBC ignores them (explicit IVs).
 */
#include <string.h>

#include "tls/tls_int.h"
#include "tls/tls_keylog.h"

enum { TLS_KEY_BLOCK_MAX = 2 * (48 + 32 + 16) };

static int
tls_keys_install(struct tls_conn *c)
{
	struct tls_hs *hs = c->hs;
	const struct tls_suite *s = hs->suite;
	uint8_t kb[TLS_KEY_BLOCK_MAX];
	size_t n = 2u * ((size_t)s->mac_len + s->key_len + s->iv_len);
	int rc = TLSIPS_ECRYPTO;
	if (n > sizeof(kb))
		goto out;
	rc = tls_prf_key_block(hs->version, s, hs->master, hs->client_random, hs->server_random,
			       kb, n);
	if (rc != 0)
		goto out;
	const uint8_t *p = kb;
	struct tls_cipher_keys k[2];
	k[TLS_DIR_CLIENT].mac_key = s->mac_len ? p : NULL;
	k[TLS_DIR_SERVER].mac_key = s->mac_len ? p + s->mac_len : NULL;
	p += 2 * s->mac_len;
	k[TLS_DIR_CLIENT].key = p;
	k[TLS_DIR_SERVER].key = p + s->key_len;
	p += 2 * s->key_len;
	k[TLS_DIR_CLIENT].iv = p;
	k[TLS_DIR_SERVER].iv = p + s->iv_len;
	for (int d = 0; d < 2; d++) {
		tls_cipher_free(hs->pending[d]);
		hs->pending[d] = NULL;
		rc = tls_cipher_new(s, hs->version, hs->etm, &k[d], &hs->pending[d]);
		if (rc != 0)
			goto out;
	}
out:
	OPENSSL_cleanse(kb, sizeof(kb));
	return rc;
}

/* A full handshake's session, remembered under the ID the server gave it. */
static void
tls_keys_cache_session(struct tls_conn *c)
{
	struct tls_hs *hs = c->hs;
	if (hs->server_sid_len > 0)
		tls_session_cache_put(c->te->cache, TLS_CACHE_SESSION_ID, hs->server_sid,
				      hs->server_sid_len, hs->version, c->info.suite_id, hs->master);
}

int
tls_keys_from_pms(struct tls_conn *c, const uint8_t *pms, size_t pms_len)
{
	struct tls_hs *hs = c->hs;
	const uint8_t *sh = hs->ems ? hs->session_hash : NULL;
	int rc = tls_prf_master(hs->version, hs->suite, pms, pms_len, hs->client_random,
				hs->server_random, sh, hs->session_hash_len, hs->master);
	if (rc != 0)
		return rc;
	hs->have_master = true;
	rc = tls_keys_install(c);
	if (rc != 0)
		return rc;
	tls_keys_cache_session(c);
	c->info.resumed = TLS_RESUME_NONE;
	c->info.key_source = TLS_KEY_SOURCE_SERVER_KEY;
	return 0;
}

/* Installs keys from a master secret the key log gave for this client random. */
static bool
tls_keys_keylog_master(struct tls_conn *c)
{
	struct tls_hs *hs = c->hs;
	struct tls_engine *te = c->te;
	uint8_t secret[TLS_KEYLOG_SECRET_MAX];
	size_t len = 0;
	if (!te->keylog)
		return false;
	bool found = tls_keylog_find(te->keylog, hs->client_random, TLS_KEYLOG_CLIENT_RANDOM,
				     secret, &len) && len == TLS_MASTER_LEN;
	if (found) {
		memcpy(hs->master, secret, TLS_MASTER_LEN);
		te->stats.keylog_hits++;
	} else {
		te->stats.keylog_misses++;
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	if (!found)
		return false;
	hs->have_master = true;
	/* The secret now lives in this handshake only: drop the key log's copy. */
	tls_keylog_forget(te->keylog, hs->client_random);
	c->info.key_source = TLS_KEY_SOURCE_KEYLOG;
	return tls_keys_install(c) == 0;
}

/* No secrets yet: wait for them if more may come, else say why not. */
int
tls_keys_missing(struct tls_conn *c, enum tls_reason without_keylog)
{
	if (!c->te->keylog)
		return without_keylog;
	if (!c->te->keylog_live)
		return TLS_REASON_NO_KEYLOG_ENTRY;
	c->hs->keys_pending = true;
	tls_wait_add(c);
	return TLSIPS_AGAIN;
}

/* Full handshake, key log first: it covers every suite, RSA ones included. */
int
tls_keys_full_keylog(struct tls_conn *c)
{
	if (tls_keys_keylog_master(c)) {
		tls_keys_cache_session(c);
		return 0;
	}
	return TLSIPS_ENOKEY; /* not in the key log: the caller tries the server key */
}

/*
 * An abbreviated handshake: the key log's secret for this very connection,
 * else the session it resumes, by the offered ticket first (RFC 5077 3.4:
 * the server echoes the client's session ID when it accepts a ticket), then
 * by session ID.
 */
int
tls_keys_resume(struct tls_conn *c)
{
	struct tls_hs *hs = c->hs;
	struct tls_session_cache *sc = c->te->cache;
	enum tls_resume how;
	if (!hs->suite)
		return TLS_REASON_UNSUPPORTED_SUITE;
	if (tls_keys_keylog_master(c)) {
		how = hs->ticket_offered ? TLS_RESUME_TICKET : TLS_RESUME_SESSION_ID;
	} else {
		if (hs->ticket_offered &&
		    tls_session_cache_get(sc, TLS_CACHE_TICKET, hs->ticket_hash,
					  sizeof(hs->ticket_hash), hs->version, c->info.suite_id,
					  hs->master))
			how = TLS_RESUME_TICKET;
		else if (hs->client_sid_len > 0 &&
			 tls_session_cache_get(sc, TLS_CACHE_SESSION_ID, hs->client_sid,
					       hs->client_sid_len, hs->version, c->info.suite_id,
					       hs->master))
			how = TLS_RESUME_SESSION_ID;
		else
			return tls_keys_missing(c, TLS_REASON_UNKNOWN_SESSION);
		hs->have_master = true;
		if (tls_keys_install(c) != 0)
			return TLS_REASON_UNSUPPORTED_SUITE;
		c->info.key_source = TLS_KEY_SOURCE_CACHE;
	}
	c->info.resumed = how;
	if (how == TLS_RESUME_TICKET)
		c->te->stats.resumed_ticket++;
	else
		c->te->stats.resumed_id++;
	return 0;
}

bool
tls_keys_activate(struct tls_conn *c, enum tls_dir dir)
{
	struct tls_hs *hs = c->hs;
	if (!hs || !hs->pending[dir])
		return false;
	struct tls_half *h = &c->half[dir];
	tls_cipher_free(h->cipher);
	h->cipher = hs->pending[dir];
	hs->pending[dir] = NULL;
	return true;
}

void
tls_keys_arrived(struct tls_conn *c)
{
	struct tls_hs *hs = c->hs;
	if (!hs || !hs->keys_pending)
		return;
	c->te->stats.key_arrived_late++;
	if (c->tls13 && c->k13 && c->k13->len) {
		/* Handshake keys in place: a direction waits at its Finished. */
		tls_hs13_app_arrived(c);
		return;
	}
	if (c->tls13) {
		/* Each secret arrives on its own line: wait for the handshake ones. */
		int rc = tls_hs13_acquire(c);
		if (rc == TLSIPS_AGAIN)
			return;
		if (rc > 0) {
			tls_conn_fail_both(c, (enum tls_reason)rc);
			return;
		}
	} else if (!tls_keys_keylog_master(c)) {
		/* A resumed session also gets its own CLIENT_RANDOM line. */
		tls_wait_add(c);
		return;
	}
	hs->keys_pending = false;
	if (hs->cke_seen)
		tls_keys_cache_session(c);
	for (int d = 0; d < 2; d++) {
		if (!c->half[d].awaiting)
			continue;
		if (!c->tls13) /* TLS 1.3 installs its keys directly, not at a CCS */
			tls_keys_activate(c, (enum tls_dir)d);
		tls_keys_release(c, (enum tls_dir)d);
	}
}

void
tls_keys_release(struct tls_conn *c, enum tls_dir dir)
{
	struct tls_half *h = &c->half[dir];
	h->awaiting = false;
	/* Replay from a buffer of our own: feeding may fail the connection. */
	struct buf held = h->held;
	tls_wait_release(c, dir);
	buf_init(&h->held, held.max_cap);
	if (!h->stopped && buf_len(&held))
		tls_record_feed(c, dir, buf_data(&held), buf_len(&held));
	buf_fini(&held, true);
}
