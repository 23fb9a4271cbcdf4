/*
 * tls_keystore: the server RSA private keys of "server key mode".
 *
 * Keys come from PEM, encrypted PEM or PKCS#12 files, the pass phrase from a
 * file (first line, trailing newline dropped), never from argv. Each key is
 * matched to sessions by comparing its public key with the certificate the
 * server sent (SHA-256 of the SubjectPublicKeyInfo). The store is immutable
 * once loaded and may be shared read-only by every worker.
 */
#ifndef TLSIPS_TLS_KEYSTORE_H
#define TLSIPS_TLS_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_keystore;
struct tls_server_key;

struct tls_keystore *tls_keystore_new(void);
void tls_keystore_free(struct tls_keystore *ks);

/*
 * Loads every private key in path (format detected). pass_file may be NULL.
 * Errors (TLSIPS_ESYS, TLSIPS_ECONFIG) write a message naming the file and
 * the problem ("wrong pass phrase", "not an RSA key", "no private key") to err.
 */
int tls_keystore_add_file(struct tls_keystore *ks, const char *path, const char *pass_file,
			  char *err, size_t errlen);

unsigned tls_keystore_count(const struct tls_keystore *ks);

/*
 * The key whose public key is the one in the DER certificate, or NULL.
 * Cheap on repeats (certificates are cached by hash).
 */
const struct tls_server_key *tls_keystore_match_cert(struct tls_keystore *ks, const uint8_t *der,
						    size_t len);

/* The only key if exactly one is loaded, else NULL (for sessions without a certificate). */
const struct tls_server_key *tls_keystore_sole(const struct tls_keystore *ks);

/*
 * RSA-decrypts an encrypted pre-master secret (PKCS#1 v1.5). Returns 0 with
 * 48 bytes in out_pms, or TLSIPS_ECRYPTO when it does not decrypt to a 48-byte
 * secret (wrong key).
 */
int tls_server_key_decrypt_pms(const struct tls_server_key *k, const uint8_t *enc, size_t enc_len,
			       uint8_t out_pms[48]);

/* The file the key came from, and whether a session has matched it. */
const char *tls_server_key_path(const struct tls_server_key *k);
bool tls_server_key_was_used(const struct tls_server_key *k);
/* Key i (0 <= i < count), for reporting keys that matched nothing. */
const struct tls_server_key *tls_keystore_key(const struct tls_keystore *ks, unsigned i);

#endif
