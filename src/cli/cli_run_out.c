/*
 * Event outputs of `tlsips run`: files (appended), standard output and Unix
 * datagram sockets, each with the event types it wants.
 *
 * Each worker writes events to its own stdio stream (fopencookie), which
 * cuts what it is given into lines (one event each) and hands every line to
 * the outputs whose types include the line's "event_type", under one mutex:
 * the outputs are shared, the pipeline code only ever sees a FILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/err.h"
#include "cli/cli_run.h"

enum { CLI_RUN_LINE_MAX = 65536 };

/* One worker's stream: the part of a line not complete yet. */
struct cli_run_stream {
	struct cli_run_out *o;
	char line[CLI_RUN_LINE_MAX];
	size_t len;
	bool overlong;      /* dropping the rest of a line too long to route */
};

static const struct {
	const char *name;
	uint32_t bit;
} cli_run_event_names[] = {
	{ "alert", POLICY_EVENT_ALERT },
	{ "tls", POLICY_EVENT_TLS },
	{ "http", POLICY_EVENT_HTTP },
	{ "stats", POLICY_EVENT_STATS },
};

/* The type bit of a JSON line: its first "event_type" key (strings escape '"'). */
static uint32_t
cli_run_out_type(const char *line, size_t len)
{
	static const char key[] = "\"event_type\":\"";
	const char *k = memmem(line, len, key, sizeof(key) - 1);
	if (!k)
		return 0;
	const char *v = k + sizeof(key) - 1;
	size_t left = len - (size_t)(v - line);
	for (size_t i = 0; i < sizeof(cli_run_event_names) / sizeof(cli_run_event_names[0]); i++) {
		size_t n = strlen(cli_run_event_names[i].name);
		if (left > n && memcmp(v, cli_run_event_names[i].name, n) == 0 && v[n] == '"')
			return cli_run_event_names[i].bit;
	}
	return 0;
}

static bool
cli_run_sink_write(struct cli_run_sink *s, const char *line, size_t len)
{
	if (s->fp)
		return fwrite(line, 1, len, s->fp) == len;
	if (s->fd < 0)
		return false;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	memcpy(a.sun_path, s->path, strlen(s->path));
	/* One event a datagram, without its newline; nobody listening is a counted failure. */
	return sendto(s->fd, line, len - 1, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&a,
		      sizeof(a)) == (ssize_t)(len - 1);
}

static void
cli_run_out_route(struct cli_run_out *o, const char *line, size_t len)
{
	uint32_t type = cli_run_out_type(line, len);
	pthread_mutex_lock(&o->mu);
	if (!type)
		o->unrouted++;
	for (unsigned i = 0; i < o->n && type; i++) {
		struct cli_run_sink *s = &o->sink[i];
		if (!(s->events & type))
			continue;
		if (cli_run_sink_write(s, line, len))
			s->written++;
		else
			s->failed++;
	}
	pthread_mutex_unlock(&o->mu);
}

static ssize_t
cli_run_stream_write(void *cookie, const char *buf, size_t size)
{
	struct cli_run_stream *st = cookie;
	for (size_t i = 0; i < size; i++) {
		if (st->len < sizeof(st->line))
			st->line[st->len++] = buf[i];
		else
			st->overlong = true;
		if (buf[i] != '\n')
			continue;
		if (!st->overlong)
			cli_run_out_route(st->o, st->line, st->len);
		st->len = 0;
		st->overlong = false;
	}
	return (ssize_t)size;
}

static int
cli_run_stream_close(void *cookie)
{
	free(cookie);
	return 0;
}

FILE *
cli_run_out_stream(struct cli_run_out *o)
{
	struct cli_run_stream *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->o = o;
	cookie_io_functions_t io = { NULL, cli_run_stream_write, NULL, cli_run_stream_close };
	FILE *f = fopencookie(st, "w", io);
	if (!f) {
		free(st);
		return NULL;
	}
	/* Events are whole lines already: no second buffer in front of the router. */
	setvbuf(f, NULL, _IONBF, 0);
	return f;
}

static void
cli_run_sink_close(struct cli_run_sink *s)
{
	if (s->fp && s->fp != stdout)
		fclose(s->fp);
	else if (s->fp)
		fflush(s->fp);
	if (s->fd >= 0)
		close(s->fd);
	s->fp = NULL;
	s->fd = -1;
}

static int
cli_run_sink_open(struct cli_run_sink *s, const struct policy_output *po, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->type = po->type;
	s->events = po->events;
	s->fd = -1;
	snprintf(s->path, sizeof(s->path), "%s", po->path);
	switch (po->type) {
	case POLICY_OUTPUT_STDOUT:
		s->fp = stdout;
		return 0;
	case POLICY_OUTPUT_FILE: {
		int fd = open(po->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd < 0 || !(s->fp = fdopen(fd, "a"))) {
			snprintf(err, errlen, "%s: cannot open the event file: %s", po->path,
				 strerror(errno));
			if (fd >= 0)
				close(fd);
			return TLSIPS_ESYS;
		}
		return 0;
	}
	case POLICY_OUTPUT_UNIX:
		if (strlen(po->path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			snprintf(err, errlen, "%s: socket path too long", po->path);
			return TLSIPS_ECONFIG;
		}
		s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s->fd < 0) {
			snprintf(err, errlen, "%s: cannot make a socket: %s", po->path, strerror(errno));
			return TLSIPS_ESYS;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown output type %d", (int)po->type);
	return TLSIPS_ECONFIG;
}

/* Opens pol's outputs into sinks; all or none. */
static int
cli_run_out_open_sinks(struct cli_run_sink *sinks, unsigned *out_n, const struct policy *pol,
		       char *err, size_t errlen)
{
	*out_n = 0;
	for (uint32_t i = 0; i < pol->n_outputs; i++) {
		int rc = cli_run_sink_open(&sinks[i], &pol->outputs[i], err, errlen);
		if (rc != 0) {
			for (uint32_t j = 0; j < i; j++)
				cli_run_sink_close(&sinks[j]);
			return rc;
		}
	}
	*out_n = pol->n_outputs;
	return 0;
}

int
cli_run_out_open(struct cli_run_out *o, const struct policy *pol, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	pthread_mutex_init(&o->mu, NULL);
	return cli_run_out_open_sinks(o->sink, &o->n, pol, err, errlen);
}

int
cli_run_out_reopen(struct cli_run_out *o, const struct policy *pol, char *err, size_t errlen)
{
	struct cli_run_sink fresh[POLICY_MAX_OUTPUTS];
	unsigned n;
	int rc = cli_run_out_open_sinks(fresh, &n, pol, err, errlen);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&o->mu);
	for (unsigned i = 0; i < o->n; i++)
		cli_run_sink_close(&o->sink[i]);
	memcpy(o->sink, fresh, n * sizeof(fresh[0]));
	o->n = n;
	pthread_mutex_unlock(&o->mu);
	return 0;
}

void
cli_run_out_flush(struct cli_run_out *o)
{
	pthread_mutex_lock(&o->mu);
	for (unsigned i = 0; i < o->n; i++)
		if (o->sink[i].fp && fflush(o->sink[i].fp) != 0)
			o->sink[i].failed++;
	pthread_mutex_unlock(&o->mu);
}

void
cli_run_out_close(struct cli_run_out *o)
{
	pthread_mutex_lock(&o->mu);
	for (unsigned i = 0; i < o->n; i++)
		cli_run_sink_close(&o->sink[i]);
	o->n = 0;
	pthread_mutex_unlock(&o->mu);
	pthread_mutex_destroy(&o->mu);
}
