// SPDX-License-Identifier: GPL-2.0
/*
 * khoscope: aggregate the kho trace events in the kernel.
 *
 * One program per end event, no begin/end pairing: the kernel times each
 * call and carries the duration in the end event. Per tree, operation and
 * order: a log2 histogram of single-key calls and errors, and the same for
 * the batches of keys the kernel adds or deletes under one hold of the tree
 * lock, per hold, per key and by size.
 * Per tree: a tally of the keys added and removed by order and of the node
 * pages allocated and freed by level.
 *
 * The memory figures come from the tree itself: every read of its counts
 * (kho/out/radix_tree) fires kho_radix_counts under the tree lock, and the
 * program of that event sends the counts to user space together with the
 * tally as it stands at that moment. Every event that changes the tally
 * fires under the same lock, so the two agree exactly unless events were
 * lost; user space reports any difference.
 *
 * Walks of a tree go to user space through the ring buffer too. Nothing
 * here depends on what user space chose to show: every event counts.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "khoscope.h"
#include "bits.bpf.h"
#include "maps.bpf.h"

/*
 * hists, batches and tally are not per CPU: a tree's elements are written
 * only by the events that fire under that tree's lock, so plain adds are
 * exact, and one copy serves every CPU (1 MiB in all, not 1 MiB per
 * possible CPU). A kernel that changed a tree without its lock would need
 * per-CPU copies again.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KHOSCOPE_NR_TREES * KHOSCOPE_NR_OPS * KHOSCOPE_NR_ORDERS);
	__type(key, __u32);
	__type(value, struct khoscope_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KHOSCOPE_NR_TREES * KHOSCOPE_NR_OPS * KHOSCOPE_NR_ORDERS);
	__type(key, __u32);
	__type(value, struct khoscope_batch);
} batches SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KHOSCOPE_NR_TREES);
	__type(key, __u32);
	__type(value, struct khoscope_tally);
} tally SEC(".maps");

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

/*
 * The API is called under no lock of ours: per CPU. Entries are allocated
 * as callers appear, not all at load: a few dozen callers, not 1024, times
 * the possible CPUs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
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

static __always_inline __u64 slot_of(__u64 v)
{
	__u64 slot = log2l(v);

	return slot < KHOSCOPE_NR_SLOTS ? slot : KHOSCOPE_NR_SLOTS - 1;
}

/*
 * @n keys of @order @added to (or removed from) a tree: under the tree lock,
 * see struct khoscope_tally.
 */
static __always_inline void tally_keys(struct khoscope_tally *t, __u32 order, __u64 n,
				       bool added)
{
	/* The callers checked already: keep the check where the verifier sees it. */
	barrier_var(order);
	if (order >= KHOSCOPE_NR_ORDERS)
		return;
	if (added)
		t->added[order] += n;
	else
		t->removed[order] += n;
}

/*
 * A zeroed ring buffer record of @type, of @kind and @tree_id, or NULL
 * (counted) when the buffer is full.
 */
#define reserve_event(type, kind_, tree_id) ({				\
	type *__e = bpf_ringbuf_reserve(&events, sizeof(type), 0);	\
									\
	if (__e) {							\
		__builtin_memset(__e, 0, sizeof(type));			\
		__e->kind = (kind_);					\
		__e->tree = (tree_id);					\
	} else {							\
		count(KHOSCOPE_CTR_RINGBUF_FULL);			\
	}								\
	__e;								\
})

/*
 * The single-key path, run for every kho_radix_add_key() and
 * kho_radix_del_key(): kept to two map lookups and few branches.
 */
static __always_inline int handle_key_end(__u32 tree_id, __u64 key, int ret,
					  bool changed, __u64 duration_ns,
					  enum khoscope_op op)
{
	__u32 order = kho_key_order(key), idx;
	struct khoscope_tally *t;
	struct khoscope_hist *hist;

	if (tree_id >= KHOSCOPE_NR_TREES || order >= KHOSCOPE_NR_ORDERS) {
		count_overflow(tree_id, order);
		/* An invalid key fails (-ERANGE): an error, whatever its order. */
		if (ret && tree_id < KHOSCOPE_NR_TREES)
			record_error(op, order, ret, tree_id);
		return 0;
	}
	idx = (tree_id * KHOSCOPE_NR_OPS + op) * KHOSCOPE_NR_ORDERS + order;
	hist = bpf_map_lookup_elem(&hists, &idx);
	if (!hist)
		return 0;

	/* A call the kernel did not time has no place in the histogram. */
	if (duration_ns) {
		hist->slots[slot_of(duration_ns)]++;
		hist->sum_ns += duration_ns;
	} else {
		hist->untimed++;
	}
	if (ret) {
		hist->errors++;
		record_error(op, order, ret, tree_id);
		return 0;
	}
	hist->ok++;
	if (!changed) {
		hist->unchanged++;
		return 0;
	}
	t = bpf_map_lookup_elem(&tally, &tree_id);
	if (t)
		tally_keys(t, order, 1, op == KHOSCOPE_OP_PRESERVE);
	return 0;
}

/* @n keys of @order added or removed by batches: counted under that order. */
static __always_inline void batch_keys(__u32 tree_id, __u32 order, __u64 n,
				       enum khoscope_op op)
{
	__u32 idx = (tree_id * KHOSCOPE_NR_OPS + op) * KHOSCOPE_NR_ORDERS + order;
	struct khoscope_batch *b = bpf_map_lookup_elem(&batches, &idx);

	if (b)
		b->keys += n;
}

/*
 * One hold of the lock in which the kernel added or deleted a batch of
 * keys: what it changed is the tree's counts of keys by width now, less
 * @before, their copy when the hold began. The hold itself (its duration,
 * its time per key, its pages) counts under the order of its first key;
 * its keys count under their own orders.
 */
static __always_inline int handle_batch(struct kho_radix_tree *tree, __u64 key,
					struct kho_radix_counts *before, int ret,
					__u64 duration_ns, enum khoscope_op op)
{
	__u32 order = kho_key_order(key), tree_id = tree->id, idx, w, o;
	__u64 keys = 0, pages = 0, n;
	struct khoscope_tally *t;
	struct khoscope_batch *b;

	if (tree_id >= KHOSCOPE_NR_TREES || order >= KHOSCOPE_NR_ORDERS) {
		count_overflow(tree_id, order);
		return 0;
	}
	t = bpf_map_lookup_elem(&tally, &tree_id);
	if (!t)
		return 0;
	for (w = 1; w <= KHO_RADIX_KEY_WIDTH; w++) {
		__s64 d = tree->keys[w] - before->keys[w];

		if (!d)
			continue;
		o = KHO_RADIX_KEY_WIDTH - w;
		if (o >= KHOSCOPE_NR_ORDERS) {
			count(KHOSCOPE_CTR_ORDER_OVERFLOW);
			continue;
		}
		n = d > 0 ? d : -d;
		tally_keys(t, o, n, d > 0);
		batch_keys(tree_id, o, n, op);
		keys += n;
		pages += n << o;
	}

	idx = (tree_id * KHOSCOPE_NR_OPS + op) * KHOSCOPE_NR_ORDERS + order;
	b = bpf_map_lookup_elem(&batches, &idx);
	if (!b)
		return 0;
	/* A hold the kernel did not time has a size but no duration. */
	if (duration_ns) {
		b->slots[slot_of(duration_ns)]++;
		b->key_slots[slot_of(keys ? duration_ns / keys : 0)]++;
		b->sum_ns += duration_ns;
	} else {
		b->untimed++;
	}
	b->size_slots[slot_of(pages)]++;
	if (ret) {
		b->errors++;
		record_error(op, order, ret, tree_id);
	}
	return 0;
}

static __always_inline int handle_node(__u32 tree_id, unsigned int level, bool alloc)
{
	struct khoscope_tally *t;

	if (!in_range(tree_id, KHOSCOPE_NR_TREES, KHOSCOPE_CTR_TREE_OVERFLOW) ||
	    !in_range(level, KHOSCOPE_NR_LEVELS, KHOSCOPE_CTR_LEVEL_OVERFLOW))
		return 0;
	t = bpf_map_lookup_elem(&tally, &tree_id);
	barrier_var(level);
	if (!t || level >= KHOSCOPE_NR_LEVELS)
		return 0;
	if (alloc)
		t->alloc[level]++;
	else
		t->free[level]++;
	return 0;
}

SEC("tp_btf/kho_preserve_end")
int BPF_PROG(preserve_end, struct kho_radix_tree *tree, unsigned long key, int ret,
	     __u64 gen, bool changed, __u64 duration_ns)
{
	return handle_key_end(tree->id, key, ret, changed, duration_ns,
			      KHOSCOPE_OP_PRESERVE);
}

SEC("tp_btf/kho_unpreserve_end")
int BPF_PROG(unpreserve_end, struct kho_radix_tree *tree, unsigned long key, int ret,
	     __u64 gen, bool changed, __u64 duration_ns)
{
	return handle_key_end(tree->id, key, ret, changed, duration_ns,
			      KHOSCOPE_OP_UNPRESERVE);
}

SEC("tp_btf/kho_preserve_batch")
int BPF_PROG(preserve_batch, struct kho_radix_tree *tree, unsigned long key,
	     struct kho_radix_counts *before, int ret, __u64 duration_ns)
{
	return handle_batch(tree, key, before, ret, duration_ns, KHOSCOPE_OP_PRESERVE);
}

SEC("tp_btf/kho_unpreserve_batch")
int BPF_PROG(unpreserve_batch, struct kho_radix_tree *tree, unsigned long key,
	     struct kho_radix_counts *before, int ret, __u64 duration_ns)
{
	return handle_batch(tree, key, before, ret, duration_ns, KHOSCOPE_OP_UNPRESERVE);
}

SEC("tp_btf/kho_radix_node_alloc")
int BPF_PROG(node_alloc, struct kho_radix_tree *tree, unsigned int level, void *node)
{
	return handle_node(tree->id, level, true);
}

SEC("tp_btf/kho_radix_node_free")
int BPF_PROG(node_free, struct kho_radix_tree *tree, unsigned int level, void *node)
{
	return handle_node(tree->id, level, false);
}

/*
 * A read of a tree's counts, under its lock: send them with the tally of
 * the same moment. Keys are counted by width; order o has width
 * KHO_RADIX_KEY_WIDTH - o (see kho_key_order()).
 */
SEC("tp_btf/kho_radix_counts")
int BPF_PROG(radix_counts, struct kho_radix_tree *tree, struct kho_radix_counts *counts)
{
	struct khoscope_counts_event *e;
	struct khoscope_tally *t;
	__u32 tree_id = tree->id;
	unsigned int w, l;

	if (!in_range(tree_id, KHOSCOPE_NR_TREES, KHOSCOPE_CTR_TREE_OVERFLOW))
		return 0;
	t = bpf_map_lookup_elem(&tally, &tree_id);
	if (!t)
		return 0;
	e = reserve_event(struct khoscope_counts_event, KHOSCOPE_EV_COUNTS, tree_id);
	if (!e)
		return 0;
	for (w = 0; w <= KHO_RADIX_KEY_WIDTH; w++) {
		__u64 n = counts->keys[w];
		unsigned int o = KHO_RADIX_KEY_WIDTH - w;

		if (w && o < KHOSCOPE_NR_ORDERS)
			e->keys[o] = n;
		else
			e->keys_beyond += n;
	}
	for (l = 0; l < KHOSCOPE_NR_LEVELS; l++)
		e->nodes[l] = counts->nodes[l];
	e->spare = counts->spare;
	__builtin_memcpy(&e->tally, t, sizeof(e->tally));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/kho_radix_walk_end")
int BPF_PROG(walk_end, struct kho_radix_tree *tree, unsigned long keys,
	     unsigned long nodes_seen, int ret, __u64 gen, __u64 duration_ns)
{
	struct khoscope_walk_event *e;

	e = reserve_event(struct khoscope_walk_event, KHOSCOPE_EV_WALK, tree->id);
	if (!e)
		return 0;
	e->ret = ret;
	e->keys = keys;
	e->nodes = nodes_seen;
	e->duration_ns = duration_ns;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * Modules loaded and freed since the programs were attached, for user space
 * to know when kallsyms changed (see struct khoscope_caller_key). A
 * module's calls all come after its load event and before its free event.
 */
__u32 modules_loaded;
__u32 modules_freed;

SEC("tp_btf/module_load")
int BPF_PROG(module_load, struct module *mod)
{
	__sync_fetch_and_add(&modules_loaded, 1);
	return 0;
}

SEC("tp_btf/module_free")
int BPF_PROG(module_free, struct module *mod)
{
	__sync_fetch_and_add(&modules_freed, 1);
	return 0;
}

/* One call of the preservation API, by caller, operation and module generation. */
SEC("tp_btf/kho_api")
int BPF_PROG(kho_api, enum kho_api_op op, unsigned long caller, unsigned long pages,
	     unsigned long keys, int ret, __u64 duration_ns)
{
	struct khoscope_caller_key key = {
		.ip = caller, .op = op, .gen = *(volatile __u32 *)&modules_freed,
	};
	static const struct khoscope_caller zero;
	struct khoscope_caller *c;

	c = bpf_map_lookup_or_try_init(&callers, &key, &zero);
	if (!c) {
		count(KHOSCOPE_CTR_CALLERS_FULL);
		return 0;
	}
	c->slots[slot_of(duration_ns)]++;
	c->calls++;
	c->errors += ret != 0;
	c->ok += ret == 0;
	c->pages += pages;
	c->keys += keys;
	c->sum_ns += duration_ns;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
