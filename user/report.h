/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * khoscope's data model and its output: snapshots of the BPF maps, the
 * tree's shape from debugfs, and their rendering as bcc-style text or as
 * NDJSON. No libbpf here, so that host unit tests can use it alone.
 */
#ifndef __KHOSCOPE_REPORT_H
#define __KHOSCOPE_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "khoscope.h"

#define KHOSCOPE_SCHEMA_VERSION	1

/* The maps, summed over CPUs. */
struct ks_error {
	struct khoscope_error_key key;
	__u64 count;
};

struct ks_snapshot {
	struct khoscope_hist hist[KHOSCOPE_NR_OPS][KHOSCOPE_NR_ORDERS];
	struct khoscope_nodes nodes[KHOSCOPE_NR_TREES][KHOSCOPE_NR_LEVELS];
	struct khoscope_walks walks[KHOSCOPE_NR_TREES];
	__u64 counters[KHOSCOPE_NR_COUNTERS];
	unsigned int nr_errors;
	struct ks_error errors[KHOSCOPE_MAX_ERRORS];
};

/* A tree's shape, as kho/out/radix_tree or kho/in/restore_stats print it. */
struct ks_shape {
	bool valid;
	unsigned int tree;
	__u64 keys[KHOSCOPE_NR_ORDERS];
	__u64 nodes[KHOSCOPE_NR_LEVELS];
	__u64 orders_beyond;	/* keys of orders >= KHOSCOPE_NR_ORDERS */
};

struct ks_restore {
	bool valid;
	__u64 retrieve_ns;
	int retrieve_ret;
	__u64 extend_ns;
	int extend_ret;
	__u64 busy_blocks;
	struct ks_shape shape;
};

/* The tree's memory now: a baseline walk plus what the events changed. */
struct ks_memory {
	__s64 keys[KHOSCOPE_NR_ORDERS];
	__s64 nodes[KHOSCOPE_NR_LEVELS];
	__u64 node_bytes;
	__u64 preserved_pages;
	__u64 preserved_bytes;
	double overhead_ratio;	/* node bytes per preserved byte */
};

struct ks_report {
	__u64 ts_ns;		/* CLOCK_REALTIME */
	__u64 interval_ns;	/* what the histograms cover */
	bool final;
	unsigned int tree;	/* tree the histograms cover, 0 for all */
	const struct ks_snapshot *delta;	/* histograms and counts */
	const struct ks_memory *memory;
	const struct ks_restore *restore;
	__u64 order_mask;
	__u32 op_mask;
};

/* Option parsing: 0 on success, -1 with a message in err on bad input. */
int ks_parse_orders(const char *s, __u64 *mask, char *err, size_t errlen);
int ks_parse_ops(const char *s, __u32 *mask, char *err, size_t errlen);
int ks_parse_positive(const char *s, unsigned long max, unsigned long *val);

/* Bucket math: slot k of a log2 histogram covers [min, max] inclusive. */
__u64 ks_slot_min(unsigned int slot);
__u64 ks_slot_max(unsigned int slot);
unsigned int ks_slot_of(__u64 value);

/* Parse kho/out/radix_tree or kho/in/restore_stats text. */
int ks_parse_shape(const char *text, struct ks_shape *shape);
int ks_parse_restore(const char *text, struct ks_restore *restore);

void ks_snapshot_sub(struct ks_snapshot *out, const struct ks_snapshot *a,
		     const struct ks_snapshot *b);
void ks_memory_compute(struct ks_memory *mem, const struct ks_shape *base,
		       const struct ks_snapshot *now,
		       const struct ks_snapshot *at_base, unsigned int tree);

const char *ks_op_name(enum khoscope_op op);

void ks_print_log2_hist(FILE *f, const __u64 *slots, unsigned int nr,
			const char *val_type);
void ks_print_text(FILE *f, const struct ks_report *r);
/* One JSON object, one line, flushed in one write. */
void ks_print_json(FILE *f, const struct ks_report *r);

#endif /* __KHOSCOPE_REPORT_H */
