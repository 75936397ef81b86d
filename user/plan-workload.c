// SPDX-License-Identifier: GPL-2.0
/* plan-workload.c - khoscope-plan's workload: sizes, mixes, layouts, ranges, keys */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plan.h"

/* One line into @err (for argp_error()): always -1. */
static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* An unsigned number, all of the string; false if not. */
bool plan_parse_ull(const char *s, unsigned long long *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

int plan_parse_size(struct plan *p, const char *s, char *err, size_t len)
{
	static const char units[] = "KMGT";
	unsigned long long v, mul = 1;
	char num[64];
	size_t n = strlen(s);
	const char *u;

	if (!n || n >= sizeof(num))
		return fail(err, len, "invalid size '%s': a number with K, M, G or T", s);
	memcpy(num, s, n + 1);
	u = strchr(units, num[n - 1]);
	if (u && num[n - 1]) {
		mul = 1ULL << (10 * (u - units + 1));
		num[n - 1] = '\0';
	}
	if (!plan_parse_ull(num, &v) || !v)
		return fail(err, len, "invalid size '%s': a positive number with K, M, G or T", s);
	if (v > (1ULL << 52) / mul)
		return fail(err, len, "size '%s' is too large: at most 4P", s);
	p->size = v * mul;
	if (p->size % PAGE_BYTES)
		return fail(err, len, "size '%s' is not a whole number of 4 KiB pages", s);
	return 0;
}

int plan_parse_mix(struct plan *p, const char *s, char *errbuf, size_t len)
{
	char *copy = strdup(s), *tok, *save = NULL;
	unsigned int total = 0;
	int err = 0;

	memset(p->pct, 0, sizeof(p->pct));
	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		unsigned long long o, pct;
		char *colon = strchr(tok, ':');

		if (!colon) {
			err = fail(errbuf, len, "invalid mix entry '%s': ORDER:PERCENT", tok);
			break;
		}
		*colon = '\0';
		if (!plan_parse_ull(tok, &o) || o > MAX_ORDER_PLAN)
			err = fail(errbuf, len, "invalid order '%s' in the mix: 0..%d", tok,
				   MAX_ORDER_PLAN);
		else if (!plan_parse_ull(colon + 1, &pct) || !pct || pct > 100)
			err = fail(errbuf, len, "invalid percentage '%s' in the mix: 1..100", colon + 1);
		else if (p->pct[o])
			err = fail(errbuf, len, "order %llu appears twice in the mix", o);
		else {
			p->pct[o] = pct;
			total += pct;
		}
	}
	if (!err && total != 100)
		err = fail(errbuf, len, "the mix '%s' adds up to %u%%, not 100%%", s, total);
	free(copy);
	return err;
}

int plan_parse_layout(struct plan *p, const char *s, char *err, size_t len)
{
	if (!strcmp(s, "dense")) {
		p->layout = L_DENSE;
	} else if (!strcmp(s, "strided")) {
		p->layout = L_STRIDED;
	} else if (!strncmp(s, "random", 6) && (!s[6] || s[6] == ':')) {
		char *end;

		p->layout = L_RANDOM;
		if (s[6]) {
			errno = 0;
			p->fill = strtod(s + 7, &end);
			if (errno || end == s + 7 || *end || !(p->fill > 0 && p->fill <= 1))
				return fail(err, len, "invalid fill '%s': a fraction in (0, 1]", s + 7);
		}
	} else {
		return fail(err, len, "unknown layout '%s': dense, strided or random[:FILL]", s);
	}
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *ra = a, *rb = b;

	return ra->start < rb->start ? -1 : ra->start > rb->start;
}

int plan_read_ranges(struct plan *p, char *err, size_t len)
{
	const char *path = p->ranges_file;
	FILE *f = fopen(path, "r");
	char line[256];
	size_t cap = 0, i;
	unsigned int n = 0;

	if (!f)
		return fail(err, len, "cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char a[64], b[64], c[64], extra;
		unsigned long long start, end, order;
		int k;

		n++;
		line[strcspn(line, "#\n")] = '\0';
		k = sscanf(line, "%63s %63s %63s %c", a, b, c, &extra);
		if (k <= 0)
			continue;
		if (k != 3 || !plan_parse_ull(a, &start) || !plan_parse_ull(b, &end) ||
		    !plan_parse_ull(c, &order)) {
			fclose(f);
			return fail(err, len, "%s:%u: expected START_PFN END_PFN ORDER", path, n);
		}
		if (order > MAX_ORDER_PLAN || end <= start || end > (1ULL << 52)) {
			fclose(f);
			return fail(err, len, "%s:%u: need START < END <= 2^52 and ORDER <= %d", path, n,
				    MAX_ORDER_PLAN);
		}
		if ((start | end) & ((1ULL << order) - 1)) {
			fclose(f);
			return fail(err, len, "%s:%u: range %#llx-%#llx is not aligned to order %llu",
				    path, n, start, end, order);
		}
		if (p->nr_ranges == cap) {
			cap = cap ? cap * 2 : 64;
			p->ranges = realloc(p->ranges, cap * sizeof(*p->ranges));
			if (!p->ranges)
				abort();
		}
		p->ranges[p->nr_ranges++] = (struct range){ start, end, order };
	}
	fclose(f);
	if (!p->nr_ranges)
		return fail(err, len, "%s holds no range", path);
	qsort(p->ranges, p->nr_ranges, sizeof(*p->ranges), range_cmp);
	for (i = 1; i < p->nr_ranges; i++)
		if (p->ranges[i].start < p->ranges[i - 1].end)
			return fail(err, len, "%s: ranges %#lx-%#lx and %#lx-%#lx overlap", path,
				    p->ranges[i - 1].start, p->ranges[i - 1].end,
				    p->ranges[i].start, p->ranges[i].end);
	return 0;
}

/*
 * The described workload as ranges of keys: each order of the mix gets a
 * span of its own, above the previous one, 1 GiB aligned. Random layouts
 * are drawn later, key by key.
 */
void plan_ranges(struct plan *p)
{
	unsigned long base = 1UL << 18;	/* start at 1 GiB, as memory does */
	unsigned int o;

	for (o = 0; o <= MAX_ORDER_PLAN; o++) {
		unsigned long long keys, slots;

		if (!p->pct[o])
			continue;
		keys = p->size * p->pct[o] / 100 / (PAGE_BYTES << o);
		if (!keys)
			continue;
		slots = p->layout == L_DENSE ? keys : p->layout == L_STRIDED ? 2 * keys :
			(unsigned long long)ceil(keys / p->fill);
		p->ranges = realloc(p->ranges, (p->nr_ranges + 1) * sizeof(*p->ranges));
		if (!p->ranges)
			abort();
		p->ranges[p->nr_ranges++] = (struct range){ base, base + (slots << o), o };
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
int plan_for_each_key(const struct plan *p, int (*fn)(struct kho_radix_tree *, unsigned long),
		      struct kho_radix_tree *tree)
{
	size_t i;
	int err;

	rng_state = p->seed * 0x9e3779b97f4a7c15ULL | 1;
	for (i = 0; i < p->nr_ranges; i++) {
		const struct range *r = &p->ranges[i];
		unsigned long step = 1UL << r->order, pfn;
		unsigned long long want = 0, have = 0, left;

		if (!p->ranges_file && p->layout != L_DENSE)
			want = p->size * p->pct[r->order] / 100 / (PAGE_BYTES << r->order);
		for (pfn = r->start; pfn < r->end; pfn += step) {
			if (want) {
				if (have == want)
					break;
				left = (r->end - pfn) >> r->order;
				if (p->layout == L_STRIDED ? (pfn - r->start) & step :
				    left > want - have &&
				    (double)(rng() >> 11) / (1ULL << 53) >= p->fill)
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

