// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a byte string is a sequence of operations on one tree
 * (add, delete, the same for a run of keys under one lock, walk, fail the
 * Nth next allocation), checked against the
 * reference model after each walk and at the end: the same keys, exactly the
 * fewest nodes for them (empty nodes are freed), and no other page held.
 *
 * Each operation is 1 byte of opcode and 2 of argument; keys come from a
 * small pool that spans orders, leaves and the edges of the key space, so
 * that deletes hit and nodes are shared.
 */
#include "tracker.h"

static unsigned long pool_key(unsigned int arg)
{
	unsigned int order = arg % 19;
	unsigned long pfn = ((unsigned long)(arg >> 5) << order) * 0x9e37;

	switch (arg & 0x3) {
	case 0:
		pfn &= (1UL << 20) - 1;			/* low memory, dense */
		break;
	case 1:
		pfn &= (1UL << 36) - 1;			/* far apart */
		break;
	case 2:
		pfn = (1UL << (64 - PAGE_SHIFT)) - 1 - (pfn & 0xffff);	/* the top */
		break;
	default:
		pfn &= 0x7fff;				/* one leaf */
		break;
	}
	return encode_key(pfn & ~((1UL << order) - 1), order);
}

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/*
 * A batch: the run of up to 8 keys from @key on, as kho_preserve_pages()
 * makes them, added or (those present) deleted under one lock. A failed
 * add stops the batch, as it does there.
 */
static void batch(struct kho_radix_tree *tree, struct model *m, unsigned long key,
		  unsigned int n, bool del)
{
	unsigned int k;
	bool found;
	int ret;

	kho_radix_lock(tree);
	for (k = 0; k < n; k++, key++) {
		if (fls64(key) != fls64(key - k))
			break;		/* past the keys of this order */
		if (del) {
			model_find(m, key, &found);
			if (found) {
				kho_radix_del_key_locked(tree, key);
				model_del(m, key);
			}
			continue;
		}
		ret = kho_radix_add_key_locked(tree, key);
		check(ret == 0 || (ret == -ENOMEM && shim_fail_after == -1));
		if (ret)
			break;
		model_add(m, key);
	}
	kho_radix_unlock(tree);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	unsigned long live0 = shim_pages_live;
	struct kho_radix_tree tree = {};
	struct walk_result w = {};
	struct model m = {};
	size_t i;

	if (kho_radix_init_tree(&tree, NULL))
		return 0;

	for (i = 0; i + 3 <= size; i += 3) {
		unsigned int arg = data[i + 1] | data[i + 2] << 8;
		unsigned long key = pool_key(arg);
		bool found;
		int ret;

		switch (data[i] % 7) {
		case 0:
		case 1:
			ret = kho_radix_add_key(&tree, key);
			check(ret == 0 || (ret == -ENOMEM && shim_fail_after == -1));
			if (!ret)
				model_add(&m, key);
			break;
		case 2:
			/* Only keys whose path exists: an absent path warns. */
			model_find(&m, key, &found);
			if (found) {
				kho_radix_del_key(&tree, key);
				model_del(&m, key);
			}
			break;
		case 3:
			walk_tree(&tree, &w);
			check(walk_matches(&w, &m));
			check(walk_nodes_minimal(&w, &m, live0));
			check(counts_match_walk(&tree, &w));
			break;
		case 4:
		case 5:
			batch(&tree, &m, key, 1 + (data[i] >> 4) % 8, data[i] % 7 == 5);
			break;
		default:
			shim_fail_after = arg % 6;
			break;
		}
	}
	shim_fail_after = -1;
	walk_tree(&tree, &w);
	check(walk_matches(&w, &m));
	check(walk_nodes_minimal(&w, &m, live0));
	check(counts_match_walk(&tree, &w));
	check(shim_warnings == 0);
	kho_radix_destroy_tree(&tree);
	check(shim_pages_live == live0);
	model_free(&m);
	free(w.keys);
	return 0;
}
