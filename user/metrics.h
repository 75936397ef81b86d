/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * khoscope's metrics for dashboards: the Prometheus text exposition format
 * (version 0.0.4) and OpenMetrics 1.0, rendered from what khoscope counted
 * since it started. No libbpf or HTTP here, so that unit tests can use it.
 */
#ifndef __KHOSCOPE_METRICS_H
#define __KHOSCOPE_METRICS_H

#include <stdbool.h>
#include <stdio.h>
#include "report.h"

#define KS_PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define KS_OM_CONTENT_TYPE	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Everything the metrics show. */
struct ks_metrics {
	const struct ks_snapshot *total;	/* cumulative since start */
	/* The trees to show, with their memory; others are left out. */
	bool shown[KHOSCOPE_NR_TREES];
	struct ks_memory memory[KHOSCOPE_NR_TREES];
	const struct ks_restore *restore;	/* NULL or !valid: not shown */
	/* Calls of the preservation API per caller (NULL: no kho_api event). */
	const struct ks_caller *callers;
	unsigned int nr_callers;
	/* The callers that have a label of their own, kept across expositions. */
	struct ks_caller_labels *labels;
	unsigned int out_tree;	/* the outgoing tree, for the role label */
	/* khoscope_build_info's labels (NULL: no such series). */
	const char *version, *revision, *kernel;
};

/* Callers named in the metrics; the others are summed as caller="other". */
#define KS_METRICS_MAX_CALLERS	20

/*
 * Labels are sticky: the first KS_METRICS_MAX_CALLERS callers seen keep
 * theirs for the whole run (the busiest first, then by name, among those
 * first seen together), so that no count moves from one series to another
 * and caller="other" only grows. Zeroed at start; the ks_print_metrics()
 * calls that share it must not run at once. With labels NULL, each
 * exposition names its busiest callers on its own.
 */
struct ks_caller_labels {
	unsigned int nr;
	char name[KS_METRICS_MAX_CALLERS][sizeof(((struct ks_caller *)0)->name)];
};

/*
 * Does an Accept header ask for OpenMetrics? (Prometheus sends it first in
 * its list when it can parse it.) NULL: no.
 */
bool ks_wants_openmetrics(const char *accept);

/* The whole exposition, in the chosen format. */
void ks_print_metrics(FILE *f, const struct ks_metrics *m, bool openmetrics);

/*
 * Write the text exposition to @path for node_exporter's textfile
 * collector, atomically: a temporary file beside it, then rename(). 0, or
 * -errno with nothing left behind.
 */
int ks_write_textfile(const char *path, const struct ks_metrics *m);

/* Could ks_write_textfile() write @path? 0, or -errno; nothing left behind. */
int ks_check_textfile(const char *path);

#endif /* __KHOSCOPE_METRICS_H */
