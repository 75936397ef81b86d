// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/report.c: bucket math, option parsing, debugfs
 * parsing, memory accounting, the bcc histogram layout and the JSON line.
 *
 * Usage: test_report [FILTER]       run the tests
 *        test_report --emit-json    print sample JSON lines on stdout, for
 *                                   the schema check in tests/host/
 */
#include <stdlib.h>
#include "report.h"
#include "test.h"

static char *capture_text(const __u64 *slots, unsigned int nr)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ks_print_log2_hist(f, slots, nr, "nsecs");
	fclose(f);
	return buf;
}

TEST(slot_of_matches_log2)
{
	ASSERT_EQ(ks_slot_of(0), 0);
	ASSERT_EQ(ks_slot_of(1), 0);
	ASSERT_EQ(ks_slot_of(2), 1);
	ASSERT_EQ(ks_slot_of(3), 1);
	ASSERT_EQ(ks_slot_of(4), 2);
	ASSERT_EQ(ks_slot_of(1023), 9);
	ASSERT_EQ(ks_slot_of(1024), 10);
	ASSERT_EQ(ks_slot_of(1ULL << 39), 39);
	ASSERT_EQ(ks_slot_of(~0ULL), KHOSCOPE_NR_SLOTS - 1);
}

TEST(slots_tile_the_number_line)
{
	unsigned int s;

	ASSERT_EQ(ks_slot_min(0), 0);
	ASSERT_EQ(ks_slot_max(0), 1);
	ASSERT_EQ(ks_slot_min(1), 2);
	ASSERT_EQ(ks_slot_max(1), 3);
	for (s = 0; s + 1 < KHOSCOPE_NR_SLOTS; s++) {
		ASSERT_EQ(ks_slot_min(s + 1), ks_slot_max(s) + 1);
		ASSERT_EQ(ks_slot_of(ks_slot_min(s)), s);
		ASSERT_EQ(ks_slot_of(ks_slot_max(s)), s);
	}
	ASSERT_EQ(ks_slot_max(KHOSCOPE_NR_SLOTS - 1), ~0ULL);
}

TEST(parse_orders)
{
	char err[128];
	__u64 mask = 0;

	ASSERT_EQ(ks_parse_orders("0,3,9-10", &mask, err, sizeof(err)), 0);
	ASSERT_EQ(mask, (1ULL << 0) | (1ULL << 3) | (1ULL << 9) | (1ULL << 10));
	ASSERT_EQ(ks_parse_orders("23", &mask, err, sizeof(err)), 0);
	ASSERT_EQ(mask, 1ULL << 23);
	ASSERT_EQ(ks_parse_orders("24", &mask, err, sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "0-23"));
	ASSERT_EQ(ks_parse_orders("5-3", &mask, err, sizeof(err)), -1);
	ASSERT_EQ(ks_parse_orders("x", &mask, err, sizeof(err)), -1);
	ASSERT_EQ(ks_parse_orders("1,,2", &mask, err, sizeof(err)), 0);
	ASSERT_EQ(ks_parse_orders("", &mask, err, sizeof(err)), -1);
	ASSERT_EQ(ks_parse_orders("3-", &mask, err, sizeof(err)), -1);
	ASSERT_EQ(ks_parse_orders("-3", &mask, err, sizeof(err)), -1);
}

TEST(parse_ops)
{
	char err[128];
	__u32 mask = 0;

	ASSERT_EQ(ks_parse_ops("preserve", &mask, err, sizeof(err)), 0);
	ASSERT_EQ(mask, 1U << KHOSCOPE_OP_PRESERVE);
	ASSERT_EQ(ks_parse_ops("unpreserve,preserve", &mask, err, sizeof(err)), 0);
	ASSERT_EQ(mask, 3);
	ASSERT_EQ(ks_parse_ops("walk", &mask, err, sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "unknown operation 'walk'"));
}

TEST(parse_positive)
{
	unsigned long v = 0;

	ASSERT_EQ(ks_parse_positive("10", 100, &v), 0);
	ASSERT_EQ(v, 10);
	ASSERT_EQ(ks_parse_positive("0", 100, &v), -1);
	ASSERT_EQ(ks_parse_positive("-1", 100, &v), -1);
	ASSERT_EQ(ks_parse_positive("101", 100, &v), -1);
	ASSERT_EQ(ks_parse_positive("1x", 100, &v), -1);
	ASSERT_EQ(ks_parse_positive("", 100, &v), -1);
	ASSERT_EQ(ks_parse_positive("99999999999999999999999", ~0UL, &v), -1);
}

static const char shape_text[] =
	"tree=3 keys=7 pages=23 nodes=8 node_bytes=32768\n"
	"level=5 nodes=1 bytes=4096\n"
	"level=4 nodes=1 bytes=4096\n"
	"level=3 nodes=1 bytes=4096\n"
	"level=2 nodes=1 bytes=4096\n"
	"level=1 nodes=2 bytes=8192\n"
	"level=0 nodes=2 bytes=8192\n"
	"order=0 keys=5 pages=5 bytes=20480\n"
	"order=1 keys=1 pages=2 bytes=8192\n"
	"order=4 keys=1 pages=16 bytes=65536\n";

TEST(parse_shape)
{
	struct ks_shape s;

	ASSERT_EQ(ks_parse_shape(shape_text, &s), 0);
	ASSERT_TRUE(s.valid);
	ASSERT_EQ(s.tree, 3);
	ASSERT_EQ(s.keys[0], 5);
	ASSERT_EQ(s.keys[1], 1);
	ASSERT_EQ(s.keys[4], 1);
	ASSERT_EQ(s.nodes[5], 1);
	ASSERT_EQ(s.nodes[0], 2);
	ASSERT_EQ(ks_parse_shape("garbage\n", &s), -1);
	ASSERT_EQ(ks_parse_shape("level=9 nodes=1 bytes=4096\ntree=1 keys=0\n", &s), -1);
	ASSERT_EQ(ks_parse_shape("", &s), -1);
}

TEST(parse_restore)
{
	char text[1024];
	struct ks_restore r;

	snprintf(text, sizeof(text), "retrieve_ns=1500 retrieve_ret=0 extend_scratch_ns=700 "
		 "extend_scratch_ret=-12 busy_blocks=2\n%s", shape_text);
	ASSERT_EQ(ks_parse_restore(text, &r), 0);
	ASSERT_TRUE(r.valid);
	ASSERT_EQ(r.retrieve_ns, 1500);
	ASSERT_EQ(r.extend_ret, -12);
	ASSERT_EQ(r.busy_blocks, 2);
	ASSERT_EQ(r.shape.keys[0], 5);
	ASSERT_EQ(ks_parse_restore(shape_text, &r), -1);
	ASSERT_TRUE(!r.valid);
}

TEST(memory_is_baseline_plus_events)
{
	static struct ks_snapshot at_base, now;
	struct ks_shape base;
	struct ks_memory m;

	ASSERT_EQ(ks_parse_shape(shape_text, &base), 0);
	at_base.hist[KHOSCOPE_OP_PRESERVE][0].ok = 10;
	now = at_base;
	now.hist[KHOSCOPE_OP_PRESERVE][0].ok = 110;	/* +100 order 0 */
	now.hist[KHOSCOPE_OP_UNPRESERVE][0].ok = 40;	/* -40 */
	now.hist[KHOSCOPE_OP_PRESERVE][9].ok = 2;	/* +2 order 9 */
	now.nodes[3][0].alloc = 5;
	now.nodes[3][0].free = 1;
	now.nodes[1][0].alloc = 99;	/* another tree: ignored */

	ks_memory_compute(&m, &base, &now, &at_base, 3);
	ASSERT_EQ(m.keys[0], 5 + 100 - 40);
	ASSERT_EQ(m.keys[9], 2);
	ASSERT_EQ(m.preserved_pages, 65 + 2 + 16 + 2 * 512);
	ASSERT_EQ(m.preserved_bytes, m.preserved_pages * 4096);
	ASSERT_EQ(m.nodes[0], 2 + 5 - 1);
	ASSERT_EQ(m.node_bytes, (8 + 4) * 4096ULL);
	ASSERT_TRUE(m.overhead_ratio > 12.0 / 1107 - 1e-9 && m.overhead_ratio < 12.0 / 1107 + 1e-9);
}

TEST(snapshot_delta)
{
	static struct ks_snapshot a, b, d;

	a.hist[0][3].slots[7] = 10;
	a.hist[0][3].count = 10;
	b.hist[0][3].slots[7] = 4;
	b.hist[0][3].count = 4;
	a.nr_errors = 2;
	a.errors[0].key = (struct khoscope_error_key){ .op = 0, .order = 3, .err = -12, .tree = 1 };
	a.errors[0].count = 5;
	a.errors[1].key = (struct khoscope_error_key){ .op = 1, .order = 0, .err = -2, .tree = 1 };
	a.errors[1].count = 1;
	b.nr_errors = 1;
	b.errors[0] = a.errors[0];
	b.errors[0].count = 5;
	ks_snapshot_sub(&d, &a, &b);
	ASSERT_EQ(d.hist[0][3].slots[7], 6);
	ASSERT_EQ(d.hist[0][3].count, 6);
	ASSERT_EQ(d.nr_errors, 1);	/* the unchanged error drops out */
	ASSERT_EQ(d.errors[0].key.err, -2);
}

TEST(log2_hist_layout_is_bcc)
{
	__u64 slots[KHOSCOPE_NR_SLOTS] = { 0 };
	char *text;

	slots[1] = 4;
	slots[3] = 8;
	text = capture_text(slots, KHOSCOPE_NR_SLOTS);
	ASSERT_STREQ(text,
		"     nsecs               : count    distribution\n"
		"         0 -> 1          : 0        |                                        |\n"
		"         2 -> 3          : 4        |********************                    |\n"
		"         4 -> 7          : 0        |                                        |\n"
		"         8 -> 15         : 8        |****************************************|\n");
	free(text);

	memset(slots, 0, sizeof(slots));
	text = capture_text(slots, KHOSCOPE_NR_SLOTS);
	ASSERT_STREQ(text, "");
	free(text);
}

static void sample(struct ks_snapshot *d, struct ks_memory *m, struct ks_restore *r)
{
	struct ks_shape base;
	static struct ks_snapshot zero;

	memset(d, 0, sizeof(*d));
	d->hist[KHOSCOPE_OP_PRESERVE][0].slots[10] = 3;
	d->hist[KHOSCOPE_OP_PRESERVE][0].slots[12] = 1;
	d->hist[KHOSCOPE_OP_PRESERVE][0].count = 4;
	d->hist[KHOSCOPE_OP_PRESERVE][0].ok = 3;
	d->hist[KHOSCOPE_OP_PRESERVE][0].errors = 1;
	d->hist[KHOSCOPE_OP_PRESERVE][0].sum_ns = 8000;
	d->hist[KHOSCOPE_OP_UNPRESERVE][9].slots[KHOSCOPE_NR_SLOTS - 1] = 1;
	d->hist[KHOSCOPE_OP_UNPRESERVE][9].count = 1;
	d->hist[KHOSCOPE_OP_UNPRESERVE][9].ok = 1;
	d->nr_errors = 1;
	d->errors[0].key = (struct khoscope_error_key){ .op = 0, .order = 0, .err = -12, .tree = 1 };
	d->errors[0].count = 1;
	d->nodes[1][0].alloc = 2;
	d->walks[1].count = 1;
	d->counters[KHOSCOPE_CTR_END_WITHOUT_BEGIN] = 3;
	ks_parse_shape(shape_text, &base);
	ks_memory_compute(m, &base, d, &zero, 1);
	memset(r, 0, sizeof(*r));
	ks_parse_restore("retrieve_ns=1 retrieve_ret=0 extend_scratch_ns=2 extend_scratch_ret=0 "
			 "busy_blocks=1\ntree=1 keys=1 pages=1 nodes=6 node_bytes=24576\n"
			 "order=0 keys=1 pages=1 bytes=4096\n", r);
}

static char *capture_json(const struct ks_report *rep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ks_print_json(f, rep);
	fclose(f);
	return buf;
}

TEST(json_is_one_line)
{
	static struct ks_snapshot d;
	struct ks_memory m;
	struct ks_restore r;
	struct ks_report rep = { .ts_ns = 1700000000123456789ULL, .interval_ns = 1000000000,
				 .tree = 1, .delta = &d, .memory = &m, .restore = &r };
	char *text;

	sample(&d, &m, &r);
	text = capture_json(&rep);
	ASSERT_TRUE(text && strlen(text) > 2);
	ASSERT_TRUE(text[strlen(text) - 1] == '\n');
	ASSERT_TRUE(!strchr(text, '\n') || strchr(text, '\n') == text + strlen(text) - 1);
	ASSERT_TRUE(!strncmp(text, "{\"schema\":1,\"ts\":1700000000.123456789,", 38));
	ASSERT_TRUE(strstr(text, "{\"min\":1024,\"max\":2047,\"count\":3}"));
	ASSERT_TRUE(strstr(text, "\"max\":18446744073709551615"));
	ASSERT_TRUE(strstr(text, "\"errno\":12"));
	free(text);
}

static int emit_json(void)
{
	static struct ks_snapshot d;
	struct ks_memory m;
	struct ks_restore r;
	struct ks_report rep = { .ts_ns = 1700000000000000001ULL, .interval_ns = 5,
				 .tree = 1, .delta = &d, .memory = &m, .restore = &r,
				 .final = true };

	sample(&d, &m, &r);
	ks_print_json(stdout, &rep);
	rep.memory = NULL;
	rep.restore = NULL;
	rep.final = false;
	ks_print_json(stdout, &rep);
	memset(&d, 0, sizeof(d));
	ks_print_json(stdout, &rep);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--emit-json"))
		return emit_json();
	return run_tests(argc > 1 ? argv[1] : NULL);
}
