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
/* Trees told apart; tree ids above this share the last slot. */
#define KHOSCOPE_NR_TREES	8
/* log2 latency buckets: [2^k, 2^(k+1)) ns, k < KHOSCOPE_NR_SLOTS. */
#define KHOSCOPE_NR_SLOTS	40
/* In-flight preserve/unpreserve/walk calls tracked at once. */
#define KHOSCOPE_MAX_INFLIGHT	10240
/* Distinct (op, order, errno) error keys kept. */
#define KHOSCOPE_MAX_ERRORS	1024
/* Bytes per radix node and per page (x86-64). */
#define KHOSCOPE_NODE_SIZE	4096
#define KHOSCOPE_PAGE_SHIFT	12

enum khoscope_op {
	KHOSCOPE_OP_PRESERVE,
	KHOSCOPE_OP_UNPRESERVE,
	KHOSCOPE_NR_OPS,
};

/* hists[] index: op * KHOSCOPE_NR_ORDERS + order. */
struct khoscope_hist {
	__u64 slots[KHOSCOPE_NR_SLOTS];
	__u64 count;		/* calls that completed, any result */
	__u64 sum_ns;
	__u64 ok;		/* calls that returned 0 */
	__u64 errors;		/* calls that returned an error */
};

/* nodes[] index: tree slot * KHOSCOPE_NR_LEVELS + level. */
struct khoscope_nodes {
	__u64 alloc;
	__u64 free;
};

/* walks[] index: tree slot. */
struct khoscope_walks {
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
	__u64 keys;
	__u64 nodes;
	__u64 errors;
};

struct khoscope_error_key {
	__u32 op;
	__u32 order;
	__s32 err;
	__u32 tree;
};

/* Events that could not be paired or recorded; counters[] index. */
enum khoscope_counter {
	KHOSCOPE_CTR_END_WITHOUT_BEGIN,	/* end seen, its begin was not */
	KHOSCOPE_CTR_BEGIN_REPLACED,	/* begin seen twice, an end was lost */
	KHOSCOPE_CTR_INFLIGHT_FULL,	/* no room to track a begin */
	KHOSCOPE_CTR_ERRORS_FULL,	/* no room for a new error key */
	KHOSCOPE_CTR_ORDER_OVERFLOW,	/* order >= KHOSCOPE_NR_ORDERS */
	KHOSCOPE_NR_COUNTERS,
};

/* inflight map value: a begin waiting for its end. */
struct khoscope_start {
	__u64 ts;
	__u64 key;
};

#endif /* __KHOSCOPE_H */
