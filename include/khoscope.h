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
/* Ring buffer for walks and for the changes seen before the baseline join. */
#define KHOSCOPE_RINGBUF_BYTES	(4U << 20)
/* base_gen[] before the loader has joined its walk with the events. */
#define KHOSCOPE_GEN_UNJOINED	(~0ULL)
/* Bytes per radix node and per page (x86-64). */
#define KHOSCOPE_NODE_SIZE	4096
#define KHOSCOPE_PAGE_SHIFT	12

enum khoscope_op {
	KHOSCOPE_OP_PRESERVE,
	KHOSCOPE_OP_UNPRESERVE,
	KHOSCOPE_NR_OPS,
};

/*
 * hists[] index: (tree * KHOSCOPE_NR_OPS + op) * KHOSCOPE_NR_ORDERS + order.
 * Only the program of op writes an element, so its per-CPU copy needs no
 * atomics. Calls = the sum of slots[]; ok = calls - errors.
 */
struct khoscope_hist {
	__u64 slots[KHOSCOPE_NR_SLOTS];	/* every call by duration; untimed in slot 0 */
	__u64 sum_ns;
	__u64 errors;		/* calls that returned an error */
	__u64 untimed;		/* calls the kernel did not time (duration 0) */
	__u64 unchanged;	/* successful calls that changed nothing */
	__u64 applied;		/* changes newer than the baseline walk */
};

/* nodes[] index: tree * KHOSCOPE_NR_LEVELS + level; changes newer than the baseline. */
struct khoscope_nodes {
	__u64 alloc;		/* written by the node_alloc program only */
	__u64 free;		/* written by the node_free program only */
};

struct khoscope_error_key {
	__u32 op;
	__u32 order;
	__s32 err;
	__u32 tree;
};

/* counters[]: events not counted where they belong. */
enum khoscope_counter {
	KHOSCOPE_CTR_RINGBUF_FULL,	/* no room for a walk or an early change */
	KHOSCOPE_CTR_ERRORS_FULL,	/* no room for a new error key */
	KHOSCOPE_CTR_ORDER_OVERFLOW,	/* order >= KHOSCOPE_NR_ORDERS */
	KHOSCOPE_CTR_TREE_OVERFLOW,	/* tree id >= KHOSCOPE_NR_TREES */
	KHOSCOPE_CTR_LEVEL_OVERFLOW,	/* level >= KHOSCOPE_NR_LEVELS */
	KHOSCOPE_CTR_CALLERS_FULL,	/* no room for a new caller of the API */
	KHOSCOPE_NR_COUNTERS,
};

/*
 * Calls of the KHO preservation API (the kho_api event, patch 0020), per
 * calling address and operation (the kernel's enum kho_api_op).
 */
#define KHOSCOPE_MAX_CALLERS	1024
#define KHOSCOPE_NR_API_OPS	10

struct khoscope_caller_key {
	__u64 ip;
	__u32 op;
	__u32 pad;
};

struct khoscope_caller {
	__u64 calls;
	__u64 errors;
	__u64 pages;		/* asked for */
	__u64 keys;		/* added or removed */
	__u64 sum_ns;
	__u64 slots[KHOSCOPE_NR_SLOTS];	/* calls by duration, log2 ns */
};

enum khoscope_event_kind {
	KHOSCOPE_EV_KEY,	/* a change to a key, seen before the join */
	KHOSCOPE_EV_NODE,	/* a node allocated or freed, seen before the join */
	KHOSCOPE_EV_WALK,	/* a walk of a tree, by anyone but khoscope */
};

/* Ring buffer record. */
struct khoscope_event {
	__u32 kind;		/* enum khoscope_event_kind */
	__u32 tree;
	__u32 op;		/* KEY: enum khoscope_op; NODE: 1 alloc, 0 free */
	__u32 index;		/* KEY: order; NODE: level */
	__u64 gen;		/* the tree's generation the event carried */
	__s32 ret;		/* WALK */
	__u32 pad;
	__u64 keys;		/* WALK */
	__u64 nodes;		/* WALK */
	__u64 duration_ns;	/* WALK */
};

#endif /* __KHOSCOPE_H */
