/*
 * policy_keys: every key of the policy file as a row (name, type, field,
 * bounds, help), and the one walker that reads a YAML mapping with a table.
 * docs/config.md describes the same rows; a unit test checks that every key
 * here appears there.
 */
#include <stddef.h>
#include <string.h>

#include "policy/policy_int.h"

#define FSIZE(T, m) sizeof(((T *)0)->m)
#define K_UINT(T, key, m, lo, hi, h) { key, POLICY_KT_UINT, offsetof(T, m), FSIZE(T, m), lo, hi, NULL, NULL, NULL, false, h }
#define K_SIZE(T, key, m, lo, hi, h) { key, POLICY_KT_SIZE, offsetof(T, m), FSIZE(T, m), lo, hi, NULL, NULL, NULL, false, h }
#define K_SEC(T, key, m, lo, hi, h) { key, POLICY_KT_SEC, offsetof(T, m), FSIZE(T, m), lo, hi, NULL, NULL, NULL, false, h }
#define K_USEC(T, key, m, lo, hi, h) { key, POLICY_KT_USEC, offsetof(T, m), FSIZE(T, m), lo, hi, NULL, NULL, NULL, false, h }
#define K_BOOL(T, key, m, h) { key, POLICY_KT_BOOL, offsetof(T, m), FSIZE(T, m), 0, 0, NULL, NULL, NULL, false, h }
#define K_STR(T, key, m, req, h) { key, POLICY_KT_STR, offsetof(T, m), FSIZE(T, m), 0, 0, NULL, NULL, NULL, req, h }
#define K_ENUM(T, key, m, names, h) { key, POLICY_KT_ENUM, offsetof(T, m), FSIZE(T, m), 0, 0, names, NULL, NULL, false, h }
#define K_SECT(key, sub, h) { key, POLICY_KT_SECTION, 0, 0, 0, 0, NULL, sub, NULL, false, h }
#define K_PATH(T, key, m, req, h) { key, POLICY_KT_PATH, offsetof(T, m), FSIZE(T, m), 0, 0, NULL, NULL, NULL, req, h }
#define K_FN(key, fn, req, h) { key, POLICY_KT_FN, 0, 0, 0, 0, NULL, NULL, fn, req, h }
#define K_END { NULL, POLICY_KT_SECTION, 0, 0, 0, 0, NULL, NULL, NULL, false, NULL }

enum { POLICY_KEYS_MAX_ROWS = 64 };

static const struct policy_enum_name policy_names_mode[] = {
	{ "prevent", POLICY_MODE_PREVENT }, { "detect", POLICY_MODE_DETECT }, { NULL, 0 }
};
static const struct policy_enum_name policy_names_fallback[] = {
	{ "block", POLICY_FALLBACK_BLOCK },
	{ "allow", POLICY_FALLBACK_ALLOW },
	{ "detect", POLICY_FALLBACK_DETECT },
	{ NULL, 0 }
};
static const struct policy_enum_name policy_names_key_files[] = {
	{ "refuse", 1 }, { "warn", 0 }, { NULL, 0 }
};
static const struct policy_enum_name policy_names_output[] = {
	{ "file", POLICY_OUTPUT_FILE },
	{ "stdout", POLICY_OUTPUT_STDOUT },
	{ "unix", POLICY_OUTPUT_UNIX },
	{ NULL, 0 }
};

#define P struct policy
const struct policy_key policy_keys_limits[] = {
	K_UINT(P, "flows", limits.net.max_flows, 16, 1u << 24, "flows tracked at once; a full table evicts the least recently seen"),
	K_SEC(P, "flow-timeout", limits.net.idle_timeout_sec, 1, 86400, "a flow idle this long is closed"),
	K_SIZE(P, "reassembly-bytes", limits.net.max_ooo_bytes_flow, 4096, 1u << 30, "out-of-order bytes queued per direction of a flow"),
	K_SIZE(P, "reassembly-bytes-total", limits.net.max_ooo_bytes_total, 65536, 1ull << 40, "out-of-order bytes queued, all flows"),
	K_UINT(P, "reassembly-segments", limits.net.max_ooo_segments, 16, 1u << 20, "out-of-order segments queued per direction"),
	K_SIZE(P, "handshake-bytes", limits.tls.max_handshake_msg, 4096, 16u << 20, "largest TLS handshake message buffered (certificate chains)"),
	K_UINT(P, "session-cache", limits.tls.session_cache_entries, 0, 1u << 24, "TLS session IDs and tickets remembered for resumption"),
	K_USEC(P, "key-wait-time", limits.tls.key_wait_usec, 1000, 3600000000ull, "key log mode: how long a session waits for its secrets"),
	K_SIZE(P, "key-wait-bytes", limits.tls.held_bytes_conn, 1024, 1u << 30, "key log mode: bytes held per session while it waits"),
	K_SIZE(P, "key-wait-bytes-total", limits.tls.held_bytes_total, 65536, 1ull << 40, "key log mode: bytes held by all waiting sessions"),
	K_UINT(P, "key-wait-sessions", limits.tls.max_waiting, 1, 1u << 24, "key log mode: sessions waiting at once; the oldest gives up first"),
	K_SIZE(P, "request-body", limits.http.request_body, 0, 1u << 30, "HTTP request body bytes kept for inspection"),
	K_SIZE(P, "response-body", limits.http.response_body, 0, 1u << 30, "HTTP response body bytes kept for inspection"),
	K_SIZE(P, "header-bytes", limits.http.header_bytes, 1024, 16u << 20, "HTTP header bytes per message"),
	K_UINT(P, "transactions", limits.http.txns_per_conn, 1, 1u << 24, "HTTP transactions inspected per connection"),
	K_UINT(P, "decompress-ratio", limits.http.decompress_ratio, 1, 100000, "decompressed to compressed bytes, against zip bombs"),
	K_UINT(P, "thresholds", limits.detect.threshold_entries, 0, 1u << 24, "(rule, address) pairs tracked by threshold and detection_filter"),
	K_UINT(P, "rule-candidates", limits.detect.max_candidates, 1, 1u << 20, "rules verified per inspected buffer set"),
	K_UINT(P, "pcre-match-limit", limits.detect.pcre_match_limit, 1000, 100000000, "PCRE2 match limit, against catastrophic backtracking"),
	K_END
};

const struct policy_key policy_keys_inline[] = {
	K_FN("queues", policy_load_queues, false, "NFQUEUE queue numbers, one worker each"),
	K_BOOL(P, "fail-open", fail_open, "let packets pass when tlsips is absent or overloaded"),
	K_FN("bypass-mark", policy_load_bypass_mark, false, "mark bits that let responses of flows not monitoring them skip the queue (0: off)"),
	K_END
};

const struct policy_key policy_keys_tap[] = {
	K_FN("interface", policy_load_iface, true, "network interface to capture on"),
	K_BOOL(P, "resets", tap_resets, "inject TCP resets for drop and reject decisions"),
	K_END
};

const struct policy_key policy_keys_vars[] = {
	K_FN("address", policy_load_apps_vars_addr, false, "address variables: NAME: value"),
	K_FN("port", policy_load_apps_vars_port, false, "port variables: NAME: value"),
	K_END
};

const struct policy_key policy_keys_top[] = {
	K_ENUM(P, "mode", mode, policy_names_mode, "prevent: block what rules and fallbacks say; detect: only report"),
	K_FN("capture", policy_load_capture, false, "inline (NFQUEUE) or tap (live capture)"),
	K_ENUM(P, "key-files", key_perms_refuse, policy_names_key_files, "key or pass files others can read: refuse or warn"),
	K_SECT("vars", policy_keys_vars, "rule variables"),
	K_FN("classification", policy_load_classification, false, "Suricata classification.config"),
	K_FN("port-lists", policy_load_apps_port_lists, false, "named port lists"),
	K_FN("app-types", policy_load_apps_types, false, "application types: ports, responses, rule files"),
	K_FN("rule-overrides", policy_load_apps_overrides, false, "rules disabled or given another action, by sid"),
	K_FN("tls-inspection", policy_load_tls_entries, false, "where and how to decrypt TLS"),
	K_SECT("limits", policy_keys_limits, "memory and work bounds"),
	K_FN("outputs", policy_load_outputs, false, "where events go"),
	K_FN("inline", policy_load_inline, false, "settings of capture: inline"),
	K_FN("tap", policy_load_tap, false, "settings of capture: tap"),
	K_SEC(P, "stats-interval", stats_interval_sec, 0, 86400, "seconds between stats events (0: only at exit)"),
	K_FN("user", policy_load_user, false, "user to drop privileges to"),
	K_END
};
#undef P

#define L struct policy_port_list
const struct policy_key policy_keys_port_list[] = {
	K_STR(L, "name", name, true, "name other keys use to refer to the list"),
	K_FN("ports", policy_load_apps_list_ports, true, "ports, ranges, other lists"),
	K_END
};
#undef L

#define A struct policy_app_type
const struct policy_key policy_keys_app_type[] = {
	K_STR(A, "name", name, true, "the application type's name"),
	K_FN("enabled", policy_load_apps_enabled, false, "false removes the type (e.g. the built-in one)"),
	K_FN("protocol", policy_load_apps_protocol, false, "application protocol: http"),
	K_FN("ports", policy_load_apps_ports, false, "server ports: a port list name, ports or a list"),
	K_BOOL(A, "monitor-responses", monitor_responses, "inspect responses too"),
	K_FN("rules", policy_load_apps_rules, false, "rule files; builtin = the built-in rules"),
	K_END
};
#undef A

#define O struct policy_override
const struct policy_key policy_keys_override[] = {
	K_UINT(O, "sid", sid, 1, UINT32_MAX, "the rule's sid"),
	K_BOOL(O, "disable", disable, "turn the rule off"),
	K_FN("action", policy_load_apps_action, false, "detect (alert) or prevent (drop)"),
	K_END
};
#undef O

#define OUT struct policy_output
const struct policy_key policy_keys_output[] = {
	K_ENUM(OUT, "type", type, policy_names_output, "file, stdout or unix"),
	K_PATH(OUT, "path", path, false, "file or Unix socket path"),
	K_FN("events", policy_load_events, false, "event types written: alert, tls, http, stats or all"),
	K_END
};
#undef OUT

#define T struct policy_tls_entry
const struct policy_key policy_keys_peers[] = {
	K_FN("uids", policy_load_tls_uids, false, "user ids (or names) allowed to send key log lines"),
	K_FN("groups", policy_load_tls_groups, false, "groups (names or ids) given the socket"),
	K_END
};

const struct policy_key policy_keys_keylog[] = {
	K_FN("socket", policy_load_tls_socket, false, "key socket path (absolute)"),
	K_SECT("peers", policy_keys_peers, "who may send secrets"),
	K_END
};

const struct policy_key policy_keys_tls[] = {
	K_STR(T, "name", name, true, "the entry's name"),
	K_STR(T, "description", description, false, "free text"),
	K_FN("interfaces", policy_load_tls_ifaces, false, "all, or a list of interface names"),
	K_FN("ports", policy_load_tls_ports, true, "a port list name, ports or a list"),
	K_FN("ips", policy_load_tls_ips, false, "all, or server addresses and networks"),
	K_FN("credentials", policy_load_tls_credentials, false, "server private keys"),
	K_FN("keylog", policy_load_tls_keylog, false, "key log mode"),
	K_ENUM(T, "undecryptable", undecryptable, policy_names_fallback, "sessions that cannot be decrypted: block, allow or detect"),
	K_ENUM(T, "ssl3", ssl3, policy_names_fallback, "SSL 3.0 sessions: block, allow or detect"),
	K_ENUM(T, "key-timeout", key_timeout, policy_names_fallback, "key log secrets that never came: block, allow or detect"),
	K_END
};
#undef T

#define C struct policy_credential
const struct policy_key policy_keys_credential[] = {
	K_FN("key", policy_load_tls_key, true, "private key: PEM, encrypted PEM or PKCS#12"),
	K_FN("pass-file", policy_load_tls_pass_file, false, "file holding the pass phrase"),
	K_FN("cert", policy_load_tls_cert, false, "the server's certificate"),
	K_END
};
#undef C

const struct policy_node *
policy_keys_find(const struct policy_node *map, const char *key)
{
	if (map->kind != POLICY_NODE_MAP)
		return NULL;
	for (uint32_t i = 0; i + 1 < map->n_kids; i += 2) {
		const struct policy_node *k = map->kids[i];
		if (k->kind == POLICY_NODE_SCALAR && strcmp(k->text, key) == 0)
			return map->kids[i + 1];
	}
	return NULL;
}

/* Stores v (already bounded by the row) into a field of size 1, 2, 4 or 8. */
static void
policy_keys_store(void *field, size_t size, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;
	const void *src = size == 1 ? (const void *)&u8 : size == 2 ? (const void *)&u16 :
				      size == 4 ? (const void *)&u32 : (const void *)&v;
	memcpy(field, src, size);
}

static void
policy_keys_one(struct policy_ctx *c, const struct policy_key *k, const struct policy_node *v,
		void *base)
{
	uint8_t *field = (uint8_t *)base + k->off;
	uint64_t n;
	bool b;
	int e;
	switch (k->type) {
	case POLICY_KT_SECTION:
		policy_keys_apply(c, k->sub, k->name, v, base);
		break;
	case POLICY_KT_BOOL:
		if (policy_value_bool(c, v, k->name, &b))
			memcpy(field, &b, sizeof(b));
		break;
	case POLICY_KT_UINT:
		if (policy_value_uint(c, v, k->name, k->min, k->max, &n))
			policy_keys_store(field, k->size, n);
		break;
	case POLICY_KT_SIZE:
		if (policy_value_size(c, v, k->name, k->min, k->max, &n))
			policy_keys_store(field, k->size, n);
		break;
	case POLICY_KT_SEC:
	case POLICY_KT_USEC:
		if (policy_value_duration(c, v, k->name, k->type == POLICY_KT_SEC ? 1000000 : 1,
					  k->min, k->max, &n))
			policy_keys_store(field, k->size, n);
		break;
	case POLICY_KT_STR:
		(void)policy_value_str(c, v, k->name, (char *)field, k->size);
		break;
	case POLICY_KT_PATH:
		(void)policy_value_path(c, v, k->name, (char *)field, k->size);
		break;
	case POLICY_KT_ENUM:
		if (policy_value_enum(c, v, k->name, k->names, &e)) {
			if (k->size == sizeof(bool)) {
				b = e != 0;
				memcpy(field, &b, sizeof(b));
			} else {
				memcpy(field, &e, sizeof(e));
			}
		}
		break;
	case POLICY_KT_FN:
		if (k->fn)
			k->fn(c, v, base);
		break;
	}
}

void
policy_keys_apply(struct policy_ctx *c, const struct policy_key *keys, const char *what,
		  const struct policy_node *map, void *base)
{
	if (map->kind != POLICY_NODE_MAP) {
		policy_diag_at(&c->d, map, NULL, "%s must be a mapping (key: value lines), not %s",
			       what, policy_yaml_kind_name(map->kind));
		return;
	}
	const struct policy_node *found[POLICY_KEYS_MAX_ROWS] = { 0 };
	const char *names[POLICY_KEYS_MAX_ROWS];
	size_t nk = 0;
	while (keys[nk].name && nk < POLICY_KEYS_MAX_ROWS) {
		names[nk] = keys[nk].name;
		nk++;
	}
	for (uint32_t i = 0; i + 1 < map->n_kids; i += 2) {
		const struct policy_node *k = map->kids[i];
		if (k->kind != POLICY_NODE_SCALAR) {
			policy_diag_at(&c->d, k, NULL, "a key in %s must be a name", what);
			continue;
		}
		size_t r = 0;
		while (r < nk && strcmp(names[r], k->text) != 0)
			r++;
		if (r == nk) {
			char mean[96];
			const char *h = policy_diag_hint_mean(k->text, names, nk, mean, sizeof(mean));
			policy_diag_at(&c->d, k, h, "unknown key '%s' in %s", k->text, what);
		} else if (found[r]) {
			policy_diag_at(&c->d, k, NULL, "key '%s' given twice in %s (first at line %u)",
				       k->text, what, found[r]->line);
		} else {
			found[r] = map->kids[i + 1];
		}
	}
	for (size_t r = 0; r < nk; r++) {
		if (found[r])
			policy_keys_one(c, &keys[r], found[r], base);
		else if (keys[r].required)
			policy_diag_at(&c->d, map, keys[r].help, "%s needs the key '%s'", what,
				       keys[r].name);
	}
}
