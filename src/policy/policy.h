/*
 * policy: the configuration a user writes (YAML) and the built-in defaults.
 *
 * It mirrors the seeds' SSL configuration wizard and application types:
 * named port lists; application types (protocol, port list, whether
 * responses are monitored, the rule files they run); rule overrides by sid;
 * TLS inspection entries (where to decrypt, with which credentials or key
 * log, what to do with sessions that cannot be decrypted); the engine mode;
 * limits; event outputs. docs/config.md documents every key;
 * etc/tlsips.yaml is the shipped example.
 *
 * policy_load reports every problem it finds, each as
 * "FILE:LINE:COL: error: MESSAGE (hint: ...)", and fails if there was any;
 * a partial policy is never returned. policy_build_rules then loads and
 * compiles each application type's rules (the expensive part, separate so
 * `tlsips check` and reload can do it aside).
 */
#ifndef TLSIPS_POLICY_H
#define TLSIPS_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/detect.h"
#include "http/http.h"
#include "net/net.h"
#include "net/net_set.h"
#include "tls/tls.h"

enum {
	POLICY_NAME = 64,
	POLICY_TEXT = 256,
	POLICY_PATH = 4096,
	POLICY_MAX_PORT_LISTS = 64,
	POLICY_MAX_APP_TYPES = 32,
	POLICY_MAX_RULE_FILES = 64,
	POLICY_MAX_OVERRIDES = 4096,
	POLICY_MAX_TLS_ENTRIES = 64,
	POLICY_MAX_IFACES = 16,
	POLICY_MAX_CREDENTIALS = 16,
	POLICY_MAX_PEERS = 16,
	POLICY_MAX_QUEUES = 16,
	POLICY_MAX_OUTPUTS = 8,
};

/* Name of the built-in rule file in `rules:` lists and of the built-in application type. */
#define POLICY_BUILTIN_RULES "builtin"
#define POLICY_BUILTIN_APP "Web Server Common"

enum policy_mode {
	POLICY_MODE_PREVENT = 0,   /* drop/reject rules block (inline); offline: "blocked" */
	POLICY_MODE_DETECT,        /* nothing is blocked; events say what would have been */
};

/* What to do with a session an entry cannot decrypt (and with SSL 3.0, key timeouts). */
enum policy_fallback {
	POLICY_FALLBACK_BLOCK = 0, /* default */
	POLICY_FALLBACK_ALLOW,     /* pass uninspected, with a tls event */
	POLICY_FALLBACK_DETECT,    /* pass, the event says it would have been blocked */
};

struct policy_port_list {
	char name[POLICY_NAME];
	struct net_port_set ports;
	uint32_t line;             /* where it was defined */
};

struct policy_app_type {
	char name[POLICY_NAME];
	char protocol[16];         /* "http" (the only one so far) */
	struct net_port_set ports;
	bool monitor_responses;
	uint32_t n_rule_files;
	/* Owned (malloc), except the built-in rules: a pointer to the shared string
	 * "builtin" of policy_default, which policy_fini leaves alone. */
	char *rule_files[POLICY_MAX_RULE_FILES];
	struct detect_ruleset *rules;            /* owned; NULL until policy_build_rules */
	uint32_t line;
};

struct policy_override {
	uint32_t sid;
	bool disable;
	bool set_action;
	enum detect_action action; /* "detect" in YAML = ALERT, "prevent" = DROP */
	uint32_t line;
};

struct policy_credential {
	char key_path[POLICY_PATH];
	char pass_file[POLICY_PATH];   /* "" if none */
	char cert_path[POLICY_PATH];   /* "" if none: `check` connects to the service instead */
	uint32_t line;
};

struct policy_tls_entry {
	char name[POLICY_NAME];
	char description[POLICY_TEXT];
	bool all_ifaces;
	uint32_t n_ifaces;
	char ifaces[POLICY_MAX_IFACES][32];
	struct net_port_set ports;
	struct net_ip_set ips;         /* server addresses; "all" = any */
	uint32_t n_credentials;
	struct policy_credential credentials[POLICY_MAX_CREDENTIALS];
	bool keylog;                   /* key log mode instead of (or besides) credentials */
	char keylog_socket[POLICY_PATH];
	uint32_t n_peer_uids, n_peer_gids;
	uint32_t peer_uids[POLICY_MAX_PEERS], peer_gids[POLICY_MAX_PEERS];
	enum policy_fallback undecryptable, ssl3, key_timeout;
	uint32_t line;
};

enum policy_output_type {
	POLICY_OUTPUT_FILE = 0,
	POLICY_OUTPUT_STDOUT,
	POLICY_OUTPUT_UNIX,            /* Unix datagram socket */
};

enum {
	POLICY_EVENT_ALERT = 1u << 0,
	POLICY_EVENT_TLS = 1u << 1,
	POLICY_EVENT_HTTP = 1u << 2,
	POLICY_EVENT_STATS = 1u << 3,
	POLICY_EVENT_ALL = 0xf,
};

struct policy_output {
	enum policy_output_type type;
	char path[POLICY_PATH];
	uint32_t events;               /* POLICY_EVENT_* bits; default alert|tls|stats */
};

struct policy_limits {
	struct net_limits net;
	struct tls_limits tls;
	struct http_limits http;
	struct detect_limits detect;
};

struct policy {
	char path[POLICY_PATH];        /* file it came from, "" for the defaults */
	enum policy_mode mode;
	struct detect_vars vars;
	char classification[POLICY_PATH]; /* "" = built-in table */
	uint32_t n_port_lists, n_app_types, n_overrides, n_tls, n_outputs;
	struct policy_port_list port_lists[POLICY_MAX_PORT_LISTS];
	struct policy_app_type app_types[POLICY_MAX_APP_TYPES];
	struct policy_override *overrides;   /* owned array of n_overrides */
	struct policy_tls_entry *tls;        /* owned array of n_tls */
	struct policy_output outputs[POLICY_MAX_OUTPUTS];
	struct policy_limits limits;
	/* Live operation (`tlsips run`). */
	bool inline_mode;              /* NFQUEUE; false: tap (live capture) */
	uint32_t n_queues;
	uint16_t queues[POLICY_MAX_QUEUES];
	bool fail_open;                /* queue bypass when tlsips is absent or overloaded */
	/* Response bypass (docs/inline.md): mark bits set, through an NF_REPEAT
	 * verdict, on a client packet of a flow whose application type does not
	 * monitor responses once its handshake is done; 0: off. */
	uint32_t bypass_mark;
	char tap_iface[32];
	bool tap_resets;               /* inject TCP resets for reject rules in tap mode */
	uint32_t stats_interval_sec;
	char user[POLICY_NAME];        /* drop privileges to this user ("" = stay) */
	bool key_perms_refuse;         /* key files readable by others: refuse (true) or warn */
};

/*
 * The built-in defaults: prevent mode; the "Web Server Common" application
 * type on ports 80, 443, 8080 and 8443 with the built-in rules, responses
 * monitored; default variables and limits; alert, tls and stats events to
 * stdout; no TLS inspection entries.
 */
void policy_default(struct policy *out);

/*
 * Reads a YAML policy; every problem goes to diag (NULL: only counted).
 * Returns 0, TLSIPS_ECONFIG or TLSIPS_ENOMEM; on failure *out holds the
 * defaults (nothing to free, but not to be used as the user's policy).
 * Relative paths in the file are taken from the file's folder.
 */
int policy_load(struct policy *out, const char *path, FILE *diag);
/* The same for a text in memory; name stands for the file (messages, relative paths). */
int policy_load_mem(struct policy *out, const char *name, const char *text, size_t len,
		    FILE *diag);

/*
 * Loads and compiles each application type's rules (built-in text for
 * POLICY_BUILTIN_RULES), applying the overrides; problems with single rules
 * are reported on diag and counted, a missing file fails. 0 or TLSIPS_ECONFIG.
 */
int policy_build_rules(struct policy *p, FILE *diag);

void policy_fini(struct policy *p);

/* Replaces an application type's rule files (copied; "builtin" = ours). 0 or an error. */
int policy_app_set_rule_files(struct policy_app_type *a, const char *const *files, uint32_t n);

/* The application type whose port list holds the flow's server port, or NULL. */
const struct policy_app_type *policy_app_for_port(const struct policy *p, uint16_t srv_port);
/* The first TLS inspection entry that covers this server address and port, or NULL. */
const struct policy_tls_entry *policy_tls_for(const struct policy *p, const char *iface,
					       const struct net_addr *srv, uint16_t srv_port);

/* The built-in rule file (rules/web-server-common.rules, embedded at build time). */
extern const char policy_builtin_rules[];
extern const unsigned long policy_builtin_rules_len;

#endif
