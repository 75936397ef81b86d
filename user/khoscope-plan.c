// SPDX-License-Identifier: GPL-2.0
/*
 * khoscope-plan - what will the KHO radix tree cost for a given preservation?
 *
 * Builds the tree with the kernel's own code (kernel/liveupdate/
 * kho_radix_tree.c of the patched source, compiled in user space against
 * tests/shim, as the tracker tests do), feeds it a described workload, and
 * walks it: keys per order, node pages per level, node bytes, the overhead
 * ratio, and the next kernel's restore walk time estimated from per-key
 * and per-node costs measured in the VM (build/bench/restore-walk.json,
 * written by make bench-restore).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "tracker.h"

#define MAX_ORDER_PLAN	18	/* orders a key can have: up to 1 GiB folios */
#define PAGE_BYTES	4096ULL

static const char usage_text[] =
"Usage: khoscope-plan [OPTIONS]\n"
"\n"
"Build the KHO radix tree with the kernel's own code for a described\n"
"preservation and print what it costs: keys per order, node pages per\n"
"level, node bytes, overhead (node bytes / preserved bytes), and the next\n"
"kernel's restore walk estimated from costs measured in the VM.\n"
"\n"
"Options:\n"
"  -s, --size SIZE        memory to preserve: a number with K, M, G or T\n"
"                         (binary units), e.g. 64G (default 1G)\n"
"  -m, --mix LIST         orders by share of the bytes, ORDER:PERCENT,...\n"
"                         summing to 100 (default 0:100)\n"
"  -l, --layout LAYOUT    dense (every page of a span), strided (every other\n"
"                         folio), or random[:FILL] (folios picked at random,\n"
"                         FILL of the span's slots, default 0.25); each\n"
"                         order gets a span of its own (default dense)\n"
"  -r, --ranges FILE      preserve the keys of FILE instead: one range per\n"
"                         line, START_PFN END_PFN ORDER (END exclusive;\n"
"                         decimal or 0x hex; both aligned to 2^ORDER pages;\n"
"                         ranges may not overlap; # starts a comment)\n"
"  -c, --churn N          preserve and unpreserve everything N times first\n"
"  -C, --costs FILE       restore-walk figures (default:\n"
"                         build/bench/restore-walk.json next to this tool)\n"
"  -S, --seed N           random layout seed (default 1)\n"
"  -j, --json             one JSON object instead of the table\n"
"  -h, --help             this help\n"
"\n"
"Examples:\n"
"  khoscope-plan -s 64G                      # 64 GiB of order-0 pages, dense\n"
"  khoscope-plan -s 1T -m 9:100              # 1 TiB of 2 MiB folios\n"
"  khoscope-plan -s 16G -m 0:50,9:50 -l random:0.1\n"
"  khoscope-plan -r ranges.txt --json\n";

struct range {
	unsigned long start, end;	/* pfns, end exclusive */
	unsigned int order;
};

static struct plan {
	unsigned long long size;
	unsigned int pct[MAX_ORDER_PLAN + 1];
	enum { L_DENSE, L_STRIDED, L_RANDOM } layout;
	double fill;
	const char *ranges_file;
	unsigned long churn;
	const char *costs;
	unsigned long seed;
	bool json;
} plan = {
	.size = 1ULL << 30,
	.pct = { [0] = 100 },
	.fill = 0.25,
	.seed = 1,
};

static struct range *ranges;
static size_t nr_ranges;

static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "khoscope-plan: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* An unsigned number, all of the string; false if not. */
static bool parse_ull(const char *s, unsigned long long *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

static int parse_size(const char *s)
{
	static const char units[] = "KMGT";
	unsigned long long v, mul = 1;
	char num[64];
	size_t n = strlen(s);
	const char *u;

	if (!n || n >= sizeof(num))
		return fail("invalid size '%s': a number with K, M, G or T", s);
	memcpy(num, s, n + 1);
	u = strchr(units, num[n - 1]);
	if (u && num[n - 1]) {
		mul = 1ULL << (10 * (u - units + 1));
		num[n - 1] = '\0';
	}
	if (!parse_ull(num, &v) || !v)
		return fail("invalid size '%s': a positive number with K, M, G or T", s);
	if (v > (1ULL << 52) / mul)
		return fail("size '%s' is too large: at most 4P", s);
	plan.size = v * mul;
	if (plan.size % PAGE_BYTES)
		return fail("size '%s' is not a whole number of 4 KiB pages", s);
	return 0;
}

static int parse_mix(const char *s)
{
	char *copy = strdup(s), *tok, *save = NULL;
	unsigned int total = 0;
	int err = 0;

	memset(plan.pct, 0, sizeof(plan.pct));
	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		unsigned long long o, p;
		char *colon = strchr(tok, ':');

		if (!colon) {
			err = fail("invalid mix entry '%s': ORDER:PERCENT", tok);
			break;
		}
		*colon = '\0';
		if (!parse_ull(tok, &o) || o > MAX_ORDER_PLAN)
			err = fail("invalid order '%s' in the mix: 0..%d", tok, MAX_ORDER_PLAN);
		else if (!parse_ull(colon + 1, &p) || !p || p > 100)
			err = fail("invalid percentage '%s' in the mix: 1..100", colon + 1);
		else if (plan.pct[o])
			err = fail("order %llu appears twice in the mix", o);
		else {
			plan.pct[o] = p;
			total += p;
		}
	}
	if (!err && total != 100)
		err = fail("the mix '%s' adds up to %u%%, not 100%%", s, total);
	free(copy);
	return err;
}

static int parse_layout(const char *s)
{
	if (!strcmp(s, "dense")) {
		plan.layout = L_DENSE;
	} else if (!strcmp(s, "strided")) {
		plan.layout = L_STRIDED;
	} else if (!strncmp(s, "random", 6) && (!s[6] || s[6] == ':')) {
		char *end;

		plan.layout = L_RANDOM;
		if (s[6]) {
			errno = 0;
			plan.fill = strtod(s + 7, &end);
			if (errno || end == s + 7 || *end || !(plan.fill > 0 && plan.fill <= 1))
				return fail("invalid fill '%s': a fraction in (0, 1]", s + 7);
		}
	} else {
		return fail("unknown layout '%s': dense, strided or random[:FILL]", s);
	}
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *ra = a, *rb = b;

	return ra->start < rb->start ? -1 : ra->start > rb->start;
}

static int read_ranges(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	size_t cap = 0, i;
	unsigned int n = 0;

	if (!f)
		return fail("cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char a[64], b[64], c[64], extra;
		unsigned long long start, end, order;
		int k;

		n++;
		line[strcspn(line, "#\n")] = '\0';
		k = sscanf(line, "%63s %63s %63s %c", a, b, c, &extra);
		if (k <= 0)
			continue;
		if (k != 3 || !parse_ull(a, &start) || !parse_ull(b, &end) ||
		    !parse_ull(c, &order)) {
			fclose(f);
			return fail("%s:%u: expected START_PFN END_PFN ORDER", path, n);
		}
		if (order > MAX_ORDER_PLAN || end <= start || end > (1ULL << 52)) {
			fclose(f);
			return fail("%s:%u: need START < END <= 2^52 and ORDER <= %d", path, n,
				    MAX_ORDER_PLAN);
		}
		if ((start | end) & ((1ULL << order) - 1)) {
			fclose(f);
			return fail("%s:%u: range %#llx-%#llx is not aligned to order %llu",
				    path, n, start, end, order);
		}
		if (nr_ranges == cap) {
			cap = cap ? cap * 2 : 64;
			ranges = realloc(ranges, cap * sizeof(*ranges));
			if (!ranges)
				abort();
		}
		ranges[nr_ranges++] = (struct range){ start, end, order };
	}
	fclose(f);
	if (!nr_ranges)
		return fail("%s holds no range", path);
	qsort(ranges, nr_ranges, sizeof(*ranges), range_cmp);
	for (i = 1; i < nr_ranges; i++)
		if (ranges[i].start < ranges[i - 1].end)
			return fail("%s: ranges %#lx-%#lx and %#lx-%#lx overlap", path,
				    ranges[i - 1].start, ranges[i - 1].end,
				    ranges[i].start, ranges[i].end);
	return 0;
}

/*
 * The described workload as ranges of keys: each order of the mix gets a
 * span of its own, above the previous one, 1 GiB aligned. Random layouts
 * are drawn later, key by key.
 */
static void plan_ranges(void)
{
	unsigned long base = 1UL << 18;	/* start at 1 GiB, as memory does */
	unsigned int o;

	for (o = 0; o <= MAX_ORDER_PLAN; o++) {
		unsigned long long keys, slots;

		if (!plan.pct[o])
			continue;
		keys = plan.size * plan.pct[o] / 100 / (PAGE_BYTES << o);
		if (!keys)
			continue;
		slots = plan.layout == L_DENSE ? keys : plan.layout == L_STRIDED ? 2 * keys :
			(unsigned long long)ceil(keys / plan.fill);
		ranges = realloc(ranges, (nr_ranges + 1) * sizeof(*ranges));
		if (!ranges)
			abort();
		ranges[nr_ranges++] = (struct range){ base, base + (slots << o), o };
		base = (base + (slots << o) + (1UL << 18) - 1) & ~((1UL << 18) - 1);
	}
}

/* xorshift64*: the same keys for the same seed everywhere. */
static unsigned long long rng_state;

static unsigned long long rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/*
 * Call @fn on every key of the workload, in address order per range. A
 * random range keeps each slot with probability FILL, drawn from the seed,
 * until it has the keys it should hold.
 */
static int for_each_key(int (*fn)(struct kho_radix_tree *, unsigned long),
			struct kho_radix_tree *tree)
{
	size_t i;
	int err;

	rng_state = plan.seed * 0x9e3779b97f4a7c15ULL | 1;
	for (i = 0; i < nr_ranges; i++) {
		const struct range *r = &ranges[i];
		unsigned long step = 1UL << r->order, pfn;
		unsigned long long want = 0, have = 0, left;

		if (!plan.ranges_file && plan.layout != L_DENSE)
			want = plan.size * plan.pct[r->order] / 100 / (PAGE_BYTES << r->order);
		for (pfn = r->start; pfn < r->end; pfn += step) {
			if (want) {
				if (have == want)
					break;
				left = (r->end - pfn) >> r->order;
				if (plan.layout == L_STRIDED ? (pfn - r->start) & step :
				    left > want - have &&
				    (double)(rng() >> 11) / (1ULL << 53) >= plan.fill)
					continue;
				have++;
			}
			err = fn(tree, encode_key(pfn, r->order));
			if (err)
				return err;
		}
	}
	return 0;
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

static int parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "mix", required_argument, NULL, 'm' },
		{ "layout", required_argument, NULL, 'l' },
		{ "ranges", required_argument, NULL, 'r' },
		{ "churn", required_argument, NULL, 'c' },
		{ "costs", required_argument, NULL, 'C' },
		{ "seed", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned long long v;
	int c, err = 0;

	opterr = 0;
	while (!err && (c = getopt_long(argc, argv, ":s:m:l:r:c:C:S:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			err = parse_size(optarg);
			break;
		case 'm':
			err = parse_mix(optarg);
			break;
		case 'l':
			err = parse_layout(optarg);
			break;
		case 'r':
			plan.ranges_file = optarg;
			break;
		case 'c':
			if (!parse_ull(optarg, &v) || v > 1000)
				err = fail("invalid churn '%s': 0..1000 cycles", optarg);
			plan.churn = v;
			break;
		case 'C':
			plan.costs = optarg;
			break;
		case 'S':
			if (!parse_ull(optarg, &v))
				err = fail("invalid seed '%s'", optarg);
			plan.seed = v;
			break;
		case 'j':
			plan.json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case ':':
			err = fail("option '%s' needs an argument", argv[optind - 1]);
			break;
		default:
			err = fail("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!err && optind < argc)
		err = fail("unexpected argument '%s'", argv[optind]);
	return err;
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
	int rows = 0, err;

	err = parse_args(argc, argv);
	if (err)
		return err;
	if (plan.ranges_file)
		err = read_ranges(plan.ranges_file);
	else
		plan_ranges();
	if (err)
		return err;
	if (!plan.costs) {
		ssize_t n = readlink("/proc/self/exe", default_costs, sizeof(default_costs) - 1);

		/* build/user/khoscope-plan -> build/bench/restore-walk.json */
		default_costs[n > 0 ? n : 0] = '\0';
		*(strrchr(default_costs, '/') ?: default_costs) = '\0';
		strncat(default_costs, "/../bench/restore-walk.json",
			sizeof(default_costs) - strlen(default_costs) - 1);
		plan.costs = default_costs;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (kho_radix_init_tree(&tree, NULL))
		return fail("out of memory");
	for (cyc = 0; cyc < plan.churn; cyc++) {
		if (for_each_key(kho_radix_add_key, &tree))
			return fail("out of memory while preserving");
		for_each_key(del_key, &tree);
	}
	if (for_each_key(kho_radix_add_key, &tree))
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
		printf("\noverhead: %.6g%% (node bytes / preserved bytes)\n",
		       preserved ? node_bytes / preserved * 100 : 0);
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
	free(ranges);
	return 0;
}
