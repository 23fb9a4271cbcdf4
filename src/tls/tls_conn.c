/* Engine and connection lifecycle, outcome bookkeeping. */
#include <stdlib.h>
#include <string.h>

#include "tls/tls_int.h"
#include "tls/tls_secret.h"

/* Rows, not code: the stable names appear in events and docs/events.md. */
static const char *const tls_reason_names[TLS_REASON_COUNT] = {
	[TLS_REASON_NONE] = "none",
	[TLS_REASON_NO_KEY] = "no_key",
	[TLS_REASON_KEY_MISMATCH] = "key_mismatch",
	[TLS_REASON_UNSUPPORTED_SUITE] = "unsupported_suite",
	[TLS_REASON_COMPRESSION] = "compression",
	[TLS_REASON_UNKNOWN_SESSION] = "unknown_session",
	[TLS_REASON_MAC_FAILURE] = "mac_failure",
	[TLS_REASON_NO_HANDSHAKE] = "no_handshake",
	[TLS_REASON_TRUNCATED] = "truncated",
	[TLS_REASON_NOT_TLS] = "not_tls",
	[TLS_REASON_MALFORMED] = "malformed",
	[TLS_REASON_LIMIT] = "limit",
	[TLS_REASON_NO_KEYLOG_ENTRY] = "no_keylog_entry",
	[TLS_REASON_KEY_TIMEOUT] = "key_timeout",
};

const char *
tls_reason_name(enum tls_reason r)
{
	if ((unsigned)r >= TLS_REASON_COUNT)
		return "unknown";
	return tls_reason_names[r];
}

void
tls_limits_default(struct tls_limits *out)
{
	out->max_handshake_msg = 256 * 1024;
	out->session_cache_entries = 65536;
	out->key_wait_usec = 10 * 1000000ull;
	out->held_bytes_conn = 256 * 1024;
	out->held_bytes_total = 64u << 20;
	out->max_waiting = 16384;
}

struct tls_engine *
tls_engine_new(const struct tls_limits *limits, struct tls_keystore *keys,
	       const struct tls_sink *sink)
{
	struct tls_engine *te = calloc(1, sizeof(*te));
	if (!te)
		return NULL;
	if (limits)
		te->limits = *limits;
	else
		tls_limits_default(&te->limits);
	te->keys = keys;
	te->sink = *sink;
	te->cache = tls_session_cache_new(te->limits.session_cache_entries, &te->stats);
	if (!te->cache) {
		free(te);
		return NULL;
	}
	return te;
}

void
tls_engine_set_keystore(struct tls_engine *te, struct tls_keystore *keys)
{
	te->keys = keys;
}

void
tls_engine_free(struct tls_engine *te)
{
	if (!te)
		return;
	tls_session_cache_free(te->cache);
	OPENSSL_cleanse(te->scratch, sizeof(te->scratch));
	free(te);
}

const struct tls_stats *
tls_engine_stats(const struct tls_engine *te)
{
	return &te->stats;
}

struct tls_conn *
tls_conn_new(struct tls_engine *te, void *flow_ctx, bool midstream)
{
	struct tls_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->te = te;
	c->flow_ctx = flow_ctx;
	c->midstream = midstream;
	for (int d = 0; d < 2; d++) {
		buf_init(&c->half[d].rec, TLS_RECORD_HEADER + TLS_CIPHERTEXT_MAX);
		buf_init(&c->half[d].hs, te->limits.max_handshake_msg + TLS_HS_HEADER);
		buf_init(&c->half[d].held, te->limits.held_bytes_conn);
		c->info.last_alert[d] = 255;
	}
	te->stats.conns++;
	return c;
}

static void
tls_conn_report(struct tls_conn *c)
{
	if (c->state_reported || !c->te->sink.on_state)
		return;
	c->state_reported = true;
	c->te->sink.on_state(c->te->sink.ctx, c->flow_ctx, &c->info);
}

void
tls_conn_fail(struct tls_conn *c, enum tls_dir dir, enum tls_reason r)
{
	/* Buffers may be in use up the stack: tls_record_feed frees them on the way out. */
	c->half[dir].stopped = true;
	if (c->half[!dir].stopped)
		tls_wait_remove(c);
	if (c->info.reason == TLS_REASON_NONE) {
		c->info.reason = r;
		tls_conn_report(c);
	}
}

void
tls_conn_fail_both(struct tls_conn *c, enum tls_reason r)
{
	tls_conn_fail(c, TLS_DIR_CLIENT, r);
	tls_conn_fail(c, TLS_DIR_SERVER, r);
}

void
tls_conn_mark_decrypted(struct tls_conn *c)
{
	if (c->info.decrypted)
		return;
	c->info.decrypted = true;
	tls_conn_report(c);
}

void
tls_conn_feed(struct tls_conn *c, enum tls_dir dir, const uint8_t *data, size_t len)
{
	if (c->half[dir].stopped || len == 0)
		return;
	tls_record_feed(c, dir, data, len);
}

void
tls_conn_gap(struct tls_conn *c, enum tls_dir dir, uint64_t len)
{
	(void)len;
	if (c->half[dir].stopped)
		return;
	/* Records have no resync marker and AEAD nonces count records: give up. */
	tls_conn_fail(c, dir, TLS_REASON_TRUNCATED);
}

void
tls_conn_end(struct tls_conn *c)
{
	if (c->waiting) {
		/* The input ended before the key log gave this session's secrets. */
		tls_wait_remove(c);
		c->te->stats.key_timeouts++;
		tls_conn_fail_both(c, TLS_REASON_KEY_TIMEOUT);
	}
	if (c->info.reason != TLS_REASON_NONE || c->info.decrypted)
		return;
	if (!c->info.is_tls)
		tls_conn_fail_both(c, c->half[0].started || c->half[1].started ?
					      TLS_REASON_NOT_TLS : TLS_REASON_TRUNCATED);
	else
		tls_conn_fail_both(c, TLS_REASON_TRUNCATED);
}

const struct tls_conn_info *
tls_conn_info(const struct tls_conn *c)
{
	return &c->info;
}

bool
tls_conn_is_waiting(const struct tls_conn *c)
{
	return c->waiting;
}

/* Application data records (type 23) among held bytes, which start at a record. */
static unsigned
tls_conn_held_app_records(const struct buf *held)
{
	const uint8_t *p = buf_data(held);
	size_t left = buf_len(held);
	unsigned n = 0;
	while (left >= TLS_RECORD_HEADER) {
		size_t body = (size_t)p[3] << 8 | p[4];
		n += p[0] == TLS_CT_APPLICATION_DATA;
		if (left - TLS_RECORD_HEADER < body)
			break;
		p += TLS_RECORD_HEADER + body;
		left -= TLS_RECORD_HEADER + body;
	}
	return n;
}

bool
tls_conn_holds_app_data(const struct tls_conn *c)
{
	if (!c->waiting)
		return false;
	for (int d = 0; d < 2; d++) {
		unsigned n = tls_conn_held_app_records(&c->half[d].held);
		if (!n)
			continue;
		if (!c->tls13)
			return true; /* up to TLS 1.2 handshake records are type 22 */
		/* TLS 1.3 hides the type: after its Finished a direction sends data... */
		if (c->hs && c->hs->finished_seen[d])
			return true;
		/* ...and before it, the client's first protected record is its Finished. */
		if (d == TLS_DIR_CLIENT && n > 1)
			return true;
	}
	return false;
}

void
tls_conn_free(struct tls_conn *c)
{
	if (!c)
		return;
	struct tls_stats *st = &c->te->stats;
	if (c->info.decrypted)
		st->decrypted++;
	else
		st->not_decrypted[c->info.reason]++;
	tls_wait_remove(c);
	for (int d = 0; d < 2; d++) {
		buf_fini(&c->half[d].rec, true);
		buf_fini(&c->half[d].hs, true);
		tls_wait_release(c, (enum tls_dir)d);
		buf_fini(&c->half[d].held, true);
		tls_cipher_free(c->half[d].cipher);
		c->half[d].cipher = NULL;
	}
	tls_hs_free(c->hs);
	c->hs = NULL;
	tls_hs13_free(c);
	free(c);
}
