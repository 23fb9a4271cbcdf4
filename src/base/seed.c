/*
 * base_seed: hash-table keys straight from getrandom(2).
 *
 * These keys only spread table buckets; they protect no secret. Taking them
 * from OpenSSL's RAND would instantiate its DRBG, which costs about a tenth
 * of a short decrypt run's start-up and is needed by nothing else there.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

#include "base/seed.h"

bool
base_seed(void *out, size_t len)
{
	uint8_t *p = out;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}
