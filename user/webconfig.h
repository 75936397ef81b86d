/* SPDX-License-Identifier: GPL-2.0 */
/* webconfig.h - --web-config: TLS and basic auth for the metrics endpoint */
#ifndef KHOSCOPE_WEBCONFIG_H
#define KHOSCOPE_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Certificate and key files are read whole, up to this size. */
#define KS_WEBCONFIG_MAX_FILE	(1U << 20)

struct ks_webuser {
	char *name;
	char *hash;		/* bcrypt: $2y$, $2b$ or $2a$ */
};

/*
 * A web configuration file of exporter-toolkit's format, read at startup:
 * khoscope may not open a file once it has dropped its capabilities.
 */
struct ks_webconfig {
	char *cert;		/* PEM, or NULL: plain HTTP */
	char *key;		/* PEM, with cert */
	struct ks_webuser *users;	/* none: no authentication */
	unsigned int nr_users;
};

int ks_webconfig_load(struct ks_webconfig *wc, const char *path, char *err, size_t size);
bool ks_webconfig_auth(const struct ks_webconfig *wc, const char *user, const char *password);
void ks_webconfig_free(struct ks_webconfig *wc);

#endif /* KHOSCOPE_WEBCONFIG_H */
