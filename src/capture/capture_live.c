/*
 * capture_live: packets from a network interface through libpcap, for the
 * live modes. Immediate mode (no batching delay), non-blocking reads, a
 * selectable descriptor so the caller can wait on it together with others
 * (the key socket). Packet memory belongs to libpcap until the next read.
 */
#include "capture/capture.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

enum {
	CAPTURE_LIVE_SNAPLEN = 262144,
	CAPTURE_LIVE_BUFFER = 32 << 20, /* kernel ring: absorbs bursts while we decrypt */
};

struct capture_live {
	pcap_t *pcap;
	int linktype;
	char name[64];
};

/* libpcap reports DLT_ values; we speak LINKTYPE_ values (they differ for raw IP). */
static int
capture_live_linktype(int dlt)
{
	switch (dlt) {
	case DLT_RAW: return CAPTURE_LINK_RAW;
	case DLT_NULL: return CAPTURE_LINK_NULL;
	case DLT_EN10MB: return CAPTURE_LINK_ETHERNET;
	case DLT_LINUX_SLL: return CAPTURE_LINK_SLL;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2: return CAPTURE_LINK_SLL2;
#endif
	default: return dlt;
	}
}

int
capture_live_open(const char *iface, const char *filter, struct capture_live **out, char *err,
		  size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	*out = NULL;
	struct capture_live *cl = calloc(1, sizeof(*cl));
	if (!cl)
		return TLSIPS_ENOMEM;
	snprintf(cl->name, sizeof(cl->name), "%s", iface);
	cl->pcap = pcap_create(iface, perr);
	if (!cl->pcap)
		goto fail;
	pcap_set_snaplen(cl->pcap, CAPTURE_LIVE_SNAPLEN);
	pcap_set_immediate_mode(cl->pcap, 1);
	pcap_set_buffer_size(cl->pcap, CAPTURE_LIVE_BUFFER);
	if (pcap_activate(cl->pcap) < 0 || pcap_setnonblock(cl->pcap, 1, perr) != 0) {
		snprintf(perr, sizeof(perr), "%s", pcap_geterr(cl->pcap));
		goto fail;
	}
	if (filter && *filter) {
		if (pcap_compile(cl->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(perr, sizeof(perr), "filter '%s': %s", filter, pcap_geterr(cl->pcap));
			goto fail;
		}
		int rc = pcap_setfilter(cl->pcap, &prog);
		pcap_freecode(&prog);
		if (rc != 0) {
			snprintf(perr, sizeof(perr), "%s", pcap_geterr(cl->pcap));
			goto fail;
		}
	}
	cl->linktype = capture_live_linktype(pcap_datalink(cl->pcap));
	*out = cl;
	return 0;
fail:
	snprintf(err, errlen, "%s: cannot capture: %s", iface, perr);
	capture_live_close(cl);
	return TLSIPS_ESYS;
}

int
capture_live_fd(const struct capture_live *cl)
{
	return pcap_get_selectable_fd(cl->pcap);
}

int
capture_live_next(struct capture_live *cl, struct capture_pkt *out, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(cl->pcap, &h, &data);
	if (rc == 0)
		return 0;
	if (rc < 0) {
		snprintf(err, errlen, "%s: capture failed: %s", cl->name, pcap_geterr(cl->pcap));
		return TLSIPS_ESYS;
	}
	out->data = data;
	out->caplen = h->caplen;
	out->wire_len = h->len;
	out->ts_usec = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
	out->linktype = cl->linktype;
	return 1;
}

void
capture_live_counts(const struct capture_live *cl, uint64_t *out_received, uint64_t *out_dropped)
{
	struct pcap_stat ps;
	*out_received = *out_dropped = 0;
	if (pcap_stats(cl->pcap, &ps) == 0) {
		*out_received = ps.ps_recv;
		*out_dropped = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	}
}

void
capture_live_close(struct capture_live *cl)
{
	if (!cl)
		return;
	if (cl->pcap)
		pcap_close(cl->pcap);
	free(cl);
}
