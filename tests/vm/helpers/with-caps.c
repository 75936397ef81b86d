// SPDX-License-Identifier: GPL-2.0
/*
 * with-caps - run a command as another user that keeps chosen capabilities.
 *
 * Usage: with-caps UID GID CAP[,CAP...] COMMAND [ARG...]
 *
 * CAP is a capability number (38: CAP_PERFMON, 39: CAP_BPF). busybox has
 * neither setpriv nor capsh; the privilege tests use this to be a user with
 * CAP_BPF and CAP_PERFMON but not root. The capabilities are made ambient,
 * so that they survive the exec of an unprivileged program.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

static int die(const char *what)
{
	fprintf(stderr, "with-caps: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	unsigned long caps[64], nr = 0, i;
	char *list, *tok, *end;
	uid_t uid;
	gid_t gid;

	if (argc < 5) {
		fprintf(stderr, "usage: with-caps UID GID CAP[,CAP...] COMMAND [ARG...]\n");
		return 2;
	}
	uid = strtoul(argv[1], NULL, 10);
	gid = strtoul(argv[2], NULL, 10);
	list = argv[3];
	for (tok = strtok(list, ","); tok && nr < 64; tok = strtok(NULL, ",")) {
		caps[nr] = strtoul(tok, &end, 10);
		if (*end || caps[nr] > CAP_LAST_CAP) {
			fprintf(stderr, "with-caps: bad capability '%s'\n", tok);
			return 2;
		}
		nr++;
	}

	/* Keep the permitted set across setuid(), then drop to the user. */
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L))
		return die("PR_SET_KEEPCAPS");
	if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
		return die("setuid");
	for (i = 0; i < nr; i++) {
		data[caps[i] / 32].permitted |= 1U << (caps[i] % 32);
		data[caps[i] / 32].effective |= 1U << (caps[i] % 32);
		data[caps[i] / 32].inheritable |= 1U << (caps[i] % 32);
	}
	if (syscall(SYS_capset, &hdr, data))
		return die("capset");
	for (i = 0; i < nr; i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, caps[i], 0L, 0L))
			return die("PR_CAP_AMBIENT_RAISE");
	execvp(argv[4], argv + 4);
	return die(argv[4]);
}
