// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* text.c - the text report: bcc-style log2 histograms and the memory table */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "report.h"

/* The layout of bcc libbpf-tools' print_log2_hist(). */
#define STARS_MAX 40

static void print_stars(FILE *f, __u64 val, __u64 val_max, int width)
{
	int num_stars = val_max ? (int)(val * width / val_max) : 0;
	int num_spaces = width - num_stars;
	bool need_plus = val > val_max;
	int i;

	if (num_stars > width)
		num_stars = width;
	for (i = 0; i < num_stars; i++)
		fputc('*', f);
	for (i = 0; i < num_spaces; i++)
		fputc(' ', f);
	if (need_plus)
		fputc('+', f);
}

void ks_print_log2_hist(FILE *f, const __u64 *slots, unsigned int nr,
			const char *val_type)
{
	int idx_max = -1;
	unsigned int i;
	__u64 val_max = 0;
	bool wide;

	for (i = 0; i < nr; i++) {
		if (slots[i] > 0)
			idx_max = i;
		if (slots[i] > val_max)
			val_max = slots[i];
	}
	if (idx_max < 0)
		return;

	/* Past 2^32 bcc widens the columns and halves the stars. */
	wide = idx_max > 32;
	fprintf(f, "%*s%-*s : count    distribution\n", wide ? 15 : 5, "",
		wide ? 29 : 19, val_type);
	for (i = 0; i <= (unsigned int)idx_max; i++) {
		fprintf(f, "%*llu -> %-*llu : %-8llu |",
			wide ? 20 : 10, ks_slot_min(i), wide ? 20 : 10, ks_slot_max(i), slots[i]);
		print_stars(f, slots[i], val_max, wide ? STARS_MAX / 2 : STARS_MAX);
		fprintf(f, "|\n");
	}
}

static void print_human_ns(FILE *f, double ns)
{
	if (ns >= 1e9)
		fprintf(f, "%.2f s", ns / 1e9);
	else if (ns >= 1e6)
		fprintf(f, "%.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		fprintf(f, "%.2f us", ns / 1e3);
	else
		fprintf(f, "%.0f ns", ns);
}

static __u64 total_lost(const struct ks_snapshot *d)
{
	__u64 n = 0;
	unsigned int i;

	for (i = 0; i < KS_NR_LOST; i++)
		n += d->lost[i];
	return n;
}


/*
 * "p50 1.20 us, p90 ..., p99 ...": estimated inside the log2 slots, but
 * exact for one value when @sum (negative: unknown) is its sum.
 */
static void print_percentiles(FILE *f, const __u64 *slots, double sum)
{
	unsigned int i;
	__u64 n = 0;

	for (i = 0; i < KHOSCOPE_NR_SLOTS; i++)
		n += slots[i];
	for (i = 0; i < ARRAY_SIZE(ks_percentiles); i++) {
		fprintf(f, "%sp%.0f ", i ? ", " : "", ks_percentiles[i]);
		print_human_ns(f, ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, sum,
						     ks_percentiles[i]));
	}
	fprintf(f, n == 1 && sum >= 0 ? " (one call: its time)\n" :
		" (estimated within the log2 buckets)\n");
}

/* The --callers table: calls of the preservation API since start. */
static void print_callers(FILE *f, const struct ks_report *r)
{
	unsigned int i;

	fprintf(f, "preservation API calls since start, by caller (all trees)\n");
	fprintf(f, "  %-36s %-18s %8s %6s %10s %10s %10s %10s\n", "caller", "call", "calls",
		"errors", "keys", "pages", "avg", "p99");
	for (i = 0; i < r->nr_callers; i++) {
		const struct ks_caller *c = &r->callers[i];

		fprintf(f, "  %-36s %-18s %8llu %6llu %10llu %10llu ", c->name,
			ks_api_op_name(c->op), (unsigned long long)c->c.calls,
			(unsigned long long)c->c.errors, (unsigned long long)c->c.keys,
			(unsigned long long)c->c.pages);
		print_human_ns(f, c->c.calls ? (double)c->c.sum_ns / c->c.calls : 0);
		fputc(' ', f);
		print_human_ns(f, ks_hist_percentile(c->c.slots, KHOSCOPE_NR_SLOTS, c->c.sum_ns, 99));
		fputc('\n', f);
	}
	if (!r->nr_callers)
		fprintf(f, "  (none)\n");
}

/*
 * Batches: the holds of the lock, their durations, the time per key, and
 * the pages each hold preserved or released (bcc's bitesize, for KHO).
 */
static void print_batch(FILE *f, const struct khoscope_batch *b, __u64 holds,
			unsigned int op, unsigned int order)
{
	fprintf(f, "\n%s batches, order %u: %llu keys, %llu holds of the lock", ks_op_name(op),
		order, (unsigned long long)b->keys, (unsigned long long)holds);
	if (!holds) {
		/* Its keys were in holds that began with a key of another order. */
		fprintf(f, " (its keys were in holds counted under other orders)\n");
		return;
	}
	fprintf(f, ", %llu errors, avg ", (unsigned long long)b->errors);
	/* The timed holds alone: an untimed one has no duration. */
	print_human_ns(f, holds > b->untimed ? (double)b->sum_ns / (holds - b->untimed) : 0);
	fprintf(f, " per hold, ");
	print_human_ns(f, b->keys ? (double)b->sum_ns / b->keys : 0);
	fprintf(f, " per key");
	if (b->untimed)
		fprintf(f, ", %llu untimed", (unsigned long long)b->untimed);
	fprintf(f, "\n");
	ks_print_log2_hist(f, b->slots, KHOSCOPE_NR_SLOTS, "nsecs/hold");
	ks_print_log2_hist(f, b->key_slots, KHOSCOPE_NR_SLOTS, "nsecs/key");
	ks_print_log2_hist(f, b->size_slots, KHOSCOPE_NR_SLOTS, "pages/hold");
}

static __u64 sum_u64(const __u64 *v, unsigned int n)
{
	__u64 sum = 0;

	while (n--)
		sum += v[n];
	return sum;
}

/*
 * What a text run says first: which tree, how often, the baseline, and the
 * boot's restore walk. @tree: the tree shown (0: every tree).
 */
void ks_print_header(FILE *f, const struct ks_counts *base, const struct ks_restore *restore,
		     long tree, unsigned long interval)
{
	const struct khoscope_counts_event *c = &base->ev;

	if (tree)
		fprintf(f, "Tracing the KHO radix tree (tree %ld)... ", tree);
	else
		fprintf(f, "Tracing every KHO radix tree... ");
	if (interval)
		fprintf(f, "Reporting every %lu s. Hit Ctrl-C to end.\n", interval);
	else
		fprintf(f, "Hit Ctrl-C to end.\n");
	fprintf(f, "baseline: tree %u, as the tree counts it: %llu keys in %llu nodes\n", c->tree,
		(unsigned long long)(sum_u64(c->keys, KHOSCOPE_NR_ORDERS) + c->keys_beyond),
		(unsigned long long)sum_u64(c->nodes, KHOSCOPE_NR_LEVELS));
	if (tree > 0 && (unsigned int)tree != c->tree)
		fprintf(f, "tree %ld: khoscope cannot read its counts (only tree %u's): its memory "
			"figures are the changes since start\n", tree, c->tree);
	if (restore->valid)
		fprintf(f, "boot restore: walk %.3f ms (ret %d, %llu runs reserved), scratch extension %.3f ms (ret %d), %llu busy blocks\n",
			restore->retrieve_ns / 1e6, restore->retrieve_ret,
			(unsigned long long)restore->runs,
			restore->extend_ns / 1e6, restore->extend_ret,
			(unsigned long long)restore->busy_blocks);
	if (restore->valid && restore->bulk_failures)
		fprintf(f, "boot restore: %llu batches could not be reserved at once; their %llu runs were reserved one at a time\n",
			(unsigned long long)restore->bulk_failures,
			(unsigned long long)restore->runs_one_by_one);
	fflush(f);
}

void ks_print_text(FILE *f, const struct ks_report *r)
{
	const struct ks_snapshot *d = r->delta;
	const struct ks_walks *w = &d->walks[r->tree];
	unsigned int op, o, l, i, t = r->tree;
	bool any = false;

	fprintf(f, "\n=== tree %u (%s) ===\n", t, ks_tree_role(t, r->out_tree, r->restore));
	for (op = 0; op < KHOSCOPE_NR_OPS; op++) {
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
			const struct khoscope_hist *h = &d->hist[t][op][o];
			__u64 calls = ks_hist_calls(h);

			if (!ks_shown(r, op, o) || !calls)
				continue;
			any = true;
			fprintf(f, "\n%s, order %u: %llu calls, %llu errors, avg ",
				ks_op_name(op), o, calls, h->errors);
			/* The average of the timed calls, as the histogram shows. */
			print_human_ns(f, ks_hist_timed(h) ?
				       (double)h->sum_ns / ks_hist_timed(h) : 0);
			fprintf(f, ", total ");
			print_human_ns(f, (double)h->sum_ns);
			if (h->unchanged)
				fprintf(f, ", %llu already present", h->unchanged);
			if (h->untimed)
				fprintf(f, ", %llu untimed", h->untimed);
			fprintf(f, "\n");
			print_percentiles(f, h->slots, h->sum_ns);
			ks_print_log2_hist(f, h->slots, KHOSCOPE_NR_SLOTS, "nsecs");
		}
	}
	for (op = 0; op < KHOSCOPE_NR_OPS; op++) {
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
			const struct khoscope_batch *b = &d->batch[t][op][o];
			__u64 holds = ks_batch_holds(b);

			if (!ks_shown(r, op, o) || (!holds && !b->keys))
				continue;
			any = true;
			print_batch(f, b, holds, op, o);
		}
	}
	if (!any)
		fprintf(f, "\nno preserve or unpreserve calls in this interval\n");

	for (i = 0, any = false; i < d->nr_errors; i++) {
		const struct ks_error *e = &d->errors[i];

		if (!ks_error_shown(r, e))
			continue;
		if (!any)
			fprintf(f, "\nerrors:\n");
		any = true;
		fprintf(f, "  %s order %u: %s (%d) x %llu\n", ks_op_name(e->key.op),
			e->key.order, strerror(-e->key.err), e->key.err, e->count);
	}

	if (r->memory) {
		const struct ks_memory *m = r->memory;

		if (m->counted)
			fprintf(f, "\npreserved memory (tree %u, as the tree counts it)\n", t);
		else
			fprintf(f, "\npreserved memory (tree %u: khoscope cannot read its counts; "
				"changes since start)\n", t);
		fprintf(f, "  %5s %12s %12s %16s\n", "order", "keys", "pages", "bytes");
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++)
			if (m->keys[o])
				fprintf(f, "  %5u %12lld %12lld %16lld\n", o,
					(long long)m->keys[o], (long long)m->keys[o] * (1LL << o),
					(long long)m->keys[o] * (1LL << o) * (1LL << KHOSCOPE_PAGE_SHIFT));
		fprintf(f, "  %5s %12s %12lld %16lld\n", "total", "",
			(long long)m->preserved_pages, (long long)m->preserved_bytes);
		fprintf(f, "radix tree nodes\n");
		fprintf(f, "  %5s %12s %16s %12s %12s\n", "level", "nodes", "bytes",
			"+alloc", "-free");
		for (l = KHOSCOPE_NR_LEVELS; l-- > 0;)
			fprintf(f, "  %5u %12lld %16lld %12llu %12llu\n",
				l, (long long)m->nodes[l],
				(long long)m->nodes[l] * KHOSCOPE_NODE_SIZE,
				(unsigned long long)d->tally[t].alloc[l],
				(unsigned long long)d->tally[t].free[l]);
		fprintf(f, "  %5s %12s %16lld\n", "total", "", (long long)m->node_bytes);
		if (m->spare_nodes)
			fprintf(f, "  %5s %12lld %16lld  (emptied, kept for the next adds)\n",
				"spare", (long long)m->spare_nodes, (long long)m->spare_bytes);
		fprintf(f, "overhead: %.4g (node and spare bytes / preserved bytes)\n",
			m->overhead_ratio);
		if (m->unseen_keys || m->unseen_nodes)
			fprintf(f, "lost: the counts show %llu key and %llu node changes "
				"that no event reported (see docs/output.md, \"Lost events\")\n",
				(unsigned long long)m->unseen_keys,
				(unsigned long long)m->unseen_nodes);
	}

	if (w->count) {
		fprintf(f, "walks: %llu, avg ", w->count);
		print_human_ns(f, (double)w->sum_ns / w->count);
		fprintf(f, ", max ");
		print_human_ns(f, (double)w->max_ns);
		fprintf(f, ", %llu keys, %llu nodes visited\n", w->keys, w->nodes);
	}

	if (total_lost(d)) {
		fprintf(f, "lost:");
		for (i = 0; i < KS_NR_LOST; i++)
			if (d->lost[i])
				fprintf(f, " %s=%llu", ks_lost_name(i), d->lost[i]);
		fprintf(f, " (all trees; see docs/output.md, \"Lost events\")\n");
	}
	if (r->callers)
		print_callers(f, r);
	fflush(f);
}
