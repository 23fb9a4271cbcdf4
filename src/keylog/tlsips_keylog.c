/*
 * libtlsips-keylog.so: hands an OpenSSL server's TLS secrets to tlsips.
 *
 * Loaded with LD_PRELOAD into a server linked with OpenSSL 1.1.1 or 3.x
 * (nginx, Apache httpd, HAProxy, ...). It interposes SSL_CTX_new and
 * SSL_CTX_new_ex: after the real call it installs a key log callback on the
 * new context. Each key log line OpenSSL produces (NSS format, RFC 9850) is
 * sent, with its LF, as one datagram to the Unix socket named by
 * TLSIPS_KEYLOG_SOCKET (default /run/tlsips/keys.sock), where tlsips reads
 * it (src/tls/tls_keysock.c).
 *
 * A callback the server sets itself (SSL_CTX_set_keylog_callback, e.g.
 * Apache's SSLKEYLOGFILE or HAProxy's tune.ssl.keylog) is remembered in the
 * context's ex_data and called after ours, so ours stays installed and the
 * server's own logging keeps working; SSL_CTX_get_keylog_callback returns
 * the server's callback, as the server expects.
 *
 * What it must never do to its host:
 *  - block: the socket is non-blocking and every send is MSG_DONTWAIT; a
 *    missing or slow tlsips means the line is dropped and counted. A failed
 *    connect is retried at most once a second, so a stopped tlsips costs one
 *    failed send per line and nothing more.
 *  - allocate per line: the line is copied to a stack buffer.
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
typedef int (*keylog_set_ex_fn)(struct ssl_ctx_st *ctx, int idx, void *data);
typedef void *(*keylog_get_ex_fn)(const struct ssl_ctx_st *ctx, int idx);
typedef int (*keylog_ex_index_fn)(int class_index, long argl, void *argp, void *new_func,
				  void *dup_func, void *free_func);

enum {
	KEYLOG_LINE_MAX = 1024,            /* a key log line is under 200 bytes */
	KEYLOG_EX_INDEX_SSL_CTX = 1,       /* CRYPTO_EX_INDEX_SSL_CTX in 1.1.1 and 3.x */
	KEYLOG_RETRY_NS = 1000000000,      /* one connect attempt per second at most */
};

#define KEYLOG_DEFAULT_SOCKET "/run/tlsips/keys.sock"

/* Resolved once (keylog_init); read-only afterwards. */
static pthread_once_t keylog_once = PTHREAD_ONCE_INIT;
static keylog_set_cb_fn keylog_real_set_cb;
static keylog_get_ctx_fn keylog_get_ssl_ctx;
static keylog_set_ex_fn keylog_set_ex;
static keylog_get_ex_fn keylog_get_ex;
static int keylog_ex_idx = -1;             /* ex_data slot holding the server's callback */
static struct sockaddr_un keylog_addr;
static int keylog_addr_ok;

/* The socket: created once, never closed (see above). */
static atomic_int keylog_fd = -1;
static atomic_bool keylog_connected;
static atomic_int_fast64_t keylog_last_try = INT64_MIN; /* CLOCK_MONOTONIC ns */

/* Lines lost (no tlsips, full queue, line too long); visible in a core or a debugger. */
static atomic_uint_fast64_t keylog_dropped;

static void
keylog_init(void)
{
	void *ex_index;
	const char *path = getenv("TLSIPS_KEYLOG_SOCKET");

	keylog_real_set_cb = (keylog_set_cb_fn)dlsym(RTLD_NEXT, "SSL_CTX_set_keylog_callback");
	keylog_get_ssl_ctx = (keylog_get_ctx_fn)dlsym(RTLD_NEXT, "SSL_get_SSL_CTX");
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
keylog_now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * The connected socket, or -1. Creating and connecting happen at most once a
 * second, claimed by compare-and-swap so concurrent handshakes never wait on
 * each other: a thread that loses the race just drops its line.
 */
static int
keylog_socket(void)
{
	int fd = atomic_load(&keylog_fd);
	if (fd >= 0 && atomic_load(&keylog_connected))
		return fd;
	if (!keylog_addr_ok)
		return -1;
	int64_t now = keylog_now_ns();
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

static void
keylog_send(const char *line)
{
	char buf[KEYLOG_LINE_MAX];
	size_t len = strnlen(line, sizeof(buf));

	if (len >= sizeof(buf)) {
		atomic_fetch_add(&keylog_dropped, 1);
		return;
	}
	int fd = keylog_socket();
	if (fd < 0) {
		atomic_fetch_add(&keylog_dropped, 1);
		return;
	}
	memcpy(buf, line, len);
	buf[len] = '\n';
	ssize_t n = send(fd, buf, len + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	int err = errno;
	/* The line was a secret: leave no copy on the stack. */
	explicit_bzero(buf, len + 1);
	if (n == (ssize_t)(len + 1))
		return;
	atomic_fetch_add(&keylog_dropped, 1);
	/*
	 * A full queue (EAGAIN) is tlsips being busy: keep the association.
	 * Anything else (ECONNREFUSED: tlsips restarted or stopped) means
	 * connecting again, later.
	 */
	if (err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS)
		atomic_store(&keylog_connected, false);
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
	keylog_send(line);
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
