/*
 * capture_writer: classic pcap output (microsecond stamps, little-endian,
 * snap length 262144), written through a 1 MiB stdio buffer. The first
 * write error sticks: later calls return it and close reports it.
 */
#include "capture/capture.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"

enum {
	CAPTURE_WRITER_BUF = 1 << 20,
	CAPTURE_WRITER_SNAPLEN = 262144,
};

struct capture_writer {
	FILE *fp;
	char *vbuf; /* stdio buffer of fp; freed after fp is closed */
	int err;    /* first write error, sticky */
};

static void
capture_writer_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static int
capture_writer_put(struct capture_writer *w, const void *p, size_t n)
{
	if (w->err != 0)
		return w->err;
	if (n > 0 && fwrite(p, 1, n, w->fp) != n)
		w->err = TLSIPS_ESYS;
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
	/* Standard output gets its own stream, so our buffer never outlives it. */
	if (strcmp(path, "-") == 0) {
		int fd = dup(STDOUT_FILENO);
		w->fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
		if (w->fp == NULL && fd >= 0)
			close(fd);
	} else {
		w->fp = fopen(path, "wb");
	}
	if (w->fp == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(w);
		return TLSIPS_ESYS;
	}
	w->vbuf = malloc(CAPTURE_WRITER_BUF);
	if (w->vbuf != NULL)
		setvbuf(w->fp, w->vbuf, _IOFBF, CAPTURE_WRITER_BUF);
	/* | magic | major 2 | minor 4 | thiszone 0 | sigfigs 0 | snaplen | linktype | */
	uint8_t hdr[24] = { 0 };
	capture_writer_put32(hdr, 0xa1b2c3d4u);
	hdr[4] = 2;
	hdr[6] = 4;
	capture_writer_put32(hdr + 16, CAPTURE_WRITER_SNAPLEN);
	capture_writer_put32(hdr + 20, (uint32_t)linktype);
	if (capture_writer_put(w, hdr, sizeof(hdr)) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		capture_writer_close(w);
		return TLSIPS_ESYS;
	}
	*out = w;
	return 0;
}

int
capture_writer_write(struct capture_writer *w, uint64_t ts_usec, const uint8_t *data, size_t len)
{
	uint32_t caplen = len > CAPTURE_WRITER_SNAPLEN ? CAPTURE_WRITER_SNAPLEN : (uint32_t)len;
	uint8_t hdr[16];
	capture_writer_put32(hdr, (uint32_t)(ts_usec / 1000000u));
	capture_writer_put32(hdr + 4, (uint32_t)(ts_usec % 1000000u));
	capture_writer_put32(hdr + 8, caplen);
	capture_writer_put32(hdr + 12, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);
	if (capture_writer_put(w, hdr, sizeof(hdr)) != 0)
		return w->err;
	return capture_writer_put(w, data, caplen);
}

int
capture_writer_flush(struct capture_writer *w)
{
	if (w->err == 0 && fflush(w->fp) != 0)
		w->err = TLSIPS_ESYS;
	return w->err;
}

int
capture_writer_close(struct capture_writer *w)
{
	if (w == NULL)
		return 0;
	int rc = capture_writer_flush(w);
	if (fclose(w->fp) != 0 && rc == 0)
		rc = TLSIPS_ESYS;
	w->fp = NULL;
	free(w->vbuf);
	w->vbuf = NULL;
	free(w);
	return rc;
}
