/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* probe.h - what this kernel and this process allow: BTF, debugfs, capabilities */
#ifndef KHOSCOPE_PROBE_H
#define KHOSCOPE_PROBE_H

#include <stdbool.h>
#include "report.h"

/* What the kernel offers beyond the kho events khoscope needs. */
struct ks_kernel {
	bool api;	/* the kho_api event (patch 0021): callers */
	bool modules;	/* the module_load and module_free events (CONFIG_MODULES) */
};

/* ks_probe(): this kernel cannot be traced, whoever runs khoscope how. */
#define KS_UNSUPPORTED	(-2)

/*
 * Can khoscope trace this kernel? 0 with @k filled, or after one line on
 * stderr: KS_UNSUPPORTED when the kernel lacks what khoscope needs (its BTF
 * with the kho events of the whole series, KHO on, the tree's debugfs
 * files), -1 when this run cannot (root or CAP_BPF and CAP_PERFMON,
 * debugfs mounted at @debugfs and readable).
 */
int ks_probe(const char *debugfs, struct ks_kernel *k);

/*
 * Read @debugfs/kho/out/radix_tree, which fires kho_radix_counts: 0, with
 * the file's own view in @shape if not NULL, or -1 after saying why.
 */
int ks_read_counts(const char *debugfs, struct ks_shape *shape);

/* @debugfs/kho/in/restore_stats; @rs->valid false on a boot without KHO. */
void ks_read_restore(const char *debugfs, struct ks_restore *rs);

/*
 * Keep only the capabilities the reports need once the programs are
 * attached (see probe.c): 0, or -errno.
 */
int ks_drop_capabilities(bool textfile);

#endif /* KHOSCOPE_PROBE_H */
