/* Shared inside src/tls/: connection state and the stages' entry points. */
#ifndef TLSIPS_TLS_INT_H
#define TLSIPS_TLS_INT_H

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/rd.h"
#include "tls/tls.h"
#include "tls/tls_cipher.h"
#include "tls/tls_prf.h"

/* RFC 5246 6.2: record header, and the protocol's ceilings (STYLE.md). */
enum {
	TLS_RECORD_HEADER = 5,
	TLS_PLAINTEXT_MAX = 1 << 14,
	TLS_CIPHERTEXT_MAX = (1 << 14) + 2048,
	TLS_HS_HEADER = 4,
	TLS_CLIENT_HELLO_MAX = 1 << 16,
};

enum tls_content_type {
	TLS_CT_CHANGE_CIPHER_SPEC = 20,
	TLS_CT_ALERT = 21,
	TLS_CT_HANDSHAKE = 22,
	TLS_CT_APPLICATION_DATA = 23,
	TLS_CT_HEARTBEAT = 24,
};

enum tls_hs_type {
	TLS_HS_HELLO_REQUEST = 0,
	TLS_HS_CLIENT_HELLO = 1,
	TLS_HS_SERVER_HELLO = 2,
	TLS_HS_NEW_SESSION_TICKET = 4,
	TLS_HS_CERTIFICATE = 11,
	TLS_HS_SERVER_KEY_EXCHANGE = 12,
	TLS_HS_CERTIFICATE_REQUEST = 13,
	TLS_HS_SERVER_HELLO_DONE = 14,
	TLS_HS_CERTIFICATE_VERIFY = 15,
	TLS_HS_CLIENT_KEY_EXCHANGE = 16,
	TLS_HS_FINISHED = 20,
	TLS_HS_END_OF_EARLY_DATA = 5,      /* TLS 1.3 */
	TLS_HS_ENCRYPTED_EXTENSIONS = 8,   /* TLS 1.3 */
	TLS_HS_KEY_UPDATE = 24,            /* TLS 1.3 */
};

enum tls_ext_type {
	TLS_EXT_SERVER_NAME = 0,
	TLS_EXT_ALPN = 16,
	TLS_EXT_ENCRYPT_THEN_MAC = 22,
	TLS_EXT_EXTENDED_MASTER_SECRET = 23,
	TLS_EXT_SESSION_TICKET = 35,
	TLS_EXT_PRE_SHARED_KEY = 41,
	TLS_EXT_EARLY_DATA = 42,
	TLS_EXT_SUPPORTED_VERSIONS = 43,
};

/* TLS 1.3 traffic secrets from the key log (secure memory, per connection). */
enum tls13_secret {
	TLS13_CLIENT_HS = 0,
	TLS13_SERVER_HS,
	TLS13_CLIENT_APP,  /* updated in place at each KeyUpdate */
	TLS13_SERVER_APP,
	TLS13_CLIENT_EARLY,
	TLS13_SECRET_COUNT
};

struct tls13_keys {
	uint8_t secret[TLS13_SECRET_COUNT][48];
	uint8_t len;       /* hash length of the suite: 32 or 48; 0 until the handshake secrets */
	bool have_early;
	bool have_app[2];  /* *_TRAFFIC_SECRET_0 per direction (enum tls_dir) */
};

enum { TLS_SESSION_ID_MAX = 32, TLS_CACHE_KEY_LEN = 32 };

/*
 * State of one handshake in progress (key material inside: lives in secure
 * memory, wiped when the handshake completes or the connection ends).
 */
struct tls_hs {
	uint8_t client_random[TLS_RANDOM_LEN];
	uint8_t server_random[TLS_RANDOM_LEN];
	uint8_t client_sid[TLS_SESSION_ID_MAX];
	uint8_t server_sid[TLS_SESSION_ID_MAX];
	uint8_t client_sid_len, server_sid_len;
	uint8_t ticket_hash[TLS_CACHE_KEY_LEN]; /* SHA-256 of the ticket the client offered */
	bool ticket_offered;
	bool client_ems, client_etm;            /* offered by the client */
	bool ems, etm;                          /* agreed (echoed by the server) */
	bool server_hello_seen;
	bool cke_seen;                          /* ClientKeyExchange processed: full handshake */
	bool have_master;
	bool ccs_seen[2];
	bool finished_seen[2];
	bool app_pending[2];                    /* TLS 1.3: Finished seen, its traffic secret not yet */
	uint16_t version;
	const struct tls_suite *suite;
	const struct tls_server_key *key;       /* matched from the Certificate; NULL if none */
	bool cert_seen;
	bool keys_pending;                      /* key log mode: waiting for this session's secrets */
	bool hrr;                               /* TLS 1.3 HelloRetryRequest seen: a second ClientHello follows */
	bool early_offered;                     /* TLS 1.3 ClientHello offered 0-RTT early data */
	bool psk_accepted;                      /* TLS 1.3 ServerHello chose a pre-shared key */
	bool skip_early;                        /* early data we have no key for: skip what does not open */
	EVP_MD_CTX *transcript;                 /* EMS session hash, ClientHello..ClientKeyExchange */
	struct buf client_hello;                /* kept until the hash is chosen at ServerHello */
	uint8_t session_hash[EVP_MAX_MD_SIZE];  /* RFC 7627 section 3, fixed at ClientKeyExchange */
	unsigned session_hash_len;
	uint8_t master[TLS_MASTER_LEN];
	struct tls_cipher *pending[2];          /* installed at each side's ChangeCipherSpec */
};

/* One direction of a connection. */
struct tls_half {
	struct buf rec;             /* a record cut by a segment boundary */
	struct buf hs;              /* handshake bytes not yet a whole message */
	struct tls_cipher *cipher;  /* current read state; NULL while in the clear */
	bool stopped;               /* this direction is no longer followed */
	bool started;               /* its first record was seen */
	bool awaiting;              /* keys changed before they were known: bytes go to held */
	struct buf held;            /* bytes awaiting their keys (key log mode), bounded */
};

struct tls_conn {
	struct tls_engine *te;
	void *flow_ctx;
	bool midstream;
	bool state_reported;
	struct tls_half half[2];
	struct tls_hs *hs;          /* NULL between handshakes */
	struct tls_conn_info info;
	bool tls13;                 /* TLS 1.3 negotiated: records carry their inner type */
	struct tls13_keys *k13;     /* TLS 1.3 secrets; NULL otherwise */
	/* Waiting for key log secrets: in the engine's wait FIFO and hash bucket. */
	bool waiting;
	uint16_t wait_bucket;       /* its hash bucket, kept: hs may be gone when it leaves */
	uint64_t wait_since;
	struct tls_conn *fifo_prev, *fifo_next, *bucket_prev, *bucket_next;
};

enum { TLS_WAIT_BUCKETS = 1024 };

struct tls_engine {
	struct tls_limits limits;
	struct tls_keystore *keys;  /* borrowed, read-only */
	struct tls_sink sink;
	struct tls_session_cache *cache;
	struct tls_stats stats;
	struct tls_keylog *keylog;  /* borrowed; NULL without key log mode */
	bool keylog_live;           /* more secrets may arrive: wait for missing ones */
	uint64_t now;               /* capture time, microseconds (tls_engine_tick) */
	struct tls_conn *wait_head, *wait_tail;        /* waiting connections, oldest first */
	struct tls_conn *wait_bucket[TLS_WAIT_BUCKETS]; /* the same, by client random */
	uint8_t scratch[TLS_CIPHERTEXT_MAX]; /* decrypted record, valid while it is dispatched */
};

/* tls_conn.c */
void tls_conn_fail(struct tls_conn *c, enum tls_dir dir, enum tls_reason r);
void tls_conn_fail_both(struct tls_conn *c, enum tls_reason r);
void tls_conn_mark_decrypted(struct tls_conn *c);

/* tls_record.c: frames records and opens them; dispatches by content type. */
void tls_record_feed(struct tls_conn *c, enum tls_dir dir, const uint8_t *data, size_t len);

/* tls_handshake.c: handshake messages from (decrypted or clear) records. */
void tls_handshake_feed(struct tls_conn *c, enum tls_dir dir, const uint8_t *data, size_t len);
/* ChangeCipherSpec from dir: install that direction's pending keys. */
void tls_handshake_ccs(struct tls_conn *c, enum tls_dir dir);
void tls_hs_free(struct tls_hs *hs);
/* The server's ALPN extension body (ServerHello, or EncryptedExtensions in TLS 1.3). */
void tls_hs_parse_alpn(struct tls_conn *c, struct rd *ext);

/*
 * tls_keys.c: the key schedule glue (secrets -> ciphers, cache, key log).
 * The acquire functions return 0 when keys are installed as pending,
 * TLSIPS_AGAIN when the connection now waits for key log secrets, or a
 * positive enum tls_reason to fail the connection with.
 */
int tls_keys_from_pms(struct tls_conn *c, const uint8_t *pms, size_t pms_len);
/* Full handshake from the key log: 0, or TLSIPS_ENOKEY when it has no entry. */
int tls_keys_full_keylog(struct tls_conn *c);
/* No keys: wait (TLSIPS_AGAIN) when key log secrets may still come, else a reason. */
int tls_keys_missing(struct tls_conn *c, enum tls_reason without_keylog);
int tls_keys_resume(struct tls_conn *c);
/* Installs dir's pending keys (at its ChangeCipherSpec); false if none. */
bool tls_keys_activate(struct tls_conn *c, enum tls_dir dir);
/* Secrets arrived for a waiting connection: install them, replay held bytes. */
void tls_keys_arrived(struct tls_conn *c);
/* dir's keys are in place: feed it the bytes it held while awaiting them. */
void tls_keys_release(struct tls_conn *c, enum tls_dir dir);

/* tls_hs13.c: the TLS 1.3 handshake (RFC 8446), keys from the key log. */
void tls_hs13_server_hello(struct tls_conn *c);
void tls_hs13_message(struct tls_conn *c, enum tls_dir dir, uint8_t type, struct rd *body);
/* The acquire contract above; installs both handshake ciphers. */
int tls_hs13_acquire(struct tls_conn *c);
/* Traffic secrets arrived for a session waiting at a Finished; false while one still waits. */
bool tls_hs13_app_arrived(struct tls_conn *c);
/* A record of dir did not open: true if it was early data to skip, or opened with the next keys. */
bool tls_hs13_recover(struct tls_conn *c, enum tls_dir dir, uint8_t type, uint16_t version,
		      const uint8_t *in, size_t len, size_t *out_len, uint8_t *out_type);
void tls_hs13_free(struct tls_conn *c);

/* tls_wait.c: connections waiting for key log secrets, and their held bytes. */
void tls_wait_add(struct tls_conn *c);
void tls_wait_remove(struct tls_conn *c);
/* Holds bytes of dir until keys arrive; fails the connection past the limits. */
void tls_wait_hold(struct tls_conn *c, enum tls_dir dir, const uint8_t *data, size_t len);
/* Gives the held bytes' share of the global limit back (before freeing them). */
void tls_wait_release(struct tls_conn *c, enum tls_dir dir);

/* tls_session_cache.c: session IDs and tickets -> master secrets. */
struct tls_session_cache;
enum tls_cache_kind {
	TLS_CACHE_SESSION_ID = 1,
	TLS_CACHE_TICKET = 2,
};
struct tls_session_cache *tls_session_cache_new(uint32_t entries, struct tls_stats *stats);
void tls_session_cache_free(struct tls_session_cache *sc);
void tls_session_cache_put(struct tls_session_cache *sc, enum tls_cache_kind kind,
			   const uint8_t *key, size_t key_len, uint16_t version, uint16_t suite_id,
			   const uint8_t master[TLS_MASTER_LEN]);
/* Copies the master secret out; false if absent or negotiated differently. */
bool tls_session_cache_get(struct tls_session_cache *sc, enum tls_cache_kind kind,
			   const uint8_t *key, size_t key_len, uint16_t version, uint16_t suite_id,
			   uint8_t out_master[TLS_MASTER_LEN]);

#endif
