// SPDX-License-Identifier: GPL-2.0
/*
 * khoscope: aggregate the kho trace events in the kernel.
 *
 * One program per end event, no begin/end pairing: the kernel times each
 * call and carries the duration in the end event. Per tree, operation and
 * order: a log2 histogram of durations, errors, and the changes to the tree.
 * Per tree and level: node pages allocated and freed. Walks go to user
 * space through a ring buffer. Nothing here depends on what user space
 * chose to show: every end event counts.
 *
 * The memory figures join a baseline walk (kho/out/radix_tree, made by the
 * loader after attaching) with the events through the tree's generation:
 * a change counts only if its generation is newer than the walk's. Until
 * the loader has its walk, changes go to the ring buffer and the loader
 * sorts them out.
 *
 * Each event has a tp_btf program and a raw_tp twin; the loader keeps one
 * of each pair.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "khoscope.h"
#include "bits.bpf.h"
#include "maps.bpf.h"

/*
 * Set by the loader at run time: base_gen[tree] is the baseline walk's
 * generation + 1, or 0 for a tree with no baseline (every change counts).
 * KHOSCOPE_GEN_UNJOINED until then: changes go to the ring buffer.
 */
__u64 base_gen[KHOSCOPE_NR_TREES] = { [0 ... KHOSCOPE_NR_TREES - 1] = KHOSCOPE_GEN_UNJOINED };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KHOSCOPE_NR_TREES * KHOSCOPE_NR_OPS * KHOSCOPE_NR_ORDERS);
	__type(key, __u32);
	__type(value, struct khoscope_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KHOSCOPE_NR_TREES * KHOSCOPE_NR_LEVELS);
	__type(key, __u32);
	__type(value, struct khoscope_nodes);
} nodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KHOSCOPE_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KHOSCOPE_MAX_ERRORS);
	__type(key, struct khoscope_error_key);
	__type(value, __u64);
} errors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, KHOSCOPE_MAX_CALLERS);
	__type(key, struct khoscope_caller_key);
	__type(value, struct khoscope_caller);
} callers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, KHOSCOPE_RINGBUF_BYTES);
} events SEC(".maps");

/* Counters are shared by every program, which may preempt one another. */
static __always_inline void count(enum khoscope_counter ctr)
{
	__u32 idx = ctr;
	__u64 *val = bpf_map_lookup_elem(&counters, &idx);

	if (val)
		__sync_fetch_and_add(val, 1);
}

/* v < nr, or counted as lost under ctr. */
static __always_inline bool in_range(__u32 v, __u32 nr, enum khoscope_counter ctr)
{
	if (v < nr)
		return true;
	count(ctr);
	return false;
}

/*
 * Should a change of this generation count? 1: yes; 0: the baseline walk
 * saw it; -1: no baseline yet, the caller queues it for the loader. One
 * load and one compare when it counts, the common case.
 */
static __always_inline int newer_than_baseline(__u32 tree, __u64 gen)
{
	__u64 base = *(volatile __u64 *)&base_gen[tree & (KHOSCOPE_NR_TREES - 1)];

	if (gen >= base)
		return 1;
	return base == KHOSCOPE_GEN_UNJOINED ? -1 : 0;
}

/*
 * A ring buffer record of this kind, tree and generation, the rest zeroed;
 * NULL (counted) when the buffer is full.
 */
static __always_inline struct khoscope_event *reserve_event(__u32 kind, __u32 tree,
							    __u64 gen)
{
	struct khoscope_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(KHOSCOPE_CTR_RINGBUF_FULL);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->tree = tree;
	e->gen = gen;
	return e;
}

static __always_inline void queue_change(__u32 kind, __u32 tree, __u32 op,
					 __u32 index, __u64 gen)
{
	struct khoscope_event *e = reserve_event(kind, tree, gen);

	if (!e)
		return;
	e->op = op;
	e->index = index;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void record_error(enum khoscope_op op, __u32 order,
					 int ret, __u32 tree)
{
	struct khoscope_error_key ekey = {
		.op = op, .order = order, .err = ret, .tree = tree,
	};
	static const __u64 zero;
	__u64 *n;

	n = bpf_map_lookup_or_try_init(&errors, &ekey, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		count(KHOSCOPE_CTR_ERRORS_FULL);
}

/* Count an event outside the maps' ranges as lost (the slow path). */
static __always_inline void count_overflow(__u32 tree_id, __u32 order)
{
	if (tree_id >= KHOSCOPE_NR_TREES)
		count(KHOSCOPE_CTR_TREE_OVERFLOW);
	else if (order >= KHOSCOPE_NR_ORDERS)
		count(KHOSCOPE_CTR_ORDER_OVERFLOW);
}

/*
 * The hot path, run for every preserve and unpreserve: kept to one map
 * lookup and few branches (see log2l()).
 */
static __always_inline int handle_key_end(__u32 tree_id, __u64 key, int ret, __u64 gen,
					  bool changed, __u64 duration_ns, enum khoscope_op op)
{
	__u32 order = kho_key_order(key), idx;
	struct khoscope_hist *hist;
	__u64 slot;
	int newer;

	if (tree_id >= KHOSCOPE_NR_TREES || order >= KHOSCOPE_NR_ORDERS) {
		count_overflow(tree_id, order);
		return 0;
	}
	idx = (tree_id * KHOSCOPE_NR_OPS + op) * KHOSCOPE_NR_ORDERS + order;
	hist = bpf_map_lookup_elem(&hists, &idx);
	if (!hist)
		return 0;

	slot = log2l(duration_ns);
	if (slot >= KHOSCOPE_NR_SLOTS)
		slot = KHOSCOPE_NR_SLOTS - 1;
	hist->slots[slot]++;
	hist->sum_ns += duration_ns;
	hist->untimed += GT_BIT(1, duration_ns);	/* duration_ns == 0 */
	if (ret) {
		hist->errors++;
		record_error(op, order, ret, tree_id);
		return 0;
	}
	if (!changed) {
		hist->unchanged++;
		return 0;
	}
	newer = newer_than_baseline(tree_id, gen);
	if (newer > 0)
		hist->applied++;
	else if (newer < 0)
		queue_change(KHOSCOPE_EV_KEY, tree_id, op, order, gen);
	return 0;
}

static __always_inline int handle_node(__u32 tree_id, __u64 gen, unsigned int level,
				       bool alloc)
{
	struct khoscope_nodes *n;
	__u32 idx;
	int newer;

	if (!in_range(tree_id, KHOSCOPE_NR_TREES, KHOSCOPE_CTR_TREE_OVERFLOW) ||
	    !in_range(level, KHOSCOPE_NR_LEVELS, KHOSCOPE_CTR_LEVEL_OVERFLOW))
		return 0;
	newer = newer_than_baseline(tree_id, gen);
	if (newer < 0) {
		queue_change(KHOSCOPE_EV_NODE, tree_id, alloc, level, gen);
		return 0;
	}
	if (!newer)
		return 0;
	idx = tree_id * KHOSCOPE_NR_LEVELS + level;
	n = bpf_map_lookup_elem(&nodes, &idx);
	if (!n)
		return 0;
	if (alloc)
		n->alloc++;
	else
		n->free++;
	return 0;
}

static __always_inline int handle_walk_end(__u32 tree_id, unsigned long keys,
					   unsigned long nodes_seen, int ret, __u64 gen,
					   __u64 duration_ns)
{
	struct khoscope_event *e;

	e = reserve_event(KHOSCOPE_EV_WALK, tree_id, gen);
	if (!e)
		return 0;
	e->ret = ret;
	e->keys = keys;
	e->nodes = nodes_seen;
	e->duration_ns = duration_ns;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* One call of the preservation API, by caller and operation. */
static __always_inline int handle_api(__u32 op, __u64 caller, __u64 pages, __u64 keys,
				      int ret, __u64 duration_ns)
{
	struct khoscope_caller_key key = { .ip = caller, .op = op };
	static const struct khoscope_caller zero;
	struct khoscope_caller *c;
	__u64 slot;

	c = bpf_map_lookup_or_try_init(&callers, &key, &zero);
	if (!c) {
		count(KHOSCOPE_CTR_CALLERS_FULL);
		return 0;
	}
	slot = log2l(duration_ns);
	if (slot >= KHOSCOPE_NR_SLOTS)
		slot = KHOSCOPE_NR_SLOTS - 1;
	c->slots[slot]++;
	c->calls++;
	c->errors += ret != 0;
	c->pages += pages;
	c->keys += keys;
	c->sum_ns += duration_ns;
	return 0;
}

/*
 * The twins differ in how they read the tree: a tp_btf program loads its
 * fields directly (the argument is typed by BTF), a raw_tp program needs a
 * helper call each, through CO-RE.
 */
#define BTF_TREE(tree, field)	((tree)->field)
#define RAW_TREE(tree, field)	BPF_CORE_READ(tree, field)

#define KEY_END_PROGS(event, op)						\
SEC("tp_btf/" #event)								\
int BPF_PROG(event##_btf, struct kho_radix_tree *tree, unsigned long key, int ret,	\
	     __u64 gen, bool changed, __u64 duration_ns)				\
{										\
	return handle_key_end(BTF_TREE(tree, id), key, ret, gen, changed,	\
			      duration_ns, op);					\
}										\
SEC("raw_tp/" #event)								\
int BPF_PROG(event##_raw, struct kho_radix_tree *tree, unsigned long key, int ret,	\
	     __u64 gen, bool changed, __u64 duration_ns)				\
{										\
	return handle_key_end(RAW_TREE(tree, id), key, ret, gen, changed,	\
			      duration_ns, op);					\
}

#define NODE_PROGS(event, alloc)						\
SEC("tp_btf/kho_radix_" #event)							\
int BPF_PROG(event##_btf, struct kho_radix_tree *tree, unsigned int level, void *node)	\
{										\
	return handle_node(BTF_TREE(tree, id), BTF_TREE(tree, gen), level, alloc);	\
}										\
SEC("raw_tp/kho_radix_" #event)							\
int BPF_PROG(event##_raw, struct kho_radix_tree *tree, unsigned int level, void *node)	\
{										\
	return handle_node(RAW_TREE(tree, id), RAW_TREE(tree, gen), level, alloc);	\
}

KEY_END_PROGS(kho_preserve_end, KHOSCOPE_OP_PRESERVE)
KEY_END_PROGS(kho_unpreserve_end, KHOSCOPE_OP_UNPRESERVE)
NODE_PROGS(node_alloc, true)
NODE_PROGS(node_free, false)

SEC("tp_btf/kho_radix_walk_end")
int BPF_PROG(walk_end_btf, struct kho_radix_tree *tree, unsigned long keys,
	     unsigned long nodes_seen, int ret, __u64 gen, __u64 duration_ns)
{
	return handle_walk_end(BTF_TREE(tree, id), keys, nodes_seen, ret, gen, duration_ns);
}

SEC("raw_tp/kho_radix_walk_end")
int BPF_PROG(walk_end_raw, struct kho_radix_tree *tree, unsigned long keys,
	     unsigned long nodes_seen, int ret, __u64 gen, __u64 duration_ns)
{
	return handle_walk_end(RAW_TREE(tree, id), keys, nodes_seen, ret, gen, duration_ns);
}

SEC("tp_btf/kho_api")
int BPF_PROG(kho_api_btf, enum kho_api_op op, unsigned long caller, unsigned long pages,
	     unsigned long keys, int ret, __u64 duration_ns)
{
	return handle_api(op, caller, pages, keys, ret, duration_ns);
}

SEC("raw_tp/kho_api")
int BPF_PROG(kho_api_raw, enum kho_api_op op, unsigned long caller, unsigned long pages,
	     unsigned long keys, int ret, __u64 duration_ns)
{
	return handle_api(op, caller, pages, keys, ret, duration_ns);
}

char LICENSE[] SEC("license") = "GPL";
