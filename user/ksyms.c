// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ksyms.c - naming kernel addresses from /proc/kallsyms, never printing one */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

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
