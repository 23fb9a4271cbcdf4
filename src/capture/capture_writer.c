/*
 * capture_writer: classic pcap output (microsecond stamps, little-endian,
 * snap length 262144).
 *
 * The writer owns a 1 MiB buffer (room for the largest packet) and writes
 * it with write(2) once CAPTURE_WRITER_FLUSH_AT bytes are in it: a smaller
 * batch stays in the CPU's L2 cache between being built and being written,
 * instead of going out to memory and back.
 * capture_writer_reserve hands out room for a packet inside that buffer, so
 * a caller can build the packet in place and the bytes are copied once, by
 * the kernel. The first write error sticks: later calls return it and
 * close reports it.
 */
#include "capture/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/populate.h"

enum {
	CAPTURE_WRITER_BUF = 1 << 20,
	CAPTURE_WRITER_FLUSH_AT = 1 << 17,
	CAPTURE_WRITER_SNAPLEN = 262144,
	CAPTURE_WRITER_REC = 16,
};

struct capture_writer {
	int fd;
	uint8_t *buf; /* owned, CAPTURE_WRITER_BUF bytes; [0, len) not yet written */
	size_t len;
	int err;      /* first write error, sticky */
};

static void
capture_writer_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int
capture_writer_flush(struct capture_writer *w)
{
	size_t off = 0;
	while (w->err == 0 && off < w->len) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			w->err = TLSIPS_ESYS;
		else
			off += (size_t)n;
	}
	w->len = 0;
	return w->err;
}

int
capture_writer_open(const char *path, int linktype, struct capture_writer **out, char *err,
		    size_t errlen)
{
	*out = NULL;
	struct capture_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return TLSIPS_ENOMEM;
	if (strcmp(path, "-") == 0)
		w->fd = dup(STDOUT_FILENO);
	else
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	w->buf = w->fd >= 0 ? malloc(CAPTURE_WRITER_BUF) : NULL;
	if (w->buf == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, w->fd < 0 ? strerror(errno) : "out of memory");
		if (w->fd >= 0)
			close(w->fd);
		free(w);
		return TLSIPS_ESYS;
	}
	/* The part filled before each flush, plus room for one large record. */
	base_populate(w->buf, CAPTURE_WRITER_FLUSH_AT + 65536);
	/* | magic | major 2 | minor 4 | thiszone 0 | sigfigs 0 | snaplen | linktype | */
	uint8_t *hdr = w->buf;
	memset(hdr, 0, 24);
	capture_writer_put32(hdr, 0xa1b2c3d4u);
	hdr[4] = 2;
	hdr[6] = 4;
	capture_writer_put32(hdr + 16, CAPTURE_WRITER_SNAPLEN);
	capture_writer_put32(hdr + 20, (uint32_t)linktype);
	w->len = 24;
	*out = w;
	return 0;
}

uint8_t *
capture_writer_reserve(struct capture_writer *w, size_t max_len)
{
	if (w->err != 0)
		return NULL;
	if (max_len > CAPTURE_WRITER_SNAPLEN) {
		w->err = TLSIPS_ELIMIT;
		return NULL;
	}
	if ((w->len >= CAPTURE_WRITER_FLUSH_AT ||
	     CAPTURE_WRITER_BUF - w->len < CAPTURE_WRITER_REC + max_len) &&
	    capture_writer_flush(w) != 0)
		return NULL;
	return w->buf + w->len + CAPTURE_WRITER_REC;
}

/* | ts_sec | ts_usec | incl_len | orig_len | before the reserved bytes. */
static int
capture_writer_commit_cut(struct capture_writer *w, uint64_t ts_usec, size_t caplen,
			  size_t wire_len)
{
	uint8_t *hdr = w->buf + w->len;
	capture_writer_put32(hdr, (uint32_t)(ts_usec / 1000000u));
	capture_writer_put32(hdr + 4, (uint32_t)(ts_usec % 1000000u));
	capture_writer_put32(hdr + 8, (uint32_t)caplen);
	capture_writer_put32(hdr + 12, wire_len > UINT32_MAX ? UINT32_MAX : (uint32_t)wire_len);
	w->len += CAPTURE_WRITER_REC + caplen;
	return w->err;
}

int
capture_writer_commit(struct capture_writer *w, uint64_t ts_usec, size_t len)
{
	return capture_writer_commit_cut(w, ts_usec, len, len);
}

int
capture_writer_write(struct capture_writer *w, uint64_t ts_usec, const uint8_t *data, size_t len)
{
	/* Longer packets are cut to the snap length, their length on the wire kept. */
	size_t caplen = len > CAPTURE_WRITER_SNAPLEN ? CAPTURE_WRITER_SNAPLEN : len;
	uint8_t *dst = capture_writer_reserve(w, caplen);
	if (dst == NULL)
		return w->err;
	memcpy(dst, data, caplen);
	return capture_writer_commit_cut(w, ts_usec, caplen, len);
}

int
capture_writer_close(struct capture_writer *w)
{
	if (w == NULL)
		return 0;
	int rc = capture_writer_flush(w);
	if (close(w->fd) != 0 && rc == 0)
		rc = TLSIPS_ESYS;
	free(w->buf);
	free(w);
	return rc;
}
