/*
 * Helpers of the detect matcher tests (test_detect_match*.c): load rule
 * text, build a transaction from strings, run a point and record the sids
 * that alerted, in order.
 */
#ifndef TLSIPS_TEST_DETECT_MATCH_UTIL_H
#define TLSIPS_TEST_DETECT_MATCH_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detect.h"
#include "detect/detect_engine.h"


enum { DM_SIDS = 256 };

struct dm_env {
	struct detect_ruleset *rs;
	struct detect_ctx *dc;
	struct detect_flow *df;
	struct http_txn txn;
	struct net_addr src, dst;
	struct detect_pkt_info pi;
	uint32_t sids[DM_SIDS];
	enum detect_action actions[DM_SIDS];
	uint32_t n;
	struct detect_result res;
};

static inline void
dm_on_alert(void *ctx, const struct detect_alert *a)
{
	struct dm_env *e = ctx;
	if (e->n < DM_SIDS) {
		e->sids[e->n] = a->rule->sid;
		e->actions[e->n] = a->action;
		e->n++;
	}
}

/* Loads and compiles rules (one per line); every line must load. */
static inline void
dm_load(struct dm_env *e, const char *rules)
{
	memset(e, 0, sizeof(*e));
	struct detect_vars vars;
	detect_vars_default(&vars);
	e->rs = detect_ruleset_new(&vars, stderr);
	assert_non_null(e->rs);
	assert_int_equal(detect_ruleset_load_text(e->rs, "test.rules", rules, strlen(rules)), 0);
	const struct detect_load_stats *st = detect_ruleset_stats(e->rs);
	assert_int_equal(st->failed, 0);
	assert_int_equal(st->skipped, 0);
	assert_int_equal(detect_ruleset_compile(e->rs), 0);
	e->dc = detect_ctx_new(e->rs, NULL);
	assert_non_null(e->dc);
	e->df = detect_flow_new(e->dc);
	assert_non_null(e->df);
	/* 192.0.2.1:40000 -> 192.0.2.2:80, established. */
	e->src.family = 4;
	memcpy(e->src.bytes, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	e->dst.family = 4;
	memcpy(e->dst.bytes, (uint8_t[]){ 192, 0, 2, 2 }, 4);
	e->pi.src = &e->src;
	e->pi.dst = &e->dst;
	e->pi.sport = 40000;
	e->pi.dport = 80;
	e->pi.ts_usec = 1000000;
	e->pi.established = true;
}

static inline void
dm_free(struct dm_env *e)
{
	detect_flow_free(e->df);
	detect_ctx_free(e->dc);
	detect_ruleset_free(e->rs);
	memset(e, 0, sizeof(*e));
}

/* Sets one buffer of the transaction (the string must outlive the run). */
static inline void
dm_buf(struct dm_env *e, enum http_buf b, const char *s)
{
	e->txn.buf[b] = view_make(s, strlen(s));
}

static inline void
dm_buf_bin(struct dm_env *e, enum http_buf b, const void *p, size_t n)
{
	e->txn.buf[b] = view_make(p, n);
}

static inline void
dm_clear(struct dm_env *e)
{
	memset(&e->txn, 0, sizeof(e->txn));
}

/* Runs a point; returns the number of alerts (sids in e->sids). */
static inline uint32_t
dm_run(struct dm_env *e, enum http_dir point)
{
	e->n = 0;
	e->res = detect_match_http(e->dc, e->df, &e->pi, &e->txn, point, dm_on_alert, e);
	assert_int_equal(e->res.alerts, e->n);
	return e->n;
}

static inline uint32_t
dm_req(struct dm_env *e)
{
	return dm_run(e, HTTP_DIR_REQUEST);
}

/* Request with only a URI: alerts of the request point. */
static inline uint32_t
dm_uri(struct dm_env *e, const char *uri)
{
	dm_clear(e);
	dm_buf(e, HTTP_BUF_URI, uri);
	dm_buf(e, HTTP_BUF_URI_RAW, uri);
	return dm_req(e);
}

static inline bool
dm_has(const struct dm_env *e, uint32_t sid)
{
	for (uint32_t i = 0; i < e->n; i++)
		if (e->sids[i] == sid)
			return true;
	return false;
}

#endif
