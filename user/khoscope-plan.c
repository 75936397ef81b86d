// SPDX-License-Identifier: GPL-2.0
/*
 * khoscope-plan - what will the KHO radix tree cost for a given preservation?
 *
 * Builds the tree with the kernel's own code (kernel/liveupdate/
 * kho_radix_tree.c of the patched source, compiled in user space against
 * tests/shim, as the tracker tests do), feeds it a described workload
 * (plan-workload.c), and walks it: keys per order, node pages per level,
 * node bytes, the overhead ratio, and the next kernel's restore walk time
 * estimated from per-key and per-node costs measured in the VM
 * (build/bench/restore-walk.json, written by make bench-restore).
 */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "plan.h"
#include "version.h"

const char *argp_program_version =
	"khoscope-plan " KHOSCOPE_VERSION " (" KHOSCOPE_REVISION ")";

static const char argp_doc[] =
"Build the KHO radix tree with the kernel's own code for a described\n"
"preservation and print what it costs: keys per order, node pages per\n"
"level, node bytes, overhead (node bytes / preserved bytes), and the next\n"
"kernel's restore walk estimated from costs measured in the VM."
"\v"
"Examples:\n"
"  khoscope-plan -s 64G                      # 64 GiB of order-0 pages, dense\n"
"  khoscope-plan -s 1T -m 9:100              # 1 TiB of 2 MiB folios\n"
"  khoscope-plan -s 16G -m 0:50,9:50 -l random:0.1\n"
"  khoscope-plan -r ranges.txt --json";

static const struct argp_option argp_options[] = {
	{ "size", 's', "SIZE", 0,
	  "Memory to preserve: a number with K, M, G or T (binary units), e.g. 64G "
	  "(default 1G)", 0 },
	{ "mix", 'm', "LIST", 0,
	  "Orders by share of the bytes, ORDER:PERCENT,... summing to 100 (default 0:100)", 0 },
	{ "layout", 'l', "LAYOUT", 0,
	  "Dense (every page of a span), strided (every other folio), or "
	  "random[:FILL] (folios picked at random, FILL of the span's slots, default "
	  "0.25); each order gets a span of its own (default dense)", 0 },
	{ "ranges", 'r', "FILE", 0,
	  "Preserve the keys of FILE instead: one range per line, START_PFN END_PFN "
	  "ORDER (END exclusive; decimal or 0x hex; both aligned to 2^ORDER pages; "
	  "ranges may not overlap; # starts a comment)", 0 },
	{ "churn", 'c', "N", 0, "Preserve and unpreserve everything N times first", 0 },
	{ "costs", 'C', "FILE", 0,
	  "Restore-walk figures (default: PREFIX/share/khoscope/khoscope-plan.costs.json "
	  "for an installed khoscope-plan; in the build tree, build/bench/restore-walk.json "
	  "if make bench-restore ran, else user/khoscope-plan.costs.json)", 0 },
	{ "seed", 'S', "N", 0, "Random layout seed (default 1)", 0 },
	{ "json", 'j', NULL, 0, "One JSON object instead of the table", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

static struct plan plan = {
	.size = 1ULL << 30,
	.pct = { [0] = 100 },
	.fill = 0.25,
	.seed = 1,
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	unsigned long long v;
	char err[256];

	switch (key) {
	case 's':
		if (plan_parse_size(&plan, arg, err, sizeof(err)))
			argp_error(state, "%s", err);
		break;
	case 'm':
		if (plan_parse_mix(&plan, arg, err, sizeof(err)))
			argp_error(state, "%s", err);
		break;
	case 'l':
		if (plan_parse_layout(&plan, arg, err, sizeof(err)))
			argp_error(state, "%s", err);
		break;
	case 'r':
		plan.ranges_file = arg;
		break;
	case 'c':
		if (!plan_parse_ull(arg, &v) || v > 1000)
			argp_error(state, "invalid churn '%s': 0..1000 cycles", arg);
		plan.churn = v;
		break;
	case 'C':
		plan.costs = arg;
		break;
	case 'S':
		if (!plan_parse_ull(arg, &v))
			argp_error(state, "invalid seed '%s'", arg);
		plan.seed = v;
		break;
	case 'j':
		plan.json = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (plan.ranges_file && plan_read_ranges(&plan, err, sizeof(err))) {
			/* Not a usage error: the file's content is. */
			fprintf(stderr, "khoscope-plan: %s\n", err);
			exit(2);
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Bad input ends here, with one line on stderr and exit status 2. */
static void parse_args(int argc, char **argv)
{
	static const struct argp argp = {
		.options = argp_options,
		.parser = parse_arg,
		.doc = argp_doc,
	};

	/* getopt's messages name argv[0]: the same name as ours. */
	argv[0] = (char *)"khoscope-plan";
	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
}

/*
 * The cost file, relative to this program: installed, PREFIX/bin ->
 * PREFIX/share/khoscope; in the build tree, the latest bench-restore run,
 * else the file the source ships. The first that exists, or the first.
 */
static const char *find_costs(char *buf, size_t len)
{
	static const char *const rel[] = {
		"../share/khoscope/khoscope-plan.costs.json",
		"../bench/restore-walk.json",
		"../../user/khoscope-plan.costs.json",
	};
	char dir[2048];		/* and buf is larger: no truncation */
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	unsigned int i;

	dir[n > 0 ? n : 0] = '\0';
	*(strrchr(dir, '/') ?: dir) = '\0';
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *real;

		snprintf(buf, len, "%s/%s", dir, rel[i]);
		if (access(buf, R_OK))
			continue;
		/* Say it without the "..": /usr/share/..., not /usr/bin/../share/... */
		real = realpath(buf, NULL);
		if (real && strlen(real) < len)
			strcpy(buf, real);
		free(real);
		return buf;
	}
	snprintf(buf, len, "%s/%s", dir, rel[0]);
	return buf;
}

/* A failure while planning: one line, status 1. */
static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "khoscope-plan: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int del_key(struct kho_radix_tree *tree, unsigned long key)
{
	kho_radix_del_key(tree, key);
	return 0;
}

/* Restore-walk costs: least squares t = a * keys + b * nodes over the rows. */
static int read_costs(const char *path, double *per_key, double *per_node, int *rows)
{
	json_object *root = json_object_from_file(path), *figs;
	double skk = 0, snn = 0, skn = 0, skt = 0, snt = 0, det;
	size_t i, n;

	*rows = 0;
	if (!root)
		return -1;
	if (!json_object_object_get_ex(root, "workloads", &figs) ||
	    !json_object_is_type(figs, json_type_array)) {
		json_object_put(root);
		return -1;
	}
	n = json_object_array_length(figs);
	for (i = 0; i < n; i++) {
		json_object *w = json_object_array_get_idx(figs, i), *v, *series;
		double k, nd, t;

		if (!json_object_object_get_ex(w, "series", &series) ||
		    !json_object_object_get_ex(series, "keys", &v))
			continue;
		k = json_object_get_double(v);
		if (!json_object_object_get_ex(series, "nodes", &v))
			continue;
		nd = json_object_get_double(v);
		if (!json_object_object_get_ex(series, "retrieve_ns", &v))
			continue;
		t = json_object_get_double(v);
		skk += k * k;
		snn += nd * nd;
		skn += k * nd;
		skt += k * t;
		snt += nd * t;
		(*rows)++;
	}
	json_object_put(root);
	det = skk * snn - skn * skn;
	if (*rows < 2 || fabs(det) < 1e-9)
		return -1;
	*per_key = (skt * snn - snt * skn) / det;
	*per_node = (snt * skk - skt * skn) / det;
	return 0;
}

int main(int argc, char **argv)
{
	double per_key = 0, per_node = 0, secs, node_bytes, preserved = 0, est = -1;
	unsigned long long per_order[MAX_ORDER_PLAN + 1] = {}, nodes = 0;
	size_t i;
	struct kho_radix_tree tree = {};
	struct walk_result w = {};
	char default_costs[4096];
	struct timespec t0, t1;
	unsigned int o, l;
	unsigned long cyc;
	int rows = 0;

	parse_args(argc, argv);
	if (!plan.ranges_file)
		plan_ranges(&plan);
	if (!plan.costs)
		plan.costs = find_costs(default_costs, sizeof(default_costs));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (kho_radix_init_tree(&tree, NULL))
		return fail("out of memory");
	for (cyc = 0; cyc < plan.churn; cyc++) {
		if (plan_for_each_key(&plan, kho_radix_add_key, &tree))
			return fail("out of memory while preserving");
		plan_for_each_key(&plan, del_key, &tree);
	}
	if (plan_for_each_key(&plan, kho_radix_add_key, &tree))
		return fail("out of memory while preserving");
	walk_tree(&tree, &w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (w.ret)
		return fail("the walk failed: %d", w.ret);

	for (i = 0; i < w.nr; i++) {
		unsigned long key = w.keys[i];
		/* encode_key(): the top bit is bit 64 - PAGE_SHIFT - order. */
		unsigned int order = __builtin_clzl(key) - (PAGE_SHIFT - 1);

		if (order <= MAX_ORDER_PLAN)
			per_order[order]++;
		preserved += (double)(PAGE_BYTES << order);
	}
	for (l = 0; l < LEVELS; l++)
		nodes += w.nodes[l];
	node_bytes = (double)nodes * PAGE_BYTES;
	if (!read_costs(plan.costs, &per_key, &per_node, &rows))
		est = (per_key * w.nr + per_node * nodes) / 1e6;

	if (plan.json) {
		json_object *o_ = json_object_new_object(), *a = json_object_new_array();
		json_object *lv = json_object_new_array(), *rw = json_object_new_object();

		for (o = 0; o <= MAX_ORDER_PLAN; o++) {
			json_object *e;

			if (!per_order[o])
				continue;
			e = json_object_new_object();
			json_object_object_add(e, "order", json_object_new_int(o));
			json_object_object_add(e, "keys", json_object_new_uint64(per_order[o]));
			json_object_object_add(e, "bytes",
					       json_object_new_uint64(per_order[o] * (PAGE_BYTES << o)));
			json_object_array_add(a, e);
		}
		for (l = LEVELS; l-- > 0;) {
			json_object *e = json_object_new_object();

			json_object_object_add(e, "level", json_object_new_int(l));
			json_object_object_add(e, "nodes", json_object_new_uint64(w.nodes[l]));
			json_object_object_add(e, "bytes",
					       json_object_new_uint64(w.nodes[l] * PAGE_BYTES));
			json_object_array_add(lv, e);
		}
		json_object_object_add(o_, "keys", json_object_new_uint64(w.nr));
		json_object_object_add(o_, "preserved_bytes", json_object_new_double(preserved));
		json_object_object_add(o_, "orders", a);
		json_object_object_add(o_, "levels", lv);
		json_object_object_add(o_, "nodes", json_object_new_uint64(nodes));
		json_object_object_add(o_, "node_bytes", json_object_new_uint64(nodes * PAGE_BYTES));
		json_object_object_add(o_, "overhead_ratio",
				       json_object_new_double(preserved ? node_bytes / preserved : 0));
		if (est >= 0) {
			json_object_object_add(rw, "per_key_ns", json_object_new_double(per_key));
			json_object_object_add(rw, "per_node_ns", json_object_new_double(per_node));
			json_object_object_add(rw, "estimate_ms", json_object_new_double(est));
			json_object_object_add(rw, "from", json_object_new_string(plan.costs));
			json_object_object_add(o_, "restore_walk", rw);
		} else {
			json_object_put(rw);
			json_object_object_add(o_, "restore_walk", NULL);
		}
		json_object_object_add(o_, "plan_seconds", json_object_new_double(secs));
		printf("%s\n", json_object_to_json_string_ext(o_, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o_);
	} else {
		printf("%-6s %14s %18s\n", "order", "keys", "bytes");
		for (o = 0; o <= MAX_ORDER_PLAN; o++)
			if (per_order[o])
				printf("%-6u %14llu %18llu\n", o, per_order[o],
				       per_order[o] * (PAGE_BYTES << o));
		printf("%-6s %14zu %18.0f\n", "total", w.nr, preserved);
		printf("\n%-6s %14s %18s\n", "level", "node pages", "bytes");
		for (l = LEVELS; l-- > 0;)
			printf("%-6u %14lu %18llu\n", l, w.nodes[l], w.nodes[l] * PAGE_BYTES);
		printf("%-6s %14llu %18.0f\n", "total", nodes, node_bytes);
		printf("\noverhead: %.4g (node bytes / preserved bytes)\n",
		       preserved ? node_bytes / preserved : 0);
		if (est >= 0)
			printf("restore walk: about %.2f ms in the next kernel (%.1f ns per key, "
			       "%.1f ns per node page, fitted to %d runs of %s)\n",
			       est, per_key, per_node, rows, plan.costs);
		else
			printf("restore walk: no estimate (%s has no usable figures: run make "
			       "bench-restore)\n", plan.costs);
		printf("planned in %.2f s\n", secs);
	}
	free(w.keys);
	kho_radix_destroy_tree(&tree);
	free(plan.ranges);
	return 0;
}
