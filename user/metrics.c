// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prometheus and OpenMetrics exposition of what khoscope counted.
 *
 * Every counter and histogram is cumulative since khoscope started; the
 * gauges are the tree's memory now. Histograms have one bucket per log2
 * slot of khoscope's own histograms, so that a quantile Prometheus
 * computes falls in the same slot as khoscope's. Series exist only for
 * what happened (a tree, operation and order with calls; a level with
 * nodes), which keeps their number bounded by what the tree holds: at most
 * 16 trees x 2 operations x 24 orders.
 */
#include <stdlib.h>
#include <string.h>
#include "metrics.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/*
 * Every series of a tree names it twice: by id, a boot-order number, and
 * by role (outgoing, incoming, other), which stays the same across boots:
 * dashboards and rules select on role.
 */
#define TREE_LABELS	"tree=\"%u\",role=\"%s\""

static const char *role(const struct ks_metrics *m, unsigned int t)
{
	return ks_tree_role(t, m->out_tree, m->restore);
}

bool ks_wants_openmetrics(const char *accept)
{
	return accept && strstr(accept, "application/openmetrics-text");
}

/* Nanoseconds as exact decimal seconds: 1023 -> 0.000001023. */
static void print_seconds(FILE *f, __u64 ns)
{
	char frac[16];
	int n;

	n = snprintf(frac, sizeof(frac), "%09llu", (unsigned long long)(ns % 1000000000ULL));
	while (n > 1 && frac[n - 1] == '0')
		frac[--n] = '\0';
	fprintf(f, "%llu.%s", (unsigned long long)(ns / 1000000000ULL), frac);
}

/*
 * A family's HELP and TYPE lines. OpenMetrics names a counter family
 * without its _total suffix; the text format names it with.
 */
static void family(FILE *f, bool om, const char *name, const char *type, const char *help)
{
	const char *suffix = !om && !strcmp(type, "counter") ? "_total" : "";

	fprintf(f, "# HELP %s%s %s\n", name, suffix, help);
	fprintf(f, "# TYPE %s%s %s\n", name, suffix, type);
}

static bool hist_used(const struct khoscope_hist *h)
{
	return ks_hist_calls(h) != 0;
}

static void print_histograms(FILE *f, const struct ks_metrics *m, bool om,
			     enum khoscope_op op)
{
	const char *name = op == KHOSCOPE_OP_PRESERVE ? "khoscope_preserve_duration_seconds" :
				"khoscope_unpreserve_duration_seconds";
	unsigned int t, o, s;

	family(f, om, name, "histogram", op == KHOSCOPE_OP_PRESERVE ?
	       "Time kho_radix_add_key() took per call, as the kernel timed it (kho_preserve_end)." :
	       "Time kho_radix_del_key() took per call, as the kernel timed it (kho_unpreserve_end).");
	for (t = 0; t < KHOSCOPE_NR_TREES; t++) {
		if (!m->shown[t])
			continue;
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
			const struct khoscope_hist *h = &m->total->hist[t][op][o];
			__u64 cum = 0;

			if (!hist_used(h))
				continue;
			for (s = 0; s < KHOSCOPE_NR_SLOTS - 1; s++) {
				cum += h->slots[s];
				fprintf(f, "%s_bucket{" TREE_LABELS ",order=\"%u\",le=\"",
					name, t, role(m, t), o);
				print_seconds(f, ks_slot_max(s));
				fprintf(f, "\"} %llu\n", (unsigned long long)cum);
			}
			cum += h->slots[KHOSCOPE_NR_SLOTS - 1];
			fprintf(f, "%s_bucket{" TREE_LABELS ",order=\"%u\",le=\"+Inf\"} %llu\n",
				name, t, role(m, t), o, (unsigned long long)cum);
			fprintf(f, "%s_sum{" TREE_LABELS ",order=\"%u\"} ", name, t, role(m, t), o);
			print_seconds(f, h->sum_ns);
			fprintf(f, "\n%s_count{" TREE_LABELS ",order=\"%u\"} %llu\n",
				name, t, role(m, t), o,
				(unsigned long long)cum);
		}
	}
}

static void print_calls(FILE *f, const struct ks_metrics *m, bool om, enum khoscope_op op)
{
	const char *name = op == KHOSCOPE_OP_PRESERVE ? "khoscope_preserve" : "khoscope_unpreserve";
	unsigned int t, o;

	family(f, om, name, "counter", op == KHOSCOPE_OP_PRESERVE ?
	       "Keys added to a KHO radix tree, by result (ok includes keys present already)." :
	       "Keys deleted from a KHO radix tree, by result (error includes keys not present).");
	for (t = 0; t < KHOSCOPE_NR_TREES; t++) {
		if (!m->shown[t])
			continue;
		for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
			const struct khoscope_hist *h = &m->total->hist[t][op][o];
			/* Raw counters only: a series never goes backwards. */
			if (!h->ok && !h->errors)
				continue;
			fprintf(f, "%s_total{" TREE_LABELS ",order=\"%u\",result=\"ok\"} %llu\n",
				name, t, role(m, t), o, (unsigned long long)h->ok);
			fprintf(f, "%s_total{" TREE_LABELS ",order=\"%u\",result=\"error\"} %llu\n",
				name, t, role(m, t), o, (unsigned long long)h->errors);
		}
	}
}

static void print_nodes(FILE *f, const struct ks_metrics *m, bool om, bool alloc)
{
	const char *name = alloc ? "khoscope_node_allocations" : "khoscope_node_frees";
	unsigned int t, l;

	family(f, om, name, "counter", alloc ?
	       "Node pages that joined a KHO radix tree, by level (0: bitmaps)." :
	       "Node pages that left a KHO radix tree, by level (0: bitmaps).");
	for (t = 0; t < KHOSCOPE_NR_TREES; t++) {
		if (!m->shown[t])
			continue;
		for (l = 0; l < KHOSCOPE_NR_LEVELS; l++) {
			const struct khoscope_tally *n = &m->total->tally[t];

			if (!n->alloc[l] && !n->free[l] && !m->memory[t].nodes[l])
				continue;
			fprintf(f, "%s_total{" TREE_LABELS ",level=\"%u\"} %llu\n",
				name, t, role(m, t), l,
				(unsigned long long)(alloc ? n->alloc[l] : n->free[l]));
		}
	}
}

/* Keys added or deleted in batches, by tree, operation and order. */
static void print_batches(FILE *f, const struct ks_metrics *m, bool om)
{
	static const char *const fields[] = { "holds", "keys", "seconds" };
	static const char *const helps[] = {
		"Holds of the tree lock in which the kernel added or deleted a batch of keys "
		"(kho_preserve_batch, kho_unpreserve_batch), by the order of their first key.",
		"Keys those holds added or removed.",
		"Time those holds took, as the kernel timed them.",
	};
	unsigned int i, t, op, o;
	char name[64];

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		snprintf(name, sizeof(name), "khoscope_batch_%s", fields[i]);
		family(f, om, name, "counter", helps[i]);
		for (t = 0; t < KHOSCOPE_NR_TREES; t++) {
			for (op = 0; m->shown[t] && op < KHOSCOPE_NR_OPS; op++) {
				for (o = 0; o < KHOSCOPE_NR_ORDERS; o++) {
					const struct khoscope_batch *b = &m->total->batch[t][op][o];
					__u64 holds = ks_batch_holds(b);

					if (!holds && !b->keys)
						continue;
					fprintf(f, "%s_total{" TREE_LABELS ",op=\"%s\",order=\"%u\"} ",
						name, t, role(m, t), ks_op_name(op), o);
					if (i == 2)
						print_seconds(f, b->sum_ns);
					else
						fprintf(f, "%llu", (unsigned long long)
							(i == 0 ? holds : b->keys));
					fputc('\n', f);
				}
			}
		}
	}
}

static bool order_used(const struct ks_metrics *m, unsigned int t, unsigned int o)
{
	return m->memory[t].keys[o] || hist_used(&m->total->hist[t][0][o]) ||
	       hist_used(&m->total->hist[t][1][o]) || m->total->batch[t][0][o].keys ||
	       m->total->batch[t][1][o].keys;
}

static void print_walks(FILE *f, const struct ks_metrics *m, bool om)
{
	unsigned int t;

	family(f, om, "khoscope_walks", "counter",
	       "Walks of a KHO radix tree (kho/out/radix_tree_walk readers; khoscope makes none).");
	for (t = 0; t < KHOSCOPE_NR_TREES; t++)
		if (m->shown[t])
			fprintf(f, "khoscope_walks_total{" TREE_LABELS "} %llu\n", t, role(m, t),
				(unsigned long long)m->total->walks[t].count);
	family(f, om, "khoscope_walk_seconds", "counter",
	       "Time those walks took, as the kernel timed them.");
	for (t = 0; t < KHOSCOPE_NR_TREES; t++) {
		if (!m->shown[t])
			continue;
		fprintf(f, "khoscope_walk_seconds_total{" TREE_LABELS "} ", t, role(m, t));
		print_seconds(f, m->total->walks[t].sum_ns);
		fputc('\n', f);
	}
}

/* The memory gauges: what a tree holds now. */
static void print_memory(FILE *f, const struct ks_metrics *m, bool om)
{
	unsigned int t, o, l;

	family(f, om, "khoscope_preserved_keys", "gauge",
	       "Keys a KHO radix tree holds, by page order (role outgoing: what this kernel preserves for the next).");
	for (t = 0; t < KHOSCOPE_NR_TREES; t++)
		for (o = 0; m->shown[t] && o < KHOSCOPE_NR_ORDERS; o++)
			if (order_used(m, t, o))
				fprintf(f, "khoscope_preserved_keys{" TREE_LABELS ",order=\"%u\"} %lld\n",
					t, role(m, t), o, (long long)m->memory[t].keys[o]);
	family(f, om, "khoscope_preserved_bytes", "gauge",
	       "Bytes the keys of a KHO radix tree preserve, by page order.");
	for (t = 0; t < KHOSCOPE_NR_TREES; t++)
		for (o = 0; m->shown[t] && o < KHOSCOPE_NR_ORDERS; o++)
			if (order_used(m, t, o))
				fprintf(f, "khoscope_preserved_bytes{" TREE_LABELS ",order=\"%u\"} %lld\n",
					t, role(m, t), o, (long long)m->memory[t].keys[o] *
					(1LL << (o + KHOSCOPE_PAGE_SHIFT)));
	family(f, om, "khoscope_node_bytes", "gauge",
	       "Bytes of node pages a KHO radix tree takes, by level (0: bitmaps).");
	for (t = 0; t < KHOSCOPE_NR_TREES; t++)
		for (l = 0; m->shown[t] && l < KHOSCOPE_NR_LEVELS; l++)
			if (m->memory[t].nodes[l] || m->total->tally[t].alloc[l])
				fprintf(f, "khoscope_node_bytes{" TREE_LABELS ",level=\"%u\"} %lld\n",
					t, role(m, t), l,
					(long long)m->memory[t].nodes[l] * KHOSCOPE_NODE_SIZE);
	family(f, om, "khoscope_spare_node_bytes", "gauge",
	       "Bytes of emptied node pages a KHO radix tree keeps for its next adds, "
	       "in none of its levels.");
	for (t = 0; t < KHOSCOPE_NR_TREES; t++)
		if (m->shown[t] && m->memory[t].counted)
			fprintf(f, "khoscope_spare_node_bytes{" TREE_LABELS "} %lld\n",
				t, role(m, t),
				(long long)m->memory[t].spare_bytes);
	family(f, om, "khoscope_overhead_ratio", "gauge",
	       "Node and spare bytes of a KHO radix tree per byte it preserves "
	       "(0 when it preserves none).");
	for (t = 0; t < KHOSCOPE_NR_TREES; t++)
		if (m->shown[t])
			fprintf(f, "khoscope_overhead_ratio{" TREE_LABELS "} %.17g\n",
				t, role(m, t),
				m->memory[t].overhead_ratio);
	family(f, om, "khoscope_memory_counted", "gauge",
	       "1 if a tree's memory gauges are the counts the tree keeps, "
	       "0 if they are the change since khoscope started.");
	for (t = 0; t < KHOSCOPE_NR_TREES; t++)
		if (m->shown[t])
			fprintf(f, "khoscope_memory_counted{" TREE_LABELS "} %d\n", t, role(m, t),
				m->memory[t].counted);
	family(f, om, "khoscope_memory_unseen_changes", "gauge",
	       "Changes to a tree's keys or nodes that its counts show and no event reported "
	       "since khoscope started: 0 unless events were lost.");
	for (t = 0; t < KHOSCOPE_NR_TREES; t++) {
		if (!m->shown[t] || !m->memory[t].counted)
			continue;
		fprintf(f, "khoscope_memory_unseen_changes{" TREE_LABELS ",kind=\"keys\"} %llu\n",
			t, role(m, t), (unsigned long long)m->memory[t].unseen_keys);
		fprintf(f, "khoscope_memory_unseen_changes{" TREE_LABELS ",kind=\"nodes\"} %llu\n",
			t, role(m, t), (unsigned long long)m->memory[t].unseen_nodes);
	}
}

static void print_lost(FILE *f, const struct ks_metrics *m, bool om)
{
	unsigned int i;

	family(f, om, "khoscope_lost_events", "counter",
	       "Events khoscope could not count where they belong, by reason (see docs/output.md, Lost events).");
	for (i = 0; i < KS_NR_LOST; i++)
		fprintf(f, "khoscope_lost_events_total{reason=\"%s\"} %llu\n", ks_lost_name(i),
			(unsigned long long)m->total->lost[i]);
}

static void print_restore(FILE *f, const struct ks_metrics *m, bool om)
{
	const struct ks_restore *r = m->restore;

	if (!r || !r->valid)
		return;
	family(f, om, "khoscope_boot_restore_seconds", "gauge",
	       "Time this kernel's early-boot walk of the tree it received took (retrieve_ns).");
	fprintf(f, "khoscope_boot_restore_seconds ");
	print_seconds(f, r->retrieve_ns);
	fputc('\n', f);
	family(f, om, "khoscope_boot_restore_result", "gauge",
	       "The result of that walk: 0, or a negative errno (retrieve_ret).");
	fprintf(f, "khoscope_boot_restore_result %d\n", r->retrieve_ret);
	family(f, om, "khoscope_boot_restore_runs_one_by_one", "gauge",
	       "Runs of preserved memory that walk reserved one at a time, after a batch failed (runs_one_by_one).");
	fprintf(f, "khoscope_boot_restore_runs_one_by_one %llu\n",
		(unsigned long long)r->runs_one_by_one);
}

/* The busiest first; ties by name, so that the order never depends on a map's. */
static int caller_calls_cmp(const void *a, const void *b)
{
	const struct ks_caller *x = a, *y = b;

	if (x->c.calls != y->c.calls)
		return x->c.calls > y->c.calls ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool labelled(const struct ks_caller_labels *l, const char *name)
{
	unsigned int i;

	for (i = 0; i < l->nr; i++)
		if (!strcmp(l->name[i], name))
			return true;
	return false;
}

/*
 * The API calls per caller and operation. The label's values are bounded:
 * KS_METRICS_MAX_CALLERS callers keep their name (see ks_caller_labels),
 * the rest are summed under "other".
 */
static void print_callers(FILE *f, const struct ks_metrics *m, bool om)
{
	static const char *const families[][2] = {
		{ "khoscope_api_calls", "Calls of the KHO preservation API, by caller, call and result." },
		{ "khoscope_api_keys", "Keys those calls added to or removed from the tree." },
		{ "khoscope_api_pages", "Pages those calls asked for." },
		{ "khoscope_api_seconds", "Time those calls took, as the kernel timed them." },
	};
	unsigned int i, j, nr = 0, nr_by_name = 0, fam;
	struct ks_caller_labels once = {}, *labels;
	struct ks_caller *by_name, *merged;

	if (!m->callers)
		return;
	by_name = calloc(m->nr_callers + 1, sizeof(*by_name));
	merged = calloc(m->nr_callers + 1, sizeof(*merged));
	if (!by_name || !merged)
		goto out;
	/* Calls per function, every operation together, busiest first. */
	for (i = 0; i < m->nr_callers; i++)
		nr_by_name = ks_callers_add(by_name, nr_by_name, m->callers[i].name, 0,
					    &m->callers[i].c);
	qsort(by_name, nr_by_name, sizeof(*by_name), caller_calls_cmp);
	labels = m->labels ?: &once;
	for (j = 0; j < nr_by_name && labels->nr < KS_METRICS_MAX_CALLERS; j++) {
		if (labelled(labels, by_name[j].name))
			continue;
		snprintf(labels->name[labels->nr++], sizeof(labels->name[0]), "%s",
			 by_name[j].name);
	}
	for (i = 0; i < m->nr_callers; i++) {
		const struct ks_caller *c = &m->callers[i];

		nr = ks_callers_add(merged, nr, labelled(labels, c->name) ? c->name : "other",
				    c->op, &c->c);
	}
	for (fam = 0; fam < ARRAY_SIZE(families); fam++) {
		family(f, om, families[fam][0], "counter", families[fam][1]);
		for (i = 0; i < nr; i++) {
			const struct ks_caller *c = &merged[i];
			const char *op = ks_api_op_name(c->op);

			switch (fam) {
			case 0:
				fprintf(f, "%s_total{caller=\"%s\",call=\"%s\",result=\"ok\"} %llu\n",
					families[fam][0], c->name, op,
					(unsigned long long)c->c.ok);
				fprintf(f, "%s_total{caller=\"%s\",call=\"%s\",result=\"error\"} %llu\n",
					families[fam][0], c->name, op,
					(unsigned long long)c->c.errors);
				break;
			case 1:
			case 2:
				fprintf(f, "%s_total{caller=\"%s\",call=\"%s\"} %llu\n",
					families[fam][0], c->name, op,
					(unsigned long long)(fam == 1 ? c->c.keys : c->c.pages));
				break;
			default:
				fprintf(f, "%s_total{caller=\"%s\",call=\"%s\"} ",
					families[fam][0], c->name, op);
				print_seconds(f, c->c.sum_ns);
				fputc('\n', f);
			}
		}
	}
out:
	free(by_name);
	free(merged);
}

/* A label's value, escaped as both formats want (backslash, quote, newline). */
static void print_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void print_build_info(FILE *f, const struct ks_metrics *m, bool om)
{
	if (!m->version)
		return;
	family(f, om, "khoscope_build_info", "gauge",
	       "khoscope's version and the revision it was built from, and the kernel "
	       "release it runs on: always 1.");
	fputs("khoscope_build_info{version=\"", f);
	print_label_value(f, m->version);
	fputs("\",revision=\"", f);
	print_label_value(f, m->revision ?: "unknown");
	fputs("\",kernel=\"", f);
	print_label_value(f, m->kernel ?: "unknown");
	fputs("\"} 1\n", f);
}

void ks_print_metrics(FILE *f, const struct ks_metrics *m, bool openmetrics)
{
	print_build_info(f, m, openmetrics);
	print_histograms(f, m, openmetrics, KHOSCOPE_OP_PRESERVE);
	print_histograms(f, m, openmetrics, KHOSCOPE_OP_UNPRESERVE);
	print_calls(f, m, openmetrics, KHOSCOPE_OP_PRESERVE);
	print_calls(f, m, openmetrics, KHOSCOPE_OP_UNPRESERVE);
	print_batches(f, m, openmetrics);
	print_nodes(f, m, openmetrics, true);
	print_nodes(f, m, openmetrics, false);
	print_walks(f, m, openmetrics);
	print_memory(f, m, openmetrics);
	print_lost(f, m, openmetrics);
	print_restore(f, m, openmetrics);
	print_callers(f, m, openmetrics);
	if (openmetrics)
		fputs("# EOF\n", f);
}
