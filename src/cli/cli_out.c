#include "cli/cli_out.h"

#include <stdlib.h>

#include "base/err.h"
#include "capture/capture.h"

/* Data segments stay below 16 KiB + headers, the size of one TLS record. */
enum { CLI_OUT_SEGMENT = 16384, CLI_OUT_PACKET = CLI_OUT_SEGMENT + 128 };

struct cli_out {
	struct capture_writer *w;
	uint64_t packets;
	bool failed;
};

int
cli_out_open(const char *path, struct cli_out **out, char *err, size_t errlen)
{
	struct cli_out *o = calloc(1, sizeof(*o));
	if (!o)
		return TLSIPS_ENOMEM;
	int rc = capture_writer_open(path, CAPTURE_LINK_RAW, &o->w, err, errlen);
	if (rc != 0) {
		free(o);
		return rc;
	}
	*out = o;
	return 0;
}

static void
cli_out_segment(struct cli_out *o, const struct net_flow *flow, enum net_dir dir, uint32_t seq,
		uint32_t ack, uint8_t flags, const uint8_t *data, size_t len, uint64_t ts_usec)
{
	bool to_server = dir == NET_DIR_TO_SERVER;
	/* Built in place in the writer's buffer: the payload is copied once. */
	uint8_t *pkt = capture_writer_reserve(o->w, CLI_OUT_PACKET);
	size_t n = pkt ? net_synth_tcp(to_server ? &flow->cli : &flow->srv,
				       to_server ? &flow->srv : &flow->cli,
				       to_server ? flow->cli_port : flow->srv_port,
				       to_server ? flow->srv_port : flow->cli_port, seq, ack, flags,
				       data, len, pkt, CLI_OUT_PACKET)
		       : 0;
	if (n == 0 || capture_writer_commit(o->w, ts_usec, n) != 0) {
		o->failed = true;
		return;
	}
	o->packets++;
}

static void
cli_out_start(struct cli_out *o, struct cli_out_flow *of, const struct net_flow *flow,
	      uint64_t ts_usec)
{
	uint32_t c = flow->isn[NET_DIR_TO_SERVER], s = flow->isn[NET_DIR_TO_CLIENT];
	cli_out_segment(o, flow, NET_DIR_TO_SERVER, c, 0, NET_TCP_SYN, NULL, 0, ts_usec);
	cli_out_segment(o, flow, NET_DIR_TO_CLIENT, s, c + 1, NET_TCP_SYN | NET_TCP_ACK, NULL, 0,
			ts_usec);
	cli_out_segment(o, flow, NET_DIR_TO_SERVER, c + 1, s + 1, NET_TCP_ACK, NULL, 0, ts_usec);
	of->next_seq[NET_DIR_TO_SERVER] = c + 1;
	of->next_seq[NET_DIR_TO_CLIENT] = s + 1;
	of->started = true;
}

void
cli_out_data(struct cli_out *o, struct cli_out_flow *of, const struct net_flow *flow,
	     enum net_dir dir, const uint8_t *data, size_t len, uint64_t ts_usec)
{
	if (!of->started)
		cli_out_start(o, of, flow, ts_usec);
	while (len > 0) {
		size_t n = len < CLI_OUT_SEGMENT ? len : CLI_OUT_SEGMENT;
		cli_out_segment(o, flow, dir, of->next_seq[dir], of->next_seq[!dir],
				NET_TCP_PSH | NET_TCP_ACK, data, n, ts_usec);
		of->next_seq[dir] += (uint32_t)n;
		data += n;
		len -= n;
	}
}

void
cli_out_finish(struct cli_out *o, struct cli_out_flow *of, const struct net_flow *flow,
	       uint64_t ts_usec)
{
	if (!of->started || of->finished)
		return;
	uint32_t *seq = of->next_seq;
	uint8_t fin = NET_TCP_FIN | NET_TCP_ACK;
	cli_out_segment(o, flow, NET_DIR_TO_SERVER, seq[0], seq[1], fin, NULL, 0, ts_usec);
	cli_out_segment(o, flow, NET_DIR_TO_CLIENT, seq[1], seq[0] + 1, fin, NULL, 0, ts_usec);
	cli_out_segment(o, flow, NET_DIR_TO_SERVER, seq[0] + 1, seq[1] + 1, NET_TCP_ACK, NULL, 0,
			ts_usec);
	of->finished = true;
}

void
cli_out_flush(struct cli_out *o)
{
	if (capture_writer_flush(o->w) != 0)
		o->failed = true;
}

uint64_t
cli_out_packets(const struct cli_out *o)
{
	return o->packets;
}

int
cli_out_close(struct cli_out *o)
{
	if (!o)
		return 0;
	int rc = capture_writer_close(o->w);
	bool failed = o->failed;
	free(o);
	return rc != 0 || failed ? TLSIPS_ESYS : 0;
}
