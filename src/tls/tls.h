/*
 * tls: the TLS side of one TCP connection, from bytes to plaintext.
 *
 * A tls_engine holds what all connections of one worker share: the server
 * key store (read-only, borrowed), the session cache, a decryption scratch
 * buffer, limits and counters. A tls_conn follows one connection: it frames
 * records per direction, reassembles and parses handshake messages, obtains
 * keys (server RSA key, or a resumed session from the cache), installs them
 * at ChangeCipherSpec, and opens every later record, handing application
 * data to the sink. It takes bytes with a direction only — no net/ types —
 * so it is tested and fuzzed alone.
 *
 * Once a direction cannot be followed (no keys, MAC failure, lost bytes),
 * the connection records one reason code and that direction is ignored from
 * then on. Nothing of a direction that is not decrypted reaches on_plaintext.
 */
#ifndef TLSIPS_TLS_H
#define TLSIPS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/tls_keystore.h"
#include "tls/tls_suite.h"

enum tls_dir {
	TLS_DIR_CLIENT = 0, /* bytes the client sent */
	TLS_DIR_SERVER = 1, /* bytes the server sent */
};

/* Why a session (or part of it) was not decrypted. Stable names: tls_reason_name. */
enum tls_reason {
	TLS_REASON_NONE = 0,
	TLS_REASON_NO_KEY,            /* no loaded key belongs to the server's certificate */
	TLS_REASON_KEY_MISMATCH,      /* the key did not decrypt the pre-master secret */
	TLS_REASON_UNSUPPORTED_SUITE, /* suite unknown, or not RSA key exchange without a key log */
	TLS_REASON_COMPRESSION,       /* TLS compression negotiated */
	TLS_REASON_UNKNOWN_SESSION,   /* resumed session whose original was not seen */
	TLS_REASON_MAC_FAILURE,       /* a record did not authenticate */
	TLS_REASON_NO_HANDSHAKE,      /* capture began after the handshake */
	TLS_REASON_TRUNCATED,         /* bytes of the connection were lost */
	TLS_REASON_NOT_TLS,           /* the connection does not carry TLS */
	TLS_REASON_MALFORMED,         /* TLS that contradicts the protocol */
	TLS_REASON_LIMIT,             /* a handshake or buffer limit was hit */
	TLS_REASON_NO_KEYLOG_ENTRY,   /* key log mode: the key log has no secrets for the session */
	TLS_REASON_KEY_TIMEOUT,       /* key log mode: secrets did not arrive in time, or too much waited */
	TLS_REASON_COUNT
};

enum tls_key_source {
	TLS_KEY_SOURCE_NONE = 0,
	TLS_KEY_SOURCE_SERVER_KEY, /* pre-master secret decrypted with the server's RSA key */
	TLS_KEY_SOURCE_KEYLOG,     /* secrets handed over by the server (key log) */
	TLS_KEY_SOURCE_CACHE,      /* resumed from a session seen earlier */
};

enum tls_resume {
	TLS_RESUME_NONE = 0,
	TLS_RESUME_SESSION_ID,
	TLS_RESUME_TICKET,
};

/* What is known of a connection; read it at any time, e.g. at flow end. */
struct tls_conn_info {
	uint16_t version;             /* negotiated (ServerHello), 0 if unknown */
	uint16_t suite_id;            /* negotiated, 0 if unknown */
	const struct tls_suite *suite;/* row for suite_id, NULL if unknown to tlsips */
	char sni[256];                /* server_name from ClientHello, printable ASCII only */
	char alpn[64];                /* protocol the server selected */
	bool is_tls;                  /* a TLS record was seen */
	bool decrypted;               /* keys established and a protected record authenticated */
	enum tls_reason reason;       /* first reason decryption stopped, or NONE */
	enum tls_resume resumed;      /* how the (last) handshake resumed */
	enum tls_key_source key_source; /* where the (last) keys came from */
	uint32_t handshakes;          /* full or abbreviated handshakes; > 1 means renegotiation */
	uint64_t records[2];          /* protected records opened, per direction */
	uint64_t plaintext_bytes[2];  /* application data delivered, per direction */
	uint8_t last_alert[2];        /* description of the last alert per direction (255: none) */
};

struct tls_sink {
	void *ctx;
	/* Decrypted application data of one direction, in order; valid during the call. */
	void (*on_plaintext)(void *ctx, void *flow_ctx, enum tls_dir dir, const uint8_t *data,
			     size_t len);
	/* Called when info->decrypted becomes true or info->reason is first set. */
	void (*on_state)(void *ctx, void *flow_ctx, const struct tls_conn_info *info);
};

struct tls_limits {
	uint32_t max_handshake_msg;     /* largest handshake message buffered (certificate chains) */
	uint32_t session_cache_entries; /* session IDs + tickets remembered; oldest evicted first */
	/* Key log mode, records that arrive before their secrets: */
	uint64_t key_wait_usec;         /* how long a connection may wait (capture time) */
	uint32_t held_bytes_conn;       /* bytes held per connection while it waits */
	uint64_t held_bytes_total;      /* bytes held by all waiting connections */
	uint32_t max_waiting;           /* connections waiting at once; the oldest gives up first */
};

void tls_limits_default(struct tls_limits *out);

struct tls_stats {
	uint64_t conns, handshakes, full_handshakes, resumed_id, resumed_ticket;
	uint64_t decrypted, not_decrypted[TLS_REASON_COUNT];
	uint64_t records_opened, records_failed, plaintext_bytes;
	uint64_t cache_entries, cache_inserts, cache_hits, cache_misses, cache_evictions;
	uint64_t handshake_limit_hits;
	uint64_t rsa_decrypts, rsa_failures;
	uint64_t keylog_hits, keylog_misses;
	uint64_t key_waits, key_arrived_late, key_timeouts, waiting_now, waiting_evicted;
	uint64_t held_bytes_now, held_bytes_peak, held_limit_hits;
};

struct tls_engine;
struct tls_conn;

/* keys may be NULL (no server keys); it is borrowed and must outlive the engine. */
struct tls_engine *tls_engine_new(const struct tls_limits *limits, struct tls_keystore *keys,
				  const struct tls_sink *sink);
void tls_engine_free(struct tls_engine *te);
const struct tls_stats *tls_engine_stats(const struct tls_engine *te);

/* Reload: later key lookups use keys (borrowed; the old store may be freed after this). */
void tls_engine_set_keystore(struct tls_engine *te, struct tls_keystore *keys);

struct tls_keylog;
/*
 * Key log mode: sessions look their secrets up in kl (borrowed). live: more
 * secrets may still arrive (a followed file, the key socket), so a session
 * whose secrets are missing waits for them (bounded by the limits) instead
 * of being reported no_keylog_entry at once.
 */
void tls_engine_set_keylog(struct tls_engine *te, struct tls_keylog *kl, bool live);
/* Secrets for client_random were added: waiting connections resume. */
void tls_engine_keys_added(struct tls_engine *te, const uint8_t client_random[32]);
/* Capture time moves on: connections that waited too long give up (key_timeout). */
void tls_engine_tick(struct tls_engine *te, uint64_t now_usec);

/*
 * A new connection. midstream: the capture missed the TCP handshake, so the
 * TLS handshake was most likely missed too. flow_ctx is passed to the sink.
 */
struct tls_conn *tls_conn_new(struct tls_engine *te, void *flow_ctx, bool midstream);
/* In-order bytes of one direction. */
void tls_conn_feed(struct tls_conn *c, enum tls_dir dir, const uint8_t *data, size_t len);
/* len bytes of a direction were lost: that direction cannot be followed any more. */
void tls_conn_gap(struct tls_conn *c, enum tls_dir dir, uint64_t len);
/* The connection ended; a handshake cut short is reported as truncated. */
void tls_conn_end(struct tls_conn *c);
const struct tls_conn_info *tls_conn_info(const struct tls_conn *c);
/* Key log mode: the connection waits for secrets (its end would give it up). */
bool tls_conn_is_waiting(const struct tls_conn *c);
/*
 * Inline key log mode: the bytes the connection holds while it waits hold
 * application data. Handshake bytes may pass uninspected — the server logs
 * its secrets only once it has read them (the client's key exchange in TLS
 * 1.2, the client's Finished in TLS 1.3), so holding them would deadlock.
 */
bool tls_conn_holds_app_data(const struct tls_conn *c);
/* Counts the connection's outcome in the engine stats, wipes its keys, frees it. */
void tls_conn_free(struct tls_conn *c);

const char *tls_reason_name(enum tls_reason r);

#endif
