/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * khoscope's data model and its output: snapshots of the BPF maps, the
 * tree's shape from debugfs, and their rendering as bcc-style text or as
 * NDJSON. No libbpf here, so that host unit tests can use it alone.
 * Implemented by report.c (the model), parse.c, ksyms.c, text.c and json.c.
 */
#ifndef __KHOSCOPE_REPORT_H
#define __KHOSCOPE_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "khoscope.h"

#define KHOSCOPE_SCHEMA_VERSION	5

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Which machine and boot the records come from. */
struct ks_ident {
	char host[256];
	char kernel[65];	/* uname -r */
	char boot_id[40];	/* /proc/sys/kernel/random/boot_id */
};

struct ks_error {
	struct khoscope_error_key key;
	__u64 count;
};

/* Walks of one tree (kho/out/radix_tree_walk), from the ring buffer. */
struct ks_walks {
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;		/* longest walk since the caller last reset it */
	__u64 keys;
	__u64 nodes;
	__u64 errors;
};

/*
 * Why an event was not counted where it belongs: lost[] holds the BPF
 * counters (enum khoscope_counter) and, after them, the program runs the
 * kernel skipped (recursion_misses of every program).
 */
enum ks_lost {
	KS_LOST_RECURSION = KHOSCOPE_NR_COUNTERS,
	KS_NR_LOST,
};

/*
 * The latest read of a tree's counts (kho/out/radix_tree), with the tally
 * of the same moment: a level, not a counter.
 */
struct ks_counts {
	bool valid;
	struct khoscope_counts_event ev;
};

/* Everything counted since start, summed over CPUs. */
struct ks_snapshot {
	struct khoscope_hist hist[KHOSCOPE_NR_TREES][KHOSCOPE_NR_OPS][KHOSCOPE_NR_ORDERS];
	struct khoscope_batch batch[KHOSCOPE_NR_TREES][KHOSCOPE_NR_OPS][KHOSCOPE_NR_ORDERS];
	struct khoscope_tally tally[KHOSCOPE_NR_TREES];
	struct ks_walks walks[KHOSCOPE_NR_TREES];
	struct ks_counts counts[KHOSCOPE_NR_TREES];
	__u64 lost[KS_NR_LOST];
	unsigned int nr_errors;
	struct ks_error errors[KHOSCOPE_MAX_ERRORS];
};

/* A tree's shape, as kho/out/radix_tree or kho/in/restore_stats print it. */
struct ks_shape {
	bool valid;
	unsigned int tree;
	__u64 gen;
	__u64 keys[KHOSCOPE_NR_ORDERS];
	__u64 nodes[KHOSCOPE_NR_LEVELS];
	__u64 orders_beyond;	/* keys of orders >= KHOSCOPE_NR_ORDERS */
	__u64 spare;		/* spare node pages (kho/out/radix_tree only) */
};

struct ks_restore {
	bool valid;
	__u64 retrieve_ns;
	int retrieve_ret;
	__u64 extend_ns;
	int extend_ret;
	__u64 busy_blocks;
	__u64 runs;		/* memblock ranges the walk reserved */
	__u64 bulk_failures;	/* batches of runs reserved one at a time */
	__u64 runs_one_by_one;	/* their runs */
	/* large folios whose tails deferred struct page init's time set up */
	__u64 deferred_folios;
	__u64 deferred_tail_pages;
	__u64 deferred_tails_ns;
	__u64 deferred_tails_on_restore;	/* restored before that */
	struct ks_shape shape;
};

/*
 * A tree's memory now: the counts the tree keeps, as last read, or for a
 * tree whose counts khoscope cannot read, the changes since start.
 */
struct ks_memory {
	bool counted;		/* false: changes since start only */
	/*
	 * Changes the counts show since the baseline read that the events did
	 * not (or the other way round), summed over orders and levels: 0
	 * unless events were lost.
	 */
	__u64 unseen_keys;
	__u64 unseen_nodes;
	__s64 keys[KHOSCOPE_NR_ORDERS];
	__s64 nodes[KHOSCOPE_NR_LEVELS];
	__s64 node_bytes;	/* of the nodes in the tree's levels */
	/*
	 * Emptied node pages the tree keeps for its next adds, in none of its
	 * levels (kept, not freed: their free events have fired).
	 */
	__s64 spare_nodes;
	__s64 spare_bytes;
	__s64 preserved_pages;
	__s64 preserved_bytes;
	double overhead_ratio;	/* node and spare bytes per preserved byte */
};

/*
 * Calls of the preservation API by one calling function and operation,
 * since khoscope started: the BPF map's entries of that function summed.
 */
struct ks_caller {
	char name[128];		/* "func" or "func [module]", or "unknown" */
	__u32 op;		/* the kernel's enum kho_api_op */
	struct khoscope_caller c;
};

#define KS_MAX_CALLERS	KHOSCOPE_MAX_CALLERS

/* BPF's own cost of one program, from bpf_prog_info. */
struct ks_prog {
	const char *name;
	__u64 run_cnt;		/* 0 unless kernel.bpf_stats_enabled=1 */
	__u64 run_time_ns;
	__u64 recursion_misses;
};

#define KS_MAX_PROGS	16

/* One record: one tree over one interval. */
struct ks_report {
	__u64 ts_ns;		/* CLOCK_REALTIME */
	__u64 interval_ns;	/* what the histograms cover */
	bool final;
	unsigned int tree;	/* the tree this record describes */
	unsigned int out_tree;	/* the outgoing tree's id (kho/out/radix_tree) */
	const struct ks_snapshot *delta;	/* histograms and counts */
	const struct ks_snapshot *total;	/* the same since start, or NULL */
	const struct ks_ident *ident;		/* or NULL */
	const struct ks_memory *memory;
	const struct ks_restore *restore;
	__u64 order_mask;	/* what to show; never what to count */
	__u32 op_mask;
	unsigned int nr_progs;
	const struct ks_prog *progs;	/* cumulative since load */
	unsigned int nr_callers;
	const struct ks_caller *callers;	/* --callers: shown, or NULL */
};

/*
 * Option parsing: 0 on success, -1 with a message in err on bad input.
 * ks_parse_number() takes decimal digits only, 0..@max; ks_parse_positive()
 * 1..@max.
 */
int ks_parse_orders(const char *s, __u64 *mask, char *err, size_t errlen);
int ks_parse_ops(const char *s, __u32 *mask, char *err, size_t errlen);
int ks_parse_number(const char *s, unsigned long max, unsigned long *val);
int ks_parse_positive(const char *s, unsigned long max, unsigned long *val);

/* Bucket math: slot k of a log2 histogram covers [min, max] inclusive. */
__u64 ks_slot_min(unsigned int slot);
__u64 ks_slot_max(unsigned int slot);
unsigned int ks_slot_of(__u64 value);
__u64 ks_hist_calls(const struct khoscope_hist *h);	/* timed + untimed */
__u64 ks_hist_timed(const struct khoscope_hist *h);	/* the sum of slots[] */
__u64 ks_batch_holds(const struct khoscope_batch *b);	/* timed + untimed */
/*
 * The @pct-th percentile (0 < @pct <= 100) of the values counted in log2
 * @slots, by linear interpolation inside the slot it falls in; 0 when the
 * slots are empty. The true percentile lies in the same slot: the estimate
 * is off by less than the slot's width, that is, less than a factor of 2.
 * @sum is the values' sum when the caller has it (a negative number when
 * not): a percentile of one value is that value.
 */
double ks_hist_percentile(const __u64 *slots, unsigned int nr, double sum, double pct);

/* Parse kho/out/radix_tree or kho/in/restore_stats text. */
int ks_parse_shape(const char *text, struct ks_shape *shape);
int ks_parse_restore(const char *text, struct ks_restore *restore);

/* Count a ring buffer record (a walk, or a read of a tree's counts). */
void ks_snapshot_add_event(struct ks_snapshot *s, const void *data, size_t size);
void ks_snapshot_sub(struct ks_snapshot *out, const struct ks_snapshot *a,
		     const struct ks_snapshot *b);
/* Anything counted for this tree since start? */
bool ks_tree_active(const struct ks_snapshot *s, unsigned int tree);
/*
 * @base: the tree's first counts read after the programs were attached, or
 * NULL (invalid) if there is none: then the memory is the changes since
 * start.
 */
void ks_memory_compute(struct ks_memory *mem, const struct ks_counts *base,
		       const struct ks_snapshot *now, unsigned int tree);

const char *ks_op_name(enum khoscope_op op);
/*
 * What tree @tree is, by a name that does not change across boots (tree
 * ids are boot-order numbers): "outgoing" (@out_tree, the preserved-memory
 * tree handed to the next kernel), "incoming" (the one this boot restored,
 * per @restore), or "other".
 */
const char *ks_tree_role(unsigned int tree, unsigned int out_tree,
			 const struct ks_restore *restore);
/* The percentiles the outputs show, of every histogram. */
#define KS_NR_PERCENTILES	3
extern const double ks_percentiles[KS_NR_PERCENTILES];
/* Whether -o and -O show an operation and order, or an error. */
struct ks_report;
bool ks_shown(const struct ks_report *r, unsigned int op, unsigned int order);
bool ks_error_shown(const struct ks_report *r, const struct ks_error *e);
const char *ks_api_op_name(__u32 op);
/* The name of lost[i] in the outputs ("ringbuf_full", ...). */
const char *ks_lost_name(unsigned int i);

/*
 * @dst += @src for structs made of __u64 counters only (the BPF maps'
 * values), counter by counter.
 */
void ks_counters_add(void *dst, const void *src, size_t size);
/* @dst = @a - @b, the same way. */
void ks_counters_sub(void *dst, const void *a, const void *b, size_t size);
/*
 * Add one map entry to @callers (at most KS_MAX_CALLERS), merging entries
 * of the same function and operation; returns the new count.
 */
unsigned int ks_callers_add(struct ks_caller *callers, unsigned int nr, const char *name,
			    __u32 op, const struct khoscope_caller *c);

void ks_print_log2_hist(FILE *f, const __u64 *slots, unsigned int nr,
			const char *val_type);
void ks_print_text(FILE *f, const struct ks_report *r);
/* What a text run prints first; @tree as -t says (0: every tree). */
void ks_print_header(FILE *f, const struct ks_counts *base, const struct ks_restore *restore,
		     long tree, unsigned long interval);
/* One JSON object, one line, flushed in one write. */
void ks_print_json(FILE *f, const struct ks_report *r);
/* The same record as a json-c object; the caller puts it. */
json_object *ks_json_record(const struct ks_report *r);
void ks_ident_read(struct ks_ident *id);

#endif /* __KHOSCOPE_REPORT_H */
