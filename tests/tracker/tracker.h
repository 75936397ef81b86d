/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the user-space tests, fuzzer and benchmark of the KHO
 * radix tree (kernel/liveupdate/kho_radix_tree.c built against tests/shim):
 * key encoding, a reference model (a sorted set of keys), and a walk that
 * collects keys and nodes per level.
 */
#ifndef __KHO_TRACKER_H
#define __KHO_TRACKER_H

#include <linux/kho_radix_tree.h>
#include <linux/kho/abi/kexec_handover.h>
#include <trace/events/kho.h>
#include "shim_ctl.h"

#define LEVELS KHO_TREE_MAX_DEPTH
#ifdef SHIM_STOCK
#define KHO_RADIX_SPARES 0	/* stock 7.3 keeps no spare nodes */
#endif

/* kho_encode_radix_key() of kexec_handover.c, for a pfn and an order. */
static inline unsigned long encode_key(unsigned long pfn, unsigned int order)
{
	return (1UL << (64 - PAGE_SHIFT - order)) | (pfn >> order);
}

/* The reference model: a sorted array of distinct keys. */
struct model {
	unsigned long *keys;
	size_t nr, cap;
};

static inline size_t model_find(const struct model *m, unsigned long key, bool *found)
{
	size_t lo = 0, hi = m->nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < m->nr && m->keys[lo] == key;
	return lo;
}

static inline void model_add(struct model *m, unsigned long key)
{
	bool found;
	size_t i = model_find(m, key, &found);

	if (found)
		return;
	if (m->nr == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->keys = realloc(m->keys, m->cap * sizeof(*m->keys));
		if (!m->keys)
			abort();
	}
	memmove(&m->keys[i + 1], &m->keys[i], (m->nr - i) * sizeof(*m->keys));
	m->keys[i] = key;
	m->nr++;
}

static inline void model_del(struct model *m, unsigned long key)
{
	bool found;
	size_t i = model_find(m, key, &found);

	if (!found)
		return;
	memmove(&m->keys[i], &m->keys[i + 1], (m->nr - i - 1) * sizeof(*m->keys));
	m->nr--;
}

static inline void model_free(struct model *m)
{
	free(m->keys);
	memset(m, 0, sizeof(*m));
}

/* What a walk saw. */
struct walk_result {
	unsigned long *keys;
	size_t nr, cap;
	unsigned long nodes[LEVELS];
	unsigned long spare;	/* emptied nodes the tree keeps for reuse */
	bool ascending;
	int ret;
};

static inline int walk_leaf(unsigned long key, void *data)
{
	struct walk_result *w = data;

	if (w->nr && key <= w->keys[w->nr - 1])
		w->ascending = false;
	if (w->nr == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->keys = realloc(w->keys, w->cap * sizeof(*w->keys));
		if (!w->keys)
			abort();
	}
	w->keys[w->nr++] = key;
	return 0;
}

#ifdef SHIM_STOCK
/* Stock 7.3's node callback has no level: count every node at level 0. */
static inline int walk_node(phys_addr_t phys, void *data)
{
	struct walk_result *w = data;

	w->nodes[0]++;
	return 0;
}
#else
static inline int walk_node(phys_addr_t phys, unsigned int level, void *data)
{
	struct walk_result *w = data;

	if (level < LEVELS)
		w->nodes[level]++;
	return 0;
}
#endif

static inline void walk_tree(struct kho_radix_tree *tree, struct walk_result *w)
{
	const struct kho_radix_walk_cb cb = { .leaf = walk_leaf, .node = walk_node };

	free(w->keys);
	memset(w, 0, sizeof(*w));
	w->ascending = true;
	w->ret = kho_radix_walk_tree(tree, &cb, w);
#ifndef SHIM_STOCK
	/* Under the lock: another thread may be pruning (TSan checks it). */
	kho_radix_lock(tree);
	w->spare = tree->nr_spare;
	kho_radix_unlock(tree);
#endif
}

static inline unsigned long walk_total_nodes(const struct walk_result *w)
{
	unsigned long n = 0;
	int l;

	for (l = 0; l < LEVELS; l++)
		n += w->nodes[l];
	return n;
}

#ifndef SHIM_STOCK
/*
 * The counts the tree keeps equal what the walk @w found: keys by width,
 * nodes by level, spare nodes. Read them after the walk, with the tree at
 * rest.
 */
static inline bool counts_match_walk(struct kho_radix_tree *tree, const struct walk_result *w)
{
	unsigned long keys[KHO_RADIX_KEY_WIDTH + 1] = {};
	struct kho_radix_counts c;
	size_t i;

	if (kho_radix_tree_counts(tree, &c))
		return false;
	for (i = 0; i < w->nr; i++)
		keys[fls64(w->keys[i])]++;
	return !memcmp(c.keys, keys, sizeof(keys)) &&
	       !memcmp(c.nodes, w->nodes, sizeof(c.nodes)) && c.spare == w->spare;
}
#endif

/* Keys of the walk equal the model's, in order, once each. */
static inline bool walk_matches(const struct walk_result *w, const struct model *m)
{
	return w->ret == 0 && w->ascending && w->nr == m->nr &&
	       (!m->nr || !memcmp(w->keys, m->keys, m->nr * sizeof(*m->keys)));
}

/* Fewest nodes per level for the model's keys: distinct prefixes. */
static inline void minimal_nodes(const struct model *m, unsigned long *nodes)
{
	int l;

	for (l = 0; l < LEVELS; l++) {
		unsigned int shift = KHO_BITMAP_SIZE_LOG2 + l * KHO_TABLE_SIZE_LOG2;
		unsigned long prev = 0;
		size_t i;

		nodes[l] = 0;
		for (i = 0; i < m->nr; i++) {
			unsigned long prefix = shift < 64 ? m->keys[i] >> shift : 0;

			if (i == 0 || prefix != prev)
				nodes[l]++;
			prev = prefix;
		}
	}
	/* The root exists even for an empty tree. */
	nodes[LEVELS - 1] = 1;
}

/*
 * The walk's nodes per level are the fewest the model's keys need, and the
 * tree holds no page besides them (live0: the shim's live pages before the
 * tree was made).
 */
static inline bool walk_nodes_minimal(const struct walk_result *w, const struct model *m,
				      unsigned long live0)
{
	unsigned long want[LEVELS];
	int l;

	minimal_nodes(m, want);
	for (l = 0; l < LEVELS; l++)
		if (w->nodes[l] != want[l])
			return false;
	return shim_pages_live - live0 == walk_total_nodes(w) + w->spare &&
	       w->spare <= KHO_RADIX_SPARES;
}

#endif /* __KHO_TRACKER_H */
