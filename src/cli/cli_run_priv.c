/*
 * Dropping privileges after set-up: the queues, raw sockets, key socket and
 * outputs are open, so from here on tlsips needs only CAP_NET_ADMIN (NFQUEUE
 * verdicts are netlink messages the kernel checks for it) and CAP_NET_RAW
 * (reset injection through the raw sockets, kept in case they are reopened).
 * Called before the worker threads start: capabilities are per thread and
 * new threads inherit the caller's.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/err.h"
#include "cli/cli_run.h"

int
cli_run_priv_lookup(const char *user, uid_t *out_uid, gid_t *out_gid, char *err, size_t errlen)
{
	errno = 0;
	const struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "user '%s' is unknown%s%s (refusing to keep running as root)",
			 user, errno ? ": " : "", errno ? strerror(errno) : "");
		return TLSIPS_ECONFIG;
	}
	*out_uid = pw->pw_uid;
	*out_gid = pw->pw_gid;
	return 0;
}

/* Permitted and effective: CAP_NET_ADMIN and CAP_NET_RAW; nothing inheritable. */
static int
cli_run_priv_capset(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	memset(data, 0, sizeof(data));
	uint32_t keep = (1u << CAP_NET_ADMIN) | (1u << CAP_NET_RAW);
	data[0].permitted = keep;
	data[0].effective = keep;
	return (int)syscall(SYS_capset, &hdr, data);
}

int
cli_run_priv_drop(const char *user, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (getuid() == uid && geteuid() == uid)
		return 0; /* started as that user already (systemd User=, ambient capabilities) */
	if (geteuid() != 0) {
		snprintf(err, errlen, "cannot become '%s': not started as root", user);
		return TLSIPS_ECONFIG;
	}
	/* Keep the permitted set across setuid, then narrow it to the two we need. */
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0 || setgroups(1, &gid) != 0 ||
	    setgid(gid) != 0 || setuid(uid) != 0 || cli_run_priv_capset() != 0) {
		snprintf(err, errlen, "cannot drop privileges to '%s': %s", user, strerror(errno));
		return TLSIPS_ESYS;
	}
	(void)prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L);
	/* Exec'ed programs, if any, never regain anything. */
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L);
	if (setuid(0) == 0) {
		snprintf(err, errlen, "privileges were not dropped: could become root again");
		return TLSIPS_ESYS;
	}
	return 0;
}
