// SPDX-License-Identifier: GPL-2.0
/* httpd.c - khoscope's metrics endpoint: listening sockets, limits, TLS and auth, serving */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include "httpd.h"
#include "metrics.h"

#define TEXT_PLAIN	"text/plain; charset=utf-8"
/* TLS 1.2 at least, as exporter-toolkit's default min_version. */
#define TLS_PRIORITIES	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* Scrapes within this time share one exposition, per format. */
#define EXPOSITION_TTL_NS	1000000000ULL

/* A connection, and when its request's time started. */
struct ks_conn {
	int fd;			/* -1: slot free */
	bool cut;		/* shut down already */
	unsigned long long since_ns;
};

struct ks_httpd {
	struct MHD_Daemon *daemons[KS_HTTPD_MAX_FDS];
	int nr_daemons;
	ks_httpd_render_fn render;
	const struct ks_webconfig *web;	/* or NULL */
	unsigned long long deadline_ns;
	pthread_mutex_t lock;	/* protects everything below */
	pthread_cond_t wake;	/* the sweeper: a connection opened, or stop */
	bool stopping;
	pthread_t sweeper;
	bool sweeping;
	struct ks_conn conns[KS_HTTPD_MAX_FDS * KS_HTTPD_CONNECTIONS];
	struct {
		unsigned long long made_ns;
		char *body;	/* NULL: none yet */
		size_t len;
	} exposition[2];	/* [om]: text, OpenMetrics */
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* libmicrohttpd's options for @web's TLS, if any, up to MHD_OPTION_END. */
static void tls_options(const struct ks_webconfig *web, struct MHD_OptionItem opts[4])
{
	struct MHD_OptionItem *o = opts;

	if (web && web->cert) {
		*o++ = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, web->key };
		*o++ = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, web->cert };
		*o++ = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						(char *)TLS_PRIORITIES };
	}
	*o = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
}

static void first_message(void *cls, const char *fmt, va_list ap)
{
	char *msg = cls;

	if (!*msg)
		vsnprintf(msg, 256, fmt, ap);
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url,
			     const char *method, const char *version,
			     const char *upload_data, size_t *upload_size, void **state);

/*
 * Does libmicrohttpd take @web's certificate and key? A daemon without a
 * socket, started and stopped, tells: the server starts only once the BPF
 * programs are attached.
 */
static int check_tls(const struct ks_webconfig *web, bool *usage)
{
	struct MHD_OptionItem tls[4];
	struct MHD_Daemon *d;
	char msg[256] = "";

	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		fprintf(stderr, "khoscope: --web-config asks for TLS, which this libmicrohttpd "
			"was built without\n");
		*usage = false;
		return -1;
	}
	tls_options(web, tls);
	d = MHD_start_daemon(MHD_USE_TLS | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG, 0,
			     NULL, NULL, serve, NULL,
			     MHD_OPTION_EXTERNAL_LOGGER, first_message, msg,
			     MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
	if (!d) {
		msg[strcspn(msg, "\n")] = '\0';
		fprintf(stderr, "khoscope: --web-config: libmicrohttpd cannot serve TLS with its "
			"cert_file and key_file: %s\n", *msg ? msg : "it gives no reason");
		return -1;
	}
	MHD_stop_daemon(d);
	return 0;
}

/*
 * The listening sockets for --prometheus, made before anything is loaded so
 * that a bad address, a port in use or a certificate libmicrohttpd does not
 * take fails at once. SPEC is [ADDR:]PORT; without ADDR, 127.0.0.1 and ::1
 * (if this host has IPv6). @web: the --web-config, or NULL. Return the
 * number of sockets in @fds, or -1 after a one-line error (*@usage set for a
 * malformed address or certificate).
 */
int ks_httpd_listen(const char *spec, const struct ks_webconfig *web,
		    int fds[KS_HTTPD_MAX_FDS], bool *usage)
{
	static const char *const loopback[] = { "127.0.0.1", "::1" };
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST,
	};
	char host[256] = "", *colon, *end;
	const char *port = spec;
	int nr = 0, i, one = 1, err;
	unsigned long p;

	*usage = true;
	if (web && web->cert && check_tls(web, usage))
		return -1;
	colon = strrchr(spec, ':');
	if (colon) {
		size_t len = colon - spec;

		if (len >= sizeof(host)) {
			fprintf(stderr, "khoscope: invalid --prometheus address '%s'\n", spec);
			return -1;
		}
		memcpy(host, spec, len);
		host[len] = '\0';
		/* [v6 address]:port */
		if (host[0] == '[' && len >= 2 && host[len - 1] == ']') {
			memmove(host, host + 1, len - 2);
			host[len - 2] = '\0';
		}
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p < 1 || p > 65535) {
		fprintf(stderr, "khoscope: invalid --prometheus port in '%s': 1..65535\n", spec);
		return -1;
	}
	/* Not every interface unless asked: the endpoint may have no authentication. */
	for (i = 0; i < (host[0] ? 1 : 2); i++) {
		struct addrinfo *ai;
		int fd;

		err = getaddrinfo(host[0] ? host : loopback[i], port, &hints, &ai);
		if (err == EAI_NONAME) {
			/* Names are not resolved: an address must not depend on DNS. */
			fprintf(stderr, "khoscope: invalid --prometheus address '%s': give a numeric "
				"IPv4 address or [IPv6] address, not a name\n", spec);
			goto fail;
		}
		if (err) {
			fprintf(stderr, "khoscope: invalid --prometheus address '%s': %s\n", spec,
				gai_strerror(err));
			goto fail;
		}
		*usage = false;
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 && i == 1 && errno == EAFNOSUPPORT) {
			/* No IPv6 on this host: 127.0.0.1 alone. */
			freeaddrinfo(ai);
			break;
		}
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    (ai->ai_family == AF_INET6 &&
		     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
		    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
			err = errno;
			if (fd >= 0)
				close(fd);
			freeaddrinfo(ai);
			/* IPv6 without ::1 configured: 127.0.0.1 alone. */
			if (i == 1 && err == EADDRNOTAVAIL)
				break;
			fprintf(stderr, "khoscope: cannot listen on '%s'%s%s: %s\n", spec,
				host[0] ? "" : " at ", host[0] ? "" : loopback[i], strerror(err));
			goto fail;
		}
		freeaddrinfo(ai);
		fds[nr++] = fd;
	}
	return nr;
fail:
	while (nr > 0)
		close(fds[--nr]);
	return -1;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *type, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, mode);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Basic auth: are the request's credentials those of one of @web's users? */
static bool authorized(const struct ks_webconfig *web, struct MHD_Connection *conn)
{
	char *user, *password = NULL;
	bool ok;

	user = MHD_basic_auth_get_username_password(conn, &password);
	ok = ks_webconfig_auth(web, user, password);
	if (password) {
		explicit_bzero(password, strlen(password));
		MHD_free(password);
	}
	MHD_free(user);
	return ok;
}

/* 401, with WWW-Authenticate: Basic realm="khoscope". */
static enum MHD_Result deny(struct MHD_Connection *conn)
{
	static char body[] = "Unauthorized\n";
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, TEXT_PLAIN);
	ret = MHD_queue_basic_auth_fail_response(conn, KS_HTTPD_REALM, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * GET /metrics, from a client with valid credentials when the web
 * configuration has users (any path: 401 without them, as
 * exporter-toolkit). Scrapes within a second share one exposition, per format:
 * each made reads every map, so a client that scrapes in a loop would
 * otherwise burn a core and hold the collector's lock against the report
 * loop.
 */
static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url,
			     const char *method, const char *version,
			     const char *upload_data, size_t *upload_size, void **state)
{
	static char not_found[] = "khoscope serves /metrics only\n";
	static char bad_method[] = "GET or HEAD only\n";
	static char failed[] = "khoscope could not read its BPF maps\n";
	struct ks_httpd *h = cls;
	char *body = NULL;
	size_t len = 0;
	enum MHD_Result ret;
	unsigned long long now;
	bool om;

	if (h->web && h->web->nr_users && !authorized(h->web, conn))
		return deny(conn);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, TEXT_PLAIN, bad_method,
			     strlen(bad_method), MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, TEXT_PLAIN, not_found,
			     strlen(not_found), MHD_RESPMEM_PERSISTENT);
	om = ks_wants_openmetrics(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							      MHD_HTTP_HEADER_ACCEPT));
	/* Under the lock: two daemons (IPv4, IPv6) may serve at once. */
	pthread_mutex_lock(&h->lock);
	now = now_ns();
	if (!h->exposition[om].body || now - h->exposition[om].made_ns >= EXPOSITION_TTL_NS) {
		if (h->render(om, &body, &len)) {
			pthread_mutex_unlock(&h->lock);
			return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, TEXT_PLAIN, failed,
				     strlen(failed), MHD_RESPMEM_PERSISTENT);
		}
		free(h->exposition[om].body);
		h->exposition[om].body = body;
		h->exposition[om].len = len;
		h->exposition[om].made_ns = now;
	}
	ret = reply(conn, MHD_HTTP_OK, om ? KS_OM_CONTENT_TYPE : KS_PROM_CONTENT_TYPE,
		    h->exposition[om].body, h->exposition[om].len, MHD_RESPMEM_MUST_COPY);
	pthread_mutex_unlock(&h->lock);
	return ret;
}

/* A connection opened or closed: keep its socket and deadline, or free them. */
static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	const union MHD_ConnectionInfo *info;
	struct ks_httpd *h = cls;
	struct ks_conn *c = *socket_context;
	unsigned int i;

	pthread_mutex_lock(&h->lock);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		for (i = 0; info && i < sizeof(h->conns) / sizeof(h->conns[0]); i++) {
			if (h->conns[i].fd >= 0)
				continue;
			h->conns[i] = (struct ks_conn){ .fd = info->connect_fd, .since_ns = now_ns() };
			*socket_context = &h->conns[i];
			/* Its deadline may be the next one. */
			pthread_cond_signal(&h->wake);
			break;
		}
	} else if (c) {
		/* Before the daemon closes the socket, whose number may come back. */
		c->fd = -1;
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&h->lock);
}

/* A response went out: the connection's next request gets its own time. */
static void request_completed(void *cls, struct MHD_Connection *conn, void **state,
			      enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *info;
	struct ks_httpd *h = cls;
	struct ks_conn *c;

	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (!info || !info->socket_context)
		return;
	c = info->socket_context;
	pthread_mutex_lock(&h->lock);
	if (c->fd >= 0)
		c->since_ns = now_ns();
	pthread_mutex_unlock(&h->lock);
}

/*
 * Shut down the connections past their deadline; the daemon then sees them
 * end and closes them (it owns the sockets). Sleeps until the next deadline,
 * or until a connection opens when none is open: an idle server never wakes.
 */
static void *sweep(void *arg)
{
	struct ks_httpd *h = arg;
	unsigned int i;

	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		unsigned long long now = now_ns(), next = ULLONG_MAX;

		for (i = 0; i < sizeof(h->conns) / sizeof(h->conns[0]); i++) {
			struct ks_conn *c = &h->conns[i];

			if (c->fd < 0 || c->cut)
				continue;
			if (now - c->since_ns >= h->deadline_ns) {
				shutdown(c->fd, SHUT_RDWR);
				c->cut = true;
			} else if (c->since_ns + h->deadline_ns < next) {
				next = c->since_ns + h->deadline_ns;
			}
		}
		if (next == ULLONG_MAX) {
			pthread_cond_wait(&h->wake, &h->lock);
		} else {
			struct timespec until = {
				.tv_sec = next / 1000000000ULL,
				.tv_nsec = next % 1000000000ULL,
			};

			pthread_cond_timedwait(&h->wake, &h->lock, &until);
		}
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/*
 * Serve /metrics on each of @fds (the server owns them from now on, even
 * when it fails): at most KS_HTTPD_CONNECTIONS connections per socket and
 * KS_HTTPD_PER_IP from one address, each request within @deadline_s. With
 * @web (which must outlive the server), over TLS if it has a certificate,
 * to its users only if it has any.
 */
struct ks_httpd *ks_httpd_start(const int *fds, int nr_fds, ks_httpd_render_fn render,
				unsigned int deadline_s, const struct ks_webconfig *web)
{
	struct MHD_OptionItem tls[4];
	pthread_condattr_t attr;
	struct ks_httpd *h;
	unsigned int i;
	int n;

	h = calloc(1, sizeof(*h));
	if (!h)
		goto fail;
	h->render = render;
	h->web = web;
	h->deadline_ns = deadline_s * 1000000000ULL;
	for (i = 0; i < sizeof(h->conns) / sizeof(h->conns[0]); i++)
		h->conns[i].fd = -1;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &attr);
	pthread_condattr_destroy(&attr);
	tls_options(web, tls);
	for (n = 0; n < nr_fds; n++) {
		h->daemons[n] = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
						 (web && web->cert ? MHD_USE_TLS : 0), 0, NULL, NULL,
						 serve, h,
						 MHD_OPTION_ARRAY, tls,
						 MHD_OPTION_LISTEN_SOCKET, fds[n],
						 MHD_OPTION_CONNECTION_LIMIT, KS_HTTPD_CONNECTIONS,
						 MHD_OPTION_PER_IP_CONNECTION_LIMIT, KS_HTTPD_PER_IP,
						 MHD_OPTION_CONNECTION_TIMEOUT, deadline_s,
						 MHD_OPTION_NOTIFY_CONNECTION, notify_connection, h,
						 MHD_OPTION_NOTIFY_COMPLETED, request_completed, h,
						 MHD_OPTION_END);
		if (!h->daemons[n]) {
			close(fds[n]);
			goto fail_daemons;
		}
		h->nr_daemons++;
	}
	if (pthread_create(&h->sweeper, NULL, sweep, h))
		goto fail_daemons;
	h->sweeping = true;
	return h;

fail_daemons:
	for (n++; n < nr_fds; n++)
		close(fds[n]);
	ks_httpd_stop(h);
	return NULL;
fail:
	for (n = 0; n < nr_fds; n++)
		close(fds[n]);
	return NULL;
}

void ks_httpd_stop(struct ks_httpd *h)
{
	int i;

	if (!h)
		return;
	if (h->sweeping) {
		pthread_mutex_lock(&h->lock);
		h->stopping = true;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->sweeper, NULL);
	}
	for (i = 0; i < h->nr_daemons; i++)
		MHD_stop_daemon(h->daemons[i]);
	for (i = 0; i < 2; i++)
		free(h->exposition[i].body);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
