// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics endpoint (user/httpd.c) on 127.0.0.1, with a render that
 * needs no BPF: where it listens by default, that slow clients cannot lock
 * out a scrape, that each request has a deadline whatever the client
 * trickles, and the per-address connection limit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "httpd.h"
#include "test.h"

#define BODY	"ks_test_up 1\n"
#define DEADLINE_S	2U

static int render(bool om, char **body, size_t *len)
{
	*body = strdup(BODY);
	*len = strlen(BODY);
	return *body ? 0 : -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A free TCP port on 127.0.0.1, as text. */
static void free_port(char *buf, size_t size)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &len);
	snprintf(buf, size, "%u", ntohs(sa.sin_port));
	close(fd);
}

/* A connection from @src (127.0.0.x) to 127.0.0.1:@port, or -1. */
static int connect_from(const char *src, const char *port)
{
	struct sockaddr_in from = { .sin_family = AF_INET };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, src, &from.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&from, sizeof(from)) ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Whether the server closed @fd within @timeout_s (EOF or a reset). */
static bool closed_within(int fd, double timeout_s)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[256];

	for (;;) {
		if (poll(&p, 1, timeout_s * 1000) <= 0)
			return false;
		if (read(fd, buf, sizeof(buf)) <= 0)
			return true;
	}
}

/* GET /metrics from 127.0.0.1: whether the body came back within @timeout_s. */
static bool scrape(const char *port, double timeout_s)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct pollfd p = { .events = POLLIN };
	double end = now_s() + timeout_s;
	char buf[4096];
	size_t got = 0;
	ssize_t n;

	p.fd = connect_from("127.0.0.1", port);
	if (p.fd < 0 || write(p.fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto fail;
	while (got < sizeof(buf) - 1) {
		double left = end - now_s();

		if (left <= 0 || poll(&p, 1, left * 1000) <= 0)
			goto fail;
		n = read(p.fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = '\0';
	close(p.fd);
	return strstr(buf, " 200 ") && strstr(buf, BODY);
fail:
	if (p.fd >= 0)
		close(p.fd);
	return false;
}

static struct ks_httpd *start(const char *port)
{
	int fds[KS_HTTPD_MAX_FDS], nr;
	char spec[64];
	bool usage;

	snprintf(spec, sizeof(spec), "127.0.0.1:%s", port);
	nr = ks_httpd_listen(spec, NULL, fds, &usage);
	if (nr != 1)
		return NULL;
	return ks_httpd_start(fds, nr, render, DEADLINE_S, NULL);
}

TEST(default_listens_on_loopback_only)
{
	int fds[KS_HTTPD_MAX_FDS], nr, i;
	char port[16];
	bool usage;

	free_port(port, sizeof(port));
	nr = ks_httpd_listen(port, NULL, fds, &usage);
	ASSERT_TRUE(nr >= 1);
	for (i = 0; i < nr; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char addr[64];

		ASSERT_EQ(getsockname(fds[i], (struct sockaddr *)&ss, &len), 0);
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof(addr));
		else
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof(addr));
		ASSERT_STREQ(addr, i == 0 ? "127.0.0.1" : "::1");
		close(fds[i]);
	}
}

/*
 * 20 clients from other addresses trickle a byte every half second, each
 * resetting any idle timeout: a scrape from 127.0.0.1 still succeeds within
 * 2 s, every trickler beyond the per-address limit is turned away, and the
 * others are cut at the deadline however much they send.
 */
TEST(slow_clients_cannot_lock_out_a_scrape)
{
	struct ks_httpd *h;
	int fds[20], i, cut = 0;
	char port[16], src[32];
	double start_s;

	free_port(port, sizeof(port));
	h = start(port);
	ASSERT_TRUE(h);
	for (i = 0; i < 20; i++) {
		/* Ten from each of two addresses: 8 kept, 2 turned away, each. */
		snprintf(src, sizeof(src), "127.0.0.%d", 2 + i / 10);
		fds[i] = connect_from(src, port);
		ASSERT_TRUE(fds[i] >= 0);
	}
	start_s = now_s();
	ASSERT_TRUE(scrape(port, 2.0));
	/* Trickle: "GET /" one byte at a time, for longer than the deadline. */
	while (now_s() - start_s < DEADLINE_S + 1.5) {
		for (i = 0; i < 20; i++)
			if (fds[i] >= 0 && send(fds[i], "G", 1, MSG_NOSIGNAL) != 1) {
				close(fds[i]);
				fds[i] = -1;
			}
		usleep(500000);
	}
	for (i = 0; i < 20; i++) {
		if (fds[i] < 0) {
			cut++;
			continue;
		}
		if (closed_within(fds[i], 1.0))
			cut++;
		close(fds[i]);
	}
	ASSERT_EQ(cut, 20);
	ASSERT_TRUE(scrape(port, 2.0));
	ks_httpd_stop(h);
}

TEST(per_address_limit)
{
	struct ks_httpd *h;
	int fds[KS_HTTPD_PER_IP + 1], i;
	char port[16];

	free_port(port, sizeof(port));
	h = start(port);
	ASSERT_TRUE(h);
	for (i = 0; i <= (int)KS_HTTPD_PER_IP; i++) {
		fds[i] = connect_from("127.0.0.5", port);
		ASSERT_TRUE(fds[i] >= 0);
	}
	/* The last one over the limit is closed at once, the others kept. */
	ASSERT_TRUE(closed_within(fds[KS_HTTPD_PER_IP], 1.0));
	for (i = 0; i < (int)KS_HTTPD_PER_IP; i++)
		ASSERT_TRUE(!closed_within(fds[i], 0.05));
	/* Another address is served meanwhile. */
	ASSERT_TRUE(scrape(port, 2.0));
	for (i = 0; i <= (int)KS_HTTPD_PER_IP; i++)
		close(fds[i]);
	ks_httpd_stop(h);
}

/* A client sending a byte every half second is cut at the deadline. */
TEST(request_deadline_is_total)
{
	struct ks_httpd *h;
	char port[16];
	double start_s, took;
	int fd;

	free_port(port, sizeof(port));
	h = start(port);
	ASSERT_TRUE(h);
	fd = connect_from("127.0.0.6", port);
	ASSERT_TRUE(fd >= 0);
	start_s = now_s();
	while (now_s() - start_s < DEADLINE_S + 3) {
		if (send(fd, "G", 1, MSG_NOSIGNAL) != 1 || closed_within(fd, 0.5))
			break;
	}
	took = now_s() - start_s;
	close(fd);
	ASSERT_TRUE(took >= DEADLINE_S - 0.1);
	ASSERT_TRUE(took < DEADLINE_S + 1.0);
	ks_httpd_stop(h);
}

int main(int argc, char **argv)
{
	return run_tests(argc > 1 ? argv[1] : NULL);
}
