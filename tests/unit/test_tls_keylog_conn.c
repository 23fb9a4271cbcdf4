/*
 * Key log mode against real peers: sessions made by libssl, the client's
 * own key log lines handed to the engine's key log store, before the
 * records (the usual case), after them (late keys), or never (timeout).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tls/tls.h"
#include "tls/tls_cipher.h"
#include "tls/tls_keylog.h"
#include "base/num.h"
#include "tls_peer.h"

/* The client random of a key log's first line ("LABEL <64 hex> <secret>"). */
static int
num_parse_hex_line(const char *line, uint8_t out[32])
{
	const char *sp = strchr(line, ' ');
	return sp ? num_parse_hex(sp + 1, 64, out, 32) : -1;
}

struct fixture {
	struct tls_keylog *kl;
	struct tls_engine *te;
	struct tp_collect got;
};

static void
fixture_init(struct fixture *f, bool live)
{
	memset(f, 0, sizeof(*f));
	f->kl = tls_keylog_new(NULL);
	struct tls_sink sink = { &f->got, tp_collect_plaintext, NULL };
	f->te = tls_engine_new(NULL, NULL, &sink);
	assert_non_null(f->te);
	tls_engine_set_keylog(f->te, f->kl, live);
}

static void
fixture_fini(struct fixture *f)
{
	tls_engine_free(f->te);
	tls_keylog_free(f->kl);
	tp_collect_free(&f->got);
}

static void
add_keylog(struct fixture *f, const struct tp_trace *t)
{
	struct tls_keylog_src src = { "test", 0 };
	size_t used = tls_keylog_add_text(f->kl, &src, t->keylog, t->keylog_len, true, 0);
	assert_int_equal(used, t->keylog_len);
}

static void
feed_all(struct tls_conn *c, const struct tp_trace *t)
{
	for (size_t i = 0; i < t->nchunks; i++)
		tls_conn_feed(c, (enum tls_dir)t->chunks[i].dir, t->bytes + t->chunks[i].off,
			      t->chunks[i].len);
}

static void
assert_plaintext(const struct fixture *f, const struct tp_trace *t)
{
	for (int d = 0; d < 2; d++) {
		assert_int_equal(f->got.len[d], t->sent_len[d]);
		if (t->sent_len[d])
			assert_memory_equal(f->got.b[d], t->sent[d], t->sent_len[d]);
	}
}

static const uint8_t request[] = "POST /login HTTP/1.1\r\nHost: tlsips.test\r\nContent-Length: 9\r\n\r\nuser=root";
static const uint8_t response[] = "HTTP/1.1 302 Found\r\nLocation: /\r\n\r\n";

static void
make_session(struct tp_trace *t, const char *cipher, int version, const struct tp_identity *id)
{
	struct tp_options o = { cipher, version, false, false, false, false, false };
	struct tp_peers p;
	tp_trace_init(t);
	assert_true(tp_peers_new(&p, &o, id, NULL, t));
	if (!tp_handshake(&p))
		print_error("handshake failed: %s\n", cipher);
	assert_true(p.s && SSL_is_init_finished(p.s));
	assert_true(tp_send(&p, 0, request, sizeof(request) - 1));
	assert_true(tp_send(&p, 1, response, sizeof(response) - 1));
	tp_close(&p);
	tp_peers_free(&p);
	assert_true(t->keylog_len > 0);
}

static void
check_keylog_suite(const char *cipher, const struct tp_identity *id)
{
	struct tp_trace t;
	struct fixture f;
	make_session(&t, cipher, TLS1_2_VERSION, id);
	fixture_init(&f, false);
	add_keylog(&f, &t);
	struct tls_conn *c = tls_conn_new(f.te, NULL, false);
	feed_all(c, &t);
	tls_conn_end(c);
	const struct tls_conn_info *info = tls_conn_info(c);
	if (!info->decrypted)
		print_error("%s: %s\n", cipher, tls_reason_name(info->reason));
	assert_true(info->decrypted);
	assert_int_equal(info->reason, TLS_REASON_NONE);
	assert_int_equal(info->key_source, TLS_KEY_SOURCE_KEYLOG);
	assert_string_equal(info->suite->name, cipher);
	assert_plaintext(&f, &t);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

/* Every PFS suite of the seed table, and RSA ones too (the key log covers all). */
static void
test_every_pfs_suite_decrypts_with_the_key_log(void **state)
{
	(void)state;
	static const char *const rsa_auth[] = {
		"DHE-RSA-AES128-SHA", "DHE-RSA-AES256-SHA", "DHE-RSA-AES128-SHA256",
		"DHE-RSA-AES256-SHA256", "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384",
		"ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA", "ECDHE-RSA-AES128-SHA256",
		"ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
		"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305",
		"DHE-RSA-CHACHA20-POLY1305", "AES128-GCM-SHA256",
	};
	static const char *const ecdsa_auth[] = {
		"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA256",
		"ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256",
		"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
	};
	for (size_t i = 0; i < sizeof(rsa_auth) / sizeof(rsa_auth[0]); i++)
		check_keylog_suite(rsa_auth[i], tp_identity_get(0));
	for (size_t i = 0; i < sizeof(ecdsa_auth) / sizeof(ecdsa_auth[0]); i++)
		check_keylog_suite(ecdsa_auth[i], tp_identity_ec());
}

static void
test_static_key_log_without_the_entry_is_no_keylog_entry(void **state)
{
	(void)state;
	struct tp_trace t;
	struct fixture f;
	make_session(&t, "ECDHE-RSA-AES128-GCM-SHA256", TLS1_2_VERSION, tp_identity_get(0));
	fixture_init(&f, false);
	struct tls_conn *c = tls_conn_new(f.te, NULL, false);
	feed_all(c, &t);
	tls_conn_end(c);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_NO_KEYLOG_ENTRY);
	assert_int_equal(f.got.len[0] + f.got.len[1], 0);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

static void
test_keys_arriving_after_the_records_still_decrypt(void **state)
{
	(void)state;
	struct tp_trace t;
	struct fixture f;
	make_session(&t, "ECDHE-RSA-AES256-GCM-SHA384", TLS1_2_VERSION, tp_identity_get(0));
	fixture_init(&f, true);
	struct tls_conn *c = tls_conn_new(f.te, NULL, false);
	tls_engine_tick(f.te, 1000000);
	feed_all(c, &t);
	assert_int_equal(f.got.len[0] + f.got.len[1], 0);
	assert_true(tls_engine_stats(f.te)->held_bytes_now > 0);
	tls_engine_tick(f.te, 1500000);
	add_keylog(&f, &t);
	/* What the key log's added callback does in tlsips: tell the engine. */
	uint8_t cr[32];
	assert_int_equal(num_parse_hex_line(t.keylog, cr), 0);
	tls_engine_keys_added(f.te, cr);
	tls_conn_end(c);
	assert_true(tls_conn_info(c)->decrypted);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_NONE);
	assert_plaintext(&f, &t);
	assert_int_equal(tls_engine_stats(f.te)->key_arrived_late, 1);
	assert_int_equal(tls_engine_stats(f.te)->held_bytes_now, 0);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

static void
test_keys_that_never_arrive_time_out(void **state)
{
	(void)state;
	struct tp_trace t;
	struct fixture f;
	make_session(&t, "ECDHE-RSA-CHACHA20-POLY1305", TLS1_2_VERSION, tp_identity_get(0));
	fixture_init(&f, true);
	struct tls_conn *c = tls_conn_new(f.te, NULL, false);
	tls_engine_tick(f.te, 1000000);
	feed_all(c, &t);
	tls_engine_tick(f.te, 12000000); /* past the 10 s default wait */
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_KEY_TIMEOUT);
	assert_int_equal(tls_engine_stats(f.te)->key_timeouts, 1);
	assert_int_equal(tls_engine_stats(f.te)->held_bytes_now, 0);
	assert_int_equal(f.got.len[0] + f.got.len[1], 0);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

static void
test_waiting_beyond_the_byte_limit_gives_up(void **state)
{
	(void)state;
	struct tp_trace t;
	struct fixture f;
	make_session(&t, "ECDHE-RSA-AES128-GCM-SHA256", TLS1_2_VERSION, tp_identity_get(0));
	memset(&f, 0, sizeof(f));
	f.kl = tls_keylog_new(NULL);
	struct tls_limits lim;
	tls_limits_default(&lim);
	lim.held_bytes_conn = 40; /* less than the client's Finished record */
	struct tls_sink sink = { &f.got, tp_collect_plaintext, NULL };
	f.te = tls_engine_new(&lim, NULL, &sink);
	tls_engine_set_keylog(f.te, f.kl, true);
	struct tls_conn *c = tls_conn_new(f.te, NULL, false);
	feed_all(c, &t);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_KEY_TIMEOUT);
	assert_true(tls_engine_stats(f.te)->held_limit_hits >= 1);
	tls_conn_free(c);
	assert_int_equal(tls_engine_stats(f.te)->held_bytes_now, 0);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

static void
test_too_many_waiting_sessions_evict_the_oldest(void **state)
{
	(void)state;
	struct tp_trace t[3];
	struct tls_conn *c[3];
	struct fixture f;
	memset(&f, 0, sizeof(f));
	f.kl = tls_keylog_new(NULL);
	struct tls_limits lim;
	tls_limits_default(&lim);
	lim.max_waiting = 2;
	struct tls_sink sink = { &f.got, tp_collect_plaintext, NULL };
	f.te = tls_engine_new(&lim, NULL, &sink);
	tls_engine_set_keylog(f.te, f.kl, true);
	for (int i = 0; i < 3; i++) {
		make_session(&t[i], "ECDHE-RSA-AES128-GCM-SHA256", TLS1_2_VERSION, tp_identity_get(0));
		c[i] = tls_conn_new(f.te, NULL, false);
		feed_all(c[i], &t[i]);
		assert_true(tls_conn_is_waiting(c[i]));
	}
	/* The third made the first give up. */
	assert_false(tls_conn_is_waiting(c[0]));
	assert_int_equal(tls_conn_info(c[0])->reason, TLS_REASON_KEY_TIMEOUT);
	assert_int_equal(tls_engine_stats(f.te)->waiting_evicted, 1);
	assert_int_equal(tls_engine_stats(f.te)->waiting_now, 2);
	for (int i = 0; i < 3; i++) {
		tls_conn_free(c[i]);
		tp_trace_fini(&t[i]);
	}
	assert_int_equal(tls_engine_stats(f.te)->waiting_now, 0);
	assert_int_equal(tls_engine_stats(f.te)->held_bytes_now, 0);
	fixture_fini(&f);
}

int
main(void)
{
	tls_cipher_providers_load();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_pfs_suite_decrypts_with_the_key_log),
		cmocka_unit_test(test_static_key_log_without_the_entry_is_no_keylog_entry),
		cmocka_unit_test(test_keys_arriving_after_the_records_still_decrypt),
		cmocka_unit_test(test_keys_that_never_arrive_time_out),
		cmocka_unit_test(test_waiting_beyond_the_byte_limit_gives_up),
		cmocka_unit_test(test_too_many_waiting_sessions_evict_the_oldest),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tp_identity_cleanup();
	return rc;
}
