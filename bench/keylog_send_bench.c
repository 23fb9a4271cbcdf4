/*
 * keylog_send_bench: what one key log line costs the sender, measured the way
 * libtlsips-keylog.so sends it (src/keylog/tlsips_keylog.c): a connected,
 * non-blocking AF_UNIX datagram socket, one send(MSG_DONTWAIT) per line.
 *
 *   keylog_send_bench SOCKET_PATH [HANDSHAKES] [LINES_PER_HANDSHAKE] [GAP_US]
 *
 * Mimics a busy TLS server: a burst of LINES_PER_HANDSHAKE lines (default 5,
 * as OpenSSL logs a TLS 1.3 handshake), then GAP_US microseconds (default
 * 600, about one handshake of nginx here) of busy work, HANDSHAKES times
 * (default 20000). Only the sends are timed (thread CPU time and wall time).
 * Prints key=value lines: microseconds per line and per handshake, and how
 * many lines the receiver's queue refused (EAGAIN: the line would be
 * dropped by the library).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double
now_s(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: keylog_send_bench SOCKET_PATH [HANDSHAKES] [LINES] [GAP_US]\n");
		return 2;
	}
	long hs = argc > 2 ? atol(argv[2]) : 20000;
	int per = argc > 3 ? atoi(argv[3]) : 5;
	double gap = (argc > 4 ? atof(argv[4]) : 600) / 1e6;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(argv[1]) >= sizeof(a.sun_path))
		return 2;
	strcpy(a.sun_path, argv[1]);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("connect");
		return 1;
	}
	/* A TLS 1.3 line: label, 64 hex client random, 64 hex secret, LF. */
	char line[200];
	int len = snprintf(line, sizeof(line), "CLIENT_TRAFFIC_SECRET_0 %064d %064d\n", 0, 0);

	double cpu = 0, wall = 0;
	long sent = 0, refused = 0, errors = 0;
	for (long h = 0; h < hs; h++) {
		double c0 = now_s(CLOCK_THREAD_CPUTIME_ID), w0 = now_s(CLOCK_MONOTONIC);
		for (int i = 0; i < per; i++) {
			ssize_t n = send(fd, line, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n == len)
				sent++;
			else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
				refused++;
			else
				errors++;
		}
		double c1 = now_s(CLOCK_THREAD_CPUTIME_ID), w1 = now_s(CLOCK_MONOTONIC);
		cpu += c1 - c0;
		wall += w1 - w0;
		/* The rest of the handshake: busy, as a server's worker would be. */
		while (now_s(CLOCK_MONOTONIC) - w1 < gap)
			;
	}
	long lines = hs * per;
	printf("handshakes=%ld\nlines_per_handshake=%d\ngap_us=%.0f\n", hs, per, gap * 1e6);
	printf("sent=%ld\nrefused=%ld\nerrors=%ld\n", sent, refused, errors);
	printf("cpu_us_per_line=%.2f\nwall_us_per_line=%.2f\n", cpu * 1e6 / (double)lines,
	       wall * 1e6 / (double)lines);
	printf("cpu_us_per_handshake=%.1f\n", cpu * 1e6 / (double)hs);
	close(fd);
	return 0;
}
