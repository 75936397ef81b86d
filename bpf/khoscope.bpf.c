// SPDX-License-Identifier: GPL-2.0
/*
 * khoscope: aggregate the kho trace events in the kernel.
 *
 * Per operation and order: a log2 histogram of latency (begin to end),
 * counts, successes and errors. Per tree and level: node pages allocated
 * and freed. Per tree: walks. Per (op, order, errno, tree): error counts.
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

/* Set by the loader between open and load. */
const volatile __u32 targ_tree;		/* 0: every tree */
const volatile __u32 targ_ops = ~0U;	/* bit per enum khoscope_op */
const volatile __u64 targ_orders = ~0ULL;	/* bit per order */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KHOSCOPE_NR_OPS * KHOSCOPE_NR_ORDERS);
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
	__uint(max_entries, KHOSCOPE_NR_TREES);
	__type(key, __u32);
	__type(value, struct khoscope_walks);
} walks SEC(".maps");

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

/* Begins waiting for their end, keyed by thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KHOSCOPE_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, struct khoscope_start);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KHOSCOPE_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, __u64);
} walk_inflight SEC(".maps");

static __always_inline void count(enum khoscope_counter ctr)
{
	__u32 idx = ctr;
	__u64 *val = bpf_map_lookup_elem(&counters, &idx);

	if (val)
		(*val)++;
}

static __always_inline __u32 tree_slot(__u32 tree)
{
	return tree < KHOSCOPE_NR_TREES ? tree : KHOSCOPE_NR_TREES - 1;
}

/* Order of a page key: its highest set bit is 64 - PAGE_SHIFT - order. */
static __always_inline __u32 key_order(__u64 key)
{
	__u64 msb = log2l(key);

	if (!key || msb > 64 - KHOSCOPE_PAGE_SHIFT)
		return 0;
	return 64 - KHOSCOPE_PAGE_SHIFT - msb;
}

static __always_inline bool wanted(__u32 tree, enum khoscope_op op, __u32 order)
{
	if (targ_tree && tree != targ_tree)
		return false;
	if (!(targ_ops & (1U << op)))
		return false;
	if (order < 64 && !(targ_orders & (1ULL << order)))
		return false;
	return true;
}

static __always_inline int handle_begin(struct kho_radix_tree *tree, __u64 key,
					enum khoscope_op op)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct khoscope_start start;
	long err;

	if (!wanted(BPF_CORE_READ(tree, id), op, key_order(key)))
		return 0;

	start.ts = bpf_ktime_get_ns();
	start.key = key;
	/* One map operation in the usual case: no begin is pending. */
	err = bpf_map_update_elem(&inflight, &id, &start, BPF_NOEXIST);
	if (err == -EEXIST) {
		count(KHOSCOPE_CTR_BEGIN_REPLACED);
		err = bpf_map_update_elem(&inflight, &id, &start, BPF_EXIST);
	}
	if (err)
		count(KHOSCOPE_CTR_INFLIGHT_FULL);
	return 0;
}

static __always_inline int handle_end(struct kho_radix_tree *tree, __u64 key,
				      int ret, enum khoscope_op op)
{
	__u64 id = bpf_get_current_pid_tgid(), delta, slot;
	__u32 tree_id = BPF_CORE_READ(tree, id);
	__u32 order = key_order(key), idx;
	struct khoscope_start *start;
	struct khoscope_hist *hist;

	if (!wanted(tree_id, op, order))
		return 0;

	start = bpf_map_lookup_elem(&inflight, &id);
	if (!start || start->key != key) {
		count(KHOSCOPE_CTR_END_WITHOUT_BEGIN);
		if (start)
			bpf_map_delete_elem(&inflight, &id);
		return 0;
	}
	delta = bpf_ktime_get_ns() - start->ts;
	bpf_map_delete_elem(&inflight, &id);

	if (order >= KHOSCOPE_NR_ORDERS) {
		count(KHOSCOPE_CTR_ORDER_OVERFLOW);
		return 0;
	}
	idx = op * KHOSCOPE_NR_ORDERS + order;
	hist = bpf_map_lookup_elem(&hists, &idx);
	if (!hist)
		return 0;

	slot = log2l(delta);
	if (slot >= KHOSCOPE_NR_SLOTS)
		slot = KHOSCOPE_NR_SLOTS - 1;
	hist->slots[slot]++;
	hist->count++;
	hist->sum_ns += delta;
	if (!ret) {
		hist->ok++;
	} else {
		struct khoscope_error_key ekey = {
			.op = op, .order = order, .err = ret, .tree = tree_id,
		};
		static const __u64 zero;
		__u64 *n;

		hist->errors++;
		n = bpf_map_lookup_or_try_init(&errors, &ekey, &zero);
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			count(KHOSCOPE_CTR_ERRORS_FULL);
	}
	return 0;
}

static __always_inline int handle_node(struct kho_radix_tree *tree,
				       unsigned int level, bool alloc)
{
	__u32 tree_id = BPF_CORE_READ(tree, id);
	struct khoscope_nodes *n;
	__u32 idx;

	if (targ_tree && tree_id != targ_tree)
		return 0;
	if (level >= KHOSCOPE_NR_LEVELS)
		return 0;
	idx = tree_slot(tree_id) * KHOSCOPE_NR_LEVELS + level;
	n = bpf_map_lookup_elem(&nodes, &idx);
	if (!n)
		return 0;
	if (alloc)
		n->alloc++;
	else
		n->free++;
	return 0;
}

static __always_inline int handle_walk_begin(struct kho_radix_tree *tree)
{
	__u64 id = bpf_get_current_pid_tgid(), ts = bpf_ktime_get_ns();

	if (targ_tree && BPF_CORE_READ(tree, id) != targ_tree)
		return 0;
	if (bpf_map_update_elem(&walk_inflight, &id, &ts, BPF_ANY))
		count(KHOSCOPE_CTR_INFLIGHT_FULL);
	return 0;
}

static __always_inline int handle_walk_end(struct kho_radix_tree *tree,
					   unsigned long keys,
					   unsigned long nodes_seen, int ret)
{
	__u64 id = bpf_get_current_pid_tgid(), delta, *ts;
	__u32 tree_id = BPF_CORE_READ(tree, id), idx;
	struct khoscope_walks *w;

	if (targ_tree && tree_id != targ_tree)
		return 0;
	ts = bpf_map_lookup_elem(&walk_inflight, &id);
	if (!ts) {
		count(KHOSCOPE_CTR_END_WITHOUT_BEGIN);
		return 0;
	}
	delta = bpf_ktime_get_ns() - *ts;
	bpf_map_delete_elem(&walk_inflight, &id);

	idx = tree_slot(tree_id);
	w = bpf_map_lookup_elem(&walks, &idx);
	if (!w)
		return 0;
	w->count++;
	w->sum_ns += delta;
	if (delta > w->max_ns)
		w->max_ns = delta;
	w->keys += keys;
	w->nodes += nodes_seen;
	if (ret)
		w->errors++;
	return 0;
}

SEC("tp_btf/kho_preserve_begin")
int BPF_PROG(preserve_begin_btf, struct kho_radix_tree *tree, unsigned long key)
{
	return handle_begin(tree, key, KHOSCOPE_OP_PRESERVE);
}

SEC("raw_tp/kho_preserve_begin")
int BPF_PROG(preserve_begin_raw, struct kho_radix_tree *tree, unsigned long key)
{
	return handle_begin(tree, key, KHOSCOPE_OP_PRESERVE);
}

SEC("tp_btf/kho_preserve_end")
int BPF_PROG(preserve_end_btf, struct kho_radix_tree *tree, unsigned long key, int ret)
{
	return handle_end(tree, key, ret, KHOSCOPE_OP_PRESERVE);
}

SEC("raw_tp/kho_preserve_end")
int BPF_PROG(preserve_end_raw, struct kho_radix_tree *tree, unsigned long key, int ret)
{
	return handle_end(tree, key, ret, KHOSCOPE_OP_PRESERVE);
}

SEC("tp_btf/kho_unpreserve_begin")
int BPF_PROG(unpreserve_begin_btf, struct kho_radix_tree *tree, unsigned long key)
{
	return handle_begin(tree, key, KHOSCOPE_OP_UNPRESERVE);
}

SEC("raw_tp/kho_unpreserve_begin")
int BPF_PROG(unpreserve_begin_raw, struct kho_radix_tree *tree, unsigned long key)
{
	return handle_begin(tree, key, KHOSCOPE_OP_UNPRESERVE);
}

SEC("tp_btf/kho_unpreserve_end")
int BPF_PROG(unpreserve_end_btf, struct kho_radix_tree *tree, unsigned long key, int ret)
{
	return handle_end(tree, key, ret, KHOSCOPE_OP_UNPRESERVE);
}

SEC("raw_tp/kho_unpreserve_end")
int BPF_PROG(unpreserve_end_raw, struct kho_radix_tree *tree, unsigned long key, int ret)
{
	return handle_end(tree, key, ret, KHOSCOPE_OP_UNPRESERVE);
}

SEC("tp_btf/kho_radix_node_alloc")
int BPF_PROG(node_alloc_btf, struct kho_radix_tree *tree, unsigned int level, void *node)
{
	return handle_node(tree, level, true);
}

SEC("raw_tp/kho_radix_node_alloc")
int BPF_PROG(node_alloc_raw, struct kho_radix_tree *tree, unsigned int level, void *node)
{
	return handle_node(tree, level, true);
}

SEC("tp_btf/kho_radix_node_free")
int BPF_PROG(node_free_btf, struct kho_radix_tree *tree, unsigned int level, void *node)
{
	return handle_node(tree, level, false);
}

SEC("raw_tp/kho_radix_node_free")
int BPF_PROG(node_free_raw, struct kho_radix_tree *tree, unsigned int level, void *node)
{
	return handle_node(tree, level, false);
}

SEC("tp_btf/kho_radix_walk_begin")
int BPF_PROG(walk_begin_btf, struct kho_radix_tree *tree)
{
	return handle_walk_begin(tree);
}

SEC("raw_tp/kho_radix_walk_begin")
int BPF_PROG(walk_begin_raw, struct kho_radix_tree *tree)
{
	return handle_walk_begin(tree);
}

SEC("tp_btf/kho_radix_walk_end")
int BPF_PROG(walk_end_btf, struct kho_radix_tree *tree, unsigned long keys,
	     unsigned long nodes_seen, int ret)
{
	return handle_walk_end(tree, keys, nodes_seen, ret);
}

SEC("raw_tp/kho_radix_walk_end")
int BPF_PROG(walk_end_raw, struct kho_radix_tree *tree, unsigned long keys,
	     unsigned long nodes_seen, int ret)
{
	return handle_walk_end(tree, keys, nodes_seen, ret);
}

char LICENSE[] SEC("license") = "GPL";
