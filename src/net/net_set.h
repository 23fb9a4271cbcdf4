/*
 * net_set: sets of IP addresses and of ports, written the Suricata way.
 *
 * Rule headers and the policy file both name addresses and ports:
 *   addresses  any | 192.0.2.1 | 10.0.0.0/8 | 2001:db8::/32 | !x | [a, b, ![c, d]]
 *   ports      any | 80 | 1024: | :1023 | 8000:8100 | !x | [80, 443, ![8000:8100]]
 * A set is a list of ranges that includes, and a list that excludes; an
 * element is in the set when some include covers it (or there are none and
 * the set is "any") and no exclude does. Parsing resolves variables
 * ($HOME_NET, $HTTP_PORTS) through a lookup the caller gives, with a depth
 * limit so variables that name each other cannot loop. Sets are small fixed
 * arrays: a list longer than NET_SET_MAX is an error, not an allocation.
 */
#ifndef TLSIPS_NET_SET_H
#define TLSIPS_NET_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

enum { NET_SET_MAX = 64, NET_SET_VAR_DEPTH = 8 };

struct net_port_range {
	uint16_t lo, hi; /* inclusive */
};

struct net_port_set {
	bool any;                 /* no includes: every port (minus excludes) */
	uint8_t n_incl, n_excl;
	struct net_port_range incl[NET_SET_MAX];
	struct net_port_range excl[NET_SET_MAX];
};

struct net_ip_range {
	uint8_t family;           /* 4 or 6 */
	uint8_t lo[16], hi[16];   /* inclusive, network byte order (4 bytes used for IPv4) */
};

struct net_ip_set {
	bool any;
	uint8_t n_incl, n_excl;
	struct net_ip_range incl[NET_SET_MAX];
	struct net_ip_range excl[NET_SET_MAX];
};

/*
 * Looks a variable up by name (without the '$'); returns its text or NULL.
 * Port variables and address variables use separate lookups.
 */
typedef const char *(*net_set_var_fn)(void *ctx, const char *name, size_t name_len);

/*
 * Parses text (not NUL-terminated) into *out. Returns 0, or TLSIPS_ECONFIG
 * with a one-line reason in err ("unknown variable $FOO", "port 70000 out of
 * range", "list has more than 64 entries", ...). vars may be NULL.
 */
int net_port_set_parse(const char *text, size_t len, net_set_var_fn vars, void *vars_ctx,
		       struct net_port_set *out, char *err, size_t errlen);
int net_ip_set_parse(const char *text, size_t len, net_set_var_fn vars, void *vars_ctx,
		     struct net_ip_set *out, char *err, size_t errlen);

bool net_port_set_has(const struct net_port_set *s, uint16_t port);
bool net_ip_set_has(const struct net_ip_set *s, const struct net_addr *a);

/* A set that holds every port / address. */
void net_port_set_any(struct net_port_set *out);
void net_ip_set_any(struct net_ip_set *out);

#endif
