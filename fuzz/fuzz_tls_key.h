/* The fuzz targets' server key: fuzz/keys/fuzz_server.pem (a test key, no secret). */
#ifndef TLSIPS_FUZZ_TLS_KEY_H
#define TLSIPS_FUZZ_TLS_KEY_H

#include <stdio.h>
#include <stdlib.h>

#include "tls/tls_keystore.h"

#ifndef TLSIPS_FUZZ_KEY_PATH
#define TLSIPS_FUZZ_KEY_PATH "fuzz/keys/fuzz_server.pem"
#endif

/* The key store with the fuzz key, or an empty one if the file is absent. */
static inline struct tls_keystore *
fuzz_tls_keystore(void)
{
	struct tls_keystore *ks = tls_keystore_new();
	char err[256];
	const char *path = getenv("TLSIPS_FUZZ_KEY");
	if (!path)
		path = TLSIPS_FUZZ_KEY_PATH;
	if (ks && tls_keystore_add_file(ks, path, NULL, err, sizeof(err)) != 0)
		fprintf(stderr, "fuzz: %s (continuing without a key)\n", err);
	return ks;
}

#endif
