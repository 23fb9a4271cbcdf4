/*
 * test_tls_keystore: loading server keys in every format, the error
 * messages an operator sees, certificate matching and PMS decryption.
 *
 * The group setup makes three RSA-2048 keys, one EC key, a self-signed
 * certificate per key, and writes the files (PEM, encrypted PEM in both
 * PKCS#8 and traditional DEK-Info form, PKCS#12, DER, pass phrase files,
 * garbage) to a fresh mkdtemp directory that the teardown removes.
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "tls/tls_keystore.h"

enum { NKEYS = 4 }; /* keys 0..2 are loaded by tests, key 3 never is */

struct fixture {
	char dir[64];
	EVP_PKEY *rsa[NKEYS];
	EVP_PKEY *ec;
	uint8_t *cert_der[NKEYS];
	int cert_len[NKEYS];
};

static struct fixture fx;

static const char *
path(const char *name)
{
	static char buf[4][512];
	static int next;
	char *p = buf[next++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", fx.dir, name);
	return p;
}

static void
write_bytes(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(path(name), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static BIO *
open_bio(const char *name)
{
	BIO *b = BIO_new_file(path(name), "wb");
	assert_non_null(b);
	return b;
}

/* A self-signed certificate for key; serial lets one key have many certificates. */
static X509 *
make_cert(EVP_PKEY *key, long serial)
{
	X509 *x = X509_new();
	X509_NAME *name;
	assert_non_null(x);
	assert_true(X509_set_version(x, 2));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_true(X509_set_pubkey(x, key));
	name = X509_get_subject_name(x);
	assert_true(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					       (const unsigned char *)"tlsips.test", -1, -1, 0));
	assert_true(X509_set_issuer_name(x, name));
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

static int
cert_der(X509 *x, uint8_t **out)
{
	int len = i2d_X509(x, out);
	assert_true(len > 0);
	return len;
}

static void
write_pem_files(void)
{
	BIO *b;
	X509 *x;

	b = open_bio("plain.pem"); /* PKCS#8 "PRIVATE KEY" */
	assert_true(PEM_write_bio_PrivateKey(b, fx.rsa[0], NULL, NULL, 0, NULL, NULL));
	BIO_free(b);
	b = open_bio("plain-trad.pem"); /* "RSA PRIVATE KEY" */
	assert_true(PEM_write_bio_PrivateKey_traditional(b, fx.rsa[0], NULL, NULL, 0, NULL, NULL));
	BIO_free(b);
	b = open_bio("enc-pkcs8.pem"); /* "ENCRYPTED PRIVATE KEY", AES-256-CBC */
	assert_true(PEM_write_bio_PKCS8PrivateKey(b, fx.rsa[0], EVP_aes_256_cbc(), NULL, 0, NULL,
						  (void *)"correct horse"));
	BIO_free(b);
	b = open_bio("enc-trad.pem"); /* "Proc-Type: 4,ENCRYPTED" + "DEK-Info: AES-256-CBC,..." */
	assert_true(PEM_write_bio_PrivateKey_traditional(b, fx.rsa[0], EVP_aes_256_cbc(),
							 (unsigned char *)"correct horse", 13,
							 NULL, NULL));
	BIO_free(b);
	b = open_bio("key1.pem");
	assert_true(PEM_write_bio_PrivateKey(b, fx.rsa[1], NULL, NULL, 0, NULL, NULL));
	BIO_free(b);
	b = open_bio("key2.pem");
	assert_true(PEM_write_bio_PrivateKey(b, fx.rsa[2], NULL, NULL, 0, NULL, NULL));
	BIO_free(b);
	b = open_bio("two-keys.pem");
	assert_true(PEM_write_bio_PrivateKey(b, fx.rsa[1], NULL, NULL, 0, NULL, NULL));
	assert_true(PEM_write_bio_PrivateKey(b, fx.rsa[2], NULL, NULL, 0, NULL, NULL));
	BIO_free(b);
	x = make_cert(fx.rsa[0], 1);
	b = open_bio("cert-then-key.pem");
	assert_true(PEM_write_bio_X509(b, x));
	assert_true(PEM_write_bio_PrivateKey(b, fx.rsa[0], NULL, NULL, 0, NULL, NULL));
	BIO_free(b);
	b = open_bio("cert-only.pem");
	assert_true(PEM_write_bio_X509(b, x));
	BIO_free(b);
	X509_free(x);
	b = open_bio("ec.pem");
	assert_true(PEM_write_bio_PrivateKey(b, fx.ec, NULL, NULL, 0, NULL, NULL));
	BIO_free(b);
	b = open_bio("rsa-and-ec.pem");
	assert_true(PEM_write_bio_PrivateKey(b, fx.rsa[1], NULL, NULL, 0, NULL, NULL));
	assert_true(PEM_write_bio_PrivateKey(b, fx.ec, NULL, NULL, 0, NULL, NULL));
	BIO_free(b);
}

static void
write_der_files(void)
{
	BIO *b;
	X509 *x = make_cert(fx.rsa[0], 2);
	PKCS12 *p12;

	p12 = PKCS12_create("correct horse", "server", fx.rsa[0], x, NULL, 0, 0, 0, 0, 0);
	assert_non_null(p12);
	b = open_bio("key.p12");
	assert_true(i2d_PKCS12_bio(b, p12));
	BIO_free(b);
	PKCS12_free(p12);
	p12 = PKCS12_create("", "server", fx.rsa[0], x, NULL, 0, 0, 0, 0, 0);
	assert_non_null(p12);
	b = open_bio("nopass.p12");
	assert_true(i2d_PKCS12_bio(b, p12));
	BIO_free(b);
	PKCS12_free(p12);
	X509_free(x);
	b = open_bio("key.der"); /* unencrypted PKCS#8 DER */
	assert_true(i2d_PKCS8PrivateKey_bio(b, fx.rsa[0], NULL, NULL, 0, NULL, NULL));
	BIO_free(b);
}

static int
setup(void **state)
{
	static const char big[5000] = { 'x' };
	(void)state;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/tlsips-keystore-XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	for (int i = 0; i < NKEYS; i++) {
		X509 *x;
		fx.rsa[i] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		if (fx.rsa[i] == NULL)
			return -1;
		x = make_cert(fx.rsa[i], 100 + i);
		fx.cert_len[i] = cert_der(x, &fx.cert_der[i]);
		X509_free(x);
	}
	fx.ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (fx.ec == NULL)
		return -1;
	write_pem_files();
	write_der_files();
	write_bytes("pass.txt", "correct horse\n", 14);
	write_bytes("pass-crlf.txt", "correct horse\r\nsecond line\n", 28);
	write_bytes("pass-nonl.txt", "correct horse", 13);
	write_bytes("wrong-pass.txt", "battery staple\n", 15);
	write_bytes("big-pass.txt", big, sizeof(big));
	write_bytes("garbage.bin", "\x30\x82\x01\x00 this is not a key at all", 29);
	write_bytes("empty.pem", "", 0);
	return 0;
}

static int
teardown(void **state)
{
	DIR *d = opendir(fx.dir);
	struct dirent *e;
	(void)state;
	while (d != NULL && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			unlink(path(e->d_name));
	if (d != NULL)
		closedir(d);
	rmdir(fx.dir);
	for (int i = 0; i < NKEYS; i++) {
		EVP_PKEY_free(fx.rsa[i]);
		OPENSSL_free(fx.cert_der[i]);
	}
	EVP_PKEY_free(fx.ec);
	return 0;
}

/* ---- loading --------------------------------------------------------------------- */

/* Loads one file into a fresh store; the store, count and message come back. */
static int
load(const char *file, const char *pass_file, struct tls_keystore **out_ks, char *err,
     size_t errlen)
{
	struct tls_keystore *ks = tls_keystore_new();
	int rc;
	assert_non_null(ks);
	rc = tls_keystore_add_file(ks, path(file), pass_file ? path(pass_file) : NULL, err,
				   errlen);
	*out_ks = ks;
	return rc;
}

static void
check_loads_one(const char *file, const char *pass_file)
{
	struct tls_keystore *ks;
	char err[512];
	assert_int_equal(load(file, pass_file, &ks, err, sizeof(err)), 0);
	assert_int_equal(tls_keystore_count(ks), 1);
	assert_string_equal(tls_server_key_path(tls_keystore_key(ks, 0)), path(file));
	tls_keystore_free(ks);
}

static void
check_refused(const char *file, const char *pass_file, int want_rc, const char *want_msg)
{
	struct tls_keystore *ks;
	char err[512];
	assert_int_equal(load(file, pass_file, &ks, err, sizeof(err)), want_rc);
	assert_int_equal(tls_keystore_count(ks), 0);
	if (strstr(err, want_msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err, want_msg);
	/* every message names the file at fault */
	assert_non_null(strstr(err, fx.dir));
	tls_keystore_free(ks);
}

static void
test_loads_plain_pkcs8_pem(void **state)
{
	(void)state;
	check_loads_one("plain.pem", NULL);
}

static void
test_loads_plain_traditional_pem(void **state)
{
	(void)state;
	check_loads_one("plain-trad.pem", NULL);
}

static void
test_loads_encrypted_pkcs8_pem(void **state)
{
	(void)state;
	check_loads_one("enc-pkcs8.pem", "pass.txt");
}

static void
test_loads_encrypted_traditional_pem(void **state)
{
	(void)state;
	check_loads_one("enc-trad.pem", "pass.txt");
}

static void
test_pass_file_line_endings_dropped(void **state)
{
	(void)state;
	check_loads_one("enc-trad.pem", "pass-crlf.txt");
	check_loads_one("enc-pkcs8.pem", "pass-nonl.txt");
}

static void
test_loads_pkcs12(void **state)
{
	(void)state;
	check_loads_one("key.p12", "pass.txt");
}

static void
test_loads_pkcs12_without_pass_phrase(void **state)
{
	(void)state;
	check_loads_one("nopass.p12", NULL);
}

static void
test_loads_der_pkcs8(void **state)
{
	(void)state;
	check_loads_one("key.der", NULL);
}

static void
test_skips_certificate_before_key(void **state)
{
	(void)state;
	check_loads_one("cert-then-key.pem", NULL);
}

static void
test_loads_every_key_of_a_file(void **state)
{
	struct tls_keystore *ks;
	char err[512];
	(void)state;
	assert_int_equal(load("two-keys.pem", NULL, &ks, err, sizeof(err)), 0);
	assert_int_equal(tls_keystore_count(ks), 2);
	tls_keystore_free(ks);
}

static void
test_wrong_pass_phrase_pem(void **state)
{
	(void)state;
	check_refused("enc-pkcs8.pem", "wrong-pass.txt", TLSIPS_ECONFIG,
		      "wrong pass phrase or corrupt key");
	check_refused("enc-trad.pem", "wrong-pass.txt", TLSIPS_ECONFIG,
		      "wrong pass phrase or corrupt key");
}

static void
test_wrong_pass_phrase_pkcs12(void **state)
{
	(void)state;
	check_refused("key.p12", "wrong-pass.txt", TLSIPS_ECONFIG, "wrong pass phrase");
}

static void
test_encrypted_key_without_pass_file(void **state)
{
	(void)state;
	check_refused("enc-pkcs8.pem", NULL, TLSIPS_ECONFIG, "encrypted key needs --pass-file");
	check_refused("enc-trad.pem", NULL, TLSIPS_ECONFIG, "encrypted key needs --pass-file");
	check_refused("key.p12", NULL, TLSIPS_ECONFIG, "encrypted key needs --pass-file");
}

static void
test_missing_key_file(void **state)
{
	(void)state;
	check_refused("no-such.pem", NULL, TLSIPS_ESYS, "cannot open key file: No such file");
}

static void
test_missing_pass_file(void **state)
{
	(void)state;
	check_refused("enc-pkcs8.pem", "no-such-pass.txt", TLSIPS_ESYS,
		      "no-such-pass.txt: cannot open pass phrase file: No such file");
}

static void
test_pass_file_over_4k_refused(void **state)
{
	(void)state;
	check_refused("enc-pkcs8.pem", "big-pass.txt", TLSIPS_ECONFIG,
		      "big-pass.txt: pass phrase file is larger than 4096 bytes");
}

static void
test_garbage_file_has_no_key(void **state)
{
	(void)state;
	check_refused("garbage.bin", NULL, TLSIPS_ECONFIG, "no private key found");
	check_refused("empty.pem", NULL, TLSIPS_ECONFIG, "no private key found");
	check_refused("cert-only.pem", NULL, TLSIPS_ECONFIG, "no private key found");
}

static void
test_directory_is_not_a_key_file(void **state)
{
	(void)state;
	check_refused(".", NULL, TLSIPS_ECONFIG, "is a directory");
}

static void
test_ec_key_refused_with_reason(void **state)
{
	(void)state;
	check_refused("ec.pem", NULL, TLSIPS_ECONFIG,
		      "not an RSA key (EC keys cannot decrypt a key exchange; use key log mode)");
}

/* A file adds all its keys or none: the RSA key before the EC one is dropped too. */
static void
test_failed_file_adds_nothing(void **state)
{
	struct tls_keystore *ks = tls_keystore_new();
	char err[512];
	(void)state;
	assert_int_equal(tls_keystore_add_file(ks, path("key1.pem"), NULL, err, sizeof(err)), 0);
	assert_int_equal(
		tls_keystore_add_file(ks, path("rsa-and-ec.pem"), NULL, err, sizeof(err)),
		TLSIPS_ECONFIG);
	assert_int_equal(tls_keystore_count(ks), 1);
	assert_null(tls_keystore_key(ks, 1));
	tls_keystore_free(ks);
}

static void
test_free_accepts_null(void **state)
{
	(void)state;
	tls_keystore_free(NULL);
}

/* ---- matching --------------------------------------------------------------------- */

/* Keys 0, 1, 2 from three files, in that order. */
static struct tls_keystore *
three_keys(void)
{
	struct tls_keystore *ks = tls_keystore_new();
	char err[512];
	assert_non_null(ks);
	assert_int_equal(tls_keystore_add_file(ks, path("plain.pem"), NULL, err, sizeof(err)), 0);
	assert_int_equal(tls_keystore_add_file(ks, path("key1.pem"), NULL, err, sizeof(err)), 0);
	assert_int_equal(tls_keystore_add_file(ks, path("key2.pem"), NULL, err, sizeof(err)), 0);
	assert_int_equal(tls_keystore_count(ks), 3);
	return ks;
}

static void
test_cert_matches_its_key_of_three(void **state)
{
	struct tls_keystore *ks = three_keys();
	(void)state;
	for (int i = 0; i < 3; i++)
		assert_ptr_equal(tls_keystore_match_cert(ks, fx.cert_der[i], (size_t)fx.cert_len[i]),
				 tls_keystore_key(ks, (unsigned)i));
	tls_keystore_free(ks);
}

static void
test_repeated_cert_matches_from_cache(void **state)
{
	struct tls_keystore *ks = three_keys();
	(void)state;
	for (int round = 0; round < 3; round++) {
		assert_ptr_equal(tls_keystore_match_cert(ks, fx.cert_der[1], (size_t)fx.cert_len[1]),
				 tls_keystore_key(ks, 1));
		assert_null(tls_keystore_match_cert(ks, fx.cert_der[3], (size_t)fx.cert_len[3]));
	}
	tls_keystore_free(ks);
}

static void
test_unmatched_cert_gives_null(void **state)
{
	struct tls_keystore *ks = three_keys();
	static const uint8_t not_der[] = { 0x30, 0x03, 0x02, 0x01, 0x01 }; /* SEQUENCE { 1 } */
	(void)state;
	assert_null(tls_keystore_match_cert(ks, fx.cert_der[3], (size_t)fx.cert_len[3]));
	assert_null(tls_keystore_match_cert(ks, not_der, sizeof(not_der)));
	assert_null(tls_keystore_match_cert(ks, fx.cert_der[0], 10)); /* truncated */
	assert_null(tls_keystore_match_cert(ks, fx.cert_der[0], 0));
	tls_keystore_free(ks);
}

/* More distinct certificates than the cache holds: eviction keeps answers right. */
static void
test_cache_eviction_keeps_matching(void **state)
{
	struct tls_keystore *ks = three_keys();
	(void)state;
	for (long serial = 1000; serial < 1000 + 80; serial++) {
		X509 *x = make_cert(fx.rsa[serial % 3], serial);
		uint8_t *der = NULL;
		int len = cert_der(x, &der);
		assert_ptr_equal(tls_keystore_match_cert(ks, der, (size_t)len),
				 tls_keystore_key(ks, (unsigned)(serial % 3)));
		OPENSSL_free(der);
		X509_free(x);
	}
	assert_ptr_equal(tls_keystore_match_cert(ks, fx.cert_der[2], (size_t)fx.cert_len[2]),
			 tls_keystore_key(ks, 2));
	tls_keystore_free(ks);
}

static void
test_used_flag_set_by_match(void **state)
{
	struct tls_keystore *ks = three_keys();
	(void)state;
	assert_false(tls_server_key_was_used(tls_keystore_key(ks, 1)));
	assert_non_null(tls_keystore_match_cert(ks, fx.cert_der[1], (size_t)fx.cert_len[1]));
	assert_true(tls_server_key_was_used(tls_keystore_key(ks, 1)));
	assert_false(tls_server_key_was_used(tls_keystore_key(ks, 0)));
	assert_false(tls_server_key_was_used(tls_keystore_key(ks, 2)));
	tls_keystore_free(ks);
}

static void
test_sole_key_only_when_one(void **state)
{
	struct tls_keystore *ks = tls_keystore_new();
	char err[512];
	(void)state;
	assert_null(tls_keystore_sole(ks));
	assert_int_equal(tls_keystore_add_file(ks, path("key1.pem"), NULL, err, sizeof(err)), 0);
	assert_ptr_equal(tls_keystore_sole(ks), tls_keystore_key(ks, 0));
	assert_int_equal(tls_keystore_add_file(ks, path("key2.pem"), NULL, err, sizeof(err)), 0);
	assert_null(tls_keystore_sole(ks));
	tls_keystore_free(ks);
}

/* ---- decrypting the pre-master secret ----------------------------------------------- */

/* RSA PKCS#1 v1.5 encryption of pms under key's public half, as a client does. */
static size_t
encrypt_pms(EVP_PKEY *key, const uint8_t *pms, size_t pms_len, uint8_t *out, size_t cap)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	size_t len = cap;
	assert_non_null(ctx);
	assert_true(EVP_PKEY_encrypt_init(ctx) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0);
	assert_true(EVP_PKEY_encrypt(ctx, out, &len, pms, pms_len) > 0);
	EVP_PKEY_CTX_free(ctx);
	return len;
}

static void
make_pms(uint8_t pms[48], uint8_t seed)
{
	pms[0] = 0x03; /* client_version TLS 1.2 */
	pms[1] = 0x03;
	for (int i = 2; i < 48; i++)
		pms[i] = (uint8_t)(seed + i * 7);
}

static void
test_decrypts_pms_round_trip(void **state)
{
	struct tls_keystore *ks = three_keys();
	uint8_t pms[48], enc[256], got[48];
	size_t len;
	(void)state;
	/* more rounds than decryption slots, so contexts are reused */
	for (int i = 0; i < 12; i++) {
		make_pms(pms, (uint8_t)i);
		len = encrypt_pms(fx.rsa[1], pms, sizeof(pms), enc, sizeof(enc));
		assert_int_equal(len, 256);
		memset(got, 0, sizeof(got));
		assert_int_equal(tls_server_key_decrypt_pms(tls_keystore_key(ks, 1), enc, len, got),
				 0);
		assert_memory_equal(got, pms, sizeof(pms));
	}
	assert_true(tls_server_key_was_used(tls_keystore_key(ks, 1)));
	tls_keystore_free(ks);
}

static void
test_wrong_key_does_not_decrypt(void **state)
{
	struct tls_keystore *ks = three_keys();
	uint8_t pms[48], enc[256], got[48];
	size_t len;
	(void)state;
	make_pms(pms, 1);
	len = encrypt_pms(fx.rsa[1], pms, sizeof(pms), enc, sizeof(enc));
	assert_int_equal(tls_server_key_decrypt_pms(tls_keystore_key(ks, 0), enc, len, got),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_server_key_decrypt_pms(tls_keystore_key(ks, 2), enc, len, got),
			 TLSIPS_ECRYPTO);
	assert_false(tls_server_key_was_used(tls_keystore_key(ks, 0)));
	tls_keystore_free(ks);
}

static void
test_secret_not_48_bytes_refused(void **state)
{
	struct tls_keystore *ks = three_keys();
	uint8_t pms[49], enc[256], got[48];
	size_t len;
	(void)state;
	make_pms(pms, 2);
	len = encrypt_pms(fx.rsa[0], pms, 47, enc, sizeof(enc));
	assert_int_equal(tls_server_key_decrypt_pms(tls_keystore_key(ks, 0), enc, len, got),
			 TLSIPS_ECRYPTO);
	len = encrypt_pms(fx.rsa[0], pms, 49, enc, sizeof(enc));
	assert_int_equal(tls_server_key_decrypt_pms(tls_keystore_key(ks, 0), enc, len, got),
			 TLSIPS_ECRYPTO);
	tls_keystore_free(ks);
}

static void
test_bad_ciphertext_lengths_refused(void **state)
{
	struct tls_keystore *ks = three_keys();
	uint8_t enc[300] = { 0 }, got[48];
	(void)state;
	assert_int_equal(tls_server_key_decrypt_pms(tls_keystore_key(ks, 0), enc, 0, got),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_server_key_decrypt_pms(tls_keystore_key(ks, 0), enc, 257, got),
			 TLSIPS_ECRYPTO);
	assert_int_equal(tls_server_key_decrypt_pms(tls_keystore_key(ks, 0), enc, 256, got),
			 TLSIPS_ECRYPTO);
	tls_keystore_free(ks);
}

struct worker {
	const struct tls_server_key *key;
	uint8_t enc[256];
	size_t len;
	uint8_t pms[48];
	int failures;
};

static void *
decrypt_worker(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < 20; i++) {
		uint8_t got[48];
		if (tls_server_key_decrypt_pms(w->key, w->enc, w->len, got) != 0 ||
		    memcmp(got, w->pms, sizeof(got)) != 0)
			w->failures++;
	}
	return NULL;
}

/* Workers share one key: more threads than slots still all decrypt correctly. */
static void
test_concurrent_decryption(void **state)
{
	enum { NT = 12 };
	struct tls_keystore *ks = three_keys();
	struct worker w[NT];
	pthread_t t[NT];
	(void)state;
	for (int i = 0; i < NT; i++) {
		w[i].key = tls_keystore_key(ks, 2);
		make_pms(w[i].pms, (uint8_t)(40 + i));
		w[i].len = encrypt_pms(fx.rsa[2], w[i].pms, 48, w[i].enc, sizeof(w[i].enc));
		w[i].failures = 0;
	}
	for (int i = 0; i < NT; i++)
		assert_int_equal(pthread_create(&t[i], NULL, decrypt_worker, &w[i]), 0);
	for (int i = 0; i < NT; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	tls_keystore_free(ks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_plain_pkcs8_pem),
		cmocka_unit_test(test_loads_plain_traditional_pem),
		cmocka_unit_test(test_loads_encrypted_pkcs8_pem),
		cmocka_unit_test(test_loads_encrypted_traditional_pem),
		cmocka_unit_test(test_pass_file_line_endings_dropped),
		cmocka_unit_test(test_loads_pkcs12),
		cmocka_unit_test(test_loads_pkcs12_without_pass_phrase),
		cmocka_unit_test(test_loads_der_pkcs8),
		cmocka_unit_test(test_skips_certificate_before_key),
		cmocka_unit_test(test_loads_every_key_of_a_file),
		cmocka_unit_test(test_wrong_pass_phrase_pem),
		cmocka_unit_test(test_wrong_pass_phrase_pkcs12),
		cmocka_unit_test(test_encrypted_key_without_pass_file),
		cmocka_unit_test(test_missing_key_file),
		cmocka_unit_test(test_missing_pass_file),
		cmocka_unit_test(test_pass_file_over_4k_refused),
		cmocka_unit_test(test_garbage_file_has_no_key),
		cmocka_unit_test(test_directory_is_not_a_key_file),
		cmocka_unit_test(test_ec_key_refused_with_reason),
		cmocka_unit_test(test_failed_file_adds_nothing),
		cmocka_unit_test(test_free_accepts_null),
		cmocka_unit_test(test_cert_matches_its_key_of_three),
		cmocka_unit_test(test_repeated_cert_matches_from_cache),
		cmocka_unit_test(test_unmatched_cert_gives_null),
		cmocka_unit_test(test_cache_eviction_keeps_matching),
		cmocka_unit_test(test_used_flag_set_by_match),
		cmocka_unit_test(test_sole_key_only_when_one),
		cmocka_unit_test(test_decrypts_pms_round_trip),
		cmocka_unit_test(test_wrong_key_does_not_decrypt),
		cmocka_unit_test(test_secret_not_48_bytes_refused),
		cmocka_unit_test(test_bad_ciphertext_lengths_refused),
		cmocka_unit_test(test_concurrent_decryption),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
