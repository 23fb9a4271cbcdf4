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
	if (hs->server_sid_len > 0)
		tls_session_cache_put(c->te->cache, TLS_CACHE_SESSION_ID, hs->server_sid,
				      hs->server_sid_len, hs->version, c->info.suite_id, hs->master);
	c->info.resumed = TLS_RESUME_NONE;
	return 0;
}

/*
 * Looks the session up, by the offered ticket first (RFC 5077 3.4: the
 * server echoes the client's session ID when it accepts a ticket), then by
 * session ID. Installs keys on success.
 */
bool
tls_keys_resume(struct tls_conn *c)
{
	struct tls_hs *hs = c->hs;
	struct tls_session_cache *sc = c->te->cache;
	enum tls_resume how = TLS_RESUME_NONE;
	if (hs->ticket_offered &&
	    tls_session_cache_get(sc, TLS_CACHE_TICKET, hs->ticket_hash, sizeof(hs->ticket_hash),
				  hs->version, c->info.suite_id, hs->master))
		how = TLS_RESUME_TICKET;
	else if (hs->client_sid_len > 0 &&
		 tls_session_cache_get(sc, TLS_CACHE_SESSION_ID, hs->client_sid, hs->client_sid_len,
				       hs->version, c->info.suite_id, hs->master))
		how = TLS_RESUME_SESSION_ID;
	if (how == TLS_RESUME_NONE || !hs->suite)
		return false;
	hs->have_master = true;
	if (tls_keys_install(c) != 0)
		return false;
	c->info.resumed = how;
	if (how == TLS_RESUME_TICKET)
		c->te->stats.resumed_ticket++;
	else
		c->te->stats.resumed_id++;
	return true;
}
