/*
 * tls_suite: the cipher suite table (rows, not code).
 *
 * Every suite of the seed table (Trend Micro's supported list) plus the
 * TLS 1.3 suites. The record-protection code reads these rows to pick
 * ciphers, key sizes, MACs and PRF hashes; nothing else switches on suite ids.
 */
#ifndef TLSIPS_TLS_SUITE_H
#define TLSIPS_TLS_SUITE_H

#include <stdbool.h>
#include <stdint.h>

enum tls_version {
	TLS_V_SSL3 = 0x0300,
	TLS_V_TLS10 = 0x0301,
	TLS_V_TLS11 = 0x0302,
	TLS_V_TLS12 = 0x0303,
	TLS_V_TLS13 = 0x0304,
};

enum tls_kx {
	TLS_KX_RSA = 1, /* pre-master secret under the server's RSA key */
	TLS_KX_DHE,
	TLS_KX_ECDHE,
	TLS_KX_TLS13,   /* TLS 1.3: (EC)DHE/PSK, secrets via key log only */
};

enum tls_cipher_kind {
	TLS_CIPHER_STREAM = 1, /* RC4 */
	TLS_CIPHER_CBC,
	TLS_CIPHER_GCM,
	TLS_CIPHER_CCM,        /* tag_len 16 or 8 (CCM_8) */
	TLS_CIPHER_CHACHA,     /* ChaCha20-Poly1305, RFC 7905 */
};

struct tls_suite {
	uint16_t id;
	const char *name;      /* OpenSSL name, e.g. "AES128-GCM-SHA256" */
	const char *iana;      /* IANA name, e.g. "TLS_RSA_WITH_AES_128_GCM_SHA256" */
	enum tls_kx kx;
	enum tls_cipher_kind kind;
	const char *evp_cipher; /* name for EVP_CIPHER_fetch */
	uint8_t key_len;
	uint8_t iv_len;        /* CBC: block size; GCM/CCM: implicit salt (4); ChaCha/TLS 1.3: 12 */
	uint8_t block_len;     /* CBC block size; 0 otherwise */
	uint8_t tag_len;       /* AEAD tag; 0 otherwise */
	const char *mac_md;    /* HMAC digest for stream/CBC suites; NULL for AEAD */
	uint8_t mac_len;
	const char *prf_md;    /* TLS 1.2 PRF / TLS 1.3 HKDF hash: "SHA256" or "SHA384" */
	bool legacy_provider;  /* RC4 and DES live in OpenSSL's legacy provider */
};

/* The row for a suite id, or NULL if tlsips does not know it. */
const struct tls_suite *tls_suite_find(uint16_t id);
/* All rows, for docs and `probe`; *out_n gets the count. */
const struct tls_suite *tls_suite_all(unsigned *out_n);
/* "TLS 1.2", "SSL 3.0", ... or "unknown". */
const char *tls_version_name(uint16_t version);

#endif
