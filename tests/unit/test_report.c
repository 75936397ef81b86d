// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/report.c: bucket math, option parsing, debugfs
 * parsing, memory accounting, the bcc histogram layout and the JSON line.
 *
 * Usage: test_report [FILTER]       run the tests
 *        test_report --emit-json    print sample JSON lines on stdout, for
 *                                   the schema check in tests/host/
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "ksyms.h"
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

/*
 * Percentiles interpolate linearly inside the log2 slot they fall in, and
 * the slot always holds the true value.
 */
TEST(percentiles_interpolate_inside_the_slot)
{
	__u64 slots[KHOSCOPE_NR_SLOTS] = {};
	double p;

	ASSERT_TRUE(ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, -1, 50) == 0);
	slots[10] = 100;			/* 100 values in [1024, 2048) */
	ASSERT_TRUE(ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, -1, 50) == 1536);
	p = ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, -1, 99);
	ASSERT_TRUE(p > 2037 && p < 2038);	/* 1024 + 0.99 * 1024 */
	ASSERT_TRUE(ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, -1, 100) == 2048);

	slots[10] = 0;
	slots[3] = 50;				/* [8, 16) */
	slots[5] = 50;				/* [32, 64) */
	ASSERT_TRUE(ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, -1, 50) == 16);
	p = ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, -1, 90);
	ASSERT_TRUE(p > 57.59 && p < 57.61);	/* 32 + 40 / 50 * 32 */
	ASSERT_EQ(ks_slot_of((__u64)p), 5);

	/* One value in the last slot, which has no upper bound. */
	memset(slots, 0, sizeof(slots));
	slots[KHOSCOPE_NR_SLOTS - 1] = 1;
	p = ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, -1, 50);
	ASSERT_TRUE(p >= ks_slot_min(KHOSCOPE_NR_SLOTS - 1));
}

/* A percentile of one value is that value, when its sum is known. */
TEST(percentile_of_one_value_is_that_value)
{
	__u64 slots[KHOSCOPE_NR_SLOTS] = {};

	slots[ks_slot_of(1216674)] = 1;
	ASSERT_TRUE(ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, 1216674, 50) == 1216674);
	ASSERT_TRUE(ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, 1216674, 99) == 1216674);
	/* Unknown sum: the estimate inside the slot, as for any count. */
	ASSERT_TRUE(ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, -1, 50) != 1216674);
	/* Two values: estimated, whatever the sum. */
	slots[ks_slot_of(1216674)] = 2;
	ASSERT_TRUE(ks_hist_percentile(slots, KHOSCOPE_NR_SLOTS, 2433348, 50) == 1572864);
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
	ASSERT_EQ(ks_parse_orders("1,,2", &mask, err, sizeof(err)), -1);
	ASSERT_EQ(ks_parse_orders(",", &mask, err, sizeof(err)), -1);
	ASSERT_STREQ(err, "empty item in order list ','");
	ASSERT_EQ(ks_parse_orders("1,", &mask, err, sizeof(err)), -1);
	ASSERT_EQ(ks_parse_orders(" 1", &mask, err, sizeof(err)), -1);
	ASSERT_EQ(ks_parse_orders("1-+2", &mask, err, sizeof(err)), -1);
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
	/* strtoul() alone reads " -1" as ULONG_MAX. */
	ASSERT_EQ(ks_parse_positive(" -1", ~0UL, &v), -1);
	ASSERT_EQ(ks_parse_positive(" 1", ~0UL, &v), -1);
	ASSERT_EQ(ks_parse_positive("+1", ~0UL, &v), -1);
	ASSERT_EQ(ks_parse_number("00", 100, &v), 0);
	ASSERT_EQ(v, 0);
	ASSERT_EQ(ks_parse_number("0x1", 100, &v), -1);
}

static const char shape_text[] =
	"tree=3 gen=41 keys=7 pages=23 nodes=8 node_bytes=32768\n"
	"level=5 nodes=1 bytes=4096\n"
	"level=4 nodes=1 bytes=4096\n"
	"level=3 nodes=1 bytes=4096\n"
	"level=2 nodes=1 bytes=4096\n"
	"level=1 nodes=2 bytes=8192\n"
	"level=0 nodes=2 bytes=8192\n"
	"order=0 keys=5 pages=5 bytes=20480\n"
	"order=1 keys=1 pages=2 bytes=8192\n"
	"order=4 keys=1 pages=16 bytes=65536\n"
	"spare=2 bytes=8192\n";

TEST(parse_shape)
{
	struct ks_shape s;

	ASSERT_EQ(ks_parse_shape(shape_text, &s), 0);
	ASSERT_TRUE(s.valid);
	ASSERT_EQ(s.tree, 3);
	ASSERT_EQ(s.gen, 41);
	ASSERT_EQ(s.keys[0], 5);
	ASSERT_EQ(s.keys[1], 1);
	ASSERT_EQ(s.keys[4], 1);
	ASSERT_EQ(s.nodes[5], 1);
	ASSERT_EQ(s.nodes[0], 2);
	ASSERT_EQ(s.spare, 2);
	ASSERT_EQ(ks_parse_shape("garbage\n", &s), -1);
	ASSERT_EQ(ks_parse_shape("level=9 nodes=1 bytes=4096\ntree=1 gen=0 keys=0\n", &s), -1);
	/* A kernel without generations cannot be joined with the events. */
	ASSERT_EQ(ks_parse_shape("tree=1 keys=0 pages=0 nodes=1 node_bytes=4096\n", &s), -1);
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
	ASSERT_EQ(r.bulk_failures, 0);
	ASSERT_EQ(r.shape.keys[0], 5);
	ASSERT_EQ(ks_parse_restore(shape_text, &r), -1);
	ASSERT_TRUE(!r.valid);

	/* A walk that reserved a failed batch one run at a time (0027 on). */
	snprintf(text, sizeof(text), "retrieve_ns=1500 retrieve_ret=0 extend_scratch_ns=700 "
		 "extend_scratch_ret=0 busy_blocks=2 runs=3000 bulk_failures=1 runs_one_by_one=2730\n%s",
		 shape_text);
	ASSERT_EQ(ks_parse_restore(text, &r), 0);
	ASSERT_EQ(r.busy_blocks, 2);
	ASSERT_EQ(r.runs, 3000);
	ASSERT_EQ(r.bulk_failures, 1);
	ASSERT_EQ(r.runs_one_by_one, 2730);
	ASSERT_EQ(r.deferred_folios, 0);

	/* Tails left to deferred struct page init (0029 on). */
	snprintf(text, sizeof(text), "retrieve_ns=1500 retrieve_ret=0 extend_scratch_ns=700 "
		 "extend_scratch_ret=0 busy_blocks=2 runs=9 bulk_failures=0 runs_one_by_one=0 "
		 "deferred_folios=2048 deferred_tail_pages=1046528 deferred_tails_ns=81000000 "
		 "deferred_tails_on_restore=1\n%s", shape_text);
	ASSERT_EQ(ks_parse_restore(text, &r), 0);
	ASSERT_EQ(r.runs, 9);
	ASSERT_EQ(r.deferred_folios, 2048);
	ASSERT_EQ(r.deferred_tail_pages, 1046528);
	ASSERT_EQ(r.deferred_tails_ns, 81000000);
	ASSERT_EQ(r.deferred_tails_on_restore, 1);
}

/* A counts record of tree 3: keys by order, nodes by level, the tally then. */
static void counts_event(struct khoscope_counts_event *e, __u64 keys0, __u64 nodes0,
			 __u64 added0, __u64 alloc0)
{
	memset(e, 0, sizeof(*e));
	e->kind = KHOSCOPE_EV_COUNTS;
	e->tree = 3;
	e->keys[0] = keys0;
	e->keys[9] = 2;
	e->nodes[5] = 1;
	e->nodes[0] = nodes0;
	e->tally.added[0] = added0;
	e->tally.removed[0] = 10;
	e->tally.alloc[0] = alloc0;
}

TEST(memory_is_the_trees_counts_checked_against_the_events)
{
	static struct ks_snapshot now;
	struct khoscope_counts_event e;
	struct ks_counts base;
	struct ks_memory m;

	/* The baseline read: 50 keys of order 0 in 4 leaves, nothing seen yet. */
	counts_event(&e, 50, 4, 0, 0);
	ks_snapshot_add_event(&now, &e, sizeof(e));
	ASSERT_TRUE(now.counts[3].valid);
	base = now.counts[3];
	/* Later: +30 order-0 keys and +2 leaves, all seen as events. */
	counts_event(&e, 80, 6, 30, 2);
	ks_snapshot_add_event(&now, &e, sizeof(e));
	now.tally[1].added[0] = 3;				/* another tree */
	now.tally[1].alloc[0] = 99;

	ks_memory_compute(&m, &base, &now, 3);
	ASSERT_TRUE(m.counted);
	ASSERT_EQ(m.unseen_keys, 0);
	ASSERT_EQ(m.unseen_nodes, 0);
	ASSERT_EQ(m.keys[0], 80);
	ASSERT_EQ(m.keys[9], 2);
	ASSERT_EQ(m.preserved_pages, 80 + 2 * 512);
	ASSERT_EQ(m.preserved_bytes, m.preserved_pages * 4096);
	ASSERT_EQ(m.nodes[0], 6);
	ASSERT_EQ(m.node_bytes, 7 * 4096LL);
	ASSERT_EQ(m.spare_nodes, 0);
	ASSERT_TRUE(m.overhead_ratio == 7.0 / (80 + 2 * 512));

	/* Two emptied nodes kept as spares: memory of the tree, in no level. */
	e.spare = 2;
	ks_snapshot_add_event(&now, &e, sizeof(e));
	ks_memory_compute(&m, &base, &now, 3);
	ASSERT_EQ(m.node_bytes, 7 * 4096LL);
	ASSERT_EQ(m.spare_nodes, 2);
	ASSERT_EQ(m.spare_bytes, 2 * 4096LL);
	ASSERT_TRUE(m.overhead_ratio == 9.0 / (80 + 2 * 512));
	ASSERT_EQ(m.unseen_nodes, 0);

	/* The counts moved by 5 keys and 1 node more than the events said. */
	counts_event(&e, 85, 7, 30, 2);
	ks_snapshot_add_event(&now, &e, sizeof(e));
	ks_memory_compute(&m, &base, &now, 3);
	ASSERT_EQ(m.keys[0], 85);
	ASSERT_EQ(m.unseen_keys, 5);
	ASSERT_EQ(m.unseen_nodes, 1);

	/* A tree whose counts khoscope cannot read: its changes since start. */
	ks_memory_compute(&m, &base, &now, 1);
	ASSERT_TRUE(!m.counted);
	ASSERT_EQ(m.keys[0], 3);
	ASSERT_EQ(m.nodes[0], 99);
	/* No baseline at all: the same. */
	ks_memory_compute(&m, NULL, &now, 3);
	ASSERT_TRUE(!m.counted);
}

TEST(ring_buffer_records)
{
	static struct ks_snapshot s;
	struct khoscope_walk_event e = { .kind = KHOSCOPE_EV_WALK, .tree = 3, .keys = 7,
					 .nodes = 8, .duration_ns = 500, .ret = -22 };
	struct khoscope_counts_event c = { .kind = KHOSCOPE_EV_COUNTS, .tree = 3 };

	ks_snapshot_add_event(&s, &e, sizeof(e));
	e.duration_ns = 300;
	e.ret = 0;
	ks_snapshot_add_event(&s, &e, sizeof(e));
	ASSERT_EQ(s.walks[3].count, 2);
	ASSERT_EQ(s.walks[3].sum_ns, 800);
	ASSERT_EQ(s.walks[3].max_ns, 500);
	ASSERT_EQ(s.walks[3].keys, 14);
	ASSERT_EQ(s.walks[3].errors, 1);

	e.tree = KHOSCOPE_NR_TREES;			/* out of range: ignored */
	ks_snapshot_add_event(&s, &e, sizeof(e));
	ASSERT_EQ(s.walks[3].count, 2);
	ks_snapshot_add_event(&s, &e, 4);		/* short: ignored */
	c.keys[2] = 4;
	ks_snapshot_add_event(&s, &c, sizeof(c) - 8);	/* short: ignored */
	ASSERT_TRUE(!s.counts[3].valid);
	ks_snapshot_add_event(&s, &c, sizeof(c));
	ASSERT_TRUE(s.counts[3].valid);
	ASSERT_EQ(s.counts[3].ev.keys[2], 4);
	ASSERT_TRUE(ks_tree_active(&s, 3));
	ASSERT_TRUE(!ks_tree_active(&s, 4));
}

/* A kallsyms file holding @text; its path in @path (to be unlinked). */
static void write_kallsyms(char *path, const char *text)
{
	int fd = mkstemp(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Rewrite the file at @path in place: an open FILE of it reads the new text. */
static void write_kallsyms_at(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/*
 * Callers are named from return addresses: the call may be the last
 * instruction of its function, so the address can be the next one's start.
 * An address past a function's text (the next symbol is data) is unknown.
 */
/* What khoscope does with /proc/kallsyms, on the file at @path. */
static int load_ksyms(struct ks_ksyms *k, const char *path)
{
	FILE *f = fopen(path, "r");
	int err;

	if (!f)
		return -errno;
	err = ks_ksyms_read(k, f);
	fclose(f);
	return err;
}

/* An open file of kallsyms read again reads it all again, from its start. */
TEST(ksyms_read_an_open_file_again)
{
	char path[] = "/tmp/ks-kallsyms-XXXXXX", buf[128];
	struct ks_ksyms k;
	FILE *f;
	int i;

	write_kallsyms(path, "ffffffff81000000 T first\n"
			     "ffffffff81000100 t second\n");
	f = fopen(path, "r");
	unlink(path);
	ASSERT_TRUE(f);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(ks_ksyms_read(&k, f), 0);
		ASSERT_EQ(k.nr, 2);
		ASSERT_TRUE(ks_ksyms_name(&k, 0xffffffff81000110ULL, buf, sizeof(buf)));
		ASSERT_STREQ(buf, "second");
		ks_ksyms_free(&k);
	}
	fclose(f);
}

TEST(ksyms_name_the_call_before_a_return_address)
{
	char path[] = "/tmp/ks-kallsyms-XXXXXX", buf[128];
	struct ks_ksyms k;

	write_kallsyms(path, "ffffffff81000000 T first\n"
			     "ffffffff81000100 t second\n"
			     "ffffffff81000100 d second_alias_data\n"
			     "ffffffff81000200 r some_table\n"
			     "ffffffffc0000000 t modfn\t[kho_workload]\n");
	ASSERT_EQ(load_ksyms(&k, path), 0);
	unlink(path);
	ASSERT_TRUE(ks_ksyms_name(&k, 0xffffffff81000010ULL, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "first");
	ASSERT_TRUE(ks_ksyms_name(&k, 0xffffffff81000100ULL, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "first");
	ASSERT_TRUE(ks_ksyms_name(&k, 0xffffffff81000101ULL, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "second");
	ASSERT_TRUE(ks_ksyms_name(&k, 0xffffffffc0000040ULL, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "modfn [kho_workload]");
	ASSERT_TRUE(!ks_ksyms_name(&k, 0xffffffff81000280ULL, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "unknown");
	ASSERT_TRUE(!ks_ksyms_name(&k, 0xffffffff80000000ULL, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "unknown");
	ks_ksyms_free(&k);
}

/* kallsyms with hidden addresses (all zero): "unknown", never an address. */
TEST(ksyms_hidden_name_unknown_never_an_address)
{
	char path[] = "/tmp/ks-kallsyms-XXXXXX", buf[128];
	struct ks_ksyms k;

	write_kallsyms(path, "0000000000000000 T first\n"
			     "0000000000000000 t second\n");
	ASSERT_EQ(load_ksyms(&k, path), 0);
	unlink(path);
	ASSERT_TRUE(!ks_ksyms_name(&k, 0xffffffff81000010ULL, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "unknown");
	ASSERT_TRUE(strstr(buf, "0x") == NULL);
	ks_ksyms_free(&k);
}

/*
 * A module freed and another loaded at its address: the calls of each keep
 * their own module's name (the callers map keys them by modules freed), and
 * a call of a generation no read saw is named only in the kernel proper.
 */
TEST(symcache_names_each_module_generation)
{
	char path[] = "/tmp/ks-kallsyms-XXXXXX";
	__u32 loaded = 1, freed = 0;
	struct ks_symcache *c;
	FILE *f;

	write_kallsyms(path, "ffffffff81000000 T core_fn\n"
			     "ffffffffc0000000 t fa\t[mod_a]\n");
	f = fopen(path, "r");
	ASSERT_TRUE(f);
	c = ks_symcache_new(f, &loaded, &freed);
	ASSERT_TRUE(c);
	ASSERT_STREQ(ks_symcache_name(c, 0xffffffffc0000010ULL, 0), "fa [mod_a]");
	ASSERT_STREQ(ks_symcache_name(c, 0xffffffff81000010ULL, 0), "core_fn");

	/* mod_a goes, mod_b comes at the same address. */
	write_kallsyms_at(path, "ffffffff81000000 T core_fn\n"
				"ffffffffc0000000 t fb\t[mod_b]\n");
	freed = 1;
	loaded = 2;
	ASSERT_STREQ(ks_symcache_name(c, 0xffffffffc0000010ULL, 1), "fb [mod_b]");
	ASSERT_STREQ(ks_symcache_name(c, 0xffffffffc0000010ULL, 0), "fa [mod_a]");
	/* Of generation 0, first seen now: mod_a is gone, the kernel is not. */
	ASSERT_STREQ(ks_symcache_name(c, 0xffffffffc0000020ULL, 0), "unknown");
	ASSERT_STREQ(ks_symcache_name(c, 0xffffffff81000020ULL, 0), "core_fn");

	/* A load alone: kallsyms is read again for the new module's calls. */
	write_kallsyms_at(path, "ffffffff81000000 T core_fn\n"
				"ffffffffc0000000 t fb\t[mod_b]\n"
				"ffffffffc1000000 t fc\t[mod_c]\n");
	loaded = 3;
	ASSERT_STREQ(ks_symcache_name(c, 0xffffffffc1000010ULL, 1), "fc [mod_c]");
	ks_symcache_free(c);
	fclose(f);
	unlink(path);
}

TEST(snapshot_delta)
{
	static struct ks_snapshot a, b, d;

	a.hist[1][0][3].slots[7] = 10;
	a.hist[1][0][3].errors = 2;
	b.hist[1][0][3].slots[7] = 4;
	a.lost[KS_LOST_RECURSION] = 5;
	b.lost[KS_LOST_RECURSION] = 3;
	a.nr_errors = 2;
	a.errors[0].key = (struct khoscope_error_key){ .op = 0, .order = 3, .err = -12, .tree = 1 };
	a.errors[0].count = 5;
	a.errors[1].key = (struct khoscope_error_key){ .op = 1, .order = 0, .err = -2, .tree = 1 };
	a.errors[1].count = 1;
	b.nr_errors = 1;
	b.errors[0] = a.errors[0];
	b.errors[0].count = 5;
	ks_snapshot_sub(&d, &a, &b);
	ASSERT_EQ(d.hist[1][0][3].slots[7], 6);
	ASSERT_EQ(ks_hist_calls(&d.hist[1][0][3]), 6);
	ASSERT_EQ(d.hist[1][0][3].errors, 2);
	ASSERT_EQ(d.lost[KS_LOST_RECURSION], 2);
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

	/* Past slot 32, bcc's wide layout: 15 + 29 header, 20-column values, 20 stars. */
	slots[33] = 2;
	slots[34] = 1;
	text = capture_text(slots, KHOSCOPE_NR_SLOTS);
	{
		static const char head[] =
			"               nsecs                         : count    distribution\n";

		ASSERT_TRUE(!strncmp(text, head, strlen(head)));
	}
	ASSERT_TRUE(strstr(text, "\n          8589934592 -> 17179869183          : 2        |********************|\n"));
	ASSERT_TRUE(strstr(text, "\n         17179869184 -> 34359738367          : 1        |**********          |\n"));
	free(text);
}

static void sample(struct ks_snapshot *d, struct ks_memory *m, struct ks_restore *r)
{
	struct ks_counts base;

	memset(d, 0, sizeof(*d));
	d->hist[1][KHOSCOPE_OP_PRESERVE][0].slots[10] = 3;
	d->hist[1][KHOSCOPE_OP_PRESERVE][0].slots[12] = 1;
	d->hist[1][KHOSCOPE_OP_PRESERVE][0].errors = 1;
	d->hist[1][KHOSCOPE_OP_PRESERVE][0].ok = 3;
	d->hist[1][KHOSCOPE_OP_PRESERVE][0].sum_ns = 8000;
	d->hist[1][KHOSCOPE_OP_UNPRESERVE][9].slots[KHOSCOPE_NR_SLOTS - 1] = 1;
	d->nr_errors = 1;
	d->errors[0].key = (struct khoscope_error_key){ .op = 0, .order = 0, .err = -12, .tree = 1 };
	d->errors[0].count = 1;
	d->tally[1].alloc[0] = 2;
	d->tally[1].added[0] = 3;
	d->batch[1][KHOSCOPE_OP_PRESERVE][0].slots[14] = 2;
	d->batch[1][KHOSCOPE_OP_PRESERVE][0].key_slots[7] = 2;
	d->batch[1][KHOSCOPE_OP_PRESERVE][0].size_slots[9] = 2;
	d->batch[1][KHOSCOPE_OP_PRESERVE][0].keys = 1024;
	d->batch[1][KHOSCOPE_OP_PRESERVE][0].sum_ns = 40000;
	d->walks[1].count = 1;
	d->lost[KS_LOST_RECURSION] = 3;
	d->counts[1].valid = true;
	d->counts[1].ev.kind = KHOSCOPE_EV_COUNTS;
	d->counts[1].ev.tree = 1;
	d->counts[1].ev.keys[0] = 8;
	d->counts[1].ev.nodes[5] = 1;
	d->counts[1].ev.nodes[0] = 2;
	base = d->counts[1];
	ks_memory_compute(m, &base, d, 1);
	memset(r, 0, sizeof(*r));
	ks_parse_restore("retrieve_ns=1 retrieve_ret=0 extend_scratch_ns=2 extend_scratch_ret=0 "
			 "busy_blocks=1\ntree=1 gen=0 keys=1 pages=1 nodes=6 node_bytes=24576\n"
			 "order=0 keys=1 pages=1 bytes=4096\n", r);
}

/* The sample, as the report of tree 1 that shows every order and operation. */
static struct ks_report sample_report(struct ks_snapshot *d, struct ks_memory *m,
				      struct ks_restore *r)
{
	sample(d, m, r);
	return (struct ks_report){ .ts_ns = 1700000000123456789ULL, .interval_ns = 1000000000,
				   .tree = 1, .delta = d, .memory = m, .restore = r,
				   .order_mask = ~0ULL, .op_mask = ~0U };
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

static char *capture_report(const struct ks_report *rep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ks_print_text(f, rep);
	fclose(f);
	return buf;
}

/*
 * A call the kernel did not time counts as a call but stays out of the
 * histogram, its percentiles and its average; an invalid key's error
 * (-ERANGE, an order past the histograms) is shown unless -o chose orders.
 */
TEST(untimed_calls_and_invalid_keys_are_where_a_user_looks)
{
	struct ks_snapshot d;
	struct ks_memory m;
	struct ks_restore r;
	struct ks_report rep;
	struct khoscope_hist *h = &d.hist[1][KHOSCOPE_OP_PRESERVE][0];
	char *text;

	rep = sample_report(&d, &m, &r);
	h->untimed = 2;
	h->ok += 2;
	d.nr_errors = 2;
	d.errors[1].key = (struct khoscope_error_key){ .op = 0, .order = 40, .err = -34, .tree = 1 };
	d.errors[1].count = 1;
	ASSERT_EQ(ks_hist_calls(h), 6);
	ASSERT_EQ(ks_hist_timed(h), 4);
	text = capture_json(&rep);
	ASSERT_TRUE(strstr(text, "\"count\":6,\"ok\":5,\"errors\":1,"));
	ASSERT_TRUE(strstr(text, "\"untimed\":2,"));
	ASSERT_TRUE(strstr(text, "{\"op\":\"preserve\",\"order\":40,\"errno\":34,\"count\":1}"));
	free(text);

	rep.order_mask = 1;	/* -o 0 */
	text = capture_json(&rep);
	ASSERT_TRUE(!strstr(text, "\"order\":40"));
	free(text);
}

/* An untimed hold counts as a hold and has its size, but no duration. */
TEST(untimed_holds_have_no_duration)
{
	struct ks_snapshot d;
	struct ks_memory m;
	struct ks_restore r;
	struct ks_report rep;
	struct khoscope_batch *b = &d.batch[1][KHOSCOPE_OP_PRESERVE][0];
	char *text;
	bool ok;

	rep = sample_report(&d, &m, &r);
	memset(b, 0, sizeof(*b));
	/* Two timed holds of 1000 ns, one untimed; 512 pages each. */
	b->slots[ks_slot_of(1000)] = 2;
	b->key_slots[ks_slot_of(2)] = 2;
	b->size_slots[ks_slot_of(512)] = 3;
	b->sum_ns = 2000;
	b->keys = 1536;
	b->untimed = 1;
	ASSERT_EQ(ks_batch_holds(b), 3);
	text = capture_json(&rep);
	ASSERT_TRUE(strstr(text, "\"holds\":3,"));
	ASSERT_TRUE(strstr(text, "\"untimed\":1"));
	free(text);
	text = capture_report(&rep);
	ok = strstr(text, "avg 1.00 us per hold") != NULL;
	free(text);
	ASSERT_TRUE(ok);
}

TEST(json_is_one_line)
{
	static struct ks_snapshot d;
	struct ks_memory m;
	struct ks_restore r;
	struct ks_report rep;
	char *text;

	rep = sample_report(&d, &m, &r);
	text = capture_json(&rep);
	ASSERT_TRUE(text && strlen(text) > 2);
	ASSERT_TRUE(text[strlen(text) - 1] == '\n');
	ASSERT_TRUE(!strchr(text, '\n') || strchr(text, '\n') == text + strlen(text) - 1);
	/* Microseconds: 16 significant digits, which a double holds. */
	ASSERT_TRUE(!strncmp(text, "{\"schema\":5,\"ts\":1700000000.123456,", 35));
	ASSERT_TRUE(strstr(text, "\"count\":4,\"ok\":3,\"errors\":1,"));
	ASSERT_TRUE(strstr(text, "\"recursion_misses\":3"));
	ASSERT_TRUE(strstr(text, "{\"min\":1024,\"max\":2047,\"count\":3}"));
	ASSERT_TRUE(strstr(text, "\"max\":18446744073709551615"));
	ASSERT_TRUE(strstr(text, "\"errno\":12"));
	free(text);

	/* Display filters hide orders and operations; the memory stays whole. */
	rep.order_mask = 1ULL << 9;
	text = capture_json(&rep);
	ASSERT_TRUE(strstr(text, "\"preserve\":[],\"unpreserve\":[{\"order\":9,"));
	ASSERT_TRUE(strstr(text, "\"preserved\":[{\"order\":0,\"keys\":8,"));
	free(text);
}

/*
 * Schema 4: the machine and boot, and the counts since start beside the
 * interval's, so that a consumer that drops a line is still right.
 */
TEST(json_names_the_boot_and_carries_totals)
{
	static struct ks_snapshot d, total;
	struct ks_ident id = { .host = "h1", .kernel = "7.3.4", .boot_id = "b-1" };
	struct ks_memory m;
	struct ks_restore r;
	struct ks_report rep = { .ts_ns = 1700000000123456789ULL, .interval_ns = 1000000000,
				 .tree = 1, .delta = &d, .total = &total, .ident = &id,
				 .memory = &m, .restore = &r, .order_mask = ~0ULL, .op_mask = ~0U };
	json_object *o, *v, *ops, *first;
	char *text;

	sample(&d, &m, &r);
	total = d;
	total.hist[1][KHOSCOPE_OP_PRESERVE][0].slots[3] += 10;
	total.walks[1].max_ns = 12345;
	text = capture_json(&rep);
	o = json_tokener_parse(text);
	free(text);
	ASSERT_TRUE(o);
	ASSERT_TRUE(json_object_object_get_ex(o, "host", &v));
	ASSERT_STREQ(json_object_get_string(v), "h1");
	ASSERT_TRUE(json_object_object_get_ex(o, "kernel", &v));
	ASSERT_STREQ(json_object_get_string(v), "7.3.4");
	ASSERT_TRUE(json_object_object_get_ex(o, "boot_id", &v));
	ASSERT_STREQ(json_object_get_string(v), "b-1");
	ASSERT_TRUE(json_object_object_get_ex(o, "totals", &v));
	ASSERT_TRUE(json_object_object_get_ex(v, "ops", &ops));
	first = json_object_array_get_idx(json_object_object_get(ops, "preserve"), 0);
	ASSERT_TRUE(first);
	ASSERT_EQ(json_object_get_uint64(json_object_object_get(first, "count")),
		  ks_hist_calls(&d.hist[1][KHOSCOPE_OP_PRESERVE][0]) + 10);
	/* The longest walk is an interval's figure only. */
	ASSERT_TRUE(!json_object_object_get_ex(json_object_object_get(v, "walks"), "max_ns", NULL));
	ASSERT_TRUE(json_object_object_get_ex(v, "lost", NULL));
	json_object_put(o);
}

TEST(overhead_ratio_keeps_its_precision)
{
	static struct ks_snapshot d;
	struct ks_memory m;
	struct ks_counts *c = &d.counts[1];
	struct ks_report rep = { .tree = 1, .delta = &d, .memory = &m,
				 .order_mask = ~0ULL, .op_mask = ~0U };
	char *text;

	/* 64 GiB of 1 GiB folios in a 6-node tree. */
	c->valid = true;
	c->ev.tree = 1;
	c->ev.keys[18] = 64;
	c->ev.nodes[5] = c->ev.nodes[4] = c->ev.nodes[3] = c->ev.nodes[2] = 1;
	c->ev.nodes[1] = c->ev.nodes[0] = 1;
	ks_memory_compute(&m, c, &d, 1);
	text = capture_json(&rep);
	ASSERT_TRUE(strstr(text, "\"overhead_ratio\":3.5762786865234375e-07}"));
	free(text);
}

static int emit_json(void)
{
	static struct ks_snapshot d, total;
	struct ks_ident id;
	struct ks_memory m;
	struct ks_restore r;
	struct ks_report rep = { .ts_ns = 1700000000000000001ULL, .interval_ns = 5,
				 .tree = 1, .delta = &d, .total = &total, .ident = &id,
				 .memory = &m, .restore = &r,
				 .final = true, .order_mask = ~0ULL, .op_mask = ~0U };

	ks_ident_read(&id);
	sample(&d, &m, &r);
	total = d;
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
