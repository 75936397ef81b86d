// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* probe.c - what this kernel and this process allow: BTF, debugfs, capabilities */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "probe.h"

#define DEBUGFS_MAGIC	0x64626720

/* Root, or the two capabilities that load and attach tracing programs. */
static bool have_caps(void)
{
	const cap_value_t need[] = { CAP_BPF, CAP_PERFMON };
	cap_flag_value_t v;
	bool ok = true;
	unsigned int i;
	cap_t caps;

	if (geteuid() == 0)
		return true;
	caps = cap_get_proc();
	if (!caps)
		return false;
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (cap_get_flag(caps, need[i], CAP_EFFECTIVE, &v) || v != CAP_SET)
			ok = false;
	cap_free(caps);
	return ok;
}

static char *read_file(const char *path)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	FILE *f;

	if (!buf)
		return NULL;
	f = fopen(path, "re");
	if (!f) {
		free(buf);
		return NULL;
	}
	for (;;) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
		if (len + 1 == cap) {
			char *nbuf = realloc(buf, cap * 2);

			if (!nbuf) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nbuf;
			cap *= 2;
		}
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static bool btf_has_event(const struct btf *btf, const char *event)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", event);
	return btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
}

/*
 * khoscope's programs are tp_btf programs: they need the kernel's BTF, and
 * the kho events of the whole series (batch and counts events: patch 0026).
 */
static int probe_btf(struct ks_kernel *k)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int err = KS_UNSUPPORTED;

	if (!btf) {
		fprintf(stderr, "khoscope: cannot load the kernel's BTF (/sys/kernel/btf/vmlinux): "
			"it needs a kernel built with CONFIG_DEBUG_INFO_BTF\n");
		return KS_UNSUPPORTED;
	}
	if (!btf_has_event(btf, "kho_preserve_end"))
		fprintf(stderr, "khoscope: this kernel lacks the kho trace events: "
			"build it from kernel/patches\n");
	else if (!btf_has_event(btf, "kho_preserve_batch") ||
		 !btf_has_event(btf, "kho_radix_counts"))
		fprintf(stderr, "khoscope: this kernel's kho events predate the batch and counts "
			"events (patch 0026): build it from kernel/patches\n");
	else
		err = 0;
	k->api = btf_has_event(btf, "kho_api");
	k->modules = btf_has_event(btf, "module_load") && btf_has_event(btf, "module_free");
	btf__free(btf);
	return err;
}

static int probe_debugfs(const char *debugfs)
{
	char path[512];
	struct statfs sfs;
	struct stat st;
	int fd;

	if (statfs(debugfs, &sfs) || sfs.f_type != DEBUGFS_MAGIC) {
		if (errno == EACCES || errno == EPERM) {
			snprintf(path, sizeof(path), "%s", debugfs);
			goto denied;
		}
		fprintf(stderr, "khoscope: debugfs is not mounted at %s "
			"(mount -t debugfs none %s)\n", debugfs, debugfs);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/kho/out", debugfs);
	if (stat(path, &st)) {
		if (errno == EACCES || errno == EPERM)
			goto denied;
		fprintf(stderr, "khoscope: KHO is disabled (no %s): boot with kho=on\n", path);
		return KS_UNSUPPORTED;
	}
	snprintf(path, sizeof(path), "%s/kho/out/radix_tree", debugfs);
	if (stat(path, &st)) {
		fprintf(stderr, "khoscope: this kernel lacks %s: build it from kernel/patches\n", path);
		return KS_UNSUPPORTED;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto denied;
	close(fd);
	return 0;

denied:
	/* CAP_BPF and CAP_PERFMON load the programs; debugfs is root's. */
	fprintf(stderr, "khoscope: cannot read %s: %s (debugfs is root's: run as root, "
		"or with CAP_DAC_READ_SEARCH as well)\n", path, strerror(errno));
	return -1;
}

int ks_probe(const char *debugfs, struct ks_kernel *k)
{
	if (!have_caps()) {
		fprintf(stderr, "khoscope: need root, or CAP_BPF and CAP_PERFMON\n");
		return -1;
	}
	int err = probe_btf(k);

	return err ? err : probe_debugfs(debugfs);
}

int ks_read_counts(const char *debugfs, struct ks_shape *shape)
{
	char path[512], *text;
	int err = 0;

	snprintf(path, sizeof(path), "%s/kho/out/radix_tree", debugfs);
	text = read_file(path);
	if (!text) {
		fprintf(stderr, "khoscope: failed to read %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* The reports need the read, not the text: the counts come through BPF. */
	if (shape)
		err = ks_parse_shape(text, shape);
	free(text);
	if (err)
		fprintf(stderr, "khoscope: failed to parse %s (a kernel without the "
			"tree's counts? build it from kernel/patches)\n", path);
	return err;
}

void ks_read_restore(const char *debugfs, struct ks_restore *rs)
{
	char path[512], *text;

	memset(rs, 0, sizeof(*rs));
	snprintf(path, sizeof(path), "%s/kho/in/restore_stats", debugfs);
	text = read_file(path);
	if (!text)
		return;
	if (ks_parse_restore(text, rs))
		fprintf(stderr, "khoscope: ignoring %s: unexpected format\n", path);
	free(text);
}

/*
 * Once attached, keep only what the reports need: reading debugfs, whose
 * files are root's (CAP_DAC_READ_SEARCH, for a user that is not root) and,
 * with --textfile, writing into a directory another user may own
 * (CAP_DAC_OVERRIDE). The programs, maps, ring buffer, listening sockets
 * and /proc/kallsyms are open already, and an open file keeps what it was
 * opened with. Out of the bounding set too where this process may change
 * it (CAP_SETPCAP), and no exec may give any back.
 */
int ks_drop_capabilities(bool textfile)
{
	cap_value_t keep[2], c;
	int nkeep = 0, i, err = 0;
	cap_t cur, caps;

	cur = cap_get_proc();
	caps = cap_init();
	if (!cur || !caps) {
		err = -errno;
		goto out;
	}
	keep[nkeep++] = CAP_DAC_READ_SEARCH;
	if (textfile)
		keep[nkeep++] = CAP_DAC_OVERRIDE;
	for (i = 0; i < nkeep; i++) {
		cap_flag_value_t have = CAP_CLEAR;

		cap_get_flag(cur, keep[i], CAP_PERMITTED, &have);
		if (have == CAP_SET &&
		    (cap_set_flag(caps, CAP_PERMITTED, 1, &keep[i], CAP_SET) ||
		     cap_set_flag(caps, CAP_EFFECTIVE, 1, &keep[i], CAP_SET))) {
			err = -errno;
			goto out;
		}
	}
	for (c = 0; c < (cap_value_t)cap_max_bits(); c++) {
		for (i = 0; i < nkeep && keep[i] != c; i++)
			;
		if (i < nkeep || !cap_drop_bound(c))
			continue;
		if (errno == EPERM)
			break;	/* no CAP_SETPCAP: the bounding set stays */
		err = -errno;
		goto out;
	}
	if (cap_set_proc(caps) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		err = -errno;
out:
	cap_free(cur);
	cap_free(caps);
	return err;
}
