/*
 * policy_load: reading a policy file — the top level, capture (inline or
 * tap), outputs, user — and the checks on files it names. Application
 * types and port lists are read in policy_load_apps.c, TLS inspection
 * entries in policy_load_tls.c, cross-checks in policy_validate.c.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/num.h"
#include "policy/policy_int.h"

bool
policy_load_file_check(struct policy_ctx *c, const struct policy_node *v, const char *key,
		       const char *path, bool secret)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		policy_diag_at(&c->d, v, errno == ENOENT ? "relative paths start at the policy file's folder" : NULL,
			       "'%s': cannot use '%s': %s", key, path, strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		policy_diag_at(&c->d, v, NULL, "'%s': '%s' is not a regular file", key, path);
		return false;
	}
	if (access(path, R_OK) != 0) {
		policy_diag_at(&c->d, v, "run the check as the user tlsips runs as",
			       "'%s': cannot read '%s': %s", key, path, strerror(errno));
		return false;
	}
	if (secret && (st.st_mode & (S_IROTH | S_IWOTH))) {
		char hint[POLICY_PATH + 32];
		snprintf(hint, sizeof(hint), "chmod o-rwx %s", path);
		if (c->p->key_perms_refuse) {
			policy_diag_at(&c->d, v, hint, "'%s': '%s' is readable or writable by others", key,
				       path);
			return false;
		}
		policy_diag_warn(&c->d, v->line, v->col, hint,
				 "'%s': '%s' is readable or writable by others", key, path);
	}
	return true;
}

bool
policy_load_iface_name(struct policy_ctx *c, const struct policy_node *v, const char *key,
		       char *out, size_t outlen)
{
	/* IFNAMSIZ is 16 with the NUL; names hold no '/', ':' or spaces. */
	if (!policy_value_scalar(c, v, key))
		return false;
	bool ok = v->len < 16 && v->len < outlen && strcmp(v->text, ".") != 0 &&
		  strcmp(v->text, "..") != 0;
	for (size_t i = 0; i < v->len && ok; i++)
		ok = v->text[i] > ' ' && v->text[i] < 0x7f && v->text[i] != '/' && v->text[i] != ':';
	if (!ok) {
		policy_diag_at(&c->d, v, "at most 15 characters, no '/', ':' or spaces",
			       "'%s': '%s' is not an interface name", key, v->text);
		return false;
	}
	memcpy(out, v->text, v->len + 1);
	return true;
}

void
policy_load_capture(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	static const struct policy_enum_name names[] = { { "inline", 1 }, { "tap", 0 }, { NULL, 0 } };
	struct policy *p = base;
	int e;
	c->capture_node = v;
	if (policy_value_enum(c, v, "capture", names, &e)) {
		p->inline_mode = e != 0;
		c->capture_tap = e == 0;
	}
}

void
policy_load_inline(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	c->inline_node = v;
	policy_keys_apply(c, policy_keys_inline, "inline", v, base);
}

void
policy_load_tap(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	c->tap_node = v;
	policy_keys_apply(c, policy_keys_tap, "tap", v, base);
}

void
policy_load_iface(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy *p = base;
	(void)policy_load_iface_name(c, v, "interface", p->tap_iface, sizeof(p->tap_iface));
}

void
policy_load_queues(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy *p = base;
	const struct policy_node *one[1] = { v };
	const struct policy_node *const *items = v->kind == POLICY_NODE_SEQ ? (const struct policy_node *const *)v->kids : one;
	uint32_t n = v->kind == POLICY_NODE_SEQ ? v->n_kids : 1;
	if (n == 0 || n > POLICY_MAX_QUEUES) {
		policy_diag_at(&c->d, v, NULL, "'queues' must list 1 to %u queue numbers",
			       POLICY_MAX_QUEUES);
		return;
	}
	p->n_queues = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t q;
		if (!policy_value_uint(c, items[i], "queues", 0, 65535, &q))
			continue;
		bool dup = false;
		for (uint32_t j = 0; j < p->n_queues; j++)
			dup |= p->queues[j] == q;
		if (dup) {
			policy_diag_at(&c->d, items[i], NULL, "queue %u is listed twice", (unsigned)q);
			continue;
		}
		p->queues[p->n_queues++] = (uint16_t)q;
	}
}

/*
 * inline: bypass-mark: a 32-bit mark mask, hexadecimal (0x100) as iptables
 * prints marks, or decimal; 0 turns the response bypass off.
 */
void
policy_load_bypass_mark(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy *p = base;
	if (!policy_value_scalar(c, v, "bypass-mark"))
		return;
	uint64_t m = 0;
	bool hex = v->len > 2 && v->text[0] == '0' && (v->text[1] == 'x' || v->text[1] == 'X');
	bool ok = hex ? v->len <= 10 : num_parse_u64(v->text, v->len, 0, UINT32_MAX, &m) == 0;
	for (size_t i = 2; hex && ok && i < v->len; i++) {
		int d = num_hex_digit(v->text[i]);
		ok = d >= 0;
		m = m << 4 | (uint64_t)(d >= 0 ? d : 0);
	}
	if (!ok) {
		policy_diag_at(&c->d, v, "a mark mask such as 0x100 (hexadecimal, up to 32 bits) or 0 for off",
			       "'bypass-mark' must be a 32-bit number, not '%s'", v->text);
		return;
	}
	p->bypass_mark = (uint32_t)m;
}

void
policy_load_events(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	static const struct policy_enum_name names[] = {
		{ "alert", POLICY_EVENT_ALERT }, { "tls", POLICY_EVENT_TLS },
		{ "http", POLICY_EVENT_HTTP },   { "stats", POLICY_EVENT_STATS },
		{ "all", POLICY_EVENT_ALL },     { NULL, 0 }
	};
	struct policy_output *o = base;
	const struct policy_node *one[1] = { v };
	const struct policy_node *const *items = v->kind == POLICY_NODE_SEQ ? (const struct policy_node *const *)v->kids : one;
	uint32_t n = v->kind == POLICY_NODE_SEQ ? v->n_kids : 1;
	if (n == 0) {
		policy_diag_at(&c->d, v, "alert, tls, http, stats or all", "'events' is empty");
		return;
	}
	uint32_t bits = 0;
	for (uint32_t i = 0; i < n; i++) {
		int e;
		if (policy_value_enum(c, items[i], "events", names, &e))
			bits |= (uint32_t)e;
	}
	o->events = bits;
}

/* One entry of outputs; base is its slot. */
static void
policy_load_output(struct policy_ctx *c, const struct policy_node *v, uint32_t idx)
{
	struct policy_output *o = &c->p->outputs[idx];
	memset(o, 0, sizeof(*o));
	o->events = POLICY_EVENT_ALERT | POLICY_EVENT_TLS | POLICY_EVENT_STATS;
	o->type = POLICY_OUTPUT_STDOUT;
	c->output_node[idx] = v;
	char what[48];
	snprintf(what, sizeof(what), "outputs entry %u", idx + 1);
	if (v->kind == POLICY_NODE_MAP && !policy_keys_find(v, "type")) {
		policy_diag_at(&c->d, v, "file, stdout or unix", "%s needs the key 'type'", what);
		return;
	}
	uint32_t errors = c->d.errors;
	policy_keys_apply(c, policy_keys_output, what, v, o);
	if (c->d.errors != errors)
		return;
	const struct policy_node *path = policy_keys_find(v, "path");
	if (o->type == POLICY_OUTPUT_STDOUT && path)
		policy_diag_at(&c->d, path, "remove it, or use type: file", "stdout takes no 'path'");
	else if (o->type != POLICY_OUTPUT_STDOUT && !path)
		policy_diag_at(&c->d, v, NULL, "%s needs the key 'path'", what);
	else if (o->type == POLICY_OUTPUT_UNIX && path->text[0] != '/')
		policy_diag_at(&c->d, path, NULL, "a Unix socket path must be absolute");
	for (uint32_t j = 0; j < idx && path; j++)
		if (c->p->outputs[j].type != POLICY_OUTPUT_STDOUT &&
		    strcmp(c->p->outputs[j].path, o->path) == 0)
			policy_diag_at(&c->d, path, NULL, "outputs %u and %u both write to '%s'",
				       j + 1, idx + 1, o->path);
}

void
policy_load_outputs(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy *p = base;
	if (v->kind != POLICY_NODE_SEQ) {
		policy_diag_at(&c->d, v, "each entry starts with '- type: ...'",
			       "'outputs' must be a list, not %s", policy_yaml_kind_name(v->kind));
		return;
	}
	if (v->n_kids > POLICY_MAX_OUTPUTS) {
		policy_diag_at(&c->d, v, NULL, "more than %u outputs", POLICY_MAX_OUTPUTS);
		return;
	}
	p->n_outputs = v->n_kids;
	for (uint32_t i = 0; i < v->n_kids; i++)
		policy_load_output(c, v->kids[i], i);
}

void
policy_load_user(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy *p = base;
	c->user_node = v;
	if (!policy_value_str(c, v, "user", p->user, sizeof(p->user)))
		return;
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwnam_r(p->user, &pw, buf, sizeof(buf), &res) != 0 || !res)
		policy_diag_at(&c->d, v, "create it, or remove 'user' to keep running as the caller",
			       "'user': no user '%s' on this system", p->user);
}

void
policy_load_classification(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy *p = base;
	c->classification_node = v;
	if (policy_value_path(c, v, "classification", p->classification, sizeof(p->classification)))
		(void)policy_load_file_check(c, v, "classification", p->classification, false);
}

/* A set as Suricata text, for the built-in port lists ("[80, 443]"). */
static void
policy_load_port_set_text(const struct net_port_set *s, char *out, size_t outlen)
{
	size_t used = 0;
	out[0] = '\0';
	for (uint32_t i = 0; i < s->n_incl + s->n_excl; i++) {
		const struct net_port_range *r = i < s->n_incl ? &s->incl[i] : &s->excl[i - s->n_incl];
		const char *neg = i < s->n_incl ? "" : "!";
		int n = r->lo == r->hi ?
				snprintf(out + used, outlen - used, "%s%s%u", used ? ", " : "[", neg,
					 (unsigned)r->lo) :
				snprintf(out + used, outlen - used, "%s%s%u:%u", used ? ", " : "[", neg,
					 (unsigned)r->lo, (unsigned)r->hi);
		if (n < 0 || (size_t)n >= outlen - used - 1)
			return;
		used += (size_t)n;
	}
	snprintf(out + used, outlen - used, "%s", used ? "]" : "any");
}

/* The directory part of name ("" when there is none). */
static void
policy_load_dir(char *out, size_t outlen, const char *name)
{
	const char *slash = strrchr(name, '/');
	size_t n = slash ? (size_t)(slash - name) : 0;
	if (slash == name)
		n = 1; /* "/x.yaml": the root */
	if (n >= outlen)
		n = 0;
	memcpy(out, name, n);
	out[n] = '\0';
}

int
policy_load_mem(struct policy *out, const char *name, const char *text, size_t len, FILE *diag)
{
	struct policy_ctx *c = calloc(1, sizeof(*c));
	struct policy *p = malloc(sizeof(*p));
	struct policy_node *root = NULL;
	int rc = TLSIPS_ENOMEM;
	policy_default(out);
	if (!c || !p)
		goto out;
	policy_default(p);
	snprintf(p->path, sizeof(p->path), "%s", name);
	c->p = p;
	c->d.out = diag;
	c->d.file = name;
	policy_load_dir(c->dir, sizeof(c->dir), name);
	for (uint32_t i = 0; i < p->n_port_lists; i++)
		policy_load_port_set_text(&p->port_lists[i].ports, c->port_text[i],
					  sizeof(c->port_text[i]));
	rc = policy_yaml_parse(text, len, &c->d, &root);
	if (rc != 0)
		goto out;
	/* A file that holds nothing (or only "---") is the defaults. */
	if (!policy_yaml_is_null(root))
		policy_keys_apply(c, policy_keys_top, "the policy", root, p);
	policy_validate(c);
	if (c->d.errors) {
		rc = TLSIPS_ECONFIG;
		goto out;
	}
	policy_fini(out);
	*out = *p;
	free(p);
	p = NULL;
	rc = 0;
out:
	if (p) {
		policy_fini(p);
		free(p);
	}
	policy_yaml_free(root);
	free(c);
	return rc == TLSIPS_ENOMEM ? TLSIPS_ENOMEM : rc ? TLSIPS_ECONFIG : 0;
}

int
policy_load(struct policy *out, const char *path, FILE *diag)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		policy_default(out);
		if (diag)
			fprintf(diag, "%s: error: cannot open: %s\n", path, strerror(errno));
		return TLSIPS_ECONFIG;
	}
	size_t cap = POLICY_YAML_MAX_INPUT + 1, len = 0, n;
	char *text = malloc(cap);
	if (!text) {
		fclose(f);
		policy_default(out);
		return TLSIPS_ENOMEM;
	}
	while (len < cap && (n = fread(text + len, 1, cap - len, f)) > 0)
		len += n;
	bool err = ferror(f) != 0;
	fclose(f);
	if (err) {
		free(text);
		policy_default(out);
		if (diag)
			fprintf(diag, "%s: error: cannot read\n", path);
		return TLSIPS_ECONFIG;
	}
	/* len == cap: larger than the limit; the parser reports it. */
	int rc = policy_load_mem(out, path, text, len, diag);
	free(text);
	return rc;
}
