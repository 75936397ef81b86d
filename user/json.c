// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* json.c - one NDJSON record per report (user/khoscope.schema.json), with json-c */
#include <stdio.h>
#include <string.h>
#include "report.h"

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
	for (s = 0; s < ARRAY_SIZE(ks_percentiles); s++) {
		snprintf(key, sizeof(key), "p%.0f_ns", ks_percentiles[s]);
		json_u64(o, key, (__u64)(ks_hist_percentile(h->slots, KHOSCOPE_NR_SLOTS, h->sum_ns,
							    ks_percentiles[s]) + 0.5));
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
	for (s = 0; s < ARRAY_SIZE(ks_percentiles); s++) {
		snprintf(key, sizeof(key), "p%.0f_ns_per_key", ks_percentiles[s]);
		/* The hold's keys count under their own orders: no sum per key. */
		json_u64(o, key, (__u64)(ks_hist_percentile(b->key_slots, KHOSCOPE_NR_SLOTS, -1,
							    ks_percentiles[s]) + 0.5));
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

			if (ks_shown(r, op, ord) && ks_hist_calls(h))
				json_object_array_add(a, json_hist(h, ord));
		}
		json_object_object_add(ops, ks_op_name(op), a);
	}
	json_object_object_add(o, "ops", ops);

	for (op = 0; op < KHOSCOPE_NR_OPS; op++) {
		json_object *a = json_object_new_array();

		for (ord = 0; ord < KHOSCOPE_NR_ORDERS; ord++) {
			const struct khoscope_batch *b = &s->batch[t][op][ord];

			if (ks_shown(r, op, ord) && (ks_batch_holds(b) || b->keys))
				json_object_array_add(a, json_batch(b, ord));
		}
		json_object_object_add(batches, ks_op_name(op), a);
	}
	json_object_object_add(o, "batches", batches);

	for (i = 0; i < s->nr_errors; i++) {
		const struct ks_error *e = &s->errors[i];
		json_object *eo;

		if (!ks_error_shown(r, e))
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
		json_u64(lost, ks_lost_name(i), s->lost[i]);
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
	json_s64(o, "spare_nodes", m->spare_nodes);
	json_s64(o, "spare_bytes", m->spare_bytes);
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
		for (p = 0; p < ARRAY_SIZE(ks_percentiles); p++) {
			snprintf(key, sizeof(key), "p%.0f_ns", ks_percentiles[p]);
			json_u64(e, key, (__u64)(ks_hist_percentile(c->c.slots, KHOSCOPE_NR_SLOTS,
								    c->c.sum_ns, ks_percentiles[p]) + 0.5));
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
	json_object_object_add(o, "role", json_object_new_string(ks_tree_role(r->tree, r->out_tree,
										r->restore)));
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
