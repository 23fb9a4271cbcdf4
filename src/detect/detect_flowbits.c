/*
 * detect_flowbits: flowbit names become bit numbers at compile time (one
 * numbering for the whole set); a flow holds one bit per name. isset and
 * isnotset are conditions checked before the buffers; set, unset and toggle
 * act only once the whole rule matched.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "detect/detect_engine.h"

struct detect_fb_ref {
	const char *name;
	uint32_t *id;
};

static int
detect_flowbits_cmp(const void *a, const void *b)
{
	return strcmp(((const struct detect_fb_ref *)a)->name, ((const struct detect_fb_ref *)b)->name);
}

int
detect_flowbits_number(struct detect_ruleset *rs, struct detect_rule **rules, uint32_t n)
{
	size_t total = 0;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t f = 0; f < rules[i]->n_flowbits; f++)
			total += rules[i]->flowbits[f].n_names;
	rs->n_flowbits = 0;
	if (total == 0)
		return 0;
	struct detect_fb_ref *refs = calloc(total, sizeof(*refs));
	if (!refs)
		return TLSIPS_ENOMEM;
	size_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t f = 0; f < rules[i]->n_flowbits; f++) {
			struct detect_flowbit *fb = &rules[i]->flowbits[f];
			for (uint32_t j = 0; j < fb->n_names && j < DETECT_FLOWBIT_NAMES; j++) {
				refs[k].name = fb->names[j] ? fb->names[j] : "";
				refs[k].id = &fb->ids[j];
				k++;
			}
		}
	}
	qsort(refs, k, sizeof(*refs), detect_flowbits_cmp);
	uint32_t id = 0;
	for (size_t i = 0; i < k; i++) {
		if (i > 0 && strcmp(refs[i].name, refs[i - 1].name) != 0)
			id++;
		*refs[i].id = id;
	}
	rs->n_flowbits = k > 0 ? id + 1 : 0;
	free(refs);
	return 0;
}

static bool
detect_flowbits_is_set(const struct detect_flow *df, uint32_t id)
{
	return df && id < df->n_bits && (df->bits[id / 64] >> (id % 64)) & 1;
}

/* isset: all names set ('&' or one), or any ('|'). isnotset: none set, or any unset ('|'). */
static bool
detect_flowbits_holds(const struct detect_flowbit *fb, const struct detect_flow *df)
{
	bool want = fb->op == DETECT_FLOWBIT_ISSET;
	uint32_t n = fb->n_names < DETECT_FLOWBIT_NAMES ? fb->n_names : DETECT_FLOWBIT_NAMES;
	for (uint32_t j = 0; j < n; j++) {
		bool ok = detect_flowbits_is_set(df, fb->ids[j]) == want;
		if (fb->any_of && ok)
			return true;
		if (!fb->any_of && !ok)
			return false;
	}
	return !fb->any_of || n == 0;
}

bool
detect_flowbits_check(const struct detect_rule *r, const struct detect_flow *df)
{
	for (uint32_t f = 0; f < r->n_flowbits; f++) {
		const struct detect_flowbit *fb = &r->flowbits[f];
		if ((fb->op == DETECT_FLOWBIT_ISSET || fb->op == DETECT_FLOWBIT_ISNOTSET) &&
		    !detect_flowbits_holds(fb, df))
			return false;
	}
	return true;
}

void
detect_flowbits_apply(const struct detect_rule *r, struct detect_flow *df)
{
	if (!df)
		return;
	for (uint32_t f = 0; f < r->n_flowbits; f++) {
		const struct detect_flowbit *fb = &r->flowbits[f];
		uint32_t n = fb->n_names < DETECT_FLOWBIT_NAMES ? fb->n_names : DETECT_FLOWBIT_NAMES;
		for (uint32_t j = 0; j < n; j++) {
			uint32_t id = fb->ids[j];
			if (id >= df->n_bits)
				continue;
			uint64_t m = (uint64_t)1 << (id % 64);
			if (fb->op == DETECT_FLOWBIT_SET)
				df->bits[id / 64] |= m;
			else if (fb->op == DETECT_FLOWBIT_UNSET)
				df->bits[id / 64] &= ~m;
			else if (fb->op == DETECT_FLOWBIT_TOGGLE)
				df->bits[id / 64] ^= m;
		}
	}
}
