/*
 * policy_yaml: a small document tree over libyaml's event parser.
 *
 * libyaml's own document loader drops nothing we need, but it resolves
 * aliases into shared nodes, so a walk over a crafted file can take
 * exponential time ("billion laughs"). Building the tree from events lets us
 * refuse aliases outright and bound nodes and depth while reading, and keep
 * the line and column of every node for messages.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "base/err.h"
#include "policy/policy_int.h"

struct policy_yaml_build {
	struct policy_node *root, *cur;
	uint32_t nodes, depth;
	struct policy_diag *d;
	bool failed;
};

const char *
policy_yaml_kind_name(enum policy_node_kind k)
{
	switch (k) {
	case POLICY_NODE_SCALAR: return "a value";
	case POLICY_NODE_SEQ: return "a list";
	case POLICY_NODE_MAP: return "a mapping";
	}
	return "?";
}

bool
policy_yaml_is_null(const struct policy_node *n)
{
	if (n->kind != POLICY_NODE_SCALAR || !n->plain)
		return false;
	return n->len == 0 || (n->len == 1 && n->text[0] == '~') ||
	       (n->len == 4 && strncasecmp(n->text, "null", 4) == 0);
}

void
policy_yaml_free(struct policy_node *n)
{
	if (!n)
		return;
	/* Depth is bounded by POLICY_YAML_MAX_DEPTH, so recursion is safe. */
	for (uint32_t i = 0; i < n->n_kids; i++)
		policy_yaml_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

static int
policy_yaml_attach(struct policy_yaml_build *b, struct policy_node *n)
{
	if (!b->cur) {
		b->root = n;
		return 0;
	}
	struct policy_node *p = b->cur;
	if (p->n_kids == p->cap_kids) {
		uint32_t cap = p->cap_kids ? p->cap_kids * 2 : 8;
		struct policy_node **k = realloc(p->kids, cap * sizeof(*k));
		if (!k)
			return TLSIPS_ENOMEM;
		p->kids = k;
		p->cap_kids = cap;
	}
	p->kids[p->n_kids++] = n;
	n->parent = p;
	return 0;
}

/* A new node at the event's position, attached to the current container. */
static struct policy_node *
policy_yaml_add(struct policy_yaml_build *b, enum policy_node_kind kind, const yaml_event_t *ev)
{
	if (b->nodes >= POLICY_YAML_MAX_NODES) {
		policy_diag_error(b->d, (uint32_t)ev->start_mark.line + 1,
				  (uint32_t)ev->start_mark.column + 1, NULL,
				  "the document has more than %u values", POLICY_YAML_MAX_NODES);
		return NULL;
	}
	struct policy_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (uint32_t)ev->start_mark.line + 1;
	n->col = (uint32_t)ev->start_mark.column + 1;
	if (policy_yaml_attach(b, n) != 0) {
		free(n);
		return NULL;
	}
	b->nodes++;
	return n;
}

static bool
policy_yaml_scalar(struct policy_yaml_build *b, const yaml_event_t *ev)
{
	struct policy_node *n = policy_yaml_add(b, POLICY_NODE_SCALAR, ev);
	if (!n)
		return false;
	size_t len = ev->data.scalar.length;
	n->text = malloc(len + 1);
	if (!n->text)
		return false;
	memcpy(n->text, ev->data.scalar.value, len);
	n->text[len] = '\0';
	n->len = len;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return true;
}

static bool
policy_yaml_open(struct policy_yaml_build *b, enum policy_node_kind kind, const yaml_event_t *ev)
{
	if (b->depth >= POLICY_YAML_MAX_DEPTH) {
		policy_diag_error(b->d, (uint32_t)ev->start_mark.line + 1,
				  (uint32_t)ev->start_mark.column + 1, NULL,
				  "nesting deeper than %u levels", POLICY_YAML_MAX_DEPTH);
		return false;
	}
	struct policy_node *n = policy_yaml_add(b, kind, ev);
	if (!n)
		return false;
	b->cur = n;
	b->depth++;
	return true;
}

/* One event into the tree; false stops the parse (the reason is reported). */
static bool
policy_yaml_event(struct policy_yaml_build *b, const yaml_event_t *ev, uint32_t *docs)
{
	uint32_t line = (uint32_t)ev->start_mark.line + 1, col = (uint32_t)ev->start_mark.column + 1;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1) {
			policy_diag_error(b->d, line, col, "keep the whole policy in one document",
					  "a second YAML document ('---')");
			return false;
		}
		return true;
	case YAML_ALIAS_EVENT:
		policy_diag_error(b->d, line, col, "write the value out again",
				  "YAML aliases ('*name') are not supported");
		return false;
	case YAML_SCALAR_EVENT:
		return policy_yaml_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return policy_yaml_open(b, POLICY_NODE_SEQ, ev);
	case YAML_MAPPING_START_EVENT:
		return policy_yaml_open(b, POLICY_NODE_MAP, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->cur) {
			b->cur = b->cur->parent;
			b->depth--;
		}
		return true;
	default:
		return true;
	}
}

static void
policy_yaml_syntax(struct policy_diag *d, const yaml_parser_t *yp)
{
	const yaml_mark_t *m = &yp->problem_mark;
	const char *problem = yp->problem ? yp->problem : "syntax error";
	if (yp->error == YAML_READER_ERROR) {
		/* Reader errors (bad encoding) carry a byte offset, not a mark. */
		policy_diag_error(d, 1, 1, "the file must be UTF-8 text",
				  "YAML: %s at byte %zu", problem, yp->problem_offset);
		return;
	}
	if (yp->context)
		policy_diag_error(d, (uint32_t)m->line + 1, (uint32_t)m->column + 1, NULL,
				  "YAML: %s (%s, line %zu)", problem, yp->context,
				  (size_t)yp->context_mark.line + 1);
	else
		policy_diag_error(d, (uint32_t)m->line + 1, (uint32_t)m->column + 1, NULL,
				  "YAML: %s", problem);
}

int
policy_yaml_parse(const char *text, size_t len, struct policy_diag *d,
		  struct policy_node **out_root)
{
	*out_root = NULL;
	if (len > POLICY_YAML_MAX_INPUT) {
		policy_diag_error(d, 1, 1, NULL, "the file is larger than %u bytes",
				  POLICY_YAML_MAX_INPUT);
		return TLSIPS_ECONFIG;
	}
	yaml_parser_t yp;
	if (!yaml_parser_initialize(&yp))
		return TLSIPS_ENOMEM;
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	struct policy_yaml_build b = { .d = d };
	uint32_t docs = 0;
	int rc = 0;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&yp, &ev)) {
			policy_yaml_syntax(d, &yp);
			rc = TLSIPS_ECONFIG;
			break;
		}
		bool ok = policy_yaml_event(&b, &ev, &docs);
		bool end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (!ok) {
			rc = d->errors ? TLSIPS_ECONFIG : TLSIPS_ENOMEM;
			break;
		}
		if (end)
			break;
	}
	yaml_parser_delete(&yp);
	if (rc == 0 && !b.root) {
		/* An empty file: the defaults. */
		b.root = calloc(1, sizeof(*b.root));
		if (!b.root)
			rc = TLSIPS_ENOMEM;
		else {
			b.root->kind = POLICY_NODE_MAP;
			b.root->line = b.root->col = 1;
		}
	}
	if (rc != 0) {
		policy_yaml_free(b.root);
		return rc;
	}
	*out_root = b.root;
	return 0;
}
