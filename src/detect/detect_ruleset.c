/*
 * detect_ruleset: loading rule files into a set, before it is compiled.
 *
 * A rule file is lines; a line ending in '\' continues on the next one (the
 * rule keeps the number of its first line). Blank lines and comments are
 * skipped; a comment that is itself a rule ("#alert ...") is counted as
 * shipped disabled. Every active rule is parsed: kept when it parses,
 * otherwise reported as "FILE:LINE: error|warning: ..." and counted failed
 * or skipped (skips by keyword too). A later rule with the gid:sid of an
 * earlier one is dropped with a warning.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/num.h"
#include "detect/detect_parse.h"

enum {
	DETECT_RULES_MAX = 1000000,          /* rules in one set */
	DETECT_FILES_MAX = 4096,             /* files (or texts) loaded into one set */
	DETECT_CLASSES_MAX = 1024,           /* classtypes */
	DETECT_FILE_BYTES_MAX = 256u << 20,  /* size of one rule or classification file */
};

void
detect_diag(struct detect_ruleset *rs, const char *file, uint32_t line, const char *level,
	    const char *fmt, ...)
{
	if (!rs || !rs->diag)
		return;
	if (line > 0)
		fprintf(rs->diag, "%s:%u: %s: ", file, line, level);
	else
		fprintf(rs->diag, "%s: %s: ", file, level);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(rs->diag, fmt, ap);
	va_end(ap);
	fputc('\n', rs->diag);
}

static char *
detect_ruleset_strndup(const char *s, size_t len)
{
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/* Adds or replaces a classtype by name; takes nothing on failure. */
static int
detect_ruleset_class_set(struct detect_ruleset *rs, const char *name, size_t nlen,
			 const char *desc, size_t dlen, uint32_t prio)
{
	struct detect_classtype *c = NULL;
	for (uint32_t i = 0; i < rs->n_classes && !c; i++)
		if (strlen(rs->classes[i].name) == nlen && memcmp(rs->classes[i].name, name, nlen) == 0)
			c = &rs->classes[i];
	char *d = detect_ruleset_strndup(desc, dlen);
	if (!d)
		return TLSIPS_ENOMEM;
	if (c) {
		free(c->description);
		c->description = d;
		c->priority = prio;
		return 0;
	}
	char *n = detect_ruleset_strndup(name, nlen);
	struct detect_classtype *tab = NULL;
	if (n && rs->n_classes < DETECT_CLASSES_MAX)
		tab = realloc(rs->classes, (rs->n_classes + 1) * sizeof(*tab));
	if (!tab) {
		free(n);
		free(d);
		return n ? TLSIPS_ELIMIT : TLSIPS_ENOMEM;
	}
	rs->classes = tab;
	tab[rs->n_classes].name = n;
	tab[rs->n_classes].description = d;
	tab[rs->n_classes].priority = prio;
	rs->n_classes++;
	return 0;
}

struct detect_ruleset *
detect_ruleset_new(const struct detect_vars *vars, FILE *diag)
{
	struct detect_ruleset *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return NULL;
	if (vars)
		rs->vars = *vars;
	else
		detect_vars_default(&rs->vars);
	rs->diag = diag;
	for (uint32_t i = 0; i < detect_class_builtin_count; i++) {
		const struct detect_class_row *row = &detect_class_builtin[i];
		if (detect_ruleset_class_set(rs, row->name, strlen(row->name), row->description,
					     strlen(row->description), row->priority) != 0) {
			detect_ruleset_free(rs);
			return NULL;
		}
	}
	return rs;
}

void
detect_ruleset_free(struct detect_ruleset *rs)
{
	if (!rs)
		return;
	detect_compiled_free(rs->compiled);
	rs->compiled = NULL;
	for (uint32_t i = 0; i < rs->n_rules; i++)
		detect_rule_fini(&rs->rules[i]);
	free(rs->rules);
	free(rs->disabled);
	for (uint32_t i = 0; i < rs->n_files; i++)
		free(rs->files[i]);
	free(rs->files);
	for (uint32_t i = 0; i < rs->n_classes; i++) {
		free(rs->classes[i].name);
		free(rs->classes[i].description);
	}
	free(rs->classes);
	free(rs);
}

/* Keeps a copy of a file name for the rules loaded from it to point at. */
static const char *
detect_ruleset_file_name(struct detect_ruleset *rs, const char *name)
{
	if (rs->n_files >= DETECT_FILES_MAX)
		return NULL;
	char **tab = realloc(rs->files, (rs->n_files + 1) * sizeof(*tab));
	if (!tab)
		return NULL;
	rs->files = tab;
	char *copy = detect_ruleset_strndup(name, strlen(name));
	if (!copy)
		return NULL;
	tab[rs->n_files++] = copy;
	return copy;
}

static void
detect_ruleset_count_skip(struct detect_ruleset *rs, const char *keyword)
{
	struct detect_load_stats *st = &rs->stats;
	const char *kw = keyword[0] ? keyword : "(unknown)";
	for (uint32_t i = 0; i < st->n_skipped_by; i++)
		if (strcmp(st->skipped_by[i].keyword, kw) == 0) {
			st->skipped_by[i].count++;
			return;
		}
	/* A full table folds the rest into its last row. */
	if (st->n_skipped_by == DETECT_SKIP_KEYWORDS) {
		snprintf(st->skipped_by[DETECT_SKIP_KEYWORDS - 1].keyword,
			 sizeof(st->skipped_by[0].keyword), "%s", "(other)");
		st->skipped_by[DETECT_SKIP_KEYWORDS - 1].count++;
		return;
	}
	snprintf(st->skipped_by[st->n_skipped_by].keyword, sizeof(st->skipped_by[0].keyword), "%s",
		 kw);
	st->skipped_by[st->n_skipped_by++].count = 1;
}

/* The sid written in a rule's text, for messages about rules that did not parse; 0 if none. */
static uint32_t
detect_ruleset_sid_of(const char *s, size_t len)
{
	for (size_t i = 0; i + 4 < len; i++) {
		if (memcmp(s + i, "sid:", 4) != 0 || (i > 0 && s[i - 1] != ';' && s[i - 1] != ' ' &&
						       s[i - 1] != '('))
			continue;
		uint64_t v = 0;
		size_t j = i + 4;
		while (j < len && s[j] == ' ')
			j++;
		while (j < len && s[j] >= '0' && s[j] <= '9' && v < UINT32_MAX)
			v = v * 10 + (uint64_t)(s[j++] - '0');
		return v <= UINT32_MAX ? (uint32_t)v : 0;
	}
	return 0;
}

static int
detect_ruleset_append(struct detect_ruleset *rs, struct detect_rule *r)
{
	if (rs->n_rules == rs->cap_rules) {
		if (rs->cap_rules >= DETECT_RULES_MAX)
			return TLSIPS_ELIMIT;
		uint32_t cap = rs->cap_rules ? rs->cap_rules * 2 : 8;
		if (cap > DETECT_RULES_MAX)
			cap = DETECT_RULES_MAX;
		struct detect_rule *rules = realloc(rs->rules, cap * sizeof(*rules));
		if (!rules)
			return TLSIPS_ENOMEM;
		rs->rules = rules;
		bool *dis = realloc(rs->disabled, cap * sizeof(*dis));
		if (!dis)
			return TLSIPS_ENOMEM;
		rs->disabled = dis;
		rs->cap_rules = cap;
	}
	rs->disabled[rs->n_rules] = false;
	rs->rules[rs->n_rules++] = *r;
	return 0;
}

/* Parses one logical line that holds an active rule and files the outcome. */
static void
detect_ruleset_parse_one(struct detect_ruleset *rs, const char *file, uint32_t line, const char *text,
		    size_t len)
{
	struct detect_rule r;
	struct detect_parse_diag d;
	enum detect_parse_status st =
		detect_parse_rule_classes(text, len, &rs->vars, rs->classes, rs->n_classes, &r, &d);
	uint32_t sid = detect_ruleset_sid_of(text, len);
	if (st == DETECT_PARSE_SKIPPED) {
		rs->stats.skipped++;
		detect_ruleset_count_skip(rs, d.keyword);
		detect_diag(rs, file, line, "warning", "sid %u skipped: %s", sid, d.msg);
		return;
	}
	if (st != DETECT_PARSE_OK) {
		rs->stats.failed++;
		detect_diag(rs, file, line, "error", "sid %u: %s", sid, d.msg);
		return;
	}
	r.file = file;
	r.line = line;
	int rc = detect_ruleset_append(rs, &r);
	if (rc != 0) {
		detect_rule_fini(&r);
		rs->stats.failed++;
		detect_diag(rs, file, line, "error", "sid %u: %s", sid,
			    rc == TLSIPS_ELIMIT ? "too many rules" : "out of memory");
		return;
	}
	rs->stats.loaded++;
}

struct detect_dup_key {
	uint64_t key; /* gid << 32 | sid */
	uint32_t idx;
};

static int
detect_ruleset_dup_cmp(const void *pa, const void *pb)
{
	const struct detect_dup_key *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * Drops every rule whose gid:sid an earlier rule has. Sorting keys with the
 * load position keeps the first of each run; survivors keep their order.
 */
static void
detect_ruleset_dedup(struct detect_ruleset *rs)
{
	uint32_t n = rs->n_rules;
	struct detect_dup_key *k = n > 1 ? malloc(n * sizeof(*k)) : NULL;
	bool *drop = n > 1 ? calloc(n, sizeof(*drop)) : NULL;
	if (!k || !drop)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		k[i].key = (uint64_t)rs->rules[i].gid << 32 | rs->rules[i].sid;
		k[i].idx = i;
	}
	qsort(k, n, sizeof(*k), detect_ruleset_dup_cmp);
	for (uint32_t i = 1; i < n; i++) {
		if (k[i].key == k[i - 1].key)
			drop[k[i].idx] = true;
	}
	uint32_t w = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct detect_rule *r = &rs->rules[i];
		if (!drop[i]) {
			rs->disabled[w] = rs->disabled[i];
			rs->rules[w++] = *r;
			continue;
		}
		rs->stats.duplicates++;
		if (rs->stats.loaded > 0)
			rs->stats.loaded--;
		detect_diag(rs, r->file, r->line, "warning", "duplicate rule %u:%u dropped", r->gid,
			    r->sid);
		detect_rule_fini(r);
	}
	rs->n_rules = w;
out:
	free(k);
	free(drop);
}

static bool
detect_ruleset_is_commented_rule(const char *s, size_t len)
{
	static const char *const actions[] = { "alert",	    "drop",	 "reject", "rejectsrc",
					       "rejectdst", "rejectboth", "pass" };
	while (len > 0 && (*s == '#' || *s == ' ' || *s == '\t'))
		s++, len--;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		size_t al = strlen(actions[i]);
		if (len > al && memcmp(s, actions[i], al) == 0 && (s[al] == ' ' || s[al] == '\t'))
			return true;
	}
	return false;
}

/* One logical line: blank, comment, or a rule. */
static void
detect_ruleset_line(struct detect_ruleset *rs, const char *file, uint32_t line, const char *s,
		    size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	if (len == 0)
		return;
	if (s[0] == '#') {
		if (detect_ruleset_is_commented_rule(s, len))
			rs->stats.commented++;
		return;
	}
	detect_ruleset_parse_one(rs, file, line, s, len);
}

/* Joins continuation lines into acc (bounded); returns false when the rule is too long. */
static bool
detect_ruleset_acc_add(char **acc, size_t *acc_len, size_t *acc_cap, const char *s, size_t len)
{
	if (len == 0)
		return true; /* an empty piece: acc may still be NULL */
	if (*acc_len + len > DETECT_PARSE_TEXT_MAX)
		return false;
	if (*acc_len + len > *acc_cap) {
		size_t cap = *acc_cap ? *acc_cap : 1024;
		while (cap < *acc_len + len)
			cap *= 2;
		char *p = realloc(*acc, cap);
		if (!p)
			return false;
		*acc = p;
		*acc_cap = cap;
	}
	memcpy(*acc + *acc_len, s, len);
	*acc_len += len;
	return true;
}

int
detect_ruleset_load_text(struct detect_ruleset *rs, const char *name, const char *text, size_t len)
{
	const char *file = detect_ruleset_file_name(rs, name ? name : "(text)");
	if (!file) {
		detect_diag(rs, name ? name : "(text)", 0, "error", "too many rule files");
		return TLSIPS_ELIMIT;
	}
	rs->stats.files++;
	char *acc = NULL;
	size_t acc_len = 0, acc_cap = 0, pos = 0;
	uint32_t line = 0, first = 0;
	bool cont = false, too_long = false;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *s = text + pos;
		size_t sl = end - pos;
		pos = nl ? end + 1 : len;
		line++;
		if (sl > 0 && s[sl - 1] == '\r')
			sl--;
		bool more = sl > 0 && s[sl - 1] == '\\';
		if (!cont && !more) {
			detect_ruleset_line(rs, file, line, s, sl);
			continue;
		}
		if (!cont) {
			first = line;
			acc_len = 0;
			too_long = false;
		}
		if (!too_long && !detect_ruleset_acc_add(&acc, &acc_len, &acc_cap, s, more ? sl - 1 : sl))
			too_long = true;
		cont = more;
		if (cont && pos < len)
			continue;
		cont = false;
		if (too_long) {
			rs->stats.failed++;
			detect_diag(rs, file, first, "error", "rule longer than %d bytes",
				    DETECT_PARSE_TEXT_MAX);
		} else {
			detect_ruleset_line(rs, file, first, acc, acc_len);
		}
	}
	free(acc);
	detect_ruleset_dedup(rs);
	return 0;
}

/* Reads a whole file into a new buffer; reports and returns TLSIPS_ECONFIG when it cannot. */
static int
detect_ruleset_read(struct detect_ruleset *rs, const char *path, char **out, size_t *out_len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, cap = 0;
	if (!f) {
		detect_diag(rs, path, 0, "error", "cannot open: %s", strerror(errno));
		return TLSIPS_ECONFIG;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *p = ncap <= DETECT_FILE_BYTES_MAX ? realloc(data, ncap) : NULL;
			if (!p) {
				detect_diag(rs, path, 0, "error", "file larger than %u bytes or out of "
					    "memory", DETECT_FILE_BYTES_MAX);
				goto fail;
			}
			data = p;
			cap = ncap;
		}
		size_t n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		detect_diag(rs, path, 0, "error", "cannot read: %s", strerror(errno));
		goto fail;
	}
	fclose(f);
	*out = data;
	*out_len = len;
	return 0;
fail:
	fclose(f);
	free(data);
	return TLSIPS_ECONFIG;
}

int
detect_ruleset_load_file(struct detect_ruleset *rs, const char *path)
{
	char *data;
	size_t len;
	int rc = detect_ruleset_read(rs, path, &data, &len);
	if (rc != 0)
		return rc;
	rc = detect_ruleset_load_text(rs, path, data, len);
	free(data);
	return rc;
}

/* "config classification: NAME,DESCRIPTION,PRIORITY". */
static int
detect_ruleset_class_line(struct detect_ruleset *rs, const char *s, size_t len)
{
	static const char prefix[] = "config classification:";
	size_t pl = sizeof(prefix) - 1;
	if (len < pl || memcmp(s, prefix, pl) != 0)
		return TLSIPS_EMALFORMED;
	s += pl, len -= pl;
	const char *c1 = memchr(s, ',', len);
	const char *c2 = NULL;
	for (size_t i = len; i > 0 && !c2; i--)
		if (s[i - 1] == ',')
			c2 = s + i - 1;
	if (!c1 || c2 == c1)
		return TLSIPS_EMALFORMED;
	const char *name = s, *desc = c1 + 1, *prio = c2 + 1;
	size_t nl = (size_t)(c1 - s), dl = (size_t)(c2 - desc), pl2 = len - (size_t)(prio - s);
	detect_parse_trim(&name, &nl);
	detect_parse_trim(&desc, &dl);
	detect_parse_trim(&prio, &pl2);
	uint64_t p;
	if (nl == 0 || nl > DETECT_PARSE_NAME_MAX || num_parse_u64(prio, pl2, 1, 255, &p) != 0)
		return TLSIPS_EMALFORMED;
	return detect_ruleset_class_set(rs, name, nl, desc, dl, (uint32_t)p);
}

int
detect_ruleset_load_classification(struct detect_ruleset *rs, const char *path)
{
	char *data;
	size_t len;
	int rc = detect_ruleset_read(rs, path, &data, &len);
	if (rc != 0)
		return rc;
	size_t pos = 0;
	uint32_t line = 0;
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len;
		const char *s = data + pos;
		size_t sl = end - pos;
		pos = nl ? end + 1 : len;
		line++;
		while (sl > 0 && (s[sl - 1] == '\r' || s[sl - 1] == ' ' || s[sl - 1] == '\t'))
			sl--;
		while (sl > 0 && (*s == ' ' || *s == '\t'))
			s++, sl--;
		if (sl == 0 || s[0] == '#')
			continue;
		int lrc = detect_ruleset_class_line(rs, s, sl);
		if (lrc != 0) {
			detect_diag(rs, path, line, "error", "%s",
				    lrc == TLSIPS_EMALFORMED ?
					    "expected 'config classification: name,description,priority'" :
					    "too many classtypes or out of memory");
			rc = TLSIPS_ECONFIG;
		}
	}
	free(data);
	return rc;
}

static struct detect_rule *
detect_ruleset_find(struct detect_ruleset *rs, uint32_t sid, uint32_t *out_idx)
{
	for (uint32_t i = 0; i < rs->n_rules; i++)
		if (rs->rules[i].sid == sid) {
			*out_idx = i;
			return &rs->rules[i];
		}
	return NULL;
}

int
detect_ruleset_disable(struct detect_ruleset *rs, uint32_t sid)
{
	uint32_t idx;
	if (!detect_ruleset_find(rs, sid, &idx))
		return TLSIPS_ENOKEY;
	if (!rs->disabled[idx]) {
		rs->disabled[idx] = true;
		rs->stats.disabled++;
	}
	return 0;
}

int
detect_ruleset_set_action(struct detect_ruleset *rs, uint32_t sid, enum detect_action action)
{
	uint32_t idx;
	struct detect_rule *r = detect_ruleset_find(rs, sid, &idx);
	if (!r)
		return TLSIPS_ENOKEY;
	r->action = action;
	return 0;
}

const struct detect_load_stats *
detect_ruleset_stats(const struct detect_ruleset *rs)
{
	return &rs->stats;
}

uint32_t
detect_ruleset_count(const struct detect_ruleset *rs)
{
	return rs->n_rules;
}

const struct detect_rule *
detect_ruleset_rule(const struct detect_ruleset *rs, uint32_t idx)
{
	return idx < rs->n_rules ? &rs->rules[idx] : NULL;
}

const char *
detect_ruleset_category(const struct detect_ruleset *rs, const struct detect_rule *r)
{
	if (!r->classtype)
		return "";
	for (uint32_t i = 0; i < rs->n_classes; i++)
		if (strcmp(rs->classes[i].name, r->classtype) == 0)
			return rs->classes[i].description;
	return r->classtype;
}
