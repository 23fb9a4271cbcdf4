/*
 * fuzz_pcap_file: the input is a whole capture file, read from memory
 * (fmemopen) through capture_file, every packet then decoded. Both the
 * classic reader with its resynchronisation and libpcap's pcapng parser
 * are reached, depending on the magic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "capture/capture.h"
#include "net/net.h"

int fuzz_pcap_file(const uint8_t *data, size_t len);

int
fuzz_pcap_file(const uint8_t *data, size_t len)
{
	if (len == 0)
		return 0;
	/* fmemopen wants writable memory even for reading. */
	uint8_t *copy = malloc(len);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, len);
	FILE *fp = fmemopen(copy, len, "rb");
	if (fp == NULL) {
		free(copy);
		return 0;
	}
	struct capture_file *cf;
	char err[256];
	if (capture_file_open_fp_take(fp, "fuzz", &cf, err, sizeof(err)) == 0) {
		struct capture_pkt pkt;
		int rc;
		while ((rc = capture_file_next(cf, &pkt, err, sizeof(err))) == 1) {
			if (pkt.wire_len < pkt.caplen || pkt.caplen > 262144)
				abort();
			struct net_pkt p;
			(void)net_decode(pkt.linktype, pkt.data, pkt.caplen, pkt.wire_len, pkt.ts_usec, &p);
		}
		if (rc != 0 && rc != TLSIPS_ETRUNC && rc != TLSIPS_EMALFORMED && rc != TLSIPS_ESYS)
			abort();
		const struct capture_file_stats *st = capture_file_stats(cf);
		if (st->skipped_bytes > len)
			abort();
		capture_file_close(cf);
	}
	free(copy);
	return 0;
}

#ifdef TLSIPS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_pcap_file(d, n);
}
#endif
