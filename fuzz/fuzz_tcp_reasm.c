/*
 * fuzz_tcp_reasm: drives a net_engine with small limits through segments
 * described by the input, as 5-byte chunks:
 *
 *   | dir (1) | flags (1) | seq delta (2, big-endian, signed) | length (1) |
 *
 *   dir:   bit 0 sender (endpoint a or b), bits 1-2 which of four tuples
 *          (one of them IPv6, one with equal ports, so midstream roles vary)
 *   flags: bits 0-5 TCP flags (FIN SYN RST PSH ACK URG), bit 6 advances the
 *          clock 10 s (idle timeouts), bit 7 marks the payload cut by the
 *          capture (7 more bytes on the wire than present)
 *   seq:   relative to the highest sequence number the sender reached
 *
 * The payload bytes are not taken from the input: each byte is a function
 * of its sequence number and sender, so the callbacks can check that every
 * delivered byte sits exactly where the stream position (data + gaps) says,
 * and that the position never runs past what the sender covered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

int fuzz_tcp_reasm(const uint8_t *data, size_t len);

enum {
	FUZZ_REASM_TUPLES = 4,
	FUZZ_REASM_CHUNK = 5,
};

struct fuzz_reasm {
	uint32_t reach[FUZZ_REASM_TUPLES][2]; /* highest sequence end per sender */
	uint64_t delivered;
	uint64_t opened, closed;
};

/* Per-flow check state, in flow->app. */
struct fuzz_reasm_flow {
	unsigned tuple;
	bool started[2];
	uint32_t pos[2];
};

static const uint16_t fuzz_reasm_ports[FUZZ_REASM_TUPLES][2] = {
	{ 40000, 443 }, { 80, 80 }, { 5000, 60000 }, { 1234, 4321 },
};

static uint8_t
fuzz_reasm_byte(uint32_t seq, uint16_t sport)
{
	return (uint8_t)(((seq * 2654435761u) >> 24) ^ sport);
}

static int
fuzz_reasm_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static unsigned
fuzz_reasm_tuple_of(const struct net_flow *f)
{
	for (unsigned t = 0; t < FUZZ_REASM_TUPLES; t++) {
		const uint16_t *p = fuzz_reasm_ports[t];
		if ((f->cli_port == p[0] && f->srv_port == p[1]) ||
		    (f->cli_port == p[1] && f->srv_port == p[0]))
			return t;
	}
	abort();
}

/* Sender index (0: endpoint a, 1: endpoint b) of a direction. */
static unsigned
fuzz_reasm_sender(const struct net_flow *f, enum net_dir d, unsigned tuple)
{
	uint16_t sport = d == NET_DIR_TO_SERVER ? f->cli_port : f->srv_port;
	const uint8_t *saddr = d == NET_DIR_TO_SERVER ? f->cli.bytes : f->srv.bytes;
	/* Equal ports: endpoint a has the lower address (last byte 1). */
	if (fuzz_reasm_ports[tuple][0] == fuzz_reasm_ports[tuple][1])
		return saddr[f->cli.family == 4 ? 3 : 15] == 1 ? 0 : 1;
	return sport == fuzz_reasm_ports[tuple][0] ? 0 : 1;
}

static void
fuzz_reasm_open(void *ctx, struct net_flow *f, const struct net_pkt *p)
{
	struct fuzz_reasm *fz = ctx;
	(void)p;
	struct fuzz_reasm_flow *ff = calloc(1, sizeof(*ff));
	if (ff == NULL)
		abort();
	ff->tuple = fuzz_reasm_tuple_of(f);
	f->app = ff;
	fz->opened++;
}

static void
fuzz_reasm_advance(struct fuzz_reasm *fz, struct net_flow *f, enum net_dir d, uint64_t n,
		   const uint8_t *data)
{
	struct fuzz_reasm_flow *ff = f->app;
	if (!ff->started[d]) {
		ff->started[d] = true;
		ff->pos[d] = f->isn[d] + 1;
	}
	uint16_t sport = d == NET_DIR_TO_SERVER ? f->cli_port : f->srv_port;
	for (uint64_t i = 0; data != NULL && i < n; i++)
		if (data[i] != fuzz_reasm_byte(ff->pos[d] + (uint32_t)i, sport))
			abort();
	ff->pos[d] += (uint32_t)n;
	unsigned s = fuzz_reasm_sender(f, d, ff->tuple);
	/* Data and gaps never run past what the sender covered. */
	if (fuzz_reasm_seq_lt(fz->reach[ff->tuple][s], ff->pos[d]))
		abort();
}

static void
fuzz_reasm_data(void *ctx, struct net_flow *f, enum net_dir d, const uint8_t *data, size_t len,
		uint64_t ts)
{
	struct fuzz_reasm *fz = ctx;
	(void)ts;
	if (len == 0)
		abort();
	fz->delivered += len;
	fuzz_reasm_advance(fz, f, d, len, data);
}

static void
fuzz_reasm_gap(void *ctx, struct net_flow *f, enum net_dir d, uint64_t len, uint64_t ts)
{
	(void)ts;
	if (len == 0 || len > UINT32_MAX / 2)
		abort();
	fuzz_reasm_advance(ctx, f, d, len, NULL);
}

static void
fuzz_reasm_end(void *ctx, struct net_flow *f, enum net_dir d, bool rst, uint64_t ts)
{
	(void)ctx;
	(void)f;
	(void)d;
	(void)rst;
	(void)ts;
}

static void
fuzz_reasm_close(void *ctx, struct net_flow *f, enum net_close_reason why, uint64_t ts)
{
	struct fuzz_reasm *fz = ctx;
	(void)why;
	(void)ts;
	free(f->app);
	f->app = NULL;
	fz->closed++;
}

static void
fuzz_reasm_pkt(struct fuzz_reasm *fz, struct net_engine *ne, const uint8_t *c, uint64_t ts)
{
	unsigned sender = c[0] & 1;
	unsigned t = (c[0] >> 1) & 3;
	uint8_t flags = c[1] & 0x3f;
	int16_t delta = (int16_t)(uint16_t)(c[2] << 8 | c[3]);
	uint32_t len = c[4];
	uint32_t seq = fz->reach[t][sender] + (uint32_t)(int32_t)delta;
	uint32_t wire = len + ((c[1] & 0x80) ? 7 : 0);
	uint32_t syn = (flags & NET_TCP_SYN) ? 1 : 0;
	struct net_pkt p;
	memset(&p, 0, sizeof(p));
	p.ts_usec = ts;
	uint8_t fam = t == 3 ? 6 : 4;
	p.src.family = p.dst.family = fam;
	p.src.bytes[fam == 4 ? 3 : 15] = (uint8_t)(1 + sender);
	p.dst.bytes[fam == 4 ? 3 : 15] = (uint8_t)(2 - sender);
	p.sport = fuzz_reasm_ports[t][sender];
	p.dport = fuzz_reasm_ports[t][!sender];
	p.seq = seq;
	p.ack = fz->reach[t][!sender];
	p.flags = flags;
	p.payload_wire_len = wire;
	p.truncated = wire > len;
	/* Exactly len bytes, so ASan sees any read past the payload. */
	uint8_t *payload = malloc(len > 0 ? len : 1);
	if (payload == NULL)
		abort();
	for (uint32_t i = 0; i < len; i++)
		payload[i] = fuzz_reasm_byte(seq + syn + i, p.sport);
	p.payload.ptr = payload;
	p.payload.len = len;
	uint32_t end = seq + syn + wire;
	if (fuzz_reasm_seq_lt(fz->reach[t][sender], end))
		fz->reach[t][sender] = end;
	net_engine_feed(ne, &p);
	free(payload);
}

int
fuzz_tcp_reasm(const uint8_t *data, size_t len)
{
	struct fuzz_reasm fz;
	memset(&fz, 0, sizeof(fz));
	/* Start near 2^32 so streams wrap. */
	for (unsigned t = 0; t < FUZZ_REASM_TUPLES; t++) {
		fz.reach[t][0] = 0xffff0000u + t * 1000u;
		fz.reach[t][1] = 0x7fff0000u + t * 1000u;
	}
	struct net_limits lim = {
		.max_flows = 3,
		.idle_timeout_sec = 5,
		.max_ooo_bytes_flow = 600,
		.max_ooo_bytes_total = 1000,
		.max_ooo_segments = 6,
	};
	struct net_callbacks cb = { &fz, fuzz_reasm_open, fuzz_reasm_data, fuzz_reasm_gap,
				    fuzz_reasm_end, fuzz_reasm_close };
	struct net_engine *ne = net_engine_new(&lim, &cb);
	if (ne == NULL)
		return 0;
	uint64_t ts = 1000000;
	for (size_t off = 0; len - off >= FUZZ_REASM_CHUNK; off += FUZZ_REASM_CHUNK) {
		const uint8_t *c = data + off;
		ts += (c[1] & 0x40) ? 10000000u : 1000u;
		fuzz_reasm_pkt(&fz, ne, c, ts);
		const struct net_stats *s = net_engine_stats(ne);
		if (s->ooo_bytes_now > lim.max_ooo_bytes_total || s->flows_active > lim.max_flows)
			abort();
	}
	net_engine_finish(ne, ts);
	const struct net_stats *s = net_engine_stats(ne);
	if (s->flows_active != 0 || s->ooo_bytes_now != 0 || fz.opened != fz.closed ||
	    s->flows_created != s->flows_closed)
		abort();
	/* Everything delivered came from packet memory or the queue. */
	if (fz.delivered < s->bytes_in_order || fz.delivered > s->bytes_in_order + s->bytes_ooo_queued)
		abort();
	net_engine_free(ne);
	return 0;
}

#ifdef TLSIPS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_tcp_reasm(d, n);
}
#endif
