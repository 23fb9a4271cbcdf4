/*
 * tls_keylog: the key log store, its file follower and its live socket.
 *
 * Input is the NSS key log format (RFC 9850, section 2): one secret per line,
 *
 *     LABEL SP client_random(64 hex) SP secret(hex) [CR] LF
 *
 * e.g. "CLIENT_RANDOM 5a1e...(64)... 9f3c...(96)...". Labels kept (RFC 9850,
 * sections 2.1 and 2.2): CLIENT_RANDOM (48-byte TLS 1.2 master secret), the
 * TLS 1.3 secrets CLIENT_EARLY_TRAFFIC_SECRET, CLIENT_HANDSHAKE_TRAFFIC_SECRET,
 * SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
 * SERVER_TRAFFIC_SECRET_0 and EXPORTER_SECRET (32 or 48 bytes: the suite's
 * hash length), and NSS's older "RSA <first 8 bytes of the
 * EncryptedPreMasterSecret, 16 hex> <pre-master secret, 96 hex>", kept
 * under those 8 bytes. Either case of hex is accepted; fields are separated
 * by spaces or tabs. Blank lines and lines starting with '#' are skipped, and
 * so are the ECH labels (ECH_SECRET, ECH_CONFIG), which are well-formed but
 * of no use to tlsips. Anything else is malformed: the line is skipped,
 * counted, and reported as source:line: problem through the problem
 * callback.
 *
 * The store keeps one entry per client random holding whichever of its
 * secrets have arrived (a bitmask says which); an RSA line makes an entry of
 * its own, keyed by its 8 bytes. Lookup is O(1): a hash table keyed with
 * SipHash under a per-store random key, since client randoms are chosen by
 * clients. Bounds: at most max_entries entries; when full the oldest entry
 * (by creation: FIFO, a later secret for the same client random does not
 * refresh it) is evicted. Entries older than ttl_sec are dropped by
 * tls_keylog_expire(), which every add calls; time is whatever clock the
 * caller passes as now_sec (seconds), so tests and offline runs choose it.
 *
 * Memory: 88 bytes of bookkeeping per entry plus at most 8 bytes of hash
 * buckets (TLS_KEYLOG_ENTRY_OVERHEAD), allocated in chunks as the store
 * fills; each secret held takes one 48-byte slot of secure memory
 * (tls_secmem_alloc) and 4 bytes of free-list link, so a TLS 1.2 entry takes
 * one slot and a TLS 1.3 entry five or six. Slots are allocated in chunks
 * too, at most 7 per entry in all, and are wiped on replacement, eviction,
 * expiry, tls_keylog_forget() and tls_keylog_free(), and reused. Buffers
 * that held secret text (read buffers, datagrams) are wiped too. No function
 * formats a secret.
 *
 * A store is not thread-safe: one owner feeds it and looks secrets up.
 */
#ifndef TLSIPS_TLS_KEYLOG_H
#define TLSIPS_TLS_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tls_keylog_label {
	TLS_KEYLOG_CLIENT_RANDOM = 0,              /* TLS 1.2 and earlier: master secret, 48 */
	TLS_KEYLOG_CLIENT_EARLY_TRAFFIC_SECRET = 1, /* TLS 1.3 secrets: 32 or 48 bytes */
	TLS_KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET = 2,
	TLS_KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET = 3,
	TLS_KEYLOG_CLIENT_TRAFFIC_SECRET_0 = 4,
	TLS_KEYLOG_SERVER_TRAFFIC_SECRET_0 = 5,
	TLS_KEYLOG_EXPORTER_SECRET = 6,
	TLS_KEYLOG_RSA = 7,                        /* pre-master secret, 48; see tls_keylog_find_rsa */
	TLS_KEYLOG_LABEL_COUNT
};

/* Bit of a label in the mask tls_keylog_labels() returns. */
#define TLS_KEYLOG_BIT(label) (1u << (label))

enum {
	TLS_KEYLOG_RANDOM_LEN = 32,  /* client_random, RFC 8446 section 4.1.2 */
	TLS_KEYLOG_RSA_KEY_LEN = 8,  /* leading bytes of the EncryptedPreMasterSecret */
	TLS_KEYLOG_SECRET_MAX = 48,  /* largest secret: master secret, SHA-384 traffic secrets */
	TLS_KEYLOG_LINE_MAX = 512,   /* longest line accepted; a valid one is under 200 */
	TLS_KEYLOG_ENTRY_OVERHEAD = 96, /* bytes per entry besides its secrets' 52-byte slots (tested) */
	TLS_KEYLOG_ENTRIES_MAX = 1 << 26,
};

struct tls_keylog_limits {
	uint32_t max_entries; /* entries held; the oldest is evicted past it (>= 1) */
	uint32_t ttl_sec;     /* entries older than this are dropped; 0: never */
};

/* 65536 entries (full: about 9 MiB of TLS 1.2 entries, 22-26 MiB of TLS 1.3 ones), ttl 600 s. */
void tls_keylog_limits_default(struct tls_keylog_limits *out);

struct tls_keylog_stats {
	uint64_t lines;       /* lines seen, comments and blanks included */
	uint64_t secrets;     /* secrets stored (a repeated one counts again) */
	uint64_t ignored;     /* comments, blanks, labels tlsips does not use */
	uint64_t malformed;   /* lines skipped as malformed (each reported) */
	uint64_t replaced;    /* a secret given again for a client random: the last one is kept */
	uint64_t entries;     /* entries held now */
	uint64_t entries_peak;
	uint64_t evictions;   /* entries dropped because the store was full */
	uint64_t expired;     /* entries dropped by age */
	uint64_t forgotten;   /* entries removed by tls_keylog_forget */
	uint64_t lookups, hits; /* tls_keylog_find / tls_keylog_find_rsa calls, and successes */
	uint64_t nomem;       /* lines lost because memory for a new chunk was refused */
	uint64_t slots;       /* secret slots in use now: one per secret held */
};

/* Where a line came from, for "source:line: problem"; line is the last line read. */
struct tls_keylog_src {
	const char *name;     /* file path, socket path, ...; borrowed */
	uint64_t line;
};

/*
 * Called once per line not taken (malformed, or no memory for it); problem is
 * a static string; no secret is passed.
 */
typedef void (*tls_keylog_problem_fn)(void *ctx, const char *source, uint64_t line,
				      const char *problem);

/*
 * Called after a secret is stored, so records held back waiting for keys can
 * be retried at once (no fixed wait). key is the client random, or for
 * TLS_KEYLOG_RSA the 8-byte prefix followed by zeros. Runs inside the add;
 * it may look secrets up and forget entries, but must not add lines.
 */
typedef void (*tls_keylog_added_fn)(void *ctx, const uint8_t key[TLS_KEYLOG_RANDOM_LEN],
				    enum tls_keylog_label label);

struct tls_keylog;

/*
 * NULL on allocation failure or max_entries outside [1, TLS_KEYLOG_ENTRIES_MAX].
 * limits may be NULL (defaults). Hash buckets for max_entries are allocated
 * here; entries and their secrets in chunks as they are needed.
 */
struct tls_keylog *tls_keylog_new(const struct tls_keylog_limits *limits);
/* Wipes every secret and frees; accepts NULL. */
void tls_keylog_free(struct tls_keylog *kl);
void tls_keylog_set_problem_fn(struct tls_keylog *kl, tls_keylog_problem_fn fn, void *ctx);
void tls_keylog_set_added_fn(struct tls_keylog *kl, tls_keylog_added_fn fn, void *ctx);
const struct tls_keylog_stats *tls_keylog_stats(const struct tls_keylog *kl);

/*
 * One line, without its LF (a trailing CR is accepted). Returns 0 when the
 * line was stored or skipped as a comment, blank or unused label;
 * TLSIPS_EMALFORMED with *out_problem set to a static reason (out_problem
 * may be NULL); TLSIPS_ENOMEM if a new chunk could not be allocated. Does not
 * call the problem callback (it knows no source): tls_keylog_add_text does.
 */
int tls_keylog_add_line(struct tls_keylog *kl, const char *line, size_t len, uint64_t now_sec,
			const char **out_problem);

/*
 * Text holding lines separated by LF. Each complete line is added and
 * src->line advanced; malformed lines go to the problem callback as
 * src->name:src->line. When at_end is false a last piece without LF is left
 * alone (it may be completed later); when true it is a line of its own.
 * Returns the number of bytes consumed.
 */
size_t tls_keylog_add_text(struct tls_keylog *kl, struct tls_keylog_src *src, const char *text,
			   size_t len, bool at_end, uint64_t now_sec);

/*
 * Reads a whole file. Returns 0 (malformed lines are reported and counted,
 * not fatal; *out_malformed gets their number when out_malformed is not NULL)
 * or TLSIPS_ESYS if the file cannot be opened or read (errno set).
 */
int tls_keylog_add_file(struct tls_keylog *kl, const char *path, uint64_t now_sec,
			uint64_t *out_malformed);

/*
 * Copies the secret stored under label for client_random to out_secret
 * (room for TLS_KEYLOG_SECRET_MAX bytes) and its length to *out_len. False
 * when absent (and for TLS_KEYLOG_RSA: use tls_keylog_find_rsa). Counts a
 * lookup, and a hit on success.
 */
bool tls_keylog_find(struct tls_keylog *kl, const uint8_t client_random[TLS_KEYLOG_RANDOM_LEN],
		     enum tls_keylog_label label, uint8_t out_secret[TLS_KEYLOG_SECRET_MAX],
		     size_t *out_len);
/* The 48-byte pre-master secret of an RSA line keyed by enc_pms_prefix. */
bool tls_keylog_find_rsa(struct tls_keylog *kl, const uint8_t enc_pms_prefix[TLS_KEYLOG_RSA_KEY_LEN],
			 uint8_t out_pms[TLS_KEYLOG_SECRET_MAX]);
/* Mask of TLS_KEYLOG_BIT(label) for the secrets held for client_random; 0 if none. */
unsigned tls_keylog_labels(const struct tls_keylog *kl,
			   const uint8_t client_random[TLS_KEYLOG_RANDOM_LEN]);
/* Removes the entry of client_random (a session took its secrets) and wipes it. */
bool tls_keylog_forget(struct tls_keylog *kl, const uint8_t client_random[TLS_KEYLOG_RANDOM_LEN]);
bool tls_keylog_forget_rsa(struct tls_keylog *kl,
			   const uint8_t enc_pms_prefix[TLS_KEYLOG_RSA_KEY_LEN]);
/*
 * Drops entries more than ttl_sec old (now_sec - created > ttl_sec); no-op when
 * ttl_sec is 0. Entries are kept in creation order, so now_sec should not go
 * backwards; if it does, expiry stops early and max_entries still bounds the store.
 */
void tls_keylog_expire(struct tls_keylog *kl, uint64_t now_sec);

/* Stable name of a label as written in key logs ("CLIENT_RANDOM", ...). */
const char *tls_keylog_label_name(enum tls_keylog_label label);

/*
 * Follower: a key log file read as it grows. Each poll reads what was
 * appended since the last one and adds its complete lines; a last line
 * without LF is kept until its LF arrives (a piece longer than
 * TLS_KEYLOG_LINE_MAX is reported as too long and skipped up to its LF). The
 * whole file is read on the first poll. When the file shrinks (truncated) it
 * is read again from the start; when the path names another file (rotated:
 * other inode or device) the old file is read to its end and the new one is
 * opened. A missing file is retried on every poll.
 */
struct tls_keylog_follow_stats {
	uint64_t bytes;       /* bytes read */
	uint64_t reopens;     /* rotations followed */
	uint64_t truncations; /* times the file shrank under us */
	uint64_t open_failures;
};

struct tls_keylog_follow;

/* Borrows kl and copies path; does not open the file yet. NULL on allocation failure. */
struct tls_keylog_follow *tls_keylog_follow_new(struct tls_keylog *kl, const char *path);
/* Closes the file, wipes the partial line and frees; accepts NULL. */
void tls_keylog_follow_free(struct tls_keylog_follow *f);
/*
 * Reads everything appended since the last poll. Returns 0, or TLSIPS_ESYS
 * when the file is not there or cannot be read (retried next poll).
 */
int tls_keylog_follow_poll(struct tls_keylog_follow *f, uint64_t now_sec);
const struct tls_keylog_follow_stats *tls_keylog_follow_stats(const struct tls_keylog_follow *f);

/*
 * Key socket (tls_keysock.c): a Unix datagram socket servers send key log
 * lines to (libtlsips-keylog.so does). Each datagram carries one or more
 * whole lines, at most TLS_KEYSOCK_DGRAM_MAX bytes; longer ones are dropped
 * and counted. The sender's credentials come with every datagram
 * (SO_PASSCRED / SCM_CREDENTIALS, filled in by the kernel, so a sender can
 * only claim an identity it has), and lines are accepted only from the uids
 * in the allowed list. Root is not implied: list uid 0 to accept it. Lines
 * go to the store only; they are never written anywhere.
 *
 * Opening: the parent directory is created with mode 0750 if missing (the
 * grandparent must exist); a stale socket left at the path is removed (a
 * live one, where another process answers, is an error, and anything that is
 * not a socket is never removed); the socket is bound and given mode 0660,
 * and group gid when gid >= 0 (directory too), so that the servers' group
 * can send and nobody else can reach it.
 */
enum { TLS_KEYSOCK_DGRAM_MAX = 4096, TLS_KEYSOCK_UIDS_MAX = 64 };

struct tls_keysock_config {
	const char *path;            /* socket path, e.g. /run/tlsips/keys.sock */
	const uint32_t *allowed_uids;
	size_t allowed_uids_len;     /* at most TLS_KEYSOCK_UIDS_MAX */
	int64_t gid;                 /* group of the socket and a created directory; -1 keeps ours */
};

struct tls_keysock_stats {
	uint64_t datagrams;     /* received */
	uint64_t accepted;      /* from an allowed uid, handed to the store */
	uint64_t rejected_uid;  /* sender not allowed */
	uint64_t no_creds;      /* no credentials attached (should not happen with SO_PASSCRED) */
	uint64_t oversize;      /* longer than TLS_KEYSOCK_DGRAM_MAX, dropped */
	uint64_t errors;        /* recvmsg failures other than "nothing queued" */
};

struct tls_keysock;

/*
 * Opens the socket described by cfg. Returns 0 with *out_sock set, or
 * TLSIPS_ECONFIG (path too long or not absolute, uid list too long, path
 * holds something that is not a socket, or another process serves it),
 * TLSIPS_ESYS (errno set) or TLSIPS_ENOMEM.
 */
int tls_keysock_open(const struct tls_keysock_config *cfg, struct tls_keysock **out_sock);
/* Closes, unlinks the socket path and frees; accepts NULL. */
void tls_keysock_close(struct tls_keysock *ks);
/* Non-blocking descriptor to wait on with poll()/epoll (readable: call tls_keysock_poll). */
int tls_keysock_fd(const struct tls_keysock *ks);
/*
 * Receives every queued datagram (at most 1024 per call, so one flood cannot
 * starve the caller; poll again while the descriptor is readable) and adds
 * the lines of the accepted ones to kl; malformed lines are reported as
 * socket_path:n, n counting lines received on the socket. Returns 0, or
 * TLSIPS_ESYS on an unexpected receive error (counted; the socket stays up).
 */
int tls_keysock_poll(struct tls_keysock *ks, struct tls_keylog *kl, uint64_t now_sec);
const struct tls_keysock_stats *tls_keysock_stats(const struct tls_keysock *ks);

#endif
