/*
 * capture_reset: injects ready-made IP packets (the TCP resets of
 * net_reset_build) through raw sockets.
 *
 * An IPPROTO_RAW socket takes the packet with its IP header as built (both
 * for IPv4 and, on Linux, IPv6), and the kernel routes it like any locally
 * generated packet: a reset toward a remote peer leaves through the right
 * interface, one toward a local server is delivered through loopback. Both
 * pass the netfilter OUTPUT hook; the optional mark lets rules skip them so
 * our own resets are not queued to us again.
 */
#include "capture/capture.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/err.h"
#include "base/rd.h"

struct capture_reset {
	int fd4, fd6; /* -1 when that family could not be opened */
	struct capture_reset_stats st;
};

static int
capture_reset_socket(int family, uint32_t mark)
{
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return -1;
	if (mark != 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
capture_reset_open(uint32_t mark, struct capture_reset **out, char *err, size_t errlen)
{
	*out = NULL;
	struct capture_reset *r = calloc(1, sizeof(*r));
	if (!r)
		return TLSIPS_ENOMEM;
	r->fd6 = -1;
	r->fd4 = capture_reset_socket(AF_INET, mark);
	if (r->fd4 < 0) {
		int e = errno;
		snprintf(err, errlen, "reset injection: cannot open a raw IPv4 socket%s: %s%s",
			 mark ? " with a mark" : "", strerror(e),
			 e == EPERM ? " (needs CAP_NET_RAW, and CAP_NET_ADMIN for a mark)" : "");
		free(r);
		errno = e;
		return TLSIPS_ESYS;
	}
	/* IPv6 may be compiled out or disabled; IPv4 resets still work. */
	r->fd6 = capture_reset_socket(AF_INET6, mark);
	*out = r;
	return 0;
}

/*
 * Reads the destination from the IP header and checks that the declared
 * length is exactly what we were given (the raw socket would send whatever
 * the buffer holds). On success fills *out_sa / *out_salen and *out_fd.
 */
static int
capture_reset_dest(const struct capture_reset *r, const uint8_t *pkt, size_t len,
		   struct sockaddr_storage *out_sa, socklen_t *out_salen, int *out_fd)
{
	struct rd rd = rd_make(pkt, len);
	uint8_t v = rd_peek(&rd, 0) >> 4;
	memset(out_sa, 0, sizeof(*out_sa));
	if (v == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out_sa;
		uint8_t ihl = (uint8_t)((rd_u8(&rd) & 0x0f) * 4);
		rd_skip(&rd, 1);
		uint16_t total = rd_u16(&rd);
		rd_skip(&rd, 12);
		struct view dst = rd_bytes(&rd, 4);
		if (!rd_ok(&rd) || ihl < 20 || total != len || ihl > len)
			return TLSIPS_EMALFORMED;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, dst.ptr, 4);
		*out_salen = sizeof(*sin);
		*out_fd = r->fd4;
		return 0;
	}
	if (v == 6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out_sa;
		rd_skip(&rd, 4);
		uint16_t plen = rd_u16(&rd);
		rd_skip(&rd, 18);
		struct view dst = rd_bytes(&rd, 16);
		if (!rd_ok(&rd) || (size_t)plen + 40 != len)
			return TLSIPS_EMALFORMED;
		/* sin6_port stays 0: on a raw socket it would name the protocol. */
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, dst.ptr, 16);
		*out_salen = sizeof(*sin6);
		*out_fd = r->fd6;
		return 0;
	}
	return TLSIPS_EMALFORMED;
}

int
capture_reset_send(struct capture_reset *r, const uint8_t *pkt, size_t len)
{
	struct sockaddr_storage sa;
	socklen_t salen = 0;
	int fd = -1;
	if (capture_reset_dest(r, pkt, len, &sa, &salen, &fd) != 0) {
		r->st.malformed++;
		return TLSIPS_EMALFORMED;
	}
	if (fd < 0) {
		r->st.failed++;
		errno = EAFNOSUPPORT;
		return TLSIPS_ESYS;
	}
	ssize_t n;
	do
		n = sendto(fd, pkt, len, 0, (const struct sockaddr *)&sa, salen);
	while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != len) {
		r->st.failed++;
		return TLSIPS_ESYS;
	}
	r->st.sent++;
	return 0;
}

const struct capture_reset_stats *
capture_reset_stats(const struct capture_reset *r)
{
	return &r->st;
}

void
capture_reset_close(struct capture_reset *r)
{
	if (!r)
		return;
	if (r->fd4 >= 0)
		close(r->fd4);
	if (r->fd6 >= 0)
		close(r->fd6);
	free(r);
}
