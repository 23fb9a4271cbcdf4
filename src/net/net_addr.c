/* net_addr: addresses for humans and events. */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "net/net.h"

void
net_addr_format(const struct net_addr *a, char *out, size_t out_len)
{
	if (out_len == 0)
		return;
	out[0] = '\0';
	int af = a->family == 4 ? AF_INET : a->family == 6 ? AF_INET6 : -1;
	/* inet_ntop leaves out undefined when it fails (buffer too small). */
	if (af < 0 || inet_ntop(af, a->bytes, out, (socklen_t)out_len) == NULL)
		out[0] = '\0';
}
