/*
 * Key socket: key log lines received live from servers on a Unix datagram
 * socket (contract in tls_keylog.h).
 *
 * Why datagrams: each line (or batch of lines) arrives whole or not at all,
 * so there is no stream state per sender and a sender that dies mid-write
 * leaves nothing half-parsed; and a sender never blocks on a slow reader (it
 * sends with MSG_DONTWAIT and drops on a full queue).
 *
 * Who may send: the peer identity of an unconnected datagram socket is per
 * message, not per connection (SO_PEERCRED answers for stream sockets only),
 * so the socket sets SO_PASSCRED and every datagram arrives with an
 * SCM_CREDENTIALS message that the kernel fills in from the sending process
 * (unix(7)); a process may only claim its own ids unless it has
 * CAP_SETUID/CAP_SETGID. File permissions (directory 0750, socket 0660) keep
 * everyone outside the owner and group from sending at all; the uid list is
 * the second gate.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/err.h"
#include "tls/tls_keylog.h"

enum {
	TLS_KEYSOCK_POLL_MAX = 1024,  /* datagrams per poll */
	TLS_KEYSOCK_RCVBUF = 1 << 20, /* room for bursts of handshakes (best effort) */
};

struct tls_keysock {
	int fd;
	bool bound;                   /* the path is ours to unlink */
	struct sockaddr_un addr;
	uint32_t uids[TLS_KEYSOCK_UIDS_MAX];
	size_t nuids;
	struct tls_keylog_src src;    /* names the socket path in problems */
	struct tls_keysock_stats st;
};

/* Creates the parent directory of path (0750, group gid) unless it exists. */
static int
tls_keysock_mkdir_parent(const char *path, int64_t gid)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *slash = strrchr(path, '/');
	size_t n = (size_t)(slash - path);

	if (n == 0)
		return TLSIPS_OK; /* directly under / */
	memcpy(dir, path, n);
	dir[n] = '\0';
	if (mkdir(dir, 0750) != 0)
		return errno == EEXIST ? TLSIPS_OK : TLSIPS_ESYS;
	/* mkdir's mode went through the umask; the directory is the first gate. */
	if (chmod(dir, 0750) != 0)
		return TLSIPS_ESYS;
	if (gid >= 0 && chown(dir, (uid_t)-1, (gid_t)gid) != 0)
		return TLSIPS_ESYS;
	return TLSIPS_OK;
}

/*
 * Something is at the path. A socket nobody answers on is a leftover of a
 * process that died: remove it. A socket someone answers on belongs to a
 * running tlsips, and anything else is not ours: refuse both.
 */
static int
tls_keysock_clear_stale(const struct sockaddr_un *addr)
{
	struct stat st;
	if (lstat(addr->sun_path, &st) != 0)
		return errno == ENOENT ? TLSIPS_OK : TLSIPS_ESYS;
	if (!S_ISSOCK(st.st_mode))
		return TLSIPS_ECONFIG;
	int probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return TLSIPS_ESYS;
	int rc = connect(probe, (const struct sockaddr *)addr, sizeof(*addr));
	int err = errno;
	close(probe);
	if (rc == 0)
		return TLSIPS_ECONFIG;
	if (err != ECONNREFUSED) {
		errno = err;
		return TLSIPS_ESYS;
	}
	return unlink(addr->sun_path) == 0 || errno == ENOENT ? TLSIPS_OK : TLSIPS_ESYS;
}

int
tls_keysock_open(const struct tls_keysock_config *cfg, struct tls_keysock **out_sock)
{
	struct tls_keysock *ks = NULL;
	int one = 1, rcvbuf = TLS_KEYSOCK_RCVBUF;
	int rc = TLSIPS_ECONFIG;

	*out_sock = NULL;
	if (!cfg->path || cfg->path[0] != '/' || cfg->allowed_uids_len > TLS_KEYSOCK_UIDS_MAX ||
	    strlen(cfg->path) >= sizeof(ks->addr.sun_path))
		goto fail;
	rc = TLSIPS_ENOMEM;
	ks = calloc(1, sizeof(*ks));
	if (!ks)
		goto fail;
	ks->fd = -1;
	ks->addr.sun_family = AF_UNIX;
	memcpy(ks->addr.sun_path, cfg->path, strlen(cfg->path) + 1);
	if (cfg->allowed_uids_len)
		memcpy(ks->uids, cfg->allowed_uids, cfg->allowed_uids_len * sizeof(ks->uids[0]));
	ks->nuids = cfg->allowed_uids_len;
	ks->src.name = ks->addr.sun_path;

	if ((rc = tls_keysock_mkdir_parent(cfg->path, cfg->gid)) != TLSIPS_OK)
		goto fail;
	if ((rc = tls_keysock_clear_stale(&ks->addr)) != TLSIPS_OK)
		goto fail;
	rc = TLSIPS_ESYS;
	ks->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ks->fd < 0)
		goto fail;
	if (setsockopt(ks->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) != 0)
		goto fail;
	(void)setsockopt(ks->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(ks->fd, (const struct sockaddr *)&ks->addr, sizeof(ks->addr)) != 0)
		goto fail;
	ks->bound = true;
	if (chmod(ks->addr.sun_path, 0660) != 0)
		goto fail;
	if (cfg->gid >= 0 && chown(ks->addr.sun_path, (uid_t)-1, (gid_t)cfg->gid) != 0)
		goto fail;
	*out_sock = ks;
	return TLSIPS_OK;
fail:
	if (ks) {
		int saved = errno;
		tls_keysock_close(ks);
		errno = saved;
	}
	return rc;
}

void
tls_keysock_close(struct tls_keysock *ks)
{
	if (!ks)
		return;
	if (ks->fd >= 0)
		close(ks->fd);
	ks->fd = -1;
	if (ks->bound)
		(void)unlink(ks->addr.sun_path);
	free(ks);
}

int
tls_keysock_fd(const struct tls_keysock *ks)
{
	return ks->fd;
}

const struct tls_keysock_stats *
tls_keysock_stats(const struct tls_keysock *ks)
{
	return &ks->st;
}

static bool
tls_keysock_uid_allowed(const struct tls_keysock *ks, uint32_t uid)
{
	for (size_t i = 0; i < ks->nuids; i++)
		if (ks->uids[i] == uid)
			return true;
	return false;
}

/*
 * The sender's credentials from the control messages, false if absent.
 * Descriptors someone passed along (SCM_RIGHTS) are closed: we take none.
 */
static bool
tls_keysock_creds(struct msghdr *msg, struct ucred *out_cred)
{
	bool found = false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(*out_cred))) {
			memcpy(out_cred, CMSG_DATA(c), sizeof(*out_cred));
			found = true;
		} else if (c->cmsg_type == SCM_RIGHTS) {
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < nfd; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
				close(fd);
			}
		}
	}
	return found;
}

/* One datagram; 1 if one was received, 0 if none was queued, or an error code. */
static int
tls_keysock_recv_one(struct tls_keysock *ks, struct tls_keylog *kl, uint64_t now_sec)
{
	char data[TLS_KEYSOCK_DGRAM_MAX]; /* key log text: wiped before returning */
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = { 0 };
	struct ucred cred;
	int rc = 1;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.b;
	msg.msg_controllen = sizeof(ctl.b);
	ssize_t n = recvmsg(ks->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EINTR)
			return 1;
		ks->st.errors++;
		return TLSIPS_ESYS;
	}
	ks->st.datagrams++;
	bool have_cred = tls_keysock_creds(&msg, &cred);
	if (msg.msg_flags & MSG_TRUNC)
		ks->st.oversize++;
	else if (!have_cred)
		ks->st.no_creds++;
	else if (!tls_keysock_uid_allowed(ks, cred.uid))
		ks->st.rejected_uid++;
	else {
		ks->st.accepted++;
		(void)tls_keylog_add_text(kl, &ks->src, data, (size_t)n, true, now_sec);
	}
	OPENSSL_cleanse(data, (size_t)n < sizeof(data) ? (size_t)n : sizeof(data));
	return rc;
}

int
tls_keysock_poll(struct tls_keysock *ks, struct tls_keylog *kl, uint64_t now_sec)
{
	for (int i = 0; i < TLS_KEYSOCK_POLL_MAX; i++) {
		int rc = tls_keysock_recv_one(ks, kl, now_sec);
		if (rc <= 0)
			return rc;
	}
	return TLSIPS_OK;
}
