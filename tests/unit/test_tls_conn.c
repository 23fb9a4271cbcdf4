/*
 * tls_conn against real peers: sessions made by OpenSSL's libssl over
 * memory BIOs are fed to the engine, which must return exactly the
 * application data each side sent, and the right reason when it cannot.
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
#include "tls_peer.h"

struct fixture {
	struct tls_keystore *ks;
	struct tls_engine *te;
	struct tp_collect got;
};

static void
fixture_init(struct fixture *f, int key_which)
{
	char err[256];
	memset(f, 0, sizeof(*f));
	f->ks = tls_keystore_new();
	if (key_which >= 0) {
		int rc = tls_keystore_add_file(f->ks, tp_identity_get(key_which)->key_path, NULL, err,
					       sizeof(err));
		if (rc != 0)
			print_error("%s\n", err);
		assert_int_equal(rc, 0);
	}
	struct tls_sink sink = { &f->got, tp_collect_plaintext, tp_collect_state };
	f->te = tls_engine_new(NULL, f->ks, &sink);
	assert_non_null(f->te);
}

static void
fixture_fini(struct fixture *f)
{
	tls_engine_free(f->te);
	tls_keystore_free(f->ks);
	tp_collect_free(&f->got);
}

/* Feeds a trace in wire order, each chunk cut into pieces of at most step bytes. */
static struct tls_conn *
feed_trace(struct fixture *f, const struct tp_trace *t, size_t step)
{
	struct tls_conn *c = tls_conn_new(f->te, NULL, false);
	for (size_t i = 0; i < t->nchunks; i++) {
		const struct tp_chunk *ch = &t->chunks[i];
		for (size_t off = 0; off < ch->len; off += step) {
			size_t n = ch->len - off < step ? ch->len - off : step;
			tls_conn_feed(c, (enum tls_dir)ch->dir, t->bytes + ch->off + off, n);
		}
	}
	tls_conn_end(c);
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

static const uint8_t request[] = "GET /index.html?q=%27union%20select HTTP/1.1\r\nHost: tlsips.test\r\n\r\n";
static const uint8_t response[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

/* One session: handshake, a request, a response, close_notify. */
static void
make_session(struct tp_trace *t, const struct tp_options *o, int id_which)
{
	struct tp_peers p;
	tp_trace_init(t);
	assert_true(tp_peers_new(&p, o, tp_identity_get(id_which), NULL, t));
	assert_true(tp_handshake(&p));
	assert_true(tp_send(&p, 0, request, sizeof(request) - 1));
	assert_true(tp_send(&p, 1, response, sizeof(response) - 1));
	tp_close(&p);
	tp_peers_free(&p);
}

static void
check_suite(const char *cipher, int version, bool no_ems, bool no_etm)
{
	struct tp_options o = { cipher, version, no_ems, no_etm, false, false, false };
	struct tp_trace t;
	struct fixture f;
	make_session(&t, &o, 0);
	fixture_init(&f, 0);
	struct tls_conn *c = feed_trace(&f, &t, SIZE_MAX);
	const struct tls_conn_info *info = tls_conn_info(c);
	assert_true(info->decrypted);
	assert_int_equal(info->reason, TLS_REASON_NONE);
	assert_int_equal(info->version, version);
	assert_non_null(info->suite);
	assert_string_equal(info->suite->name, cipher);
	assert_string_equal(info->sni, "tlsips.test");
	assert_plaintext(&f, &t);
	assert_int_equal(info->last_alert[0], 0); /* close_notify */
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

static const char *const tls12_suites[] = {
	"AES128-SHA", "AES256-SHA", "AES128-SHA256", "AES256-SHA256",
	"CAMELLIA128-SHA", "CAMELLIA256-SHA", "CAMELLIA128-SHA256", "CAMELLIA256-SHA256",
	"AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-CCM", "AES256-CCM",
	"AES128-CCM8", "AES256-CCM8",
};

static const char *const cbc_suites[] = {
	"AES128-SHA", "AES256-SHA", "CAMELLIA128-SHA", "CAMELLIA256-SHA",
};

static void
test_every_rsa_suite_tls12_decrypts_exactly(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tls12_suites) / sizeof(tls12_suites[0]); i++)
		check_suite(tls12_suites[i], TLS1_2_VERSION, false, false);
}

static void
test_cbc_suites_tls10_tls11_decrypt_exactly(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cbc_suites) / sizeof(cbc_suites[0]); i++) {
		check_suite(cbc_suites[i], TLS1_VERSION, false, false);
		check_suite(cbc_suites[i], TLS1_1_VERSION, false, false);
	}
}

static void
test_without_ems_and_without_etm(void **state)
{
	(void)state;
	check_suite("AES128-SHA256", TLS1_2_VERSION, true, false);
	check_suite("AES128-SHA256", TLS1_2_VERSION, false, true);
	check_suite("AES128-SHA", TLS1_VERSION, true, true);
	check_suite("AES256-GCM-SHA384", TLS1_2_VERSION, true, false);
}

static void
test_every_split_point_gives_the_same_plaintext(void **state)
{
	(void)state;
	struct tp_options o = { "AES128-GCM-SHA256", TLS1_2_VERSION, false, false, false, false, false };
	struct tp_trace t;
	make_session(&t, &o, 0);
	for (size_t step = 1; step <= 700; step += (step < 20 ? 1 : 37)) {
		struct fixture f;
		fixture_init(&f, 0);
		struct tls_conn *c = feed_trace(&f, &t, step);
		assert_true(tls_conn_info(c)->decrypted);
		assert_plaintext(&f, &t);
		tls_conn_free(c);
		fixture_fini(&f);
	}
	tp_trace_fini(&t);
}

static void
run_resumption(bool tickets, enum tls_resume expect)
{
	struct tp_options o = { "AES128-GCM-SHA256", TLS1_2_VERSION, false, false, !tickets, false, false };
	struct tp_trace t1, t2;
	struct tp_peers p;
	tp_trace_init(&t1);
	tp_trace_init(&t2);
	assert_true(tp_peers_new(&p, &o, tp_identity_get(0), NULL, &t1));
	assert_true(tp_handshake(&p));
	assert_true(tp_send(&p, 0, request, sizeof(request) - 1));
	SSL_SESSION *sess = SSL_get1_session(p.c);
	tp_close(&p);
	tp_peers_free(&p);
	assert_true(tp_peers_new(&p, &o, tp_identity_get(0), sess, &t2));
	assert_true(tp_handshake(&p));
	assert_true(SSL_session_reused(p.c));
	assert_true(tp_send(&p, 0, request, sizeof(request) - 1));
	assert_true(tp_send(&p, 1, response, sizeof(response) - 1));
	tp_close(&p);
	tp_peers_free(&p);
	SSL_SESSION_free(sess);

	struct fixture f;
	fixture_init(&f, 0);
	struct tls_conn *c1 = feed_trace(&f, &t1, SIZE_MAX);
	assert_true(tls_conn_info(c1)->decrypted);
	tls_conn_free(c1);
	tp_collect_free(&f.got);
	struct tls_conn *c2 = feed_trace(&f, &t2, SIZE_MAX);
	assert_true(tls_conn_info(c2)->decrypted);
	assert_int_equal(tls_conn_info(c2)->resumed, expect);
	assert_plaintext(&f, &t2);
	tls_conn_free(c2);
	fixture_fini(&f);

	/* Without the original session, the resumed one cannot be decrypted. */
	fixture_init(&f, 0);
	c2 = feed_trace(&f, &t2, SIZE_MAX);
	assert_false(tls_conn_info(c2)->decrypted);
	assert_int_equal(tls_conn_info(c2)->reason, TLS_REASON_UNKNOWN_SESSION);
	assert_int_equal(f.got.len[0] + f.got.len[1], 0);
	tls_conn_free(c2);
	fixture_fini(&f);
	tp_trace_fini(&t1);
	tp_trace_fini(&t2);
}

static void
test_resumption_by_session_id(void **state)
{
	(void)state;
	run_resumption(false, TLS_RESUME_SESSION_ID);
}

static void
test_resumption_by_ticket(void **state)
{
	(void)state;
	run_resumption(true, TLS_RESUME_TICKET);
}

static void
test_renegotiation_switches_keys(void **state)
{
	(void)state;
	struct tp_options o = { "AES256-SHA256", TLS1_2_VERSION, false, false, false, false, false };
	struct tp_trace t;
	struct tp_peers p;
	tp_trace_init(&t);
	assert_true(tp_peers_new(&p, &o, tp_identity_get(0), NULL, &t));
	assert_true(tp_handshake(&p));
	assert_true(tp_send(&p, 0, request, sizeof(request) - 1));
	assert_true(tp_renegotiate(&p));
	assert_true(tp_send(&p, 0, request, sizeof(request) - 1));
	assert_true(tp_send(&p, 1, response, sizeof(response) - 1));
	tp_close(&p);
	tp_peers_free(&p);
	struct fixture f;
	fixture_init(&f, 0);
	struct tls_conn *c = feed_trace(&f, &t, SIZE_MAX);
	assert_true(tls_conn_info(c)->decrypted);
	assert_int_equal(tls_conn_info(c)->handshakes, 2);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_NONE);
	assert_plaintext(&f, &t);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

static void
test_one_mib_response(void **state)
{
	(void)state;
	struct tp_options o = { "AES128-GCM-SHA256", TLS1_2_VERSION, false, false, false, false, false };
	struct tp_trace t;
	struct tp_peers p;
	size_t n = 1u << 20;
	uint8_t *big = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 9));
	tp_trace_init(&t);
	assert_true(tp_peers_new(&p, &o, tp_identity_get(0), NULL, &t));
	assert_true(tp_handshake(&p));
	assert_true(tp_send(&p, 0, request, sizeof(request) - 1));
	assert_true(tp_send(&p, 1, big, n));
	tp_peers_free(&p);
	struct fixture f;
	fixture_init(&f, 0);
	struct tls_conn *c = feed_trace(&f, &t, 1448);
	assert_true(tls_conn_info(c)->decrypted);
	assert_plaintext(&f, &t);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
	free(big);
}

static void
check_reason(int key_which, enum tls_reason expect)
{
	struct tp_options o = { "AES128-GCM-SHA256", TLS1_2_VERSION, false, false, false, false, false };
	struct tp_trace t;
	struct fixture f;
	make_session(&t, &o, 0);
	fixture_init(&f, key_which);
	struct tls_conn *c = feed_trace(&f, &t, SIZE_MAX);
	assert_false(tls_conn_info(c)->decrypted);
	assert_int_equal(tls_conn_info(c)->reason, expect);
	assert_int_equal(f.got.len[0] + f.got.len[1], 0);
	assert_int_equal(f.got.state_calls, 1);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

static void
test_no_keys_loaded_is_no_key(void **state)
{
	(void)state;
	check_reason(-1, TLS_REASON_NO_KEY);
}

static void
test_key_of_another_server_is_no_key(void **state)
{
	(void)state;
	check_reason(1, TLS_REASON_NO_KEY);
}

static void
test_ecdhe_with_rsa_key_is_unsupported_suite(void **state)
{
	(void)state;
	struct tp_options o = { "ECDHE-RSA-AES128-GCM-SHA256", TLS1_2_VERSION, false, false, false, false, false };
	struct tp_trace t;
	struct fixture f;
	make_session(&t, &o, 0);
	fixture_init(&f, 0);
	struct tls_conn *c = feed_trace(&f, &t, SIZE_MAX);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_UNSUPPORTED_SUITE);
	assert_string_equal(tls_conn_info(c)->suite->name, "ECDHE-RSA-AES128-GCM-SHA256");
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

static void
test_flipped_bit_in_application_data_is_mac_failure(void **state)
{
	(void)state;
	struct tp_options o = { "AES128-SHA256", TLS1_2_VERSION, false, false, false, false, false };
	struct tp_trace t;
	struct fixture f;
	make_session(&t, &o, 0);
	/* Client chunks: ClientHello, ClientKeyExchange+CCS+Finished, the request, the alert. */
	size_t req = 0, seen = 0;
	for (size_t i = 0; i < t.nchunks && seen < 3; i++)
		if (t.chunks[i].dir == 0 && ++seen == 3)
			req = i;
	assert_int_equal(seen, 3);
	t.bytes[t.chunks[req].off + t.chunks[req].len - 1] ^= 0x01;
	fixture_init(&f, 0);
	struct tls_conn *c = feed_trace(&f, &t, SIZE_MAX);
	assert_true(tls_conn_info(c)->decrypted); /* the Finished records authenticated */
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_MAC_FAILURE);
	assert_int_equal(f.got.len[0], 0);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

/*
 * No library here negotiates TLS compression any more: take a real session
 * and set the ServerHello's compression_method to 1 (DEFLATE, RFC 3749).
 */
static void
test_compression_in_server_hello_is_reported(void **state)
{
	(void)state;
	struct tp_options o = { "AES128-SHA256", TLS1_2_VERSION, false, false, false, false, false };
	struct tp_trace t;
	struct fixture f;
	make_session(&t, &o, 0);
	size_t sh = 0;
	while (t.chunks[sh].dir != 1)
		sh++;
	/* record(5) msg_type(1) length(3) version(2) random(32) session_id<1..> suite(2) */
	uint8_t *p = t.bytes + t.chunks[sh].off;
	assert_int_equal(p[5], 2); /* ServerHello */
	size_t at = 5 + 4 + 2 + 32;
	at += 1 + p[at] + 2;
	assert_int_equal(p[at], 0);
	p[at] = 1;
	fixture_init(&f, 0);
	struct tls_conn *c = feed_trace(&f, &t, SIZE_MAX);
	assert_false(tls_conn_info(c)->decrypted);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_COMPRESSION);
	assert_int_equal(f.got.len[0] + f.got.len[1], 0);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

static void
test_plain_http_is_not_tls(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f, 0);
	struct tls_conn *c = tls_conn_new(f.te, NULL, false);
	tls_conn_feed(c, TLS_DIR_CLIENT, request, sizeof(request) - 1);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_NOT_TLS);
	assert_false(tls_conn_info(c)->is_tls);
	tls_conn_free(c);
	fixture_fini(&f);
}

static void
test_capture_after_handshake_is_no_handshake(void **state)
{
	(void)state;
	struct tp_options o = { "AES128-GCM-SHA256", TLS1_2_VERSION, false, false, false, false, false };
	struct tp_trace t;
	struct fixture f;
	make_session(&t, &o, 0);
	fixture_init(&f, 0);
	struct tls_conn *c = tls_conn_new(f.te, NULL, true);
	/* Only the chunks after the handshake: the request, the response, the alerts. */
	for (size_t i = t.nchunks - 4; i < t.nchunks; i++)
		tls_conn_feed(c, (enum tls_dir)t.chunks[i].dir, t.bytes + t.chunks[i].off,
			      t.chunks[i].len);
	tls_conn_end(c);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_NO_HANDSHAKE);
	assert_int_equal(f.got.len[0] + f.got.len[1], 0);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

static void
test_gap_after_handshake_is_truncated(void **state)
{
	(void)state;
	struct tp_options o = { "AES128-GCM-SHA256", TLS1_2_VERSION, false, false, false, false, false };
	struct tp_trace t;
	struct fixture f;
	make_session(&t, &o, 0);
	fixture_init(&f, 0);
	struct tls_conn *c = tls_conn_new(f.te, NULL, false);
	for (size_t i = 0; i < t.nchunks; i++) {
		if (i == t.nchunks - 4)
			tls_conn_gap(c, TLS_DIR_CLIENT, 10);
		tls_conn_feed(c, (enum tls_dir)t.chunks[i].dir, t.bytes + t.chunks[i].off,
			      t.chunks[i].len);
	}
	assert_true(tls_conn_info(c)->decrypted);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_TRUNCATED);
	assert_int_equal(f.got.len[0], 0);
	assert_int_equal(f.got.len[1], sizeof(response) - 1);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

static void
test_handshake_cut_short_is_truncated(void **state)
{
	(void)state;
	struct tp_options o = { "AES128-GCM-SHA256", TLS1_2_VERSION, false, false, false, false, false };
	struct tp_trace t;
	struct fixture f;
	make_session(&t, &o, 0);
	fixture_init(&f, 0);
	struct tls_conn *c = tls_conn_new(f.te, NULL, false);
	tls_conn_feed(c, TLS_DIR_CLIENT, t.bytes, t.chunks[0].len - 1);
	tls_conn_end(c);
	assert_int_equal(tls_conn_info(c)->reason, TLS_REASON_TRUNCATED);
	tls_conn_free(c);
	fixture_fini(&f);
	tp_trace_fini(&t);
}

int
main(void)
{
	tls_cipher_providers_load();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rsa_suite_tls12_decrypts_exactly),
		cmocka_unit_test(test_cbc_suites_tls10_tls11_decrypt_exactly),
		cmocka_unit_test(test_without_ems_and_without_etm),
		cmocka_unit_test(test_every_split_point_gives_the_same_plaintext),
		cmocka_unit_test(test_resumption_by_session_id),
		cmocka_unit_test(test_resumption_by_ticket),
		cmocka_unit_test(test_renegotiation_switches_keys),
		cmocka_unit_test(test_one_mib_response),
		cmocka_unit_test(test_no_keys_loaded_is_no_key),
		cmocka_unit_test(test_key_of_another_server_is_no_key),
		cmocka_unit_test(test_ecdhe_with_rsa_key_is_unsupported_suite),
		cmocka_unit_test(test_flipped_bit_in_application_data_is_mac_failure),
		cmocka_unit_test(test_compression_in_server_hello_is_reported),
		cmocka_unit_test(test_plain_http_is_not_tls),
		cmocka_unit_test(test_capture_after_handshake_is_no_handshake),
		cmocka_unit_test(test_gap_after_handshake_is_truncated),
		cmocka_unit_test(test_handshake_cut_short_is_truncated),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tp_identity_cleanup();
	return rc;
}
