/*
 * net_csum: the Internet checksum (RFC 1071) over bytes in memory, alone or
 * while copying them.
 *
 * Sums are partial: 16-bit words as they lie in memory, added in host order
 * with end-around carry and kept in 32 bits, so a checksum can be built from
 * several pieces (pseudo header, header, payload) as long as every piece but
 * the last starts at an even offset of the whole and has an even length.
 * net_csum_fold reduces a partial sum to 16 bits; its complement, stored in
 * host order, is the checksum field (RFC 1071 2(B): byte order does not
 * change the one's complement sum).
 */
#ifndef TLSIPS_NET_CSUM_H
#define TLSIPS_NET_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* acc plus the sum of n bytes at p; an odd last byte is padded with a zero. */
uint32_t net_csum_add(const uint8_t *p, size_t n, uint32_t acc);

/*
 * Copies n bytes from src to dst (not overlapping) and returns acc plus
 * their sum, reading each byte once. Same result as memcpy then net_csum_add.
 */
uint32_t net_csum_copy(uint8_t *dst, const uint8_t *src, size_t n, uint32_t acc);

/* The partial sum folded to 16 bits with end-around carry (0 only for a zero sum). */
uint16_t net_csum_fold(uint32_t acc);

#endif
