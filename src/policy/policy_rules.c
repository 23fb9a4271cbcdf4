/*
 * policy_rules: loading and compiling each application type's rule set.
 *
 * Separate from policy_load because it is the expensive part: `tlsips
 * check` and a reload build the sets aside and publish them whole. Each
 * type gets its own set (its files, the overrides, the classification), so
 * a flow is matched only against the rules of the type its port selects.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "policy/policy_int.h"

/* One type's set; *hit marks the overrides whose sid it holds. */
static int
policy_rules_build_one(struct policy *p, struct policy_app_type *a, bool *hit, FILE *diag)
{
	struct detect_ruleset *rs = detect_ruleset_new(&p->vars, diag);
	if (!rs)
		return TLSIPS_ENOMEM;
	int rc = 0;
	for (uint32_t i = 0; i < a->n_rule_files; i++) {
		const char *f = a->rule_files[i];
		int r = strcmp(f, POLICY_BUILTIN_RULES) == 0 ?
				detect_ruleset_load_text(rs, POLICY_BUILTIN_RULES, policy_builtin_rules,
							 (size_t)policy_builtin_rules_len) :
				detect_ruleset_load_file(rs, f);
		if (r != 0)
			rc = r; /* reported by detect; go on to report the other files too */
	}
	if (p->classification[0] && detect_ruleset_load_classification(rs, p->classification) != 0)
		rc = TLSIPS_ECONFIG;
	for (uint32_t i = 0; i < p->n_overrides; i++) {
		const struct policy_override *o = &p->overrides[i];
		int r = o->disable ? detect_ruleset_disable(rs, o->sid) :
				     detect_ruleset_set_action(rs, o->sid, o->action);
		if (r == 0)
			hit[i] = true;
	}
	if (rc == 0)
		rc = detect_ruleset_compile(rs);
	if (rc != 0) {
		detect_ruleset_free(rs);
		return rc == TLSIPS_ENOMEM ? rc : TLSIPS_ECONFIG;
	}
	a->rules = rs;
	return 0;
}

int
policy_build_rules(struct policy *p, FILE *diag)
{
	bool *hit = calloc(p->n_overrides ? p->n_overrides : 1, sizeof(*hit));
	if (!hit)
		return TLSIPS_ENOMEM;
	int rc = 0;
	for (uint32_t i = 0; i < p->n_app_types; i++) {
		struct policy_app_type *a = &p->app_types[i];
		detect_ruleset_free(a->rules);
		a->rules = NULL;
		int r = policy_rules_build_one(p, a, hit, diag);
		if (r != 0 && rc != TLSIPS_ENOMEM)
			rc = r;
	}
	for (uint32_t i = 0; i < p->n_overrides && diag; i++)
		if (!hit[i])
			fprintf(diag, "%s:%u: warning: rule-overrides: sid %u is in no application "
				      "type's rules\n",
				p->path[0] ? p->path : "(defaults)", p->overrides[i].line,
				p->overrides[i].sid);
	free(hit);
	if (rc != 0) {
		/* All or nothing: a half-built policy must not be published. */
		for (uint32_t i = 0; i < p->n_app_types; i++) {
			detect_ruleset_free(p->app_types[i].rules);
			p->app_types[i].rules = NULL;
		}
	}
	return rc;
}
