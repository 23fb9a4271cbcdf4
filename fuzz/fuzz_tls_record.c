/*
 * Fuzz target tls_record: one TLS connection driven by a framed stream.
 *
 *   input := chunk*
 *   chunk := kind(1) length(2, big-endian) bytes[length]
 *   kind  := bit 0: from server; bit 1: the bytes are key log lines, added
 *            to the engine's key log (then the waiting sessions resume)
 *
 * The engine holds the fuzz server key (fuzz/keys/fuzz_server.pem, a test
 * key), so seeds made from real sessions with that key reach key exchange,
 * decryption, resumption and renegotiation; mutations exercise framing,
 * handshake parsing and every failure path.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "base/rd.h"
#include "tls/tls.h"
#include "tls/tls_cipher.h"
#include "tls/tls_keylog.h"
#include "fuzz_tls_key.h"

static uint64_t fuzz_tls_sink_bytes;

static void
fuzz_tls_on_plaintext(void *ctx, void *flow_ctx, enum tls_dir dir, const uint8_t *d, size_t n)
{
	(void)ctx, (void)flow_ctx, (void)dir;
	/* Touch every byte so ASan sees any bad pointer handed out. */
	for (size_t i = 0; i < n; i++)
		fuzz_tls_sink_bytes += d[i];
}

static struct tls_keylog *fuzz_tls_kl;

static void
fuzz_tls_keys_added(void *ctx, const uint8_t key[TLS_KEYLOG_RANDOM_LEN], enum tls_keylog_label label)
{
	(void)label;
	tls_engine_keys_added(ctx, key);
}

static struct tls_engine *
fuzz_tls_engine(void)
{
	static struct tls_engine *te;
	static struct tls_keystore *ks;
	if (te)
		return te;
	tls_cipher_providers_load();
	/* OpenSSL makes its per-thread DRBGs on first use (RSA blinding): make
	 * them now, so libFuzzer's leak check does not blame the first input. */
	uint8_t warm[16];
	RAND_bytes(warm, sizeof(warm));
	RAND_priv_bytes(warm, sizeof(warm));
	ks = fuzz_tls_keystore();
	struct tls_sink sink = { NULL, fuzz_tls_on_plaintext, NULL };
	struct tls_limits lim;
	tls_limits_default(&lim);
	lim.session_cache_entries = 64;
	lim.max_handshake_msg = 1 << 16;
	te = tls_engine_new(&lim, ks, &sink);
	struct tls_keylog_limits kll;
	tls_keylog_limits_default(&kll);
	kll.max_entries = 64;
	fuzz_tls_kl = tls_keylog_new(&kll);
	if (te && fuzz_tls_kl) {
		/* Live: sessions wait for lines that come later in the input. */
		tls_engine_set_keylog(te, fuzz_tls_kl, true);
		tls_keylog_set_added_fn(fuzz_tls_kl, fuzz_tls_keys_added, te);
	}
	return te;
}

int
fuzz_tls_record(const uint8_t *data, size_t len)
{
	struct tls_engine *te = fuzz_tls_engine();
	if (!te)
		abort();
	struct rd r = rd_make(data, len);
	bool midstream = len > 0 && (data[0] & 0x80);
	struct tls_conn *c = tls_conn_new(te, NULL, midstream);
	uint64_t now = 0;
	while (rd_left(&r) >= 3) {
		uint8_t kind = rd_u8(&r);
		uint8_t dir = kind & 1;
		struct rd chunk = rd_child16(&r);
		if (!rd_ok(&chunk))
			chunk = rd_make(r.pos, rd_left(&r)), r.pos = r.end;
		tls_engine_tick(te, now += 1000);
		if (kind & 2) {
			struct tls_keylog_src src = { "fuzz", 0 };
			tls_keylog_add_text(fuzz_tls_kl, &src, (const char *)chunk.pos, rd_left(&chunk),
					    true, 0);
		} else if (rd_left(&chunk) == 0) {
			tls_conn_gap(c, (enum tls_dir)dir, 1);
		} else {
			tls_conn_feed(c, (enum tls_dir)dir, chunk.pos, rd_left(&chunk));
		}
	}
	tls_conn_end(c);
	tls_conn_free(c);
	/* Inputs are independent: no secrets carry over (and the waits are gone with c). */
	tls_engine_tick(te, now + 60 * 1000000ull);
	return 0;
}

#ifdef TLSIPS_LIBFUZZER
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return fuzz_tls_engine() ? 0 : 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_tls_record(data, len);
}
#endif
