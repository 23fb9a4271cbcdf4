/*
 * Connections waiting for key log secrets (records that arrive before their
 * keys: the server hands its secrets over asynchronously).
 *
 * Limits and eviction: a connection waits at most key_wait_usec of capture
 * time (oldest first, from a FIFO) and holds at most held_bytes_conn bytes;
 * all waiting connections together hold at most held_bytes_total, and at
 * most max_waiting connections wait at once (a new one makes the oldest give
 * up). Past any of them the connection gives up with key_timeout, counted. Lookup when
 * secrets arrive goes through a hash of the client random (1024 buckets),
 * so each key log line costs a short chain walk, not a scan.
 */
#include <string.h>

#include "tls/tls_int.h"
#include "tls/tls_keylog.h"

static unsigned
tls_wait_bucket_of(const uint8_t client_random[TLS_RANDOM_LEN])
{
	/* The client random is chosen by the client: its bytes are uniform enough. */
	return ((unsigned)client_random[0] << 8 | client_random[31]) % TLS_WAIT_BUCKETS;
}

/* The oldest waiting connection gives up (time or room ran out). */
static void
tls_wait_expire_oldest(struct tls_engine *te)
{
	struct tls_conn *c = te->wait_head;
	tls_wait_remove(c);
	te->stats.key_timeouts++;
	tls_conn_fail_both(c, TLS_REASON_KEY_TIMEOUT);
	for (int d = 0; d < 2; d++) {
		tls_wait_release(c, (enum tls_dir)d);
		buf_fini(&c->half[d].held, true);
	}
}

void
tls_wait_add(struct tls_conn *c)
{
	struct tls_engine *te = c->te;
	if (c->waiting || !c->hs)
		return;
	if (te->stats.waiting_now >= te->limits.max_waiting && te->wait_head) {
		te->stats.waiting_evicted++;
		tls_wait_expire_oldest(te);
	}
	te->stats.waiting_now++;
	c->waiting = true;
	c->wait_since = te->now;
	c->fifo_next = NULL;
	c->fifo_prev = te->wait_tail;
	if (te->wait_tail)
		te->wait_tail->fifo_next = c;
	else
		te->wait_head = c;
	te->wait_tail = c;
	unsigned b = tls_wait_bucket_of(c->hs->client_random);
	c->wait_bucket = (uint16_t)b;
	c->bucket_prev = NULL;
	c->bucket_next = te->wait_bucket[b];
	if (c->bucket_next)
		c->bucket_next->bucket_prev = c;
	te->wait_bucket[b] = c;
	te->stats.key_waits++;
}

void
tls_wait_remove(struct tls_conn *c)
{
	struct tls_engine *te = c->te;
	if (!c->waiting)
		return;
	c->waiting = false;
	te->stats.waiting_now--;
	if (c->fifo_prev)
		c->fifo_prev->fifo_next = c->fifo_next;
	else
		te->wait_head = c->fifo_next;
	if (c->fifo_next)
		c->fifo_next->fifo_prev = c->fifo_prev;
	else
		te->wait_tail = c->fifo_prev;
	if (c->bucket_prev)
		c->bucket_prev->bucket_next = c->bucket_next;
	else
		te->wait_bucket[c->wait_bucket] = c->bucket_next;
	if (c->bucket_next)
		c->bucket_next->bucket_prev = c->bucket_prev;
	c->fifo_prev = c->fifo_next = c->bucket_prev = c->bucket_next = NULL;
}

void
tls_wait_release(struct tls_conn *c, enum tls_dir dir)
{
	struct tls_stats *st = &c->te->stats;
	size_t n = buf_len(&c->half[dir].held);
	st->held_bytes_now = n > st->held_bytes_now ? 0 : st->held_bytes_now - n;
}

void
tls_wait_hold(struct tls_conn *c, enum tls_dir dir, const uint8_t *data, size_t len)
{
	struct tls_engine *te = c->te;
	struct tls_stats *st = &te->stats;
	if (st->held_bytes_now + len > te->limits.held_bytes_total ||
	    buf_append(&c->half[dir].held, data, len) != 0) {
		st->held_limit_hits++;
		tls_wait_remove(c);
		tls_conn_fail_both(c, TLS_REASON_KEY_TIMEOUT);
		return;
	}
	st->held_bytes_now += len;
	if (st->held_bytes_now > st->held_bytes_peak)
		st->held_bytes_peak = st->held_bytes_now;
}

void
tls_engine_set_keylog(struct tls_engine *te, struct tls_keylog *kl, bool live)
{
	te->keylog = kl;
	te->keylog_live = live;
}

void
tls_engine_keys_added(struct tls_engine *te, const uint8_t client_random[32])
{
	unsigned b = tls_wait_bucket_of(client_random);
	struct tls_conn *ready = NULL;
	/*
	 * Take the matching connections off the lists first: resuming one may
	 * queue it again (a TLS 1.3 session still missing secrets), and it must
	 * not be visited twice for one line.
	 */
	for (struct tls_conn *c = te->wait_bucket[b], *next; c; c = next) {
		next = c->bucket_next;
		if (c->hs && memcmp(c->hs->client_random, client_random, TLS_RANDOM_LEN) == 0) {
			tls_wait_remove(c);
			c->fifo_next = ready;
			ready = c;
		}
	}
	while (ready) {
		struct tls_conn *c = ready;
		ready = c->fifo_next;
		c->fifo_next = NULL;
		tls_keys_arrived(c);
	}
}

void
tls_engine_tick(struct tls_engine *te, uint64_t now_usec)
{
	if (now_usec > te->now)
		te->now = now_usec;
	while (te->wait_head && te->now - te->wait_head->wait_since > te->limits.key_wait_usec)
		tls_wait_expire_oldest(te);
}
