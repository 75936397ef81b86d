// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ksyms.c - naming kernel addresses from /proc/kallsyms, never printing one */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"
#include "khoscope.h"

static int ksym_cmp(const void *a, const void *b)
{
	const struct ks_ksym *x = a, *y = b;

	/* At one address, a function sorts last: it names what is there. */
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return !!x->name - !!y->name;
}

int ks_ksyms_read(struct ks_ksyms *k, FILE *f)
{
	char line[512];
	size_t cap = 0;

	memset(k, 0, sizeof(*k));
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char type, name[256], mod[128] = "";
		unsigned long long addr;
		bool text;
		int n;

		/* Hidden addresses (kptr_restrict, no CAP_SYSLOG) read as 0. */
		n = sscanf(line, "%llx %c %255s %127s", &addr, &type, name, mod);
		if (n < 3 || !addr)
			continue;
		if (k->nr == cap) {
			struct ks_ksym *s;

			cap = cap ? cap * 2 : 4096;
			s = realloc(k->syms, cap * sizeof(*s));
			if (!s) {
				ks_ksyms_free(k);
				return -ENOMEM;
			}
			k->syms = s;
		}
		/* Other symbols only end the text symbol below them. */
		text = type == 't' || type == 'T';
		k->syms[k->nr].addr = addr;
		k->syms[k->nr].name = NULL;
		if (text && asprintf(&k->syms[k->nr].name, "%s%s%s", name, n == 4 ? " " : "",
				     n == 4 ? mod : "") < 0) {
			ks_ksyms_free(k);
			return -ENOMEM;
		}
		k->nr++;
	}
	if (k->nr)
		qsort(k->syms, k->nr, sizeof(*k->syms), ksym_cmp);
	return 0;
}

void ks_ksyms_free(struct ks_ksyms *k)
{
	size_t i;

	for (i = 0; i < k->nr; i++)
		free(k->syms[i].name);
	free(k->syms);
	memset(k, 0, sizeof(*k));
}

bool ks_ksyms_name(const struct ks_ksyms *k, __u64 ip, char *buf, size_t len)
{
	size_t lo = 0, hi = k->nr;

	/*
	 * @ip is a return address: the call is the byte before it, which may
	 * end its function. The last symbol at or below that byte names it if
	 * it is a function's.
	 */
	ip--;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (k->syms[mid].addr <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || !k->syms[lo - 1].name) {
		snprintf(buf, len, "unknown");
		return false;
	}
	snprintf(buf, len, "%s", k->syms[lo - 1].name);
	return true;
}

struct ks_symcache {
	FILE *kallsyms;			/* NULL: it could not be opened */
	const volatile __u32 *loaded, *freed;	/* the programs' module counts */
	struct ks_ksyms snap;		/* kallsyms after that many loads and frees */
	__u32 snap_loaded, snap_freed;
	bool have_snap;
	bool warned;
	unsigned int nr;
	struct {
		__u64 ip;
		__u32 gen;
		char name[128];
	} e[KHOSCOPE_MAX_CALLERS];	/* as many as the callers map holds */
};

struct ks_symcache *ks_symcache_new(FILE *kallsyms, const volatile __u32 *loaded,
				    const volatile __u32 *freed)
{
	struct ks_symcache *c = calloc(1, sizeof(*c));

	if (c) {
		c->kallsyms = kallsyms;
		c->loaded = loaded;
		c->freed = freed;
	}
	return c;
}

void ks_symcache_free(struct ks_symcache *c)
{
	if (!c)
		return;
	ks_ksyms_free(&c->snap);
	free(c);
}

/*
 * Read kallsyms again if modules came or went since the last read. The
 * read is kept only if none did while it ran: then it holds exactly the
 * symbols of the modules loaded at one moment.
 */
static void symcache_refresh(struct ks_symcache *c)
{
	__u32 loaded = *c->loaded, freed = *c->freed;
	struct ks_ksyms k;

	if (!c->kallsyms ||
	    (c->have_snap && c->snap_loaded == loaded && c->snap_freed == freed))
		return;
	if (ks_ksyms_read(&k, c->kallsyms))
		return;
	if (*c->loaded != loaded || *c->freed != freed) {
		ks_ksyms_free(&k);
		return;
	}
	ks_ksyms_free(&c->snap);
	c->snap = k;
	c->snap_loaded = loaded;
	c->snap_freed = freed;
	c->have_snap = true;
}

static void symcache_warn(struct ks_symcache *c)
{
	if (c->warned)
		return;
	c->warned = true;
	if (!c->have_snap || !c->snap.nr)
		fprintf(stderr, "khoscope: cannot name a caller from /proc/kallsyms "
			"(addresses hidden by kernel.kptr_restrict, or no CAP_SYSLOG?): "
			"its calls are counted as caller \"unknown\"\n");
	else
		fprintf(stderr, "khoscope: a caller is in no function /proc/kallsyms knows "
			"(a module unloaded since?): its calls are counted as caller "
			"\"unknown\"\n");
}

const char *ks_symcache_name(struct ks_symcache *c, __u64 ip, __u32 gen)
{
	unsigned int i;
	char *name;
	bool named;

	for (i = 0; i < c->nr; i++)
		if (c->e[i].ip == ip && c->e[i].gen == gen)
			return c->e[i].name;
	if (c->nr == KHOSCOPE_MAX_CALLERS)
		return "unknown";
	symcache_refresh(c);
	i = c->nr++;
	c->e[i].ip = ip;
	c->e[i].gen = gen;
	name = c->e[i].name;
	named = c->have_snap && ks_ksyms_name(&c->snap, ip, name, sizeof(c->e[i].name));
	/*
	 * Of a generation no read saw, only the kernel proper's text is
	 * known: a module's name ("func [module]") may be another module's,
	 * loaded since at the same address.
	 */
	if (named && c->snap_freed != gen && strchr(name, '[')) {
		snprintf(name, sizeof(c->e[i].name), "unknown");
		named = false;
	}
	if (!named) {
		snprintf(name, sizeof(c->e[i].name), "unknown");
		symcache_warn(c);
	}
	return name;
}
