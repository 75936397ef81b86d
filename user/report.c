// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report.c - what khoscope computes from its counters: names, deltas of
 * snapshots, memory figures, percentiles, and who this host is. The outputs
 * are text.c, json.c and metrics.c; see docs/output.md.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "report.h"

static const char *const op_names[KHOSCOPE_NR_OPS] = {
	[KHOSCOPE_OP_PRESERVE]		= "preserve",
	[KHOSCOPE_OP_UNPRESERVE]	= "unpreserve",
};

static const char *const lost_names[KS_NR_LOST] = {
	[KHOSCOPE_CTR_RINGBUF_FULL]	= "ringbuf_full",
	[KHOSCOPE_CTR_ERRORS_FULL]	= "errors_full",
	[KHOSCOPE_CTR_ORDER_OVERFLOW]	= "order_overflow",
	[KHOSCOPE_CTR_TREE_OVERFLOW]	= "tree_overflow",
	[KHOSCOPE_CTR_LEVEL_OVERFLOW]	= "level_overflow",
	[KHOSCOPE_CTR_CALLERS_FULL]	= "callers_full",
	[KS_LOST_RECURSION]		= "recursion_misses",
};

static const char *const api_op_names[KHOSCOPE_NR_API_OPS] = {
	"preserve_folio", "unpreserve_folio", "preserve_folios", "unpreserve_folios",
	"preserve_pages", "unpreserve_pages", "preserve_vmalloc", "unpreserve_vmalloc",
	"alloc_preserve", "unpreserve_free",
};

const double ks_percentiles[KS_NR_PERCENTILES] = { 50, 90, 99 };

const char *ks_lost_name(unsigned int i)
{
	return i < KS_NR_LOST ? lost_names[i] : "unknown";
}

const char *ks_api_op_name(__u32 op)
{
	return op < KHOSCOPE_NR_API_OPS ? api_op_names[op] : "unknown";
}

void ks_counters_add(void *dst, const void *src, size_t size)
{
	const __u64 *s = src;
	__u64 *d = dst;
	size_t i;

	for (i = 0; i < size / sizeof(__u64); i++)
		d[i] += s[i];
}

void ks_counters_sub(void *dst, const void *a, const void *b, size_t size)
{
	const __u64 *x = a, *y = b;
	__u64 *d = dst;
	size_t i;

	for (i = 0; i < size / sizeof(__u64); i++)
		d[i] = x[i] - y[i];
}

unsigned int ks_callers_add(struct ks_caller *callers, unsigned int nr, const char *name,
			    __u32 op, const struct khoscope_caller *c)
{
	struct ks_caller *dst = NULL;
	unsigned int i;

	for (i = 0; i < nr && !dst; i++)
		if (callers[i].op == op && !strcmp(callers[i].name, name))
			dst = &callers[i];
	if (!dst) {
		if (nr == KS_MAX_CALLERS)
			return nr;
		dst = &callers[nr++];
		memset(dst, 0, sizeof(*dst));
		snprintf(dst->name, sizeof(dst->name), "%s", name);
		dst->op = op;
	}
	ks_counters_add(&dst->c, c, sizeof(*c));
	return nr;
}

const char *ks_op_name(enum khoscope_op op)
{
	return op < KHOSCOPE_NR_OPS ? op_names[op] : "unknown";
}

/* -o and -O choose what is shown; nothing else looks at them. */
bool ks_shown(const struct ks_report *r, unsigned int op, unsigned int order)
{
	return op < KHOSCOPE_NR_OPS && order < KHOSCOPE_NR_ORDERS &&
	       (r->op_mask & (1U << op)) && (r->order_mask & (1ULL << order));
}

/*
 * An error of an order outside the histograms (an invalid key, -ERANGE) is
 * shown unless -o chose orders: it belongs to none of them.
 */
bool ks_error_shown(const struct ks_report *r, const struct ks_error *e)
{
	if (e->key.tree != r->tree)
		return false;
	/* Order 0 stands for it in the check of the operation alone. */
	if (e->key.order >= KHOSCOPE_NR_ORDERS)
		return r->order_mask == ~0ULL && ks_shown(r, e->key.op, 0);
	return ks_shown(r, e->key.op, e->key.order);
}

/*
 * Slot k counts values v with log2(v) == k, v >= 1: [2^k, 2^(k+1) - 1];
 * slot 0 also takes v == 0. The last slot is open-ended.
 */
__u64 ks_slot_min(unsigned int slot)
{
	return slot ? 1ULL << slot : 0;
}

__u64 ks_slot_max(unsigned int slot)
{
	if (slot >= KHOSCOPE_NR_SLOTS - 1)
		return UINT64_MAX;
	return (1ULL << (slot + 1)) - 1;
}

double ks_hist_percentile(const __u64 *slots, unsigned int nr, double sum, double pct)
{
	__u64 total = 0, below = 0;
	double rank, lo, hi;
	unsigned int i;

	for (i = 0; i < nr; i++)
		total += slots[i];
	if (!total)
		return 0;
	if (total == 1 && sum >= 0)
		return sum;
	rank = pct / 100.0 * total;
	for (i = 0; i < nr; i++) {
		if (!slots[i] || below + slots[i] < rank) {
			below += slots[i];
			continue;
		}
		/* The slot is [lo, hi): the last one's end stands at twice its start. */
		lo = ks_slot_min(i);
		hi = i == KHOSCOPE_NR_SLOTS - 1 ? 2 * lo : ks_slot_max(i) + 1.0;
		return lo + (rank - below) / slots[i] * (hi - lo);
	}
	return ks_slot_max(nr - 1);	/* not reached: rank <= total */
}

__u64 ks_batch_holds(const struct khoscope_batch *b)
{
	__u64 n = 0;
	unsigned int s;

	/* Every hold has a size; only the timed ones have a duration. */
	for (s = 0; s < KHOSCOPE_NR_SLOTS; s++)
		n += b->size_slots[s];
	return n;
}

unsigned int ks_slot_of(__u64 value)
{
	unsigned int slot = 0;

	while (value >>= 1)
		slot++;
	return slot < KHOSCOPE_NR_SLOTS ? slot : KHOSCOPE_NR_SLOTS - 1;
}

/* Timed calls are the sum of the buckets, so the two always agree. */
__u64 ks_hist_timed(const struct khoscope_hist *h)
{
	__u64 n = 0;
	unsigned int s;

	for (s = 0; s < KHOSCOPE_NR_SLOTS; s++)
		n += h->slots[s];
	return n;
}

/* Every call: the timed ones and those the kernel did not time. */
__u64 ks_hist_calls(const struct khoscope_hist *h)
{
	return ks_hist_timed(h) + h->untimed;
}

void ks_snapshot_add_event(struct ks_snapshot *s, const void *data, size_t size)
{
	const struct khoscope_walk_event *walk = data;
	const struct khoscope_counts_event *counts = data;
	unsigned int t;

	if (size < sizeof(__u32) * 2)
		return;
	t = walk->tree;
	if (t >= KHOSCOPE_NR_TREES)
		return;
	if (walk->kind == KHOSCOPE_EV_WALK && size >= sizeof(*walk)) {
		struct ks_walks *w = &s->walks[t];

		w->count++;
		w->sum_ns += walk->duration_ns;
		if (walk->duration_ns > w->max_ns)
			w->max_ns = walk->duration_ns;
		w->keys += walk->keys;
		w->nodes += walk->nodes;
		w->errors += walk->ret != 0;
	} else if (walk->kind == KHOSCOPE_EV_COUNTS && size >= sizeof(*counts)) {
		s->counts[t].valid = true;
		s->counts[t].ev = *counts;
	}
}

void ks_snapshot_sub(struct ks_snapshot *out, const struct ks_snapshot *a,
		     const struct ks_snapshot *b)
{
	unsigned int t, i, j;

	/* Every map value is made of __u64 counters. */
	ks_counters_sub(out->hist, a->hist, b->hist, sizeof(out->hist));
	ks_counters_sub(out->batch, a->batch, b->batch, sizeof(out->batch));
	ks_counters_sub(out->tally, a->tally, b->tally, sizeof(out->tally));
	for (t = 0; t < KHOSCOPE_NR_TREES; t++) {
		out->walks[t].count = a->walks[t].count - b->walks[t].count;
		out->walks[t].sum_ns = a->walks[t].sum_ns - b->walks[t].sum_ns;
		out->walks[t].keys = a->walks[t].keys - b->walks[t].keys;
		out->walks[t].nodes = a->walks[t].nodes - b->walks[t].nodes;
		out->walks[t].errors = a->walks[t].errors - b->walks[t].errors;
		/* A maximum does not subtract: the caller resets it per interval. */
		out->walks[t].max_ns = a->walks[t].max_ns;
		/* Nor does a level. */
		out->counts[t] = a->counts[t];
	}
	for (i = 0; i < KS_NR_LOST; i++)
		out->lost[i] = a->lost[i] - b->lost[i];

	out->nr_errors = 0;
	for (i = 0; i < a->nr_errors; i++) {
		__u64 before = 0;

		for (j = 0; j < b->nr_errors; j++)
			if (!memcmp(&a->errors[i].key, &b->errors[j].key, sizeof(a->errors[i].key)))
				before = b->errors[j].count;
		if (a->errors[i].count > before) {
			out->errors[out->nr_errors] = a->errors[i];
			out->errors[out->nr_errors].count -= before;
			out->nr_errors++;
		}
	}
}

bool ks_tree_active(const struct ks_snapshot *s, unsigned int tree)
{
	unsigned int op, o, l;

	if (tree >= KHOSCOPE_NR_TREES)
		return false;
	for (op = 0; op < KHOSCOPE_NR_OPS; op++)
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++)
			if (ks_hist_calls(&s->hist[tree][op][o]))
				return true;
	for (op = 0; op < KHOSCOPE_NR_OPS; op++)
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++)
			if (s->batch[tree][op][o].keys)
				return true;
	for (l = 0; l < KHOSCOPE_NR_LEVELS; l++)
		if (s->tally[tree].alloc[l] || s->tally[tree].free[l])
			return true;
	return s->walks[tree].count != 0;
}

static __u64 abs_diff(__s64 a, __s64 b)
{
	return a > b ? a - b : b - a;
}

void ks_memory_compute(struct ks_memory *mem, const struct ks_counts *base,
		       const struct ks_snapshot *now, unsigned int tree)
{
	const struct khoscope_counts_event *b, *c;
	const struct khoscope_tally *t;
	unsigned int o, l;
	__s64 nodes = 0;

	memset(mem, 0, sizeof(*mem));
	if (tree >= KHOSCOPE_NR_TREES)
		return;
	c = &now->counts[tree].ev;
	t = &now->tally[tree];
	mem->counted = base && base->valid && base->ev.tree == tree && now->counts[tree].valid;
	if (mem->counted) {
		/* Since the baseline: the change in the counts minus the one the events saw. */
		b = &base->ev;
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++)
			mem->unseen_keys += abs_diff((__s64)(c->keys[o] - b->keys[o]),
						     (__s64)((c->tally.added[o] - b->tally.added[o]) -
							     (c->tally.removed[o] - b->tally.removed[o])));
		mem->unseen_keys += abs_diff((__s64)(c->keys_beyond - b->keys_beyond), 0);
		for (l = 0; l < KHOSCOPE_NR_LEVELS; l++)
			mem->unseen_nodes += abs_diff((__s64)(c->nodes[l] - b->nodes[l]),
						      (__s64)((c->tally.alloc[l] - b->tally.alloc[l]) -
							      (c->tally.free[l] - b->tally.free[l])));
	}
	for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
		mem->keys[o] = mem->counted ? (__s64)c->keys[o] :
			       (__s64)(t->added[o] - t->removed[o]);
		mem->preserved_pages += mem->keys[o] * (1LL << o);
	}
	for (l = 0; l < KHOSCOPE_NR_LEVELS; l++) {
		mem->nodes[l] = mem->counted ? (__s64)c->nodes[l] :
				(__s64)(t->alloc[l] - t->free[l]);
		nodes += mem->nodes[l];
	}
	/* Without the counts, spares are unknown: their pages left the tally. */
	mem->spare_nodes = mem->counted ? (__s64)c->spare : 0;
	mem->node_bytes = nodes * KHOSCOPE_NODE_SIZE;
	mem->spare_bytes = mem->spare_nodes * KHOSCOPE_NODE_SIZE;
	mem->preserved_bytes = mem->preserved_pages * (1LL << KHOSCOPE_PAGE_SHIFT);
	mem->overhead_ratio = mem->preserved_bytes > 0 ?
			      (double)(mem->node_bytes + mem->spare_bytes) /
			      mem->preserved_bytes : 0;
}

const char *ks_tree_role(unsigned int tree, unsigned int out_tree,
			 const struct ks_restore *restore)
{
	if (tree == out_tree)
		return "outgoing";
	if (restore && restore->valid && tree == restore->shape.tree)
		return "incoming";
	return "other";
}

void ks_ident_read(struct ks_ident *id)
{
	struct utsname u;
	FILE *f;

	memset(id, 0, sizeof(*id));
	if (gethostname(id->host, sizeof(id->host) - 1))
		snprintf(id->host, sizeof(id->host), "unknown");
	if (!uname(&u))
		snprintf(id->kernel, sizeof(id->kernel), "%s", u.release);
	f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (f) {
		if (!fgets(id->boot_id, sizeof(id->boot_id), f))
			id->boot_id[0] = '\0';
		id->boot_id[strcspn(id->boot_id, "\n")] = '\0';
		fclose(f);
	}
}
