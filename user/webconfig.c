// SPDX-License-Identifier: GPL-2.0
/* webconfig.c - --web-config: exporter-toolkit's web configuration file */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <crypt.h>
#include <yaml.h>
#include "webconfig.h"

/* exporter-toolkit's keys that khoscope does not take. */
static const char *const unsupported[] = {
	"http_server_config", "rate_limit", "cert", "key", "client_auth_type", "client_ca_file",
	"client_allowed_sans", "cipher_suites", "curve_preferences", "min_version", "max_version",
	"prefer_server_cipher_suites",
};

struct loader {
	const char *path;
	yaml_document_t doc;
	char *err;
	size_t size;
};

/* A one-line message about @node's line of the file; -EINVAL. */
static int fail(struct loader *l, const yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(l->err, l->size, "--web-config %s:%zu: ", l->path, node->start_mark.line + 1);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < l->size)
		vsnprintf(l->err + n, l->size - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* @path whole, NUL-terminated, into a malloc'd *@text: 0 or -errno. */
static int read_whole(const char *path, char **text)
{
	size_t len = 0;
	ssize_t n;
	char *buf;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(KS_WEBCONFIG_MAX_FILE + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	do {
		n = read(fd, buf + len, KS_WEBCONFIG_MAX_FILE + 1 - len);
		if (n > 0)
			len += n;
	} while (n > 0 && len <= KS_WEBCONFIG_MAX_FILE);
	err = n < 0 ? -errno : len > KS_WEBCONFIG_MAX_FILE ? -EFBIG : 0;
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*text = realloc(buf, len + 1) ?: buf;
	return 0;
}

static const char *scalar(const yaml_node_t *node)
{
	return node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

/* An empty value, ~ or null: the key as good as absent. */
static bool is_null(const yaml_node_t *node)
{
	const char *s = scalar(node);

	return s && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*s || !strcmp(s, "~") || !strcasecmp(s, "null"));
}

static yaml_node_t *node_of(struct loader *l, int id)
{
	return yaml_document_get_node(&l->doc, id);
}

/*
 * The pairs of @node, a mapping with distinct string keys, in [*@pairs,
 * *@end); none for a null. @what names it in a message.
 */
static int mapping(struct loader *l, yaml_node_t *node, const char *what,
		   yaml_node_pair_t **pairs, yaml_node_pair_t **end)
{
	yaml_node_pair_t *p, *q;

	*pairs = *end = NULL;
	if (is_null(node))
		return 0;
	if (node->type != YAML_MAPPING_NODE)
		return fail(l, node, "%s must be a mapping", what);
	for (p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
		yaml_node_t *key = node_of(l, p->key);

		if (!scalar(key))
			return fail(l, key, "a key of %s is not a string", what);
		for (q = node->data.mapping.pairs.start; q < p; q++)
			if (!strcmp(scalar(node_of(l, q->key)), scalar(key)))
				return fail(l, key, "duplicate key '%s' in %s", scalar(key), what);
	}
	*pairs = node->data.mapping.pairs.start;
	*end = node->data.mapping.pairs.top;
	return 0;
}

/* A key khoscope does not take, in the section @in ("" at the top). */
static int unknown(struct loader *l, yaml_node_t *key, const char *in)
{
	size_t i;

	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (!strcmp(unsupported[i], scalar(key)))
			return fail(l, key, "'%s' is not supported: khoscope takes tls_server_config's "
				    "cert_file and key_file, and basic_auth_users", scalar(key));
	return fail(l, key, "unknown key '%s'%s%s", scalar(key), *in ? " in " : "", in);
}

/* @file, named by the configuration's @what, into *@pem. */
static int read_pem(struct loader *l, const char *what, const char *file, char **pem)
{
	const char *slash = strrchr(l->path, '/');
	char *path;
	int err;

	/* Relative to the configuration's directory, as exporter-toolkit has it. */
	if (file[0] == '/' || !slash)
		path = strdup(file);
	else if (asprintf(&path, "%.*s/%s", (int)(slash - l->path), l->path, file) < 0)
		path = NULL;
	if (!path)
		return -ENOMEM;
	err = read_whole(path, pem);
	if (err)
		snprintf(l->err, l->size, "cannot read %s '%s' of --web-config %s: %s", what, path,
			 l->path, strerror(-err));
	free(path);
	return err;
}

static int load_tls(struct loader *l, yaml_node_t *node, struct ks_webconfig *wc)
{
	yaml_node_t *cert = NULL, *key = NULL, *k, *v;
	yaml_node_pair_t *p, *end;
	int err;

	err = mapping(l, node, "tls_server_config", &p, &end);
	for (; !err && p < end; p++) {
		k = node_of(l, p->key);
		v = node_of(l, p->value);
		if (strcmp(scalar(k), "cert_file") && strcmp(scalar(k), "key_file"))
			return unknown(l, k, "tls_server_config");
		if (!scalar(v))
			return fail(l, v, "%s must be a file name", scalar(k));
		if (is_null(v) || !*scalar(v))
			continue;
		if (!strcmp(scalar(k), "cert_file"))
			cert = v;
		else
			key = v;
	}
	if (err || (!cert && !key))
		return err;
	if (!key)
		return fail(l, cert, "tls_server_config has a cert_file but no key_file");
	if (!cert)
		return fail(l, key, "tls_server_config has a key_file but no cert_file");
	return read_pem(l, "cert_file", scalar(cert), &wc->cert) ?:
	       read_pem(l, "key_file", scalar(key), &wc->key);
}

/* $2y$ (htpasswd -B), $2b$ or $2a$, a cost of 04-31, then 53 characters. */
static bool is_bcrypt(const char *s)
{
	static const char b64[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int cost;

	if (strlen(s) != 60 || strncmp(s, "$2", 2) || !strchr("aby", s[2]) || s[3] != '$' ||
	    strspn(s + 4, "0123456789") != 2 || s[6] != '$' || strspn(s + 7, b64) != 53)
		return false;
	cost = (s[4] - '0') * 10 + s[5] - '0';
	return cost >= 4 && cost <= 31;
}

static int load_users(struct loader *l, yaml_node_t *node, struct ks_webconfig *wc)
{
	yaml_node_pair_t *p, *end;
	int err;

	err = mapping(l, node, "basic_auth_users", &p, &end);
	if (err || p == end)
		return err;
	wc->users = calloc(end - p, sizeof(*wc->users));
	if (!wc->users)
		return -ENOMEM;
	for (; p < end; p++) {
		yaml_node_t *k = node_of(l, p->key), *v = node_of(l, p->value);
		struct ks_webuser *u = &wc->users[wc->nr_users];

		if (!*scalar(k))
			return fail(l, k, "a user of basic_auth_users has no name");
		if (!scalar(v) || !is_bcrypt(scalar(v)))
			return fail(l, v, "the password of '%s' is not a bcrypt hash "
				    "($2y$, $2b$ or $2a$, as htpasswd -B makes)", scalar(k));
		u->name = strdup(scalar(k));
		u->hash = strdup(scalar(v));
		wc->nr_users++;
		if (!u->name || !u->hash)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Read @path, a web configuration of exporter-toolkit's format, and the
 * files it names into @wc: an empty file, or one without sections, is
 * plain HTTP without authentication. Return 0; or -EINVAL for a file that
 * is wrong (a usage error), another -errno for a file that cannot be read,
 * with one line in @err.
 */
int ks_webconfig_load(struct ks_webconfig *wc, const char *path, char *err, size_t size)
{
	struct loader l = { .path = path, .err = err, .size = size };
	yaml_node_pair_t *p = NULL, *end = NULL;
	yaml_parser_t parser;
	yaml_node_t *root;
	char *text;
	int ret;

	memset(wc, 0, sizeof(*wc));
	ret = read_whole(path, &text);
	if (ret) {
		snprintf(err, size, "cannot read --web-config '%s': %s", path, strerror(-ret));
		return ret;
	}
	if (!yaml_parser_initialize(&parser)) {
		ret = -ENOMEM;
		goto out_text;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&parser, &l.doc)) {
		snprintf(err, size, "--web-config %s:%zu: %s%s%s", path,
			 parser.problem_mark.line + 1, parser.problem ?: "not YAML",
			 parser.context ? " " : "", parser.context ?: "");
		ret = -EINVAL;
		goto out;
	}
	root = yaml_document_get_root_node(&l.doc);
	ret = root ? mapping(&l, root, "the web configuration", &p, &end) : 0;
	for (; !ret && p < end; p++) {
		yaml_node_t *k = node_of(&l, p->key), *v = node_of(&l, p->value);

		if (!strcmp(scalar(k), "tls_server_config"))
			ret = load_tls(&l, v, wc);
		else if (!strcmp(scalar(k), "basic_auth_users"))
			ret = load_users(&l, v, wc);
		else
			ret = unknown(&l, k, "");
	}
	yaml_document_delete(&l.doc);
out:
	yaml_parser_delete(&parser);
out_text:
	free(text);
	if (ret == -ENOMEM)
		snprintf(err, size, "--web-config %s: %s", path, strerror(ENOMEM));
	if (ret)
		ks_webconfig_free(wc);
	return ret;
}

/* Is @user one of @wc's users, and @password theirs? */
bool ks_webconfig_auth(const struct ks_webconfig *wc, const char *user, const char *password)
{
	const struct ks_webuser *u = NULL;
	volatile unsigned char diff = 0;
	struct crypt_data *data;
	const char *out;
	unsigned int i;

	if (!wc->nr_users || !user || !password)
		return false;
	for (i = 0; i < wc->nr_users && !u; i++)
		if (!strcmp(wc->users[i].name, user))
			u = &wc->users[i];
	data = calloc(1, sizeof(*data));
	if (!data)
		return false;
	/* An unknown user costs a bcrypt too: the time does not tell who exists. */
	out = crypt_rn(password, u ? u->hash : wc->users[0].hash, data, sizeof(*data));
	/* Every byte, whichever differ: the time does not tell where. */
	if (!u || !out || strlen(out) != strlen(u->hash))
		diff = 1;
	else
		for (i = 0; out[i]; i++)
			diff |= out[i] ^ u->hash[i];
	explicit_bzero(data, sizeof(*data));
	free(data);
	return !diff;
}

void ks_webconfig_free(struct ks_webconfig *wc)
{
	unsigned int i;

	for (i = 0; i < wc->nr_users; i++) {
		free(wc->users[i].name);
		free(wc->users[i].hash);
	}
	free(wc->users);
	if (wc->key)
		explicit_bzero(wc->key, strlen(wc->key));
	free(wc->key);
	free(wc->cert);
	memset(wc, 0, sizeof(*wc));
}
