/* The held-packet pool (cli_hold.h): per-flow FIFOs over one free list. */
#include "cli/cli_hold.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

int
cli_hold_init(struct cli_hold *h, uint32_t max_pkts, uint64_t max_bytes, uint32_t max_per_flow)
{
	memset(h, 0, sizeof(*h));
	if (max_pkts == 0 || max_per_flow == 0 || max_pkts == CLI_HOLD_NONE)
		return TLSIPS_ECONFIG;
	h->pool = calloc(max_pkts, sizeof(*h->pool));
	if (!h->pool)
		return TLSIPS_ENOMEM;
	h->cap = max_pkts;
	h->max_bytes = max_bytes;
	h->max_per_flow = max_per_flow;
	for (uint32_t i = 0; i < max_pkts; i++)
		h->pool[i].next = i + 1 < max_pkts ? i + 1 : CLI_HOLD_NONE;
	h->free_head = 0;
	return 0;
}

void
cli_hold_fini(struct cli_hold *h)
{
	free(h->pool);
	h->pool = NULL;
	h->cap = 0;
	h->free_head = CLI_HOLD_NONE;
}

void
cli_hold_list_init(struct cli_hold_list *l)
{
	l->head = CLI_HOLD_NONE;
	l->tail = CLI_HOLD_NONE;
	l->n = 0;
}

int
cli_hold_add(struct cli_hold *h, struct cli_hold_list *l, uint32_t id, uint32_t bytes,
	     const struct net_pkt *hdr)
{
	if (h->free_head == CLI_HOLD_NONE || l->n >= h->max_per_flow ||
	    bytes > h->max_bytes - h->st.bytes_now) {
		h->st.over_limit++;
		return TLSIPS_ELIMIT;
	}
	uint32_t i = h->free_head;
	struct cli_hold_pkt *hp = &h->pool[i];
	h->free_head = hp->next;
	hp->id = id;
	hp->bytes = bytes;
	hp->next = CLI_HOLD_NONE;
	memset(&hp->hdr, 0, sizeof(hp->hdr));
	if (hdr) {
		hp->hdr = *hdr;
		/* The view points into the packet, gone after the callback; keep its length only. */
		hp->hdr.payload.ptr = NULL;
	}
	if (l->tail == CLI_HOLD_NONE)
		l->head = i;
	else
		h->pool[l->tail].next = i;
	l->tail = i;
	l->n++;
	h->st.held++;
	h->st.pkts_now++;
	h->st.bytes_now += bytes;
	if (h->st.pkts_now > h->st.pkts_peak)
		h->st.pkts_peak = h->st.pkts_now;
	return 0;
}

void
cli_hold_release(struct cli_hold *h, struct cli_hold_list *l, bool accept, cli_hold_fn fn,
		 void *ctx)
{
	bool first = true;
	uint32_t i = l->head;
	while (i != CLI_HOLD_NONE) {
		struct cli_hold_pkt *hp = &h->pool[i];
		uint32_t next = hp->next;
		if (fn)
			fn(ctx, hp, accept, first);
		first = false;
		if (accept)
			h->st.accepted++;
		else
			h->st.dropped++;
		h->st.pkts_now--;
		h->st.bytes_now -= hp->bytes;
		hp->next = h->free_head;
		h->free_head = i;
		i = next;
	}
	cli_hold_list_init(l);
}
