#include "base/err.h"

const char *
tlsips_err_name(int err)
{
	switch (err) {
	case TLSIPS_OK: return "ok";
	case TLSIPS_AGAIN: return "again";
	case TLSIPS_EMALFORMED: return "malformed";
	case TLSIPS_ETRUNC: return "truncated";
	case TLSIPS_ELIMIT: return "limit";
	case TLSIPS_ENOMEM: return "no memory";
	case TLSIPS_ENOKEY: return "no key";
	case TLSIPS_ECRYPTO: return "crypto";
	case TLSIPS_ESYS: return "system";
	case TLSIPS_ECONFIG: return "config";
	}
	return "unknown";
}
