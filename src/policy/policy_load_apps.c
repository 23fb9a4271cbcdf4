/*
 * policy_load_apps: what decides which rules run — rule variables, named
 * port lists, application types and rule overrides.
 *
 * Port lists are kept as text too, so a list or an application type can
 * name one ("ports: HTTP") and the names become part of one Suricata port
 * expression, parsed once. The built-in application type "Web Server
 * Common" follows the port list "HTTP" unless its own ports are written;
 * writing an entry with its name changes only the keys given, as the seeds'
 * "override the inherited port list" does.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "policy/policy_int.h"

/* A variable name: letters, digits and '_', as rules write them after '$'. */
static bool
policy_load_apps_var_name_ok(const struct policy_node *k)
{
	if (k->kind != POLICY_NODE_SCALAR || k->len == 0 || k->len >= DETECT_VAR_NAME)
		return false;
	for (size_t i = 0; i < k->len; i++) {
		char ch = k->text[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return true;
}

/* A variable's value: a scalar, or a list joined into "[a, b]". */
static bool
policy_load_apps_var_text(struct policy_ctx *c, const struct policy_node *v, const char *key,
			  char *out, size_t outlen)
{
	if (v->kind == POLICY_NODE_SCALAR)
		return policy_value_str(c, v, key, out, outlen);
	if (v->kind != POLICY_NODE_SEQ || v->n_kids == 0) {
		policy_diag_at(&c->d, v, NULL, "variable %s must be a value or a list", key);
		return false;
	}
	size_t used = 0;
	out[used++] = '[';
	for (uint32_t i = 0; i < v->n_kids; i++) {
		if (!policy_value_scalar(c, v->kids[i], key))
			return false;
		int n = snprintf(out + used, outlen - used, "%s%s", i ? ", " : "", v->kids[i]->text);
		if (n < 0 || (size_t)n + 2 > outlen - used) {
			policy_diag_at(&c->d, v, NULL, "variable %s is longer than %zu characters", key,
				       outlen - 1);
			return false;
		}
		used += (size_t)n;
	}
	out[used++] = ']';
	out[used] = '\0';
	return true;
}

static void
policy_load_apps_vars(struct policy_ctx *c, const struct policy_node *v, bool port)
{
	const char *what = port ? "vars.port" : "vars.address";
	if (v->kind != POLICY_NODE_MAP) {
		policy_diag_at(&c->d, v, "NAME: value lines", "%s must be a mapping", what);
		return;
	}
	struct detect_vars *vars = &c->p->vars;
	char value[DETECT_VAR_VALUE];
	for (uint32_t i = 0; i + 1 < v->n_kids; i += 2) {
		const struct policy_node *k = v->kids[i];
		if (!policy_load_apps_var_name_ok(k)) {
			policy_diag_at(&c->d, k, "letters, digits and '_', as in HOME_NET",
				       "%s: bad variable name", what);
			continue;
		}
		if (!policy_load_apps_var_text(c, v->kids[i + 1], k->text, value, sizeof(value)))
			continue;
		if (detect_vars_set(vars, port, k->text, value) != 0)
			policy_diag_at(&c->d, k, NULL, "%s: too many variables (at most %u)", what,
				       DETECT_VARS_MAX);
	}
	/* Only now: values may name variables defined after them. */
	char err[160] = "";
	for (uint32_t i = 0; i + 1 < v->n_kids; i += 2) {
		const struct policy_node *k = v->kids[i];
		const char *text = policy_load_apps_var_name_ok(k) ?
					   (port ? policy_var_port(vars, k->text, k->len) :
						   policy_var_addr(vars, k->text, k->len)) :
					   NULL;
		if (!text)
			continue;
		int rc;
		err[0] = '\0';
		if (port) {
			struct net_port_set ps;
			rc = net_port_set_parse(text, strlen(text), policy_var_port, vars, &ps, err,
						sizeof(err));
		} else {
			struct net_ip_set is;
			rc = net_ip_set_parse(text, strlen(text), policy_var_addr, vars, &is, err,
					      sizeof(err));
		}
		if (rc != 0)
			policy_diag_at(&c->d, v->kids[i + 1], NULL, "variable %s: %s", k->text, err);
	}
}

void
policy_load_apps_vars_addr(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	(void)base;
	policy_load_apps_vars(c, v, false);
}

void
policy_load_apps_vars_port(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	(void)base;
	policy_load_apps_vars(c, v, true);
}

void
policy_load_apps_list_ports(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_port_list *l = base;
	char err[160] = "";
	if (!policy_value_port_text(c, v, "ports", c->cur_port_text, sizeof(c->cur_port_text))) {
		c->cur_port_text[0] = '\0';
		return;
	}
	if (net_port_set_parse(c->cur_port_text, strlen(c->cur_port_text), policy_var_port,
			       &c->p->vars, &l->ports, err, sizeof(err)) != 0) {
		policy_diag_at(&c->d, v, "ports look like 443, 8000:8100, !8080, $HTTP_PORTS",
			       "'ports': %s", err);
		c->cur_port_text[0] = '\0';
	}
}

/* Checks that v is a non-empty list; reports what it must hold. */
static bool
policy_load_apps_is_list(struct policy_ctx *c, const struct policy_node *v, const char *key,
			 const char *hint)
{
	if (v->kind == POLICY_NODE_SEQ)
		return true;
	policy_diag_at(&c->d, v, hint, "'%s' must be a list, not %s", key,
		       policy_yaml_kind_name(v->kind));
	return false;
}

static void
policy_load_apps_port_list(struct policy_ctx *c, const struct policy_node *item, uint32_t i)
{
	struct policy *p = c->p;
	struct policy_port_list t;
	memset(&t, 0, sizeof(t));
	c->cur_port_text[0] = '\0';
	char what[48];
	snprintf(what, sizeof(what), "port-lists entry %u", i + 1);
	policy_keys_apply(c, policy_keys_port_list, what, item, &t);
	if (t.name[0] == '\0')
		return;
	t.line = item->line;
	const struct policy_node *name = policy_keys_find(item, "name");
	int idx = policy_port_list_find(p, t.name);
	if (idx >= 0 && c->port_user[idx]) {
		policy_diag_at(&c->d, name, NULL, "port list '%s' is defined twice (first at line %u)",
			       t.name, p->port_lists[idx].line);
		return;
	}
	if (idx < 0) {
		if (p->n_port_lists == POLICY_MAX_PORT_LISTS) {
			policy_diag_at(&c->d, item, NULL, "more than %u port lists",
				       POLICY_MAX_PORT_LISTS);
			return;
		}
		idx = (int)p->n_port_lists++;
	}
	/* A list of the same name as a built-in one replaces it. */
	p->port_lists[idx] = t;
	c->port_user[idx] = true;
	memcpy(c->port_text[idx], c->cur_port_text, sizeof(c->port_text[idx]));
}

void
policy_load_apps_port_lists(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	(void)base;
	if (!policy_load_apps_is_list(c, v, "port-lists", "each entry starts with '- name: ...'"))
		return;
	for (uint32_t i = 0; i < v->n_kids; i++)
		policy_load_apps_port_list(c, v->kids[i], i);
}

void
policy_load_apps_enabled(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	(void)base;
	bool b;
	if (policy_value_bool(c, v, "enabled", &b))
		c->app_disabled = !b;
}

void
policy_load_apps_protocol(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	static const struct policy_enum_name names[] = { { "http", 0 }, { NULL, 0 } };
	struct policy_app_type *a = base;
	int e;
	if (policy_value_enum(c, v, "protocol", names, &e))
		snprintf(a->protocol, sizeof(a->protocol), "%s", names[e].name);
}

void
policy_load_apps_ports(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_app_type *a = base;
	(void)policy_value_ports(c, v, "ports", &a->ports);
}

void
policy_load_apps_rules(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_app_type *a = base;
	const struct policy_node *one[1] = { v };
	const struct policy_node *const *items = v->kind == POLICY_NODE_SEQ ? (const struct policy_node *const *)v->kids : one;
	uint32_t n = v->kind == POLICY_NODE_SEQ ? v->n_kids : 1;
	policy_app_clear_rule_files(a);
	if (n == 0 || n > POLICY_MAX_RULE_FILES) {
		policy_diag_at(&c->d, v, "builtin names the built-in rules",
			       "'rules' must list 1 to %u rule files", POLICY_MAX_RULE_FILES);
		return;
	}
	char path[POLICY_PATH];
	for (uint32_t i = 0; i < n; i++) {
		if (!policy_value_scalar(c, items[i], "rules"))
			continue;
		if (strcmp(items[i]->text, POLICY_BUILTIN_RULES) == 0) {
			a->rule_files[a->n_rule_files++] = (char *)policy_builtin_rules_name;
			continue;
		}
		/* Existence only here; policy_build_rules loads them. */
		if (!policy_value_path(c, items[i], "rules", path, sizeof(path)) ||
		    !policy_load_file_check(c, items[i], "rules", path, false))
			continue;
		char *dup = strdup(path);
		if (!dup) {
			policy_diag_at(&c->d, items[i], NULL, "out of memory");
			continue;
		}
		a->rule_files[a->n_rule_files++] = dup;
	}
}

/* Reads one entry of app-types into the next slot; saved is the built-in type. */
static void
policy_load_apps_type(struct policy_ctx *c, const struct policy_node *item, uint32_t i,
		      const struct policy_app_type *saved, bool *builtin_seen)
{
	struct policy *p = c->p;
	if (p->n_app_types == POLICY_MAX_APP_TYPES) {
		policy_diag_at(&c->d, item, NULL, "more than %u application types",
			       POLICY_MAX_APP_TYPES);
		return;
	}
	uint32_t n = p->n_app_types;
	struct policy_app_type *a = &p->app_types[n];
	const struct policy_node *name = policy_keys_find(item, "name");
	bool builtin = name && name->kind == POLICY_NODE_SCALAR &&
		       strcmp(name->text, POLICY_BUILTIN_APP) == 0 && !*builtin_seen;
	memset(a, 0, sizeof(*a));
	if (builtin) {
		*a = *saved; /* its rule files are the shared "builtin" string: nothing owned */
		*builtin_seen = true;
	} else {
		snprintf(a->protocol, sizeof(a->protocol), "http");
		a->monitor_responses = true;
	}
	c->app_disabled = false;
	char what[48 + POLICY_NAME];
	snprintf(what, sizeof(what), "app-types entry %u", i + 1);
	policy_keys_apply(c, policy_keys_app_type, what, item, a);
	a->line = item->line;
	const struct policy_node *ports = policy_keys_find(item, "ports");
	if (builtin && ports)
		c->builtin_ports_given = true;
	if (c->app_disabled) {
		policy_app_clear_rule_files(a);
		memset(a, 0, sizeof(*a));
		return;
	}
	if (!builtin && item->kind == POLICY_NODE_MAP) {
		if (!ports)
			policy_diag_at(&c->d, item, "a port list name, ports or a list",
				       "%s needs the key 'ports'", what);
		if (!policy_keys_find(item, "rules"))
			policy_diag_at(&c->d, item, "builtin names the built-in rules",
				       "%s needs the key 'rules'", what);
	}
	for (uint32_t j = 0; j < n && a->name[0]; j++)
		if (strcmp(p->app_types[j].name, a->name) == 0)
			policy_diag_at(&c->d, name, NULL,
				       "application type '%s' is defined twice (first at line %u)",
				       a->name, p->app_types[j].line);
	c->app_node[n] = item;
	c->app_ports_node[n] = ports;
	p->n_app_types++;
}

void
policy_load_apps_types(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy *p = base;
	if (!policy_load_apps_is_list(c, v, "app-types", "each entry starts with '- name: ...'"))
		return;
	/* Only the defaults are here yet: their rule files are not owned. */
	struct policy_app_type saved;
	memset(&saved, 0, sizeof(saved));
	bool have_builtin = false;
	for (uint32_t i = 0; i < p->n_app_types && !have_builtin; i++)
		if (strcmp(p->app_types[i].name, POLICY_BUILTIN_APP) == 0) {
			saved = p->app_types[i];
			have_builtin = true;
		}
	p->n_app_types = 0;
	bool builtin_seen = !have_builtin;
	for (uint32_t i = 0; i < v->n_kids; i++)
		policy_load_apps_type(c, v->kids[i], i, &saved, &builtin_seen);
	/* Not mentioned: the built-in type stays, after the user's (which win on a port). */
	if (!builtin_seen && p->n_app_types < POLICY_MAX_APP_TYPES)
		p->app_types[p->n_app_types++] = saved;
}

void
policy_load_apps_action(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	static const struct policy_enum_name names[] = {
		{ "detect", DETECT_ACTION_ALERT }, { "prevent", DETECT_ACTION_DROP }, { NULL, 0 }
	};
	struct policy_override *o = base;
	int e;
	if (policy_value_enum(c, v, "action", names, &e)) {
		o->set_action = true;
		o->action = (enum detect_action)e;
	}
}

void
policy_load_apps_overrides(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy *p = base;
	if (!policy_load_apps_is_list(c, v, "rule-overrides", "each entry starts with '- sid: ...'"))
		return;
	if (v->n_kids > POLICY_MAX_OVERRIDES) {
		policy_diag_at(&c->d, v, NULL, "more than %u rule overrides", POLICY_MAX_OVERRIDES);
		return;
	}
	if (v->n_kids == 0)
		return;
	p->overrides = calloc(v->n_kids, sizeof(*p->overrides));
	if (!p->overrides) {
		policy_diag_at(&c->d, v, NULL, "out of memory");
		return;
	}
	for (uint32_t i = 0; i < v->n_kids; i++) {
		const struct policy_node *item = v->kids[i];
		struct policy_override *o = &p->overrides[p->n_overrides];
		char what[48];
		snprintf(what, sizeof(what), "rule-overrides entry %u", i + 1);
		uint32_t errors = c->d.errors;
		memset(o, 0, sizeof(*o));
		policy_keys_apply(c, policy_keys_override, what, item, o);
		if (c->d.errors != errors)
			continue;
		o->line = item->line;
		if (!policy_keys_find(item, "sid")) {
			policy_diag_at(&c->d, item, NULL, "%s needs the key 'sid'", what);
			continue;
		}
		if (o->disable == o->set_action) {
			policy_diag_at(&c->d, item, "give either disable: true or action: detect|prevent",
				       "the override of sid %u %s", o->sid,
				       o->disable ? "both disables and changes the rule" : "changes nothing");
			continue;
		}
		for (uint32_t j = 0; j < p->n_overrides; j++)
			if (p->overrides[j].sid == o->sid)
				policy_diag_at(&c->d, item, NULL, "sid %u is overridden twice (first at line %u)",
					       o->sid, p->overrides[j].line);
		p->n_overrides++;
	}
}
