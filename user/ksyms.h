/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ksyms.h - kernel symbols from /proc/kallsyms, and the callers' names */
#ifndef KHOSCOPE_KSYMS_H
#define KHOSCOPE_KSYMS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

/* Kernel symbols from /proc/kallsyms, text only, sorted by address. */
struct ks_ksyms {
	struct ks_ksym {
		__u64 addr;
		char *name;	/* "func" or "func [module]"; NULL if not text */
	} *syms;
	size_t nr;
};

/*
 * An open file of /proc/kallsyms, read again from its start (such a file
 * shows the addresses its opener could see): 0, or -errno. ks_ksyms_name()
 * names the function that made the call returning to @ip, true; or writes
 * "unknown" and returns false when no function is known there (kallsyms
 * hidden, or @ip outside every function's text): no kernel address ever
 * leaves.
 */
int ks_ksyms_read(struct ks_ksyms *k, FILE *f);
void ks_ksyms_free(struct ks_ksyms *k);
bool ks_ksyms_name(const struct ks_ksyms *k, __u64 ip, char *buf, size_t len);

/*
 * The names of calling addresses, each as of its module generation (the
 * modules freed before the call; *@loaded and *@freed count the module
 * loads and frees as they happen): an address keeps the name it had when
 * first named. kallsyms is read again only when a module came or went
 * since the last read, and an address of a generation that ended before a
 * read saw it is named only if it is in the kernel proper ("unknown" if it
 * was a module's: that module is gone, and another may be there now).
 * Prints one warning when a caller cannot be named.
 */
struct ks_symcache;

struct ks_symcache *ks_symcache_new(FILE *kallsyms, const volatile __u32 *loaded,
				    const volatile __u32 *freed);
const char *ks_symcache_name(struct ks_symcache *c, __u64 ip, __u32 gen);
void ks_symcache_free(struct ks_symcache *c);

#endif /* KHOSCOPE_KSYMS_H */
