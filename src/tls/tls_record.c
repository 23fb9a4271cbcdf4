/*
 * Record layer: frames each direction's byte stream into records
 * (RFC 5246 6.2), opens protected ones, dispatches by content type.
 *
 *   struct {
 *       ContentType type;            -- 1 byte
 *       ProtocolVersion version;     -- 2 bytes, major 3
 *       uint16 length;               -- <= 2^14 + 2048
 *       opaque fragment[length];
 *   } TLSCiphertext;
 *
 * Whole records inside one segment are processed straight from segment
 * memory; only a record cut by a segment boundary is copied (into
 * half->rec, bounded by one maximal record).
 */
#include <string.h>

#include "tls/tls_int.h"

static bool
tls_record_header_is_plausible(const uint8_t *hdr)
{
	struct rd r = rd_make(hdr, TLS_RECORD_HEADER);
	uint8_t type = rd_u8(&r);
	uint8_t major = rd_u8(&r);
	uint8_t minor = rd_u8(&r);
	uint16_t len = rd_u16(&r);
	/* RFC 5246 6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048. */
	return rd_ok(&r) && type >= TLS_CT_CHANGE_CIPHER_SPEC && type <= TLS_CT_HEARTBEAT &&
	       major == 3 && minor <= 4 && len <= TLS_CIPHERTEXT_MAX;
}

/*
 * Decides what a direction's first record says about the connection.
 * Returns false (and fails the connection) when it cannot be followed.
 */
static bool
tls_record_check_first(struct tls_conn *c, enum tls_dir dir, const uint8_t *hdr)
{
	struct tls_half *h = &c->half[dir];
	h->started = true;
	if (!tls_record_header_is_plausible(hdr)) {
		tls_conn_fail_both(c, c->midstream ? TLS_REASON_NO_HANDSHAKE : TLS_REASON_NOT_TLS);
		return false;
	}
	c->info.is_tls = true;
	/* A followed session starts with the client's handshake record. */
	bool hello_pending = c->hs == NULL && c->info.handshakes == 0;
	if ((dir == TLS_DIR_CLIENT && hdr[0] != TLS_CT_HANDSHAKE) ||
	    (dir == TLS_DIR_SERVER && hello_pending)) {
		tls_conn_fail_both(c, TLS_REASON_NO_HANDSHAKE);
		return false;
	}
	return true;
}

static void
tls_record_alert(struct tls_conn *c, enum tls_dir dir, const uint8_t *pt, size_t len)
{
	/* RFC 5246 7.2: level(1) description(1); several may share a record. */
	if (len >= 2)
		c->info.last_alert[dir] = pt[len - 1];
}

static void
tls_record_deliver(struct tls_conn *c, enum tls_dir dir, const uint8_t *pt, size_t len)
{
	if (len == 0)
		return;
	c->info.plaintext_bytes[dir] += len;
	c->te->stats.plaintext_bytes += len;
	c->te->sink.on_plaintext(c->te->sink.ctx, c->flow_ctx, dir, pt, len);
}

/* One whole record: header at rec[0..5), fragment after it. */
static void
tls_record_process(struct tls_conn *c, enum tls_dir dir, const uint8_t *rec, size_t body_len)
{
	struct tls_half *h = &c->half[dir];
	struct tls_engine *te = c->te;
	uint8_t type = rec[0];
	uint16_t version = (uint16_t)(rec[1] << 8 | rec[2]);
	const uint8_t *pt = rec + TLS_RECORD_HEADER;
	size_t pt_len = body_len;

	if (h->cipher) {
		int rc;
		uint8_t inner = type;
		if (c->tls13) {
			/* RFC 8446 5: a ChangeCipherSpec is never protected; it is ignored. */
			if (type == TLS_CT_CHANGE_CIPHER_SPEC)
				return;
			rc = tls_cipher_open13(h->cipher, type, version, pt, body_len, te->scratch,
					       &pt_len, &inner);
			if (rc == TLSIPS_ECRYPTO &&
			    tls_hs13_recover(c, dir, type, version, pt, body_len, &pt_len, &inner))
				rc = 0;
		} else {
			rc = tls_cipher_open(h->cipher, type, version, pt, body_len, te->scratch,
					     &pt_len);
		}
		if (rc != 0) {
			te->stats.records_failed++;
			tls_conn_fail(c, dir, rc == TLSIPS_ECRYPTO ? TLS_REASON_MAC_FAILURE
								  : TLS_REASON_MALFORMED);
			return;
		}
		if (inner == 0)
			return; /* early data the server never saw keys for: skipped */
		type = inner;
		pt = te->scratch;
		c->info.records[dir]++;
		te->stats.records_opened++;
		tls_conn_mark_decrypted(c);
	} else if (body_len > TLS_PLAINTEXT_MAX) {
		tls_conn_fail(c, dir, TLS_REASON_MALFORMED);
		return;
	}

	switch (type) {
	case TLS_CT_CHANGE_CIPHER_SPEC:
		/* RFC 5246 7.1: the message is a single byte of value 1. */
		if (pt_len != 1 || pt[0] != 1) {
			tls_conn_fail(c, dir, TLS_REASON_MALFORMED);
			return;
		}
		tls_handshake_ccs(c, dir);
		break;
	case TLS_CT_ALERT:
		tls_record_alert(c, dir, pt, pt_len);
		break;
	case TLS_CT_HANDSHAKE:
		tls_handshake_feed(c, dir, pt, pt_len);
		break;
	case TLS_CT_APPLICATION_DATA:
		if (!h->cipher) {
			/* Application data in the clear: we joined after the keys changed. */
			tls_conn_fail(c, dir, TLS_REASON_NO_HANDSHAKE);
			return;
		}
		tls_record_deliver(c, dir, pt, pt_len);
		break;
	case TLS_CT_HEARTBEAT:
		break;
	default:
		tls_conn_fail(c, dir, TLS_REASON_MALFORMED);
		break;
	}
}

/* Validates a header; returns the fragment length or -1 after failing. */
static long
tls_record_header(struct tls_conn *c, enum tls_dir dir, const uint8_t *hdr)
{
	if (!c->half[dir].started) {
		if (!tls_record_check_first(c, dir, hdr))
			return -1;
	} else if (!tls_record_header_is_plausible(hdr)) {
		tls_conn_fail(c, dir, TLS_REASON_MALFORMED);
		return -1;
	}
	return (long)(hdr[3] << 8 | hdr[4]);
}

/* Completes the record held in half->rec from data; returns bytes used. */
static size_t
tls_record_fill(struct tls_conn *c, enum tls_dir dir, const uint8_t *data, size_t len)
{
	struct buf *rb = &c->half[dir].rec;
	size_t used = 0;
	if (buf_len(rb) < TLS_RECORD_HEADER) {
		size_t take = TLS_RECORD_HEADER - buf_len(rb);
		take = take < len ? take : len;
		if (buf_append(rb, data, take) != 0) {
			tls_conn_fail(c, dir, TLS_REASON_LIMIT);
			return len;
		}
		used = take;
		if (buf_len(rb) < TLS_RECORD_HEADER)
			return used;
		if (tls_record_header(c, dir, buf_data(rb)) < 0)
			return len;
	}
	const uint8_t *hdr = buf_data(rb);
	size_t total = TLS_RECORD_HEADER + (size_t)(hdr[3] << 8 | hdr[4]);
	size_t take = total - buf_len(rb);
	take = take < len - used ? take : len - used;
	if (buf_append(rb, data + used, take) != 0) {
		tls_conn_fail(c, dir, TLS_REASON_LIMIT);
		return len;
	}
	used += take;
	if (buf_len(rb) == total) {
		tls_record_process(c, dir, buf_data(rb), total - TLS_RECORD_HEADER);
		buf_clear(rb);
	}
	return used;
}

void
tls_record_feed(struct tls_conn *c, enum tls_dir dir, const uint8_t *data, size_t len)
{
	struct tls_half *h = &c->half[dir];
	while (len > 0 && !h->stopped) {
		if (h->awaiting) {
			tls_wait_hold(c, dir, data, len);
			break;
		}
		if (buf_len(&h->rec) > 0 || len < TLS_RECORD_HEADER) {
			size_t used = tls_record_fill(c, dir, data, len);
			data += used;
			len -= used;
			continue;
		}
		long body = tls_record_header(c, dir, data);
		if (body < 0)
			break;
		size_t total = TLS_RECORD_HEADER + (size_t)body;
		if (len < total) {
			size_t used = tls_record_fill(c, dir, data, len);
			data += used;
			len -= used;
			continue;
		}
		tls_record_process(c, dir, data, (size_t)body);
		data += total;
		len -= total;
	}
	if (h->stopped) {
		buf_fini(&h->rec, true);
		buf_fini(&h->hs, true);
		tls_wait_release(c, dir);
		buf_fini(&h->held, true);
	}
}
