/*
 * capture_file: pcap and pcapng files, streamed one packet at a time.
 *
 * Classic pcap is read here rather than through libpcap, for two reasons.
 * Records are parsed in place from a buffer (up to 256 KiB) filled by large
 * fread()s, so a packet costs neither a copy nor a system call (libpcap
 * copies every record into its own buffer through two freads). And a
 * corrupt record header can be resynchronised by scanning forward for a
 * plausible header, which libpcap cannot do: it stops at the first bad
 * record. (Mapping the file instead of reading it was measured slower on
 * the benchmark VM: 0.54 s of CPU instead of 0.32 s for a 533 MB capture,
 * since first touching each newly mapped page costs more there than the
 * kernel's copy; mmap with MADV_POPULATE_READ and MADV_HUGEPAGE did not
 * change that.)
 *
 * pcapng goes to libpcap, which parses its blocks. The bytes already read to
 * recognise the format are handed back to libpcap through a fopencookie()
 * stream that serves them before the rest of the file, so standard input
 * and other unseekable streams work for both formats.
 */
#include "capture/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/populate.h"
#include "base/rd.h"

enum {
	/* The read buffer starts small (small files, fuzzing) and doubles at
	 * every refill up to CAPTURE_FILE_BUF, so large files are read 256 KiB
	 * at a time after a few refills. Not more: bytes the kernel copies in
	 * are still in the L2 cache when they are decrypted (with 1 MiB they
	 * were not, and a whole decryption took several per cent more CPU). */
	CAPTURE_FILE_BUF_MIN = 1 << 16,
	CAPTURE_FILE_BUF = 1 << 18,
	/* libpcap reads pcapng through stdio; its buffer on our cookie stream. */
	CAPTURE_FILE_COOKIE_BUF = 1 << 18,
	/* The largest record we accept, as libpcap's MAXIMUM_SNAPLEN. */
	CAPTURE_FILE_MAX_CAPLEN = 262144,
	CAPTURE_FILE_HDR = 24,
	CAPTURE_FILE_REC = 16,
	CAPTURE_FILE_RESYNC_SECS = 86400,
};

#define CAPTURE_MAGIC_USEC 0xa1b2c3d4u
#define CAPTURE_MAGIC_NSEC 0xa1b23c4du
#define CAPTURE_MAGIC_USEC_SWAP 0xd4c3b2a1u
#define CAPTURE_MAGIC_NSEC_SWAP 0x4d3cb2a1u
#define CAPTURE_MAGIC_PCAPNG 0x0a0d0d0au /* Section Header Block type, a palindrome */

struct capture_file {
	FILE *fp;
	bool close_fp;   /* false for standard input */
	char name[256];
	uint8_t *buf;    /* owned, cap bytes; live bytes are [pos, end) */
	size_t cap;
	size_t pos, end;
	uint64_t buf_off; /* file offset of buf[0] */
	bool eof;
	bool done;       /* end or error was reported */
	uint64_t size;
	/* classic pcap */
	bool big_endian;
	bool nsec;
	uint32_t snaplen; /* for resync plausibility, clamped to the maximum */
	int linktype;
	bool have_ts;
	uint32_t last_sec; /* seconds of the last good record */
	/* pcapng, through libpcap */
	pcap_t *pcap;
	FILE *cookie;    /* owned by pcap once pcap is open */
	char *cookie_buf;
	uint64_t cookie_off;
	struct capture_file_stats stats;
};

/* One classic record header (file byte order resolved). */
struct capture_rec {
	uint32_t sec, frac, caplen, len;
};

__attribute__((format(printf, 3, 4))) static void
capture_file_msg(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* DLT_RAW is 12 on most systems and 14 on OpenBSD; LINKTYPE_RAW is 101. */
static int
capture_file_linktype(uint32_t v)
{
	if (v == 12 || v == 14)
		return CAPTURE_LINK_RAW;
	return (int)v;
}

/*
 * Makes at least n bytes available at pos unless the file ends first; reads
 * in large blocks, moving the live tail to the front only when it must.
 */
static int
capture_file_fill(struct capture_file *cf, size_t n)
{
	if (cf->end - cf->pos >= n || cf->eof)
		return 0;
	if (cf->pos > 0) {
		memmove(cf->buf, cf->buf + cf->pos, cf->end - cf->pos);
		cf->buf_off += cf->pos;
		cf->end -= cf->pos;
		cf->pos = 0;
	}
	size_t want = cf->cap < CAPTURE_FILE_BUF ? cf->cap * 2 : cf->cap;
	while (want < n)
		want *= 2;
	if (want != cf->cap) {
		uint8_t *nb = realloc(cf->buf, want);
		if (nb == NULL) {
			errno = ENOMEM;
			return TLSIPS_ESYS;
		}
		cf->buf = nb;
		cf->cap = want;
		base_populate(cf->buf, cf->cap);
	}
	while (cf->end < n && !cf->eof) {
		size_t got = fread(cf->buf + cf->end, 1, cf->cap - cf->end, cf->fp);
		cf->end += got;
		if (got == 0) {
			if (ferror(cf->fp))
				return TLSIPS_ESYS;
			cf->eof = true;
		}
	}
	return 0;
}

static uint32_t
capture_file_u32(const struct capture_file *cf, struct rd *r)
{
	return cf->big_endian ? rd_u32(r) : rd_le32(r);
}

static uint16_t
capture_file_u16(const struct capture_file *cf, struct rd *r)
{
	return cf->big_endian ? rd_u16(r) : rd_le16(r);
}

/* Record header at pos + at; the caller made sure 16 bytes are there. */
static struct capture_rec
capture_file_rec_at(const struct capture_file *cf, size_t at)
{
	/* | ts_sec (4) | ts_usec or ts_nsec (4) | incl_len (4) | orig_len (4) | */
	struct rd r = rd_make(cf->buf + cf->pos + at, CAPTURE_FILE_REC);
	struct capture_rec h;
	h.sec = capture_file_u32(cf, &r);
	h.frac = capture_file_u32(cf, &r);
	h.caplen = capture_file_u32(cf, &r);
	h.len = capture_file_u32(cf, &r);
	return h;
}

/* Good enough to read on: what libpcap would refuse, or more bytes captured than sent. */
static bool
capture_file_rec_sane(const struct capture_rec *h)
{
	return h->caplen <= CAPTURE_FILE_MAX_CAPLEN && h->caplen <= h->len;
}

/* Stricter, for candidates found while scanning garbage. */
static bool
capture_file_rec_plausible(const struct capture_file *cf, const struct capture_rec *h)
{
	if (!capture_file_rec_sane(h) || h->len == 0 || h->caplen > cf->snaplen)
		return false;
	if (h->frac >= (cf->nsec ? 1000000000u : 1000000u))
		return false;
	if (!cf->have_ts)
		return true;
	uint32_t diff = h->sec > cf->last_sec ? h->sec - cf->last_sec : cf->last_sec - h->sec;
	return diff <= CAPTURE_FILE_RESYNC_SECS;
}

/*
 * The record header at pos is corrupt: skip forward one byte at a time to a
 * plausible header followed by another plausible header (or by the end of
 * the file). Returns 0 with pos there, or TLSIPS_EMALFORMED if none is left.
 */
static int
capture_file_resync(struct capture_file *cf, char *err, size_t errlen)
{
	uint64_t bad_off = cf->buf_off + cf->pos;
	cf->stats.resyncs++;
	for (;;) {
		cf->pos++;
		cf->stats.skipped_bytes++;
		/* Only a plausible candidate needs the look-ahead to the next
		 * header; asking for it at every byte would move the buffer
		 * at every byte. */
		if (capture_file_fill(cf, CAPTURE_FILE_REC) != 0)
			goto ioerr;
		size_t avail = cf->end - cf->pos;
		if (avail < CAPTURE_FILE_REC) {
			cf->stats.skipped_bytes += avail;
			cf->pos = cf->end;
			capture_file_msg(err, errlen,
					 "%s: corrupt record header at byte offset %llu, no valid record after it",
					 cf->name, (unsigned long long)bad_off);
			return TLSIPS_EMALFORMED;
		}
		struct capture_rec h = capture_file_rec_at(cf, 0);
		if (!capture_file_rec_plausible(cf, &h))
			continue;
		size_t next = CAPTURE_FILE_REC + (size_t)h.caplen;
		if (capture_file_fill(cf, next + CAPTURE_FILE_REC) != 0)
			goto ioerr;
		avail = cf->end - cf->pos;
		if (avail == next && cf->eof)
			return 0;
		if (avail >= next + CAPTURE_FILE_REC) {
			struct capture_rec h2 = capture_file_rec_at(cf, next);
			if (capture_file_rec_plausible(cf, &h2))
				return 0;
		}
	}
ioerr:
	capture_file_msg(err, errlen, "%s: read error: %s", cf->name, strerror(errno));
	return TLSIPS_ESYS;
}

static int
capture_file_next_classic(struct capture_file *cf, struct capture_pkt *out, char *err, size_t errlen)
{
	for (;;) {
		if (capture_file_fill(cf, CAPTURE_FILE_REC) != 0)
			goto ioerr;
		size_t avail = cf->end - cf->pos;
		if (avail == 0)
			return 0;
		if (avail < CAPTURE_FILE_REC) {
			capture_file_msg(err, errlen,
					 "%s: truncated: file ends inside a record header at byte offset %llu (%zu of 16 bytes)",
					 cf->name, (unsigned long long)(cf->buf_off + cf->pos), avail);
			return TLSIPS_ETRUNC;
		}
		struct capture_rec h = capture_file_rec_at(cf, 0);
		if (!capture_file_rec_sane(&h)) {
			int rc = capture_file_resync(cf, err, errlen);
			if (rc != 0)
				return rc;
			continue;
		}
		size_t need = CAPTURE_FILE_REC + (size_t)h.caplen;
		if (capture_file_fill(cf, need) != 0)
			goto ioerr;
		avail = cf->end - cf->pos;
		if (avail < need) {
			capture_file_msg(err, errlen,
					 "%s: truncated: last record at byte offset %llu cut short (%zu of %zu bytes)",
					 cf->name, (unsigned long long)(cf->buf_off + cf->pos), avail, need);
			return TLSIPS_ETRUNC;
		}
		out->data = cf->buf + cf->pos + CAPTURE_FILE_REC;
		out->caplen = h.caplen;
		out->wire_len = h.len;
		out->ts_usec = (uint64_t)h.sec * 1000000u + (cf->nsec ? h.frac / 1000u : h.frac);
		out->linktype = cf->linktype;
		cf->pos += need;
		cf->have_ts = true;
		cf->last_sec = h.sec;
		return 1;
	}
ioerr:
	capture_file_msg(err, errlen, "%s: read error at byte offset %llu: %s", cf->name,
			 (unsigned long long)(cf->buf_off + cf->end), strerror(errno));
	return TLSIPS_ESYS;
}

/*
 * Classic pcap file header:
 *  | magic (4) | version_major (2) | version_minor (2) | thiszone (4) |
 *  | sigfigs (4) | snaplen (4) | linktype (4) |
 * The magic's byte order is the file's; a1b23c4d marks nanosecond stamps.
 */
static int
capture_file_open_classic(struct capture_file *cf, char *err, size_t errlen)
{
	if (cf->end - cf->pos < CAPTURE_FILE_HDR) {
		capture_file_msg(err, errlen, "%s: not a capture file (%zu bytes)", cf->name,
				 cf->end - cf->pos);
		return TLSIPS_EMALFORMED;
	}
	struct rd r = rd_make(cf->buf + cf->pos, CAPTURE_FILE_HDR);
	uint32_t magic = rd_le32(&r);
	switch (magic) {
	case CAPTURE_MAGIC_USEC: break;
	case CAPTURE_MAGIC_NSEC: cf->nsec = true; break;
	case CAPTURE_MAGIC_USEC_SWAP: cf->big_endian = true; break;
	case CAPTURE_MAGIC_NSEC_SWAP: cf->big_endian = cf->nsec = true; break;
	default:
		capture_file_msg(err, errlen, "%s: not a pcap or pcapng file (magic %08x)", cf->name,
				 (unsigned)magic);
		return TLSIPS_EMALFORMED;
	}
	uint16_t major = capture_file_u16(cf, &r);
	uint16_t minor = capture_file_u16(cf, &r);
	rd_skip(&r, 8);
	uint32_t snaplen = capture_file_u32(cf, &r);
	uint32_t network = capture_file_u32(cf, &r);
	if (major != 2) {
		capture_file_msg(err, errlen, "%s: unsupported pcap version %u.%u", cf->name, major,
				 minor);
		return TLSIPS_EMALFORMED;
	}
	cf->snaplen = snaplen == 0 || snaplen > CAPTURE_FILE_MAX_CAPLEN ? CAPTURE_FILE_MAX_CAPLEN :
									  snaplen;
	/* The link type is the low 16 bits; above them are FCS flags. */
	cf->linktype = capture_file_linktype(network & 0xffff);
	cf->pos += CAPTURE_FILE_HDR;
	return 0;
}

/* Serves the bytes already buffered, then the rest of the stream, to libpcap. */
static ssize_t
capture_file_cookie_read(void *cookie, char *dst, size_t n)
{
	struct capture_file *cf = cookie;
	size_t got = 0;
	if (cf->pos < cf->end) {
		got = cf->end - cf->pos < n ? cf->end - cf->pos : n;
		memcpy(dst, cf->buf + cf->pos, got);
		cf->pos += got;
	}
	if (got < n && !cf->eof) {
		size_t more = fread(dst + got, 1, n - got, cf->fp);
		if (more == 0 && ferror(cf->fp) && got == 0)
			return -1;
		if (more < n - got)
			cf->eof = true;
		got += more;
	}
	cf->cookie_off += got;
	return (ssize_t)got;
}

/* The stream itself is closed by capture_file_close. */
static int
capture_file_cookie_close(void *cookie)
{
	(void)cookie;
	return 0;
}

static int
capture_file_open_pcapng(struct capture_file *cf, char *err, size_t errlen)
{
	cookie_io_functions_t io = { .read = capture_file_cookie_read,
				     .close = capture_file_cookie_close };
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	cf->cookie_buf = malloc(CAPTURE_FILE_COOKIE_BUF);
	cf->cookie = cf->cookie_buf != NULL ? fopencookie(cf, "rb", io) : NULL;
	if (cf->cookie == NULL) {
		capture_file_msg(err, errlen, "%s: out of memory", cf->name);
		return TLSIPS_ENOMEM;
	}
	setvbuf(cf->cookie, cf->cookie_buf, _IOFBF, CAPTURE_FILE_COOKIE_BUF);
	cf->pcap = pcap_fopen_offline_with_tstamp_precision(cf->cookie, PCAP_TSTAMP_PRECISION_MICRO,
							    pcap_err);
	if (cf->pcap == NULL) {
		capture_file_msg(err, errlen, "%s: %s", cf->name, pcap_err);
		return TLSIPS_EMALFORMED;
	}
	/* libpcap reports DLT_ values; ours are LINKTYPE_ values. */
	int dlt = pcap_datalink(cf->pcap);
	cf->linktype = dlt == DLT_RAW ? CAPTURE_LINK_RAW : capture_file_linktype((uint32_t)dlt);
	return 0;
}

static int
capture_file_next_pcapng(struct capture_file *cf, struct capture_pkt *out, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int r = pcap_next_ex(cf->pcap, &h, &data);
	if (r == 1) {
		out->data = data;
		out->caplen = h->caplen;
		out->wire_len = h->len > h->caplen ? h->len : h->caplen;
		out->ts_usec = h->ts.tv_sec < 0 ? 0 :
						  (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
		out->linktype = cf->linktype;
		return 1;
	}
	if (r == PCAP_ERROR_BREAK || r == 0)
		return 0;
	const char *msg = pcap_geterr(cf->pcap);
	/* libpcap says "truncated" when a block runs past the end of the file. */
	int rc = strstr(msg, "truncated") != NULL ? TLSIPS_ETRUNC : TLSIPS_EMALFORMED;
	capture_file_msg(err, errlen, "%s: %s (near byte offset %llu)", cf->name, msg,
			 (unsigned long long)cf->cookie_off);
	return rc;
}

static int
capture_file_open_stream(FILE *fp, bool close_fp, const char *name, struct capture_file **out,
			 char *err, size_t errlen)
{
	int rc = TLSIPS_ENOMEM;
	*out = NULL;
	struct capture_file *cf = calloc(1, sizeof(*cf));
	if (cf == NULL) {
		if (close_fp)
			fclose(fp);
		capture_file_msg(err, errlen, "%s: out of memory", name);
		return TLSIPS_ENOMEM;
	}
	cf->fp = fp;
	cf->close_fp = close_fp;
	snprintf(cf->name, sizeof(cf->name), "%s", name);
	cf->cap = CAPTURE_FILE_BUF_MIN / 2; /* the first fill doubles it */
	cf->buf = malloc(cf->cap);
	if (cf->buf == NULL) {
		capture_file_msg(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	/* Our buffer is the only one: stdio's would copy every byte twice. */
	setvbuf(fp, NULL, _IONBF, 0);
	struct stat st;
	int fd = fileno(fp);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		cf->size = (uint64_t)st.st_size;
	if (capture_file_fill(cf, CAPTURE_FILE_HDR) != 0) {
		capture_file_msg(err, errlen, "%s: %s", name, strerror(errno));
		rc = TLSIPS_ESYS;
		goto fail;
	}
	struct rd r = rd_make(cf->buf, cf->end);
	uint32_t magic = rd_le32(&r);
	if (rd_ok(&r) && magic == CAPTURE_MAGIC_PCAPNG)
		rc = capture_file_open_pcapng(cf, err, errlen);
	else
		rc = capture_file_open_classic(cf, err, errlen);
	if (rc != 0)
		goto fail;
	*out = cf;
	return 0;
fail:
	capture_file_close(cf);
	return rc;
}

int
capture_file_open_fp_take(FILE *fp, const char *name, struct capture_file **out, char *err,
			  size_t errlen)
{
	return capture_file_open_stream(fp, true, name, out, err, errlen);
}

int
capture_file_open(const char *path, struct capture_file **out, char *err, size_t errlen)
{
	*out = NULL;
	if (strcmp(path, "-") == 0)
		return capture_file_open_stream(stdin, false, "(stdin)", out, err, errlen);
	FILE *fp = fopen(path, "rb");
	if (fp == NULL) {
		capture_file_msg(err, errlen, "%s: %s", path, strerror(errno));
		return TLSIPS_ESYS;
	}
	return capture_file_open_stream(fp, true, path, out, err, errlen);
}

int
capture_file_next(struct capture_file *cf, struct capture_pkt *out, char *err, size_t errlen)
{
	if (cf->done)
		return 0;
	int rc = cf->pcap != NULL ? capture_file_next_pcapng(cf, out, err, errlen) :
				   capture_file_next_classic(cf, out, err, errlen);
	if (rc != 1) {
		cf->done = true;
		return rc;
	}
	cf->stats.packets++;
	cf->stats.bytes += out->caplen;
	return 1;
}

uint64_t
capture_file_offset(const struct capture_file *cf)
{
	return cf->pcap != NULL ? cf->cookie_off : cf->buf_off + cf->pos;
}

uint64_t
capture_file_size(const struct capture_file *cf)
{
	return cf->size;
}

const struct capture_file_stats *
capture_file_stats(const struct capture_file *cf)
{
	return &cf->stats;
}

void
capture_file_close(struct capture_file *cf)
{
	if (cf == NULL)
		return;
	/* pcap_close closes the cookie stream it was given. */
	if (cf->pcap != NULL)
		pcap_close(cf->pcap);
	else if (cf->cookie != NULL)
		fclose(cf->cookie);
	cf->pcap = NULL;
	cf->cookie = NULL;
	free(cf->cookie_buf);
	cf->cookie_buf = NULL;
	if (cf->close_fp && cf->fp != NULL)
		fclose(cf->fp);
	cf->fp = NULL;
	free(cf->buf);
	cf->buf = NULL;
	free(cf);
}
