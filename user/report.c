// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * khoscope output: bcc-style log2 histograms, the memory table, and NDJSON.
 * See docs in README.md ("khoscope") and the schema in
 * user/khoscope.schema.json.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report.h"

static const char *const op_names[KHOSCOPE_NR_OPS] = {
	[KHOSCOPE_OP_PRESERVE]		= "preserve",
	[KHOSCOPE_OP_UNPRESERVE]	= "unpreserve",
};

static const char *const counter_names[KHOSCOPE_NR_COUNTERS] = {
	[KHOSCOPE_CTR_END_WITHOUT_BEGIN]	= "end_without_begin",
	[KHOSCOPE_CTR_BEGIN_REPLACED]		= "begin_replaced",
	[KHOSCOPE_CTR_INFLIGHT_FULL]		= "inflight_full",
	[KHOSCOPE_CTR_ERRORS_FULL]		= "errors_full",
	[KHOSCOPE_CTR_ORDER_OVERFLOW]		= "order_overflow",
};

const char *ks_op_name(enum khoscope_op op)
{
	return op < KHOSCOPE_NR_OPS ? op_names[op] : "unknown";
}

int ks_parse_positive(const char *s, unsigned long max, unsigned long *val)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > max)
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
	char *copy, *tok, *save = NULL;
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
	for (tok = strtok_r(copy, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save))
		ret = fn(tok, ctx, err, errlen);
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
	if (!*tok || *end || errno)
		goto bad;
	hi = lo;
	if (dash) {
		hi = strtoul(dash + 1, &end, 10);
		if (!dash[1] || *end || errno)
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

unsigned int ks_slot_of(__u64 value)
{
	unsigned int slot = 0;

	while (value >>= 1)
		slot++;
	return slot < KHOSCOPE_NR_SLOTS ? slot : KHOSCOPE_NR_SLOTS - 1;
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

		if (rs && sscanf(buf, "retrieve_ns=%llu retrieve_ret=%d extend_scratch_ns=%llu extend_scratch_ret=%d busy_blocks=%llu",
				 &a, &i1, &b, &i2, (unsigned long long *)&rs->busy_blocks) == 5) {
			rs->retrieve_ns = a;
			rs->retrieve_ret = i1;
			rs->extend_ns = b;
			rs->extend_ret = i2;
			rs->valid = true;
		} else if (sscanf(buf, "tree=%u keys=", &u) == 1) {
			shape->tree = u;
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

void ks_snapshot_sub(struct ks_snapshot *out, const struct ks_snapshot *a,
		     const struct ks_snapshot *b)
{
	unsigned int op, o, s, t, l, i, j;

	for (op = 0; op < KHOSCOPE_NR_OPS; op++) {
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
			const struct khoscope_hist *x = &a->hist[op][o], *y = &b->hist[op][o];
			struct khoscope_hist *h = &out->hist[op][o];

			for (s = 0; s < KHOSCOPE_NR_SLOTS; s++)
				h->slots[s] = x->slots[s] - y->slots[s];
			h->count = x->count - y->count;
			h->sum_ns = x->sum_ns - y->sum_ns;
			h->ok = x->ok - y->ok;
			h->errors = x->errors - y->errors;
		}
	}
	for (t = 0; t < KHOSCOPE_NR_TREES; t++) {
		for (l = 0; l < KHOSCOPE_NR_LEVELS; l++) {
			out->nodes[t][l].alloc = a->nodes[t][l].alloc - b->nodes[t][l].alloc;
			out->nodes[t][l].free = a->nodes[t][l].free - b->nodes[t][l].free;
		}
		out->walks[t].count = a->walks[t].count - b->walks[t].count;
		out->walks[t].sum_ns = a->walks[t].sum_ns - b->walks[t].sum_ns;
		out->walks[t].keys = a->walks[t].keys - b->walks[t].keys;
		out->walks[t].nodes = a->walks[t].nodes - b->walks[t].nodes;
		out->walks[t].errors = a->walks[t].errors - b->walks[t].errors;
		/* A maximum does not subtract: report the running one. */
		out->walks[t].max_ns = a->walks[t].max_ns;
	}
	for (i = 0; i < KHOSCOPE_NR_COUNTERS; i++)
		out->counters[i] = a->counters[i] - b->counters[i];

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

static unsigned int tree_slot(unsigned int tree)
{
	return tree < KHOSCOPE_NR_TREES ? tree : KHOSCOPE_NR_TREES - 1;
}

void ks_memory_compute(struct ks_memory *mem, const struct ks_shape *base,
		       const struct ks_snapshot *now,
		       const struct ks_snapshot *at_base, unsigned int tree)
{
	unsigned int o, l, slot = tree_slot(tree);
	__u64 nodes = 0;

	memset(mem, 0, sizeof(*mem));
	for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
		__s64 added = now->hist[KHOSCOPE_OP_PRESERVE][o].ok -
			      at_base->hist[KHOSCOPE_OP_PRESERVE][o].ok;
		__s64 removed = now->hist[KHOSCOPE_OP_UNPRESERVE][o].ok -
				at_base->hist[KHOSCOPE_OP_UNPRESERVE][o].ok;

		mem->keys[o] = (__s64)base->keys[o] + added - removed;
		if (mem->keys[o] > 0)
			mem->preserved_pages += (__u64)mem->keys[o] << o;
	}
	for (l = 0; l < KHOSCOPE_NR_LEVELS; l++) {
		__s64 alloc = now->nodes[slot][l].alloc - at_base->nodes[slot][l].alloc;
		__s64 freed = now->nodes[slot][l].free - at_base->nodes[slot][l].free;

		mem->nodes[l] = (__s64)base->nodes[l] + alloc - freed;
		if (mem->nodes[l] > 0)
			nodes += mem->nodes[l];
	}
	mem->node_bytes = nodes * KHOSCOPE_NODE_SIZE;
	mem->preserved_bytes = mem->preserved_pages << KHOSCOPE_PAGE_SHIFT;
	mem->overhead_ratio = mem->preserved_bytes ?
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
	int stars_max = STARS_MAX, idx_max = -1;
	unsigned int i, stars;
	__u64 val_max = 0;

	for (i = 0; i < nr; i++) {
		if (slots[i] > 0)
			idx_max = i;
		if (slots[i] > val_max)
			val_max = slots[i];
	}
	if (idx_max < 0)
		return;

	stars = idx_max <= 32 ? 0 : 1;
	fprintf(f, "%*s%-*s : count    distribution\n", stars ? 15 : 5, "",
		stars ? 24 : 19, val_type);
	for (i = 0; i <= (unsigned int)idx_max; i++) {
		__u64 low = ks_slot_min(i), high = ks_slot_max(i);

		fprintf(f, "%*llu -> %-*llu : %-8llu |",
			stars ? 20 : 10, low, stars ? 20 : 10, high, slots[i]);
		print_stars(f, slots[i], val_max, stars_max);
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

void ks_print_text(FILE *f, const struct ks_report *r)
{
	const struct ks_snapshot *d = r->delta;
	unsigned int op, o, l, i, slot = tree_slot(r->tree);
	bool any = false;

	for (op = 0; op < KHOSCOPE_NR_OPS; op++) {
		if (!(r->op_mask & (1U << op)))
			continue;
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
			const struct khoscope_hist *h = &d->hist[op][o];

			if (!(r->order_mask & (1ULL << o)) || !h->count)
				continue;
			any = true;
			fprintf(f, "\n%s, order %u: %llu calls, %llu errors, avg ",
				op_names[op], o, h->count, h->errors);
			print_human_ns(f, (double)h->sum_ns / h->count);
			fprintf(f, ", total ");
			print_human_ns(f, (double)h->sum_ns);
			fprintf(f, "\n");
			ks_print_log2_hist(f, h->slots, KHOSCOPE_NR_SLOTS, "nsecs");
		}
	}
	if (!any)
		fprintf(f, "\nno preserve or unpreserve calls in this interval\n");

	if (d->nr_errors) {
		fprintf(f, "\nerrors:\n");
		for (i = 0; i < d->nr_errors; i++)
			fprintf(f, "  %s order %u tree %u: %s (%d) x %llu\n",
				ks_op_name(d->errors[i].key.op), d->errors[i].key.order,
				d->errors[i].key.tree, strerror(-d->errors[i].key.err),
				d->errors[i].key.err, d->errors[i].count);
	}

	if (r->memory) {
		const struct ks_memory *m = r->memory;

		fprintf(f, "\npreserved memory (tree %u)\n", r->tree);
		fprintf(f, "  %5s %12s %12s %16s\n", "order", "keys", "pages", "bytes");
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++)
			if (m->keys[o])
				fprintf(f, "  %5u %12lld %12lld %16lld\n", o,
					(long long)m->keys[o], (long long)m->keys[o] * (1LL << o),
					(long long)m->keys[o] * (1LL << o) * (1LL << KHOSCOPE_PAGE_SHIFT));
		fprintf(f, "  %5s %12s %12llu %16llu\n", "total", "",
			m->preserved_pages, m->preserved_bytes);
		fprintf(f, "radix tree nodes\n");
		fprintf(f, "  %5s %12s %16s %12s %12s\n", "level", "nodes", "bytes",
			"+alloc", "-free");
		for (l = KHOSCOPE_NR_LEVELS; l-- > 0;)
			fprintf(f, "  %5u %12lld %16lld %12llu %12llu\n",
				l, (long long)m->nodes[l],
				(long long)m->nodes[l] * KHOSCOPE_NODE_SIZE,
				(unsigned long long)d->nodes[slot][l].alloc, (unsigned long long)d->nodes[slot][l].free);
		fprintf(f, "  %5s %12s %16llu\n", "total", "", m->node_bytes);
		fprintf(f, "overhead: %.4f%% (node bytes / preserved bytes)\n",
			m->overhead_ratio * 100);
	}

	if (d->walks[slot].count) {
		const struct khoscope_walks *w = &d->walks[slot];

		fprintf(f, "walks: %llu, avg ", w->count);
		print_human_ns(f, (double)w->sum_ns / w->count);
		fprintf(f, ", max ");
		print_human_ns(f, (double)w->max_ns);
		fprintf(f, ", %llu keys, %llu nodes visited\n", w->keys, w->nodes);
	}

	for (i = 0; i < KHOSCOPE_NR_COUNTERS; i++)
		if (d->counters[i])
			fprintf(f, "lost: %s=%llu\n", counter_names[i], d->counters[i]);
	fflush(f);
}

static void json_hist(FILE *j, const struct khoscope_hist *h, unsigned int order)
{
	unsigned int s;
	bool first = true;

	fprintf(j, "{\"order\":%u,\"count\":%llu,\"ok\":%llu"
		",\"errors\":%llu,\"sum_ns\":%llu,\"buckets\":[",
		order, h->count, h->ok, h->errors, h->sum_ns);
	for (s = 0; s < KHOSCOPE_NR_SLOTS; s++) {
		if (!h->slots[s])
			continue;
		fprintf(j, "%s{\"min\":%llu,\"max\":%llu,\"count\":%llu}",
			first ? "" : ",", ks_slot_min(s), ks_slot_max(s), h->slots[s]);
		first = false;
	}
	fprintf(j, "]}");
}

static void json_shape(FILE *j, const struct ks_shape *s)
{
	unsigned int o, l;
	bool first = true;
	__u64 nodes = 0;

	fprintf(j, "{\"tree\":%u,\"orders\":[", s->tree);
	for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
		if (!s->keys[o])
			continue;
		fprintf(j, "%s{\"order\":%u,\"keys\":%llu,\"pages\":%llu"
			",\"bytes\":%llu}", first ? "" : ",", o, (unsigned long long)s->keys[o],
			(unsigned long long)s->keys[o] << o,
			((unsigned long long)s->keys[o] << o) << KHOSCOPE_PAGE_SHIFT);
		first = false;
	}
	fprintf(j, "],\"levels\":[");
	for (l = KHOSCOPE_NR_LEVELS; l-- > 0;) {
		nodes += s->nodes[l];
		fprintf(j, "{\"level\":%u,\"nodes\":%llu,\"bytes\":%llu}%s", l,
			(unsigned long long)s->nodes[l], (unsigned long long)s->nodes[l] * KHOSCOPE_NODE_SIZE,
			l ? "," : "");
	}
	fprintf(j, "],\"node_bytes\":%llu}", nodes * KHOSCOPE_NODE_SIZE);
}

void ks_print_json(FILE *f, const struct ks_report *r)
{
	const struct ks_snapshot *d = r->delta;
	unsigned int op, o, l, i, slot = tree_slot(r->tree);
	char *buf = NULL;
	size_t len = 0;
	FILE *j;

	j = open_memstream(&buf, &len);
	if (!j)
		return;

	fprintf(j, "{\"schema\":%d,\"ts\":%llu.%09llu,\"interval_ns\":%llu"
		",\"final\":%s,\"tree\":%u,\"ops\":{",
		KHOSCOPE_SCHEMA_VERSION, r->ts_ns / 1000000000ULL, r->ts_ns % 1000000000ULL,
		r->interval_ns, r->final ? "true" : "false", r->tree);
	for (op = 0; op < KHOSCOPE_NR_OPS; op++) {
		bool first = true;

		fprintf(j, "%s\"%s\":[", op ? "," : "", op_names[op]);
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
			if (!d->hist[op][o].count)
				continue;
			if (!first)
				fputc(',', j);
			json_hist(j, &d->hist[op][o], o);
			first = false;
		}
		fputc(']', j);
	}
	fprintf(j, "},\"errors\":[");
	for (i = 0; i < d->nr_errors; i++)
		fprintf(j, "%s{\"op\":\"%s\",\"order\":%u,\"errno\":%d,\"tree\":%u,\"count\":%llu}",
			i ? "," : "", ks_op_name(d->errors[i].key.op), d->errors[i].key.order,
			-d->errors[i].key.err, d->errors[i].key.tree, d->errors[i].count);
	fprintf(j, "],\"nodes\":[");
	for (l = KHOSCOPE_NR_LEVELS; l-- > 0;)
		fprintf(j, "{\"level\":%u,\"alloc\":%llu,\"free\":%llu}%s", l,
			(unsigned long long)d->nodes[slot][l].alloc, (unsigned long long)d->nodes[slot][l].free,
			l ? "," : "");
	fprintf(j, "],\"walks\":{\"count\":%llu,\"sum_ns\":%llu,\"max_ns\":%llu"
		",\"keys\":%llu,\"nodes\":%llu,\"errors\":%llu}",
		d->walks[slot].count, d->walks[slot].sum_ns, d->walks[slot].max_ns,
		d->walks[slot].keys, d->walks[slot].nodes, d->walks[slot].errors);

	if (r->memory) {
		const struct ks_memory *m = r->memory;
		bool first = true;
		__s64 nodes = 0;

		fprintf(j, ",\"memory\":{\"preserved\":[");
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
			if (!m->keys[o])
				continue;
			fprintf(j, "%s{\"order\":%u,\"keys\":%lld,\"pages\":%lld"
				",\"bytes\":%lld}", first ? "" : ",", o, (long long)m->keys[o],
				(long long)m->keys[o] * (1LL << o),
				(long long)m->keys[o] * (1LL << o) * (1LL << KHOSCOPE_PAGE_SHIFT));
			first = false;
		}
		fprintf(j, "],\"levels\":[");
		for (l = KHOSCOPE_NR_LEVELS; l-- > 0;) {
			nodes += m->nodes[l];
			fprintf(j, "{\"level\":%u,\"nodes\":%lld,\"bytes\":%lld}%s", l,
				(long long)m->nodes[l], (long long)m->nodes[l] * KHOSCOPE_NODE_SIZE,
				l ? "," : "");
		}
		fprintf(j, "],\"preserved_pages\":%llu,\"preserved_bytes\":%llu"
			",\"nodes\":%lld,\"node_bytes\":%llu,\"overhead_ratio\":%.6f}",
			m->preserved_pages, m->preserved_bytes, (long long)nodes, m->node_bytes,
			m->overhead_ratio);
	} else {
		fprintf(j, ",\"memory\":null");
	}

	fprintf(j, ",\"boot_restore\":");
	if (r->restore && r->restore->valid) {
		fprintf(j, "{\"retrieve_ns\":%llu,\"retrieve_ret\":%d,\"extend_scratch_ns\":%llu"
			",\"extend_scratch_ret\":%d,\"busy_blocks\":%llu,\"tree\":",
			r->restore->retrieve_ns, r->restore->retrieve_ret, r->restore->extend_ns,
			r->restore->extend_ret, (unsigned long long)r->restore->busy_blocks);
		json_shape(j, &r->restore->shape);
		fputc('}', j);
	} else {
		fprintf(j, "null");
	}

	fprintf(j, ",\"lost\":{");
	for (i = 0; i < KHOSCOPE_NR_COUNTERS; i++)
		fprintf(j, "%s\"%s\":%llu", i ? "," : "", counter_names[i], d->counters[i]);
	fprintf(j, "}}\n");
	fclose(j);

	fwrite(buf, 1, len, f);
	fflush(f);
	free(buf);
}
