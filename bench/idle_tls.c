/*
 * idle_tls: open many TLS connections, finish each handshake, then keep them
 * open and silent: what a server (and tlsips in front of it) holds for idle
 * keep-alive clients.
 *
 *   idle_tls DST_IP PORT N SRC_IP[,SRC_IP...] [WINDOW] [CIPHERS]
 *
 * Connects N times to DST_IP:PORT over TLS 1.2 (cipher list CIPHERS,
 * default AES128-GCM-SHA256: RSA key exchange, so a server-key inspector can
 * decrypt), taking the source addresses in turn (bound with
 * IP_BIND_ADDRESS_NO_PORT, so the kernel picks the port per destination:
 * each source address gives at most about 64k connections to one port).
 * At most WINDOW (default 256) connections are connecting or handshaking at
 * once. When a handshake completes its SSL object is freed without a
 * close_notify and only the socket is kept: the client holds about nothing
 * per connection, the server and the inspector hold a finished session.
 *
 * Prints "progress E F" lines (established, failed) every second on stdout,
 * then "established E failed F seconds S", then holds every connection
 * until SIGTERM or SIGINT, and exits 0 (1 when more
 * than 1 % of the attempts failed). Raises RLIMIT_NOFILE itself (root).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IDLE_MAX_SRC 64
#define IDLE_HS_TIMEOUT_S 60.0

struct idle_conn {
	int fd;
	SSL *ssl;
	double started;
};

static volatile sig_atomic_t idle_stop;

static void
idle_on_signal(int sig)
{
	(void)sig;
	idle_stop = 1;
}

static double
idle_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts one non-blocking connect from src; returns the fd or -1. */
static int
idle_connect(const struct sockaddr_in *dst, const struct in_addr *src)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_addr = *src };
	if (bind(fd, (const struct sockaddr *)&s, sizeof(s)) != 0 ||
	    (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) != 0 && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: idle_tls DST_IP PORT N SRC_IP[,SRC_IP...] [WINDOW] [CIPHERS]\n");
		return 2;
	}
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "idle_tls: bad address %s\n", argv[1]);
		return 2;
	}
	long n = atol(argv[3]);
	struct in_addr src[IDLE_MAX_SRC];
	int nsrc = 0;
	char *list = strdup(argv[4]);
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (nsrc == IDLE_MAX_SRC || inet_pton(AF_INET, t, &src[nsrc]) != 1) {
			fprintf(stderr, "idle_tls: bad or too many source addresses\n");
			return 2;
		}
		nsrc++;
	}
	free(list);
	long window = argc > 5 ? atol(argv[5]) : 256;
	const char *ciphers = argc > 6 ? argv[6] : "AES128-GCM-SHA256";
	if (n < 1 || nsrc < 1 || window < 1 || window > 65536) {
		fprintf(stderr, "idle_tls: bad N, source list or window\n");
		return 2;
	}

	struct rlimit rl = { .rlim_cur = (rlim_t)n + 1024, .rlim_max = (rlim_t)n + 1024 };
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		perror("idle_tls: setrlimit(RLIMIT_NOFILE)");
		return 1;
	}
	signal(SIGTERM, idle_on_signal);
	signal(SIGINT, idle_on_signal);
	signal(SIGPIPE, SIG_IGN);

	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct idle_conn *pend = calloc((size_t)window, sizeof(*pend));
	int *held = calloc((size_t)n, sizeof(*held));
	if (ep < 0 || pend == NULL || held == NULL) {
		perror("idle_tls");
		return 1;
	}
	for (long i = 0; i < window; i++)
		pend[i].fd = -1;

	long started = 0, established = 0, failed = 0, inflight = 0;
	double t0 = idle_now(), last = t0;
	struct epoll_event evs[256];
	while (!idle_stop && established + failed < n) {
		/* Fill free slots. */
		for (long i = 0; i < window && started < n; i++) {
			if (pend[i].fd >= 0)
				continue;
			int fd = idle_connect(&dst, &src[started % nsrc]);
			started++;
			if (fd < 0) {
				failed++;
				continue;
			}
			SSL *ssl = SSL_new(ctx);
			if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
				SSL_free(ssl);
				close(fd);
				failed++;
				continue;
			}
			SSL_set_connect_state(ssl);
			struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN, .data.u64 = (uint64_t)i };
			if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
				SSL_free(ssl);
				close(fd);
				failed++;
				continue;
			}
			pend[i] = (struct idle_conn){ .fd = fd, .ssl = ssl, .started = idle_now() };
			inflight++;
		}
		int k = epoll_wait(ep, evs, 256, 200);
		for (int j = 0; j < k; j++) {
			struct idle_conn *c = &pend[evs[j].data.u64];
			if (c->fd < 0)
				continue;
			int r = SSL_do_handshake(c->ssl);
			if (r == 1) {
				/* Done: keep the socket, drop the TLS state, send nothing. */
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				SSL_set_quiet_shutdown(c->ssl, 1);
				SSL_free(c->ssl);
				held[established++] = c->fd;
				c->fd = -1;
				inflight--;
				continue;
			}
			int e = SSL_get_error(c->ssl, r);
			struct epoll_event ev = { .data.u64 = evs[j].data.u64 };
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				ev.events = e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				continue;
			}
			if (failed < 10) {
				fprintf(stderr, "idle_tls: handshake failed (%d, errno %d)\n", e, errno);
				ERR_print_errors_fp(stderr);
			}
			ERR_clear_error();
			SSL_free(c->ssl);
			close(c->fd);
			c->fd = -1;
			failed++;
			inflight--;
		}
		double now = idle_now();
		for (long i = 0; i < window; i++) {
			if (pend[i].fd >= 0 && now - pend[i].started > IDLE_HS_TIMEOUT_S) {
				SSL_free(pend[i].ssl);
				close(pend[i].fd);
				pend[i].fd = -1;
				failed++;
				inflight--;
			}
		}
		if (now - last >= 1.0) {
			printf("progress %ld %ld\n", established, failed);
			fflush(stdout);
			last = now;
		}
	}
	printf("established %ld failed %ld seconds %.1f\n", established, failed, idle_now() - t0);
	fflush(stdout);

	/* Hold until told to stop. */
	while (!idle_stop)
		(void)poll(NULL, 0, 500);
	for (long i = 0; i < established; i++)
		close(held[i]);
	free(held);
	free(pend);
	SSL_CTX_free(ctx);
	return failed * 100 > n ? 1 : 0;
}
