/*
 * Compatibility with Emerging Threats Open: loads the six web-facing ET
 * files from ../shared/rules (TLSIPS_ET_RULES_DIR), prints per file what
 * loaded, was skipped or failed and the keywords that caused skips, and
 * requires that at least 95 % of the active HTTP-related rules parse. A rule
 * is HTTP-related when its protocol is http/http1, it names an HTTP buffer
 * or modifier (or file.data), or it names $HTTP_PORTS / $HTTP_SERVERS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "detect/detect.h"

#ifndef TLSIPS_ET_RULES_DIR
#define TLSIPS_ET_RULES_DIR "../shared/rules"
#endif

static const char *const et_files[] = {
	"emerging-web_server.rules",   "emerging-web_specific_apps.rules",
	"emerging-exploit.rules",      "emerging-scan.rules",
	"emerging-user_agents.rules",  "emerging-attack_response.rules",
};

struct et_count {
	uint32_t http, http_ok, http_skipped, http_failed;
};

static bool
et_is_active_rule(const char *s)
{
	static const char *const actions[] = { "alert ", "drop ", "reject ", "pass " };
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strncmp(s, actions[i], strlen(actions[i])) == 0)
			return true;
	return false;
}

static bool
et_is_http(const char *s)
{
	char action[16], proto[16];
	if (sscanf(s, "%15s %15s", action, proto) == 2 &&
	    (strcmp(proto, "http") == 0 || strcmp(proto, "http1") == 0))
		return true;
	if (strstr(s, "$HTTP_PORTS") || strstr(s, "$HTTP_SERVERS") || strstr(s, "file.data;") ||
	    strstr(s, "file_data;"))
		return true;
	/* "; http.x;" or "; http_x;" as an option keyword. */
	for (const char *p = strstr(s, "; http"); p; p = strstr(p + 1, "; http"))
		if (p[6] == '.' || p[6] == '_')
			return true;
	return false;
}

/* Parses every active rule of one file alone, counting the HTTP-related ones. */
static void
et_count_file(const char *path, const struct detect_vars *vars, struct et_count *c)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t cap = 1 << 16;
	char *line = malloc(cap);
	assert_non_null(line);
	while (fgets(line, (int)cap, f)) {
		size_t len = strlen(line);
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!et_is_active_rule(line) || !et_is_http(line))
			continue;
		struct detect_rule r;
		struct detect_parse_diag d;
		enum detect_parse_status st = detect_parse_rule(line, len, vars, &r, &d);
		c->http++;
		if (st == DETECT_PARSE_OK) {
			c->http_ok++;
			detect_rule_fini(&r);
		} else if (st == DETECT_PARSE_SKIPPED) {
			c->http_skipped++;
		} else {
			c->http_failed++;
			printf("    failed: %s\n", d.msg);
		}
	}
	free(line);
	fclose(f);
}

static void
et_print_skips(const struct detect_load_stats *st)
{
	/* Top keywords, most frequent first (selection over a small table). */
	bool used[DETECT_SKIP_KEYWORDS] = { false };
	printf("    top skipped keywords:");
	for (int k = 0; k < 8; k++) {
		int best = -1;
		for (uint32_t i = 0; i < st->n_skipped_by; i++)
			if (!used[i] && (best < 0 || st->skipped_by[i].count > st->skipped_by[best].count))
				best = (int)i;
		if (best < 0)
			break;
		used[best] = true;
		printf(" %s=%u", st->skipped_by[best].keyword, st->skipped_by[best].count);
	}
	printf("\n");
}

static void
test_et_http_rules_parse(void **state)
{
	(void)state;
	struct stat sb;
	if (stat(TLSIPS_ET_RULES_DIR, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		printf("ET rules folder %s not found: test skipped\n", TLSIPS_ET_RULES_DIR);
		skip();
	}
	struct detect_vars vars;
	detect_vars_default(&vars);
	struct et_count total = { 0, 0, 0, 0 };
	for (size_t i = 0; i < sizeof(et_files) / sizeof(et_files[0]); i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", TLSIPS_ET_RULES_DIR, et_files[i]);
		struct detect_ruleset *rs = detect_ruleset_new(&vars, NULL);
		assert_non_null(rs);
		assert_int_equal(detect_ruleset_load_file(rs, path), 0);
		const struct detect_load_stats *st = detect_ruleset_stats(rs);
		printf("%s: loaded %u, skipped %u, failed %u, commented %u, duplicates %u\n",
		       et_files[i], st->loaded, st->skipped, st->failed, st->commented, st->duplicates);
		assert_int_equal(st->loaded, detect_ruleset_count(rs));
		et_print_skips(st);
		struct et_count c = { 0, 0, 0, 0 };
		et_count_file(path, &vars, &c);
		printf("    HTTP-related: %u, parsed %u (%.1f %%), skipped %u, failed %u\n", c.http,
		       c.http_ok, c.http ? 100.0 * c.http_ok / c.http : 0.0, c.http_skipped,
		       c.http_failed);
		total.http += c.http;
		total.http_ok += c.http_ok;
		total.http_skipped += c.http_skipped;
		total.http_failed += c.http_failed;
		detect_ruleset_free(rs);
	}
	printf("total HTTP-related: %u, parsed %u (%.2f %%), skipped %u, failed %u\n", total.http,
	       total.http_ok, total.http ? 100.0 * total.http_ok / total.http : 0.0,
	       total.http_skipped, total.http_failed);
	assert_true(total.http > 1000);
	assert_true((uint64_t)total.http_ok * 100 >= (uint64_t)total.http * 95);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_et_http_rules_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
