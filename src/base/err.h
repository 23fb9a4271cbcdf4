/* Error codes shared by every module: 0 is success, negatives are these. */
#ifndef TLSIPS_BASE_ERR_H
#define TLSIPS_BASE_ERR_H

enum {
	TLSIPS_OK = 0,
	TLSIPS_AGAIN = -1,      /* need more input; not an error */
	TLSIPS_EMALFORMED = -2, /* input contradicts its protocol */
	TLSIPS_ETRUNC = -3,     /* capture cut the packet; not an attack */
	TLSIPS_ELIMIT = -4,     /* a configured limit was reached */
	TLSIPS_ENOMEM = -5,
	TLSIPS_ENOKEY = -6,     /* no key material for this session */
	TLSIPS_ECRYPTO = -7,    /* libcrypto failed or a record did not authenticate */
	TLSIPS_ESYS = -8,       /* a system call failed; errno is set */
	TLSIPS_ECONFIG = -9,    /* configuration, key or rule file is wrong */
};

/* Short stable name of an error code ("malformed", "limit", ...). */
const char *tlsips_err_name(int err);

#endif
