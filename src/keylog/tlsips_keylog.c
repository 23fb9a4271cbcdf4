/*
 * libtlsips-keylog.so: hands an OpenSSL server's TLS secrets to tlsips.
 *
 * Loaded with LD_PRELOAD into a server linked with OpenSSL 1.1.1 or 3.x
 * (nginx, Apache httpd, HAProxy, ...). It interposes SSL_CTX_new and
 * SSL_CTX_new_ex: after the real call it installs a key log callback on the
 * new context. The key log lines OpenSSL produces (NSS format, RFC 9850) go,
 * each with its LF, in datagrams to the Unix socket named by
 * TLSIPS_KEYLOG_SOCKET (default /run/tlsips/keys.sock), where tlsips reads
 * them (src/tls/tls_keysock.c accepts several lines per datagram).
 *
 * Batching. What a datagram costs the server is mostly waking tlsips (on a
 * virtual machine the wake-up's inter-processor interrupt alone; measured
 * here 13 to 30 us of CPU per datagram to a tlsips waiting on the socket,
 * 2.5 to 4 us to a receiver that was not), so the lines of one handshake
 * are gathered and sent in as few
 * datagrams as keep every secret ahead of the records it protects. OpenSSL
 * logs a TLS 1.3 handshake on the server in this order
 * (tls13_change_cipher_state):
 *
 *   CLIENT_EARLY_TRAFFIC_SECRET      ClientHello read, 0-RTT accepted (rare)
 *   SERVER_HANDSHAKE_TRAFFIC_SECRET  ServerHello written, before EncryptedExtensions
 *   CLIENT_HANDSHAKE_TRAFFIC_SECRET  right after (with 0-RTT: at EndOfEarlyData)
 *   EXPORTER_SECRET                  server Finished written (flight still buffered)
 *   SERVER_TRAFFIC_SECRET_0          right after
 *   CLIENT_TRAFFIC_SECRET_0          client Finished read; tickets and
 *                                    application data are written after it
 *
 * (a client logs them in another order; the rules below depend only on
 * which secrets of the handshake are known). So a TLS 1.3 handshake costs two
 * datagrams: one when both handshake secrets are known, before the first
 * encrypted handshake record is written, and one when both application
 * secrets are, with EXPORTER_SECRET. CLIENT_EARLY_TRAFFIC_SECRET goes at
 * once (a client's early data follows it immediately), and with 0-RTT the
 * server's handshake secret goes without waiting for the client's. A TLS 1.2
 * CLIENT_RANDOM line, the only one of its handshake, and any line not known
 * here go at once, alone.
 *
 * Lines are held per handshake in a small fixed table (KEYLOG_SLOTS slots,
 * keyed by the SSL pointer and the client random, under one mutex that is
 * only ever try-locked: a thread that finds it busy sends its line alone).
 * Lines of a handshake that stops half-way are sent when the server frees
 * the SSL (SSL_free is interposed too), when the slot is taken for a newer
 * handshake because the table is full, or when a later callback finds them
 * waiting for over KEYLOG_PENDING_NS; a later line of such a handshake goes
 * at once, alone. Nothing is lost by batching; the counters below say what
 * happened.
 *
 * A callback the server sets itself (SSL_CTX_set_keylog_callback, e.g.
 * Apache's SSLKEYLOGFILE or HAProxy's tune.ssl.keylog) is remembered in the
 * context's ex_data and called after ours, so ours stays installed and the
 * server's own logging keeps working; SSL_CTX_get_keylog_callback returns
 * the server's callback, as the server expects.
 *
 * What it must never do to its host:
 *  - block: the socket is non-blocking and every send is MSG_DONTWAIT; a
 *    missing or slow tlsips means the datagram is dropped and its lines
 *    counted. A failed connect is retried at most once a second, so a
 *    stopped tlsips costs one failed send per datagram and nothing more.
 *    The table's mutex is never waited for (trylock), and nothing is sent
 *    while it is held.
 *  - allocate: lines are copied into the static table or a stack buffer,
 *    and wiped from both once sent.
 *  - crash: every dlsym result is checked; with any missing piece the library
 *    steps aside and the server's calls go through unchanged.
 *  - leak its socket: it is close-on-exec, created once and never closed (a
 *    descriptor closed while another thread sends could be reused by the
 *    server for a file, and a key line would land in it); reconnecting
 *    reuses it, as connect(2) allows for datagram sockets.
 *
 * Nothing here depends on the rest of tlsips or on OpenSSL's headers: the
 * few OpenSSL types are opaque and their signatures are stable across 1.1.1
 * and 3.x. Everything is static except the interposed entry points.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT, explicit_bzero */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define KEYLOG_EXPORT __attribute__((visibility("default")))

/* OpenSSL's types, opaque here. */
struct ssl_st;
struct ssl_ctx_st;
struct ssl_method_st;
struct ossl_lib_ctx_st;

typedef void (*keylog_cb_fn)(const struct ssl_st *ssl, const char *line);
typedef struct ssl_ctx_st *(*keylog_ctx_new_fn)(const struct ssl_method_st *meth);
typedef struct ssl_ctx_st *(*keylog_ctx_new_ex_fn)(struct ossl_lib_ctx_st *libctx,
						    const char *propq,
						    const struct ssl_method_st *meth);
typedef void (*keylog_set_cb_fn)(struct ssl_ctx_st *ctx, keylog_cb_fn cb);
typedef keylog_cb_fn (*keylog_get_cb_fn)(const struct ssl_ctx_st *ctx);
typedef struct ssl_ctx_st *(*keylog_get_ctx_fn)(const struct ssl_st *ssl);
typedef void (*keylog_ssl_free_fn)(struct ssl_st *ssl);
typedef int (*keylog_set_ex_fn)(struct ssl_ctx_st *ctx, int idx, void *data);
typedef void *(*keylog_get_ex_fn)(const struct ssl_ctx_st *ctx, int idx);
typedef int (*keylog_ex_index_fn)(int class_index, long argl, void *argp, void *new_func,
				  void *dup_func, void *free_func);

enum {
	KEYLOG_LINE_MAX = 1024,            /* a key log line is under 200 bytes; longer: dropped */
	KEYLOG_HELD_LINE_MAX = 256,        /* longer lines are never held, sent alone */
	KEYLOG_BATCH_MAX = 1536,           /* held bytes per handshake: six 48-byte-secret lines */
	KEYLOG_SLOTS = 128,                /* handshakes with held lines at once, per process */
	KEYLOG_RANDOM_HEX = 64,            /* client random, as hex in the line */
	KEYLOG_EX_INDEX_SSL_CTX = 1,       /* CRYPTO_EX_INDEX_SSL_CTX in 1.1.1 and 3.x */
	KEYLOG_RETRY_NS = 1000000000,      /* one connect attempt per second at most */
	KEYLOG_PENDING_NS = 1000000000,    /* held lines older than this go at the next callback */
	KEYLOG_SWEEP_NS = 100000000,       /* how often a callback looks for them */
};

/* The TLS 1.3 labels (RFC 9850) whose lines may be held; anything else goes at once. */
enum keylog_label {
	KEYLOG_CETS = 0, /* CLIENT_EARLY_TRAFFIC_SECRET */
	KEYLOG_SHTS,     /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	KEYLOG_CHTS,     /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	KEYLOG_EXP,      /* EXPORTER_SECRET */
	KEYLOG_STS0,     /* SERVER_TRAFFIC_SECRET_0 */
	KEYLOG_CTS0,     /* CLIENT_TRAFFIC_SECRET_0 */
	KEYLOG_LABELS,
};

static const struct {
	const char *name;
	size_t len;
} keylog_label_names[KEYLOG_LABELS] = {
	[KEYLOG_CETS] = { "CLIENT_EARLY_TRAFFIC_SECRET", 27 },
	[KEYLOG_SHTS] = { "SERVER_HANDSHAKE_TRAFFIC_SECRET", 31 },
	[KEYLOG_CHTS] = { "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 31 },
	[KEYLOG_EXP] = { "EXPORTER_SECRET", 15 },
	[KEYLOG_STS0] = { "SERVER_TRAFFIC_SECRET_0", 23 },
	[KEYLOG_CTS0] = { "CLIENT_TRAFFIC_SECRET_0", 23 },
};

#define KEYLOG_BIT(l) (1u << (l))
#define KEYLOG_HS_PAIR (KEYLOG_BIT(KEYLOG_SHTS) | KEYLOG_BIT(KEYLOG_CHTS))
#define KEYLOG_APP_PAIR (KEYLOG_BIT(KEYLOG_STS0) | KEYLOG_BIT(KEYLOG_CTS0))

#define KEYLOG_DEFAULT_SOCKET "/run/tlsips/keys.sock"

/* Resolved once (keylog_init); read-only afterwards. */
static pthread_once_t keylog_once = PTHREAD_ONCE_INIT;
static keylog_set_cb_fn keylog_real_set_cb;
static keylog_get_ctx_fn keylog_get_ssl_ctx;
static keylog_ssl_free_fn keylog_real_ssl_free;
static keylog_set_ex_fn keylog_set_ex;
static keylog_get_ex_fn keylog_get_ex;
static int keylog_ex_idx = -1;             /* ex_data slot holding the server's callback */
static struct sockaddr_un keylog_addr;
static int keylog_addr_ok;

/* The socket: created once, never closed (see above). */
static atomic_int keylog_fd = -1;
static atomic_bool keylog_connected;
static atomic_int_fast64_t keylog_last_try = INT64_MIN; /* CLOCK_MONOTONIC ns */

/*
 * One handshake's held lines. A slot is in use while ssl is set; it is
 * freed when the handshake's last secret has been sent, or by SSL_free,
 * eviction or age.
 */
struct keylog_slot {
	const struct ssl_st *ssl;         /* identifies the handshake with random; never dereferenced */
	int64_t touched_ns;               /* last line (CLOCK_MONOTONIC_COARSE): eviction order, age */
	unsigned seen;                    /* KEYLOG_BIT of each label logged, sent or held */
	unsigned nlines;                  /* lines held in buf */
	size_t len;                       /* bytes held in buf */
	char random[KEYLOG_RANDOM_HEX];
	char buf[KEYLOG_BATCH_MAX];       /* whole lines, each with its LF; wiped when sent */
};

/* A batch taken out of the table, sent once the mutex is released. */
struct keylog_out {
	unsigned nlines;
	size_t len;
	char buf[KEYLOG_BATCH_MAX];
};

static pthread_mutex_t keylog_lock = PTHREAD_MUTEX_INITIALIZER;
static struct keylog_slot keylog_slots[KEYLOG_SLOTS]; /* under keylog_lock */
static int64_t keylog_last_sweep;                     /* under keylog_lock */
static atomic_uint keylog_in_use;                     /* slots in use: SSL_free skips the lock at 0 */

/*
 * Counters (visible in a core or a debugger): lines lost (no tlsips, full
 * queue, line too long), datagrams sent, TLS 1.3 lines sent alone because
 * the table was busy in another thread or their handshake's slot was gone
 * (evicted or swept), handshakes whose held lines were sent early
 * (table full) or late (age or SSL_free before the last secret).
 */
static atomic_uint_fast64_t keylog_dropped;
static atomic_uint_fast64_t keylog_datagrams;
static atomic_uint_fast64_t keylog_unbatched;
static atomic_uint_fast64_t keylog_evicted;
static atomic_uint_fast64_t keylog_flushed_late;

static void
keylog_init(void)
{
	void *ex_index;
	const char *path = getenv("TLSIPS_KEYLOG_SOCKET");

	keylog_real_set_cb = (keylog_set_cb_fn)dlsym(RTLD_NEXT, "SSL_CTX_set_keylog_callback");
	keylog_get_ssl_ctx = (keylog_get_ctx_fn)dlsym(RTLD_NEXT, "SSL_get_SSL_CTX");
	keylog_real_ssl_free = (keylog_ssl_free_fn)dlsym(RTLD_NEXT, "SSL_free");
	keylog_set_ex = (keylog_set_ex_fn)dlsym(RTLD_NEXT, "SSL_CTX_set_ex_data");
	keylog_get_ex = (keylog_get_ex_fn)dlsym(RTLD_NEXT, "SSL_CTX_get_ex_data");
	ex_index = dlsym(RTLD_DEFAULT, "CRYPTO_get_ex_new_index");
	if (keylog_get_ssl_ctx && keylog_set_ex && keylog_get_ex && ex_index)
		keylog_ex_idx = ((keylog_ex_index_fn)ex_index)(KEYLOG_EX_INDEX_SSL_CTX, 0, NULL,
							       NULL, NULL, NULL);

	if (!path || path[0] == '\0')
		path = KEYLOG_DEFAULT_SOCKET;
	if (strlen(path) < sizeof(keylog_addr.sun_path)) {
		keylog_addr.sun_family = AF_UNIX;
		memcpy(keylog_addr.sun_path, path, strlen(path) + 1);
		keylog_addr_ok = 1;
	}
}

static int64_t
keylog_now_ns(clockid_t clock)
{
	struct timespec ts;
	if (clock_gettime(clock, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * The connected socket, or -1. Creating and connecting happen at most once a
 * second, claimed by compare-and-swap so concurrent handshakes never wait on
 * each other: a thread that loses the race just drops its lines.
 */
static int
keylog_socket(void)
{
	int fd = atomic_load(&keylog_fd);
	if (fd >= 0 && atomic_load(&keylog_connected))
		return fd;
	if (!keylog_addr_ok)
		return -1;
	int64_t now = keylog_now_ns(CLOCK_MONOTONIC);
	int64_t last = atomic_load(&keylog_last_try);
	if (last != INT64_MIN && now - last < KEYLOG_RETRY_NS)
		return -1;
	if (!atomic_compare_exchange_strong(&keylog_last_try, &last, now))
		return -1;
	if (fd < 0) {
		int mine = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int expected = -1;
		if (mine < 0)
			return -1;
		/* Only the claimant gets here, but keep the publish race-free anyway. */
		if (!atomic_compare_exchange_strong(&keylog_fd, &expected, mine)) {
			close(mine);
			mine = expected;
		}
		fd = mine;
	}
	if (connect(fd, (const struct sockaddr *)&keylog_addr, sizeof(keylog_addr)) != 0)
		return -1;
	atomic_store(&keylog_connected, true);
	return fd;
}

/* Sends len bytes holding nlines whole lines as one datagram, then wipes them. */
static void
keylog_send_buf(char *buf, size_t len, unsigned nlines)
{
	int fd = keylog_socket();
	if (fd < 0) {
		explicit_bzero(buf, len);
		atomic_fetch_add(&keylog_dropped, nlines);
		return;
	}
	ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	int err = errno;
	/* The lines were secrets: leave no copy behind. */
	explicit_bzero(buf, len);
	if (n == (ssize_t)len) {
		atomic_fetch_add(&keylog_datagrams, 1);
		return;
	}
	atomic_fetch_add(&keylog_dropped, nlines);
	/*
	 * A full queue (EAGAIN) is tlsips being busy: keep the association.
	 * Anything else (ECONNREFUSED: tlsips restarted or stopped) means
	 * connecting again, later.
	 */
	if (err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS)
		atomic_store(&keylog_connected, false);
}

/* One line (len bytes, no LF) as a datagram of its own. */
static void
keylog_send_line(const char *line, size_t len)
{
	char buf[KEYLOG_LINE_MAX];

	if (len >= sizeof(buf)) {
		atomic_fetch_add(&keylog_dropped, 1);
		return;
	}
	memcpy(buf, line, len);
	buf[len] = '\n';
	keylog_send_buf(buf, len + 1, 1);
}

static void
keylog_out_flush(struct keylog_out *out)
{
	if (out->len > 0)
		keylog_send_buf(out->buf, out->len, out->nlines);
	out->len = 0;
	out->nlines = 0;
}

/*
 * The label of a line that may be held, and where its client random is; -1
 * for a line that goes at once (TLS 1.2 CLIENT_RANDOM, unknown labels, and
 * anything not shaped "LABEL <64 hex chars> <secret>").
 */
static int
keylog_line_label(const char *line, size_t len, const char **out_random)
{
	for (int l = 0; l < KEYLOG_LABELS; l++) {
		size_t n = keylog_label_names[l].len;
		if (len > n + 1 + KEYLOG_RANDOM_HEX + 1 && line[n] == ' ' &&
		    line[n + 1 + KEYLOG_RANDOM_HEX] == ' ' &&
		    memcmp(line, keylog_label_names[l].name, n) == 0) {
			*out_random = line + n + 1;
			return l;
		}
	}
	return -1;
}

/* Moves a slot's held lines to out (empty) and, with release, frees the slot. */
static void
keylog_slot_take(struct keylog_slot *s, struct keylog_out *out, bool release)
{
	memcpy(out->buf, s->buf, s->len);
	out->len = s->len;
	out->nlines = s->nlines;
	explicit_bzero(s->buf, s->len);
	s->len = 0;
	s->nlines = 0;
	if (release) {
		s->ssl = NULL;
		s->seen = 0;
		atomic_fetch_sub(&keylog_in_use, 1);
	}
}

/*
 * At most once per KEYLOG_SWEEP_NS, and then at every callback while it
 * finds some: the slot of a handshake that has been quiet for over
 * KEYLOG_PENDING_NS is freed, its held lines moved to out (empty).
 */
static void
keylog_sweep(int64_t now, struct keylog_out *out)
{
	if (now - keylog_last_sweep < KEYLOG_SWEEP_NS)
		return;
	for (int i = 0; i < KEYLOG_SLOTS; i++) {
		struct keylog_slot *s = &keylog_slots[i];
		if (s->ssl && now - s->touched_ns > KEYLOG_PENDING_NS) {
			if (s->len > 0)
				atomic_fetch_add(&keylog_flushed_late, 1);
			keylog_slot_take(s, out, true);
			return;
		}
	}
	keylog_last_sweep = now;
}

/*
 * The slot of the handshake (ssl, random). A handshake without one gets one
 * only when may_create (its line is a handshake or early secret, with which
 * every handshake starts): a free slot, else the least recently used, whose
 * held lines are moved to out (empty). Otherwise NULL: its earlier lines
 * were sent already (the slot was evicted or swept, or the table was busy),
 * so the line goes at once rather than wait for partners never to come. A
 * slot of the same SSL with another client random is a handshake that ended
 * without SSL_free (SSL_clear, or SSL_free not interposed): its lines go too.
 */
static struct keylog_slot *
keylog_slot_get(const struct ssl_st *ssl, const char *random, bool may_create,
		struct keylog_out *out)
{
	struct keylog_slot *free_slot = NULL, *oldest = NULL;

	for (int i = 0; i < KEYLOG_SLOTS; i++) {
		struct keylog_slot *s = &keylog_slots[i];
		if (s->ssl == ssl) {
			if (memcmp(s->random, random, KEYLOG_RANDOM_HEX) == 0)
				return s;
			if (s->len > 0)
				atomic_fetch_add(&keylog_flushed_late, 1);
			keylog_slot_take(s, out, !may_create);
			if (!may_create)
				return NULL;
			s->seen = 0;
			memcpy(s->random, random, KEYLOG_RANDOM_HEX);
			return s;
		}
		if (!s->ssl) {
			if (!free_slot)
				free_slot = s;
		} else if (!oldest || s->touched_ns < oldest->touched_ns) {
			oldest = s;
		}
	}
	if (!may_create)
		return NULL;
	if (free_slot) {
		atomic_fetch_add(&keylog_in_use, 1);
	} else {
		free_slot = oldest;
		if (free_slot->len > 0)
			atomic_fetch_add(&keylog_evicted, 1);
		keylog_slot_take(free_slot, out, false);
	}
	free_slot->ssl = ssl;
	free_slot->seen = 0;
	memcpy(free_slot->random, random, KEYLOG_RANDOM_HEX);
	return free_slot;
}

/*
 * Whether the lines held for a handshake, label just added, must go now (see
 * the top of the file): the early secret at once; the handshake pair when
 * both are known, or the server's alone after an early secret; the
 * application pair (with the exporter secret) when both are known.
 */
static bool
keylog_batch_due(unsigned seen, int label)
{
	switch (label) {
	case KEYLOG_CETS:
		return true;
	case KEYLOG_SHTS:
	case KEYLOG_CHTS:
		return (seen & KEYLOG_HS_PAIR) == KEYLOG_HS_PAIR ||
		       (label == KEYLOG_SHTS && (seen & KEYLOG_BIT(KEYLOG_CETS)));
	default:
		return (seen & KEYLOG_APP_PAIR) == KEYLOG_APP_PAIR;
	}
}

/*
 * Holds a TLS 1.3 line (len bytes, no LF) with the others of its handshake,
 * and sends what is due. Returns false when the line was not held (the
 * table busy in another thread, its handshake's slot gone, or its batch
 * full): the caller sends it alone.
 */
static bool
keylog_hold(const struct ssl_st *ssl, const char *line, size_t len, int label,
	    const char *random)
{
	/* This handshake's batch if due now, and another one taken out of the
	 * table (stale, evicted or swept); both sent after unlocking. */
	struct keylog_out due, displaced;

	due.len = due.nlines = 0;
	displaced.len = displaced.nlines = 0;
	if (pthread_mutex_trylock(&keylog_lock) != 0)
		return false;
	int64_t now = keylog_now_ns(CLOCK_MONOTONIC_COARSE);
	bool starts = label == KEYLOG_CETS || label == KEYLOG_SHTS || label == KEYLOG_CHTS;
	struct keylog_slot *s = keylog_slot_get(ssl, random, starts, &displaced);
	/* OpenSSL logs at most six lines per handshake; anything more goes alone. */
	if (!s || s->len + len + 1 > sizeof(s->buf)) {
		pthread_mutex_unlock(&keylog_lock);
		keylog_out_flush(&displaced);
		return false;
	}
	memcpy(s->buf + s->len, line, len);
	s->buf[s->len + len] = '\n';
	s->len += len + 1;
	s->nlines++;
	s->seen |= KEYLOG_BIT(label);
	s->touched_ns = now;
	/* The application pair is the handshake's last: its slot is done. */
	if (keylog_batch_due(s->seen, label))
		keylog_slot_take(s, &due, (s->seen & KEYLOG_APP_PAIR) == KEYLOG_APP_PAIR);
	if (displaced.len == 0)
		keylog_sweep(now, &displaced);
	pthread_mutex_unlock(&keylog_lock);
	keylog_out_flush(&displaced);
	keylog_out_flush(&due);
	return true;
}

static void
keylog_line(const struct ssl_st *ssl, const char *line)
{
	const char *random = NULL;
	size_t len = strnlen(line, KEYLOG_LINE_MAX);
	int label = len < KEYLOG_HELD_LINE_MAX ? keylog_line_label(line, len, &random) : -1;

	if (label >= 0 && ssl && keylog_hold(ssl, line, len, label, random))
		return;
	if (label >= 0 && ssl)
		atomic_fetch_add(&keylog_unbatched, 1);
	keylog_send_line(line, len);
}

static keylog_cb_fn
keylog_server_cb(const struct ssl_ctx_st *ctx)
{
	keylog_cb_fn cb = NULL;
	if (!ctx || keylog_ex_idx < 0)
		return NULL;
	void *p = keylog_get_ex(ctx, keylog_ex_idx);
	/* Function pointers go through ex_data as bytes: C has no cast between them. */
	if (p)
		memcpy(&cb, &p, sizeof(cb));
	return cb;
}

static void
keylog_callback(const struct ssl_st *ssl, const char *line)
{
	if (!line)
		return;
	keylog_line(ssl, line);
	keylog_cb_fn server_cb = keylog_server_cb(keylog_get_ssl_ctx ? keylog_get_ssl_ctx(ssl) : NULL);
	if (server_cb && server_cb != keylog_callback)
		server_cb(ssl, line);
}

static void
keylog_install(struct ssl_ctx_st *ctx)
{
	if (!ctx || !keylog_real_set_cb)
		return;
	/* A new context may sit where a freed one with a server callback was. */
	if (keylog_ex_idx >= 0)
		(void)keylog_set_ex(ctx, keylog_ex_idx, NULL);
	keylog_real_set_cb(ctx, keylog_callback);
}

KEYLOG_EXPORT struct ssl_ctx_st *
SSL_CTX_new(const struct ssl_method_st *meth)
{
	keylog_ctx_new_fn real = (keylog_ctx_new_fn)dlsym(RTLD_NEXT, "SSL_CTX_new");
	if (!real)
		return NULL;
	struct ssl_ctx_st *ctx = real(meth);
	(void)pthread_once(&keylog_once, keylog_init);
	keylog_install(ctx);
	return ctx;
}

/* OpenSSL 3; in 1.1.1 there is no real one and nobody calls it. */
KEYLOG_EXPORT struct ssl_ctx_st *
SSL_CTX_new_ex(struct ossl_lib_ctx_st *libctx, const char *propq, const struct ssl_method_st *meth)
{
	keylog_ctx_new_ex_fn real = (keylog_ctx_new_ex_fn)dlsym(RTLD_NEXT, "SSL_CTX_new_ex");
	if (!real)
		return NULL;
	struct ssl_ctx_st *ctx = real(libctx, propq, meth);
	(void)pthread_once(&keylog_once, keylog_init);
	keylog_install(ctx);
	return ctx;
}

/*
 * The server sets its own callback: remember it and keep ours. When it
 * cannot be remembered (ex_data unavailable), the server's wins: its own
 * feature matters more than ours.
 */
KEYLOG_EXPORT void
SSL_CTX_set_keylog_callback(struct ssl_ctx_st *ctx, keylog_cb_fn cb)
{
	void *p = NULL;

	(void)pthread_once(&keylog_once, keylog_init);
	if (!keylog_real_set_cb)
		return;
	if (!ctx || keylog_ex_idx < 0 || cb == keylog_callback) {
		keylog_real_set_cb(ctx, cb);
		return;
	}
	memcpy(&p, &cb, sizeof(cb));
	if (keylog_set_ex(ctx, keylog_ex_idx, p) != 1) {
		keylog_real_set_cb(ctx, cb);
		return;
	}
	keylog_real_set_cb(ctx, keylog_callback);
}

KEYLOG_EXPORT keylog_cb_fn
SSL_CTX_get_keylog_callback(const struct ssl_ctx_st *ctx)
{
	(void)pthread_once(&keylog_once, keylog_init);
	keylog_get_cb_fn real = (keylog_get_cb_fn)dlsym(RTLD_NEXT, "SSL_CTX_get_keylog_callback");
	if (!real)
		return NULL;
	keylog_cb_fn cb = real(ctx);
	if (cb == keylog_callback)
		return keylog_server_cb(ctx);
	return cb;
}

/*
 * The server is done with an SSL: lines its handshake still holds (it
 * stopped before its last secret) go now, and its slot is freed. If the
 * table is busy in another thread, they are left for the sweep (by age) or
 * for the next handshake of an SSL at the same address. The real SSL_free
 * runs in every case.
 */
KEYLOG_EXPORT void
SSL_free(struct ssl_st *ssl)
{
	struct keylog_out out;

	(void)pthread_once(&keylog_once, keylog_init);
	out.len = out.nlines = 0;
	if (ssl && atomic_load(&keylog_in_use) > 0 && pthread_mutex_trylock(&keylog_lock) == 0) {
		for (int i = 0; i < KEYLOG_SLOTS; i++) {
			struct keylog_slot *s = &keylog_slots[i];
			if (s->ssl != ssl)
				continue;
			if (s->len > 0)
				atomic_fetch_add(&keylog_flushed_late, 1);
			keylog_slot_take(s, &out, true);
			break;
		}
		pthread_mutex_unlock(&keylog_lock);
		keylog_out_flush(&out);
	}
	if (keylog_real_ssl_free)
		keylog_real_ssl_free(ssl);
}
