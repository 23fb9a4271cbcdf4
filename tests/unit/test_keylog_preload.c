/*
 * libtlsips-keylog.so against a real server: `openssl s_server` started with
 * the library preloaded, `openssl s_client` writing its own key log with
 * -keylogfile. The lines the server sends to the socket must be exactly the
 * lines the client logged for the same sessions (both sides log the same
 * secrets), for TLS 1.2 ECDHE and TLS 1.3; the server's own -keylogfile
 * callback must still get every line (chaining); with no listener the
 * server must keep serving; and tlsips' key socket must turn the datagrams
 * into the same store the client's file gives.
 *
 * The library is found at $TLSIPS_KEYLOG_LIB, else at
 * <dir of this test>/../src/keylog/libtlsips-keylog.so (the CMake layout).
 * Each test is skipped when the library or the openssl command is missing.
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

#include "base/err.h"
#include "base/num.h"
#include "tls/tls_keylog.h"

enum { MAX_LINES = 64, LINE_CAP = 256 };

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

/* Receives datagrams until want lines have come or 5 s pass; each must be one line + LF. */
static void
recv_lines(int fd, size_t want, struct lines *ls)
{
	char buf[4096];
	for (int i = 0; i < 50 && ls->n < want; i++) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		assert_true(n > 1 && buf[n - 1] == '\n');
		assert_null(memchr(buf, '\n', (size_t)n - 1));
		lines_add(ls, buf, (size_t)n - 1);
	}
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
	if (!have_tools)
		fprintf(stderr, "skipping: library %s or openssl missing\n", lib_path);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- tests */

static void
check_session(const char *version, const char *cipher, const char *name)
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
	recv_lines(fd, client.n, &got);
	server_stop(&s);
	path_in(path, sizeof(path), server_name);
	lines_from_file(path, &server);
	close(fd);
	unlink(keysock);

	assert_true(client.n > 0);
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
	check_session("-tls1_2", "ECDHE-ECDSA-AES128-GCM-SHA256", "tls12");
}

static void
test_tls13_lines_reach_the_socket_and_the_servers_own_log(void **state)
{
	(void)state;
	if (!have_tools)
		skip();
	check_session("-tls1_3", NULL, "tls13");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls12_ecdhe_lines_reach_the_socket_and_the_servers_own_log),
		cmocka_unit_test(test_tls13_lines_reach_the_socket_and_the_servers_own_log),
		cmocka_unit_test(test_server_keeps_serving_without_a_listener),
		cmocka_unit_test(test_keysock_store_matches_the_clients_key_log),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
