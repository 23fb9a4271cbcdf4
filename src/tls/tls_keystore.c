/*
 * tls_keystore: server RSA keys, loaded from files, matched to certificates.
 *
 * Loading (configuration time, single-threaded): the file is read whole
 * (at most TLS_KEYSTORE_FILE_MAX bytes) and its format told from its bytes:
 * a "-----BEGIN " marker means PEM (every private key block in it, plain,
 * PKCS#8-encrypted or traditional with DEK-Info), otherwise DER: PKCS#12 or
 * a bare private key. A file adds all its keys or none.
 *
 * Sharing (run time, every worker): keys and their SPKI hashes are
 * immutable once loaded. Three things change under a const view:
 *   - the certificate cache, behind cache_lock (64 entries, round-robin);
 *   - the per-key decryption contexts: EVP_PKEY_CTX may not be used by two
 *     threads at once, so each key has TLS_KEY_SLOTS contexts, each behind
 *     its own mutex, taken with trylock; if all are busy a temporary one is
 *     made (correct, just slower);
 *   - the "used" flag, an atomic_bool set once a certificate matched the key
 *     or it decrypted a pre-master secret (read for "key matched nothing").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "tls/tls_cipher.h"
#include "tls/tls_keystore.h"
#include "tls/tls_secret.h"

enum {
	TLS_KEYSTORE_FILE_MAX = 1 << 20, /* key, chain and PKCS#12 files are far smaller */
	TLS_KEYSTORE_PASS_MAX = 4096,    /* a pass phrase file is one short line */
	TLS_KEYSTORE_MAX_KEYS = 1024,
	TLS_KEYSTORE_CACHE = 64,         /* recent certificates */
	TLS_KEY_SLOTS = 8,               /* decryption contexts per key */
	TLS_KEY_RSA_MAX = 1024,          /* bytes: keys up to 8192 bits */
	TLS_PMS_LEN = 48,                /* RFC 5246 7.4.7.1 */
	TLS_SHA256_LEN = 32,
};

struct tls_key_slot {
	pthread_mutex_t lock;
	EVP_PKEY_CTX *ctx; /* decrypt-initialised, PKCS#1 v1.5; NULL until first use */
};

/* The parts of a key that change after loading (see the file comment). */
struct tls_key_state {
	struct tls_key_slot slots[TLS_KEY_SLOTS];
	atomic_bool used;
};

struct tls_server_key {
	char *path;
	EVP_PKEY *pkey;
	size_t rsa_size;                   /* modulus bytes */
	uint8_t spki_sha256[TLS_SHA256_LEN]; /* of the DER SubjectPublicKeyInfo */
	struct tls_key_state *state;
};

struct tls_cert_entry {
	uint8_t cert_sha256[TLS_SHA256_LEN]; /* of the whole DER certificate */
	int key;                             /* index into keys, or -1: no key has it */
	bool valid;
};

struct tls_keystore {
	struct tls_server_key **keys;
	unsigned n;
	unsigned cap;
	EVP_MD *sha256;
	pthread_mutex_t cache_lock;
	struct tls_cert_entry cache[TLS_KEYSTORE_CACHE];
	unsigned cache_next; /* round-robin replacement */
};

/* Pass phrase for the PEM callback; asked records that a key was encrypted. */
struct tls_keystore_pass {
	const char *pass; /* NUL-terminated, in secure memory; NULL without --pass-file */
	bool asked;
};

static void
tls_keystore_msg(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
tls_keystore_msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- the store ------------------------------------------------------------ */

struct tls_keystore *
tls_keystore_new(void)
{
	struct tls_keystore *ks = calloc(1, sizeof(*ks));

	if (ks == NULL)
		return NULL;
	/* PKCS#12 files from older tools encrypt with RC2 or 3DES (legacy). */
	(void)tls_cipher_providers_load();
	ks->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (ks->sha256 == NULL || pthread_mutex_init(&ks->cache_lock, NULL) != 0) {
		EVP_MD_free(ks->sha256);
		free(ks);
		return NULL;
	}
	return ks;
}

static void
tls_server_key_free(struct tls_server_key *k)
{
	if (k == NULL)
		return;
	if (k->state != NULL) {
		for (int i = 0; i < TLS_KEY_SLOTS; i++) {
			EVP_PKEY_CTX_free(k->state->slots[i].ctx);
			pthread_mutex_destroy(&k->state->slots[i].lock);
		}
		free(k->state);
	}
	/* EVP_PKEY_free clears the private key's memory. */
	EVP_PKEY_free(k->pkey);
	free(k->path);
	free(k);
}

void
tls_keystore_free(struct tls_keystore *ks)
{
	if (ks == NULL)
		return;
	for (unsigned i = 0; i < ks->n; i++)
		tls_server_key_free(ks->keys[i]);
	free(ks->keys);
	pthread_mutex_destroy(&ks->cache_lock);
	EVP_MD_free(ks->sha256);
	free(ks);
}

unsigned
tls_keystore_count(const struct tls_keystore *ks)
{
	return ks->n;
}

const struct tls_server_key *
tls_keystore_key(const struct tls_keystore *ks, unsigned i)
{
	return i < ks->n ? ks->keys[i] : NULL;
}

const struct tls_server_key *
tls_keystore_sole(const struct tls_keystore *ks)
{
	return ks->n == 1 ? ks->keys[0] : NULL;
}

const char *
tls_server_key_path(const struct tls_server_key *k)
{
	return k->path;
}

bool
tls_server_key_was_used(const struct tls_server_key *k)
{
	return atomic_load(&k->state->used);
}

/* ---- reading files ---------------------------------------------------------- */

/*
 * Reads at most max bytes of path into out (cap bytes, max < cap); a longer
 * file is refused. Returns 0, TLSIPS_ESYS or TLSIPS_ECONFIG with a message.
 */
static int
tls_keystore_slurp(const char *path, const char *what, size_t max, uint8_t *out, size_t cap,
		   size_t *out_len, char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	int fd;
	int rc = TLSIPS_ECONFIG;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tls_keystore_msg(err, errlen, "%s: cannot open %s: %s", path, what, strerror(errno));
		return TLSIPS_ESYS;
	}
	if (fstat(fd, &st) != 0) {
		tls_keystore_msg(err, errlen, "%s: cannot read %s: %s", path, what, strerror(errno));
		rc = TLSIPS_ESYS;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		tls_keystore_msg(err, errlen, "%s: is a directory, not a %s", path, what);
		goto out;
	}
	/* Read one byte past max so a file that grew (or a pipe) is caught too. */
	while (got < cap) {
		ssize_t r = read(fd, out + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			tls_keystore_msg(err, errlen, "%s: cannot read %s: %s", path, what,
					 strerror(errno));
			rc = TLSIPS_ESYS;
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got > max) {
		tls_keystore_msg(err, errlen, "%s: %s is larger than %zu bytes", path, what, max);
		goto out;
	}
	*out_len = got;
	rc = 0;
out:
	close(fd);
	return rc;
}

/*
 * The pass phrase: the first line of the file, without its line ending.
 * Returns it NUL-terminated in secure memory (TLS_KEYSTORE_PASS_MAX + 2
 * bytes, freed by the caller with tls_secmem_free), or NULL with an error.
 */
static int
tls_keystore_read_pass(const char *pass_file, char **out_pass, char *err, size_t errlen)
{
	char *buf = tls_secmem_alloc(TLS_KEYSTORE_PASS_MAX + 2);
	size_t len = 0;
	char *nl;
	int rc;

	*out_pass = NULL;
	if (buf == NULL)
		return TLSIPS_ENOMEM;
	rc = tls_keystore_slurp(pass_file, "pass phrase file", TLS_KEYSTORE_PASS_MAX,
				(uint8_t *)buf, TLS_KEYSTORE_PASS_MAX + 1, &len, err, errlen);
	if (rc != 0) {
		tls_secmem_free(buf, TLS_KEYSTORE_PASS_MAX + 2);
		return rc;
	}
	buf[len] = '\0';
	nl = memchr(buf, '\n', len);
	if (nl != NULL)
		len = (size_t)(nl - buf);
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	/* Wipe the rest of the file, keep only the line. */
	OPENSSL_cleanse(buf + len, TLS_KEYSTORE_PASS_MAX + 2 - len);
	*out_pass = buf;
	return 0;
}

/* ---- adding keys ------------------------------------------------------------ */

static int
tls_keystore_spki_hash(const struct tls_keystore *ks, EVP_PKEY *pkey,
		       uint8_t out[TLS_SHA256_LEN])
{
	unsigned char *der = NULL;
	int der_len = i2d_PUBKEY(pkey, &der);
	int ok;

	if (der_len <= 0)
		return TLSIPS_ECRYPTO;
	ok = EVP_Digest(der, (size_t)der_len, out, NULL, ks->sha256, NULL);
	OPENSSL_free(der);
	return ok ? 0 : TLSIPS_ECRYPTO;
}

/* A decryption context for k: PKCS#1 v1.5, implicit rejection off. */
static EVP_PKEY_CTX *
tls_server_key_ctx_new(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	unsigned int zero = 0;
	OSSL_PARAM params[2];

	if (ctx == NULL)
		return NULL;
	if (EVP_PKEY_decrypt_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	/*
	 * OpenSSL 3.2+ answers a bad padding with a random "implicit rejection"
	 * result, which would make a wrong key look like a right one. 3.0 does
	 * not know the parameter and ignores it; set it whatever the library.
	 */
	params[0] = OSSL_PARAM_construct_uint("implicit-rejection", &zero);
	params[1] = OSSL_PARAM_construct_end();
	(void)EVP_PKEY_CTX_set_params(ctx, params);
	ERR_clear_error();
	return ctx;
}

/* Room for one more key pointer. */
static bool
tls_keystore_grow(struct tls_keystore *ks)
{
	unsigned cap = ks->cap ? ks->cap * 2 : 4;
	struct tls_server_key **keys;

	if (ks->n < ks->cap)
		return true;
	keys = realloc(ks->keys, cap * sizeof(*keys));
	if (keys == NULL)
		return false;
	ks->keys = keys;
	ks->cap = cap;
	return true;
}

/* Takes ownership of pkey (freed on error). */
static int
tls_keystore_take_key(struct tls_keystore *ks, const char *path, EVP_PKEY *pkey, char *err,
		      size_t errlen)
{
	struct tls_server_key *k = NULL;
	int rc = TLSIPS_ECONFIG;

	if (!EVP_PKEY_is_a(pkey, "RSA")) {
		tls_keystore_msg(err, errlen,
				 "%s: not an RSA key (%s keys cannot decrypt a key exchange; use "
				 "key log mode)",
				 path, EVP_PKEY_get0_type_name(pkey));
		goto fail;
	}
	if (EVP_PKEY_get_size(pkey) <= 0 || EVP_PKEY_get_size(pkey) > TLS_KEY_RSA_MAX) {
		tls_keystore_msg(err, errlen, "%s: RSA keys above %d bits are not supported", path,
				 TLS_KEY_RSA_MAX * 8);
		goto fail;
	}
	if (ks->n == TLS_KEYSTORE_MAX_KEYS) {
		tls_keystore_msg(err, errlen, "%s: too many keys (at most %d)", path,
				 TLS_KEYSTORE_MAX_KEYS);
		goto fail;
	}
	rc = TLSIPS_ENOMEM;
	if (!tls_keystore_grow(ks) || (k = calloc(1, sizeof(*k))) == NULL)
		goto fail;
	k->pkey = pkey;
	pkey = NULL;
	k->rsa_size = (size_t)EVP_PKEY_get_size(k->pkey);
	k->state = calloc(1, sizeof(*k->state));
	if (k->state != NULL)
		for (int i = 0; i < TLS_KEY_SLOTS; i++)
			pthread_mutex_init(&k->state->slots[i].lock, NULL);
	k->path = strdup(path);
	if (k->path == NULL || k->state == NULL)
		goto fail;
	/* One context now, so a key that cannot decrypt fails at load time. */
	rc = TLSIPS_ECONFIG;
	k->state->slots[0].ctx = tls_server_key_ctx_new(k->pkey);
	if (k->state->slots[0].ctx == NULL ||
	    tls_keystore_spki_hash(ks, k->pkey, k->spki_sha256) != 0) {
		tls_keystore_msg(err, errlen, "%s: cannot use the RSA key", path);
		goto fail;
	}
	ks->keys[ks->n++] = k;
	return 0;
fail:
	if (rc == TLSIPS_ENOMEM)
		tls_keystore_msg(err, errlen, "%s: out of memory", path);
	tls_server_key_free(k);
	EVP_PKEY_free(pkey);
	return rc;
}

static int
tls_keystore_pem_cb(char *buf, int size, int rwflag, void *u)
{
	struct tls_keystore_pass *p = u;
	size_t len;

	(void)rwflag;
	p->asked = true;
	if (p->pass == NULL)
		return -1;
	len = strlen(p->pass);
	if (len > (size_t)size)
		return -1;
	memcpy(buf, p->pass, len);
	return (int)len;
}

/*
 * How many PEM blocks hold a private key: those whose label ends in
 * "PRIVATE KEY" (RFC 7468 10 and 11, and OpenSSL's traditional "RSA PRIVATE
 * KEY" / "EC PRIVATE KEY"). PEM_read_bio_PrivateKey skips every other block
 * but reports the end of the file like any other failure, so the blocks are
 * counted first and read exactly that many times.
 */
static unsigned
tls_keystore_pem_key_blocks(const uint8_t *data, size_t len)
{
	static const char begin[] = "-----BEGIN ";
	static const char tail[] = "PRIVATE KEY-----";
	const uint8_t *p = data;
	const uint8_t *end = data + len;
	unsigned n = 0;

	while ((p = memmem(p, (size_t)(end - p), begin, sizeof(begin) - 1)) != NULL) {
		const uint8_t *label = p + sizeof(begin) - 1;
		const uint8_t *eol = memchr(label, '\n', (size_t)(end - label));
		size_t line = eol != NULL ? (size_t)(eol - label) : (size_t)(end - label);

		while (line > 0 && (label[line - 1] == '\r' || label[line - 1] == ' '))
			line--;
		if (line >= sizeof(tail) - 1 &&
		    memcmp(label + line - (sizeof(tail) - 1), tail, sizeof(tail) - 1) == 0)
			n++;
		p = label;
	}
	return n;
}

/* Every private key block of a PEM file; other blocks (certificates) are skipped. */
static int
tls_keystore_add_pem(struct tls_keystore *ks, const char *path, const uint8_t *data,
		     size_t len, const char *pass, char *err, size_t errlen)
{
	struct tls_keystore_pass pcb = { pass, false };
	unsigned blocks = tls_keystore_pem_key_blocks(data, len);
	BIO *bio;
	int rc = 0;

	if (blocks == 0) {
		tls_keystore_msg(err, errlen, "%s: no private key found", path);
		return TLSIPS_ECONFIG;
	}
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio == NULL)
		return TLSIPS_ENOMEM;
	for (unsigned i = 0; i < blocks && rc == 0; i++) {
		EVP_PKEY *pkey;

		pcb.asked = false;
		pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, tls_keystore_pem_cb, &pcb, NULL, NULL);
		if (pkey != NULL) {
			rc = tls_keystore_take_key(ks, path, pkey, err, errlen);
			continue;
		}
		rc = TLSIPS_ECONFIG;
		if (pcb.asked && pass == NULL)
			tls_keystore_msg(err, errlen, "%s: encrypted key needs --pass-file", path);
		else if (pcb.asked)
			tls_keystore_msg(err, errlen, "%s: wrong pass phrase or corrupt key", path);
		else
			tls_keystore_msg(err, errlen, "%s: corrupt private key", path);
	}
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

/* PKCS#12: the MAC check tells a wrong pass phrase from a damaged file. */
static int
tls_keystore_add_p12(struct tls_keystore *ks, const char *path, PKCS12 *p12, const char *pass,
		     char *err, size_t errlen)
{
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *ca = NULL;
	const char *pw = pass;

	if (PKCS12_mac_present(p12)) {
		if (pass == NULL) {
			/* Files exported "without a password" use an empty one. */
			if (PKCS12_verify_mac(p12, "", 0))
				pw = "";
			else if (!PKCS12_verify_mac(p12, NULL, 0)) {
				tls_keystore_msg(err, errlen, "%s: encrypted key needs --pass-file",
						 path);
				return TLSIPS_ECONFIG;
			}
		} else if (!PKCS12_verify_mac(p12, pass, -1)) {
			tls_keystore_msg(err, errlen, "%s: wrong pass phrase", path);
			return TLSIPS_ECONFIG;
		}
	}
	if (!PKCS12_parse(p12, pw, &pkey, &cert, &ca)) {
		tls_keystore_msg(err, errlen, "%s: wrong pass phrase or corrupt key", path);
		return TLSIPS_ECONFIG;
	}
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
	if (pkey == NULL) {
		tls_keystore_msg(err, errlen, "%s: no private key found", path);
		return TLSIPS_ECONFIG;
	}
	return tls_keystore_take_key(ks, path, pkey, err, errlen);
}

static int
tls_keystore_add_der(struct tls_keystore *ks, const char *path, const uint8_t *data,
		     size_t len, const char *pass, char *err, size_t errlen)
{
	const unsigned char *q = data;
	PKCS12 *p12 = d2i_PKCS12(NULL, &q, (long)len);
	EVP_PKEY *pkey;
	int rc;

	if (p12 != NULL) {
		rc = tls_keystore_add_p12(ks, path, p12, pass, err, errlen);
		PKCS12_free(p12);
		ERR_clear_error();
		return rc;
	}
	q = data;
	pkey = d2i_AutoPrivateKey(NULL, &q, (long)len);
	ERR_clear_error();
	if (pkey == NULL) {
		tls_keystore_msg(err, errlen,
				 "%s: no private key found (not PEM, PKCS#12 or a DER key)", path);
		return TLSIPS_ECONFIG;
	}
	return tls_keystore_take_key(ks, path, pkey, err, errlen);
}

int
tls_keystore_add_file(struct tls_keystore *ks, const char *path, const char *pass_file,
		      char *err, size_t errlen)
{
	uint8_t *data = NULL;
	size_t len = 0;
	char *pass = NULL;
	unsigned before = ks->n;
	int rc = TLSIPS_ENOMEM;

	tls_keystore_msg(err, errlen, "%s", "");
	/*
	 * The file holds the private key. It is too big for the secure heap, so
	 * it lives in ordinary memory for the moment it takes to parse it and is
	 * cleansed before it is freed.
	 */
	data = OPENSSL_malloc(TLS_KEYSTORE_FILE_MAX + 1);
	if (data == NULL) {
		tls_keystore_msg(err, errlen, "%s: out of memory", path);
		goto out;
	}
	rc = tls_keystore_slurp(path, "key file", TLS_KEYSTORE_FILE_MAX, data,
				TLS_KEYSTORE_FILE_MAX + 1, &len, err, errlen);
	if (rc != 0)
		goto out;
	if (pass_file != NULL) {
		rc = tls_keystore_read_pass(pass_file, &pass, err, errlen);
		if (rc != 0)
			goto out;
	}
	if (memmem(data, len, "-----BEGIN ", 11) != NULL)
		rc = tls_keystore_add_pem(ks, path, data, len, pass, err, errlen);
	else
		rc = tls_keystore_add_der(ks, path, data, len, pass, err, errlen);
out:
	/* A file adds all its keys or none. */
	while (rc != 0 && ks->n > before)
		tls_server_key_free(ks->keys[--ks->n]);
	tls_secmem_free(pass, TLS_KEYSTORE_PASS_MAX + 2);
	/* The whole buffer: a refused file may have been read in part. */
	OPENSSL_clear_free(data, TLS_KEYSTORE_FILE_MAX + 1);
	return rc;
}

/* ---- matching --------------------------------------------------------------- */

/* Index of the key whose public key the certificate carries, or -1. */
static int
tls_keystore_lookup_cert(const struct tls_keystore *ks, const uint8_t *der, size_t len)
{
	const unsigned char *q = der;
	uint8_t spki[TLS_SHA256_LEN];
	X509 *x = d2i_X509(NULL, &q, (long)len);
	EVP_PKEY *pub;
	int found = -1;

	if (x == NULL)
		goto out;
	pub = X509_get0_pubkey(x);
	/* Re-encoded by the same code as the keys' own, so equal keys hash equal. */
	if (pub == NULL || tls_keystore_spki_hash(ks, pub, spki) != 0)
		goto out;
	for (unsigned i = 0; i < ks->n && found < 0; i++)
		if (memcmp(ks->keys[i]->spki_sha256, spki, sizeof(spki)) == 0)
			found = (int)i;
out:
	X509_free(x);
	ERR_clear_error();
	return found;
}

const struct tls_server_key *
tls_keystore_match_cert(struct tls_keystore *ks, const uint8_t *der, size_t len)
{
	uint8_t h[TLS_SHA256_LEN];
	struct tls_cert_entry *e;
	int found = -1;
	bool hit = false;

	if (len == 0 || len > LONG_MAX || !EVP_Digest(der, len, h, NULL, ks->sha256, NULL))
		return NULL;
	pthread_mutex_lock(&ks->cache_lock);
	for (unsigned i = 0; i < TLS_KEYSTORE_CACHE && !hit; i++) {
		if (ks->cache[i].valid && memcmp(ks->cache[i].cert_sha256, h, sizeof(h)) == 0) {
			found = ks->cache[i].key;
			hit = true;
		}
	}
	pthread_mutex_unlock(&ks->cache_lock);
	if (!hit) {
		/* Parsed outside the lock; two workers may both parse a new cert. */
		found = tls_keystore_lookup_cert(ks, der, len);
		/* Only certificates that parse are cached (negative answers too). */
		pthread_mutex_lock(&ks->cache_lock);
		e = &ks->cache[ks->cache_next];
		ks->cache_next = (ks->cache_next + 1) % TLS_KEYSTORE_CACHE;
		memcpy(e->cert_sha256, h, sizeof(h));
		e->key = found;
		e->valid = true;
		pthread_mutex_unlock(&ks->cache_lock);
	}
	if (found < 0)
		return NULL;
	atomic_store(&ks->keys[found]->state->used, true);
	return ks->keys[found];
}

/* ---- decryption --------------------------------------------------------------- */

int
tls_server_key_decrypt_pms(const struct tls_server_key *k, const uint8_t *enc, size_t enc_len,
			   uint8_t out_pms[48])
{
	uint8_t buf[TLS_KEY_RSA_MAX];
	size_t out_len = sizeof(buf);
	struct tls_key_slot *slot = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int rc = TLSIPS_ECRYPTO;

	/* RFC 5246 7.4.7.1: the encrypted secret is one RSA block. */
	if (enc_len == 0 || enc_len > k->rsa_size)
		return TLSIPS_ECRYPTO;
	for (int i = 0; i < TLS_KEY_SLOTS && slot == NULL; i++)
		if (pthread_mutex_trylock(&k->state->slots[i].lock) == 0)
			slot = &k->state->slots[i];
	if (slot != NULL) {
		if (slot->ctx == NULL)
			slot->ctx = tls_server_key_ctx_new(k->pkey);
		ctx = slot->ctx;
	} else {
		ctx = tls_server_key_ctx_new(k->pkey);
	}
	if (ctx == NULL) {
		rc = TLSIPS_ENOMEM;
		goto out;
	}
	if (EVP_PKEY_decrypt(ctx, buf, &out_len, enc, enc_len) <= 0 || out_len != TLS_PMS_LEN)
		goto out;
	memcpy(out_pms, buf, TLS_PMS_LEN);
	atomic_store(&k->state->used, true);
	rc = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	if (slot != NULL)
		pthread_mutex_unlock(&slot->lock);
	else
		EVP_PKEY_CTX_free(ctx);
	if (rc != 0)
		ERR_clear_error(); /* a wrong key or a forged secret is data */
	return rc;
}
