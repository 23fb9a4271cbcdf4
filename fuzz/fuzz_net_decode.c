/*
 * fuzz_net_decode: one frame through net_decode.
 *
 * Input: byte 0 picks the link type (low 3 bits) and whether the frame was
 * cut by the capture (bit 3: wire length 100 bytes longer); the rest is the
 * frame, copied to an allocation of exactly its size so ASan sees any
 * over-read. Checks that a decoded payload lies inside the frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "capture/capture.h"
#include "net/net.h"

int fuzz_net_decode(const uint8_t *data, size_t len);

int
fuzz_net_decode(const uint8_t *data, size_t len)
{
	static const int linktypes[8] = {
		CAPTURE_LINK_NULL, CAPTURE_LINK_ETHERNET, CAPTURE_LINK_RAW, CAPTURE_LINK_LOOP,
		CAPTURE_LINK_SLL,  CAPTURE_LINK_IPV4,     CAPTURE_LINK_IPV6, CAPTURE_LINK_SLL2,
	};
	if (len < 1)
		return 0;
	int lt = linktypes[data[0] & 7];
	size_t n = len - 1;
	size_t wire = n + ((data[0] & 8) ? 100 : 0);
	uint8_t *frame = malloc(n > 0 ? n : 1);
	if (frame == NULL)
		return 0;
	if (n > 0)
		memcpy(frame, data + 1, n);
	struct net_pkt p;
	int rc = net_decode(lt, frame, n, wire, 0, &p);
	if (rc == 0) {
		if (p.payload.len > 0 &&
		    (p.payload.ptr < frame || p.payload.len > n ||
		     (size_t)(p.payload.ptr - frame) > n - p.payload.len))
			abort();
		if (p.payload_wire_len < p.payload.len || p.truncated != (p.payload.len < p.payload_wire_len))
			abort();
		if (p.src.family != p.dst.family || (p.src.family != 4 && p.src.family != 6))
			abort();
		/* Touch every payload byte. */
		volatile uint8_t sink = 0;
		for (size_t i = 0; i < p.payload.len; i++)
			sink ^= p.payload.ptr[i];
		(void)sink;
	} else if (rc != NET_DECODE_NOT_TCP && rc != TLSIPS_ETRUNC && rc != TLSIPS_EMALFORMED) {
		abort();
	}
	free(frame);
	return 0;
}

#ifdef TLSIPS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_net_decode(d, n);
}
#endif
