/* Freeing a parsed rule: everything it owns, pcre code included. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>

#include "detect/detect_rule.h"

static void
detect_cond_fini(struct detect_cond *c)
{
	if (c->kind == DETECT_COND_CONTENT) {
		free(c->u.content.pat);
	} else if (c->kind == DETECT_COND_PCRE) {
		free(c->u.pcre.re);
		pcre2_code_free(c->u.pcre.code);
	}
}

void
detect_rule_fini(struct detect_rule *r)
{
	for (uint32_t i = 0; i < r->n_conds; i++)
		detect_cond_fini(&r->conds[i]);
	free(r->conds);
	for (uint32_t i = 0; i < r->n_flowbits; i++)
		for (uint32_t j = 0; j < r->flowbits[i].n_names; j++)
			free(r->flowbits[i].names[j]);
	free(r->flowbits);
	free(r->msg);
	free(r->classtype);
	free(r->target);
	r->conds = NULL;
	r->flowbits = NULL;
	r->msg = r->classtype = r->target = NULL;
	r->n_conds = r->n_flowbits = 0;
}
