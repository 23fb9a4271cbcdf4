/*
 * capture_nfq: inline packets from one netfilter queue (NFQUEUE) through
 * libnetfilter_queue, with a verdict for every packet.
 *
 * The kernel parks each packet an iptables/nftables rule sends to the queue
 * and passes us a copy over a netlink socket; nothing moves on until we
 * answer with the packet id and ACCEPT or DROP. So the rules here are: every
 * packet handed out gets exactly one verdict (from the callback's return or,
 * for HOLD, a later capture_nfq_verdict); our socket buffer is large because
 * an overflowing one loses queue messages (ENOBUFS: counted, and the kernel
 * drops those packets, or passes them in fail-open mode); the copy range is
 * the whole packet, and with NFQA_CFG_F_GSO the kernel need not segment
 * GSO/GRO packets first, so a record spread over a large send arrives whole.
 *
 * Per packet the costs that matter are system calls and wake-ups, so each
 * dispatch reads up to CAPTURE_NFQ_RBATCH queue messages per recvmmsg and
 * gathers the verdicts into one datagram of several netlink messages
 * (built here, capture_nfq_verdict_msg), sent once per read batch: the
 * kernel takes them in order, as if sent one by one. A verdict it refuses
 * (an id it no longer has) comes back as a netlink error and is counted.
 *
 * When nobody is bound to the queue the kernel drops its packets, unless the
 * rule says --queue-bypass (docs/inline.md: the fail-open trade-off).
 */
#include "capture/capture.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <libnfnetlink/libnfnetlink.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/err.h"
#include "base/num.h"
#include "base/rd.h"

enum {
	/* The kernel caps the copy range at 0xffff minus an attribute header. */
	CAPTURE_NFQ_COPY_RANGE = 0xffff,
	/* One netlink message: the packet plus its attributes (ids, marks,
	 * interfaces, timestamp, conntrack); rounded well up so none is cut. */
	CAPTURE_NFQ_BUF = 0x10000 + 8192,
	CAPTURE_NFQ_DEFAULT_MAXLEN = 4096,
	CAPTURE_NFQ_DEFAULT_RCVBUF = 16 << 20,
	CAPTURE_NFQ_PROC_FIELDS = 9, /* columns of /proc/net/netfilter/nfnetlink_queue */
	/* Queue messages per recvmmsg: each has a CAPTURE_NFQ_BUF buffer, touched
	 * only as far as its packet goes (small packets use a page or two). */
	CAPTURE_NFQ_RBATCH = 32,
	/* Verdicts per datagram: a read batch, plus held packets released in it. */
	CAPTURE_NFQ_VBATCH = 128,
};

struct capture_nfq {
	struct nfq_handle *h;
	struct nfq_q_handle *qh;
	uint32_t queue_num;
	bool gso;                  /* the kernel took NFQA_CFG_F_GSO */
	capture_nfq_fn fn;         /* set for the length of capture_nfq_dispatch */
	void *ctx;
	int handled;               /* packets handed to fn in this dispatch */
	bool batching;             /* inside dispatch: verdicts wait in vbuf */
	struct capture_nfq_stats st;
	uint8_t *buf;              /* CAPTURE_NFQ_RBATCH * CAPTURE_NFQ_BUF: one message each */
	struct mmsghdr msgs[CAPTURE_NFQ_RBATCH];
	struct iovec iov[CAPTURE_NFQ_RBATCH];
	/* Verdicts not sent yet: vn messages, vlen bytes; what they will count. */
	uint8_t vbuf[CAPTURE_NFQ_VBATCH * CAPTURE_NFQ_VERDICT_MSG];
	size_t vlen;
	uint32_t vn, v_accepted, v_dropped, v_repeated;
};

void
capture_nfq_opts_default(struct capture_nfq_opts *out)
{
	memset(out, 0, sizeof(*out));
	out->queue_maxlen = CAPTURE_NFQ_DEFAULT_MAXLEN;
	out->rcvbuf_bytes = CAPTURE_NFQ_DEFAULT_RCVBUF;
	out->fail_open = false;
	out->gso = true;
}

/* What an errno from a queue command most likely means, for the operator. */
static const char *
capture_nfq_hint(int e)
{
	switch (e) {
	case EPERM: return " (run as root or with CAP_NET_ADMIN)";
	case EBUSY: return " (is another program bound to this queue?)";
	case EPROTONOSUPPORT:
	case ENOENT: return " (is the nfnetlink_queue kernel module available?)";
	default: return "";
	}
}

static int
capture_nfq_fail(struct capture_nfq *q, const char *what, int e, char *err, size_t errlen)
{
	snprintf(err, errlen, "queue %u: %s: %s%s", q->queue_num, what, strerror(e),
		 capture_nfq_hint(e));
	errno = e;
	return TLSIPS_ESYS;
}

/*
 * The packet's length on the wire, from its IP header: the copy range may
 * have cut it. A header we cannot read, or a length of 0 (IPv6 jumbograms,
 * BIG TCP) or below what we hold, leaves the captured length.
 */
static uint32_t
capture_nfq_wire_len(const uint8_t *data, uint32_t caplen)
{
	struct rd r = rd_make(data, caplen);
	uint8_t v = rd_peek(&r, 0) >> 4;
	uint32_t len = 0;
	if (v == 4) {
		rd_skip(&r, 2);
		len = rd_u16(&r); /* Total Length, header included */
	} else if (v == 6) {
		rd_skip(&r, 4);
		len = rd_u16(&r) + 40u; /* Payload Length excludes the fixed header */
		if (len == 40)
			len = 0;
	}
	return rd_ok(&r) && len > caplen ? len : caplen;
}

static uint64_t
capture_nfq_ts(struct nfq_data *nfa)
{
	struct timeval tv;
	struct timespec ts;
	/* The kernel stamps only packets someone asked a timestamp for. */
	if (nfq_get_timestamp(nfa, &tv) == 0 && tv.tv_sec > 0)
		return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * A verdict message, as the kernel reads it (nfnetlink_queue.c):
 *
 *   nlmsghdr   len | type = NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_VERDICT | flags | seq | pid
 *   nfgenmsg   family AF_UNSPEC | version 0 | res_id = queue number (big-endian)
 *   nlattr     NFQA_VERDICT_HDR: verdict, packet id (both big-endian)
 *   nlattr     NFQA_MARK: mark (big-endian), only when set_mark
 *
 * No NLM_F_ACK: the kernel answers only a verdict it refuses.
 */
size_t
capture_nfq_verdict_msg(uint8_t *out, size_t cap, uint16_t queue_num, uint32_t id,
			enum capture_nfq_verdict verdict, bool set_mark, uint32_t mark)
{
	uint32_t v;
	switch (verdict) {
	case CAPTURE_NFQ_ACCEPT: v = NF_ACCEPT; break;
	case CAPTURE_NFQ_DROP: v = NF_DROP; break;
	case CAPTURE_NFQ_REPEAT: v = NF_REPEAT; break;
	default: return 0;
	}
	size_t len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)) +
		     NLA_HDRLEN + NLA_ALIGN(sizeof(struct nfqnl_msg_verdict_hdr)) +
		     (set_mark ? NLA_HDRLEN + NLA_ALIGN(sizeof(uint32_t)) : 0);
	if (len > cap)
		return 0;
	memset(out, 0, len);
	struct nlmsghdr nh = {
		.nlmsg_len = (uint32_t)len,
		.nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT,
		.nlmsg_flags = NLM_F_REQUEST,
	};
	struct nfgenmsg g = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0,
			      .res_id = htons(queue_num) };
	struct nlattr a = { .nla_len = NLA_HDRLEN + sizeof(struct nfqnl_msg_verdict_hdr),
			    .nla_type = NFQA_VERDICT_HDR };
	struct nfqnl_msg_verdict_hdr vh = { .verdict = htonl(v), .id = htonl(id) };
	size_t off = 0;
	memcpy(out + off, &nh, sizeof(nh));
	off += NLMSG_HDRLEN;
	memcpy(out + off, &g, sizeof(g));
	off += NLMSG_ALIGN(sizeof(g));
	memcpy(out + off, &a, sizeof(a));
	memcpy(out + off + NLA_HDRLEN, &vh, sizeof(vh));
	off += NLA_HDRLEN + NLA_ALIGN(sizeof(vh));
	if (set_mark) {
		uint32_t be = htonl(mark);
		a = (struct nlattr){ .nla_len = NLA_HDRLEN + sizeof(be), .nla_type = NFQA_MARK };
		memcpy(out + off, &a, sizeof(a));
		memcpy(out + off + NLA_HDRLEN, &be, sizeof(be));
	}
	return len;
}

/* Sends the gathered verdicts in one datagram; on failure all of them count as failed. */
static int
capture_nfq_flush(struct capture_nfq *q)
{
	if (q->vn == 0)
		return 0;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;
	do {
		n = sendto(nfq_fd(q->h), q->vbuf, q->vlen, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	} while (n < 0 && errno == EINTR);
	int rc = 0;
	if (n != (ssize_t)q->vlen) {
		q->st.verdict_failures += q->vn;
		rc = TLSIPS_ESYS;
	} else {
		q->st.verdict_sends++;
		q->st.accepted += q->v_accepted;
		q->st.dropped += q->v_dropped;
		q->st.repeated += q->v_repeated;
	}
	q->vlen = 0;
	q->vn = q->v_accepted = q->v_dropped = q->v_repeated = 0;
	return rc;
}

/* Adds one verdict to the batch; sends at once outside a dispatch or when full. */
static int
capture_nfq_send_verdict(struct capture_nfq *q, uint32_t id, enum capture_nfq_verdict verdict,
			 bool set_mark, uint32_t mark)
{
	if (verdict != CAPTURE_NFQ_ACCEPT && verdict != CAPTURE_NFQ_DROP &&
	    verdict != CAPTURE_NFQ_REPEAT)
		return TLSIPS_ECONFIG;
	int rc = 0;
	if (q->vn == CAPTURE_NFQ_VBATCH)
		rc = capture_nfq_flush(q);
	size_t len = capture_nfq_verdict_msg(q->vbuf + q->vlen, sizeof(q->vbuf) - q->vlen,
					     (uint16_t)q->queue_num, id, verdict, set_mark, mark);
	/* Room for VBATCH messages of the largest size: cannot fail. */
	assert(len != 0);
	q->vlen += len;
	q->vn++;
	q->v_accepted += verdict != CAPTURE_NFQ_DROP;
	q->v_dropped += verdict == CAPTURE_NFQ_DROP;
	q->v_repeated += verdict == CAPTURE_NFQ_REPEAT;
	if (!q->batching) {
		int frc = capture_nfq_flush(q);
		rc = rc ? rc : frc;
	}
	return rc;
}

int
capture_nfq_verdict(struct capture_nfq *q, uint32_t id, enum capture_nfq_verdict verdict)
{
	return capture_nfq_send_verdict(q, id, verdict, false, 0);
}

int
capture_nfq_verdict_mark(struct capture_nfq *q, uint32_t id, enum capture_nfq_verdict verdict,
			 uint32_t mark)
{
	return capture_nfq_send_verdict(q, id, verdict, true, mark);
}

/* libnetfilter_queue's per-packet callback: describe, ask, answer. */
static int
capture_nfq_on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
		      void *data)
{
	(void)qh;
	(void)msg;
	struct capture_nfq *q = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	if (!ph) {
		/* Without an id no verdict is possible; the kernel keeps it. */
		q->st.bad_messages++;
		return 0;
	}
	struct capture_nfq_pkt p;
	memset(&p, 0, sizeof(p));
	unsigned char *payload = NULL;
	int plen = nfq_get_payload(nfa, &payload);
	if (plen < 0 || !payload) {
		plen = 0;
		payload = NULL;
	}
	uint32_t skbinfo = nfq_get_skbinfo(nfa);
	p.id = ntohl(ph->packet_id);
	p.hw_protocol = ntohs(ph->hw_protocol);
	p.mark = nfq_get_nfmark(nfa);
	p.indev = nfq_get_indev(nfa);
	p.outdev = nfq_get_outdev(nfa);
	p.gso = (skbinfo & NFQA_SKB_GSO) != 0;
	p.csum_not_ready = (skbinfo & NFQA_SKB_CSUMNOTREADY) != 0;
	p.pkt.data = payload;
	p.pkt.caplen = (uint32_t)plen;
	p.pkt.wire_len = payload ? capture_nfq_wire_len(payload, (uint32_t)plen) : 0;
	p.pkt.ts_usec = capture_nfq_ts(nfa);
	p.pkt.linktype = CAPTURE_LINK_RAW;
	q->st.packets++;
	q->st.bytes += (uint64_t)plen;
	q->st.truncated += p.pkt.wire_len > p.pkt.caplen;
	q->st.gso += p.gso;
	q->handled++;

	uint32_t mark = p.mark;
	/*
	 * Outside capture_nfq_dispatch there is no handler: libnetfilter_queue
	 * still delivers what is queued while the queue is destroyed. Those
	 * packets get no inspection, so they are dropped (fail closed).
	 */
	enum capture_nfq_verdict v = q->fn ? q->fn(q->ctx, &p, &mark) : CAPTURE_NFQ_DROP;
	if (v == CAPTURE_NFQ_HOLD) {
		q->st.held++;
		return 0;
	}
	/* Anything but an explicit accept is a drop: fail closed. */
	if (v != CAPTURE_NFQ_ACCEPT && v != CAPTURE_NFQ_REPEAT)
		v = CAPTURE_NFQ_DROP;
	capture_nfq_send_verdict(q, p.id, v, mark != p.mark, mark);
	return 0;
}

/* Queue settings after the bind; each failure names what the kernel refused. */
static int
capture_nfq_configure(struct capture_nfq *q, const struct capture_nfq_opts *o, char *err,
		      size_t errlen)
{
	if (nfq_set_mode(q->qh, NFQNL_COPY_PACKET, CAPTURE_NFQ_COPY_RANGE) < 0)
		return capture_nfq_fail(q, "cannot set copy-packet mode", errno, err, errlen);
	uint32_t maxlen = o->queue_maxlen ? o->queue_maxlen : CAPTURE_NFQ_DEFAULT_MAXLEN;
	if (nfq_set_queue_maxlen(q->qh, maxlen) < 0)
		return capture_nfq_fail(q, "cannot set the queue length", errno, err, errlen);
	if (nfq_set_queue_flags(q->qh, NFQA_CFG_F_FAIL_OPEN,
				o->fail_open ? NFQA_CFG_F_FAIL_OPEN : 0) < 0)
		return capture_nfq_fail(q, "cannot set fail-open", errno, err, errlen);
	/* GSO is an optimisation: a kernel without it segments first, fine. */
	if (o->gso)
		q->gso = nfq_set_queue_flags(q->qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO) == 0;
	/* SO_RCVBUFFORCE (we have CAP_NET_ADMIN) passes net.core.rmem_max. */
	nfnl_rcvbufsiz(nfq_nfnlh(q->h), o->rcvbuf_bytes ? o->rcvbuf_bytes : CAPTURE_NFQ_DEFAULT_RCVBUF);
	int fd = nfq_fd(q->h);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return capture_nfq_fail(q, "cannot make the socket non-blocking", errno, err, errlen);
	return 0;
}

int
capture_nfq_open(uint32_t queue_num, const struct capture_nfq_opts *opts,
		 struct capture_nfq **out, char *err, size_t errlen)
{
	struct capture_nfq_opts def;
	int rc = TLSIPS_ENOMEM;
	*out = NULL;
	if (!opts) {
		capture_nfq_opts_default(&def);
		opts = &def;
	}
	if (queue_num > 0xffff) {
		snprintf(err, errlen, "queue %u: queue numbers go from 0 to 65535", queue_num);
		return TLSIPS_ECONFIG;
	}
	struct capture_nfq *q = calloc(1, sizeof(*q));
	if (!q || !(q->buf = malloc((size_t)CAPTURE_NFQ_RBATCH * CAPTURE_NFQ_BUF))) {
		snprintf(err, errlen, "queue %u: out of memory", queue_num);
		goto fail;
	}
	q->queue_num = queue_num;
	q->h = nfq_open();
	if (!q->h) {
		rc = capture_nfq_fail(q, "cannot open a netfilter netlink socket", errno, err, errlen);
		goto fail;
	}
	/* Kernels before 3.8 want the protocol families bound to the queue
	 * subsystem; later ones accept and ignore this. */
	nfq_unbind_pf(q->h, AF_INET);
	nfq_unbind_pf(q->h, AF_INET6);
	if (nfq_bind_pf(q->h, AF_INET) < 0 || nfq_bind_pf(q->h, AF_INET6) < 0) {
		rc = capture_nfq_fail(q, "cannot bind", errno, err, errlen);
		goto fail;
	}
	q->qh = nfq_create_queue(q->h, (uint16_t)queue_num, capture_nfq_on_packet, q);
	if (!q->qh) {
		/* We passed the privilege check above, so the kernel's EPERM
		 * here means the queue belongs to another socket. */
		int e = errno == EPERM ? EBUSY : errno;
		rc = capture_nfq_fail(q, "cannot bind", e, err, errlen);
		goto fail;
	}
	rc = capture_nfq_configure(q, opts, err, errlen);
	if (rc != 0)
		goto fail;
	*out = q;
	return 0;
fail:
	capture_nfq_close(q);
	return rc;
}

int
capture_nfq_fd(const struct capture_nfq *q)
{
	return nfq_fd(q->h);
}

uint32_t
capture_nfq_queue_num(const struct capture_nfq *q)
{
	return q->queue_num;
}

/*
 * One received datagram: a queued packet, or the kernel's answer to a
 * verdict it refused (NLMSG_ERROR; we ask for no other acks).
 */
static void
capture_nfq_take(struct capture_nfq *q, uint8_t *msg, size_t n, bool cut)
{
	/* MSG_TRUNC: a message larger than our buffer would lose its packet's id. */
	if (n == 0 || cut || n > CAPTURE_NFQ_BUF) {
		q->st.bad_messages++;
		return;
	}
	struct nlmsghdr nh;
	if (n >= sizeof(nh)) {
		memcpy(&nh, msg, sizeof(nh));
		if (nh.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;
			if (n >= NLMSG_HDRLEN + sizeof(e)) {
				memcpy(&e, msg + NLMSG_HDRLEN, sizeof(e));
				q->st.verdict_failures += e.error != 0;
			}
			return;
		}
	}
	if (nfq_handle_packet(q->h, (char *)msg, (int)n) < 0)
		q->st.bad_messages++;
}

/* Up to want datagrams in one system call: their count, 0 when none wait, or -errno. */
static int
capture_nfq_read(struct capture_nfq *q, int want)
{
	for (int i = 0; i < want; i++) {
		q->iov[i] = (struct iovec){ q->buf + (size_t)i * CAPTURE_NFQ_BUF, CAPTURE_NFQ_BUF };
		memset(&q->msgs[i], 0, sizeof(q->msgs[i]));
		q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
		q->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	int n = recvmmsg(nfq_fd(q->h), q->msgs, (unsigned)want, MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	return n;
}

int
capture_nfq_dispatch(struct capture_nfq *q, int max, capture_nfq_fn fn, void *ctx, char *err,
		     size_t errlen)
{
	int rc = 0;
	q->fn = fn;
	q->ctx = ctx;
	q->handled = 0;
	q->batching = true;
	/* One queued packet per netlink datagram, so max datagrams bound the work. */
	for (int reads = 0; reads < max && q->handled < max;) {
		int want = max - reads < CAPTURE_NFQ_RBATCH ? max - reads : CAPTURE_NFQ_RBATCH;
		int n = capture_nfq_read(q, want);
		if (n == -EINTR)
			continue;
		if (n == -ENOBUFS) {
			q->st.enobufs++;
			reads++;
			continue;
		}
		if (n < 0) {
			rc = capture_nfq_fail(q, "cannot read the queue", -n, err, errlen);
			break;
		}
		if (n == 0)
			break;
		q->st.reads++;
		for (int i = 0; i < n; i++)
			capture_nfq_take(q, q->buf + (size_t)i * CAPTURE_NFQ_BUF, q->msgs[i].msg_len,
					 (q->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0);
		/* Verdicts leave after each read batch: no packet waits on a later read. */
		capture_nfq_flush(q);
		reads += n;
		if (n < want)
			break; /* the socket is empty now */
	}
	capture_nfq_flush(q);
	q->batching = false;
	q->fn = NULL;
	q->ctx = NULL;
	return rc ? rc : q->handled;
}

/*
 * One line of /proc/net/netfilter/nfnetlink_queue: queue number, peer port
 * id, packets waiting, copy mode, copy range, queue-full drops, delivery
 * drops, last id, 1. Returns 0 and fills f[] when the line has them all.
 */
static int
capture_nfq_proc_line(const char *line, uint64_t f[CAPTURE_NFQ_PROC_FIELDS])
{
	const char *p = line;
	for (int i = 0; i < CAPTURE_NFQ_PROC_FIELDS; i++) {
		while (*p == ' ')
			p++;
		size_t n = strspn(p, "0123456789-");
		/* The last column is printed signed; only its presence matters. */
		if (n == 0 || (i < CAPTURE_NFQ_PROC_FIELDS - 1 &&
			       num_parse_u64(p, n, 0, UINT32_MAX, &f[i]) != 0))
			return TLSIPS_EMALFORMED;
		p += n;
	}
	return 0;
}

static void
capture_nfq_kernel_counts(const struct capture_nfq *q, struct capture_nfq_stats *out)
{
	char line[256];
	uint64_t f[CAPTURE_NFQ_PROC_FIELDS];
	out->kernel_waiting = out->kernel_queue_dropped = out->kernel_user_dropped = UINT64_MAX;
	FILE *fp = fopen("/proc/net/netfilter/nfnetlink_queue", "re");
	if (!fp)
		return;
	/* One line per bound queue, at most 65536 of them. */
	for (int i = 0; i <= 0xffff && fgets(line, sizeof(line), fp); i++) {
		if (capture_nfq_proc_line(line, f) != 0 || f[0] != q->queue_num)
			continue;
		out->kernel_waiting = f[2];
		out->kernel_queue_dropped = f[5];
		out->kernel_user_dropped = f[6];
		break;
	}
	fclose(fp);
}

void
capture_nfq_stats(const struct capture_nfq *q, struct capture_nfq_stats *out)
{
	*out = q->st;
	capture_nfq_kernel_counts(q, out);
}

void
capture_nfq_close(struct capture_nfq *q)
{
	if (!q)
		return;
	if (q->h)
		capture_nfq_flush(q);
	if (q->qh)
		nfq_destroy_queue(q->qh);
	q->qh = NULL;
	if (q->h)
		nfq_close(q->h);
	q->h = NULL;
	free(q->buf);
	free(q);
}
