/*
 * detect_vars: rule variables ($HOME_NET, $HTTP_PORTS ...) and their
 * defaults for a host IPS: every network variable is "any" because tlsips
 * guards the host it runs on; port variables keep Suricata's usual values,
 * with HTTP_PORTS holding the TLS ports tlsips decrypts.
 */
#include <string.h>

#include "base/err.h"
#include "detect/detect.h"

struct detect_var_default {
	bool port;
	const char *name, *value;
};

/* Every variable the Emerging Threats web, exploit, scan and user-agent sets name, and more. */
static const struct detect_var_default detect_var_defaults[] = {
	{ false, "HOME_NET", "any" },
	{ false, "EXTERNAL_NET", "any" },
	{ false, "HTTP_SERVERS", "any" },
	{ false, "SMTP_SERVERS", "any" },
	{ false, "SQL_SERVERS", "any" },
	{ false, "DNS_SERVERS", "any" },
	{ false, "TELNET_SERVERS", "any" },
	{ false, "AIM_SERVERS", "any" },
	{ false, "DC_SERVERS", "any" },
	{ false, "DNP3_SERVER", "any" },
	{ false, "DNP3_CLIENT", "any" },
	{ false, "MODBUS_CLIENT", "any" },
	{ false, "MODBUS_SERVER", "any" },
	{ false, "ENIP_CLIENT", "any" },
	{ false, "ENIP_SERVER", "any" },
	{ true, "HTTP_PORTS", "[80,443,8080,8443]" },
	{ true, "SHELLCODE_PORTS", "!80" },
	{ true, "ORACLE_PORTS", "1521" },
	{ true, "SSH_PORTS", "22" },
	{ true, "DNP3_PORTS", "20000" },
	{ true, "MODBUS_PORTS", "502" },
	{ true, "FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]" },
	{ true, "FTP_PORTS", "21" },
	{ true, "GENEVE_PORTS", "6081" },
	{ true, "VXLAN_PORTS", "4789" },
	{ true, "TEREDO_PORTS", "3544" },
};

void
detect_vars_default(struct detect_vars *out)
{
	memset(out, 0, sizeof(*out));
	size_t n = sizeof(detect_var_defaults) / sizeof(detect_var_defaults[0]);
	for (size_t i = 0; i < n; i++) {
		const struct detect_var_default *d = &detect_var_defaults[i];
		/* The table fits the limits by construction. */
		(void)detect_vars_set(out, d->port, d->name, d->value);
	}
}

int
detect_vars_set(struct detect_vars *v, bool port, const char *name, const char *value)
{
	if (name[0] == '$')
		name++;
	size_t nlen = strlen(name), vlen = strlen(value);
	if (nlen == 0 || nlen >= DETECT_VAR_NAME || vlen >= DETECT_VAR_VALUE)
		return TLSIPS_ELIMIT;
	struct detect_var *tab = port ? v->port : v->addr;
	uint32_t *n = port ? &v->n_port : &v->n_addr;
	struct detect_var *slot = NULL;
	for (uint32_t i = 0; i < *n && !slot; i++)
		if (strcmp(tab[i].name, name) == 0)
			slot = &tab[i];
	if (!slot) {
		if (*n >= DETECT_VARS_MAX)
			return TLSIPS_ELIMIT;
		slot = &tab[(*n)++];
	}
	memcpy(slot->name, name, nlen + 1);
	memcpy(slot->value, value, vlen + 1);
	return 0;
}
