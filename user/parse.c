// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* parse.c - numbers and lists on the command line, and debugfs text */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

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
		if (!strcmp(tok, ks_op_name(op))) {
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
		} else if (sscanf(buf, "spare=%llu bytes=", &a) == 1) {
			shape->spare = a;
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
