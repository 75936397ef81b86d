// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the KHO radix tree, the kernel's own kho_radix_tree.c compiled in
 * user space (see tests/shim): random operations against a reference model
 * at every order and at the edges of the key space, minimal node counts,
 * an allocation failure at every possible point, and the trace events.
 */
#include <unistd.h>
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

/* The pfn and order of step @i of a layout's sequence of keys. */
static unsigned long layout_key(const char *layout, unsigned long i)
{
	unsigned int order = 0;
	unsigned long pfn;

	if (!strcmp(layout, "dense")) {
		pfn = 0x40000 + i % 3000;
	} else if (!strcmp(layout, "strided")) {
		pfn = 0x40000 + 2 * (i % 3000);
	} else if (!strcmp(layout, "random")) {
		pfn = rnd() % (1UL << 36);
	} else {	/* mixed: blocks of random orders 0-18 */
		order = rnd() % 19;
		pfn = (0x40000 + (rnd() % 4096 << 9)) & ~((1UL << order) - 1);
	}
	return encode_key(pfn, order);
}

/*
 * The counts the tree keeps equal a full walk after every add and delete,
 * in every layout: adds of new keys and of present ones, deletes that
 * empty nodes and ones that do not, keys too wide to add.
 */
TEST(counts_equal_a_walk_after_every_step)
{
	static const char *const layouts[] = { "dense", "strided", "random", "mixed" };
	struct walk_result w = {};
	unsigned int li;

	for (li = 0; li < ARRAY_SIZE(layouts); li++) {
		struct kho_radix_tree *tree = new_tree();
		struct model m = {};
		unsigned long i;

		walk_tree(tree, &w);
		ASSERT_TRUE(counts_match_walk(tree, &w));
		for (i = 0; i < 1500; i++) {
			unsigned long key = layout_key(layouts[li], i);

			if (m.nr && rnd() % 3 == 0) {
				key = m.keys[rnd() % m.nr];
				kho_radix_del_key(tree, key);
				model_del(&m, key);
			} else if (rnd() % 50 == 0) {
				ASSERT_EQ(kho_radix_add_key(tree, 1UL << KHO_RADIX_KEY_WIDTH),
					  -ERANGE);
			} else {
				ASSERT_EQ(kho_radix_add_key(tree, key), 0);
				model_add(&m, key);
			}
			walk_tree(tree, &w);
			ASSERT_TRUE(walk_matches(&w, &m));
			ASSERT_TRUE(counts_match_walk(tree, &w));
		}
		while (m.nr) {
			kho_radix_del_key(tree, m.keys[m.nr - 1]);
			model_del(&m, m.keys[m.nr - 1]);
		}
		walk_tree(tree, &w);
		ASSERT_TRUE(counts_match_walk(tree, &w));
		ASSERT_EQ(walk_total_nodes(&w), 1);
		free_tree(tree);
		model_free(&m);
	}
	ASSERT_EQ(shim_warnings, 0);
	ASSERT_EQ(shim_pages_live, 0);
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
/* Pages of @tree's nodes: the live pages but its spares (one tree at a time). */
static unsigned long tree_pages(const struct kho_radix_tree *tree)
{
	return shim_pages_live - tree->nr_spare;
}

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
		unsigned long live = tree_pages(tree), needed;
		long n;

		walk_tree(tree, &before);
		/* How many allocations does this add need? */
		shim_trace_reset();
		ASSERT_EQ(kho_radix_add_key(tree, key), 0);
		needed = count_events(EV_NODE_ALLOC, 0);
		/* The delete frees what the add allocated: the tree is as before. */
		kho_radix_del_key(tree, key);
		ASSERT_EQ(count_events(EV_NODE_FREE, 0), needed);
		ASSERT_EQ(tree_pages(tree), live);

		for (n = 0; n < (long)needed; n++) {
			shim_trace_reset();
			shim_fail_after = n;
			ASSERT_EQ(kho_radix_add_key(tree, key), -ENOMEM);
			shim_fail_after = -1;
			ASSERT_EQ(count_events(EV_NODE_ALLOC, 0), n);
			ASSERT_EQ(count_events(EV_NODE_FREE, 0), n);
			ASSERT_EQ(tree_pages(tree), live);
			walk_tree(tree, &after);
			ASSERT_TRUE(after.nr == before.nr &&
				    (!before.nr ||
				     !memcmp(after.keys, before.keys, before.nr * sizeof(*before.keys))));
			ASSERT_TRUE(!memcmp(after.nodes, before.nodes, sizeof(before.nodes)));
			ASSERT_TRUE(counts_match_walk(tree, &after));
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

	/* Deleting where no path exists: -ENOENT in the event, no warning. */
	shim_trace_reset();
	kho_radix_del_key(tree, encode_key(0, 9));
	ASSERT_EQ(shim_events[1].type, EV_UNPRESERVE_END);
	ASSERT_EQ(shim_events[1].ret, -ENOENT);
	ASSERT_EQ(shim_warnings, 0);

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

/* The tree has generations: node events carry them (see the shim). */
u64 shim_tree_gen(const struct kho_radix_tree *tree)
{
	return tree->gen;
}

static const struct shim_trace_event *last_event(enum shim_event type)
{
	size_t i;

	for (i = shim_nr_events; i-- > 0;)
		if (shim_events[i].type == type)
			return &shim_events[i];
	return NULL;
}

TEST(end_events_carry_generation_changed_and_duration)
{
	struct kho_radix_tree *tree = new_tree();
	unsigned long key = encode_key(0x4000, 0);
	const struct shim_trace_event *e;
	u64 gen0 = tree->gen;
	size_t i;

	shim_trace_enabled = true;
	shim_trace_reset();
	ASSERT_EQ(kho_radix_add_key(tree, key), 0);
	e = last_event(EV_PRESERVE_END);
	ASSERT_TRUE(e);
	ASSERT_EQ(e->nr_extra, SHIM_NR_EXTRA);
	ASSERT_EQ(e->x[SHIM_X_GEN], gen0 + 1);
	ASSERT_EQ(e->x[SHIM_X_CHANGED], 1);
	ASSERT_TRUE(e->x[SHIM_X_DURATION] > 0);
	ASSERT_EQ(tree->gen, gen0 + 1);
	/* The nodes the add allocated belong to the generation it made. */
	for (i = 0; i < shim_nr_events; i++)
		if (shim_events[i].type == EV_NODE_ALLOC)
			ASSERT_EQ(shim_events[i].x[SHIM_X_GEN], gen0 + 1);

	/* Adding a key that is there: success, nothing changed, same gen. */
	shim_trace_reset();
	ASSERT_EQ(kho_radix_add_key(tree, key), 0);
	e = last_event(EV_PRESERVE_END);
	ASSERT_EQ(e->ret, 0);
	ASSERT_EQ(e->x[SHIM_X_CHANGED], 0);
	ASSERT_EQ(e->x[SHIM_X_GEN], gen0 + 1);
	ASSERT_EQ(tree->gen, gen0 + 1);

	shim_trace_reset();
	kho_radix_del_key(tree, key);
	e = last_event(EV_UNPRESERVE_END);
	ASSERT_EQ(e->ret, 0);
	ASSERT_EQ(e->x[SHIM_X_CHANGED], 1);
	ASSERT_EQ(e->x[SHIM_X_GEN], gen0 + 2);

	/* A walk reports the generation it saw, in its event and to its caller. */
	{
		const struct kho_radix_walk_cb cb = {};
		u64 seen = 0;

		shim_trace_reset();
		ASSERT_EQ(kho_radix_walk_tree_gen(tree, &cb, NULL, &seen), 0);
		ASSERT_EQ(seen, gen0 + 2);
		e = last_event(EV_WALK_END);
		ASSERT_EQ(e->x[0], gen0 + 2);
		ASSERT_TRUE(e->x[1] > 0);	/* the walk's duration */
	}

	/* With the events off, nothing is timed and nothing recorded. */
	shim_trace_enabled = false;
	shim_trace_reset();
	ASSERT_EQ(kho_radix_add_key(tree, key), 0);
	ASSERT_EQ(shim_nr_events, 0);
	ASSERT_EQ(tree->gen, gen0 + 3);
	free_tree(tree);
	ASSERT_EQ(shim_pages_live, 0);
}

/*
 * A key deleted twice: the second delete finds its bit clear if other keys
 * keep its leaf, no path at all if it was the leaf's last key and the path
 * was pruned. Both are -ENOENT, neither warns, nothing changes.
 */
TEST(double_delete_is_enoent_pruned_or_not)
{
	struct kho_radix_tree *tree = new_tree();
	unsigned long alone = encode_key(0x40000, 0), kept = encode_key(0x80000, 0);
	unsigned long live;
	const struct shim_trace_event *e;

	ASSERT_EQ(kho_radix_add_key(tree, alone), 0);
	ASSERT_EQ(kho_radix_add_key(tree, kept), 0);
	ASSERT_EQ(kho_radix_add_key(tree, kept + 1), 0);
	kho_radix_del_key(tree, alone);		/* its leaf and path go */
	kho_radix_del_key(tree, kept);		/* its leaf stays, for kept + 1 */
	live = shim_pages_live;

	shim_trace_enabled = true;
	shim_trace_reset();
	kho_radix_del_key(tree, alone);
	e = last_event(EV_UNPRESERVE_END);
	ASSERT_TRUE(e);
	ASSERT_EQ(e->ret, -ENOENT);
	shim_trace_reset();
	kho_radix_del_key(tree, kept);
	e = last_event(EV_UNPRESERVE_END);
	ASSERT_TRUE(e);
	ASSERT_EQ(e->ret, -ENOENT);
	shim_trace_enabled = false;
	ASSERT_EQ(shim_warnings, 0);
	ASSERT_EQ(shim_pages_live, live);
	free_tree(tree);
}

TEST(delete_of_absent_key_in_existing_leaf_is_enoent)
{
	struct kho_radix_tree *tree = new_tree();
	unsigned long key = encode_key(0x777, 0);
	const struct shim_trace_event *e;
	struct walk_result w = {};
	struct model m = {};
	unsigned long pages;
	u64 gen;

	ASSERT_EQ(kho_radix_add_key(tree, key), 0);
	model_add(&m, key);
	pages = shim_pages_live;
	gen = tree->gen;

	/* Its neighbour shares the leaf but was never added. */
	shim_trace_enabled = true;
	shim_trace_reset();
	kho_radix_del_key(tree, key + 1);
	shim_trace_enabled = false;
	e = last_event(EV_UNPRESERVE_END);
	ASSERT_TRUE(e);
	ASSERT_EQ(e->ret, -ENOENT);
	ASSERT_EQ(e->x[SHIM_X_CHANGED], 0);
	ASSERT_EQ(e->x[SHIM_X_GEN], gen);
	ASSERT_EQ(tree->gen, gen);
	ASSERT_EQ(shim_warnings, 0);	/* the leaf exists: no warning */
	ASSERT_EQ(shim_pages_live, pages);
	walk_tree(tree, &w);
	ASSERT_TRUE(walk_matches(&w, &m));

	free_tree(tree);
	model_free(&m);
	free(w.keys);
}

/*
 * What a tracer does: take a walk, then count only the events newer than
 * the walk's generation. Whatever happened before or after, failures
 * included, the walk plus those events equals the tree.
 */
struct joined {
	long keys;
	long nodes[LEVELS];
};

static void join_events(struct joined *j, u64 walk_gen)
{
	size_t i;

	for (i = 0; i < shim_nr_events; i++) {
		const struct shim_trace_event *e = &shim_events[i];
		int sign = e->type == EV_PRESERVE_END || e->type == EV_NODE_ALLOC ? 1 : -1;

		if (!e->nr_extra || e->x[SHIM_X_GEN] <= walk_gen)
			continue;
		switch (e->type) {
		case EV_NODE_ALLOC:
		case EV_NODE_FREE:
			j->nodes[e->a] += sign;
			break;
		case EV_PRESERVE_END:
		case EV_UNPRESERVE_END:
			if (e->x[SHIM_X_CHANGED])
				j->keys += sign;
			break;
		default:
			break;
		}
	}
}

TEST(walk_generation_joins_the_events_exactly)
{
	struct kho_radix_tree *tree = new_tree();
	struct walk_result w = {}, end = {};
	struct joined j = {};
	struct model m = {};
	bool found;
	u64 gen;
	int round, l;

	shim_trace_enabled = true;
	shim_trace_reset();
	ASSERT_TRUE(random_ops(tree, &m, 0, 0, 1UL << 20, 500));
	{
		const struct kho_radix_walk_cb cb = { .leaf = walk_leaf, .node = walk_node };

		w.ascending = true;
		ASSERT_EQ(kho_radix_walk_tree_gen(tree, &cb, &w, &gen), 0);
	}
	j.keys = w.nr;
	for (l = 0; l < LEVELS; l++)
		j.nodes[l] = w.nodes[l];

	/* After the walk: adds, present keys again, deletes, failed adds. */
	for (round = 0; round < 20; round++) {
		unsigned long key = encode_key(rnd() % (1UL << 36), round % 10);

		ASSERT_TRUE(random_ops(tree, &m, round % 10, 0, 1UL << 20, 200));
		ASSERT_EQ(kho_radix_add_key(tree, m.nr ? m.keys[0] : key), 0);
		model_add(&m, m.nr ? m.keys[0] : key);
		shim_fail_after = round % 4;
		if (kho_radix_add_key(tree, key) == 0)
			model_add(&m, key);
		shim_fail_after = -1;
		model_find(&m, key + 1, &found);
		if (!found)
			kho_radix_del_key(tree, key + 1);	/* -ENOENT */
	}
	join_events(&j, gen);
	shim_trace_enabled = false;
	ASSERT_EQ(shim_warnings, 0);	/* not even on paths that do not exist */

	walk_tree(tree, &end);
	ASSERT_TRUE(walk_matches(&end, &m));
	ASSERT_EQ(j.keys, (long)end.nr);
	for (l = 0; l < LEVELS; l++)
		ASSERT_EQ(j.nodes[l], (long)end.nodes[l]);

	free_tree(tree);
	model_free(&m);
	free(w.keys);
	free(end.keys);
}

/* Pick a live key of the model at random. */
static unsigned long any_key(const struct model *m)
{
	return m->keys[rnd() % m->nr];
}

/*
 * After every add and every delete, the tree holds exactly the fewest
 * nodes its keys need: a delete frees the leaf it empties and every table
 * above that it empties, but never the root. Every node freed fires its
 * event.
 */
TEST(minimal_nodes_after_every_operation)
{
	static const unsigned int orders[] = { 0, 0, 3, 9, 18 };
	unsigned long live0 = shim_pages_live;
	struct kho_radix_tree *tree;
	struct walk_result w = {};
	struct model m = {};
	int i;

	shim_trace_enabled = true;
	shim_trace_reset();
	tree = new_tree();
	for (i = 0; i < 4000; i++) {
		unsigned int order = orders[rnd() % ARRAY_SIZE(orders)];
		/* Mostly near each other, so that leaves and tables fill and empty. */
		unsigned long span = rnd() % 4 ? 1UL << 18 : 1UL << 40;
		unsigned long pfn = (rnd() % span) & ~((1UL << order) - 1);

		if (m.nr && rnd() % 2) {
			unsigned long key = any_key(&m);

			kho_radix_del_key(tree, key);
			model_del(&m, key);
		} else {
			ASSERT_EQ(kho_radix_add_key(tree, encode_key(pfn, order)), 0);
			model_add(&m, encode_key(pfn, order));
		}
		walk_tree(tree, &w);
		ASSERT_TRUE(walk_matches(&w, &m));
		ASSERT_TRUE(walk_nodes_minimal(&w, &m, live0));
	}
	/* Emptied in random order, down to the root alone. */
	while (m.nr) {
		unsigned long key = any_key(&m);

		kho_radix_del_key(tree, key);
		model_del(&m, key);
		if (m.nr % 64 == 0) {
			walk_tree(tree, &w);
			ASSERT_TRUE(walk_matches(&w, &m));
			ASSERT_TRUE(walk_nodes_minimal(&w, &m, live0));
		}
	}
	walk_tree(tree, &w);
	ASSERT_EQ(walk_total_nodes(&w), 1);
	ASSERT_EQ(w.nodes[LEVELS - 1], 1);
	ASSERT_EQ(shim_pages_live - live0, 1 + tree->nr_spare);
	ASSERT_EQ(count_events(EV_NODE_ALLOC, 0) - count_events(EV_NODE_FREE, 0), 1);
	ASSERT_EQ(shim_warnings, 0);
	shim_trace_enabled = false;
	free_tree(tree);
	ASSERT_EQ(shim_pages_live, live0);
	model_free(&m);
	free(w.keys);
}

/*
 * Cycles of preserving 1 GiB of order-0 pages plus order-9 ones and
 * unpreserving them all: each cycle ends with the root alone, and allocates
 * the same nodes again.
 */
TEST(churn_ends_with_the_root_alone)
{
	unsigned long live0 = shim_pages_live, allocs = 0;
	struct kho_radix_tree *tree = new_tree();
	struct walk_result w = {};
	int cycle;

	shim_trace_enabled = true;
	for (cycle = 0; cycle < 4; cycle++) {
		unsigned long pfn;

		shim_trace_reset();
		for (pfn = 0; pfn < (1UL << 18); pfn++)
			ASSERT_EQ(kho_radix_add_key(tree, encode_key(pfn, 0)), 0);
		for (pfn = 1UL << 30; pfn < (1UL << 30) + (64UL << 9); pfn += 1UL << 9)
			ASSERT_EQ(kho_radix_add_key(tree, encode_key(pfn, 9)), 0);
		walk_tree(tree, &w);
		ASSERT_EQ(w.nr, (1UL << 18) + 64);
		if (cycle)
			ASSERT_EQ(count_events(EV_NODE_ALLOC, 0), allocs);
		allocs = count_events(EV_NODE_ALLOC, 0);
		ASSERT_EQ(allocs, walk_total_nodes(&w) - 1);

		for (pfn = 0; pfn < (1UL << 18); pfn++)
			kho_radix_del_key(tree, encode_key(pfn, 0));
		for (pfn = 1UL << 30; pfn < (1UL << 30) + (64UL << 9); pfn += 1UL << 9)
			kho_radix_del_key(tree, encode_key(pfn, 9));
		walk_tree(tree, &w);
		ASSERT_EQ(w.nr, 0);
		ASSERT_EQ(walk_total_nodes(&w), 1);
		ASSERT_EQ(shim_pages_live - live0, 1 + tree->nr_spare);
		ASSERT_EQ(count_events(EV_NODE_FREE, 0), allocs);
	}
	ASSERT_EQ(shim_warnings, 0);
	shim_trace_enabled = false;
	free_tree(tree);
	ASSERT_EQ(shim_pages_live, live0);
	free(w.keys);
}

/*
 * The leaf that the last add or delete used is remembered to skip the
 * descent; it is forgotten when a delete frees it, so that the next key of
 * that leaf gets a new one (ASan would catch a write to the freed page).
 * Deletes in a remembered leaf still prune when they empty it.
 */
TEST(remembered_leaf_never_outlives_its_leaf)
{
	unsigned long live0 = shim_pages_live, pfn;
	struct kho_radix_tree *tree = new_tree();
	struct walk_result w = {};
	struct model m = {};
	int round;

	for (round = 0; round < 3; round++) {
		/* A leaf and its path appear, then go with its last key. */
		ASSERT_EQ(kho_radix_add_key(tree, encode_key(0x1000, 0)), 0);
		ASSERT_EQ(shim_pages_live - live0, LEVELS + tree->nr_spare);
		kho_radix_del_key(tree, encode_key(0x1000, 0));
		ASSERT_EQ(shim_pages_live - live0, 1 + tree->nr_spare);
	}
	/* Same leaf again, keys added and deleted in address order. */
	for (pfn = 0x1000; pfn < 0x1100; pfn++) {
		ASSERT_EQ(kho_radix_add_key(tree, encode_key(pfn, 0)), 0);
		model_add(&m, encode_key(pfn, 0));
	}
	ASSERT_EQ(kho_radix_add_key(tree, encode_key(0x1000, 0)), 0);	/* present */
	for (pfn = 0x1000; pfn < 0x10ff; pfn++) {
		kho_radix_del_key(tree, encode_key(pfn, 0));
		model_del(&m, encode_key(pfn, 0));
	}
	walk_tree(tree, &w);
	ASSERT_TRUE(walk_matches(&w, &m));
	ASSERT_TRUE(walk_nodes_minimal(&w, &m, live0));
	/* The leaf's last key, deleted through the remembered leaf. */
	kho_radix_del_key(tree, encode_key(0x10ff, 0));
	model_del(&m, encode_key(0x10ff, 0));
	ASSERT_EQ(shim_pages_live - live0, 1 + tree->nr_spare);
	ASSERT_EQ(kho_radix_add_key(tree, encode_key(0x10fe, 0)), 0);
	model_add(&m, encode_key(0x10fe, 0));
	walk_tree(tree, &w);
	ASSERT_TRUE(walk_matches(&w, &m));
	ASSERT_TRUE(walk_nodes_minimal(&w, &m, live0));
	ASSERT_EQ(shim_warnings, 0);
	free_tree(tree);
	ASSERT_EQ(shim_pages_live, live0);
	model_free(&m);
	free(w.keys);
}

/*
 * A delete keeps up to a path's worth of the nodes it empties as spares and
 * the next adds take them back: a key added and deleted over and over at a
 * node boundary allocates no page after the first time. The spares are
 * not in the tree (their free and alloc events fire as they leave and
 * rejoin it), never more than KHO_RADIX_SPARES, and go with the tree.
 */
TEST(emptied_nodes_are_kept_for_reuse)
{
	unsigned long live0 = shim_pages_live, far = encode_key(1UL << 39, 0), live;
	struct kho_radix_tree *tree = new_tree();
	struct walk_result w = {};
	int cycle;

	shim_trace_enabled = true;
	shim_trace_reset();
	ASSERT_EQ(kho_radix_add_key(tree, far), 0);
	kho_radix_del_key(tree, far);
	ASSERT_EQ(tree->nr_spare, LEVELS - 1);
	ASSERT_EQ(count_events(EV_NODE_FREE, 0), LEVELS - 1);
	live = shim_pages_live;
	ASSERT_EQ(live - live0, LEVELS);
	for (cycle = 0; cycle < 100; cycle++) {
		ASSERT_EQ(kho_radix_add_key(tree, far), 0);
		ASSERT_EQ(tree->nr_spare, 0);
		ASSERT_EQ(shim_pages_live, live);
		kho_radix_del_key(tree, far);
		ASSERT_EQ(tree->nr_spare, LEVELS - 1);
	}
	ASSERT_EQ(count_events(EV_NODE_ALLOC, 0), 101 * (LEVELS - 1));
	ASSERT_EQ(count_events(EV_NODE_FREE, 0), 101 * (LEVELS - 1));

	/*
	 * Two paths apart from the root (orders 0 and 9) emptied at once: the
	 * spares stay at one path's worth.
	 */
	ASSERT_EQ(kho_radix_add_key(tree, far), 0);
	ASSERT_EQ(kho_radix_add_key(tree, encode_key(0, 9)), 0);
	walk_tree(tree, &w);
	ASSERT_EQ(walk_total_nodes(&w), 1 + 2 * (LEVELS - 1));
	kho_radix_del_key(tree, far);
	kho_radix_del_key(tree, encode_key(0, 9));
	walk_tree(tree, &w);
	ASSERT_EQ(walk_total_nodes(&w), 1);
	ASSERT_EQ(tree->nr_spare, KHO_RADIX_SPARES);
	ASSERT_EQ(shim_pages_live - live0, 1 + KHO_RADIX_SPARES);
	ASSERT_EQ(shim_warnings, 0);
	shim_trace_enabled = false;
	free_tree(tree);
	ASSERT_EQ(shim_pages_live, live0);
	free(w.keys);
}

/* A tree built on a given root (the incoming one) never frees its nodes. */
TEST(tree_on_a_given_root_keeps_its_nodes)
{
	struct kho_radix_tree *src = new_tree(), tree = {};
	unsigned long live0, key = encode_key(0x4242, 0);
	struct walk_result w = {};

	struct kho_radix_counts counts;

	ASSERT_EQ(kho_radix_add_key(src, key), 0);
	ASSERT_EQ(kho_radix_init_tree(&tree, src->root), 0);
	/* It holds what another counted: it has no counts of its own. */
	ASSERT_EQ(kho_radix_tree_counts(&tree, &counts), -ENODATA);
	live0 = shim_pages_live;
	kho_radix_del_key(&tree, key);
	walk_tree(&tree, &w);
	ASSERT_EQ(w.nr, 0);
	ASSERT_EQ(walk_total_nodes(&w), LEVELS);
	ASSERT_EQ(shim_pages_live, live0);
	free_tree(src);	/* owns the nodes */
	free(w.keys);
}

#define NR_THREADS	4
#define THREAD_OPS	20000

struct worker {
	pthread_t thread;
	struct kho_radix_tree *tree;
	struct model m;
	unsigned long long rng;
	unsigned int id;
	bool batched;		/* BATCH keys per lock, with the _locked calls */
	bool failed;
};

static unsigned long worker_rnd(struct worker *wk)
{
	wk->rng ^= wk->rng >> 12;
	wk->rng ^= wk->rng << 25;
	wk->rng ^= wk->rng >> 27;
	return wk->rng * 0x2545f4914f6cdd1dULL;
}

/*
 * Odd threads add and delete in batches of BATCH keys under one lock, as
 * kho_preserve_pages() does; even threads take the lock for every key.
 */
#define BATCH		16

static void worker_lock(struct worker *wk, int i)
{
	if (wk->batched && i % BATCH == 0)
		kho_radix_lock(wk->tree);
}

static void worker_unlock(struct worker *wk, int i, bool last)
{
	if (wk->batched && (i % BATCH == BATCH - 1 || last))
		kho_radix_unlock(wk->tree);
}

static int worker_add(struct worker *wk, unsigned long key)
{
	return wk->batched ? kho_radix_add_key_locked(wk->tree, key)
			  : kho_radix_add_key(wk->tree, key);
}

static void worker_del(struct worker *wk, unsigned long key)
{
	if (wk->batched)
		kho_radix_del_key_locked(wk->tree, key);
	else
		kho_radix_del_key(wk->tree, key);
}

/*
 * Adds and deletes of the thread's own keys: every NR_THREADS-th pfn, so
 * that the threads share leaves and tables, and fill and empty them under
 * each other.
 */
static void *worker_ops(void *arg)
{
	struct worker *wk = arg;
	int i;

	for (i = 0; i < THREAD_OPS; i++) {
		unsigned long slot = worker_rnd(wk) % (1UL << 14);
		unsigned long span = worker_rnd(wk) % 8 ? 1 : 1UL << 12;
		unsigned long key = encode_key((slot * span) * NR_THREADS + wk->id, 0);
		bool found;

		worker_lock(wk, i);
		model_find(&wk->m, key, &found);
		if (found) {
			worker_del(wk, key);
			model_del(&wk->m, key);
		} else if (worker_add(wk, key)) {
			wk->failed = true;
			worker_unlock(wk, i, true);
			break;
		} else {
			model_add(&wk->m, key);
		}
		worker_unlock(wk, i, i == THREAD_OPS - 1);
	}
	return NULL;
}

static void *worker_empty(void *arg)
{
	struct worker *wk = arg;
	int i;

	for (i = 0; wk->m.nr; i++) {
		worker_lock(wk, i);
		worker_del(wk, wk->m.keys[wk->m.nr - 1]);
		wk->m.nr--;
		worker_unlock(wk, i, !wk->m.nr);
	}
	return NULL;
}

/* Workers on @tree, each with its own random stream; odd ones batched if @batched. */
static void init_workers(struct worker *wk, struct kho_radix_tree *tree,
			 unsigned long long seed, bool batched)
{
	int t;

	for (t = 0; t < NR_THREADS; t++) {
		wk[t].tree = tree;
		wk[t].id = t;
		wk[t].batched = batched && t % 2;
		wk[t].rng = seed * (t + 1);
	}
}

/* Run @fn in a thread per worker and wait for them all: 0, or pthread's error. */
static int run_workers(struct worker *wk, void *(*fn)(void *))
{
	int t, started, err = 0;

	for (started = 0; started < NR_THREADS && !err; started++)
		err = pthread_create(&wk[started].thread, NULL, fn, &wk[started]);
	if (err)
		started--;
	for (t = 0; t < started; t++)
		pthread_join(wk[t].thread, NULL);
	return err;
}

struct walker {
	struct kho_radix_tree *tree;
	bool stop;		/* __atomic: the main thread sets it */
	unsigned long walks;
	bool failed;
};

static void *walker_loop(void *arg)
{
	struct walker *wl = arg;
	struct walk_result w = {};

	while (!__atomic_load_n(&wl->stop, __ATOMIC_ACQUIRE)) {
		walk_tree(wl->tree, &w);
		if (w.ret || !w.ascending)
			wl->failed = true;
		wl->walks++;
		usleep(1000);	/* a walk holds the lock: let the others in */
	}
	free(w.keys);
	return NULL;
}

/*
 * Threads adding and deleting keys that share leaves, one key or a batch
 * per lock, and a thread walking all along: every walk is whole and ordered, the final tree holds exactly
 * the union of the threads' keys in the fewest nodes, and emptying it from
 * all threads at once leaves the root alone.
 */
TEST(concurrent_adds_deletes_and_walks)
{
	unsigned long live0 = shim_pages_live;
	struct kho_radix_tree *tree = new_tree();
	struct worker wk[NR_THREADS] = {};
	struct walker wl = { .tree = tree };
	struct walk_result w = {};
	struct model all = {};
	pthread_t walker;
	size_t k;
	int t;

	ASSERT_EQ(pthread_create(&walker, NULL, walker_loop, &wl), 0);
	init_workers(wk, tree, 0x9e3779b97f4a7c15ULL, true);
	ASSERT_EQ(run_workers(wk, worker_ops), 0);
	__atomic_store_n(&wl.stop, true, __ATOMIC_RELEASE);
	pthread_join(walker, NULL);
	ASSERT_TRUE(!wl.failed);
	ASSERT_TRUE(wl.walks > 0);

	for (t = 0; t < NR_THREADS; t++) {
		ASSERT_TRUE(!wk[t].failed);
		for (k = 0; k < wk[t].m.nr; k++)
			model_add(&all, wk[t].m.keys[k]);
	}
	walk_tree(tree, &w);
	ASSERT_TRUE(walk_matches(&w, &all));
	ASSERT_TRUE(walk_nodes_minimal(&w, &all, live0));
	ASSERT_TRUE(counts_match_walk(tree, &w));

	ASSERT_EQ(run_workers(wk, worker_empty), 0);
	walk_tree(tree, &w);
	ASSERT_EQ(w.nr, 0);
	ASSERT_EQ(walk_total_nodes(&w), 1);
	ASSERT_TRUE(counts_match_walk(tree, &w));
	ASSERT_EQ(shim_pages_live - live0, 1 + tree->nr_spare);
	ASSERT_EQ(shim_warnings, 0);

	free_tree(tree);
	ASSERT_EQ(shim_pages_live, live0);
	for (t = 0; t < NR_THREADS; t++)
		model_free(&wk[t].m);
	model_free(&all);
	free(w.keys);
}

/*
 * Keys added or deleted under a lock the caller holds fire no end events
 * (the caller reports the batch as a whole), only one kho_radix_key_add or
 * kho_radix_key_del per key that changed the tree.
 */
TEST(locked_changes_fire_one_key_event_each)
{
	struct kho_radix_tree *tree = new_tree();
	unsigned long i, adds = 0, dels = 0, other = 0;
	size_t e;

	shim_trace_enabled = true;
	shim_trace_reset();
	kho_radix_lock(tree);
	for (i = 0; i < 100; i++)
		ASSERT_EQ(kho_radix_add_key_locked(tree, encode_key(i * 3, 0)), 0);
	for (i = 0; i < 10; i++)	/* present already: nothing changes */
		ASSERT_EQ(kho_radix_add_key_locked(tree, encode_key(i * 3, 0)), 0);
	for (i = 0; i < 40; i++)
		kho_radix_del_key_locked(tree, encode_key(i * 3, 0));
	kho_radix_unlock(tree);
	shim_trace_enabled = false;
	for (e = 0; e < shim_nr_events; e++) {
		if (shim_events[e].type == EV_KEY_ADD)
			adds++;
		else if (shim_events[e].type == EV_KEY_DEL)
			dels++;
		else if (shim_events[e].type != EV_NODE_ALLOC && shim_events[e].type != EV_NODE_FREE)
			other++;
	}
	ASSERT_EQ(adds, 100);
	ASSERT_EQ(dels, 40);
	ASSERT_EQ(other, 0);
	shim_trace_reset();
	free_tree(tree);
}

struct counter {
	struct kho_radix_tree *tree;
	bool stop;		/* __atomic: the main thread sets it */
	unsigned long reads;
};

static void *counter_loop(void *arg)
{
	struct kho_radix_counts counts;
	struct counter *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		kho_radix_tree_counts(c->tree, &counts);
		c->reads++;
	}
	return NULL;
}

/*
 * What khoscope relies on: a tracer that tallies the changes the single-key
 * end events and the node events report agrees with every counts event,
 * while threads change the tree under it. Every one of those events fires
 * under the tree lock, so the shim records them in the lock's order.
 */
TEST(counts_events_agree_with_the_traced_changes)
{
	struct kho_radix_tree *tree = new_tree();
	struct worker wk[NR_THREADS] = {};
	struct counter c = { .tree = tree };
	unsigned long checked = 0;
	long keys = 0, nodes = 1;	/* the root, allocated before tracing */
	pthread_t counter;
	size_t i;
	int t;

	shim_trace_enabled = true;
	shim_yield_on_unlock = true;
	shim_trace_reset();
	ASSERT_EQ(pthread_create(&counter, NULL, counter_loop, &c), 0);
	init_workers(wk, tree, 0xc2b2ae3d27d4eb4fULL, false);
	ASSERT_EQ(run_workers(wk, worker_ops), 0);
	__atomic_store_n(&c.stop, true, __ATOMIC_RELEASE);
	pthread_join(counter, NULL);
	shim_trace_enabled = false;
	shim_yield_on_unlock = false;

	for (i = 0; i < shim_nr_events; i++) {
		const struct shim_trace_event *e = &shim_events[i];

		switch (e->type) {
		case EV_NODE_ALLOC:
			nodes++;
			break;
		case EV_NODE_FREE:
			nodes--;
			break;
		case EV_PRESERVE_END:
			keys += e->x[SHIM_X_CHANGED];
			break;
		case EV_UNPRESERVE_END:
			keys -= e->x[SHIM_X_CHANGED];
			break;
		case EV_COUNTS:
			ASSERT_EQ(e->a, keys);
			ASSERT_EQ(e->b, nodes);
			checked++;
			break;
		default:
			break;
		}
	}
	ASSERT_TRUE(checked > 10);
	ASSERT_EQ(checked, c.reads);
	for (t = 0; t < NR_THREADS; t++) {
		ASSERT_TRUE(!wk[t].failed);
		model_free(&wk[t].m);
	}
	shim_trace_reset();
	free_tree(tree);
}

int main(int argc, char **argv)
{
	return run_tests(argc > 1 ? argv[1] : NULL);
}
