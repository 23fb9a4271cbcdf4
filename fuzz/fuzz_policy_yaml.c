/*
 * Fuzz target policy_yaml: the input is a policy file, read through
 * policy_load_mem (YAML tree, every key table, value parsers, net sets,
 * cross-checks) with messages to /dev/null, so the formatting of every
 * diagnostic runs too. A loaded policy is matched against a few ports and
 * addresses, then freed. Rule sets are not built: rule_parse fuzzes those.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/err.h"
#include "policy/policy.h"

int
fuzz_policy_yaml(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	/* Static: the struct is large (fixed tables), no need to allocate it per input. */
	static struct policy pol;
	struct policy *p = &pol;
	/* Relative paths resolve under a folder that does not exist: no real file is named. */
	int rc = policy_load_mem(p, "/nonexistent-fuzz/policy.yaml", (const char *)data, size, devnull);
	if (rc != 0 && rc != TLSIPS_ECONFIG && rc != TLSIPS_ENOMEM)
		abort();
	if (rc == 0) {
		struct net_addr a4 = { 4, { 192, 0, 2, 1 } }, a6 = { 6, { 0x20, 0x01, 0x0d, 0xb8 } };
		static const uint16_t ports[] = { 0, 80, 443, 8443, 65535 };
		for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
			(void)policy_app_for_port(p, ports[i]);
			(void)policy_tls_for(p, "eth0", &a4, ports[i]);
			(void)policy_tls_for(p, NULL, &a6, ports[i]);
		}
	}
	policy_fini(p);
	return 0;
}

#ifdef TLSIPS_LIBFUZZER
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_policy_yaml(data, len);
}
#endif
