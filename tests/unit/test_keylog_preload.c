/*
 * libtlsips-keylog.so (src/keylog/tlsips_keylog.c), two ways.
 *
 * In this process: the library's source is included here, so this program
 * interposes SSL_CTX_new, SSL_CTX_set_keylog_callback and SSL_free on the
 * libssl it links, exactly as the preloaded library does in a server. A real
 * libssl server and client (tests/unit/tls_peer.c) shake hands over memory
 * BIOs, and each time the server puts bytes on the wire the datagrams that
 * reached the key socket are counted: the secrets must be there before the
 * records they protect. The datagrams are checked line by line against the
 * client's own key log. The table's limits (eviction, age, a busy lock, a
 * reused SSL) are driven directly through its statics.
 *
 * As built: `openssl s_server` started with the library preloaded, `openssl
 * s_client` writing its own key log with -keylogfile. The lines the server
 * sends to the socket must be exactly the lines the client logged for the
 * same sessions, for TLS 1.2 ECDHE and TLS 1.3; the server's own -keylogfile
 * callback must still get every line (chaining); with no listener the
 * server must keep serving; and tlsips' key socket must turn the datagrams
 * into the same store the client's file gives.
 *
 * The library is found at $TLSIPS_KEYLOG_LIB, else at
 * <dir of this test>/../src/keylog/libtlsips-keylog.so (the CMake layout).
 * The tests of the built library are skipped when it or the openssl command
 * is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/ssl.h>

#include "base/err.h"
#include "base/num.h"
#include "tls/tls_keylog.h"
#include "tls_peer.h"

/* The library itself, statics included (see the top of this file). */
#include "../../src/keylog/tlsips_keylog.c"

enum { MAX_LINES = 64, LINE_CAP = 512, MAX_DGRAMS = 16 };

static char lib_path[PATH_MAX];
static char dir[64];
static bool have_tools;

struct lines {
	size_t n;
	char l[MAX_LINES][LINE_CAP];
};

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
lines_sort(struct lines *ls)
{
	qsort(ls->l, ls->n, LINE_CAP, cmp_line);
}

static void
lines_add(struct lines *ls, const char *s, size_t len)
{
	assert_true(ls->n < MAX_LINES && len < LINE_CAP);
	memcpy(ls->l[ls->n], s, len);
	ls->l[ls->n][len] = '\0';
	ls->n++;
}

/* Key lines of a key log file (comments skipped). */
static void
lines_from_file(const char *path, struct lines *ls)
{
	char buf[LINE_CAP];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f)) {
		size_t len = strcspn(buf, "\r\n");
		if (len > 0 && buf[0] != '#')
			lines_add(ls, buf, len);
	}
	fclose(f);
}

static void
path_in(char *out, size_t cap, const char *name)
{
	assert_true((size_t)snprintf(out, cap, "%s/%s", dir, name) < cap);
}

/* ---- processes */

static bool
wait_exit(pid_t pid, int seconds, int *out_status)
{
	for (int i = 0; i < seconds * 100; i++) {
		if (waitpid(pid, out_status, WNOHANG) == pid)
			return true;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, out_status, 0);
	return false;
}

/*
 * Runs openssl with argv; stdin from stdin_fd (or /dev/null), output to a
 * file in dir. With preload, the library is preloaded and told sock.
 */
static pid_t
spawn_openssl(char *const argv[], const char *preload, const char *sock, int stdin_fd,
	      const char *out_name)
{
	char out[128];
	path_in(out, sizeof(out), out_name);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int in = stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || o < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0)
			_exit(126);
		if (preload) {
			setenv("LD_PRELOAD", preload, 1);
			setenv("TLSIPS_KEYLOG_SOCKET", sock, 1);
		}
		execvp("openssl", argv);
		_exit(127);
	}
	return pid;
}

/* Prints a file of dir to stderr: the evidence when a peer would not start. */
static void
show_file(const char *name)
{
	char path[128], buf[512];
	size_t n;
	path_in(path, sizeof(path), name);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(f);
}

struct server {
	pid_t pid;
	int stdin_w; /* s_server quits at EOF on stdin: keep it open */
	char sock[128];
};

static void
server_start(struct server *s, const char *keysock, const char *server_log)
{
	char cert[128], key[128], log_path[128];
	int p[2];
	path_in(cert, sizeof(cert), "cert.pem");
	path_in(key, sizeof(key), "key.pem");
	path_in(s->sock, sizeof(s->sock), "srv");
	path_in(log_path, sizeof(log_path), server_log);
	unlink(s->sock);
	assert_int_equal(pipe(p), 0);
	char *argv[] = { "openssl", "s_server", "-unix", s->sock, "-cert", cert, "-key", key,
			 "-keylogfile", log_path, NULL };
	s->pid = spawn_openssl(argv, lib_path, keysock, p[0], "server.out");
	close(p[0]);
	s->stdin_w = p[1];
	struct stat st;
	for (int i = 0; i < 500 && stat(s->sock, &st) != 0; i++)
		usleep(10000);
	if (stat(s->sock, &st) != 0)
		show_file("server.out");
	assert_int_equal(stat(s->sock, &st), 0);
}

static void
server_stop(struct server *s)
{
	int status;
	kill(s->pid, SIGTERM);
	(void)wait_exit(s->pid, 5, &status);
	close(s->stdin_w);
	unlink(s->sock);
}

/* One s_client session; true when the handshake completed (exit status 0). */
static bool
client_run(const struct server *s, const char *version, const char *cipher, const char *keylog)
{
	char log_path[128];
	int status;
	path_in(log_path, sizeof(log_path), keylog);
	unlink(log_path);
	char *argv[] = { "openssl", "s_client", "-unix", (char *)s->sock, (char *)version,
			 "-keylogfile", log_path, cipher ? "-cipher" : NULL, (char *)cipher, NULL };
	pid_t pid = spawn_openssl(argv, NULL, NULL, -1, "client.out");
	return wait_exit(pid, 10, &status) && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* ---- a plain listener: the datagrams exactly as sent */

static int
listen_dgram(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/*
 * Receives datagrams until want lines have come or 5 s pass; each datagram
 * holds whole lines, each with its LF. Returns the number of datagrams.
 */
static size_t
recv_lines(int fd, size_t want, struct lines *ls)
{
	char buf[4096];
	size_t ndgrams = 0;
	for (int i = 0; i < 50 && ls->n < want; i++) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		assert_true(n > 1 && buf[n - 1] == '\n');
		ndgrams++;
		for (char *at = buf, *lf; at < buf + n; at = lf + 1) {
			lf = memchr(at, '\n', (size_t)(buf + n - at));
			lines_add(ls, at, (size_t)(lf - at));
		}
	}
	return ndgrams;
}

/* ---- in this process: the included library, interposing this program's libssl */

static char inproc_path[128];
static int inproc_fd = -1; /* the key socket the included library sends to */

/* Datagrams received on inproc_fd, in order, split into lines. */
struct dgrams {
	size_t n;
	struct lines d[MAX_DGRAMS];
};
static struct dgrams got_dg;

static void
lines_from_text(const char *text, struct lines *ls)
{
	for (const char *at = text, *lf; (lf = strchr(at, '\n')) != NULL; at = lf + 1)
		lines_add(ls, at, (size_t)(lf - at));
}

/* Takes every datagram queued on the in-process key socket (nothing waits). */
static void
dgrams_drain(struct dgrams *g)
{
	char buf[4096];
	ssize_t n;
	while ((n = recv(inproc_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		assert_true(g->n < MAX_DGRAMS && buf[n - 1] == '\n');
		buf[n] = '\0';
		struct lines *ls = &g->d[g->n++];
		ls->n = 0;
		lines_from_text(buf, ls);
	}
}

/* An empty table, socket and datagram list, as before the first handshake. */
static void
inproc_reset(void)
{
	char buf[4096];
	assert_int_equal(pthread_mutex_lock(&keylog_lock), 0);
	memset(keylog_slots, 0, sizeof(keylog_slots));
	atomic_store(&keylog_in_use, 0);
	keylog_last_sweep = 0;
	pthread_mutex_unlock(&keylog_lock);
	while (recv(inproc_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	memset(&got_dg, 0, sizeof(got_dg));
}

/* The one line of ls whose label is label. */
static const char *
line_labelled(const struct lines *ls, const char *label)
{
	const char *found = NULL;
	size_t n = strlen(label);
	for (size_t i = 0; i < ls->n; i++)
		if (strncmp(ls->l[i], label, n) == 0 && ls->l[i][n] == ' ') {
			assert_null(found);
			found = ls->l[i];
		}
	assert_non_null(found);
	return found;
}

/* A datagram holds exactly the client's lines with these labels, in this order. */
static void
check_dgram(const struct lines *dg, const struct lines *client, const char *const labels[])
{
	size_t n = 0;
	for (; labels[n]; n++) {
		assert_true(n < dg->n);
		assert_string_equal(dg->l[n], line_labelled(client, labels[n]));
	}
	assert_int_equal(dg->n, n);
}

/*
 * A real client and server (tls_peer) whose server context got the
 * library's callback from the interposed SSL_CTX_new; the client keeps only
 * its own (the trace's key log), taken back from the library's ex_data.
 */
static void
peers_new(struct tp_peers *p, struct tp_trace *t, const char *cipher, int version)
{
	struct tp_options o = { .cipher = cipher, .version = version };
	tp_trace_init(t);
	assert_true(tp_peers_new(p, &o, tp_identity_get(0), NULL, t));
	keylog_cb_fn own = SSL_CTX_get_keylog_callback(p->cctx);
	assert_non_null(own);
	assert_true(own != keylog_callback);
	keylog_real_set_cb(p->cctx, own);
}

/*
 * Drives the handshake, as tp_handshake does, until both sides are done or
 * the server has put bytes on the wire stop_after times (0: no stop). Each
 * time the server does, the datagrams received so far are counted into
 * out_at[]: what tlsips could have had when those records left. Returns the
 * number of server outputs.
 */
static size_t
shake(struct tp_peers *p, size_t stop_after, size_t out_at[8])
{
	uint8_t b[16384];
	size_t nout = 0;
	int n;
	for (int i = 0; i < 50; i++) {
		int rc = SSL_do_handshake(p->c);
		while ((n = BIO_read(p->c_out, b, sizeof(b))) > 0)
			BIO_write(p->s_in, b, n);
		int rs = SSL_do_handshake(p->s);
		if (BIO_ctrl_pending(p->s_out) > 0) {
			dgrams_drain(&got_dg);
			assert_true(nout < 8);
			out_at[nout++] = got_dg.n;
			if (nout == stop_after)
				return nout;
		}
		while ((n = BIO_read(p->s_out, b, sizeof(b))) > 0)
			BIO_write(p->c_in, b, n);
		if (rc == 1 && rs == 1)
			break;
	}
	dgrams_drain(&got_dg);
	return nout;
}

/* A synthetic line: label, client random made from id, a 32-byte secret. */
static void
make_line(char out[LINE_CAP], const char *label, unsigned id)
{
	assert_true(snprintf(out, LINE_CAP, "%s %064x %s", label, id,
			     "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff") <
		    LINE_CAP);
}

/* Stand-ins for SSL pointers: the library compares them, never follows them. */
static char fake_ssl[KEYLOG_SLOTS + 2];
#define FAKE(i) ((const struct ssl_st *)(const void *)&fake_ssl[i])

static void
feed(unsigned ssl, const char *label, unsigned id)
{
	char line[LINE_CAP];
	make_line(line, label, id);
	keylog_line(FAKE(ssl), line);
}

/* ---- set-up */

static int
setup(void **state)
{
	(void)state;
	const char *env = getenv("TLSIPS_KEYLOG_LIB");
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (env) {
		snprintf(lib_path, sizeof(lib_path), "%s", env);
	} else if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(lib_path, sizeof(lib_path), "%.*s/../src/keylog/libtlsips-keylog.so",
			 (int)(sizeof(lib_path) - 40), exe);
	}
	/*
	 * Short: s_server fails to print (and gives up on) a listening Unix
	 * path of 32 characters or more (getnameinfo's service buffer).
	 */
	snprintf(dir, sizeof(dir), "/tmp/tkp-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout %s/key.pem -out %s/cert.pem -subj /CN=tlsips-test -days 1 "
		 ">/dev/null 2>&1",
		 dir, dir);
	have_tools = access(lib_path, R_OK) == 0 && system(cmd) == 0;
	/* Before any SSL_CTX_new: the included library reads the path once. */
	path_in(inproc_path, sizeof(inproc_path), "inproc.sock");
	inproc_fd = listen_dgram(inproc_path);
	setenv("TLSIPS_KEYLOG_SOCKET", inproc_path, 1);
	if (!have_tools)
		fprintf(stderr, "skipping: library %s or openssl missing\n", lib_path);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	char cmd[128];
	close(inproc_fd);
	tp_identity_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- tests */

static void
check_session(const char *version, const char *cipher, const char *name, size_t want_dgrams)
{
	char keysock[128], client_name[64], server_name[64], path[128];
	struct lines got = { 0 }, client = { 0 }, server = { 0 };
	struct server s;
	path_in(keysock, sizeof(keysock), "keys.sock");
	int fd = listen_dgram(keysock);
	snprintf(server_name, sizeof(server_name), "server-%s.log", name);
	server_start(&s, keysock, server_name);
	snprintf(client_name, sizeof(client_name), "client-%s.log", name);
	assert_true(client_run(&s, version, cipher, client_name));
	path_in(path, sizeof(path), client_name);
	lines_from_file(path, &client);
	size_t ndgrams = recv_lines(fd, client.n, &got);
	server_stop(&s);
	path_in(path, sizeof(path), server_name);
	lines_from_file(path, &server);
	close(fd);
	unlink(keysock);

	assert_true(client.n > 0);
	assert_int_equal(ndgrams, want_dgrams);
	lines_sort(&client);
	lines_sort(&got);
	lines_sort(&server);
	assert_int_equal(got.n, client.n);
	assert_int_equal(server.n, client.n);
	for (size_t i = 0; i < client.n; i++) {
		assert_string_equal(got.l[i], client.l[i]);
		assert_string_equal(server.l[i], client.l[i]);
	}
}

static void
test_tls12_ecdhe_lines_reach_the_socket_and_the_servers_own_log(void **state)
{
	(void)state;
	if (!have_tools)
		skip();
	check_session("-tls1_2", "ECDHE-ECDSA-AES128-GCM-SHA256", "tls12", 1);
}

static void
test_tls13_lines_reach_the_socket_and_the_servers_own_log(void **state)
{
	(void)state;
	if (!have_tools)
		skip();
	/* Two datagrams: the handshake secrets, then the application ones. */
	check_session("-tls1_3", NULL, "tls13", 2);
}

static void
test_server_keeps_serving_without_a_listener(void **state)
{
	(void)state;
	if (!have_tools)
		skip();
	char absent[128], server_log[128];
	struct lines server = { 0 };
	struct server s;
	path_in(absent, sizeof(absent), "absent/keys.sock");
	server_start(&s, absent, "server-alone.log");
	assert_true(client_run(&s, "-tls1_3", NULL, "client-alone1.log"));
	assert_true(client_run(&s, "-tls1_2", NULL, "client-alone2.log"));
	server_stop(&s);
	path_in(server_log, sizeof(server_log), "server-alone.log");
	lines_from_file(server_log, &server);
	/* Five TLS 1.3 secrets and one master secret, all still logged by the server. */
	assert_int_equal(server.n, 6);
}

static void
test_keysock_store_matches_the_clients_key_log(void **state)
{
	(void)state;
	if (!have_tools)
		skip();
	char keysock[128], client_log[128];
	struct tls_keysock *ks = NULL;
	struct server s;
	struct lines client = { 0 };
	uint32_t uid = (uint32_t)getuid();
	path_in(keysock, sizeof(keysock), "tlsips/keys.sock");
	struct tls_keysock_config cfg = { keysock, &uid, 1, -1 };
	assert_int_equal(tls_keysock_open(&cfg, &ks), 0);
	struct tls_keylog *from_sock = tls_keylog_new(NULL);
	struct tls_keylog *from_file = tls_keylog_new(NULL);
	server_start(&s, keysock, "server-store.log");
	assert_true(client_run(&s, "-tls1_3", NULL, "client-store.log"));
	path_in(client_log, sizeof(client_log), "client-store.log");
	lines_from_file(client_log, &client);
	for (int i = 0; i < 50 && tls_keylog_stats(from_sock)->secrets < client.n; i++) {
		struct pollfd p = { tls_keysock_fd(ks), POLLIN, 0 };
		(void)poll(&p, 1, 100);
		assert_int_equal(tls_keysock_poll(ks, from_sock, 1), 0);
	}
	server_stop(&s);
	assert_int_equal(tls_keylog_add_file(from_file, client_log, 1, NULL), 0);
	assert_int_equal(tls_keysock_stats(ks)->rejected_uid, 0);
	assert_int_equal(tls_keylog_stats(from_sock)->malformed, 0);
	assert_int_equal(tls_keylog_stats(from_sock)->secrets, client.n);
	/* Every secret of the client's file, looked up by label and client random. */
	for (size_t i = 0; i < client.n; i++) {
		uint8_t cr[32], a[48], b[48];
		size_t alen = 0, blen = 0;
		const char *sp = strchr(client.l[i], ' ');
		assert_non_null(sp);
		assert_int_equal(num_parse_hex(sp + 1, 64, cr, 32), 0);
		int label = -1;
		for (int l = 0; l < TLS_KEYLOG_RSA; l++)
			if (strncmp(client.l[i], tls_keylog_label_name(l), (size_t)(sp - client.l[i])) == 0 &&
			    strlen(tls_keylog_label_name(l)) == (size_t)(sp - client.l[i]))
				label = l;
		assert_true(label >= 0);
		assert_true(tls_keylog_find(from_file, cr, (enum tls_keylog_label)label, a, &alen));
		assert_true(tls_keylog_find(from_sock, cr, (enum tls_keylog_label)label, b, &blen));
		assert_int_equal(alen, blen);
		assert_memory_equal(a, b, alen);
	}
	tls_keylog_free(from_sock);
	tls_keylog_free(from_file);
	tls_keysock_close(ks);
}

/* ---- in this process */

static void
test_tls13_sends_two_datagrams_each_ahead_of_its_records(void **state)
{
	(void)state;
	struct tp_trace t;
	struct tp_peers p;
	struct lines client = { 0 };
	size_t at[8];
	inproc_reset();
	peers_new(&p, &t, "TLS_AES_128_GCM_SHA256", TLS1_3_VERSION);
	size_t nout = shake(&p, 0, at);
	lines_from_text(t.keylog, &client);
	assert_int_equal(client.n, 5);
	/* The first flight: ServerHello, then EncryptedExtensions to Finished
	 * under the handshake secret; the handshake pair was there before it. */
	assert_true(nout >= 2);
	assert_int_equal(at[0], 1);
	/* The tickets, under the application secret, after the client's
	 * Finished: the application pair was there before them. */
	assert_int_equal(at[nout - 1], 2);
	assert_int_equal(got_dg.n, 2);
	check_dgram(&got_dg.d[0], &client,
		    (const char *const[]){ "SERVER_HANDSHAKE_TRAFFIC_SECRET",
					   "CLIENT_HANDSHAKE_TRAFFIC_SECRET", NULL });
	check_dgram(&got_dg.d[1], &client,
		    (const char *const[]){ "EXPORTER_SECRET", "SERVER_TRAFFIC_SECRET_0",
					   "CLIENT_TRAFFIC_SECRET_0", NULL });
	/* The handshake is done: nothing held, SSL_free sends nothing more. */
	assert_int_equal(atomic_load(&keylog_in_use), 0);
	tp_peers_free(&p);
	dgrams_drain(&got_dg);
	assert_int_equal(got_dg.n, 2);
	tp_trace_fini(&t);
}

static void
test_tls12_master_secret_goes_alone_before_the_servers_finished(void **state)
{
	(void)state;
	struct tp_trace t;
	struct tp_peers p;
	struct lines client = { 0 };
	size_t at[8];
	inproc_reset();
	peers_new(&p, &t, "ECDHE-RSA-AES128-GCM-SHA256", TLS1_2_VERSION);
	size_t nout = shake(&p, 0, at);
	lines_from_text(t.keylog, &client);
	assert_int_equal(client.n, 1);
	/* ServerHello to ServerHelloDone in the clear, nothing logged yet; the
	 * master secret came before ChangeCipherSpec and the encrypted Finished. */
	assert_int_equal(nout, 2);
	assert_int_equal(at[0], 0);
	assert_int_equal(at[1], 1);
	check_dgram(&got_dg.d[0], &client, (const char *const[]){ "CLIENT_RANDOM", NULL });
	assert_int_equal(atomic_load(&keylog_in_use), 0);
	tp_peers_free(&p);
	tp_trace_fini(&t);
}

static void
test_lines_of_an_abandoned_handshake_go_at_ssl_free(void **state)
{
	(void)state;
	struct tp_trace t;
	struct tp_peers p;
	size_t at[8];
	inproc_reset();
	uint64_t late = atomic_load(&keylog_flushed_late);
	peers_new(&p, &t, "TLS_AES_128_GCM_SHA256", TLS1_3_VERSION);
	/* The client never sees the server's flight, so never finishes. */
	assert_int_equal(shake(&p, 1, at), 1);
	assert_int_equal(at[0], 1);
	assert_int_equal(atomic_load(&keylog_in_use), 1);
	tp_peers_free(&p);
	dgrams_drain(&got_dg);
	assert_int_equal(got_dg.n, 2);
	assert_int_equal(atomic_load(&keylog_in_use), 0);
	assert_int_equal(atomic_load(&keylog_flushed_late), late + 1);
	/* What the server held: its application secret and the exporter secret,
	 * of the same handshake (client random) as the first datagram. */
	const struct lines *first = &got_dg.d[0], *held = &got_dg.d[1];
	assert_int_equal(held->n, 2);
	assert_non_null(line_labelled(held, "EXPORTER_SECRET"));
	assert_non_null(line_labelled(held, "SERVER_TRAFFIC_SECRET_0"));
	const char *random = strchr(first->l[0], ' ');
	for (size_t i = 0; i < held->n; i++)
		assert_memory_equal(strchr(held->l[i], ' '), random, 1 + 64 + 1);
	tp_trace_fini(&t);
}

static void
test_tls12_and_unknown_lines_go_at_once_alone(void **state)
{
	(void)state;
	char longline[300];
	inproc_reset();
	feed(0, "CLIENT_RANDOM", 1);
	feed(0, "SOME_FUTURE_LABEL", 1);
	feed(0, "CLIENT_EARLY_TRAFFIC_SECRET", 1); /* early data follows it at once */
	/* A line too long to be held (a label it knows, an odd secret). */
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "SERVER_HANDSHAKE_TRAFFIC_SECRET ", 32);
	longline[sizeof(longline) - 1] = '\0';
	keylog_line(FAKE(1), longline);
	dgrams_drain(&got_dg);
	assert_int_equal(got_dg.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(got_dg.d[i].n, 1);
	assert_string_equal(got_dg.d[3].l[0] + 200, longline + 200);
}

static void
test_early_secret_lets_the_servers_handshake_secret_go_alone(void **state)
{
	(void)state;
	inproc_reset();
	/* A server accepting 0-RTT: the client's handshake secret comes only at
	 * EndOfEarlyData, after the server's flight. */
	feed(0, "CLIENT_EARLY_TRAFFIC_SECRET", 7);
	feed(0, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 7);
	feed(0, "EXPORTER_SECRET", 7);
	feed(0, "SERVER_TRAFFIC_SECRET_0", 7);
	feed(0, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 7);
	feed(0, "CLIENT_TRAFFIC_SECRET_0", 7);
	dgrams_drain(&got_dg);
	/* CETS | SHTS | EXP STS0 CHTS (the pair completed) | CTS0 */
	assert_int_equal(got_dg.n, 4);
	assert_int_equal(got_dg.d[0].n, 1);
	assert_int_equal(got_dg.d[1].n, 1);
	assert_int_equal(got_dg.d[2].n, 3);
	assert_int_equal(got_dg.d[3].n, 1);
	assert_int_equal(strncmp(got_dg.d[1].l[0], "SERVER_HANDSHAKE_TRAFFIC_SECRET ", 32), 0);
	assert_int_equal(strncmp(got_dg.d[2].l[2], "CLIENT_HANDSHAKE_TRAFFIC_SECRET ", 32), 0);
	assert_int_equal(atomic_load(&keylog_in_use), 0);
}

/* Handshake id on FAKE(ssl) up to its held application secret. */
static void
feed_until_held(unsigned ssl, unsigned id)
{
	feed(ssl, "SERVER_HANDSHAKE_TRAFFIC_SECRET", id);
	feed(ssl, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", id);
	feed(ssl, "EXPORTER_SECRET", id);
	feed(ssl, "SERVER_TRAFFIC_SECRET_0", id);
}

static void
test_a_full_table_sends_the_least_recent_handshakes_lines(void **state)
{
	(void)state;
	char want[LINE_CAP];
	inproc_reset();
	uint64_t evicted = atomic_load(&keylog_evicted);
	for (unsigned i = 0; i < KEYLOG_SLOTS; i++) {
		feed_until_held(i, 100 + i);
		dgrams_drain(&got_dg);
		got_dg.n = 0;
	}
	assert_int_equal(atomic_load(&keylog_in_use), KEYLOG_SLOTS);
	/* One more handshake: the first one's held lines go, then its own pair. */
	feed(KEYLOG_SLOTS, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 999);
	feed(KEYLOG_SLOTS, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 999);
	dgrams_drain(&got_dg);
	assert_int_equal(got_dg.n, 2);
	assert_int_equal(got_dg.d[0].n, 2);
	make_line(want, "EXPORTER_SECRET", 100);
	assert_string_equal(got_dg.d[0].l[0], want);
	make_line(want, "SERVER_TRAFFIC_SECRET_0", 100);
	assert_string_equal(got_dg.d[0].l[1], want);
	assert_int_equal(got_dg.d[1].n, 2);
	assert_int_equal(atomic_load(&keylog_evicted), evicted + 1);
	assert_int_equal(atomic_load(&keylog_in_use), KEYLOG_SLOTS);
	/* The evicted handshake's last secret has no partners left: it goes at
	 * once, alone, without taking a slot from another handshake. */
	uint64_t alone = atomic_load(&keylog_unbatched);
	feed(0, "CLIENT_TRAFFIC_SECRET_0", 100);
	dgrams_drain(&got_dg);
	assert_int_equal(got_dg.n, 3);
	make_line(want, "CLIENT_TRAFFIC_SECRET_0", 100);
	assert_int_equal(got_dg.d[2].n, 1);
	assert_string_equal(got_dg.d[2].l[0], want);
	assert_int_equal(atomic_load(&keylog_unbatched), alone + 1);
	assert_int_equal(atomic_load(&keylog_evicted), evicted + 1);
	inproc_reset();
}

static void
test_lines_held_too_long_go_at_a_later_callback(void **state)
{
	(void)state;
	char want[LINE_CAP];
	inproc_reset();
	uint64_t late = atomic_load(&keylog_flushed_late);
	feed_until_held(0, 5);
	dgrams_drain(&got_dg);
	assert_int_equal(got_dg.n, 1);
	/* Held for longer than KEYLOG_PENDING_NS, and a sweep due. */
	for (int i = 0; i < KEYLOG_SLOTS; i++)
		if (keylog_slots[i].ssl == FAKE(0))
			keylog_slots[i].touched_ns -= 2 * (int64_t)KEYLOG_PENDING_NS;
	keylog_last_sweep -= 2 * (int64_t)KEYLOG_SWEEP_NS;
	feed(1, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 6);
	dgrams_drain(&got_dg);
	assert_int_equal(got_dg.n, 2);
	make_line(want, "SERVER_TRAFFIC_SECRET_0", 5);
	assert_int_equal(got_dg.d[1].n, 2);
	assert_string_equal(got_dg.d[1].l[1], want);
	assert_int_equal(atomic_load(&keylog_flushed_late), late + 1);
	/* Only the new handshake's slot is left. */
	assert_int_equal(atomic_load(&keylog_in_use), 1);
	inproc_reset();
}

static void
test_an_ssl_reused_for_a_new_handshake_sends_the_old_lines(void **state)
{
	(void)state;
	char want[LINE_CAP];
	inproc_reset();
	feed_until_held(0, 40);
	/* SSL_clear and a new handshake on the same SSL: another client random. */
	feed(0, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 41);
	dgrams_drain(&got_dg);
	assert_int_equal(got_dg.n, 2);
	make_line(want, "EXPORTER_SECRET", 40);
	assert_string_equal(got_dg.d[1].l[0], want);
	feed(0, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 41);
	dgrams_drain(&got_dg);
	assert_int_equal(got_dg.n, 3);
	make_line(want, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 41);
	assert_string_equal(got_dg.d[2].l[0], want);
	inproc_reset();
}

static void
test_a_busy_table_never_waits_the_line_goes_alone(void **state)
{
	(void)state;
	inproc_reset();
	uint64_t alone = atomic_load(&keylog_unbatched);
	assert_int_equal(pthread_mutex_lock(&keylog_lock), 0);
	feed(0, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 9);
	pthread_mutex_unlock(&keylog_lock);
	dgrams_drain(&got_dg);
	assert_int_equal(got_dg.n, 1);
	assert_int_equal(got_dg.d[0].n, 1);
	assert_int_equal(atomic_load(&keylog_unbatched), alone + 1);
	assert_int_equal(atomic_load(&keylog_in_use), 0);
}

static void
test_without_tlsips_lines_are_dropped_and_counted(void **state)
{
	(void)state;
	inproc_reset();
	uint64_t dropped = atomic_load(&keylog_dropped);
	/* Nobody at the path: the next send connects again and fails. */
	struct sockaddr_un saved = keylog_addr;
	path_in(keylog_addr.sun_path, sizeof(keylog_addr.sun_path), "absent.sock");
	atomic_store(&keylog_connected, false);
	atomic_store(&keylog_last_try, INT64_MIN);
	feed_until_held(0, 77); /* the handshake pair: one datagram of two lines */
	feed(0, "CLIENT_TRAFFIC_SECRET_0", 77);
	assert_int_equal(atomic_load(&keylog_dropped), dropped + 5);
	assert_int_equal(atomic_load(&keylog_in_use), 0);
	keylog_addr = saved;
	atomic_store(&keylog_last_try, INT64_MIN);
	feed(0, "CLIENT_RANDOM", 78);
	dgrams_drain(&got_dg);
	assert_int_equal(got_dg.n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls13_sends_two_datagrams_each_ahead_of_its_records),
		cmocka_unit_test(test_tls12_master_secret_goes_alone_before_the_servers_finished),
		cmocka_unit_test(test_lines_of_an_abandoned_handshake_go_at_ssl_free),
		cmocka_unit_test(test_tls12_and_unknown_lines_go_at_once_alone),
		cmocka_unit_test(test_early_secret_lets_the_servers_handshake_secret_go_alone),
		cmocka_unit_test(test_a_full_table_sends_the_least_recent_handshakes_lines),
		cmocka_unit_test(test_lines_held_too_long_go_at_a_later_callback),
		cmocka_unit_test(test_an_ssl_reused_for_a_new_handshake_sends_the_old_lines),
		cmocka_unit_test(test_a_busy_table_never_waits_the_line_goes_alone),
		cmocka_unit_test(test_without_tlsips_lines_are_dropped_and_counted),
		cmocka_unit_test(test_tls12_ecdhe_lines_reach_the_socket_and_the_servers_own_log),
		cmocka_unit_test(test_tls13_lines_reach_the_socket_and_the_servers_own_log),
		cmocka_unit_test(test_server_keeps_serving_without_a_listener),
		cmocka_unit_test(test_keysock_store_matches_the_clients_key_log),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
