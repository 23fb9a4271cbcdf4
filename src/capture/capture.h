/*
 * capture: packet sources and sinks.
 *
 * capture_file reads pcap and pcapng files through libpcap, one packet at a
 * time, so files far larger than memory are streamed. capture_writer writes
 * a classic pcap file. Packet memory returned by capture_file_next belongs to
 * the reader and is valid until the next call.
 */
#ifndef TLSIPS_CAPTURE_H
#define TLSIPS_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Link types we decode (values of the pcap LINKTYPE_ registry). */
enum {
	CAPTURE_LINK_NULL = 0,      /* BSD loopback, host-endian AF_ word */
	CAPTURE_LINK_ETHERNET = 1,
	CAPTURE_LINK_RAW = 101,     /* raw IPv4/IPv6 */
	CAPTURE_LINK_LOOP = 108,    /* OpenBSD loopback, network-endian AF_ word */
	CAPTURE_LINK_SLL = 113,     /* Linux cooked v1 */
	CAPTURE_LINK_IPV4 = 228,
	CAPTURE_LINK_IPV6 = 229,
	CAPTURE_LINK_SLL2 = 276,    /* Linux cooked v2 */
};

struct capture_pkt {
	const uint8_t *data; /* caplen bytes, owned by the reader */
	uint32_t caplen;     /* bytes present */
	uint32_t wire_len;   /* bytes on the wire (>= caplen) */
	uint64_t ts_usec;    /* microseconds since the epoch */
	int linktype;        /* CAPTURE_LINK_* (LINKTYPE_ value) */
};

struct capture_file_stats {
	uint64_t packets;
	uint64_t bytes;          /* captured bytes handed out */
	uint64_t resyncs;        /* corrupt records skipped over */
	uint64_t skipped_bytes;  /* file bytes skipped while resynchronising */
};

struct capture_file;

/*
 * Opens a pcap or pcapng file ("-" for standard input). On failure returns
 * TLSIPS_ESYS or TLSIPS_EMALFORMED and writes a message naming the file to err.
 */
int capture_file_open(const char *path, struct capture_file **out, char *err, size_t errlen);
/*
 * Same, reading an already open stream (a pipe, fmemopen memory); name is
 * used in messages. Takes ownership of fp: it is closed by
 * capture_file_close, or before returning on failure.
 */
int capture_file_open_fp_take(FILE *fp, const char *name, struct capture_file **out, char *err,
			      size_t errlen);

/*
 * Next packet: 1 with *out filled, 0 at a clean end of file, or a negative
 * code when the file could not be read on (TLSIPS_ETRUNC: file cut short;
 * TLSIPS_EMALFORMED: corrupt beyond recovery), with a message in err naming
 * the file and the byte offset. Packets before the error were all returned.
 */
int capture_file_next(struct capture_file *cf, struct capture_pkt *out, char *err, size_t errlen);

/* Bytes of the file consumed so far and its size (0 if unknown), for progress. */
uint64_t capture_file_offset(const struct capture_file *cf);
uint64_t capture_file_size(const struct capture_file *cf);
const struct capture_file_stats *capture_file_stats(const struct capture_file *cf);
void capture_file_close(struct capture_file *cf);

struct capture_live;

/*
 * Captures on an interface ("any" for all), optionally through a BPF
 * filter. Needs CAP_NET_RAW. Errors name the interface.
 */
int capture_live_open(const char *iface, const char *filter, struct capture_live **out, char *err,
		      size_t errlen);
/* A descriptor to poll() for readability together with other sources. */
int capture_live_fd(const struct capture_live *cl);
/* 1 with a packet, 0 when none is waiting now, TLSIPS_ESYS when capture failed. */
int capture_live_next(struct capture_live *cl, struct capture_pkt *out, char *err, size_t errlen);
/* Packets the kernel received and dropped (buffer full) so far. */
void capture_live_counts(const struct capture_live *cl, uint64_t *out_received,
			 uint64_t *out_dropped);
void capture_live_close(struct capture_live *cl);

struct capture_writer;

/* Creates (truncates) a classic pcap file of the given link type. */
int capture_writer_open(const char *path, int linktype, struct capture_writer **out, char *err,
			size_t errlen);
/* Writes one packet; past 262144 bytes it is cut, its original length kept. */
int capture_writer_write(struct capture_writer *w, uint64_t ts_usec, const uint8_t *data, size_t len);
/*
 * Room for a packet of up to max_len bytes inside the writer's buffer, to be
 * built in place and then committed with its real length; NULL after a
 * write error, or if max_len exceeds the snap length (a caller bug, made
 * sticky as TLSIPS_ELIMIT). Saves a copy.
 */
uint8_t *capture_writer_reserve(struct capture_writer *w, size_t max_len);
int capture_writer_commit(struct capture_writer *w, uint64_t ts_usec, size_t len);
int capture_writer_flush(struct capture_writer *w);
/* Flushes and closes; returns TLSIPS_ESYS if the final write failed. */
int capture_writer_close(struct capture_writer *w);

#endif
