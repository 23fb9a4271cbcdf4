/* Unit tests for net_set: Suricata address and port sets, variables, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "base/err.h"
#include "net/net_set.h"

/* name=value pairs for the variable lookup. */
static const char *const test_vars[][2] = {
	{ "HOME_NET", "[10.0.0.0/8,192.168.0.0/16]" },
	{ "EXTERNAL_NET", "!$HOME_NET" },
	{ "HTTP_PORTS", "[80,443,8080]" },
	{ "WEB", "[$HTTP_PORTS,8443]" },
	{ "LOOP_A", "$LOOP_B" },
	{ "LOOP_B", "$LOOP_A" },
	{ "EMPTY", "" },
};

static const char *
test_lookup(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(test_vars) / sizeof(test_vars[0]); i++)
		if (strlen(test_vars[i][0]) == len && memcmp(test_vars[i][0], name, len) == 0)
			return test_vars[i][1];
	return NULL;
}

static int
ports(const char *text, struct net_port_set *out, char *err)
{
	return net_port_set_parse(text, strlen(text), test_lookup, NULL, out, err, 128);
}

static int
ips(const char *text, struct net_ip_set *out, char *err)
{
	return net_ip_set_parse(text, strlen(text), test_lookup, NULL, out, err, 128);
}

static struct net_addr
addr(const char *s)
{
	struct net_addr a;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.bytes) == 1)
		a.family = 4;
	else if (inet_pton(AF_INET6, s, a.bytes) == 1)
		a.family = 6;
	return a;
}

static bool
has_ip(const struct net_ip_set *s, const char *a)
{
	struct net_addr x = addr(a);
	return net_ip_set_has(s, &x);
}

static void
test_port_any(void **state)
{
	(void)state;
	struct net_port_set s;
	char err[128];
	assert_int_equal(ports("any", &s, err), 0);
	assert_true(s.any);
	assert_true(net_port_set_has(&s, 0));
	assert_true(net_port_set_has(&s, 65535));
}

static void
test_port_single_and_ranges(void **state)
{
	(void)state;
	struct net_port_set s;
	char err[128];
	assert_int_equal(ports("[80, 1024:2048, :22, 60000:]", &s, err), 0);
	assert_false(s.any);
	assert_int_equal(s.n_incl, 4);
	assert_true(net_port_set_has(&s, 80));
	assert_false(net_port_set_has(&s, 81));
	assert_true(net_port_set_has(&s, 1024));
	assert_true(net_port_set_has(&s, 2048));
	assert_false(net_port_set_has(&s, 2049));
	assert_true(net_port_set_has(&s, 0));
	assert_true(net_port_set_has(&s, 22));
	assert_false(net_port_set_has(&s, 23));
	assert_true(net_port_set_has(&s, 65535));
}

static void
test_port_negation(void **state)
{
	(void)state;
	struct net_port_set s;
	char err[128];
	assert_int_equal(ports("!80", &s, err), 0);
	assert_true(s.any);
	assert_false(net_port_set_has(&s, 80));
	assert_true(net_port_set_has(&s, 81));
	assert_int_equal(ports("[1:100, ![50:60, !55]]", &s, err), 0);
	assert_true(net_port_set_has(&s, 49));
	assert_false(net_port_set_has(&s, 50));
	/* "!55" under the negation becomes an include; excludes still win (net_set.h). */
	assert_int_equal(s.n_incl, 2);
	assert_int_equal(s.n_excl, 1);
	assert_false(net_port_set_has(&s, 55));
	assert_false(net_port_set_has(&s, 101));
}

static void
test_port_variables(void **state)
{
	(void)state;
	struct net_port_set s;
	char err[128];
	assert_int_equal(ports("$WEB", &s, err), 0);
	assert_true(net_port_set_has(&s, 443));
	assert_true(net_port_set_has(&s, 8443));
	assert_false(net_port_set_has(&s, 22));
	assert_int_equal(ports("!$HTTP_PORTS", &s, err), 0);
	assert_false(net_port_set_has(&s, 8080));
	assert_true(net_port_set_has(&s, 22));
}

static void
test_port_errors(void **state)
{
	(void)state;
	struct net_port_set s;
	char err[128];
	assert_int_equal(ports("70000", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "port 70000 out of range");
	assert_int_equal(ports("$NOPE", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "unknown variable $NOPE");
	assert_int_equal(ports("[80,443", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "unbalanced '['");
	assert_int_equal(ports("[]", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "empty list");
	assert_int_equal(ports("[80,,443]", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "empty list entry");
	assert_int_equal(ports("!any", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "negated 'any' matches nothing");
	assert_int_equal(ports("200:100", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "port range 200:100 is reversed");
	assert_int_equal(ports("http", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "bad port 'http'");
	assert_int_equal(ports("80,443", &s, err), TLSIPS_ECONFIG);
	assert_non_null(strstr(err, "lists need brackets"));
	assert_int_equal(ports("", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "empty port");
	/* On error the set is "any", never half-filled. */
	assert_true(s.any);
	assert_int_equal(s.n_incl + s.n_excl, 0);
}

static void
test_port_list_limit(void **state)
{
	(void)state;
	char text[1024] = "[";
	size_t n = 1;
	for (int i = 1; i <= NET_SET_MAX + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%d,", i);
	text[n - 1] = ']';
	struct net_port_set s;
	char err[128];
	assert_int_equal(ports(text, &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "list has more than 64 entries");
}

static void
test_var_loop_is_bounded(void **state)
{
	(void)state;
	struct net_port_set s;
	char err[128];
	assert_int_equal(ports("$LOOP_A", &s, err), TLSIPS_ECONFIG);
	assert_non_null(strstr(err, "nested deeper than 8"));
	assert_int_equal(ports("$EMPTY", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "variable $EMPTY is empty");
	/* Without a lookup every variable is unknown. */
	assert_int_equal(net_port_set_parse("$HTTP_PORTS", 11, NULL, NULL, &s, err, sizeof(err)),
			 TLSIPS_ECONFIG);
	assert_string_equal(err, "unknown variable $HTTP_PORTS");
}

static void
test_nesting_is_bounded(void **state)
{
	(void)state;
	char text[128];
	memset(text, '[', 40);
	memcpy(text + 40, "80", 2);
	memset(text + 42, ']', 40);
	struct net_port_set s;
	char err[128];
	assert_int_equal(net_port_set_parse(text, 82, NULL, NULL, &s, err, sizeof(err)),
			 TLSIPS_ECONFIG);
	assert_string_equal(err, "lists nested deeper than 16");
}

static void
test_ip_cidr_v4(void **state)
{
	(void)state;
	struct net_ip_set s;
	char err[128];
	assert_int_equal(ips("10.1.2.3/8", &s, err), 0);
	assert_true(has_ip(&s, "10.0.0.0"));
	assert_true(has_ip(&s, "10.255.255.255"));
	assert_false(has_ip(&s, "11.0.0.0"));
	assert_false(has_ip(&s, "2001:db8::1"));
	assert_int_equal(ips("192.0.2.0/255.255.255.0", &s, err), 0);
	assert_true(has_ip(&s, "192.0.2.200"));
	assert_false(has_ip(&s, "192.0.3.1"));
	assert_int_equal(ips("192.0.2.7", &s, err), 0);
	assert_true(has_ip(&s, "192.0.2.7"));
	assert_false(has_ip(&s, "192.0.2.8"));
}

static void
test_ip_cidr_v6_and_range(void **state)
{
	(void)state;
	struct net_ip_set s;
	char err[128];
	assert_int_equal(ips("[2001:db8::/32, 192.0.2.10-192.0.2.20]", &s, err), 0);
	assert_true(has_ip(&s, "2001:db8:ffff::1"));
	assert_false(has_ip(&s, "2001:db9::1"));
	assert_true(has_ip(&s, "192.0.2.10"));
	assert_true(has_ip(&s, "192.0.2.20"));
	assert_false(has_ip(&s, "192.0.2.21"));
	assert_int_equal(ips("::/0", &s, err), 0);
	assert_true(has_ip(&s, "::1"));
	assert_false(has_ip(&s, "127.0.0.1"));
}

static void
test_ip_variables_and_negation(void **state)
{
	(void)state;
	struct net_ip_set s;
	char err[128];
	assert_int_equal(ips("$EXTERNAL_NET", &s, err), 0);
	assert_true(s.any);
	assert_false(has_ip(&s, "10.9.9.9"));
	assert_false(has_ip(&s, "192.168.1.1"));
	assert_true(has_ip(&s, "8.8.8.8"));
	assert_int_equal(ips("[$HOME_NET, !10.1.0.0/16]", &s, err), 0);
	assert_true(has_ip(&s, "10.2.0.1"));
	assert_false(has_ip(&s, "10.1.0.1"));
	assert_false(has_ip(&s, "8.8.8.8"));
	assert_int_equal(ips("[any, !192.0.2.1]", &s, err), 0);
	assert_true(s.any);
	assert_false(has_ip(&s, "192.0.2.1"));
	assert_true(has_ip(&s, "192.0.2.2"));
}

static void
test_ip_errors(void **state)
{
	(void)state;
	struct net_ip_set s;
	char err[128];
	assert_int_equal(ips("10.0.0.256", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "bad address '10.0.0.256'");
	assert_int_equal(ips("10.0.0.0/33", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "bad prefix length '33'");
	assert_int_equal(ips("10.0.0.0/255.0.255.0", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "bad prefix length '255.0.255.0'");
	assert_int_equal(ips("10.0.0.9-10.0.0.1", &s, err), TLSIPS_ECONFIG);
	assert_non_null(strstr(err, "reversed"));
	assert_int_equal(ips("10.0.0.1-2001:db8::1", &s, err), TLSIPS_ECONFIG);
	assert_non_null(strstr(err, "bad address range"));
	assert_int_equal(ips("!", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "'!' without anything after it");
	assert_int_equal(ips("$bad-name", &s, err), TLSIPS_ECONFIG);
	assert_string_equal(err, "bad variable name '$bad-name'");
}

/* The parser never reads past len: the text ends right before an unmapped page. */
static void
test_guard_page(void **state)
{
	(void)state;
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
	static const char *const texts[] = { "[80,443]", "1024:", "!$HTTP_PORTS", "[1:2,![3", "$" };
	struct net_port_set s;
	char err[128];
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t n = strlen(texts[i]);
		char *t = (char *)m + pg - n;
		memcpy(t, texts[i], n);
		(void)net_port_set_parse(t, n, test_lookup, NULL, &s, err, sizeof(err));
	}
	static const char *const addrs[] = { "10.0.0.0/8", "[2001:db8::1,!1.2.3.4]", "1.2.3.4-" };
	struct net_ip_set is;
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		size_t n = strlen(addrs[i]);
		char *t = (char *)m + pg - n;
		memcpy(t, addrs[i], n);
		(void)net_ip_set_parse(t, n, test_lookup, NULL, &is, err, sizeof(err));
	}
	munmap(m, (size_t)pg * 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_any),
		cmocka_unit_test(test_port_single_and_ranges),
		cmocka_unit_test(test_port_negation),
		cmocka_unit_test(test_port_variables),
		cmocka_unit_test(test_port_errors),
		cmocka_unit_test(test_port_list_limit),
		cmocka_unit_test(test_var_loop_is_bounded),
		cmocka_unit_test(test_nesting_is_bounded),
		cmocka_unit_test(test_ip_cidr_v4),
		cmocka_unit_test(test_ip_cidr_v6_and_range),
		cmocka_unit_test(test_ip_variables_and_negation),
		cmocka_unit_test(test_ip_errors),
		cmocka_unit_test(test_guard_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
