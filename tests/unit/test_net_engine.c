/*
 * Unit tests for net_engine and net_reasm: flow table, roles, reassembly
 * policy, limits, closes. Callbacks write a compact event log:
 *   O            flow opened
 *   d0[bytes]    data to server (d1: to client)
 *   g0(n)        gap of n bytes
 *   e0 / r0      direction ended by FIN / by reset
 *   c<reason>    flow closed (NET_CLOSE_* value)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "net/net.h"

struct rec {
	char log[8192];
	size_t loglen;
	uint8_t out[2][4096];
	size_t outlen[2];
	uint64_t gap_bytes[2];
	unsigned opens, closes;
	uint64_t last_id;
	struct net_flow last_flow; /* copy taken at open */
};

static void
rec_log(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->log + r->loglen, sizeof(r->log) - r->loglen, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(r->log) - r->loglen);
	r->loglen += (size_t)n;
}

static void
cb_open(void *ctx, struct net_flow *f, const struct net_pkt *p)
{
	struct rec *r = ctx;
	(void)p;
	r->opens++;
	r->last_id = f->id;
	f->app = malloc(16); /* freed in on_close; ASan reports a missed close */
	rec_log(r, "O ");
}

static void
cb_data(void *ctx, struct net_flow *f, enum net_dir d, const uint8_t *data, size_t len, uint64_t ts)
{
	struct rec *r = ctx;
	(void)f;
	(void)ts;
	assert_true(r->outlen[d] + len <= sizeof(r->out[d]));
	memcpy(r->out[d] + r->outlen[d], data, len);
	r->outlen[d] += len;
	if (len <= 64)
		rec_log(r, "d%d[%.*s] ", (int)d, (int)len, (const char *)data);
	else
		rec_log(r, "d%d(%zu) ", (int)d, len);
}

static void
cb_gap(void *ctx, struct net_flow *f, enum net_dir d, uint64_t len, uint64_t ts)
{
	struct rec *r = ctx;
	(void)f;
	(void)ts;
	r->gap_bytes[d] += len;
	rec_log(r, "g%d(%llu) ", (int)d, (unsigned long long)len);
}

static void
cb_end(void *ctx, struct net_flow *f, enum net_dir d, bool rst, uint64_t ts)
{
	struct rec *r = ctx;
	(void)f;
	(void)ts;
	rec_log(r, "%c%d ", rst ? 'r' : 'e', (int)d);
}

static void
cb_close(void *ctx, struct net_flow *f, enum net_close_reason why, uint64_t ts)
{
	struct rec *r = ctx;
	(void)ts;
	r->closes++;
	r->last_flow = *f;
	free(f->app);
	f->app = NULL;
	rec_log(r, "c%d ", (int)why);
}

static struct net_engine *
engine(struct rec *r, const struct net_limits *lim)
{
	memset(r, 0, sizeof(*r));
	struct net_callbacks cb = { r, cb_open, cb_data, cb_gap, cb_end, cb_close };
	struct net_engine *ne = net_engine_new(lim, &cb);
	assert_non_null(ne);
	return ne;
}

/* Client 10.0.0.1:40000, server 10.0.0.2:443. */
static const struct net_addr CLI = { 4, { 10, 0, 0, 1 } };
static const struct net_addr SRV = { 4, { 10, 0, 0, 2 } };
static const uint32_t CISN = 1000, SISN = 5000;

static void
feed_ports(struct net_engine *ne, bool from_cli, uint16_t cport, uint8_t flags, uint32_t seq,
	   uint32_t ack, const char *data, size_t len, uint64_t ts)
{
	struct net_pkt p;
	memset(&p, 0, sizeof(p));
	p.ts_usec = ts;
	p.src = from_cli ? CLI : SRV;
	p.dst = from_cli ? SRV : CLI;
	p.sport = from_cli ? cport : 443;
	p.dport = from_cli ? 443 : cport;
	p.seq = seq;
	p.ack = ack;
	p.flags = flags;
	p.payload.ptr = (const uint8_t *)data;
	p.payload.len = len;
	net_engine_feed(ne, &p);
}

/* A data segment (ACK set) at stream offset off of a direction after a handshake. */
static void
send_at(struct net_engine *ne, bool from_cli, uint32_t off, const char *data)
{
	uint32_t base = (from_cli ? CISN : SISN) + 1;
	feed_ports(ne, from_cli, 40000, NET_TCP_ACK | NET_TCP_PSH, base + off, 0, data, strlen(data), 1);
}

static void
handshake(struct net_engine *ne)
{
	feed_ports(ne, true, 40000, NET_TCP_SYN, CISN, 0, NULL, 0, 1);
	feed_ports(ne, false, 40000, NET_TCP_SYN | NET_TCP_ACK, SISN, CISN + 1, NULL, 0, 1);
	feed_ports(ne, true, 40000, NET_TCP_ACK, CISN + 1, SISN + 1, NULL, 0, 1);
}

static void
fin(struct net_engine *ne, bool from_cli, uint32_t off)
{
	uint32_t base = (from_cli ? CISN : SISN) + 1;
	feed_ports(ne, from_cli, 40000, NET_TCP_FIN | NET_TCP_ACK, base + off, 0, NULL, 0, 2);
}

static void
test_in_order_both_directions(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	send_at(ne, true, 0, "hello");
	send_at(ne, false, 0, "world");
	fin(ne, true, 5);
	fin(ne, false, 5);
	assert_string_equal(r.log, "O d0[hello] d1[world] e0 e1 c1 ");
	assert_int_equal(r.last_flow.isn[NET_DIR_TO_SERVER], CISN);
	assert_int_equal(r.last_flow.isn[NET_DIR_TO_CLIENT], SISN);
	assert_false(r.last_flow.midstream);
	assert_int_equal(r.last_flow.cli_port, 40000);
	assert_int_equal(r.last_flow.srv_port, 443);
	assert_memory_equal(r.last_flow.cli.bytes, CLI.bytes, 4);
	const struct net_stats *s = net_engine_stats(ne);
	assert_int_equal(s->bytes_in_order, 10);
	assert_int_equal(s->flows_created, 1);
	assert_int_equal(s->flows_closed, 1);
	assert_int_equal(s->flows_active, 0);
	assert_int_equal(s->tcp_packets, 7);
	net_engine_free(ne);
}

static void
test_out_of_order_queued_then_drained(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	send_at(ne, true, 6, "world");
	send_at(ne, true, 0, "hello ");
	assert_string_equal(r.log, "O d0[hello ] d0[world] ");
	const struct net_stats *s = net_engine_stats(ne);
	assert_int_equal(s->bytes_in_order, 6);
	assert_int_equal(s->bytes_ooo_queued, 5);
	assert_int_equal(s->ooo_bytes_now, 0);
	assert_int_equal(s->ooo_bytes_peak, 5);
	net_engine_free(ne);
}

static void
test_retransmission_trimmed(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	send_at(ne, true, 0, "hel");
	send_at(ne, true, 0, "hel");
	send_at(ne, true, 0, "hello!");
	assert_string_equal(r.log, "O d0[hel] d0[lo!] ");
	assert_int_equal(net_engine_stats(ne)->retransmitted_bytes, 6);
	net_engine_free(ne);
}

static void
test_overlap_queued_first_wins(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	send_at(ne, true, 6, "WORLD");   /* queued [6, 11) */
	send_at(ne, true, 4, "xxyyyyyz"); /* [4, 12): only [4, 6) and [11, 12) are new */
	send_at(ne, true, 0, "hell");
	assert_string_equal(r.log, "O d0[hell] d0[xx] d0[WORLD] d0[z] ");
	assert_int_equal(net_engine_stats(ne)->overlap_bytes, 5);
	net_engine_free(ne);
}

static void
test_overlap_in_order_loses_to_queue(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	send_at(ne, true, 6, "WORLD");
	send_at(ne, true, 0, "hello world!");
	assert_string_equal(r.log, "O d0[hello ] d0[WORLD] d0[!] ");
	assert_int_equal(net_engine_stats(ne)->overlap_bytes, 5);
	net_engine_free(ne);
}

static void
test_sequence_wraparound(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	/* ISN 2^32 - 4: "abc" at 2^32 - 3, "def" wraps to 0..2, "ghi" at 3. */
	uint32_t isn = 0xfffffffcu;
	feed_ports(ne, true, 40000, NET_TCP_SYN, isn, 0, NULL, 0, 1);
	feed_ports(ne, true, 40000, NET_TCP_ACK, isn + 7, 0, "ghi", 3, 1);
	feed_ports(ne, true, 40000, NET_TCP_ACK, isn + 4, 0, "def", 3, 1);
	feed_ports(ne, true, 40000, NET_TCP_ACK, isn + 1, 0, "abc", 3, 1);
	assert_string_equal(r.log, "O d0[abc] d0[def] d0[ghi] ");
	net_engine_free(ne);
}

static void
test_segment_limit_declares_gap(void **state)
{
	(void)state;
	struct rec r;
	struct net_limits lim;
	net_limits_default(&lim);
	lim.max_ooo_segments = 2;
	struct net_engine *ne = engine(&r, &lim);
	handshake(ne);
	send_at(ne, true, 10, "AAAAA");
	send_at(ne, true, 20, "BBBBB");
	send_at(ne, true, 30, "CCCCC"); /* third piece: hole [0, 10) is lost */
	assert_string_equal(r.log, "O g0(10) d0[AAAAA] ");
	net_engine_finish(ne, 9);
	assert_string_equal(r.log, "O g0(10) d0[AAAAA] g0(5) d0[BBBBB] g0(5) d0[CCCCC] e0 e1 c5 ");
	const struct net_stats *s = net_engine_stats(ne);
	assert_int_equal(s->ooo_limit_hits, 1);
	assert_int_equal(s->gaps, 3);
	assert_int_equal(s->gap_bytes, 20);
	net_engine_free(ne);
}

static void
test_byte_limit_delivers_oversized_segment(void **state)
{
	(void)state;
	struct rec r;
	struct net_limits lim;
	net_limits_default(&lim);
	lim.max_ooo_bytes_flow = 4;
	struct net_engine *ne = engine(&r, &lim);
	handshake(ne);
	send_at(ne, true, 3, "long!"); /* 5 bytes cannot be queued: [0, 3) lost, delivered */
	assert_string_equal(r.log, "O g0(3) d0[long!] ");
	assert_int_equal(net_engine_stats(ne)->ooo_limit_hits, 1);
	net_engine_free(ne);
}

static void
test_global_limit_shared_by_flows(void **state)
{
	(void)state;
	struct rec r;
	struct net_limits lim;
	net_limits_default(&lim);
	lim.max_ooo_bytes_total = 6;
	struct net_engine *ne = engine(&r, &lim);
	/* Flow A (port 40000) queues 5 bytes; flow B (port 40001) cannot queue 3. */
	feed_ports(ne, true, 40000, NET_TCP_SYN, CISN, 0, NULL, 0, 1);
	feed_ports(ne, true, 40001, NET_TCP_SYN, CISN, 0, NULL, 0, 1);
	feed_ports(ne, true, 40000, NET_TCP_ACK, CISN + 3, 0, "AAAAA", 5, 1);
	feed_ports(ne, true, 40001, NET_TCP_ACK, CISN + 3, 0, "BBB", 3, 1);
	assert_string_equal(r.log, "O O g0(2) d0[BBB] ");
	assert_int_equal(net_engine_stats(ne)->ooo_bytes_now, 5);
	net_engine_free(ne);
}

static void
test_syn_with_data(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	feed_ports(ne, true, 40000, NET_TCP_SYN, CISN, 0, "abc", 3, 1);
	send_at(ne, true, 3, "def");
	send_at(ne, true, 0, "abc"); /* retransmitted */
	assert_string_equal(r.log, "O d0[abc] d0[def] ");
	net_engine_free(ne);
}

static void
test_synack_first_starts_client_from_ack(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	feed_ports(ne, false, 40000, NET_TCP_SYN | NET_TCP_ACK, SISN, CISN + 1, NULL, 0, 1);
	send_at(ne, true, 2, "cd");
	send_at(ne, true, 0, "ab");
	net_engine_finish(ne, 2);
	assert_string_equal(r.log, "O d0[ab] d0[cd] e0 e1 c5 ");
	assert_false(r.last_flow.midstream);
	assert_int_equal(r.last_flow.cli_port, 40000);
	net_engine_free(ne);
}

static void
test_midstream_higher_port_is_client(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	/* First packet goes 443 -> 50000: the server speaks first. */
	feed_ports(ne, false, 50000, NET_TCP_ACK, 777, 0, "resp", 4, 1);
	feed_ports(ne, true, 50000, NET_TCP_ACK, 333, 0, "req", 3, 1);
	net_engine_finish(ne, 2);
	assert_string_equal(r.log, "O d1[resp] d0[req] e0 e1 c5 ");
	assert_true(r.last_flow.midstream);
	assert_int_equal(r.last_flow.cli_port, 50000);
	assert_int_equal(r.last_flow.isn[NET_DIR_TO_CLIENT], 776);
	assert_int_equal(r.last_flow.isn[NET_DIR_TO_SERVER], 332);
	net_engine_free(ne);
}

static void
test_midstream_equal_ports_first_source_is_client(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	feed_ports(ne, false, 443, NET_TCP_ACK, 10, 0, "x", 1, 1);
	net_engine_finish(ne, 2);
	assert_string_equal(r.log, "O d0[x] e0 e1 c5 ");
	assert_memory_equal(r.last_flow.cli.bytes, SRV.bytes, 4);
	net_engine_free(ne);
}

static void
test_rst_flushes_and_closes(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	send_at(ne, true, 2, "cd");
	feed_ports(ne, false, 40000, NET_TCP_RST, SISN + 1, 0, NULL, 0, 3);
	assert_string_equal(r.log, "O g0(2) d0[cd] r0 r1 c2 ");
	assert_int_equal(net_engine_stats(ne)->flows_active, 0);
	/* A stray ACK afterwards does not create a flow. */
	send_at(ne, true, 4, "");
	assert_int_equal(net_engine_stats(ne)->flows_created, 1);
	assert_int_equal(net_engine_stats(ne)->tcp_no_flow, 1);
	net_engine_free(ne);
}

static void
test_fin_out_of_order_waits_for_data(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	feed_ports(ne, true, 40000, NET_TCP_FIN | NET_TCP_ACK, CISN + 1 + 3, 0, "def", 3, 1);
	assert_string_equal(r.log, "O ");
	send_at(ne, true, 0, "abc");
	assert_string_equal(r.log, "O d0[abc] d0[def] e0 ");
	send_at(ne, true, 6, "late"); /* after the FIN: dropped, counted */
	assert_int_equal(net_engine_stats(ne)->bytes_after_fin, 4);
	fin(ne, false, 0);
	assert_string_equal(r.log, "O d0[abc] d0[def] e0 e1 c1 ");
	net_engine_free(ne);
}

static void
test_truncated_segment_tail_is_gap(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	struct net_pkt p;
	memset(&p, 0, sizeof(p));
	p.src = CLI;
	p.dst = SRV;
	p.sport = 40000;
	p.dport = 443;
	p.seq = CISN + 1;
	p.flags = NET_TCP_ACK;
	p.payload.ptr = (const uint8_t *)"abc";
	p.payload.len = 3;
	p.payload_wire_len = 10; /* the capture kept 3 of 10 bytes */
	p.truncated = true;
	net_engine_feed(ne, &p);
	send_at(ne, true, 10, "next");
	assert_string_equal(r.log, "O d0[abc] g0(7) d0[next] ");
	assert_int_equal(net_engine_stats(ne)->truncated, 1);
	net_engine_free(ne);
}

/* Regression (fuzz): present bytes end inside a queued piece; the cut tail is measured from the segment's end. */
static void
test_truncated_segment_ending_inside_queued_piece(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	send_at(ne, true, 3, "WXYZ"); /* queued [3, 7) */
	struct net_pkt p;
	memset(&p, 0, sizeof(p));
	p.src = CLI;
	p.dst = SRV;
	p.sport = 40000;
	p.dport = 443;
	p.seq = CISN + 1;
	p.flags = NET_TCP_ACK;
	p.payload.ptr = (const uint8_t *)"abcde";
	p.payload.len = 5; /* [0, 5) present of [0, 10) on the wire */
	p.payload_wire_len = 10;
	p.truncated = true;
	net_engine_feed(ne, &p);
	send_at(ne, true, 10, "k");
	assert_string_equal(r.log, "O d0[abc] d0[WXYZ] g0(3) d0[k] ");
	assert_int_equal(net_engine_stats(ne)->overlap_bytes, 2);
	net_engine_free(ne);
}

static void
test_eviction_when_table_full(void **state)
{
	(void)state;
	struct rec r;
	struct net_limits lim;
	net_limits_default(&lim);
	lim.max_flows = 2;
	struct net_engine *ne = engine(&r, &lim);
	feed_ports(ne, true, 40000, NET_TCP_SYN, CISN, 0, NULL, 0, 1);
	feed_ports(ne, true, 40001, NET_TCP_SYN, CISN, 0, NULL, 0, 2);
	feed_ports(ne, true, 40000, NET_TCP_ACK, CISN + 1, 0, "a", 1, 3); /* 40000 most recent */
	feed_ports(ne, true, 40002, NET_TCP_SYN, CISN, 0, NULL, 0, 4);
	assert_string_equal(r.log, "O O d0[a] e0 e1 c4 O ");
	assert_int_equal(r.last_flow.cli_port, 40001);
	const struct net_stats *s = net_engine_stats(ne);
	assert_int_equal(s->flows_evicted, 1);
	assert_int_equal(s->flows_active, 2);
	assert_int_equal(s->flows_peak, 2);
	net_engine_free(ne);
}

static void
test_idle_timeout(void **state)
{
	(void)state;
	struct rec r;
	struct net_limits lim;
	net_limits_default(&lim);
	lim.idle_timeout_sec = 10;
	struct net_engine *ne = engine(&r, &lim);
	feed_ports(ne, true, 40000, NET_TCP_SYN, CISN, 0, NULL, 0, 1000000);
	feed_ports(ne, true, 40001, NET_TCP_SYN, CISN, 0, NULL, 0, 5000000);
	feed_ports(ne, true, 40002, NET_TCP_SYN, CISN, 0, NULL, 0, 11000000);
	assert_string_equal(r.log, "O O e0 e1 c3 O ");
	assert_int_equal(r.last_flow.cli_port, 40000);
	assert_int_equal(net_engine_stats(ne)->flows_timed_out, 1);
	net_engine_free(ne);
}

static void
test_finish_flushes_holes(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	send_at(ne, true, 0, "ab");
	send_at(ne, true, 4, "ef");
	send_at(ne, false, 3, "Z");
	net_engine_finish(ne, 5);
	assert_string_equal(r.log, "O d0[ab] g0(2) d0[ef] g1(3) d1[Z] e0 e1 c5 ");
	assert_int_equal(net_engine_stats(ne)->flows_active, 0);
	net_engine_free(ne);
}

static void
test_port_reuse_new_syn_new_flow(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	send_at(ne, true, 0, "a");
	fin(ne, true, 1); /* half closed */
	feed_ports(ne, true, 40000, NET_TCP_SYN, 90000, 0, NULL, 0, 3);
	feed_ports(ne, true, 40000, NET_TCP_ACK, 90001, 0, "b", 1, 3);
	assert_string_equal(r.log, "O d0[a] e0 e1 c6 O d0[b] ");
	assert_int_equal(r.last_id, 2);
	net_engine_free(ne);
}

static void
test_syn_on_live_flow_ignored(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	send_at(ne, true, 0, "a");
	feed_ports(ne, true, 40000, NET_TCP_SYN, 90000, 0, NULL, 0, 3);
	feed_ports(ne, true, 40000, NET_TCP_SYN, CISN, 0, NULL, 0, 3); /* retransmitted SYN */
	send_at(ne, true, 1, "b");
	assert_string_equal(r.log, "O d0[a] d0[b] ");
	net_engine_free(ne);
}

static void
test_count_frame(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	net_engine_count_frame(ne, NET_DECODE_NOT_TCP);
	net_engine_count_frame(ne, TLSIPS_ETRUNC);
	net_engine_count_frame(ne, TLSIPS_EMALFORMED);
	net_engine_count_frame(ne, 0);
	const struct net_stats *s = net_engine_stats(ne);
	assert_int_equal(s->packets, 3);
	assert_int_equal(s->not_tcp, 1);
	assert_int_equal(s->truncated, 1);
	assert_int_equal(s->malformed, 1);
	net_engine_free(ne);
}

static void
test_free_closes_open_flows(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	handshake(ne);
	net_engine_free(ne); /* the app allocated in on_open must be freed */
	assert_int_equal(r.closes, 1);
}

static void
test_flow_ids_unique(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	feed_ports(ne, true, 40000, NET_TCP_SYN, CISN, 0, NULL, 0, 1);
	uint64_t a = r.last_id;
	feed_ports(ne, true, 40001, NET_TCP_SYN, CISN, 0, NULL, 0, 1);
	assert_int_not_equal(a, r.last_id);
	net_engine_free(ne);
}

/* A 48-byte stream for both directions and its expected bytes. */
static const char STREAM[] = "The quick brown fox jumps over the lazy dog 0123";

static void
run_split(struct net_limits *lim, size_t k, bool reverse)
{
	struct rec r;
	struct net_engine *ne = engine(&r, lim);
	size_t n = sizeof(STREAM) - 1;
	handshake(ne);
	char a[64], b[64];
	memcpy(a, STREAM, k);
	a[k] = '\0';
	memcpy(b, STREAM + k, n - k);
	b[n - k] = '\0';
	for (int d = 0; d < 2; d++) {
		if (reverse) {
			send_at(ne, d == 0, (uint32_t)k, b);
			send_at(ne, d == 0, 0, a);
		} else {
			send_at(ne, d == 0, 0, a);
			send_at(ne, d == 0, (uint32_t)k, b);
		}
	}
	net_engine_finish(ne, 3);
	for (int d = 0; d < 2; d++) {
		assert_int_equal(r.outlen[d], n);
		assert_memory_equal(r.out[d], STREAM, n);
		assert_int_equal(r.gap_bytes[d], 0);
	}
	net_engine_free(ne);
}

static void
test_split_at_every_boundary(void **state)
{
	(void)state;
	for (size_t k = 0; k <= sizeof(STREAM) - 1; k++) {
		run_split(NULL, k, false);
		run_split(NULL, k, true);
	}
}

static void
test_bytes_one_at_a_time_reversed(void **state)
{
	(void)state;
	struct rec r;
	struct net_engine *ne = engine(&r, NULL);
	size_t n = sizeof(STREAM) - 1;
	handshake(ne);
	for (size_t i = n; i-- > 0;)
		feed_ports(ne, true, 40000, NET_TCP_ACK, CISN + 1 + (uint32_t)i, 0, STREAM + i, 1, 1);
	assert_int_equal(r.outlen[0], n);
	assert_memory_equal(r.out[0], STREAM, n);
	const struct net_stats *s = net_engine_stats(ne);
	assert_int_equal(s->bytes_in_order, 1);
	assert_int_equal(s->bytes_ooo_queued, n - 1);
	net_engine_free(ne);
}

/* Overlapping retransmissions of every (start, length) window give the same stream. */
static void
test_overlapping_windows_same_output(void **state)
{
	(void)state;
	size_t n = sizeof(STREAM) - 1;
	for (size_t start = 1; start < n; start += 3) {
		struct rec r;
		struct net_engine *ne = engine(&r, NULL);
		handshake(ne);
		feed_ports(ne, true, 40000, NET_TCP_ACK, CISN + 1 + (uint32_t)start, 0, STREAM + start,
			   n - start, 1);
		feed_ports(ne, true, 40000, NET_TCP_ACK, CISN + 1 + (uint32_t)(start / 2), 0,
			   STREAM + start / 2, n - start / 2, 1);
		feed_ports(ne, true, 40000, NET_TCP_ACK, CISN + 1, 0, STREAM, start, 1);
		assert_int_equal(r.outlen[0], n);
		assert_memory_equal(r.out[0], STREAM, n);
		net_engine_free(ne);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_both_directions),
		cmocka_unit_test(test_out_of_order_queued_then_drained),
		cmocka_unit_test(test_retransmission_trimmed),
		cmocka_unit_test(test_overlap_queued_first_wins),
		cmocka_unit_test(test_overlap_in_order_loses_to_queue),
		cmocka_unit_test(test_sequence_wraparound),
		cmocka_unit_test(test_segment_limit_declares_gap),
		cmocka_unit_test(test_byte_limit_delivers_oversized_segment),
		cmocka_unit_test(test_global_limit_shared_by_flows),
		cmocka_unit_test(test_syn_with_data),
		cmocka_unit_test(test_synack_first_starts_client_from_ack),
		cmocka_unit_test(test_midstream_higher_port_is_client),
		cmocka_unit_test(test_midstream_equal_ports_first_source_is_client),
		cmocka_unit_test(test_rst_flushes_and_closes),
		cmocka_unit_test(test_fin_out_of_order_waits_for_data),
		cmocka_unit_test(test_truncated_segment_tail_is_gap),
		cmocka_unit_test(test_truncated_segment_ending_inside_queued_piece),
		cmocka_unit_test(test_eviction_when_table_full),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_finish_flushes_holes),
		cmocka_unit_test(test_port_reuse_new_syn_new_flow),
		cmocka_unit_test(test_syn_on_live_flow_ignored),
		cmocka_unit_test(test_count_frame),
		cmocka_unit_test(test_free_closes_open_flows),
		cmocka_unit_test(test_flow_ids_unique),
		cmocka_unit_test(test_split_at_every_boundary),
		cmocka_unit_test(test_bytes_one_at_a_time_reversed),
		cmocka_unit_test(test_overlapping_windows_same_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
