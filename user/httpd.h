/* SPDX-License-Identifier: GPL-2.0 */
/* httpd.h - khoscope's metrics endpoint: listening sockets, limits, TLS and auth, serving */
#ifndef KHOSCOPE_HTTPD_H
#define KHOSCOPE_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include "webconfig.h"

/* Connections the endpoint holds at once, in all and from one address. */
#define KS_HTTPD_CONNECTIONS	64U
#define KS_HTTPD_PER_IP		8U
/*
 * Seconds a connection has for each request, counted from its opening or
 * from its last response, whatever it sends meanwhile (an idle timeout
 * alone lets a client that sends a byte now and then hold its slot).
 */
#define KS_HTTPD_DEADLINE_S	10U

/* Listening sockets: 127.0.0.1 and ::1 by default, or the one address given. */
#define KS_HTTPD_MAX_FDS	2

/* What a client without valid credentials is asked for (--web-config). */
#define KS_HTTPD_REALM		"khoscope"

/*
 * Render the exposition: text (@om false) or OpenMetrics. Return 0 with a
 * malloc'd *@body of *@len bytes, or -1.
 */
typedef int (*ks_httpd_render_fn)(bool om, char **body, size_t *len);

struct ks_httpd;

int ks_httpd_listen(const char *spec, const struct ks_webconfig *web,
		    int fds[KS_HTTPD_MAX_FDS], bool *usage);
struct ks_httpd *ks_httpd_start(const int *fds, int nr_fds, ks_httpd_render_fn render,
				unsigned int deadline_s, const struct ks_webconfig *web);
void ks_httpd_stop(struct ks_httpd *h);

#endif /* KHOSCOPE_HTTPD_H */
