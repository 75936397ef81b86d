// SPDX-License-Identifier: GPL-2.0
/*
 * luo-memfd - preserve a memfd through the live update orchestrator
 * (/dev/liveupdate) and check it after the kexec.
 *
 * Usage:
 *   luo-memfd preserve SESSION TOKEN MIB   fill a memfd of MIB MiB with a
 *                                          pattern derived from TOKEN, put it
 *                                          in a new session, keep the session
 *                                          open in a child until the kexec
 *   luo-memfd discard SESSION TOKEN MIB    the same, then close the session
 *                                          at once: LUO unpreserves it
 *   luo-memfd inject N SESSION TOKEN MIB   discard, with the Nth fault
 *                                          injection point of the preserve
 *                                          ioctl failing (/proc/thread-self/
 *                                          fail-nth)
 *   luo-memfd cycle SESSION TOKEN MIB      fill the memfd once, print
 *                                          "filled", then preserve it in a
 *                                          new session and close the session,
 *                                          over and over, until SIGTERM; ends
 *                                          with nothing preserved and prints
 *                                          "cycles=N". SIGUSR1 pauses it
 *                                          between two cycles, with nothing
 *                                          preserved ("paused cycles=N" once
 *                                          it is), SIGUSR2 resumes it
 *   luo-memfd restore SESSION TOKEN MIB    retrieve the session and the memfd
 *                                          after the kexec, check its size and
 *                                          every byte, finish the session
 *
 * preserve and discard print "preserve_ns=N bytes=N", the time of the
 * LIVEUPDATE_SESSION_PRESERVE_FD ioctl (which preserves every folio of the
 * memfd in KHO) and the size; discard adds "unpreserve_ns=N", the time of
 * closing the session. inject prints "injected err=NAME" when the ioctl
 * failed at the injected fault, or "not reached" (exit status 3) when the
 * ioctl succeeded without reaching it: there were fewer than N points.
 * restore prints "restored bytes=N bad_words=N".
 * Exit status: 0 success, 1 failure, 2 usage, 3 fault not reached.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#define LIVEUPDATE_DEV	"/dev/liveupdate"

static const char *prog = "luo-memfd";

static int fail(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	return 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The word at byte offset @off of the memfd for @token. */
static uint64_t pattern(uint64_t token, uint64_t off)
{
	return (token * 0x9e3779b97f4a7c15ull) ^ off;
}

static int session_ioctl_name(int lu, unsigned long cmd, const char *name, int *fd)
{
	/* The create and retrieve arguments have the same layout. */
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	if (ioctl(lu, cmd, &arg))
		return -1;
	*fd = arg.fd;
	return 0;
}

/* Arm the Nth fault injection point of this thread, or read what is left. */
static int fail_nth(const char *set, char *get, size_t len)
{
	int fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	if (set)
		n = write(fd, set, strlen(set));
	else
		n = read(fd, get, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	if (get)
		get[n] = '\0';
	return 0;
}

/* A memfd of @bytes holding the pattern of @token, or -1 after saying why. */
static int filled_memfd(uint64_t token, uint64_t bytes)
{
	uint64_t *map, i;
	int mfd;

	mfd = memfd_create("luo-memfd", MFD_CLOEXEC);
	if (mfd < 0) {
		fail("memfd_create");
		return -1;
	}
	if (ftruncate(mfd, bytes)) {
		fail("ftruncate");
		return -1;
	}
	map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (map == MAP_FAILED) {
		fail("mmap");
		return -1;
	}
	for (i = 0; i < bytes / sizeof(*map); i++)
		map[i] = pattern(token, i * sizeof(*map));
	munmap(map, bytes);
	return mfd;
}

static int do_preserve(const char *name, uint64_t token, uint64_t bytes, int discard,
		       const char *inject)
{
	struct liveupdate_session_preserve_fd pres = { .size = sizeof(pres) };
	uint64_t t0, preserve_ns;
	int lu, session, mfd, err;
	pid_t child;

	lu = open(LIVEUPDATE_DEV, O_RDWR | O_CLOEXEC);
	if (lu < 0)
		return fail("cannot open " LIVEUPDATE_DEV);
	if (session_ioctl_name(lu, LIVEUPDATE_IOCTL_CREATE_SESSION, name, &session))
		return fail("LIVEUPDATE_IOCTL_CREATE_SESSION");

	mfd = filled_memfd(token, bytes);
	if (mfd < 0)
		return 1;

	pres.fd = mfd;
	pres.token = token;
	if (inject && fail_nth(inject, NULL, 0))
		return fail("cannot arm /proc/thread-self/fail-nth");
	t0 = now_ns();
	err = ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &pres) ? errno : 0;
	preserve_ns = now_ns() - t0;
	if (inject) {
		char left[32];

		if (fail_nth(NULL, left, sizeof(left)))
			return fail("cannot read /proc/thread-self/fail-nth");
		fail_nth("0", NULL, 0);
		close(session);
		if (atoi(left) != 0) {
			printf("not reached\n");
			return err ? 1 : 3;
		}
		if (!err) {
			fprintf(stderr, "%s: the preserve succeeded through an injected fault\n",
				prog);
			return 1;
		}
		printf("injected err=%s\n", strerrorname_np(err) ?: "?");
		return 0;
	}
	errno = err;
	if (err)
		return fail("LIVEUPDATE_SESSION_PRESERVE_FD");
	close(mfd);
	close(lu);
	printf("preserve_ns=%" PRIu64 " bytes=%" PRIu64, preserve_ns, bytes);

	if (discard) {
		t0 = now_ns();
		close(session);
		printf(" unpreserve_ns=%" PRIu64 "\n", now_ns() - t0);
		return 0;
	}
	printf("\n");
	fflush(stdout);

	/* A session lives as long as its file: a child holds it to the kexec. */
	child = fork();
	if (child < 0)
		return fail("fork");
	if (child == 0) {
		int null = open("/dev/null", O_RDWR);

		setsid();
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		for (;;)
			pause();
	}
	return 0;
}

static volatile sig_atomic_t stop, paused;

static void on_signal(int sig)
{
	if (sig == SIGTERM)
		stop = 1;
	else
		paused = sig == SIGUSR1;
}

/* Preserve and unpreserve one memfd, as fast as LUO lets, until SIGTERM. */
static int do_cycle(const char *name, uint64_t token, uint64_t bytes)
{
	struct liveupdate_session_preserve_fd pres = { .size = sizeof(pres) };
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	uint64_t cycles = 0;
	int lu, session, mfd;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	lu = open(LIVEUPDATE_DEV, O_RDWR | O_CLOEXEC);
	if (lu < 0)
		return fail("cannot open " LIVEUPDATE_DEV);
	mfd = filled_memfd(token, bytes);
	if (mfd < 0)
		return 1;
	printf("filled bytes=%" PRIu64 "\n", bytes);
	fflush(stdout);

	while (!stop) {
		if (paused) {
			printf("paused cycles=%" PRIu64 "\n", cycles);
			fflush(stdout);
			while (paused && !stop)
				usleep(10000);
			continue;
		}
		if (session_ioctl_name(lu, LIVEUPDATE_IOCTL_CREATE_SESSION, name, &session))
			return fail("LIVEUPDATE_IOCTL_CREATE_SESSION");
		pres.fd = mfd;
		pres.token = token;
		if (ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &pres))
			return fail("LIVEUPDATE_SESSION_PRESERVE_FD");
		close(session);
		cycles++;
	}
	close(mfd);
	close(lu);
	printf("cycles=%" PRIu64 "\n", cycles);
	return 0;
}

static int do_restore(const char *name, uint64_t token, uint64_t bytes)
{
	struct liveupdate_session_retrieve_fd ret = { .size = sizeof(ret) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	uint64_t *map, i, bad = 0;
	int lu, session;
	struct stat st;

	lu = open(LIVEUPDATE_DEV, O_RDWR | O_CLOEXEC);
	if (lu < 0)
		return fail("cannot open " LIVEUPDATE_DEV);
	if (session_ioctl_name(lu, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, name, &session))
		return fail("LIVEUPDATE_IOCTL_RETRIEVE_SESSION");
	ret.token = token;
	if (ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &ret))
		return fail("LIVEUPDATE_SESSION_RETRIEVE_FD");
	if (fstat(ret.fd, &st))
		return fail("fstat");
	if ((uint64_t)st.st_size != bytes) {
		fprintf(stderr, "%s: memfd has %lld bytes, want %" PRIu64 "\n", prog,
			(long long)st.st_size, bytes);
		return 1;
	}
	map = mmap(NULL, bytes, PROT_READ, MAP_SHARED, ret.fd, 0);
	if (map == MAP_FAILED)
		return fail("mmap");
	for (i = 0; i < bytes / sizeof(*map); i++)
		bad += map[i] != pattern(token, i * sizeof(*map));
	munmap(map, bytes);
	close(ret.fd);
	if (ioctl(session, LIVEUPDATE_SESSION_FINISH, &fin))
		return fail("LIVEUPDATE_SESSION_FINISH");
	close(session);
	close(lu);
	printf("restored bytes=%" PRIu64 " bad_words=%" PRIu64 "\n", bytes, bad);
	return bad ? 1 : 0;
}

static int parse_u64(const char *s, const char *what, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || *out == 0 || *out > max) {
		fprintf(stderr, "%s: bad %s '%s' (1..%" PRIu64 ")\n", prog, what, s, max);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t token, mib;

	const char *inject = NULL;

	if (argc == 6 && !strcmp(argv[1], "inject")) {
		uint64_t n;

		if (parse_u64(argv[2], "fault number", INT32_MAX, &n))
			return 2;
		inject = argv[2];
		argv += 1;
		argc -= 1;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: %s preserve|discard|cycle|restore SESSION TOKEN MIB\n"
			"       %s inject N SESSION TOKEN MIB\n", prog, prog);
		return 2;
	}
	if (strlen(argv[2]) >= LIVEUPDATE_SESSION_NAME_LENGTH) {
		fprintf(stderr, "%s: session name longer than %d bytes\n", prog,
			LIVEUPDATE_SESSION_NAME_LENGTH - 1);
		return 2;
	}
	if (parse_u64(argv[3], "token", UINT64_MAX, &token) ||
	    parse_u64(argv[4], "size in MiB", 65536, &mib))
		return 2;

	if (inject)
		return do_preserve(argv[2], token, mib << 20, 1, inject);
	if (!strcmp(argv[1], "preserve"))
		return do_preserve(argv[2], token, mib << 20, 0, NULL);
	if (!strcmp(argv[1], "discard"))
		return do_preserve(argv[2], token, mib << 20, 1, NULL);
	if (!strcmp(argv[1], "cycle"))
		return do_cycle(argv[2], token, mib << 20);
	if (!strcmp(argv[1], "restore"))
		return do_restore(argv[2], token, mib << 20);
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
	return 2;
}
