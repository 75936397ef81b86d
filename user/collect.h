/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* collect.h - the BPF programs, their maps and ring buffer, read into snapshots */
#ifndef KHOSCOPE_COLLECT_H
#define KHOSCOPE_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "metrics.h"
#include "probe.h"
#include "report.h"

struct ks_collect_opts {
	const char *debugfs;
	bool callers;		/* load the kho_api programs and the callers map */
	bool bpf_stats;		/* have BPF time its programs (bpf_enable_stats()) */
};

/*
 * Load and attach the programs, take the baseline (the counted tree's
 * counts as the programs start) and the boot's restore statistics: 0, or
 * -1 after one line on stderr. Counting starts at *@attached_ns
 * (CLOCK_MONOTONIC). The report loop and the metrics server then read
 * through one collector, one at a time.
 */
int ks_collect_start(const struct ks_collect_opts *o, const struct ks_kernel *k,
		     __u64 *attached_ns);
void ks_collect_stop(void);

/* The first counts read, and the tree they are of; the boot's restore. */
const struct ks_counts *ks_collect_base(void);
const struct ks_restore *ks_collect_restore(void);
/* The kho_api programs are loaded: callers can be read. */
bool ks_collect_has_callers(void);

/*
 * Everything counted since start, summed over CPUs, into @out, with BPF's
 * own figures per program: 0 or -errno. @end_interval: the longest walk so
 * far starts afresh.
 */
int ks_collect(struct ks_snapshot *out, struct ks_prog *progs, unsigned int *nr_progs,
	       bool end_interval);

/* The callers since start, merged per function and call: how many in @out. */
unsigned int ks_collect_callers(struct ks_caller *out);

/*
 * The exposition of @total and its @nr callers: for the metrics endpoint
 * (ks_render_metrics(), which reads the maps now) and the textfile.
 */
int ks_render_metrics(bool om, char **body, size_t *len);
int ks_collect_write_textfile(const char *path, const struct ks_snapshot *total,
			      const struct ks_caller *callers, unsigned int nr);

/* clock_gettime(@clk) in nanoseconds. */
__u64 ks_now_ns(clockid_t clk);

#endif /* KHOSCOPE_COLLECT_H */
