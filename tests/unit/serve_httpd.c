// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics endpoint (user/httpd.c) alone, for tests/host/httpd-tls.sh:
 * serves a made-up exposition on SPEC, as khoscope --prometheus SPEC
 * --web-config FILE does, until SIGTERM or SIGINT or for SECS seconds at
 * most. Prints "serving" once it does. Exit status as khoscope's: 2 for a
 * web configuration that is wrong, 1 for one it cannot read.
 *
 * Usage: serve_httpd SPEC WEB_CONFIG DEADLINE_S SECS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "httpd.h"
#include "webconfig.h"

static unsigned int renders;

/* How many expositions were made, to show that scrapes share them. */
static int render(bool om, char **body, size_t *len)
{
	int n;

	n = asprintf(body, "ks_test_renders %u\n%s", ++renders, om ? "# EOF\n" : "");
	if (n < 0)
		return -1;
	*len = n;
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec limit = {};
	int fds[KS_HTTPD_MAX_FDS], nr, err;
	struct ks_webconfig web;
	struct ks_httpd *h;
	char msg[512];
	sigset_t stop;
	bool usage;

	if (argc != 5) {
		fprintf(stderr, "usage: serve_httpd SPEC WEB_CONFIG DEADLINE_S SECS\n");
		return 2;
	}
	err = ks_webconfig_load(&web, argv[2], msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "serve_httpd: %s\n", msg);
		return err == -EINVAL ? 2 : 1;
	}
	nr = ks_httpd_listen(argv[1], &web, fds, &usage);
	if (nr < 0) {
		ks_webconfig_free(&web);
		return usage ? 2 : 1;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	h = ks_httpd_start(fds, nr, render, atoi(argv[3]), &web);
	if (!h) {
		fprintf(stderr, "serve_httpd: failed to start the server\n");
		ks_webconfig_free(&web);
		return 1;
	}
	printf("serving\n");
	fflush(stdout);
	limit.tv_sec = atoi(argv[4]);
	sigtimedwait(&stop, NULL, &limit);
	ks_httpd_stop(h);
	ks_webconfig_free(&web);
	return 0;
}
