/*
 * policy_value: one YAML value to one typed field.
 *
 * Every reader checks the node's kind, converts through base/num.h with
 * the key's bounds, and reports its own problem at the node, so callers
 * just skip the field on false. Units:
 *   sizes      a number of bytes with an optional suffix k, M or G
 *              (times 1024, 1024^2, 1024^3): 65536, 64k, 1M
 *   durations  a number with an optional suffix ms, s, m or h; a bare
 *              number is seconds: 10, 10s, 500ms, 2m
 */
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/num.h"
#include "policy/policy_int.h"

bool
policy_value_scalar(struct policy_ctx *c, const struct policy_node *v, const char *key)
{
	if (v->kind != POLICY_NODE_SCALAR) {
		policy_diag_at(&c->d, v, NULL, "'%s' must be a single value, not %s", key,
			       policy_yaml_kind_name(v->kind));
		return false;
	}
	if (policy_yaml_is_null(v)) {
		policy_diag_at(&c->d, v, NULL, "'%s' needs a value", key);
		return false;
	}
	if (strlen(v->text) != v->len) {
		policy_diag_at(&c->d, v, NULL, "'%s' holds a NUL character", key);
		return false;
	}
	return true;
}

bool
policy_value_bool(struct policy_ctx *c, const struct policy_node *v, const char *key, bool *out)
{
	static const char *const t[] = { "true", "yes", "on" }, *const f[] = { "false", "no", "off" };
	if (!policy_value_scalar(c, v, key))
		return false;
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(v->text, t[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v->text, f[i]) == 0) {
			*out = false;
			return true;
		}
	}
	policy_diag_at(&c->d, v, "write true or false", "'%s' must be true or false, not '%s'", key,
		       v->text);
	return false;
}

/* Reports n outside [min, max] (unit names the unit for the message). */
static bool
policy_value_in_range(struct policy_ctx *c, const struct policy_node *v, const char *key,
		      uint64_t n, uint64_t min, uint64_t max, const char *unit)
{
	if (n >= min && n <= max)
		return true;
	policy_diag_at(&c->d, v, NULL, "'%s' is %llu%s, out of range [%llu, %llu]", key,
		       (unsigned long long)n, unit, (unsigned long long)min,
		       (unsigned long long)max);
	return false;
}

bool
policy_value_uint(struct policy_ctx *c, const struct policy_node *v, const char *key,
		  uint64_t min, uint64_t max, uint64_t *out)
{
	if (!policy_value_scalar(c, v, key))
		return false;
	uint64_t n;
	if (num_parse_u64(v->text, v->len, 0, UINT64_MAX, &n) != 0) {
		policy_diag_at(&c->d, v, "a whole number, digits only",
			       "'%s' must be a number, not '%s'", key, v->text);
		return false;
	}
	if (!policy_value_in_range(c, v, key, n, min, max, ""))
		return false;
	*out = n;
	return true;
}

/* Splits "64k" into the digits and the suffix after them. */
static size_t
policy_value_digits(const struct policy_node *v)
{
	size_t i = 0;
	while (i < v->len && v->text[i] >= '0' && v->text[i] <= '9')
		i++;
	return i;
}

bool
policy_value_size(struct policy_ctx *c, const struct policy_node *v, const char *key,
		  uint64_t min, uint64_t max, uint64_t *out)
{
	if (!policy_value_scalar(c, v, key))
		return false;
	size_t nd = policy_value_digits(v);
	const char *suf = v->text + nd;
	uint64_t mult = 0;
	if (*suf == '\0')
		mult = 1;
	else if (strcmp(suf, "k") == 0 || strcmp(suf, "K") == 0)
		mult = 1024;
	else if (strcmp(suf, "M") == 0)
		mult = 1024 * 1024;
	else if (strcmp(suf, "G") == 0)
		mult = 1024 * 1024 * 1024;
	uint64_t n;
	if (mult == 0 || num_parse_u64(v->text, nd, 0, UINT64_MAX / mult, &n) != 0) {
		policy_diag_at(&c->d, v, "bytes, with an optional suffix k, M or G: 65536, 64k, 1M",
			       "'%s' must be a size, not '%s'", key, v->text);
		return false;
	}
	n *= mult;
	if (!policy_value_in_range(c, v, key, n, min, max, " bytes"))
		return false;
	*out = n;
	return true;
}

bool
policy_value_duration(struct policy_ctx *c, const struct policy_node *v, const char *key,
		      uint64_t unit_usec, uint64_t min, uint64_t max, uint64_t *out)
{
	static const struct {
		const char *suf;
		uint64_t usec;
	} units[] = { { "", 1000000 },     { "s", 1000000 },       { "ms", 1000 },
		      { "m", 60000000ull }, { "h", 3600000000ull } };
	if (!policy_value_scalar(c, v, key))
		return false;
	size_t nd = policy_value_digits(v);
	uint64_t mult = 0, n;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(v->text + nd, units[i].suf) == 0)
			mult = units[i].usec;
	if (mult == 0 || num_parse_u64(v->text, nd, 0, UINT64_MAX / mult, &n) != 0) {
		policy_diag_at(&c->d, v, "a number with an optional suffix ms, s, m or h: 10s, 500ms",
			       "'%s' must be a duration, not '%s'", key, v->text);
		return false;
	}
	n *= mult;
	if (n % unit_usec != 0) {
		policy_diag_at(&c->d, v, NULL, "'%s' must be a whole number of seconds", key);
		return false;
	}
	n /= unit_usec;
	if (!policy_value_in_range(c, v, key, n, min, max, unit_usec == 1 ? " us" : " s"))
		return false;
	*out = n;
	return true;
}

bool
policy_value_str(struct policy_ctx *c, const struct policy_node *v, const char *key, char *out,
		 size_t outlen)
{
	if (!policy_value_scalar(c, v, key))
		return false;
	if (v->len >= outlen) {
		policy_diag_at(&c->d, v, NULL, "'%s' is longer than %zu characters", key, outlen - 1);
		return false;
	}
	memcpy(out, v->text, v->len + 1);
	return true;
}

bool
policy_value_path(struct policy_ctx *c, const struct policy_node *v, const char *key, char *out,
		  size_t outlen)
{
	if (!policy_value_scalar(c, v, key))
		return false;
	int n;
	if (v->text[0] == '/' || c->dir[0] == '\0')
		n = snprintf(out, outlen, "%s", v->text);
	else
		n = snprintf(out, outlen, "%s/%s", c->dir, v->text);
	if (n < 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		policy_diag_at(&c->d, v, NULL, "'%s' is a path longer than %zu characters", key,
			       outlen - 1);
		return false;
	}
	return true;
}

bool
policy_value_enum(struct policy_ctx *c, const struct policy_node *v, const char *key,
		  const struct policy_enum_name *names, int *out)
{
	if (!policy_value_scalar(c, v, key))
		return false;
	const char *cand[16];
	size_t n = 0;
	char all[160] = "", hint[200];
	for (const struct policy_enum_name *e = names; e->name; e++) {
		if (strcmp(v->text, e->name) == 0) {
			*out = e->value;
			return true;
		}
		if (n < 16)
			cand[n++] = e->name;
		size_t l = strlen(all);
		snprintf(all + l, sizeof(all) - l, "%s%s", l ? ", " : "", e->name);
	}
	char mean[96];
	const char *m = policy_diag_hint_mean(v->text, cand, n, mean, sizeof(mean));
	snprintf(hint, sizeof(hint), "%s%sone of: %s", m ? m : "", m ? " " : "", all);
	policy_diag_at(&c->d, v, hint, "'%s' cannot be '%s'", key, v->text);
	return false;
}

int
policy_port_list_find(const struct policy *p, const char *name)
{
	for (uint32_t i = 0; i < p->n_port_lists; i++)
		if (strcmp(p->port_lists[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A scalar that names a port list rather than ports: it starts with a letter and is not "any". */
static bool
policy_value_is_list_name(const struct policy_node *v)
{
	char ch = v->text[0];
	bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
	return alpha && strcmp(v->text, "any") != 0;
}

/* Appends one element (a list's text, or the scalar itself) to out at *used. */
static bool
policy_value_port_elem(struct policy_ctx *c, const struct policy_node *v, const char *key,
		       char *out, size_t outlen, size_t *used)
{
	if (!policy_value_scalar(c, v, key))
		return false;
	const char *text = v->text;
	if (policy_value_is_list_name(v)) {
		int idx = policy_port_list_find(c->p, v->text);
		if (idx < 0) {
			const char *cand[POLICY_MAX_PORT_LISTS];
			for (uint32_t i = 0; i < c->p->n_port_lists; i++)
				cand[i] = c->p->port_lists[i].name;
			char mean[96];
			const char *m = policy_diag_hint_mean(v->text, cand, c->p->n_port_lists, mean,
							      sizeof(mean));
			policy_diag_at(&c->d, v, m ? m : "define it under port-lists first",
				       "'%s': unknown port list '%s'", key, v->text);
			return false;
		}
		text = c->port_text[idx];
	}
	int n = snprintf(out + *used, outlen - *used, "%s%s", *used > 1 ? ", " : "", text);
	if (n < 0 || (size_t)n >= outlen - *used) {
		policy_diag_at(&c->d, v, NULL, "'%s': the port list is longer than %zu characters", key,
			       outlen - 1);
		return false;
	}
	*used += (size_t)n;
	return true;
}

bool
policy_value_port_text(struct policy_ctx *c, const struct policy_node *v, const char *key,
		       char *out, size_t outlen)
{
	size_t used = 0;
	if (v->kind == POLICY_NODE_SCALAR)
		return policy_value_port_elem(c, v, key, out, outlen, &used);
	if (v->kind != POLICY_NODE_SEQ || v->n_kids == 0) {
		policy_diag_at(&c->d, v, "a port list name, a port, a range 8000:8100, or a list",
			       "'%s' must list ports, not %s", key,
			       v->kind == POLICY_NODE_SEQ ? "an empty list" :
							    policy_yaml_kind_name(v->kind));
		return false;
	}
	out[0] = '[';
	used = 1;
	bool ok = true;
	for (uint32_t i = 0; i < v->n_kids && ok; i++)
		ok = policy_value_port_elem(c, v->kids[i], key, out, outlen, &used);
	if (!ok)
		return false;
	if (used + 2 > outlen) {
		policy_diag_at(&c->d, v, NULL, "'%s': the port list is too long", key);
		return false;
	}
	out[used++] = ']';
	out[used] = '\0';
	return true;
}

bool
policy_value_ports(struct policy_ctx *c, const struct policy_node *v, const char *key,
		   struct net_port_set *out)
{
	char text[POLICY_PORT_TEXT], err[160] = "";
	if (!policy_value_port_text(c, v, key, text, sizeof(text)))
		return false;
	if (net_port_set_parse(text, strlen(text), policy_var_port, &c->p->vars, out, err,
			       sizeof(err)) != 0) {
		policy_diag_at(&c->d, v, "ports look like 443, 8000:8100, !8080, $HTTP_PORTS",
			       "'%s': %s", key, err);
		return false;
	}
	return true;
}

bool
policy_value_ips(struct policy_ctx *c, const struct policy_node *v, const char *key,
		 struct net_ip_set *out)
{
	char text[POLICY_PORT_TEXT], err[160] = "";
	size_t used = 0;
	if (v->kind == POLICY_NODE_SCALAR) {
		if (!policy_value_scalar(c, v, key))
			return false;
		if (strcmp(v->text, "all") == 0 || strcmp(v->text, "any") == 0) {
			net_ip_set_any(out);
			return true;
		}
		used = (size_t)snprintf(text, sizeof(text), "%s", v->text);
	} else if (v->kind == POLICY_NODE_SEQ && v->n_kids > 0) {
		text[used++] = '[';
		for (uint32_t i = 0; i < v->n_kids; i++) {
			const struct policy_node *k = v->kids[i];
			if (!policy_value_scalar(c, k, key))
				return false;
			int n = snprintf(text + used, sizeof(text) - used, "%s%s", i ? ", " : "",
					 k->text);
			if (n < 0 || (size_t)n >= sizeof(text) - used - 1)
				used = sizeof(text);
			else
				used += (size_t)n;
			if (used >= sizeof(text) - 1)
				break;
		}
		if (used < sizeof(text) - 1) {
			text[used++] = ']';
			text[used] = '\0';
		}
	} else {
		policy_diag_at(&c->d, v, "all, an address, a network 192.0.2.0/24, or a list",
			       "'%s' must name addresses, not %s", key,
			       v->kind == POLICY_NODE_SEQ ? "an empty list" :
							    policy_yaml_kind_name(v->kind));
		return false;
	}
	if (used >= sizeof(text) - 1) {
		policy_diag_at(&c->d, v, NULL, "'%s': the address list is too long", key);
		return false;
	}
	if (net_ip_set_parse(text, used, policy_var_addr, &c->p->vars, out, err, sizeof(err)) != 0) {
		policy_diag_at(&c->d, v, "addresses look like 192.0.2.1, 10.0.0.0/8, 2001:db8::/32",
			       "'%s': %s", key, err);
		return false;
	}
	return true;
}

static const char *
policy_var_find(const struct detect_var *vars, uint32_t n, const char *name, size_t len)
{
	for (uint32_t i = 0; i < n; i++)
		if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
			return vars[i].value;
	return NULL;
}

const char *
policy_var_port(void *ctx, const char *name, size_t len)
{
	const struct detect_vars *v = ctx;
	return policy_var_find(v->port, v->n_port, name, len);
}

const char *
policy_var_addr(void *ctx, const char *name, size_t len)
{
	const struct detect_vars *v = ctx;
	return policy_var_find(v->addr, v->n_addr, name, len);
}
