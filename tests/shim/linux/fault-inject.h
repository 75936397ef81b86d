/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space shim of <linux/fault-inject.h>: see tests/shim/shim.h. The
 * tree's fault attribute (CONFIG_FAIL_KHO_RADIX_NODE) fails the allocation
 * that shim_fail_after counts down to; its boot parameter and debugfs
 * files are left out.
 */
#ifndef _LINUX_FAULT_INJECT_H
#define _LINUX_FAULT_INJECT_H
#include "../shim.h"

struct fault_attr {
	int unused;
};
struct dentry;

#define DECLARE_FAULT_ATTR(name)	struct fault_attr name = {}
#define __setup(str, fn)	static int (*__shim_setup_##fn)(char *) __attribute__((unused)) = fn
#define early_initcall(fn)	static int (*__shim_initcall_##fn)(void) __attribute__((unused)) = fn
#define late_initcall(fn)	static int (*__shim_initcall_##fn)(void) __attribute__((unused)) = fn
#define PTR_ERR_OR_ZERO(p)	(IS_ERR(p) ? PTR_ERR(p) : 0)

static inline int setup_fault_attr(struct fault_attr *attr, char *str)
{
	return 1;
}

static inline struct dentry *fault_create_debugfs_attr(const char *name, struct dentry *parent,
						       struct fault_attr *attr)
{
	return NULL;
}

bool should_fail(struct fault_attr *attr, long size);
#endif
