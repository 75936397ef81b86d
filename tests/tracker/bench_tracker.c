// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the KHO radix tree built in user space, against the floor:
 * a flat bitmap per order, indexed directly by pfn.
 *
 * Usage: bench_tracker VARIANT [SIZE_GIB...]
 *        bench_tracker VARIANT --insns LAYOUT ORDER GIB [batch]
 *   VARIANT names the tree source this binary was built from (baseline,
 *   current: both built with the events compiled out, SHIM_EVENTS_OFF, as
 *   a static key leaves them); "events" runs the current tree with every
 *   event on, counted and not recorded (a binary built without
 *   SHIM_EVENTS_OFF): what the events' own work costs, clock reads
 *   included; "floor" runs the flat bitmap instead. --insns adds then
 *   deletes one workload once, single-threaded, for callgrind to count the
 *   instructions of run_job() (scripts/bench does that); "batch" adds
 *   and deletes BATCH_KEYS keys per lock.
 * Environment: BENCH_REPEAT (runs per figure, default 5).
 *
 * Prints one JSON object per figure on stdout, the median of the runs:
 *   {"variant","layout","gib","order","threads","metric","value","unit"}
 */
#include <time.h>
#include "tracker.h"

#define MAX_THREADS 2
#define MAX_BENCH_ORDER 10	/* MAX_PAGE_ORDER on x86 */

static bool use_floor;
static int repeat = 5;
static const char *variant;

/* --- the floor: a flat bitmap per order ------------------------------- */

struct flat {
	unsigned long *bits[19];
	unsigned long nbits[19];
	pthread_mutex_t lock;
};

static struct flat *flat_new(unsigned long pages)
{
	struct flat *f = calloc(1, sizeof(*f));
	unsigned int o;

	for (o = 0; o < 19; o++) {
		f->nbits[o] = (pages >> o) + 1;
		f->bits[o] = calloc(BITS_TO_LONGS(f->nbits[o]), sizeof(unsigned long));
	}
	pthread_mutex_init(&f->lock, NULL);
	return f;
}

static void flat_free(struct flat *f)
{
	unsigned int o;

	for (o = 0; o < 19; o++)
		free(f->bits[o]);
	free(f);
}

/* What a variant stores keys in: a new tree, or the floor's flat bitmaps. */
static struct flat *store_new(struct kho_radix_tree *tree, unsigned long pages)
{
	if (use_floor)
		return flat_new(pages);
	kho_radix_init_tree(tree, NULL);
	return NULL;
}

static void store_free(struct kho_radix_tree *tree, struct flat *flat)
{
	if (use_floor)
		flat_free(flat);
	else
		kho_radix_destroy_tree(tree);
}

static unsigned long flat_bytes(const struct flat *f, unsigned int max_order)
{
	unsigned long b = 0;
	unsigned int o;

	for (o = 0; o <= max_order; o++)
		b += BITS_TO_LONGS(f->nbits[o]) * sizeof(unsigned long);
	return b;
}

/* --- workloads ---------------------------------------------------------- */

struct item {
	unsigned long pfn;
	unsigned int order;
};

struct workload {
	struct item *items;
	size_t nr;
	unsigned long pages;	/* pfn span */
};

static unsigned long long rng = 88172645463325252ULL;

static unsigned long rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * gib of preserved memory, in blocks of 2^order pages: dense (adjacent),
 * strided (every other block), random (a quarter of the blocks of four
 * times the span, inserted in random order), mixed (consecutive blocks of
 * random orders 0..9, inserted in random order).
 */
static void make_workload(struct workload *w, const char *layout, unsigned int order,
			  unsigned long gib)
{
	unsigned long pages = gib << (30 - PAGE_SHIFT), i, n = pages >> order;

	w->items = calloc(n + 1, sizeof(*w->items));
	w->nr = 0;
	if (!strcmp(layout, "dense")) {
		for (i = 0; i < n; i++)
			w->items[w->nr++] = (struct item){ i << order, order };
		w->pages = pages;
	} else if (!strcmp(layout, "strided")) {
		for (i = 0; i < n; i++)
			w->items[w->nr++] = (struct item){ (2 * i) << order, order };
		w->pages = 2 * pages;
	} else if (!strcmp(layout, "random")) {
		unsigned char *used = calloc(4 * n, 1);

		while (w->nr < n) {
			unsigned long b = rnd() % (4 * n);

			if (used[b])
				continue;
			used[b] = 1;
			w->items[w->nr++] = (struct item){ b << order, order };
		}
		free(used);
		w->pages = 4 * pages;
	} else {	/* mixed */
		unsigned long pfn = 0;

		while (pfn < pages) {
			unsigned int o = rnd() % 10;

			pfn = (pfn + (1UL << o) - 1) & ~((1UL << o) - 1);
			if (pfn + (1UL << o) > pages)
				break;
			w->items[w->nr++] = (struct item){ pfn, o };
			pfn += 1UL << o;
			if (w->nr > n)
				break;
		}
		w->pages = pages;
	}
	if (strcmp(layout, "dense") && strcmp(layout, "strided")) {
		for (i = w->nr; i > 1; i--) {
			unsigned long j = rnd() % i;
			struct item t = w->items[i - 1];

			w->items[i - 1] = w->items[j];
			w->items[j] = t;
		}
	}
}

/* --- timing ------------------------------------------------------------- */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void emit(const char *layout, unsigned long gib, int order, int threads,
		 const char *metric, double value, const char *unit)
{
	printf("{\"variant\":\"%s\",\"layout\":\"%s\",\"gib\":%lu,\"order\":%d,\"threads\":%d,"
	       "\"metric\":\"%s\",\"value\":%.3f,\"unit\":\"%s\"}\n",
	       variant, layout, gib, order, threads, metric, value, unit);
	fflush(stdout);
}

struct job {
	const struct workload *w;
	struct kho_radix_tree *tree;
	struct flat *flat;
	int thread, threads;
	bool del;
	unsigned int batch;	/* keys per lock, as kho_preserve_pages() does; 0: one */
};

#define BATCH_KEYS	512	/* about a vmalloc chunk's worth of pages */

#ifdef SHIM_STOCK
/*
 * Stock 7.3 has no batch API: its kho_preserve_pages() takes the lock for
 * every key, and so does the baseline's batch.
 */
#define kho_radix_lock(tree)			((void)(tree))
#define kho_radix_unlock(tree)			((void)(tree))
#define kho_radix_add_key_locked(tree, key)	kho_radix_add_key(tree, key)
#define kho_radix_del_key_locked(tree, key)	kho_radix_del_key(tree, key)
#endif

/* A batch of keys under one lock. */
static void run_batch(struct job *j, size_t first)
{
	size_t i, end = first + (size_t)j->batch * j->threads;

	if (end > j->w->nr)
		end = j->w->nr;
	if (use_floor)
		pthread_mutex_lock(&j->flat->lock);
	else
		kho_radix_lock(j->tree);
	for (i = first; i < end; i += j->threads) {
		const struct item *it = &j->w->items[i];
		unsigned long bit = it->pfn >> it->order;

		if (use_floor && j->del)
			__clear_bit(bit, j->flat->bits[it->order]);
		else if (use_floor)
			__set_bit(bit, j->flat->bits[it->order]);
		else if (j->del)
			kho_radix_del_key_locked(j->tree, encode_key(it->pfn, it->order));
		else if (kho_radix_add_key_locked(j->tree, encode_key(it->pfn, it->order)))
			abort();
	}
	if (use_floor)
		pthread_mutex_unlock(&j->flat->lock);
	else
		kho_radix_unlock(j->tree);
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	size_t i;

	if (j->batch) {
		for (i = j->thread; i < j->w->nr; i += (size_t)j->batch * j->threads)
			run_batch(j, i);
		return NULL;
	}
	for (i = j->thread; i < j->w->nr; i += j->threads) {
		const struct item *it = &j->w->items[i];

		if (use_floor) {
			unsigned long bit = it->pfn >> it->order;

			pthread_mutex_lock(&j->flat->lock);
			if (j->del)
				__clear_bit(bit, j->flat->bits[it->order]);
			else
				__set_bit(bit, j->flat->bits[it->order]);
			pthread_mutex_unlock(&j->flat->lock);
		} else if (j->del) {
			kho_radix_del_key(j->tree, encode_key(it->pfn, it->order));
		} else if (kho_radix_add_key(j->tree, encode_key(it->pfn, it->order))) {
			abort();
		}
	}
	return NULL;
}

/* Add (or delete) the whole workload in this thread. */
static void run_phase_inline(const struct workload *w, struct kho_radix_tree *tree,
			     struct flat *flat, bool del)
{
	struct job job = { w, tree, flat, 0, 1, del, 0 };

	run_job(&job);
}

/* Add (or delete) the whole workload with threads, in batches; return ns. */
static double run_phase_batch(const struct workload *w, struct kho_radix_tree *tree,
			      struct flat *flat, int threads, bool del, unsigned int batch)
{
	pthread_t tid[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	double t0 = now_ns();
	int t;

	for (t = 0; t < threads; t++) {
		jobs[t] = (struct job){ w, tree, flat, t, threads, del, batch };
		pthread_create(&tid[t], NULL, run_job, &jobs[t]);
	}
	for (t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	return now_ns() - t0;
}

static double run_phase(const struct workload *w, struct kho_radix_tree *tree,
			struct flat *flat, int threads, bool del)
{
	return run_phase_batch(w, tree, flat, threads, del, 0);
}

static int count_leaf(unsigned long key, void *data)
{
	(*(unsigned long *)data)++;
	return 0;
}

static double walk_ns(struct kho_radix_tree *tree, struct flat *flat, unsigned int max_order)
{
	const struct kho_radix_walk_cb cb = { .leaf = count_leaf };
	unsigned long keys = 0, bit;
	double t0 = now_ns();
	unsigned int o;

	if (!use_floor) {
		kho_radix_walk_tree(tree, &cb, &keys);
		return now_ns() - t0;
	}
	for (o = 0; o <= max_order; o++)
		for_each_set_bit(bit, flat->bits[o], flat->nbits[o])
			keys++;
	return now_ns() - t0;
}

static void bench(const char *layout, unsigned int order, unsigned long gib)
{
	int label = strcmp(layout, "mixed") ? (int)order : -1;
	double add[2][16], del[2][16], walk[16];
	unsigned long node_pages = 0, minimal[LEVELS], min_total = 0, held = 0, spare = 0;
	int threads, r, l, cycles = 4;
	struct workload w;
	struct model m = {};
	size_t i;

	make_workload(&w, layout, order, gib);
	for (threads = 1; threads <= MAX_THREADS; threads++) {
		for (r = 0; r < repeat; r++) {
			unsigned long live0 = shim_pages_live;
			struct kho_radix_tree tree = {};
			struct flat *flat = store_new(&tree, w.pages);
			add[threads - 1][r] = run_phase(&w, &tree, flat, threads, false) / w.nr;
			if (threads == 1) {
				walk[r] = walk_ns(&tree, flat, 18) / w.nr;
				node_pages = use_floor ? flat_bytes(flat, 18) / PAGE_SIZE
						       : shim_pages_live - live0;
			}
			del[threads - 1][r] = run_phase(&w, &tree, flat, threads, true) / w.nr;
			if (threads == 1 && r == 0) {
				int c;

				/* Preserve/unpreserve cycles: what stays allocated. */
				for (c = 0; c < cycles; c++) {
					run_phase(&w, &tree, flat, 1, false);
					run_phase(&w, &tree, flat, 1, true);
				}
				held = use_floor ? flat_bytes(flat, 18) / PAGE_SIZE
						 : shim_pages_live - live0;
#ifndef SHIM_STOCK
				/* Spares (patch 0015) are held but not in the tree. */
				if (!use_floor) {
					spare = tree.nr_spare;
					held -= spare;
				}
#endif
			}
			store_free(&tree, flat);
		}
		emit(layout, gib, label, threads, "add_ns", median(add[threads - 1], repeat), "ns/op");
		emit(layout, gib, label, threads, "del_ns", median(del[threads - 1], repeat), "ns/op");
	}
	emit(layout, gib, label, 1, "walk_ns_per_key", median(walk, repeat), "ns/key");

	/* The model, built at once: sorted distinct keys. */
	m.keys = malloc(w.nr * sizeof(*m.keys));
	for (i = 0; i < w.nr; i++)
		m.keys[i] = encode_key(w.items[i].pfn, w.items[i].order);
	qsort(m.keys, w.nr, sizeof(*m.keys), cmp_ulong);
	m.nr = w.nr;
	minimal_nodes(&m, minimal);
	for (l = 0; l < LEVELS; l++)
		min_total += minimal[l];
	emit(layout, gib, label, 1, "node_pages_per_gib", (double)node_pages / gib, "pages/GiB");
	emit(layout, gib, label, 1, "minimal_node_pages_per_gib", (double)min_total / gib, "pages/GiB");
	emit(layout, gib, label, 1, "node_pages_after_cycles", held, "pages");
	emit(layout, gib, label, 1, "spare_pages_after_cycles", spare, "pages");
	model_free(&m);
	free(w.items);
}

/*
 * Batches of BATCH_KEYS keys under one lock, as kho_preserve_pages() and
 * kho_preserve_vmalloc() add them, with one and two threads.
 */
static void bench_batch(const char *layout, unsigned long gib)
{
	double add[16], del[16];
	struct workload w;
	int threads, r;

	make_workload(&w, layout, 0, gib);
	for (threads = 1; threads <= MAX_THREADS; threads++) {
		for (r = 0; r < repeat; r++) {
			struct kho_radix_tree tree = {};
			struct flat *flat = store_new(&tree, w.pages);

			add[r] = run_phase_batch(&w, &tree, flat, threads, false, BATCH_KEYS) / w.nr;
			del[r] = run_phase_batch(&w, &tree, flat, threads, true, BATCH_KEYS) / w.nr;
			store_free(&tree, flat);
		}
		emit(layout, gib, 0, threads, "batch_add_ns", median(add, repeat), "ns/op");
		emit(layout, gib, 0, threads, "batch_del_ns", median(del, repeat), "ns/op");
	}
	free(w.items);
}

/*
 * Thrash: one key added and deleted over and over next to 1 GiB of dense
 * order-0 keys, where its add needs a new leaf ("leaf": the pfn right after
 * them) or a new path of four tables and a leaf ("path": far away). A
 * tree that frees empty nodes allocates and frees them on every cycle.
 */
static void bench_thrash(void)
{
	static const struct { const char *name; unsigned long pfn; } where[] = {
		{ "thrash_leaf_ns", 1UL << 18 },
		{ "thrash_path_ns", 1UL << 39 },
	};
	const unsigned long cycles = 200000;
	struct workload w;
	unsigned int k;
	int r;

	make_workload(&w, "dense", 0, 1);
	/* The floor has no nodes: where the key lies makes no difference. */
	for (k = 0; k < (use_floor ? 1 : ARRAY_SIZE(where)); k++) {
		unsigned long key = encode_key(where[k].pfn, 0), c;
		double v[16];

		for (r = 0; r < repeat; r++) {
			struct kho_radix_tree tree = {};
			struct flat *flat = NULL;
			struct item it = { where[k].pfn, 0 };
			struct workload one = { &it, 1, where[k].pfn + 1 };
			double t0;

			if (use_floor) {
				flat = flat_new(where[k].pfn + 1);
				t0 = now_ns();
				for (c = 0; c < cycles; c++) {
					run_phase_inline(&one, NULL, flat, false);
					run_phase_inline(&one, NULL, flat, true);
				}
				v[r] = (now_ns() - t0) / cycles;
				flat_free(flat);
				continue;
			}
			kho_radix_init_tree(&tree, NULL);
			run_phase(&w, &tree, NULL, 1, false);
			t0 = now_ns();
			for (c = 0; c < cycles; c++) {
				if (kho_radix_add_key(&tree, key))
					abort();
				kho_radix_del_key(&tree, key);
			}
			v[r] = (now_ns() - t0) / cycles;
			kho_radix_destroy_tree(&tree);
		}
		emit("thrash", 1, 0, 1, where[k].name, median(v, repeat), "ns/cycle");
	}
	free(w.items);
}

/*
 * One add phase and one delete phase, for instruction counting; in batches
 * of @batch keys under one lock unless it is 0.
 */
static int insns_only(const char *layout, unsigned int order, unsigned long gib,
		      unsigned int batch)
{
	struct kho_radix_tree tree = {};
	struct flat *flat;
	struct workload w;

	make_workload(&w, layout, order, gib);
	flat = store_new(&tree, w.pages);
	run_phase_batch(&w, &tree, flat, 1, false, batch);
	run_phase_batch(&w, &tree, flat, 1, true, batch);
	printf("{\"ops\":%zu,\"events\":%zu}\n", 2 * w.nr, shim_nr_events);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const layouts[] = { "dense", "strided", "random" };
	static const unsigned int orders[] = { 0, 9 };
	unsigned long sizes[8] = { 1, 16 };
	int nsizes = 2, a, s, li, oi;

	if (argc < 2 || (strcmp(argv[1], "baseline") && strcmp(argv[1], "current") &&
			 strcmp(argv[1], "events") && strcmp(argv[1], "floor"))) {
		fprintf(stderr, "usage: %s baseline|current|events|floor [SIZE_GIB...]\n"
			"       %s baseline|current|events|floor --insns LAYOUT ORDER GIB [batch]\n",
			argv[0], argv[0]);
		return 2;
	}
	variant = argv[1];
	use_floor = !strcmp(variant, "floor");
	if (!strcmp(variant, "events")) {
#ifdef SHIM_EVENTS_OFF
		fprintf(stderr, "%s: built with the events compiled out: use bench_events\n",
			argv[0]);
		return 2;
#endif
		shim_trace_enabled = true;
		shim_trace_count_only = true;
	}
	if (getenv("BENCH_REPEAT"))
		repeat = atoi(getenv("BENCH_REPEAT"));
	if (repeat < 1 || repeat > 16) {
		fprintf(stderr, "BENCH_REPEAT must be 1..16\n");
		return 2;
	}
	if ((argc == 6 || argc == 7) && !strcmp(argv[2], "--insns"))
		return insns_only(argv[3], strtoul(argv[4], NULL, 10), strtoul(argv[5], NULL, 10),
				  argc == 7 ? BATCH_KEYS : 0);
	if (argc > 2) {
		nsizes = 0;
		for (a = 2; a < argc && nsizes < 8; a++) {
			sizes[nsizes] = strtoul(argv[a], NULL, 10);
			if (!sizes[nsizes] || sizes[nsizes] > 64) {
				fprintf(stderr, "SIZE_GIB must be 1..64, not '%s'\n", argv[a]);
				return 2;
			}
			nsizes++;
		}
	}
	for (s = 0; s < nsizes; s++) {
		/* Every order densely; the sparse layouts at the two extremes. */
		for (oi = 0; oi <= MAX_BENCH_ORDER; oi++)
			bench("dense", oi, sizes[s]);
		for (li = 1; li < 3; li++)
			for (oi = 0; oi < 2; oi++)
				bench(layouts[li], orders[oi], sizes[s]);
		bench("mixed", 0, sizes[s]);
		bench_batch("dense", sizes[s]);
		bench_batch("random", sizes[s]);
	}
	bench_thrash();
	return 0;
}
