/*
 * policy_load_tls: TLS inspection entries, the seeds' SSL configuration
 * wizard as YAML — interfaces, ports (or a port list), server addresses,
 * then credentials (server key mode) and/or key log mode, and what to do
 * with sessions that cannot be decrypted.
 *
 * Files named here are checked for existence, readability and (keys and
 * pass files) permissions; the keys themselves are loaded by the tls
 * module when tlsips starts, so `tlsips check` reports bad pass phrases.
 */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/num.h"
#include "policy/policy_int.h"

/* Where the key socket is when keylog gives none (docs/keylog.md). */
#define POLICY_KEYLOG_SOCKET "/run/tlsips/keys.sock"
/* sockaddr_un.sun_path holds 108 bytes with the NUL. */
enum { POLICY_SUN_PATH = 108 };

/* A scalar or a list, as items. */
static uint32_t
policy_load_tls_items(const struct policy_node *v, const struct policy_node *const **out_items,
		      const struct policy_node **one)
{
	if (v->kind == POLICY_NODE_SEQ) {
		*out_items = (const struct policy_node *const *)v->kids;
		return v->n_kids;
	}
	*one = v;
	*out_items = one;
	return 1;
}

void
policy_load_tls_ifaces(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_tls_entry *e = base;
	if (v->kind == POLICY_NODE_SCALAR && strcmp(v->text, "all") == 0) {
		e->all_ifaces = true;
		return;
	}
	const struct policy_node *one, *const *items;
	uint32_t n = policy_load_tls_items(v, &items, &one);
	if (n == 0 || n > POLICY_MAX_IFACES) {
		policy_diag_at(&c->d, v, "all, or a list of interface names",
			       "'interfaces' must list 1 to %u interfaces", POLICY_MAX_IFACES);
		return;
	}
	e->all_ifaces = false;
	e->n_ifaces = 0;
	for (uint32_t i = 0; i < n; i++) {
		char *slot = e->ifaces[e->n_ifaces];
		if (!policy_load_iface_name(c, items[i], "interfaces", slot, sizeof(e->ifaces[0])))
			continue;
		bool dup = false;
		for (uint32_t j = 0; j < e->n_ifaces; j++)
			dup |= strcmp(e->ifaces[j], slot) == 0;
		if (dup)
			policy_diag_at(&c->d, items[i], NULL, "interface '%s' is listed twice", slot);
		else
			e->n_ifaces++;
	}
}

void
policy_load_tls_ports(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_tls_entry *e = base;
	(void)policy_value_ports(c, v, "ports", &e->ports);
}

void
policy_load_tls_ips(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_tls_entry *e = base;
	(void)policy_value_ips(c, v, "ips", &e->ips);
}

/* A file path key of a credential; secret files are checked for permissions. */
static void
policy_load_tls_file(struct policy_ctx *c, const struct policy_node *v, const char *key,
		     char *out, size_t outlen, bool secret)
{
	if (!policy_value_path(c, v, key, out, outlen))
		return;
	(void)policy_load_file_check(c, v, key, out, secret);
}

void
policy_load_tls_key(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_credential *cr = base;
	policy_load_tls_file(c, v, "key", cr->key_path, sizeof(cr->key_path), true);
}

void
policy_load_tls_pass_file(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_credential *cr = base;
	policy_load_tls_file(c, v, "pass-file", cr->pass_file, sizeof(cr->pass_file), true);
}

void
policy_load_tls_cert(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_credential *cr = base;
	policy_load_tls_file(c, v, "cert", cr->cert_path, sizeof(cr->cert_path), false);
}

void
policy_load_tls_credentials(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_tls_entry *e = base;
	if (v->kind != POLICY_NODE_SEQ || v->n_kids == 0 || v->n_kids > POLICY_MAX_CREDENTIALS) {
		policy_diag_at(&c->d, v, "each credential starts with '- key: PATH'",
			       "'credentials' must be a list of 1 to %u keys", POLICY_MAX_CREDENTIALS);
		return;
	}
	for (uint32_t i = 0; i < v->n_kids; i++) {
		struct policy_credential *cr = &e->credentials[e->n_credentials++];
		char what[48];
		snprintf(what, sizeof(what), "credentials entry %u", i + 1);
		policy_keys_apply(c, policy_keys_credential, what, v->kids[i], cr);
		cr->line = v->kids[i]->line;
	}
}

void
policy_load_tls_keylog(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_tls_entry *e = base;
	snprintf(e->keylog_socket, sizeof(e->keylog_socket), "%s", POLICY_KEYLOG_SOCKET);
	if (v->kind == POLICY_NODE_SCALAR) {
		/* keylog: false turns it off; true alone lacks the peers (reported later). */
		(void)policy_value_bool(c, v, "keylog", &e->keylog);
		return;
	}
	e->keylog = true;
	policy_keys_apply(c, policy_keys_keylog, "keylog", v, e);
}

void
policy_load_tls_socket(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_tls_entry *e = base;
	if (!policy_value_scalar(c, v, "socket"))
		return;
	if (v->text[0] != '/' || v->len >= POLICY_SUN_PATH) {
		policy_diag_at(&c->d, v, "e.g. " POLICY_KEYLOG_SOCKET,
			       "'socket' must be an absolute path shorter than %u characters",
			       POLICY_SUN_PATH);
		return;
	}
	memcpy(e->keylog_socket, v->text, v->len + 1);
}

/* A uid or gid: a number, or a name looked up in the system's databases. */
static bool
policy_load_tls_id(struct policy_ctx *c, const struct policy_node *v, bool group, uint32_t *out)
{
	const char *key = group ? "groups" : "uids";
	if (!policy_value_scalar(c, v, key))
		return false;
	uint64_t n;
	if (num_parse_u64(v->text, v->len, 0, UINT32_MAX - 1, &n) == 0) {
		*out = (uint32_t)n;
		return true;
	}
	/* Groups with many members need a large buffer; ERANGE would read as "no group". */
	char buf[16384];
	if (group) {
		struct group gr, *res = NULL;
		if (getgrnam_r(v->text, &gr, buf, sizeof(buf), &res) == 0 && res) {
			*out = (uint32_t)res->gr_gid;
			return true;
		}
	} else {
		struct passwd pw, *res = NULL;
		if (getpwnam_r(v->text, &pw, buf, sizeof(buf), &res) == 0 && res) {
			*out = (uint32_t)res->pw_uid;
			return true;
		}
	}
	policy_diag_at(&c->d, v, "a number, or a name known to this system", "'%s': no %s '%s'",
		       key, group ? "group" : "user", v->text);
	return false;
}

static void
policy_load_tls_ids(struct policy_ctx *c, const struct policy_node *v, bool group,
		    uint32_t *ids, uint32_t *n_ids)
{
	const struct policy_node *one, *const *items;
	uint32_t n = policy_load_tls_items(v, &items, &one);
	if (n == 0 || n > POLICY_MAX_PEERS) {
		policy_diag_at(&c->d, v, NULL, "'%s' must list 1 to %u ids", group ? "groups" : "uids",
			       POLICY_MAX_PEERS);
		return;
	}
	*n_ids = 0;
	for (uint32_t i = 0; i < n; i++)
		if (policy_load_tls_id(c, items[i], group, &ids[*n_ids]))
			(*n_ids)++;
}

void
policy_load_tls_uids(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_tls_entry *e = base;
	policy_load_tls_ids(c, v, false, e->peer_uids, &e->n_peer_uids);
}

void
policy_load_tls_groups(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy_tls_entry *e = base;
	policy_load_tls_ids(c, v, true, e->peer_gids, &e->n_peer_gids);
}

static void
policy_load_tls_entry(struct policy_ctx *c, const struct policy_node *item, uint32_t i)
{
	struct policy *p = c->p;
	uint32_t n = p->n_tls;
	struct policy_tls_entry *e = &p->tls[n];
	e->all_ifaces = true;
	net_ip_set_any(&e->ips);
	e->undecryptable = e->ssl3 = e->key_timeout = POLICY_FALLBACK_BLOCK;
	const struct policy_node *name = policy_keys_find(item, "name");
	char what[48 + POLICY_NAME];
	if (name && name->kind == POLICY_NODE_SCALAR && name->len < POLICY_NAME)
		snprintf(what, sizeof(what), "tls-inspection entry '%s'", name->text);
	else
		snprintf(what, sizeof(what), "tls-inspection entry %u", i + 1);
	policy_keys_apply(c, policy_keys_tls, what, item, e);
	e->line = item->line;
	for (uint32_t j = 0; j < n && e->name[0]; j++)
		if (strcmp(p->tls[j].name, e->name) == 0)
			policy_diag_at(&c->d, name, NULL,
				       "tls-inspection entry '%s' is defined twice (first at line %u)",
				       e->name, p->tls[j].line);
	c->tls_node[n] = item;
	c->tls_ports_node[n] = policy_keys_find(item, "ports");
	p->n_tls++;
}

void
policy_load_tls_entries(struct policy_ctx *c, const struct policy_node *v, void *base)
{
	struct policy *p = base;
	if (v->kind != POLICY_NODE_SEQ) {
		policy_diag_at(&c->d, v, "each entry starts with '- name: ...'",
			       "'tls-inspection' must be a list, not %s", policy_yaml_kind_name(v->kind));
		return;
	}
	if (v->n_kids > POLICY_MAX_TLS_ENTRIES) {
		policy_diag_at(&c->d, v, NULL, "more than %u tls-inspection entries",
			       POLICY_MAX_TLS_ENTRIES);
		return;
	}
	if (v->n_kids == 0)
		return;
	p->tls = calloc(v->n_kids, sizeof(*p->tls));
	if (!p->tls) {
		policy_diag_at(&c->d, v, NULL, "out of memory");
		return;
	}
	for (uint32_t i = 0; i < v->n_kids; i++)
		policy_load_tls_entry(c, v->kids[i], i);
}
