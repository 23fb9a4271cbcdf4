/*
 * Unit tests for the policy module: defaults, the shipped example, every
 * key, every error path (with its FILE:LINE:COL message), matching of
 * application types and inspection entries, and building rule sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "policy/policy.h"
#include "policy/policy_int.h"

/* A scratch folder with files the policies below name. */
static char tmpdir[64];

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tlsips-policy-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	write_file("key.pem", "not really a key\n", 0600);
	write_file("open.pem", "not really a key\n", 0644);
	write_file("pass.txt", "secret\n", 0600);
	write_file("cert.pem", "cert\n", 0644);
	write_file("class.config", "config classification: web-application-attack,Web Application Attack,1\n", 0644);
	write_file("local.rules",
		   "alert http any any -> any any (msg:\"local one\"; http.uri; content:\"/one\"; sid:7100001; rev:1;)\n"
		   "alert http any any -> any any (msg:\"local two\"; http.uri; content:\"/two\"; sid:7100002; rev:1;)\n",
		   0644);
	return 0;
}

static int
teardown_dir(void **state)
{
	(void)state;
	static const char *const files[] = { "key.pem", "open.pem", "pass.txt", "cert.pem",
					     "class.config", "local.rules", "gone.rules" };
	char path[256];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	return 0;
}

/* Loads text as "t.yaml" in tmpdir; *out_diag gets what was reported (caller frees). */
static int
load(struct policy *p, const char *text, char **out_diag)
{
	char name[128];
	snprintf(name, sizeof(name), "%s/t.yaml", tmpdir);
	size_t len = 0;
	FILE *diag = open_memstream(out_diag, &len);
	assert_non_null(diag);
	int rc = policy_load_mem(p, name, text, strlen(text), diag);
	fclose(diag);
	return rc;
}

/* Loads text, expects success and no message at all. */
static void
load_ok(struct policy *p, const char *text)
{
	char *diag = NULL;
	int rc = load(p, text, &diag);
	if (rc != 0 || diag[0] != '\0')
		print_error("%s", diag);
	assert_int_equal(rc, 0);
	assert_string_equal(diag, "");
	free(diag);
}

/* Loads text, expects failure and a message that contains want (after the folder). */
static void
load_fails_with(const char *text, const char *want)
{
	struct policy p;
	char *diag = NULL;
	assert_int_equal(load(&p, text, &diag), TLSIPS_ECONFIG);
	if (!strstr(diag, want))
		print_error("want: %s\ngot: %s", want, diag);
	assert_non_null(strstr(diag, want));
	/* A failed load leaves the defaults: nothing of the file. */
	assert_int_equal(p.n_tls, 0);
	assert_string_equal(p.path, "");
	policy_fini(&p);
	free(diag);
}

static void
defaults_are_right(void **state)
{
	(void)state;
	struct policy p;
	policy_default(&p);
	assert_int_equal(p.mode, POLICY_MODE_PREVENT);
	assert_int_equal(p.n_app_types, 1);
	const struct policy_app_type *a = &p.app_types[0];
	assert_string_equal(a->name, "Web Server Common");
	assert_string_equal(a->protocol, "http");
	assert_true(a->monitor_responses);
	assert_int_equal(a->n_rule_files, 1);
	assert_string_equal(a->rule_files[0], POLICY_BUILTIN_RULES);
	assert_true(net_port_set_has(&a->ports, 80));
	assert_true(net_port_set_has(&a->ports, 443));
	assert_true(net_port_set_has(&a->ports, 8080));
	assert_true(net_port_set_has(&a->ports, 8443));
	assert_false(net_port_set_has(&a->ports, 22));
	assert_int_equal(p.n_port_lists, 1);
	assert_string_equal(p.port_lists[0].name, "HTTP");
	assert_int_equal(p.n_outputs, 1);
	assert_int_equal(p.outputs[0].type, POLICY_OUTPUT_STDOUT);
	assert_int_equal(p.outputs[0].events, POLICY_EVENT_ALERT | POLICY_EVENT_TLS | POLICY_EVENT_STATS);
	assert_int_equal(p.n_tls, 0);
	assert_int_equal(p.n_overrides, 0);
	assert_true(p.inline_mode);
	assert_int_equal(p.n_queues, 1);
	assert_int_equal(p.queues[0], 0);
	assert_false(p.fail_open);
	assert_true(p.key_perms_refuse);
	assert_int_equal(p.stats_interval_sec, 60);
	assert_string_equal(p.user, "");
	assert_string_equal(p.classification, "");
	struct policy_limits want;
	net_limits_default(&want.net);
	tls_limits_default(&want.tls);
	http_limits_default(&want.http);
	detect_limits_default(&want.detect);
	assert_memory_equal(&p.limits.net, &want.net, sizeof(want.net));
	assert_memory_equal(&p.limits.tls, &want.tls, sizeof(want.tls));
	assert_memory_equal(&p.limits.detect, &want.detect, sizeof(want.detect));
	assert_int_equal(p.limits.http.request_body, want.http.request_body);
	assert_int_equal(p.limits.http.header_bytes, want.http.header_bytes);
	assert_non_null(policy_var_port(&p.vars, "HTTP_PORTS", 10));
	assert_non_null(policy_var_addr(&p.vars, "HOME_NET", 8));
	policy_fini(&p);
}

static void
empty_file_is_defaults(void **state)
{
	(void)state;
	struct policy p, d;
	load_ok(&p, "");
	policy_default(&d);
	assert_int_equal(p.n_app_types, 1);
	assert_memory_equal(&p.limits, &d.limits, sizeof(d.limits));
	assert_int_equal(p.mode, d.mode);
	policy_fini(&p);
	load_ok(&p, "---\n# only a comment\n");
	assert_int_equal(p.n_app_types, 1);
	policy_fini(&p);
	policy_fini(&d);
}

static void
example_loads(void **state)
{
	(void)state;
	struct policy p;
	char *diag = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&diag, &len);
	int rc = policy_load(&p, TLSIPS_EXAMPLE_POLICY, f);
	fclose(f);
	if (rc != 0)
		print_error("%s", diag);
	assert_int_equal(rc, 0);
	assert_null(strstr(diag, "error"));
	assert_string_equal(p.path, TLSIPS_EXAMPLE_POLICY);
	assert_int_equal(p.n_app_types, 2);
	assert_string_equal(p.app_types[0].name, "Web Server Common");
	assert_string_equal(p.app_types[1].name, "Intranet Web Apps");
	assert_false(p.app_types[1].monitor_responses);
	assert_true(net_port_set_has(&p.app_types[1].ports, 8005));
	assert_int_equal(p.n_tls, 1);
	assert_true(p.tls[0].keylog);
	assert_int_equal(p.tls[0].peer_uids[0], 33);
	assert_int_equal(p.n_overrides, 1);
	assert_true(p.inline_mode);
	free(diag);
	policy_fini(&p);
}

/* A policy with every key, each set away from its default. */
static void
every_key_parses(void **state)
{
	(void)state;
	char text[8192];
	snprintf(text, sizeof(text),
		 "mode: detect\n"
		 "capture: tap\n"
		 "key-files: warn\n"
		 "vars:\n"
		 "  address:\n"
		 "    HOME_NET: [192.0.2.0/24, 2001:db8::/32]\n"
		 "    DMZ: 198.51.100.0/24\n"
		 "  port:\n"
		 "    WEB_PORTS: '[80, 9090]'\n"
		 "classification: class.config\n"
		 "port-lists:\n"
		 "  - name: Web\n"
		 "    ports: [80, 9000:9010]\n"
		 "  - name: More\n"
		 "    ports: [Web, 7000]\n"
		 "app-types:\n"
		 "  - name: Shop\n"
		 "    protocol: http\n"
		 "    ports: More\n"
		 "    monitor-responses: no\n"
		 "    rules: [builtin, local.rules]\n"
		 "  - name: Web Server Common\n"
		 "    enabled: false\n"
		 "rule-overrides:\n"
		 "  - sid: 7100001\n"
		 "    disable: true\n"
		 "  - sid: 7100002\n"
		 "    action: prevent\n"
		 "tls-inspection:\n"
		 "  - name: shop\n"
		 "    description: the shop\n"
		 "    interfaces: [eth0, eth1]\n"
		 "    ports: $WEB_PORTS\n"
		 "    ips: [$DMZ, 192.0.2.7]\n"
		 "    credentials:\n"
		 "      - key: %s/key.pem\n"
		 "        pass-file: pass.txt\n"
		 "        cert: cert.pem\n"
		 "    keylog:\n"
		 "      socket: /run/x/keys.sock\n"
		 "      peers:\n"
		 "        uids: [33, root]\n"
		 "        groups: [root, 44]\n"
		 "    undecryptable: detect\n"
		 "    ssl3: allow\n"
		 "    key-timeout: detect\n"
		 "limits:\n"
		 "  flows: 1000\n"
		 "  flow-timeout: 2m\n"
		 "  reassembly-bytes: 64k\n"
		 "  reassembly-bytes-total: 1G\n"
		 "  reassembly-segments: 100\n"
		 "  handshake-bytes: 128k\n"
		 "  session-cache: 10\n"
		 "  key-wait-time: 500ms\n"
		 "  key-wait-bytes: 2k\n"
		 "  key-wait-bytes-total: 2M\n"
		 "  key-wait-sessions: 50\n"
		 "  request-body: 0\n"
		 "  response-body: 4096\n"
		 "  header-bytes: 8k\n"
		 "  transactions: 7\n"
		 "  decompress-ratio: 20\n"
		 "  thresholds: 5\n"
		 "  rule-candidates: 6\n"
		 "  pcre-match-limit: 5000\n"
		 "outputs:\n"
		 "  - type: file\n"
		 "    path: events.json\n"
		 "    events: all\n"
		 "  - type: unix\n"
		 "    path: /run/x/ev.sock\n"
		 "    events: [alert, http]\n"
		 "tap:\n"
		 "  interface: eth0\n"
		 "  resets: off\n"
		 "stats-interval: 1h\n"
		 "user: root\n",
		 tmpdir);
	struct policy p;
	char *diag = NULL;
	assert_int_equal(load(&p, text, &diag), 0);
	/* The one warning: prevent-less tap is fine, key file is 0600; nothing else. */
	assert_null(strstr(diag, "error"));
	free(diag);
	char path[256];
	assert_int_equal(p.mode, POLICY_MODE_DETECT);
	assert_false(p.inline_mode);
	assert_false(p.key_perms_refuse);
	assert_string_equal(policy_var_addr(&p.vars, "HOME_NET", 8), "[192.0.2.0/24, 2001:db8::/32]");
	assert_string_equal(policy_var_port(&p.vars, "WEB_PORTS", 9), "[80, 9090]");
	snprintf(path, sizeof(path), "%s/class.config", tmpdir);
	assert_string_equal(p.classification, path);
	assert_int_equal(p.n_port_lists, 3);
	assert_int_equal(p.n_app_types, 1);
	const struct policy_app_type *a = &p.app_types[0];
	assert_string_equal(a->name, "Shop");
	assert_false(a->monitor_responses);
	assert_true(net_port_set_has(&a->ports, 7000));
	assert_true(net_port_set_has(&a->ports, 9005));
	assert_false(net_port_set_has(&a->ports, 443));
	assert_int_equal(a->n_rule_files, 2);
	assert_string_equal(a->rule_files[0], "builtin");
	snprintf(path, sizeof(path), "%s/local.rules", tmpdir);
	assert_string_equal(a->rule_files[1], path);
	assert_false(p.limits.http.responses);
	assert_int_equal(p.n_overrides, 2);
	assert_true(p.overrides[0].disable);
	assert_int_equal(p.overrides[0].sid, 7100001);
	assert_true(p.overrides[1].set_action);
	assert_int_equal(p.overrides[1].action, DETECT_ACTION_DROP);
	assert_int_equal(p.n_tls, 1);
	const struct policy_tls_entry *e = &p.tls[0];
	assert_string_equal(e->name, "shop");
	assert_string_equal(e->description, "the shop");
	assert_false(e->all_ifaces);
	assert_int_equal(e->n_ifaces, 2);
	assert_string_equal(e->ifaces[1], "eth1");
	assert_true(net_port_set_has(&e->ports, 9090));
	assert_false(net_port_set_has(&e->ports, 443));
	struct net_addr in = { 4, { 198, 51, 100, 9 } }, out = { 4, { 203, 0, 113, 1 } };
	assert_true(net_ip_set_has(&e->ips, &in));
	assert_false(net_ip_set_has(&e->ips, &out));
	assert_int_equal(e->n_credentials, 1);
	snprintf(path, sizeof(path), "%s/pass.txt", tmpdir);
	assert_string_equal(e->credentials[0].pass_file, path);
	assert_true(e->keylog);
	assert_string_equal(e->keylog_socket, "/run/x/keys.sock");
	assert_int_equal(e->n_peer_uids, 2);
	assert_int_equal(e->peer_uids[0], 33);
	assert_int_equal(e->peer_uids[1], 0);
	assert_int_equal(e->n_peer_gids, 2);
	assert_int_equal(e->peer_gids[1], 44);
	assert_int_equal(e->undecryptable, POLICY_FALLBACK_DETECT);
	assert_int_equal(e->ssl3, POLICY_FALLBACK_ALLOW);
	assert_int_equal(e->key_timeout, POLICY_FALLBACK_DETECT);
	const struct policy_limits *l = &p.limits;
	assert_int_equal(l->net.max_flows, 1000);
	assert_int_equal(l->net.idle_timeout_sec, 120);
	assert_int_equal(l->net.max_ooo_bytes_flow, 65536);
	assert_int_equal(l->net.max_ooo_bytes_total, 1u << 30);
	assert_int_equal(l->net.max_ooo_segments, 100);
	assert_int_equal(l->tls.max_handshake_msg, 128 * 1024);
	assert_int_equal(l->tls.session_cache_entries, 10);
	assert_int_equal(l->tls.key_wait_usec, 500000);
	assert_int_equal(l->tls.held_bytes_conn, 2048);
	assert_int_equal(l->tls.held_bytes_total, 2u << 20);
	assert_int_equal(l->tls.max_waiting, 50);
	assert_int_equal(l->http.request_body, 0);
	assert_int_equal(l->http.response_body, 4096);
	assert_int_equal(l->http.header_bytes, 8192);
	assert_int_equal(l->http.txns_per_conn, 7);
	assert_int_equal(l->http.decompress_ratio, 20);
	assert_int_equal(l->detect.threshold_entries, 5);
	assert_int_equal(l->detect.max_candidates, 6);
	assert_int_equal(l->detect.pcre_match_limit, 5000);
	assert_int_equal(p.n_outputs, 2);
	snprintf(path, sizeof(path), "%s/events.json", tmpdir);
	assert_string_equal(p.outputs[0].path, path);
	assert_int_equal(p.outputs[0].events, POLICY_EVENT_ALL);
	assert_int_equal(p.outputs[1].type, POLICY_OUTPUT_UNIX);
	assert_int_equal(p.outputs[1].events, POLICY_EVENT_ALERT | POLICY_EVENT_HTTP);
	assert_string_equal(p.tap_iface, "eth0");
	assert_false(p.tap_resets);
	assert_int_equal(p.stats_interval_sec, 3600);
	assert_string_equal(p.user, "root");
	policy_fini(&p);
}

static void
inline_section_parses(void **state)
{
	(void)state;
	struct policy p;
	load_ok(&p, "capture: inline\ninline:\n  queues: [3, 4, 5]\n  fail-open: true\n");
	assert_true(p.inline_mode);
	assert_int_equal(p.n_queues, 3);
	assert_int_equal(p.queues[2], 5);
	assert_true(p.fail_open);
	policy_fini(&p);
	load_ok(&p, "inline:\n  queues: 7\n");
	assert_int_equal(p.n_queues, 1);
	assert_int_equal(p.queues[0], 7);
	assert_int_equal(p.bypass_mark, 0); /* off unless asked for */
	policy_fini(&p);
#define NO_RESPONSES "app-types:\n  - name: Web Server Common\n    monitor-responses: false\n" \
		     "    rules: builtin\n"
	load_ok(&p, NO_RESPONSES "inline:\n  bypass-mark: 0x100\n");
	assert_int_equal(p.bypass_mark, 0x100);
	policy_fini(&p);
	load_ok(&p, NO_RESPONSES "inline:\n  bypass-mark: 0XFFFFFFFF\n");
	assert_int_equal(p.bypass_mark, 0xffffffffu);
	policy_fini(&p);
	load_ok(&p, NO_RESPONSES "inline:\n  bypass-mark: 512\n");
	assert_int_equal(p.bypass_mark, 512);
	policy_fini(&p);
#undef NO_RESPONSES
	/* With responses monitored (the built-in type) nothing would be bypassed: said, not fatal. */
	char *diag = NULL;
	assert_int_equal(load(&p, "inline:\n  bypass-mark: 0x100\n", &diag), 0);
	assert_non_null(strstr(diag, "t.yaml:2:3: warning: bypass-mark is set, but an application "
				     "type monitors responses: no flow will be bypassed"));
	assert_int_equal(p.bypass_mark, 0x100);
	policy_fini(&p);
	free(diag);
}

static void
units_parse(void **state)
{
	(void)state;
	struct policy p;
	load_ok(&p, "limits:\n  request-body: 3M\n  key-wait-time: 2m\n  flow-timeout: 45\n"
		    "  key-wait-bytes: 1024\n  response-body: 5K\n");
	assert_int_equal(p.limits.http.request_body, 3u << 20);
	assert_int_equal(p.limits.tls.key_wait_usec, 120000000ull);
	assert_int_equal(p.limits.net.idle_timeout_sec, 45);
	assert_int_equal(p.limits.tls.held_bytes_conn, 1024);
	assert_int_equal(p.limits.http.response_body, 5120);
	policy_fini(&p);
}

/* The built-in type changes only the keys given, and follows the port list HTTP. */
static void
builtin_type_inherits(void **state)
{
	(void)state;
	struct policy p;
	load_ok(&p, "port-lists:\n  - name: HTTP\n    ports: [HTTP, 9090]\n"
		    "app-types:\n  - name: Web Server Common\n    monitor-responses: false\n");
	assert_int_equal(p.n_app_types, 1);
	const struct policy_app_type *a = &p.app_types[0];
	assert_false(a->monitor_responses);
	assert_int_equal(a->n_rule_files, 1);
	assert_string_equal(a->rule_files[0], "builtin");
	assert_true(net_port_set_has(&a->ports, 9090));
	assert_true(net_port_set_has(&a->ports, 443));
	assert_int_equal(p.n_port_lists, 1);
	policy_fini(&p);
	/* Not mentioned: it stays, after the user's types. */
	load_ok(&p, "app-types:\n  - name: Mine\n    ports: 443\n    rules: builtin\n");
	assert_int_equal(p.n_app_types, 2);
	assert_string_equal(p.app_types[0].name, "Mine");
	assert_string_equal(p.app_types[1].name, "Web Server Common");
	policy_fini(&p);
}

static void
app_for_port_picks_first(void **state)
{
	(void)state;
	struct policy p;
	load_ok(&p, "app-types:\n"
		    "  - name: Admin\n    ports: [8443, 9000:9100]\n    rules: [builtin]\n"
		    "  - name: Web Server Common\n"
		    "  - name: Other\n    ports: ['!22']\n    rules: [builtin]\n");
	assert_string_equal(policy_app_for_port(&p, 8443)->name, "Admin");
	assert_string_equal(policy_app_for_port(&p, 9050)->name, "Admin");
	assert_string_equal(policy_app_for_port(&p, 443)->name, "Web Server Common");
	assert_string_equal(policy_app_for_port(&p, 25)->name, "Other");
	assert_null(policy_app_for_port(&p, 22));
	policy_fini(&p);
}

static void
tls_for_matches_iface_address_port(void **state)
{
	(void)state;
	char text[2048];
	snprintf(text, sizeof(text),
		 "tls-inspection:\n"
		 "  - name: a\n    interfaces: [eth1]\n    ports: 443\n    ips: [192.0.2.1]\n"
		 "    credentials: [{key: %s/key.pem}]\n"
		 "  - name: b\n    ports: [443, 8443]\n    ips: 2001:db8::/32\n"
		 "    keylog: {peers: {uids: [33]}}\n"
		 "  - name: c\n    interfaces: all\n    ports: HTTP\n"
		 "    keylog: {peers: {groups: [0]}}\n",
		 tmpdir);
	struct policy p;
	load_ok(&p, text);
	struct net_addr v4 = { 4, { 192, 0, 2, 1 } }, v4b = { 4, { 192, 0, 2, 2 } };
	struct net_addr v6 = { 6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	assert_string_equal(policy_tls_for(&p, "eth1", &v4, 443)->name, "a");
	assert_string_equal(policy_tls_for(&p, NULL, &v4, 443)->name, "a");
	assert_string_equal(policy_tls_for(&p, "eth0", &v4, 443)->name, "c");
	assert_string_equal(policy_tls_for(&p, "eth1", &v4b, 443)->name, "c");
	assert_string_equal(policy_tls_for(&p, "eth0", &v6, 8443)->name, "b");
	assert_string_equal(policy_tls_for(&p, "eth0", &v4, 80)->name, "c");
	assert_null(policy_tls_for(&p, "eth0", &v4, 22));
	assert_string_equal(p.tls[1].keylog_socket, "/run/tlsips/keys.sock");
	policy_fini(&p);
}

struct error_case {
	const char *yaml;
	const char *want; /* after "<tmpdir>/t.yaml:" */
};

static const struct error_case error_cases[] = {
	{ "mdoe: detect\n", "1:1: error: unknown key 'mdoe' in the policy (hint: did you mean 'mode'?)" },
	{ "mode: protect\n", "1:7: error: 'mode' cannot be 'protect' (hint: one of: prevent, detect)" },
	{ "mode: [a]\n", "1:7: error: 'mode' must be a single value, not a list" },
	{ "mode:\n", "1:6: error: 'mode' needs a value" },
	{ "limits: 5\n", "1:9: error: limits must be a mapping" },
	{ "limits:\n  flows: 3\n", "2:10: error: 'flows' is 3, out of range [16, 16777216]" },
	{ "limits:\n  flows: 1e6\n", "2:10: error: 'flows' must be a number, not '1e6'" },
	{ "limits:\n  flows: 99999999999999999999999\n", "2:10: error: 'flows' must be a number" },
	{ "limits:\n  request-body: 2T\n", "2:17: error: 'request-body' must be a size, not '2T'" },
	{ "limits:\n  request-body: 2G\n", "2:17: error: 'request-body' is 2147483648 bytes, out of range" },
	{ "limits:\n  key-wait-time: 5q\n", "2:18: error: 'key-wait-time' must be a duration" },
	{ "limits:\n  flow-timeout: 1500ms\n", "2:17: error: 'flow-timeout' must be a whole number of seconds" },
	{ "limits:\n  flowz: 5\n", "2:3: error: unknown key 'flowz' in limits (hint: did you mean 'flows'?)" },
	{ "limits:\n  flows: 100\n  flows: 200\n", "3:3: error: key 'flows' given twice in limits (first at line 2)" },
	{ "inline:\n  fail-open: maybe\n", "2:14: error: 'fail-open' must be true or false, not 'maybe'" },
	{ "inline:\n  queues: [1, 1]\n", "2:15: error: queue 1 is listed twice" },
	{ "inline:\n  bypass-mark: 0x1g\n", "2:16: error: 'bypass-mark' must be a 32-bit number, not '0x1g'" },
	{ "inline:\n  bypass-mark: 0x100000000\n", "2:16: error: 'bypass-mark' must be a 32-bit number" },
	{ "inline:\n  bypass-mark: 4294967296\n", "2:16: error: 'bypass-mark' must be a 32-bit number" },
	{ "inline:\n  bypass-mark: 0x\n", "2:16: error: 'bypass-mark' must be a 32-bit number" },
	{ "inline:\n  queues: [70000]\n", "2:12: error: 'queues' is 70000, out of range [0, 65535]" },
	{ "capture: tap\ntap:\n  interface: eth0\ninline:\n  queues: [1]\n",
	  "5:3: error: inline settings (NFQUEUE queues) given, but capture is tap" },
	{ "tap:\n  interface: eth0\n", "2:3: error: tap settings given, but capture is inline" },
	{ "capture: tap\n", "1:10: error: capture: tap needs an interface" },
	{ "capture: tap\ntap:\n  interface: a/b\n", "3:14: error: 'interface': 'a/b' is not an interface name" },
	{ "capture: tap\ntap:\n  resets: true\n", "3:3: error: tap needs the key 'interface'" },
	{ "port-lists:\n  - name: A\n    ports: [80, 70000]\n", "3:12: error: 'ports': port 70000 out of range" },
	{ "port-lists:\n  - name: A\n    ports: 1\n  - name: A\n    ports: 2\n",
	  "4:11: error: port list 'A' is defined twice (first at line 2)" },
	{ "port-lists:\n  - ports: 1\n", "2:5: error: port-lists entry 1 needs the key 'name'" },
	{ "port-lists: {a: 1}\n", "1:13: error: 'port-lists' must be a list, not a mapping" },
	{ "app-types:\n  - name: X\n    ports: HTTPS\n    rules: builtin\n",
	  "3:12: error: 'ports': unknown port list 'HTTPS' (hint: did you mean 'HTTP'?)" },
	{ "app-types:\n  - name: X\n    ports: Nothing\n    rules: builtin\n",
	  "3:12: error: 'ports': unknown port list 'Nothing' (hint: define it under port-lists first)" },
	{ "app-types:\n  - name: X\n    ports: 80\n", "2:5: error: app-types entry 1 needs the key 'rules'" },
	{ "app-types:\n  - name: X\n    rules: builtin\n", "2:5: error: app-types entry 1 needs the key 'ports'" },
	{ "app-types:\n  - name: X\n    ports: 80\n    rules: [nothere.rules]\n",
	  "4:13: error: 'rules': cannot use '" },
	{ "app-types:\n  - name: X\n    ports: 80\n    protocol: smtp\n    rules: builtin\n",
	  "4:15: error: 'protocol' cannot be 'smtp' (hint: did you mean 'http'? one of: http)" },
	{ "app-types:\n  - name: X\n    ports: 80\n    monitor-response: no\n    rules: builtin\n",
	  "4:5: error: unknown key 'monitor-response' in app-types entry 1 (hint: did you mean 'monitor-responses'?)" },
	{ "app-types:\n  - name: X\n    ports: 80\n    rules: builtin\n  - name: X\n    ports: 81\n    rules: builtin\n",
	  "5:11: error: application type 'X' is defined twice (first at line 2)" },
	{ "rule-overrides:\n  - sid: 5\n", "2:5: error: the override of sid 5 changes nothing" },
	{ "rule-overrides:\n  - sid: 5\n    disable: true\n    action: detect\n",
	  "2:5: error: the override of sid 5 both disables and changes the rule" },
	{ "rule-overrides:\n  - disable: true\n", "2:5: error: rule-overrides entry 1 needs the key 'sid'" },
	{ "rule-overrides:\n  - sid: 5\n    action: drop\n", "3:13: error: 'action' cannot be 'drop' (hint: one of: detect, prevent)" },
	{ "rule-overrides:\n  - sid: 5\n    disable: true\n  - sid: 5\n    disable: true\n",
	  "4:5: error: sid 5 is overridden twice (first at line 2)" },
	{ "tls-inspection:\n  - name: x\n    ports: 443\n",
	  "2:5: error: tls-inspection entry 'x' has no way to get keys" },
	{ "tls-inspection:\n  - name: x\n    keylog: {peers: {uids: [1]}}\n",
	  "2:5: error: tls-inspection entry 'x' needs the key 'ports'" },
	{ "tls-inspection:\n  - name: x\n    ports: 443\n    credentials:\n      - key: missing.pem\n",
	  "5:14: error: 'key': cannot use '" },
	{ "tls-inspection:\n  - name: x\n    ports: 443\n    credentials:\n      - pass-file: p\n",
	  "5:9: error: credentials entry 1 needs the key 'key'" },
	{ "tls-inspection:\n  - name: x\n    ports: 443\n    keylog:\n      socket: rel.sock\n      peers: {uids: [1]}\n",
	  "5:15: error: 'socket' must be an absolute path" },
	{ "tls-inspection:\n  - name: x\n    ports: 443\n    keylog: {socket: /run/k.sock}\n",
	  "2:5: error: tls-inspection entry 'x': key log mode needs the peers allowed to send secrets" },
	{ "tls-inspection:\n  - name: x\n    ports: 443\n    keylog: {peers: {uids: [no-such-user-x]}}\n",
	  "4:29: error: 'uids': no user 'no-such-user-x'" },
	{ "tls-inspection:\n  - name: x\n    ports: 443\n    ips: [300.1.2.3]\n    keylog: {peers: {uids: [1]}}\n",
	  "4:10: error: 'ips': " },
	{ "tls-inspection:\n  - name: x\n    ports: 443\n    undecryptable: pass\n    keylog: {peers: {uids: [1]}}\n",
	  "4:20: error: 'undecryptable' cannot be 'pass' (hint: one of: block, allow, detect)" },
	{ "tls-inspection:\n  - name: x\n    ports: 443\n    keylog: {peers: {uids: [1]}}\n"
	  "  - name: x\n    ports: 443\n    keylog: {peers: {uids: [1]}}\n",
	  "5:11: error: tls-inspection entry 'x' is defined twice (first at line 2)" },
	{ "outputs:\n  - type: file\n", "2:5: error: outputs entry 1 needs the key 'path'" },
	{ "outputs:\n  - path: x\n", "2:5: error: outputs entry 1 needs the key 'type'" },
	{ "outputs:\n  - type: stdout\n    path: x\n", "3:11: error: stdout takes no 'path'" },
	{ "outputs:\n  - type: unix\n    path: rel.sock\n", "3:11: error: a Unix socket path must be absolute" },
	{ "outputs:\n  - type: stdout\n    events: [alerts]\n",
	  "3:14: error: 'events' cannot be 'alerts' (hint: did you mean 'alert'? one of: alert, tls, http, stats, all)" },
	{ "outputs:\n  - type: file\n    path: /tmp/x\n  - type: file\n    path: /tmp/x\n",
	  "5:11: error: outputs 1 and 2 both write to '/tmp/x'" },
	{ "vars:\n  address:\n    HOME_NET: 300.1.1.1\n", "3:15: error: variable HOME_NET: " },
	{ "vars:\n  port:\n    BAD-NAME: 80\n", "3:5: error: vars.port: bad variable name" },
	{ "vars:\n  port:\n    LOOP: $LOOP\n", "3:11: error: variable LOOP: " },
	{ "vars:\n  ports: {}\n", "2:3: error: unknown key 'ports' in vars (hint: did you mean 'port'?)" },
	{ "classification: no-such.config\n", "1:17: error: 'classification': cannot use '" },
	{ "stats-interval: 1.5\n", "1:17: error: 'stats-interval' must be a duration, not '1.5'" },
	{ "user: no-such-user-x\n", "1:7: error: 'user': no user 'no-such-user-x' on this system" },
	{ "a: [1, 2\nb: 3\n", "2:2: error: YAML: did not find expected ',' or ']'" },
	{ "x: &a 1\ny: *a\n", "2:4: error: YAML aliases ('*name') are not supported" },
	{ "mode: detect\n---\nmode: prevent\n", "2:1: error: a second YAML document" },
	{ "- a\n- b\n", "1:1: error: the policy must be a mapping" },
	{ "? [a]\n: 1\n", "1:3: error: a key in the policy must be a name" },
	{ "mode: \"de\\0tect\"\n", "1:7: error: 'mode' holds a NUL character" },
};

static void
each_error_has_its_message(void **state)
{
	(void)state;
	char want[512];
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		snprintf(want, sizeof(want), "%s/t.yaml:%s", tmpdir, error_cases[i].want);
		load_fails_with(error_cases[i].yaml, want);
	}
}

static void
nesting_and_size_are_bounded(void **state)
{
	(void)state;
	char text[256];
	memset(text, '[', 100);
	text[100] = '\0';
	char want[128];
	snprintf(want, sizeof(want), "%s/t.yaml:1:33: error: nesting deeper than 32 levels", tmpdir);
	load_fails_with(text, want);
}

/* One run reports every problem, in a fixed order, each with its place. */
static void
several_errors_in_one_run(void **state)
{
	(void)state;
	struct policy p;
	char *diag = NULL;
	int rc = load(&p,
		      "mode: protect\n"
		      "limits:\n  flows: 3\n  request-body: 2T\n"
		      "tls-inspection:\n  - name: x\n    ports: [443, 70000]\n"
		      "bogus: 1\n",
		      &diag);
	assert_int_equal(rc, TLSIPS_ECONFIG);
	unsigned lines = 0;
	for (const char *s = diag; (s = strchr(s, '\n')) != NULL; s++)
		lines++;
	assert_int_equal(lines, 6);
	assert_non_null(strstr(diag, "t.yaml:8:1: error: unknown key 'bogus'"));
	assert_non_null(strstr(diag, "t.yaml:1:7: error: 'mode'"));
	assert_non_null(strstr(diag, "t.yaml:3:10: error: 'flows'"));
	assert_non_null(strstr(diag, "t.yaml:4:17: error: 'request-body'"));
	assert_non_null(strstr(diag, "t.yaml:7:12: error: 'ports': port 70000"));
	assert_non_null(strstr(diag, "t.yaml:6:5: error: tls-inspection entry 'x' has no way"));
	policy_fini(&p);
	free(diag);
}

static void
warnings_do_not_fail(void **state)
{
	(void)state;
	char text[1024];
	snprintf(text, sizeof(text),
		 "key-files: warn\n"
		 "tls-inspection:\n  - name: x\n    ports: [443, 9999]\n"
		 "    credentials:\n      - key: %s/open.pem\n",
		 tmpdir);
	struct policy p;
	char *diag = NULL;
	assert_int_equal(load(&p, text, &diag), 0);
	assert_non_null(strstr(diag, "t.yaml:4:12: warning: tls-inspection entry 'x': port 9999 is "
				     "decrypted but no application type inspects it"));
	assert_non_null(strstr(diag, "t.yaml:6:14: warning: 'key': '"));
	assert_non_null(strstr(diag, "open.pem' is readable or writable by others (hint: chmod o-rwx"));
	assert_int_equal(p.n_tls, 1);
	policy_fini(&p);
	free(diag);
	/* The default refuses it. */
	snprintf(text, sizeof(text),
		 "tls-inspection:\n  - name: x\n    ports: 443\n"
		 "    credentials:\n      - key: %s/open.pem\n",
		 tmpdir);
	char want[256];
	snprintf(want, sizeof(want), "%s/t.yaml:5:14: error: 'key': '%s/open.pem' is readable", tmpdir,
		 tmpdir);
	load_fails_with(text, want);
}

static void
missing_file_is_reported(void **state)
{
	(void)state;
	struct policy p;
	char *diag = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&diag, &len);
	assert_int_equal(policy_load(&p, "/nonexistent/tlsips.yaml", f), TLSIPS_ECONFIG);
	fclose(f);
	assert_string_equal(diag, "/nonexistent/tlsips.yaml: error: cannot open: No such file or directory\n");
	policy_fini(&p);
	free(diag);
}

static void
build_rules_builtin(void **state)
{
	(void)state;
	struct policy p;
	policy_default(&p);
	char *diag = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&diag, &len);
	assert_int_equal(policy_build_rules(&p, f), 0);
	fclose(f);
	assert_non_null(p.app_types[0].rules);
	assert_true(detect_ruleset_count(p.app_types[0].rules) >= 1);
	free(diag);
	policy_fini(&p);
}

static void
build_rules_overrides(void **state)
{
	(void)state;
	struct policy p;
	load_ok(&p, "app-types:\n  - name: Local\n    ports: 80\n    rules: local.rules\n"
		    "rule-overrides:\n  - sid: 7100001\n    disable: true\n"
		    "  - sid: 7100002\n    action: prevent\n"
		    "  - sid: 123456\n    disable: true\n");
	char *diag = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&diag, &len);
	assert_int_equal(policy_build_rules(&p, f), 0);
	fclose(f);
	/* The built-in type does not hold 7100001, the local one does: only 123456 is nowhere. */
	char want[256];
	snprintf(want, sizeof(want),
		 "%s/t.yaml:10: warning: rule-overrides: sid 123456 is in no application type's rules\n",
		 tmpdir);
	assert_non_null(strstr(diag, want));
	assert_null(strstr(diag, "sid 7100001 is in no"));
	const struct detect_ruleset *rs = p.app_types[0].rules;
	assert_non_null(rs);
	assert_int_equal(detect_ruleset_stats(rs)->disabled, 1);
	bool found = false;
	for (uint32_t i = 0; i < detect_ruleset_count(rs); i++) {
		const struct detect_rule *r = detect_ruleset_rule(rs, i);
		if (r->sid == 7100002) {
			found = true;
			assert_int_equal(r->action, DETECT_ACTION_DROP);
		}
	}
	assert_true(found);
	free(diag);
	policy_fini(&p);
}

static void
build_rules_missing_file_fails(void **state)
{
	(void)state;
	write_file("gone.rules", "alert http any any -> any any (msg:\"x\"; sid:7200001;)\n", 0644);
	struct policy p;
	load_ok(&p, "app-types:\n  - name: Gone\n    ports: 80\n    rules: [gone.rules]\n");
	char path[256];
	snprintf(path, sizeof(path), "%s/gone.rules", tmpdir);
	assert_int_equal(unlink(path), 0);
	char *diag = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&diag, &len);
	assert_int_equal(policy_build_rules(&p, f), TLSIPS_ECONFIG);
	fclose(f);
	assert_non_null(strstr(diag, "gone.rules"));
	/* All or nothing. */
	assert_null(p.app_types[0].rules);
	assert_null(p.app_types[1].rules);
	free(diag);
	policy_fini(&p);
}

/* docs/config.md names every key of the tables. */
static void
docs_name_every_key(void **state)
{
	(void)state;
	FILE *f = fopen(TLSIPS_SOURCE_DIR "/docs/config.md", "r");
	assert_non_null(f);
	static char doc[1 << 17];
	size_t n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	const struct policy_key *const tables[] = {
		policy_keys_top,   policy_keys_limits,   policy_keys_inline,  policy_keys_tap,
		policy_keys_vars,  policy_keys_port_list, policy_keys_app_type, policy_keys_override,
		policy_keys_output, policy_keys_tls,     policy_keys_credential, policy_keys_keylog,
		policy_keys_peers,
	};
	char want[80];
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct policy_key *k = tables[t]; k->name; k++) {
			snprintf(want, sizeof(want), "`%s`", k->name);
			if (!strstr(doc, want))
				print_error("docs/config.md does not name %s\n", want);
			assert_non_null(strstr(doc, want));
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_right),
		cmocka_unit_test(empty_file_is_defaults),
		cmocka_unit_test(example_loads),
		cmocka_unit_test(every_key_parses),
		cmocka_unit_test(inline_section_parses),
		cmocka_unit_test(units_parse),
		cmocka_unit_test(builtin_type_inherits),
		cmocka_unit_test(app_for_port_picks_first),
		cmocka_unit_test(tls_for_matches_iface_address_port),
		cmocka_unit_test(each_error_has_its_message),
		cmocka_unit_test(nesting_and_size_are_bounded),
		cmocka_unit_test(several_errors_in_one_run),
		cmocka_unit_test(warnings_do_not_fail),
		cmocka_unit_test(missing_file_is_reported),
		cmocka_unit_test(build_rules_builtin),
		cmocka_unit_test(build_rules_overrides),
		cmocka_unit_test(build_rules_missing_file_fails),
		cmocka_unit_test(docs_name_every_key),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
