/*
 * Shared inside detect/: the rule set as the loader builds it and the
 * compiler completes it. detect_ruleset.c owns loading (files, text,
 * classification, overrides); detect_compile.c owns `compiled`.
 */
#ifndef TLSIPS_DETECT_INT_H
#define TLSIPS_DETECT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/detect.h"

struct detect_classtype {
	char *name, *description; /* owned */
	uint32_t priority;
};

struct detect_compiled;      /* prefilter databases and rule groups: detect_compile.c */

struct detect_ruleset {
	struct detect_vars vars;
	FILE *diag;                  /* borrowed, may be NULL */
	struct detect_rule *rules;   /* owned array, load order */
	uint32_t n_rules, cap_rules;
	bool *disabled;              /* per rule, by override (parallel to rules) */
	char **files;                /* owned file names that rules[i].file points into */
	uint32_t n_files;
	struct detect_classtype *classes; /* built-in table, then classification files */
	uint32_t n_classes;
	struct detect_load_stats stats;
	struct detect_compiled *compiled; /* NULL until detect_ruleset_compile */
	uint32_t n_flowbits;         /* distinct flowbit names, numbered by the compiler */
};

/* Frees the compiled part (detect_compile.c); safe on NULL. */
void detect_compiled_free(struct detect_compiled *dcm);

/* Reports "FILE:LINE: LEVEL: MESSAGE" on rs->diag (level "error" or "warning"). */
void detect_diag(struct detect_ruleset *rs, const char *file, uint32_t line, const char *level,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
