// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the KHO radix tree, the kernel's own kho_radix_tree.c compiled in
 * user space (see tests/shim): random operations against a reference model
 * at every order and at the edges of the key space, minimal node counts,
 * an allocation failure at every possible point, and the trace events.
 */
#include "tracker.h"
#include "test.h"

static unsigned long long rng_state = 0x2545f4914f6cdd1dULL;

static unsigned long rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static struct kho_radix_tree *new_tree(void)
{
	struct kho_radix_tree *tree = calloc(1, sizeof(*tree));

	if (!tree || kho_radix_init_tree(tree, NULL))
		abort();
	return tree;
}

static void free_tree(struct kho_radix_tree *tree)
{
	kho_radix_destroy_tree(tree);
	free(tree);
}

static size_t count_events(enum shim_event type, size_t from)
{
	size_t i, n = 0;

	for (i = from; i < shim_nr_events; i++)
		n += shim_events[i].type == type;
	return n;
}

/* Random adds and deletes of keys of one order in a pfn window. */
static bool random_ops(struct kho_radix_tree *tree, struct model *m, unsigned int order,
		       unsigned long pfn_base, unsigned long pfn_span, int ops)
{
	int i;

	for (i = 0; i < ops; i++) {
		unsigned long pfn = (pfn_base + rnd() % pfn_span) & ~((1UL << order) - 1);
		unsigned long key = encode_key(pfn, order);
		bool found;

		if (rnd() % 3) {
			if (kho_radix_add_key(tree, key))
				return false;
			model_add(m, key);
		} else {
			model_find(m, key, &found);
			if (!found)
				continue;	/* a del of an absent key warns; tested apart */
			kho_radix_del_key(tree, key);
			model_del(m, key);
		}
	}
	return true;
}

TEST(random_ops_every_order_match_model)
{
	struct kho_radix_tree *tree = new_tree();
	struct walk_result w = {};
	struct model m = {};
	unsigned int order;

	for (order = 0; order <= 18; order++) {
		/* A narrow window makes deletes hit; a wide one spreads leaves. */
		ASSERT_TRUE(random_ops(tree, &m, order, 0x100000, 1UL << 14, 3000));
		ASSERT_TRUE(random_ops(tree, &m, order, 0, 1UL << 40, 300));
		walk_tree(tree, &w);
		ASSERT_TRUE(walk_matches(&w, &m));
	}
	ASSERT_EQ(shim_warnings, 0);
	free_tree(tree);
	ASSERT_EQ(shim_pages_live, 0);
	model_free(&m);
	free(w.keys);
}

TEST(key_space_edges)
{
	struct kho_radix_tree *tree = new_tree();
	const unsigned long max_pfn = (1UL << (64 - PAGE_SHIFT)) - 1;
	struct walk_result w = {};
	struct model m = {};
	unsigned long keys[] = {
		encode_key(0, 0), encode_key(max_pfn, 0),	/* widest keys */
		encode_key(0, 51), encode_key(0, 52),		/* key 1: highest order */
		0,						/* the zero key */
		(1UL << KHO_RADIX_KEY_WIDTH) - 1,		/* all 53 bits set */
		1UL << 15, (1UL << 15) - 1,			/* leaf boundary */
	};
	unsigned long before;
	size_t i;

	ASSERT_EQ(fls64(encode_key(max_pfn, 0)), KHO_RADIX_KEY_WIDTH);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		ASSERT_EQ(kho_radix_add_key(tree, keys[i]), 0);
		model_add(&m, keys[i]);
	}
	walk_tree(tree, &w);
	ASSERT_TRUE(walk_matches(&w, &m));

	/* Keys wider than the tree are refused and change nothing. */
	before = shim_pages_live;
	ASSERT_EQ(kho_radix_add_key(tree, 1UL << KHO_RADIX_KEY_WIDTH), -ERANGE);
	ASSERT_EQ(kho_radix_add_key(tree, ~0UL), -ERANGE);
	ASSERT_EQ(shim_pages_live, before);
	walk_tree(tree, &w);
	ASSERT_TRUE(walk_matches(&w, &m));

	for (i = 0; i < ARRAY_SIZE(keys); i += 2) {
		kho_radix_del_key(tree, keys[i]);
		model_del(&m, keys[i]);
	}
	walk_tree(tree, &w);
	ASSERT_TRUE(walk_matches(&w, &m));
	ASSERT_EQ(shim_warnings, 0);
	free_tree(tree);
	ASSERT_EQ(shim_pages_live, 0);
	model_free(&m);
	free(w.keys);
}

TEST(minimal_nodes_without_deletes)
{
	unsigned long want[LEVELS];
	struct walk_result w = {};
	int round, l;

	for (round = 0; round < 20; round++) {
		unsigned long live0 = shim_pages_live;
		struct kho_radix_tree *tree = new_tree();
		struct model m = {};
		int i, n = 1 + rnd() % 2000;

		for (i = 0; i < n; i++) {
			unsigned int order = rnd() % 11;
			unsigned long key = encode_key(rnd() % (1UL << (20 + round)), order);

			ASSERT_EQ(kho_radix_add_key(tree, key), 0);
			model_add(&m, key);
		}
		walk_tree(tree, &w);
		ASSERT_TRUE(walk_matches(&w, &m));
		minimal_nodes(&m, want);
		for (l = 0; l < LEVELS; l++)
			ASSERT_EQ(w.nodes[l], want[l]);
		ASSERT_EQ(shim_pages_live - live0, walk_total_nodes(&w));
		free_tree(tree);
		model_free(&m);
	}
	free(w.keys);
}

/*
 * Fail each allocation an add needs, in turn: the add fails with -ENOMEM,
 * frees what it allocated (one free event per alloc event) and leaves the
 * tree exactly as it was.
 */
TEST(alloc_failure_at_every_point)
{
	unsigned long live0 = shim_pages_live;
	struct kho_radix_tree *tree = new_tree();
	struct walk_result before = {}, after = {};
	struct model m = {};
	int round;

	shim_trace_enabled = true;
	for (round = 0; round < 200; round++) {
		unsigned long key = encode_key(rnd() % (1UL << 40), rnd() % 11);
		unsigned long live = shim_pages_live, needed;
		long n;

		walk_tree(tree, &before);
		/* How many allocations does this add need? */
		shim_trace_reset();
		ASSERT_EQ(kho_radix_add_key(tree, key), 0);
		needed = count_events(EV_NODE_ALLOC, 0);
		kho_radix_del_key(tree, key);
		/* Deleting leaves the nodes: rebuild the tree without them. */
		free_tree(tree);
		tree = new_tree();
		for (size_t i = 0; i < m.nr; i++)
			ASSERT_EQ(kho_radix_add_key(tree, m.keys[i]), 0);
		live = shim_pages_live;

		for (n = 0; n < (long)needed; n++) {
			shim_trace_reset();
			shim_fail_after = n;
			ASSERT_EQ(kho_radix_add_key(tree, key), -ENOMEM);
			shim_fail_after = -1;
			ASSERT_EQ(count_events(EV_NODE_ALLOC, 0), n);
			ASSERT_EQ(count_events(EV_NODE_FREE, 0), n);
			ASSERT_EQ(shim_pages_live, live);
			walk_tree(tree, &after);
			ASSERT_TRUE(after.nr == before.nr &&
				    (!before.nr ||
				     !memcmp(after.keys, before.keys, before.nr * sizeof(*before.keys))));
			ASSERT_TRUE(!memcmp(after.nodes, before.nodes, sizeof(before.nodes)));
		}
		ASSERT_EQ(kho_radix_add_key(tree, key), 0);
		model_add(&m, key);
	}
	walk_tree(tree, &after);
	ASSERT_TRUE(walk_matches(&after, &m));

	/* A tree whose root cannot be allocated is not created. */
	{
		struct kho_radix_tree t = {};

		shim_fail_after = 0;
		ASSERT_EQ(kho_radix_init_tree(&t, NULL), -ENOMEM);
		shim_fail_after = -1;
		ASSERT_TRUE(!t.root);
	}
	shim_trace_enabled = false;
	free_tree(tree);
	ASSERT_EQ(shim_pages_live, live0);
	model_free(&m);
	free(before.keys);
	free(after.keys);
}

TEST(events_match_operations)
{
	struct kho_radix_tree *tree;
	struct walk_result w = {};
	unsigned long key = encode_key(0x12345, 3), live;
	unsigned long live0 = shim_pages_live;
	struct shim_trace_event *e;
	size_t i, n;

	shim_trace_enabled = true;
	shim_trace_reset();
	tree = new_tree();
	ASSERT_EQ(shim_nr_events, 1);
	ASSERT_EQ(shim_events[0].type, EV_NODE_ALLOC);
	ASSERT_EQ(shim_events[0].a, LEVELS - 1);	/* the root */
	ASSERT_EQ(shim_events[0].tree, tree->id);

	shim_trace_reset();
	ASSERT_EQ(kho_radix_add_key(tree, key), 0);
	n = shim_nr_events;
	ASSERT_EQ(n, 2 + LEVELS - 1);	/* begin, a node per level below the root, end */
	ASSERT_EQ(shim_events[0].type, EV_PRESERVE_BEGIN);
	ASSERT_EQ(shim_events[0].a, key);
	for (i = 1; i < n - 1; i++) {
		ASSERT_EQ(shim_events[i].type, EV_NODE_ALLOC);
		ASSERT_EQ(shim_events[i].a, LEVELS - 1 - i);	/* top down */
	}
	e = &shim_events[n - 1];
	ASSERT_EQ(e->type, EV_PRESERVE_END);
	ASSERT_EQ(e->a, key);
	ASSERT_EQ(e->ret, 0);

	/* A second add of a neighbour allocates nothing. */
	shim_trace_reset();
	ASSERT_EQ(kho_radix_add_key(tree, key + 1), 0);
	ASSERT_EQ(shim_nr_events, 2);

	shim_trace_reset();
	kho_radix_del_key(tree, key);
	ASSERT_EQ(shim_nr_events, 2);
	ASSERT_EQ(shim_events[0].type, EV_UNPRESERVE_BEGIN);
	ASSERT_EQ(shim_events[1].type, EV_UNPRESERVE_END);
	ASSERT_EQ(shim_events[1].ret, 0);

	/* Deleting where no path exists: -ENOENT in the event, and a warning. */
	shim_trace_reset();
	kho_radix_del_key(tree, encode_key(0, 9));
	ASSERT_EQ(shim_events[1].type, EV_UNPRESERVE_END);
	ASSERT_EQ(shim_events[1].ret, -ENOENT);
	ASSERT_EQ(shim_warnings, 1);
	shim_warnings = 0;

	shim_trace_reset();
	ASSERT_EQ(kho_radix_add_key(tree, 1UL << 60), -ERANGE);
	ASSERT_EQ(shim_events[1].type, EV_PRESERVE_END);
	ASSERT_EQ(shim_events[1].ret, -ERANGE);

	shim_trace_reset();
	walk_tree(tree, &w);
	ASSERT_EQ(shim_nr_events, 2);
	ASSERT_EQ(shim_events[0].type, EV_WALK_BEGIN);
	ASSERT_EQ(shim_events[1].type, EV_WALK_END);
	ASSERT_EQ(shim_events[1].a, 1);			/* keys */
	ASSERT_EQ(shim_events[1].b, walk_total_nodes(&w));
	ASSERT_EQ(shim_events[1].ret, 0);

	/* Destroy frees every node, each with an event. */
	live = shim_pages_live - live0;
	shim_trace_reset();
	kho_radix_destroy_tree(tree);
	ASSERT_EQ(count_events(EV_NODE_FREE, 0), live);
	ASSERT_EQ(shim_pages_live, live0);
	shim_trace_enabled = false;
	free(tree);
	free(w.keys);
}

int main(int argc, char **argv)
{
	return run_tests(argc > 1 ? argv[1] : NULL);
}
