/*
 * capture: packet sources and sinks.
 *
 * capture_file reads pcap and pcapng files through libpcap, one packet at a
 * time, so files far larger than memory are streamed. capture_writer writes
 * a classic pcap file. Packet memory returned by capture_file_next belongs to
 * the reader and is valid until the next call. capture_live captures on an
 * interface; capture_nfq takes packets from an NFQUEUE queue and returns a
 * verdict for each (inline mode), and capture_reset injects the resets that
 * end a blocked connection (docs/inline.md).
 */
#ifndef TLSIPS_CAPTURE_H
#define TLSIPS_CAPTURE_H

#include <stdbool.h>
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

/*
 * ---- Inline: NFQUEUE (capture_nfq.c) and reset injection (capture_reset.c)
 *
 * capture_nfq binds one netfilter queue through libnetfilter_queue. The
 * kernel holds every queued packet until it gets a verdict for it, so every
 * packet handed out must get exactly one: returned from the callback, or
 * given later with capture_nfq_verdict when the callback said HOLD. Packets
 * are LINKTYPE_RAW (the IPv4/IPv6 header first). One capture_nfq belongs to
 * one thread; several queues (one per worker) are several capture_nfq.
 */
enum capture_nfq_verdict {
	CAPTURE_NFQ_DROP = 0,
	CAPTURE_NFQ_ACCEPT = 1,
	CAPTURE_NFQ_HOLD = 2, /* callback only: no verdict yet, capture_nfq_verdict follows */
	/* Accept, but run the rules of the chain that queued the packet once
	 * more first (NF_REPEAT), with the mark the callback set: a rule
	 * placed before the queue rule sees the mark and can act on it (save
	 * it to the connection, accept). Counted as accepted and as repeated. */
	CAPTURE_NFQ_REPEAT = 3,
};

struct capture_nfq_opts {
	uint32_t queue_maxlen; /* packets the kernel keeps waiting for a verdict */
	uint32_t rcvbuf_bytes; /* socket receive buffer (ENOBUFS when it overflows) */
	/* Kernel accepts packets it cannot queue (queue full, socket buffer
	 * full) instead of dropping them: available over safe. Off by default. */
	bool fail_open;
	/* Ask for GSO/GRO packets unsegmented (NFQA_CFG_F_GSO): fewer, larger
	 * packets whose checksums may not be filled in yet. On by default. */
	bool gso;
};

/* Defaults: queue_maxlen 4096, rcvbuf 16 MiB, fail_open off, gso on (0 sizes mean default). */
void capture_nfq_opts_default(struct capture_nfq_opts *out);

/* What the kernel said about one queued packet, besides its bytes. */
struct capture_nfq_pkt {
	struct capture_pkt pkt; /* linktype CAPTURE_LINK_RAW; data valid during the callback */
	uint32_t id;            /* the kernel's packet id, for capture_nfq_verdict */
	uint32_t mark;          /* skb mark as queued */
	uint32_t indev, outdev; /* interface indexes, 0 when none (input / output hook) */
	uint16_t hw_protocol;   /* ETH_P_IP or ETH_P_IPV6, host order */
	bool gso;               /* an unsegmented GSO/GRO packet (larger than the MTU) */
	bool csum_not_ready;    /* checksum left to the NIC: do not verify it */
};

/*
 * Decides one packet synchronously. *out_mark holds the packet's mark on
 * entry; a changed value is set with the verdict. Returns a
 * capture_nfq_verdict. HOLD keeps the packet in the kernel (counted against
 * queue_maxlen) until capture_nfq_verdict(pkt->id) is called.
 */
typedef enum capture_nfq_verdict (*capture_nfq_fn)(void *ctx, const struct capture_nfq_pkt *pkt,
						   uint32_t *out_mark);

struct capture_nfq_stats {
	uint64_t packets;          /* packets handed to the callback */
	uint64_t bytes;            /* their captured bytes */
	uint64_t accepted, dropped;
	uint64_t held;             /* HOLD returned (their verdicts count when given) */
	uint64_t repeated;         /* accepted with REPEAT (also in accepted) */
	uint64_t reads;            /* recvmmsg calls that returned packets */
	uint64_t verdict_sends;    /* sendto calls carrying verdicts (several each) */
	uint64_t truncated;        /* longer than the copy range: caplen < wire_len */
	uint64_t gso;              /* unsegmented GSO/GRO packets */
	uint64_t enobufs;          /* socket buffer overflowed: the kernel lost queue messages */
	uint64_t verdict_failures; /* a verdict the kernel did not take */
	uint64_t bad_messages;     /* netlink messages that were not a usable packet */
	/* From the kernel's /proc/net/netfilter/nfnetlink_queue for this queue
	 * (UINT64_MAX when unreadable): packets waiting for a verdict now,
	 * dropped because the queue was full, dropped because the message could
	 * not be delivered to us. Fail-open packets are not counted there. */
	uint64_t kernel_waiting, kernel_queue_dropped, kernel_user_dropped;
};

struct capture_nfq;

/*
 * Binds queue queue_num (0..65535) in the caller's network namespace, in
 * copy-packet mode with the whole packet (up to 65531 bytes), with opts
 * (NULL: defaults). Needs CAP_NET_ADMIN. Fails with TLSIPS_ESYS and a message
 * naming the queue and the reason, e.g. "queue 0: cannot bind: Device or
 * resource busy (is another program bound to this queue?)".
 */
int capture_nfq_open(uint32_t queue_num, const struct capture_nfq_opts *opts,
		     struct capture_nfq **out, char *err, size_t errlen);
/* A descriptor to poll() for readability; the socket is non-blocking. */
int capture_nfq_fd(const struct capture_nfq *q);
/*
 * Reads and decides up to max packets that are waiting now, never blocking:
 * several per system call (recvmmsg), each handed to fn. Verdicts are
 * gathered and sent together, several netlink messages in one datagram, in
 * the order they were given, before this returns (and whenever the batch
 * fills). Returns the number of packets handled (0: none waiting), or
 * TLSIPS_ESYS with a message naming the queue when the socket failed. A
 * socket buffer overflow (ENOBUFS) is counted, not an error: the lost
 * packets are the kernel's to drop or pass.
 */
int capture_nfq_dispatch(struct capture_nfq *q, int max, capture_nfq_fn fn, void *ctx, char *err,
			 size_t errlen);
/*
 * Verdict for a held packet: CAPTURE_NFQ_ACCEPT or CAPTURE_NFQ_DROP. The
 * _mark variant also sets the packet's mark. Called from fn (inside
 * capture_nfq_dispatch) it joins that dispatch's batch; otherwise it is sent
 * at once. Returns 0, TLSIPS_ESYS when the kernel did not take it (counted),
 * or TLSIPS_ECONFIG for another verdict.
 */
int capture_nfq_verdict(struct capture_nfq *q, uint32_t id, enum capture_nfq_verdict verdict);
int capture_nfq_verdict_mark(struct capture_nfq *q, uint32_t id, enum capture_nfq_verdict verdict,
			     uint32_t mark);
/*
 * One NFQNL_MSG_VERDICT netlink message for packet id of queue queue_num,
 * written at out (cap bytes): header, NFQA_VERDICT_HDR and, with set_mark,
 * NFQA_MARK. Several in a row make one batch datagram. Returns its length
 * (CAPTURE_NFQ_VERDICT_MSG at most), or 0 when it does not fit or the
 * verdict is HOLD or unknown.
 */
enum { CAPTURE_NFQ_VERDICT_MSG = 40 };
size_t capture_nfq_verdict_msg(uint8_t *out, size_t cap, uint16_t queue_num, uint32_t id,
			       enum capture_nfq_verdict verdict, bool set_mark, uint32_t mark);
/* Counters, with the kernel's figures read now. */
void capture_nfq_stats(const struct capture_nfq *q, struct capture_nfq_stats *out);
uint32_t capture_nfq_queue_num(const struct capture_nfq *q);
/* Unbinds; packets still held are dropped by the kernel. Accepts NULL. */
void capture_nfq_close(struct capture_nfq *q);

/*
 * capture_reset sends ready-made IPv4/IPv6 packets (LINKTYPE_RAW, e.g. the
 * resets net_reset_build makes) through raw sockets, routed by their
 * destination address like locally generated traffic. Needs CAP_NET_RAW
 * (CAP_NET_ADMIN too for a mark).
 */
struct capture_reset_stats {
	uint64_t sent;
	uint64_t failed;    /* the kernel refused the packet (no route, ...) */
	uint64_t malformed; /* not a whole IPv4/IPv6 packet: not sent */
};

struct capture_reset;

/*
 * Opens the raw sockets. mark, when not 0, is set on every packet sent
 * (SO_MARK) so netfilter rules can tell our resets apart and not queue them
 * again. IPv6 may be missing (a kernel without it): then IPv6 packets fail.
 */
int capture_reset_open(uint32_t mark, struct capture_reset **out, char *err, size_t errlen);
/*
 * Sends one packet of len bytes starting with its IP header; its declared
 * length must equal len. Returns 0, TLSIPS_EMALFORMED (counted, not sent) or
 * TLSIPS_ESYS (counted; errno set).
 */
int capture_reset_send(struct capture_reset *r, const uint8_t *pkt, size_t len);
const struct capture_reset_stats *capture_reset_stats(const struct capture_reset *r);
void capture_reset_close(struct capture_reset *r);

#endif
