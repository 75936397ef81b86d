// SPDX-License-Identifier: GPL-2.0
/*
 * kexec-reboot - load a kernel with kexec_file_load(2) and reboot into it.
 *
 * Usage: kexec-reboot KERNEL INITRD CMDLINE
 *
 * busybox has no kexec applet; the VM harness uses this to take a scenario
 * into its next stage. It returns only on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/reboot.h>

static int open_or_die(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "kexec-reboot: failed to open %s: %s\n", path, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	int kernel_fd, initrd_fd;
	const char *cmdline;

	if (argc != 4) {
		fprintf(stderr, "usage: %s KERNEL INITRD CMDLINE\n", argv[0]);
		return 2;
	}
	cmdline = argv[3];

	kernel_fd = open_or_die(argv[1]);
	initrd_fd = open_or_die(argv[2]);
	if (kernel_fd < 0 || initrd_fd < 0)
		return 1;

	if (syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, strlen(cmdline) + 1, cmdline, 0UL)) {
		fprintf(stderr, "kexec-reboot: failed to load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}

	sync();
	if (reboot(LINUX_REBOOT_CMD_KEXEC)) {
		fprintf(stderr, "kexec-reboot: failed to reboot into the new kernel: %s\n", strerror(errno));
		return 1;
	}
	return 1;
}
