/* SPDX-License-Identifier: GPL-2.0 */
/* plan.h - khoscope-plan's workload: what to preserve, as keys of the tree */
#ifndef KHOSCOPE_PLAN_H
#define KHOSCOPE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include "tracker.h"

#define MAX_ORDER_PLAN	18	/* orders a key can have: up to 1 GiB folios */
#define PAGE_BYTES	4096ULL

struct range {
	unsigned long start, end;	/* pfns, end exclusive */
	unsigned int order;
};

struct plan {
	unsigned long long size;
	unsigned int pct[MAX_ORDER_PLAN + 1];
	enum { L_DENSE, L_STRIDED, L_RANDOM } layout;
	double fill;
	const char *ranges_file;
	unsigned long churn;
	const char *costs;
	unsigned long seed;
	bool json;
	struct range *ranges;	/* the keys: from ranges_file, or plan_ranges() */
	size_t nr_ranges;
};

/*
 * Option values into @p: 0, or -1 with a one-line message in @err. The
 * ranges file is read by plan_read_ranges(), with the same contract.
 */
bool plan_parse_ull(const char *s, unsigned long long *v);
int plan_parse_size(struct plan *p, const char *s, char *err, size_t len);
int plan_parse_mix(struct plan *p, const char *s, char *err, size_t len);
int plan_parse_layout(struct plan *p, const char *s, char *err, size_t len);
int plan_read_ranges(struct plan *p, char *err, size_t len);

/* The described workload (size, mix, layout) as ranges of keys. */
void plan_ranges(struct plan *p);

/*
 * Call @fn on every key of the workload, in address order per range: the
 * same keys for the same seed everywhere. The first error ends it.
 */
int plan_for_each_key(const struct plan *p, int (*fn)(struct kho_radix_tree *, unsigned long),
		      struct kho_radix_tree *tree);

#endif /* KHOSCOPE_PLAN_H */
