// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * khoscope output: bcc-style log2 histograms, the memory table, and NDJSON.
 * See docs in README.md ("khoscope") and the schema in
 * user/khoscope.schema.json.
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

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

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

const char *ks_lost_name(unsigned int i)
{
	return i < KS_NR_LOST ? lost_names[i] : "unknown";
}

const char *ks_api_op_name(__u32 op)
{
	return op < KHOSCOPE_NR_API_OPS ? api_op_names[op] : "unknown";
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ks_ksym *x = a, *y = b;

	/* At one address, a function sorts last: it names what is there. */
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return !!x->name - !!y->name;
}

int ks_ksyms_load(struct ks_ksyms *k, const char *path)
{
	FILE *f = fopen(path, "r");
	int err;

	memset(k, 0, sizeof(*k));
	if (!f)
		return -errno;
	err = ks_ksyms_read(k, f);
	fclose(f);
	return err;
}

int ks_ksyms_read(struct ks_ksyms *k, FILE *f)
{
	char line[512];
	size_t cap = 0;

	memset(k, 0, sizeof(*k));
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char type, name[256], mod[128] = "";
		unsigned long long addr;
		bool text;
		int n;

		/* Hidden addresses (kptr_restrict, no CAP_SYSLOG) read as 0. */
		n = sscanf(line, "%llx %c %255s %127s", &addr, &type, name, mod);
		if (n < 3 || !addr)
			continue;
		if (k->nr == cap) {
			struct ks_ksym *s;

			cap = cap ? cap * 2 : 4096;
			s = realloc(k->syms, cap * sizeof(*s));
			if (!s) {
				ks_ksyms_free(k);
				return -ENOMEM;
			}
			k->syms = s;
		}
		/* Other symbols only end the text symbol below them. */
		text = type == 't' || type == 'T';
		k->syms[k->nr].addr = addr;
		k->syms[k->nr].name = NULL;
		if (text && asprintf(&k->syms[k->nr].name, "%s%s%s", name, n == 4 ? " " : "",
				     n == 4 ? mod : "") < 0) {
			ks_ksyms_free(k);
			return -ENOMEM;
		}
		k->nr++;
	}
	if (k->nr)
		qsort(k->syms, k->nr, sizeof(*k->syms), ksym_cmp);
	return 0;
}

void ks_ksyms_free(struct ks_ksyms *k)
{
	size_t i;

	for (i = 0; i < k->nr; i++)
		free(k->syms[i].name);
	free(k->syms);
	memset(k, 0, sizeof(*k));
}

bool ks_ksyms_name(const struct ks_ksyms *k, __u64 ip, char *buf, size_t len)
{
	size_t lo = 0, hi = k->nr;

	/*
	 * @ip is a return address: the call is the byte before it, which may
	 * end its function. The last symbol at or below that byte names it if
	 * it is a function's.
	 */
	ip--;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (k->syms[mid].addr <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || !k->syms[lo - 1].name) {
		snprintf(buf, len, "unknown");
		return false;
	}
	snprintf(buf, len, "%s", k->syms[lo - 1].name);
	return true;
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


int ks_parse_number(const char *s, unsigned long max, unsigned long *val)
{
	char *end;
	unsigned long v;

	/* Digits only: strtoul() would take spaces, a sign, and wrap "-1". */
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*val = v;
	return 0;
}

int ks_parse_positive(const char *s, unsigned long max, unsigned long *val)
{
	unsigned long v;

	if (ks_parse_number(s, max, &v) || !v)
		return -1;
	*val = v;
	return 0;
}

/*
 * Call fn for each comma-separated token of s; stop at the first that
 * fails (fn fills err). An empty list is an error named by what.
 */
static int for_each_token(const char *s, const char *what, char *err, size_t errlen,
			  int (*fn)(char *tok, void *ctx, char *err, size_t errlen), void *ctx)
{
	char *copy, *tok, *save;
	int ret = 0;

	if (!s || !*s) {
		snprintf(err, errlen, "empty %s list", what);
		return -1;
	}
	copy = strdup(s);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Every item counts: "1,,2" and "," are mistakes, not shorter lists. */
	for (save = copy; (tok = strsep(&save, ",")) && !ret; ) {
		if (!*tok) {
			snprintf(err, errlen, "empty item in %s list '%s'", what, s);
			ret = -1;
		} else {
			ret = fn(tok, ctx, err, errlen);
		}
	}
	free(copy);
	return ret;
}

static int parse_order_range(char *tok, void *ctx, char *err, size_t errlen)
{
	char *dash = strchr(tok, '-'), *end;
	unsigned long lo, hi;
	__u64 *m = ctx;

	if (dash)
		*dash = '\0';
	errno = 0;
	lo = strtoul(tok, &end, 10);
	if (!isdigit((unsigned char)*tok) || *end || errno)
		goto bad;
	hi = lo;
	if (dash) {
		hi = strtoul(dash + 1, &end, 10);
		if (!isdigit((unsigned char)dash[1]) || *end || errno)
			goto bad;
	}
	if (lo > hi || hi >= KHOSCOPE_NR_ORDERS) {
		snprintf(err, errlen, "order range '%s%s%s' must lie within 0-%d",
			 tok, dash ? "-" : "", dash ? dash + 1 : "", KHOSCOPE_NR_ORDERS - 1);
		return -1;
	}
	for (; lo <= hi; lo++)
		*m |= 1ULL << lo;
	return 0;
bad:
	snprintf(err, errlen, "invalid order list: use numbers and ranges like 0,3,9-10");
	return -1;
}

int ks_parse_orders(const char *s, __u64 *mask, char *err, size_t errlen)
{
	__u64 m = 0;

	if (for_each_token(s, "order", err, errlen, parse_order_range, &m))
		return -1;
	*mask = m;
	return 0;
}

static int parse_op(char *tok, void *ctx, char *err, size_t errlen)
{
	__u32 *m = ctx;
	int op;

	for (op = 0; op < KHOSCOPE_NR_OPS; op++) {
		if (!strcmp(tok, op_names[op])) {
			*m |= 1U << op;
			return 0;
		}
	}
	snprintf(err, errlen, "unknown operation '%s' (preserve, unpreserve)", tok);
	return -1;
}

int ks_parse_ops(const char *s, __u32 *mask, char *err, size_t errlen)
{
	__u32 m = 0;

	if (for_each_token(s, "operation", err, errlen, parse_op, &m))
		return -1;
	*mask = m;
	return 0;
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

double ks_hist_percentile(const __u64 *slots, unsigned int nr, double pct)
{
	__u64 total = 0, below = 0;
	double rank, lo, hi;
	unsigned int i;

	for (i = 0; i < nr; i++)
		total += slots[i];
	if (!total)
		return 0;
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

	for (s = 0; s < KHOSCOPE_NR_SLOTS; s++)
		n += b->slots[s];
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

/* Parse name=value pairs of one line into the shape or restore record. */
static int parse_lines(const char *text, struct ks_shape *shape, struct ks_restore *rs)
{
	const char *line = text;
	int seen_tree = 0;

	memset(shape, 0, sizeof(*shape));
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[512];
		unsigned long long a, b;
		unsigned int u;
		int i1, i2;

		if (len >= sizeof(buf))
			return -1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		line = nl ? nl + 1 : NULL;

		/*
		 * runs, bulk_failures, runs_one_by_one: since patch 0027;
		 * deferred_*: since patch 0029.
		 */
		if (rs && sscanf(buf, "retrieve_ns=%llu retrieve_ret=%d extend_scratch_ns=%llu extend_scratch_ret=%d busy_blocks=%llu runs=%llu bulk_failures=%llu runs_one_by_one=%llu deferred_folios=%llu deferred_tail_pages=%llu deferred_tails_ns=%llu deferred_tails_on_restore=%llu",
				 &a, &i1, &b, &i2, (unsigned long long *)&rs->busy_blocks,
				 (unsigned long long *)&rs->runs,
				 (unsigned long long *)&rs->bulk_failures,
				 (unsigned long long *)&rs->runs_one_by_one,
				 (unsigned long long *)&rs->deferred_folios,
				 (unsigned long long *)&rs->deferred_tail_pages,
				 (unsigned long long *)&rs->deferred_tails_ns,
				 (unsigned long long *)&rs->deferred_tails_on_restore) >= 5) {
			rs->retrieve_ns = a;
			rs->retrieve_ret = i1;
			rs->extend_ns = b;
			rs->extend_ret = i2;
			rs->valid = true;
		} else if (sscanf(buf, "tree=%u gen=%llu keys=", &u, &a) == 2) {
			shape->tree = u;
			shape->gen = a;
			seen_tree = 1;
		} else if (sscanf(buf, "level=%u nodes=%llu", &u, &a) == 2) {
			if (u >= KHOSCOPE_NR_LEVELS)
				return -1;
			shape->nodes[u] = a;
		} else if (sscanf(buf, "order=%u keys=%llu", &u, &a) == 2) {
			if (u < KHOSCOPE_NR_ORDERS)
				shape->keys[u] = a;
			else
				shape->orders_beyond += a;
		} else if (buf[0]) {
			return -1;
		}
	}
	if (!seen_tree)
		return -1;
	shape->valid = true;
	return 0;
}

int ks_parse_shape(const char *text, struct ks_shape *shape)
{
	return parse_lines(text, shape, NULL);
}

int ks_parse_restore(const char *text, struct ks_restore *restore)
{
	memset(restore, 0, sizeof(*restore));
	if (parse_lines(text, &restore->shape, restore) || !restore->valid) {
		restore->valid = false;
		return -1;
	}
	return 0;
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
	mem->node_bytes = nodes * KHOSCOPE_NODE_SIZE;
	mem->preserved_bytes = mem->preserved_pages * (1LL << KHOSCOPE_PAGE_SHIFT);
	mem->overhead_ratio = mem->preserved_bytes > 0 && mem->node_bytes > 0 ?
			      (double)mem->node_bytes / mem->preserved_bytes : 0;
}

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

/* -o and -O choose what is shown; nothing else looks at them. */
static bool shown(const struct ks_report *r, unsigned int op, unsigned int order)
{
	return op < KHOSCOPE_NR_OPS && order < KHOSCOPE_NR_ORDERS &&
	       (r->op_mask & (1U << op)) && (r->order_mask & (1ULL << order));
}

/*
 * An error of an order outside the histograms (an invalid key, -ERANGE) is
 * shown unless -o chose orders: it belongs to none of them.
 */
static bool error_shown(const struct ks_report *r, const struct ks_error *e)
{
	if (e->key.tree != r->tree)
		return false;
	/* Order 0 stands for it in the check of the operation alone. */
	if (e->key.order >= KHOSCOPE_NR_ORDERS)
		return r->order_mask == ~0ULL && shown(r, e->key.op, 0);
	return shown(r, e->key.op, e->key.order);
}

static __u64 total_lost(const struct ks_snapshot *d)
{
	__u64 n = 0;
	unsigned int i;

	for (i = 0; i < KS_NR_LOST; i++)
		n += d->lost[i];
	return n;
}

static const double percentiles[] = { 50, 90, 99 };

/* "p50 1.20 us, p90 ..., p99 ...": estimated inside the log2 slots. */
static void print_percentiles(FILE *f, const __u64 *slots)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(percentiles); i++) {
		fprintf(f, "%sp%.0f ", i ? ", " : "", percentiles[i]);
		print_human_ns(f, ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, percentiles[i]));
	}
	fprintf(f, " (estimated within the log2 buckets)\n");
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
		print_human_ns(f, ks_hist_percentile(c->c.slots, KHOSCOPE_NR_SLOTS, 99));
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
	fprintf(f, "\n%s batches, order %u: %llu keys, %llu holds of the lock", op_names[op],
		order, (unsigned long long)b->keys, (unsigned long long)holds);
	if (!holds) {
		/* Its keys were in holds that began with a key of another order. */
		fprintf(f, " (its keys were in holds counted under other orders)\n");
		return;
	}
	fprintf(f, ", %llu errors, avg ", (unsigned long long)b->errors);
	print_human_ns(f, (double)b->sum_ns / holds);
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

void ks_print_text(FILE *f, const struct ks_report *r)
{
	const struct ks_snapshot *d = r->delta;
	const struct ks_walks *w = &d->walks[r->tree];
	unsigned int op, o, l, i, t = r->tree;
	bool any = false;

	fprintf(f, "\n=== tree %u ===\n", t);
	for (op = 0; op < KHOSCOPE_NR_OPS; op++) {
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
			const struct khoscope_hist *h = &d->hist[t][op][o];
			__u64 calls = ks_hist_calls(h);

			if (!shown(r, op, o) || !calls)
				continue;
			any = true;
			fprintf(f, "\n%s, order %u: %llu calls, %llu errors, avg ",
				op_names[op], o, calls, h->errors);
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
			print_percentiles(f, h->slots);
			ks_print_log2_hist(f, h->slots, KHOSCOPE_NR_SLOTS, "nsecs");
		}
	}
	for (op = 0; op < KHOSCOPE_NR_OPS; op++) {
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
			const struct khoscope_batch *b = &d->batch[t][op][o];
			__u64 holds = ks_batch_holds(b);

			if (!shown(r, op, o) || (!holds && !b->keys))
				continue;
			any = true;
			print_batch(f, b, holds, op, o);
		}
	}
	if (!any)
		fprintf(f, "\nno preserve or unpreserve calls in this interval\n");

	for (i = 0, any = false; i < d->nr_errors; i++) {
		const struct ks_error *e = &d->errors[i];

		if (!error_shown(r, e))
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
		fprintf(f, "overhead: %.4g%% (node bytes / preserved bytes)\n",
			m->overhead_ratio * 100);
		if (m->unseen_keys || m->unseen_nodes)
			fprintf(f, "lost: the counts show %llu key and %llu node changes "
				"that no event reported (see README, \"Lost events\")\n",
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
				fprintf(f, " %s=%llu", lost_names[i], d->lost[i]);
		fprintf(f, " (all trees; see README, \"Lost events\")\n");
	}
	if (r->callers)
		print_callers(f, r);
	fflush(f);
}

/* json-c helpers: a key whose value is an integer, or a string. */
static void json_u64(json_object *o, const char *key, __u64 v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void json_s64(json_object *o, const char *key, __s64 v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static json_object *json_buckets(const __u64 *slots)
{
	json_object *buckets = json_object_new_array();
	unsigned int s;

	for (s = 0; s < KHOSCOPE_NR_SLOTS; s++) {
		json_object *b;

		if (!slots[s])
			continue;
		b = json_object_new_object();
		json_u64(b, "min", ks_slot_min(s));
		json_u64(b, "max", ks_slot_max(s));
		json_u64(b, "count", slots[s]);
		json_object_array_add(buckets, b);
	}
	return buckets;
}

static json_object *json_hist(const struct khoscope_hist *h, unsigned int order)
{
	json_object *o = json_object_new_object();
	__u64 calls = ks_hist_calls(h);
	char key[16];
	unsigned int s;

	json_u64(o, "order", order);
	json_u64(o, "count", calls);
	json_u64(o, "ok", h->ok);
	json_u64(o, "errors", h->errors);
	json_u64(o, "unchanged", h->unchanged);
	json_u64(o, "untimed", h->untimed);
	json_u64(o, "sum_ns", h->sum_ns);
	for (s = 0; s < ARRAY_SIZE(percentiles); s++) {
		snprintf(key, sizeof(key), "p%.0f_ns", percentiles[s]);
		json_u64(o, key, (__u64)(ks_hist_percentile(h->slots, KHOSCOPE_NR_SLOTS,
							    percentiles[s]) + 0.5));
	}
	json_object_object_add(o, "buckets", json_buckets(h->slots));
	return o;
}

static json_object *json_batch(const struct khoscope_batch *b, unsigned int order)
{
	json_object *o = json_object_new_object();
	char key[24];
	unsigned int s;

	json_u64(o, "order", order);
	json_u64(o, "holds", ks_batch_holds(b));
	json_u64(o, "keys", b->keys);
	json_u64(o, "errors", b->errors);
	json_u64(o, "untimed", b->untimed);
	json_u64(o, "sum_ns", b->sum_ns);
	for (s = 0; s < ARRAY_SIZE(percentiles); s++) {
		snprintf(key, sizeof(key), "p%.0f_ns_per_key", percentiles[s]);
		json_u64(o, key, (__u64)(ks_hist_percentile(b->key_slots, KHOSCOPE_NR_SLOTS,
							    percentiles[s]) + 0.5));
	}
	json_object_object_add(o, "buckets", json_buckets(b->slots));
	json_object_object_add(o, "key_buckets", json_buckets(b->key_slots));
	json_object_object_add(o, "page_buckets", json_buckets(b->size_slots));
	return o;
}

/* "order_keys" objects for the orders that have keys; signed for deltas. */
static json_object *json_orders(const __s64 *keys)
{
	json_object *a = json_object_new_array();
	unsigned int o;

	for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
		json_object *e;

		if (!keys[o])
			continue;
		e = json_object_new_object();
		json_u64(e, "order", o);
		json_s64(e, "keys", keys[o]);
		json_s64(e, "pages", keys[o] * (1LL << o));
		json_s64(e, "bytes", keys[o] * (1LL << o) * (1LL << KHOSCOPE_PAGE_SHIFT));
		json_object_array_add(a, e);
	}
	return a;
}

static json_object *json_levels(const __s64 *nodes)
{
	json_object *a = json_object_new_array();
	unsigned int l;

	for (l = KHOSCOPE_NR_LEVELS; l-- > 0;) {
		json_object *e = json_object_new_object();

		json_u64(e, "level", l);
		json_s64(e, "nodes", nodes[l]);
		json_s64(e, "bytes", nodes[l] * KHOSCOPE_NODE_SIZE);
		json_object_array_add(a, e);
	}
	return a;
}

static json_object *json_shape(const struct ks_shape *s)
{
	__s64 keys[KHOSCOPE_NR_ORDERS], nodes[KHOSCOPE_NR_LEVELS], total = 0;
	json_object *o = json_object_new_object();
	unsigned int i;

	for (i = 0; i < KHOSCOPE_NR_ORDERS; i++)
		keys[i] = s->keys[i];
	for (i = 0; i < KHOSCOPE_NR_LEVELS; i++)
		total += nodes[i] = s->nodes[i];
	json_u64(o, "tree", s->tree);
	json_object_object_add(o, "orders", json_orders(keys));
	json_object_object_add(o, "levels", json_levels(nodes));
	json_s64(o, "node_bytes", total * KHOSCOPE_NODE_SIZE);
	return o;
}

/*
 * What @s counted for the record's tree: calls per operation and order,
 * errors, nodes, walks, lost events. The record carries it twice: for the
 * interval, and cumulative since start ("totals").
 */
static void json_counts(json_object *o, const struct ks_report *r,
			const struct ks_snapshot *s, bool interval)
{
	json_object *ops = json_object_new_object(), *errors = json_object_new_array();
	json_object *batches = json_object_new_object();
	json_object *nodes = json_object_new_array(), *walks = json_object_new_object();
	json_object *lost = json_object_new_object();
	const struct ks_walks *w = &s->walks[r->tree];
	unsigned int op, ord, l, i, t = r->tree;

	for (op = 0; op < KHOSCOPE_NR_OPS; op++) {
		json_object *a = json_object_new_array();

		for (ord = 0; ord < KHOSCOPE_NR_ORDERS; ord++) {
			const struct khoscope_hist *h = &s->hist[t][op][ord];

			if (shown(r, op, ord) && ks_hist_calls(h))
				json_object_array_add(a, json_hist(h, ord));
		}
		json_object_object_add(ops, op_names[op], a);
	}
	json_object_object_add(o, "ops", ops);

	for (op = 0; op < KHOSCOPE_NR_OPS; op++) {
		json_object *a = json_object_new_array();

		for (ord = 0; ord < KHOSCOPE_NR_ORDERS; ord++) {
			const struct khoscope_batch *b = &s->batch[t][op][ord];

			if (shown(r, op, ord) && (ks_batch_holds(b) || b->keys))
				json_object_array_add(a, json_batch(b, ord));
		}
		json_object_object_add(batches, op_names[op], a);
	}
	json_object_object_add(o, "batches", batches);

	for (i = 0; i < s->nr_errors; i++) {
		const struct ks_error *e = &s->errors[i];
		json_object *eo;

		if (!error_shown(r, e))
			continue;
		eo = json_object_new_object();
		json_object_object_add(eo, "op", json_object_new_string(ks_op_name(e->key.op)));
		json_u64(eo, "order", e->key.order);
		json_s64(eo, "errno", -e->key.err);
		json_u64(eo, "count", e->count);
		json_object_array_add(errors, eo);
	}
	json_object_object_add(o, "errors", errors);

	for (l = KHOSCOPE_NR_LEVELS; l-- > 0;) {
		json_object *n = json_object_new_object();

		json_u64(n, "level", l);
		json_u64(n, "alloc", s->tally[t].alloc[l]);
		json_u64(n, "free", s->tally[t].free[l]);
		json_object_array_add(nodes, n);
	}
	json_object_object_add(o, "nodes", nodes);

	json_u64(walks, "count", w->count);
	json_u64(walks, "sum_ns", w->sum_ns);
	/* The longest walk is kept per interval only. */
	if (interval)
		json_u64(walks, "max_ns", w->count ? w->max_ns : 0);
	json_u64(walks, "keys", w->keys);
	json_u64(walks, "nodes", w->nodes);
	json_u64(walks, "errors", w->errors);
	json_object_object_add(o, "walks", walks);

	for (i = 0; i < KS_NR_LOST; i++)
		json_u64(lost, lost_names[i], s->lost[i]);
	json_object_object_add(o, "lost", lost);
}

static json_object *json_memory(const struct ks_memory *m)
{
	json_object *o = json_object_new_object();
	char ratio[32];
	__s64 nodes = 0;
	unsigned int l;

	for (l = 0; l < KHOSCOPE_NR_LEVELS; l++)
		nodes += m->nodes[l];
	json_object_object_add(o, "counted", json_object_new_boolean(m->counted));
	json_u64(o, "unseen_keys", m->unseen_keys);
	json_u64(o, "unseen_nodes", m->unseen_nodes);
	json_object_object_add(o, "preserved", json_orders(m->keys));
	json_object_object_add(o, "levels", json_levels(m->nodes));
	json_s64(o, "preserved_pages", m->preserved_pages);
	json_s64(o, "preserved_bytes", m->preserved_bytes);
	json_s64(o, "nodes", nodes);
	json_s64(o, "node_bytes", m->node_bytes);
	/* %.17g: 64 GiB of 1 GiB folios is 3.6e-07, not 0.000000. */
	snprintf(ratio, sizeof(ratio), "%.17g", m->overhead_ratio);
	json_object_object_add(o, "overhead_ratio",
			       json_object_new_double_s(m->overhead_ratio, ratio));
	return o;
}

static json_object *json_restore(const struct ks_restore *rs)
{
	json_object *o;

	if (!rs || !rs->valid)
		return NULL;
	o = json_object_new_object();
	json_u64(o, "retrieve_ns", rs->retrieve_ns);
	json_s64(o, "retrieve_ret", rs->retrieve_ret);
	json_u64(o, "extend_scratch_ns", rs->extend_ns);
	json_s64(o, "extend_scratch_ret", rs->extend_ret);
	json_u64(o, "busy_blocks", rs->busy_blocks);
	json_u64(o, "runs", rs->runs);
	json_u64(o, "bulk_failures", rs->bulk_failures);
	json_u64(o, "runs_one_by_one", rs->runs_one_by_one);
	json_u64(o, "deferred_folios", rs->deferred_folios);
	json_u64(o, "deferred_tail_pages", rs->deferred_tail_pages);
	json_u64(o, "deferred_tails_ns", rs->deferred_tails_ns);
	json_u64(o, "deferred_tails_on_restore", rs->deferred_tails_on_restore);
	json_object_object_add(o, "tree", json_shape(&rs->shape));
	return o;
}

static json_object *json_progs(const struct ks_report *r)
{
	json_object *a = json_object_new_array();
	unsigned int i;

	for (i = 0; i < r->nr_progs; i++) {
		json_object *p = json_object_new_object();

		json_object_object_add(p, "name", json_object_new_string(r->progs[i].name));
		json_u64(p, "run_cnt", r->progs[i].run_cnt);
		json_u64(p, "run_time_ns", r->progs[i].run_time_ns);
		json_u64(p, "recursion_misses", r->progs[i].recursion_misses);
		json_object_array_add(a, p);
	}
	return a;
}

static json_object *json_callers(const struct ks_report *r)
{
	json_object *a = json_object_new_array();
	unsigned int i, p;
	char key[16];

	for (i = 0; i < r->nr_callers; i++) {
		const struct ks_caller *c = &r->callers[i];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "caller", json_object_new_string(c->name));
		json_object_object_add(e, "call", json_object_new_string(ks_api_op_name(c->op)));
		json_u64(e, "calls", c->c.calls);
		json_u64(e, "errors", c->c.errors);
		json_u64(e, "keys", c->c.keys);
		json_u64(e, "pages", c->c.pages);
		json_u64(e, "bytes", c->c.pages << KHOSCOPE_PAGE_SHIFT);
		json_u64(e, "sum_ns", c->c.sum_ns);
		for (p = 0; p < ARRAY_SIZE(percentiles); p++) {
			snprintf(key, sizeof(key), "p%.0f_ns", percentiles[p]);
			json_u64(e, key, (__u64)(ks_hist_percentile(c->c.slots, KHOSCOPE_NR_SLOTS,
								    percentiles[p]) + 0.5));
		}
		json_object_array_add(a, e);
	}
	return a;
}

json_object *ks_json_record(const struct ks_report *r)
{
	json_object *o = json_object_new_object(), *totals;
	char ts[32];

	json_u64(o, "schema", KHOSCOPE_SCHEMA_VERSION);
	/* Microseconds: a double holds every one of them for epoch times. */
	snprintf(ts, sizeof(ts), "%llu.%06llu", r->ts_ns / 1000000000ULL,
		 r->ts_ns % 1000000000ULL / 1000);
	json_object_object_add(o, "ts", json_object_new_double_s(r->ts_ns / 1e9, ts));
	if (r->ident) {
		json_object_object_add(o, "host", json_object_new_string(r->ident->host));
		json_object_object_add(o, "kernel", json_object_new_string(r->ident->kernel));
		json_object_object_add(o, "boot_id", json_object_new_string(r->ident->boot_id));
	}
	json_u64(o, "interval_ns", r->interval_ns);
	json_object_object_add(o, "final", json_object_new_boolean(r->final));
	json_u64(o, "tree", r->tree);
	json_counts(o, r, r->delta, true);
	if (r->total) {
		totals = json_object_new_object();
		json_counts(totals, r, r->total, false);
		json_object_object_add(o, "totals", totals);
	}
	if (r->callers)
		json_object_object_add(o, "callers", json_callers(r));
	json_object_object_add(o, "memory", r->memory ? json_memory(r->memory) : NULL);
	json_object_object_add(o, "boot_restore", json_restore(r->restore));
	json_object_object_add(o, "programs", json_progs(r));
	return o;
}

void ks_print_json(FILE *f, const struct ks_report *r)
{
	json_object *o = ks_json_record(r);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE);

	/* One line, in one write. */
	fprintf(f, "%s\n", text);
	fflush(f);
	json_object_put(o);
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
