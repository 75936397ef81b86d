/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared between bpf/khoscope.bpf.c and user/khoscope.c: map keys, values
 * and the constants that size them.
 */
#ifndef __KHOSCOPE_H
#define __KHOSCOPE_H

/* Page orders tracked: 0..KHOSCOPE_NR_ORDERS - 1 (1 GiB folios are order 18). */
#define KHOSCOPE_NR_ORDERS	24
/* Radix tree levels: 0 is the leaf bitmap, 5 the root (KHO_TREE_MAX_DEPTH). */
#define KHOSCOPE_NR_LEVELS	6
/*
 * Tree ids 1..KHOSCOPE_NR_TREES - 1 are followed; larger ids are counted
 * lost. A power of two: BPF masks tree ids with it.
 */
#define KHOSCOPE_NR_TREES	16
_Static_assert((KHOSCOPE_NR_TREES & (KHOSCOPE_NR_TREES - 1)) == 0,
	       "KHOSCOPE_NR_TREES must be a power of two");
/* log2 latency buckets: [2^k, 2^(k+1)) ns, k < KHOSCOPE_NR_SLOTS. */
#define KHOSCOPE_NR_SLOTS	40
/* Distinct (op, order, errno, tree) error keys kept. */
#define KHOSCOPE_MAX_ERRORS	1024
/* Ring buffer for walks and for the trees' counts, as they are read. */
#define KHOSCOPE_RINGBUF_BYTES	(1U << 20)
/* Bytes per radix node and per page (x86-64). */
#define KHOSCOPE_NODE_SIZE	4096
#define KHOSCOPE_PAGE_SHIFT	12

enum khoscope_op {
	KHOSCOPE_OP_PRESERVE,
	KHOSCOPE_OP_UNPRESERVE,
	KHOSCOPE_NR_OPS,
};

/*
 * hists[] index: (tree * KHOSCOPE_NR_OPS + op) * KHOSCOPE_NR_ORDERS + order,
 * single-key calls. An element is written only under its tree's lock, so
 * one copy for all CPUs needs no atomics. Calls = the sum of slots[] +
 * untimed. ok and errors are counted on their own: a reader copies an
 * element while the program updates it field by field, so a figure derived
 * from two fields (calls - errors) could go backwards or wrap; a raw
 * counter never does.
 */
struct khoscope_hist {
	__u64 slots[KHOSCOPE_NR_SLOTS];	/* timed calls by duration, log2 ns */
	__u64 sum_ns;
	__u64 errors;		/* calls that returned an error */
	__u64 ok;		/* calls that returned 0 */
	__u64 untimed;		/* calls the kernel did not time: in no slot */
	__u64 unchanged;	/* successful calls that changed nothing */
};

/*
 * batches[], indexed as hists[]: the holds of the tree lock in which the
 * kernel added or deleted a batch of keys (the kho_preserve_batch and
 * kho_unpreserve_batch events), under the order of the hold's first key,
 * and the keys they changed, under each key's own order. Holds = the sum
 * of size_slots[] = the sum of slots[] + untimed: a hold the kernel did not
 * time (the event enabled while it ran) stays out of the two duration
 * histograms; an order can have keys and no holds.
 */
struct khoscope_batch {
	__u64 slots[KHOSCOPE_NR_SLOTS];	/* timed holds by duration, log2 ns */
	__u64 key_slots[KHOSCOPE_NR_SLOTS];	/* timed holds by ns per key changed */
	__u64 size_slots[KHOSCOPE_NR_SLOTS];	/* holds by pages changed, log2 */
	__u64 sum_ns;
	__u64 keys;		/* keys of this order that holds added or removed */
	__u64 errors;		/* holds that ended in an error */
	__u64 untimed;		/* holds the kernel did not time */
};

/*
 * tally[tree]: every change to a tree that the events reported since the
 * programs were attached. Every such event fires under the tree's lock, so
 * a plain add is exact, and the copy the counts program makes of it
 * belongs to the same moment as the counts it sees.
 */
struct khoscope_tally {
	__u64 added[KHOSCOPE_NR_ORDERS];	/* keys, single and batched */
	__u64 removed[KHOSCOPE_NR_ORDERS];
	__u64 alloc[KHOSCOPE_NR_LEVELS];	/* node pages that joined the tree */
	__u64 free[KHOSCOPE_NR_LEVELS];		/* and that left it */
};

struct khoscope_error_key {
	__u32 op;
	__u32 order;
	__s32 err;
	__u32 tree;
};

/* counters[]: events not counted where they belong. */
enum khoscope_counter {
	KHOSCOPE_CTR_RINGBUF_FULL,	/* no room for a walk or a tree's counts */
	KHOSCOPE_CTR_ERRORS_FULL,	/* no room for a new error key */
	KHOSCOPE_CTR_ORDER_OVERFLOW,	/* order >= KHOSCOPE_NR_ORDERS */
	KHOSCOPE_CTR_TREE_OVERFLOW,	/* tree id >= KHOSCOPE_NR_TREES */
	KHOSCOPE_CTR_LEVEL_OVERFLOW,	/* level >= KHOSCOPE_NR_LEVELS */
	KHOSCOPE_CTR_CALLERS_FULL,	/* no room for a new caller of the API */
	KHOSCOPE_NR_COUNTERS,
};

/*
 * Calls of the KHO preservation API (the kho_api event, patch 0021), per
 * calling address, operation (the kernel's enum kho_api_op) and module
 * generation (the BPF program's modules_freed: an address names the same
 * code until a module is freed), so a module loaded where another was
 * never adds to the other's counts.
 */
#define KHOSCOPE_MAX_CALLERS	1024
#define KHOSCOPE_NR_API_OPS	10

struct khoscope_caller_key {
	__u64 ip;
	__u32 op;
	__u32 gen;		/* modules_freed at the call */
};

struct khoscope_caller {
	__u64 calls;
	__u64 errors;
	__u64 ok;		/* calls - errors, counted on its own (see hist) */
	__u64 pages;		/* asked for */
	__u64 keys;		/* added or removed */
	__u64 sum_ns;
	__u64 slots[KHOSCOPE_NR_SLOTS];	/* calls by duration, log2 ns */
};

enum khoscope_event_kind {
	KHOSCOPE_EV_WALK,	/* a walk of a tree, by anyone */
	KHOSCOPE_EV_COUNTS,	/* a read of a tree's counts (kho_radix_counts) */
};

/* Ring buffer record of a walk. */
struct khoscope_walk_event {
	__u32 kind;		/* KHOSCOPE_EV_WALK */
	__u32 tree;
	__s32 ret;
	__u32 pad;
	__u64 keys;
	__u64 nodes;
	__u64 duration_ns;
};

/*
 * Ring buffer record of a tree's counts, read under its lock, and of the
 * tree's tally at that moment: changes the counts show that the tally does
 * not were lost by the events.
 */
struct khoscope_counts_event {
	__u32 kind;		/* KHOSCOPE_EV_COUNTS */
	__u32 tree;
	__u64 keys[KHOSCOPE_NR_ORDERS];	/* the tree's own counts */
	__u64 keys_beyond;	/* keys of no order below KHOSCOPE_NR_ORDERS */
	__u64 nodes[KHOSCOPE_NR_LEVELS];
	__u64 spare;		/* emptied node pages kept for reuse, in no level */
	struct khoscope_tally tally;
};

#endif /* __KHOSCOPE_H */
