/*
 * Unit tests for capture_reset's checks before anything is sent: where a
 * packet goes (its IP destination) and that its declared length is the
 * length given. No raw socket is opened, so these run without privileges;
 * tests/e2e/nfq_passthrough sends real resets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capture/capture_reset.c"

/* 10.200.1.2:8080 -> 10.200.1.1:40000 [RST], 40 bytes (as net_reset_build makes it). */
static const uint8_t RST4[] = {
	0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00,
	0x40, 0x06, 0x23, 0x3e, 0x0a, 0xc8, 0x01, 0x02,
	0x0a, 0xc8, 0x01, 0x01, 0x1f, 0x90, 0x9c, 0x40,
	0xaa, 0xbb, 0xcc, 0xdd, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x04, 0xff, 0xff, 0x64, 0xe4, 0x00, 0x00,
};

/* [fd00::2]:443 -> [fd00::1]:50000 [RST], 60 bytes. */
static const uint8_t RST6[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40,
	0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x01, 0xbb, 0xc3, 0x50, 0x01, 0x02, 0x03, 0x04,
	0x00, 0x00, 0x00, 0x00, 0x50, 0x04, 0xff, 0xff,
	0xec, 0xca, 0x00, 0x00,
};

/* Sockets that are never used: the fds only tell which family was chosen. */
static struct capture_reset fake = { .fd4 = 1004, .fd6 = 1006 };

static void
test_ipv4_destination(void **state)
{
	(void)state;
	struct sockaddr_storage sa;
	socklen_t salen = 0;
	int fd = -1;
	assert_int_equal(capture_reset_dest(&fake, RST4, sizeof(RST4), &sa, &salen, &fd), 0);
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&sa;
	static const uint8_t want[4] = { 10, 200, 1, 1 };
	assert_int_equal(fd, 1004);
	assert_int_equal(salen, sizeof(*sin));
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(sin->sin_port, 0);
	assert_memory_equal(&sin->sin_addr, want, 4);
}

static void
test_ipv6_destination(void **state)
{
	(void)state;
	struct sockaddr_storage sa;
	socklen_t salen = 0;
	int fd = -1;
	assert_int_equal(capture_reset_dest(&fake, RST6, sizeof(RST6), &sa, &salen, &fd), 0);
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&sa;
	static const uint8_t want[16] = { 0xfd, 0x00, [15] = 1 };
	assert_int_equal(fd, 1006);
	assert_int_equal(salen, sizeof(*sin6));
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(sin6->sin6_port, 0); /* would name a protocol on a raw socket */
	assert_memory_equal(&sin6->sin6_addr, want, 16);
}

/* Every cut of a valid packet is refused: the declared length no longer matches. */
static void
test_every_truncation_refused(void **state)
{
	(void)state;
	struct sockaddr_storage sa;
	socklen_t salen;
	int fd;
	for (size_t n = 0; n < sizeof(RST4); n++)
		assert_int_equal(capture_reset_dest(&fake, RST4, n, &sa, &salen, &fd),
				 TLSIPS_EMALFORMED);
	for (size_t n = 0; n < sizeof(RST6); n++)
		assert_int_equal(capture_reset_dest(&fake, RST6, n, &sa, &salen, &fd),
				 TLSIPS_EMALFORMED);
}

static void
test_bad_headers_refused(void **state)
{
	(void)state;
	struct sockaddr_storage sa;
	socklen_t salen;
	int fd;
	uint8_t p[64];
	memcpy(p, RST4, sizeof(RST4));
	p[0] = 0x44; /* IHL 16 bytes, below the minimum */
	assert_int_equal(capture_reset_dest(&fake, p, sizeof(RST4), &sa, &salen, &fd), TLSIPS_EMALFORMED);
	memcpy(p, RST4, sizeof(RST4));
	p[3] = 0x29; /* total length 41 for 40 bytes given */
	assert_int_equal(capture_reset_dest(&fake, p, sizeof(RST4), &sa, &salen, &fd), TLSIPS_EMALFORMED);
	memcpy(p, RST4, sizeof(RST4));
	p[0] = 0x55; /* version 5 */
	assert_int_equal(capture_reset_dest(&fake, p, sizeof(RST4), &sa, &salen, &fd), TLSIPS_EMALFORMED);
	memcpy(p, RST6, sizeof(RST6));
	p[5] = 0x13; /* payload length 19 for 20 bytes after the header */
	assert_int_equal(capture_reset_dest(&fake, p, sizeof(RST6), &sa, &salen, &fd), TLSIPS_EMALFORMED);
}

/* A refused packet is counted and never reaches a socket (fd 1004 is not open). */
static void
test_send_counts_malformed_and_missing_family(void **state)
{
	(void)state;
	struct capture_reset r = { .fd4 = -1, .fd6 = -1 };
	assert_int_equal(capture_reset_send(&r, RST4, sizeof(RST4) - 1), TLSIPS_EMALFORMED);
	assert_int_equal(capture_reset_stats(&r)->malformed, 1);
	assert_int_equal(capture_reset_send(&r, RST6, sizeof(RST6)), TLSIPS_ESYS);
	assert_int_equal(capture_reset_stats(&r)->failed, 1);
	assert_int_equal(capture_reset_stats(&r)->sent, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_destination),
		cmocka_unit_test(test_ipv6_destination),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_bad_headers_refused),
		cmocka_unit_test(test_send_counts_malformed_and_missing_family),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
