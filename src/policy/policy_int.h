/*
 * policy_int.h: shared inside src/policy/ — the YAML node tree, the
 * diagnostics sink, the key tables and the state of one load.
 *
 * Loading is three steps: policy_yaml_parse turns the text into a tree of
 * nodes that remember their line and column; the key tables (rows: name,
 * type, field, bounds, help) map each mapping onto a struct, reporting
 * unknown keys, wrong types and bad values; policy_validate then checks what
 * only the whole policy can tell (names that refer to each other, files,
 * modes). Every problem is reported and counted; nothing stops at the first.
 */
#ifndef TLSIPS_POLICY_INT_H
#define TLSIPS_POLICY_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy/policy.h"

/* ---- The document tree (policy_yaml.c) ---- */

enum {
	POLICY_YAML_MAX_NODES = 65536, /* nodes per document */
	POLICY_YAML_MAX_DEPTH = 32,    /* nesting of mappings and sequences */
	POLICY_YAML_MAX_INPUT = 4u << 20,
	POLICY_DIAG_MAX = 200,         /* messages printed per load; the rest are only counted */
};

enum policy_node_kind {
	POLICY_NODE_SCALAR = 0,
	POLICY_NODE_SEQ,
	POLICY_NODE_MAP,
};

struct policy_node {
	enum policy_node_kind kind;
	uint32_t line, col;         /* 1-based, where the node starts */
	bool plain;                 /* scalar written without quotes (null, numbers) */
	char *text;                 /* scalar: owned, NUL-terminated (may hold NULs before len) */
	size_t len;
	struct policy_node **kids;  /* owned; SEQ: items; MAP: key, value, key, value ... */
	uint32_t n_kids, cap_kids;
	struct policy_node *parent; /* while building only */
};

struct policy_diag {
	FILE *out;                  /* borrowed; NULL: count only */
	const char *file;           /* name used in messages */
	uint32_t errors, warnings;
};

/*
 * Parses a YAML text (one document; an empty text is an empty mapping) into
 * a tree owned by the caller (policy_yaml_free). Aliases, more than one
 * document, nesting deeper than POLICY_YAML_MAX_DEPTH and more than
 * POLICY_YAML_MAX_NODES nodes are errors. On error, reports to d and returns
 * TLSIPS_ECONFIG (or TLSIPS_ENOMEM) with *out_root NULL.
 */
int policy_yaml_parse(const char *text, size_t len, struct policy_diag *d,
		      struct policy_node **out_root);
void policy_yaml_free(struct policy_node *n);
/* "a mapping", "a list", "a value" */
const char *policy_yaml_kind_name(enum policy_node_kind k);
/* A plain scalar "", "~" or "null" (any case). */
bool policy_yaml_is_null(const struct policy_node *n);

/* ---- Diagnostics (policy_diag.c) ---- */

/* "FILE:LINE:COL: error: MESSAGE (hint: HINT)"; hint may be NULL. */
void policy_diag_error(struct policy_diag *d, uint32_t line, uint32_t col, const char *hint,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void policy_diag_warn(struct policy_diag *d, uint32_t line, uint32_t col, const char *hint,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Same, at a node. */
void policy_diag_at(struct policy_diag *d, const struct policy_node *n, const char *hint,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * The candidate closest to word (edit distance at most 2, or a prefix), or
 * NULL. candidates is an array of n strings.
 */
const char *policy_diag_suggest(const char *word, const char *const *candidates, size_t n);
/* Formats "did you mean 'X'?" into buf when a suggestion exists; returns buf or NULL. */
const char *policy_diag_hint_mean(const char *word, const char *const *candidates, size_t n,
				  char *buf, size_t buflen);

/* ---- State of one load (policy_load.c) ---- */

enum { POLICY_PORT_TEXT = 1024 };

struct policy_ctx {
	struct policy *p;
	struct policy_diag d;
	char dir[POLICY_PATH];      /* directory of the policy file, for relative paths */
	/* Port lists as text, so lists and app types can name them ("HTTP"). */
	char port_text[POLICY_MAX_PORT_LISTS][POLICY_PORT_TEXT];
	/* Where things were written, for messages after the mapping. */
	const struct policy_node *app_node[POLICY_MAX_APP_TYPES];
	const struct policy_node *app_ports_node[POLICY_MAX_APP_TYPES];
	const struct policy_node *tls_node[POLICY_MAX_TLS_ENTRIES];
	const struct policy_node *tls_ports_node[POLICY_MAX_TLS_ENTRIES];
	const struct policy_node *inline_node, *tap_node, *capture_node, *user_node;
	const struct policy_node *classification_node, *output_node[POLICY_MAX_OUTPUTS];
	bool port_user[POLICY_MAX_PORT_LISTS]; /* defined in the file (not built in) */
	char cur_port_text[POLICY_PORT_TEXT];  /* the port list being read */
	bool app_disabled;          /* the application type being read has enabled: false */
	bool builtin_ports_given;   /* the built-in application type's ports were written */
	bool capture_tap;           /* capture: tap */
	bool tls_ok;                /* the tls-inspection entry being read: no error so far */
};

/* ---- Key tables (policy_keys.c) ---- */

enum policy_kt {
	POLICY_KT_SECTION = 0, /* a mapping read with sub, on the same base */
	POLICY_KT_BOOL,        /* true/false, yes/no, on/off */
	POLICY_KT_UINT,        /* decimal number, field of size 1, 2, 4 or 8 */
	POLICY_KT_SIZE,        /* bytes, suffix k, M or G (times 1024), field of size 4 or 8 */
	POLICY_KT_SEC,         /* duration, stored in seconds (uint32_t) */
	POLICY_KT_USEC,        /* duration, stored in microseconds (uint64_t) */
	POLICY_KT_STR,         /* text copied into char[size], must fit */
	POLICY_KT_PATH,        /* file name, relative to the policy file's directory */
	POLICY_KT_ENUM,        /* one of names; stored as int (or bool if size 1) */
	POLICY_KT_FN,          /* read by fn */
};

struct policy_ctx;
struct policy_node;

typedef void (*policy_key_fn)(struct policy_ctx *c, const struct policy_node *v, void *base);

struct policy_enum_name {
	const char *name;
	int value;
};

struct policy_key {
	const char *name;
	enum policy_kt type;
	size_t off, size;                     /* field in the base object */
	uint64_t min, max;                    /* UINT/SIZE: value; SEC/USEC: in the field's unit */
	const struct policy_enum_name *names; /* ENUM: ends with { NULL, 0 } */
	const struct policy_key *sub;         /* SECTION: ends with { NULL } */
	policy_key_fn fn;                     /* FN */
	bool required;
	const char *help;                     /* one line, for docs and hints */
};

/*
 * Reads mapping map with table keys onto base. what names the mapping in
 * messages ("limits", "tls-inspection entry 'web'"). Unknown keys (with a
 * "did you mean"), keys given twice, missing required keys and bad values
 * are reported; known keys are applied in table order, so a table lists the
 * keys others depend on first.
 */
void policy_keys_apply(struct policy_ctx *c, const struct policy_key *keys, const char *what,
		       const struct policy_node *map, void *base);

/* The tables, for docs checks in tests. Each ends with { NULL }. */
extern const struct policy_key policy_keys_top[];
extern const struct policy_key policy_keys_limits[];
extern const struct policy_key policy_keys_inline[];
extern const struct policy_key policy_keys_tap[];
extern const struct policy_key policy_keys_vars[];
extern const struct policy_key policy_keys_port_list[];
extern const struct policy_key policy_keys_app_type[];
extern const struct policy_key policy_keys_override[];
extern const struct policy_key policy_keys_output[];
extern const struct policy_key policy_keys_tls[];
extern const struct policy_key policy_keys_credential[];
extern const struct policy_key policy_keys_keylog[];
extern const struct policy_key policy_keys_peers[];

/* ---- Values (policy_value.c): each reports its own error and returns false ---- */

bool policy_value_scalar(struct policy_ctx *c, const struct policy_node *v, const char *key);
bool policy_value_bool(struct policy_ctx *c, const struct policy_node *v, const char *key,
		       bool *out);
bool policy_value_uint(struct policy_ctx *c, const struct policy_node *v, const char *key,
		       uint64_t min, uint64_t max, uint64_t *out);
bool policy_value_size(struct policy_ctx *c, const struct policy_node *v, const char *key,
		       uint64_t min, uint64_t max, uint64_t *out);
/* unit_usec: 1000000 for a field in seconds, 1 for microseconds. */
bool policy_value_duration(struct policy_ctx *c, const struct policy_node *v, const char *key,
			   uint64_t unit_usec, uint64_t min, uint64_t max, uint64_t *out);
bool policy_value_str(struct policy_ctx *c, const struct policy_node *v, const char *key,
		      char *out, size_t outlen);
/* Relative names are taken from the policy file's directory. */
bool policy_value_path(struct policy_ctx *c, const struct policy_node *v, const char *key,
		       char *out, size_t outlen);
bool policy_value_enum(struct policy_ctx *c, const struct policy_node *v, const char *key,
		       const struct policy_enum_name *names, int *out);
/*
 * A port spec: a port list name, a Suricata port expression ("443",
 * "8000:8100", "$HTTP_PORTS", "[80, 443]") or a YAML list of those, as one
 * Suricata expression in out (names replaced by their lists' text).
 */
bool policy_value_port_text(struct policy_ctx *c, const struct policy_node *v, const char *key,
			    char *out, size_t outlen);
bool policy_value_ports(struct policy_ctx *c, const struct policy_node *v, const char *key,
			struct net_port_set *out);
/* "all" / "any", an address expression, or a YAML list of them. */
bool policy_value_ips(struct policy_ctx *c, const struct policy_node *v, const char *key,
		      struct net_ip_set *out);

/* Variable lookups for net_set over a policy's detect_vars (ctx: const struct detect_vars *). */
const char *policy_var_port(void *ctx, const char *name, size_t len);
const char *policy_var_addr(void *ctx, const char *name, size_t len);

/* Index of the port list named name, or -1. */
int policy_port_list_find(const struct policy *p, const char *name);

/* ---- Section readers named in the tables (policy_load*.c) ---- */

void policy_load_capture(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_inline(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tap(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_queues(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_bypass_mark(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_iface(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_outputs(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_events(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_user(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_classification(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_apps_vars_addr(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_apps_vars_port(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_apps_port_lists(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_apps_list_ports(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_apps_types(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_apps_protocol(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_apps_ports(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_apps_rules(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_apps_enabled(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_apps_overrides(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_apps_action(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tls_entries(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tls_ifaces(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tls_ports(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tls_ips(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tls_credentials(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tls_key(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tls_pass_file(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tls_cert(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tls_keylog(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tls_socket(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tls_uids(struct policy_ctx *c, const struct policy_node *v, void *base);
void policy_load_tls_groups(struct policy_ctx *c, const struct policy_node *v, void *base);

/*
 * Checks that path names a readable regular file; secret: also that others
 * cannot read or write it (an error or a warning, by key-files).
 */
bool policy_load_file_check(struct policy_ctx *c, const struct policy_node *v, const char *key,
			    const char *path, bool secret);
/* An interface name (at most 15 characters, no '/', ':' or spaces) into out. */
bool policy_load_iface_name(struct policy_ctx *c, const struct policy_node *v, const char *key,
			    char *out, size_t outlen);
/* The value of key in mapping map (a scalar key), or NULL. */
const struct policy_node *policy_keys_find(const struct policy_node *map, const char *key);

/* ---- Cross-checks (policy_validate.c) ---- */

void policy_validate(struct policy_ctx *c);

/* The pointer rule_files[] hold for POLICY_BUILTIN_RULES in defaults (not freed). */
extern const char policy_builtin_rules_name[];
/* Frees an application type's rule file names (not the shared "builtin"). */
void policy_app_clear_rule_files(struct policy_app_type *a);

#endif
