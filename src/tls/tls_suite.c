/*
 * tls_suite: the cipher suite rows.
 *
 * The rows are the seed table ("Supported cipher suites": 18 RSA key-exchange
 * suites usable in server key mode, 21 DHE/ECDHE ones usable only with a key
 * log) plus the five TLS 1.3 suites of RFC 8446 B.4. docs/suites.md is the
 * same table in prose; test_tls_suite checks that it lists every row.
 *
 * Sizes come from the RFCs defining each suite: RFC 5246 C (RC4, DES, 3DES,
 * AES-CBC with HMAC), RFC 5932 (Camellia), RFC 5288 and RFC 5289 (GCM, and
 * the SHA-384 PRF of the *_SHA384 suites), RFC 6655 (CCM and CCM_8),
 * RFC 7905 (ChaCha20-Poly1305), RFC 8446 B.4 (TLS 1.3).
 *
 * The table is sorted by id, so tls_suite_find is a binary search over about
 * 45 rows (six comparisons at most).
 */
#include <stddef.h>

#include "tls/tls_suite.h"

/* Row shapes, so each line of the table reads as one suite. */
#define STREAM(id, name, iana, kx, md, maclen)                                             \
	{ id, name, iana, kx, TLS_CIPHER_STREAM, "RC4", 16, 0, 0, 0, md, maclen, "SHA256", true }
#define CBC(id, name, iana, kx, evp, keylen, blk, md, maclen, prf, legacy)                  \
	{ id, name, iana, kx, TLS_CIPHER_CBC, evp, keylen, blk, blk, 0, md, maclen, prf, legacy }
/* RFC 5288 3 / RFC 6655 3: 4-byte implicit salt, 8-byte explicit nonce. */
#define AEAD12(id, name, iana, kx, kind, evp, keylen, taglen, prf)                          \
	{ id, name, iana, kx, kind, evp, keylen, 4, 0, taglen, NULL, 0, prf, false }
/* RFC 7905 2 and RFC 8446 5.3: 12-byte IV xored with the sequence number. */
#define AEAD_XOR(id, name, iana, kx, kind, evp, keylen, taglen, prf)                        \
	{ id, name, iana, kx, kind, evp, keylen, 12, 0, taglen, NULL, 0, prf, false }

static const struct tls_suite suites[] = {
	STREAM(0x0004, "RC4-MD5", "TLS_RSA_WITH_RC4_128_MD5", TLS_KX_RSA, "MD5", 16),
	STREAM(0x0005, "RC4-SHA", "TLS_RSA_WITH_RC4_128_SHA", TLS_KX_RSA, "SHA1", 20),
	CBC(0x0009, "DES-CBC-SHA", "TLS_RSA_WITH_DES_CBC_SHA", TLS_KX_RSA, "DES-CBC", 8, 8,
	    "SHA1", 20, "SHA256", true),
	CBC(0x000A, "DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", TLS_KX_RSA, "DES-EDE3-CBC",
	    24, 8, "SHA1", 20, "SHA256", false),
	CBC(0x002F, "AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA", TLS_KX_RSA, "AES-128-CBC", 16,
	    16, "SHA1", 20, "SHA256", false),
	CBC(0x0033, "DHE-RSA-AES128-SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", TLS_KX_DHE,
	    "AES-128-CBC", 16, 16, "SHA1", 20, "SHA256", false),
	CBC(0x0035, "AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA", TLS_KX_RSA, "AES-256-CBC", 32,
	    16, "SHA1", 20, "SHA256", false),
	CBC(0x0039, "DHE-RSA-AES256-SHA", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", TLS_KX_DHE,
	    "AES-256-CBC", 32, 16, "SHA1", 20, "SHA256", false),
	CBC(0x003C, "AES128-SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256", TLS_KX_RSA,
	    "AES-128-CBC", 16, 16, "SHA256", 32, "SHA256", false),
	CBC(0x003D, "AES256-SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256", TLS_KX_RSA,
	    "AES-256-CBC", 32, 16, "SHA256", 32, "SHA256", false),
	CBC(0x0041, "CAMELLIA128-SHA", "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", TLS_KX_RSA,
	    "CAMELLIA-128-CBC", 16, 16, "SHA1", 20, "SHA256", false),
	CBC(0x0067, "DHE-RSA-AES128-SHA256", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", TLS_KX_DHE,
	    "AES-128-CBC", 16, 16, "SHA256", 32, "SHA256", false),
	CBC(0x006B, "DHE-RSA-AES256-SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", TLS_KX_DHE,
	    "AES-256-CBC", 32, 16, "SHA256", 32, "SHA256", false),
	CBC(0x0084, "CAMELLIA256-SHA", "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", TLS_KX_RSA,
	    "CAMELLIA-256-CBC", 32, 16, "SHA1", 20, "SHA256", false),
	AEAD12(0x009C, "AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256", TLS_KX_RSA,
	       TLS_CIPHER_GCM, "AES-128-GCM", 16, 16, "SHA256"),
	AEAD12(0x009D, "AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384", TLS_KX_RSA,
	       TLS_CIPHER_GCM, "AES-256-GCM", 32, 16, "SHA384"),
	AEAD12(0x009E, "DHE-RSA-AES128-GCM-SHA256", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
	       TLS_KX_DHE, TLS_CIPHER_GCM, "AES-128-GCM", 16, 16, "SHA256"),
	AEAD12(0x009F, "DHE-RSA-AES256-GCM-SHA384", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
	       TLS_KX_DHE, TLS_CIPHER_GCM, "AES-256-GCM", 32, 16, "SHA384"),
	CBC(0x00BA, "CAMELLIA128-SHA256", "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256", TLS_KX_RSA,
	    "CAMELLIA-128-CBC", 16, 16, "SHA256", 32, "SHA256", false),
	CBC(0x00C0, "CAMELLIA256-SHA256", "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256", TLS_KX_RSA,
	    "CAMELLIA-256-CBC", 32, 16, "SHA256", 32, "SHA256", false),
	AEAD_XOR(0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", TLS_KX_TLS13,
		 TLS_CIPHER_GCM, "AES-128-GCM", 16, 16, "SHA256"),
	AEAD_XOR(0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", TLS_KX_TLS13,
		 TLS_CIPHER_GCM, "AES-256-GCM", 32, 16, "SHA384"),
	AEAD_XOR(0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
		 TLS_KX_TLS13, TLS_CIPHER_CHACHA, "ChaCha20-Poly1305", 32, 16, "SHA256"),
	AEAD_XOR(0x1304, "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_SHA256", TLS_KX_TLS13,
		 TLS_CIPHER_CCM, "AES-128-CCM", 16, 16, "SHA256"),
	AEAD_XOR(0x1305, "TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256", TLS_KX_TLS13,
		 TLS_CIPHER_CCM, "AES-128-CCM", 16, 8, "SHA256"),
	CBC(0xC009, "ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
	    TLS_KX_ECDHE, "AES-128-CBC", 16, 16, "SHA1", 20, "SHA256", false),
	CBC(0xC00A, "ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
	    TLS_KX_ECDHE, "AES-256-CBC", 32, 16, "SHA1", 20, "SHA256", false),
	CBC(0xC013, "ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", TLS_KX_ECDHE,
	    "AES-128-CBC", 16, 16, "SHA1", 20, "SHA256", false),
	CBC(0xC014, "ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", TLS_KX_ECDHE,
	    "AES-256-CBC", 32, 16, "SHA1", 20, "SHA256", false),
	CBC(0xC023, "ECDHE-ECDSA-AES128-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
	    TLS_KX_ECDHE, "AES-128-CBC", 16, 16, "SHA256", 32, "SHA256", false),
	CBC(0xC024, "ECDHE-ECDSA-AES256-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
	    TLS_KX_ECDHE, "AES-256-CBC", 32, 16, "SHA384", 48, "SHA384", false),
	CBC(0xC027, "ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
	    TLS_KX_ECDHE, "AES-128-CBC", 16, 16, "SHA256", 32, "SHA256", false),
	CBC(0xC028, "ECDHE-RSA-AES256-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
	    TLS_KX_ECDHE, "AES-256-CBC", 32, 16, "SHA384", 48, "SHA384", false),
	AEAD12(0xC02B, "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	       TLS_KX_ECDHE, TLS_CIPHER_GCM, "AES-128-GCM", 16, 16, "SHA256"),
	AEAD12(0xC02C, "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	       TLS_KX_ECDHE, TLS_CIPHER_GCM, "AES-256-GCM", 32, 16, "SHA384"),
	AEAD12(0xC02F, "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	       TLS_KX_ECDHE, TLS_CIPHER_GCM, "AES-128-GCM", 16, 16, "SHA256"),
	AEAD12(0xC030, "ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	       TLS_KX_ECDHE, TLS_CIPHER_GCM, "AES-256-GCM", 32, 16, "SHA384"),
	AEAD12(0xC09C, "AES128-CCM", "TLS_RSA_WITH_AES_128_CCM", TLS_KX_RSA, TLS_CIPHER_CCM,
	       "AES-128-CCM", 16, 16, "SHA256"),
	AEAD12(0xC09D, "AES256-CCM", "TLS_RSA_WITH_AES_256_CCM", TLS_KX_RSA, TLS_CIPHER_CCM,
	       "AES-256-CCM", 32, 16, "SHA256"),
	AEAD12(0xC0A0, "AES128-CCM8", "TLS_RSA_WITH_AES_128_CCM_8", TLS_KX_RSA, TLS_CIPHER_CCM,
	       "AES-128-CCM", 16, 8, "SHA256"),
	AEAD12(0xC0A1, "AES256-CCM8", "TLS_RSA_WITH_AES_256_CCM_8", TLS_KX_RSA, TLS_CIPHER_CCM,
	       "AES-256-CCM", 32, 8, "SHA256"),
	AEAD_XOR(0xCCA8, "ECDHE-RSA-CHACHA20-POLY1305",
		 "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", TLS_KX_ECDHE, TLS_CIPHER_CHACHA,
		 "ChaCha20-Poly1305", 32, 16, "SHA256"),
	AEAD_XOR(0xCCA9, "ECDHE-ECDSA-CHACHA20-POLY1305",
		 "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", TLS_KX_ECDHE, TLS_CIPHER_CHACHA,
		 "ChaCha20-Poly1305", 32, 16, "SHA256"),
	AEAD_XOR(0xCCAA, "DHE-RSA-CHACHA20-POLY1305", "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
		 TLS_KX_DHE, TLS_CIPHER_CHACHA, "ChaCha20-Poly1305", 32, 16, "SHA256"),
};

enum { SUITE_COUNT = sizeof(suites) / sizeof(suites[0]) };

const struct tls_suite *
tls_suite_find(uint16_t id)
{
	size_t lo = 0;
	size_t hi = SUITE_COUNT;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (suites[mid].id == id)
			return &suites[mid];
		if (suites[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct tls_suite *
tls_suite_all(unsigned *out_n)
{
	*out_n = SUITE_COUNT;
	return suites;
}

const char *
tls_version_name(uint16_t version)
{
	switch (version) {
	case TLS_V_SSL3: return "SSL 3.0";
	case TLS_V_TLS10: return "TLS 1.0";
	case TLS_V_TLS11: return "TLS 1.1";
	case TLS_V_TLS12: return "TLS 1.2";
	case TLS_V_TLS13: return "TLS 1.3";
	}
	return "unknown";
}
