// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/metrics.c: the Prometheus and OpenMetrics exposition
 * and the textfile writer. "test_metrics --emit FILE" writes a sample
 * exposition for promtool (tests/host/unit-metrics.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "metrics.h"
#include "test.h"

static struct ks_snapshot snap;
static struct ks_counts base;
static struct ks_metrics m;

/*
 * Tree 1, counted with 10 order-0 keys in 6 nodes; since then 5 preserves
 * of order 0 (1, 600, 1000, 1023 and 1024 ns), one of them failed, and a
 * node allocated at level 0.
 */
static void sample(void)
{
	static const __u64 ns[] = { 1, 600, 1000, 1023, 1024 };
	struct khoscope_hist *h = &snap.hist[1][KHOSCOPE_OP_PRESERVE][0];
	unsigned int i;

	memset(&snap, 0, sizeof(snap));
	memset(&base, 0, sizeof(base));
	base.valid = true;
	base.ev.kind = KHOSCOPE_EV_COUNTS;
	base.ev.tree = 1;
	base.ev.keys[0] = 10;
	for (i = 0; i < KHOSCOPE_NR_LEVELS; i++)
		base.ev.nodes[i] = 1;
	for (i = 0; i < 5; i++) {
		h->slots[ks_slot_of(ns[i])]++;
		h->sum_ns += ns[i];
	}
	h->errors = 1;
	h->ok = 4;
	snap.tally[1].added[0] = 4;
	snap.tally[1].alloc[0] = 1;
	/* The last read of the counts: the baseline plus what the events saw. */
	snap.counts[1] = base;
	snap.counts[1].ev.keys[0] += 4;
	snap.counts[1].ev.nodes[0] += 1;
	snap.counts[1].ev.spare = 1;
	snap.counts[1].ev.tally = snap.tally[1];
	/* A batch that added 512 order-0 keys in one hold of 40 us. */
	snap.batch[1][KHOSCOPE_OP_PRESERVE][0].slots[15] = 1;
	snap.batch[1][KHOSCOPE_OP_PRESERVE][0].key_slots[6] = 1;
	snap.batch[1][KHOSCOPE_OP_PRESERVE][0].size_slots[9] = 1;
	snap.batch[1][KHOSCOPE_OP_PRESERVE][0].keys = 512;
	snap.batch[1][KHOSCOPE_OP_PRESERVE][0].sum_ns = 40000;
	snap.lost[KS_LOST_RECURSION] = 2;

	memset(&m, 0, sizeof(m));
	m.total = &snap;
	m.shown[1] = true;
	ks_memory_compute(&m.memory[1], &base, &snap, 1);
	m.version = "0.9.0";
	m.revision = "0123456789ab";
	m.kernel = "7.3.4";
	m.out_tree = 1;
}

/* The exposition as a string; the caller frees it. */
static char *render(bool om)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ks_print_metrics(f, &m, om);
	fclose(f);
	return buf;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

TEST(histogram_buckets_are_cumulative_le_in_exact_seconds)
{
	char *t;

	sample();
	t = render(false);
	ASSERT_TRUE(has_line(t, "# TYPE khoscope_preserve_duration_seconds histogram"));
	/* slot 0 holds 0..1 ns; 600, 1000 and 1023 ns are in slot 9 (512..1023). */
	ASSERT_TRUE(has_line(t, "khoscope_preserve_duration_seconds_bucket{tree=\"1\",role=\"outgoing\",order=\"0\",le=\"0.000000001\"} 1"));
	ASSERT_TRUE(has_line(t, "khoscope_preserve_duration_seconds_bucket{tree=\"1\",role=\"outgoing\",order=\"0\",le=\"0.000000511\"} 1"));
	ASSERT_TRUE(has_line(t, "khoscope_preserve_duration_seconds_bucket{tree=\"1\",role=\"outgoing\",order=\"0\",le=\"0.000001023\"} 4"));
	ASSERT_TRUE(has_line(t, "khoscope_preserve_duration_seconds_bucket{tree=\"1\",role=\"outgoing\",order=\"0\",le=\"0.000002047\"} 5"));
	ASSERT_TRUE(has_line(t, "khoscope_preserve_duration_seconds_bucket{tree=\"1\",role=\"outgoing\",order=\"0\",le=\"+Inf\"} 5"));
	ASSERT_TRUE(has_line(t, "khoscope_preserve_duration_seconds_sum{tree=\"1\",role=\"outgoing\",order=\"0\"} 0.000003648"));
	ASSERT_TRUE(has_line(t, "khoscope_preserve_duration_seconds_count{tree=\"1\",role=\"outgoing\",order=\"0\"} 5"));
	/* Nothing for what did not happen. */
	ASSERT_TRUE(!strstr(t, "order=\"1\""));
	ASSERT_TRUE(!strstr(t, "khoscope_unpreserve_duration_seconds_bucket"));
	free(t);
}

/* The build and the kernel, as labels of a constant series; odd text escaped. */
TEST(build_info)
{
	char *t;

	sample();
	t = render(false);
	ASSERT_TRUE(has_line(t, "# TYPE khoscope_build_info gauge"));
	ASSERT_TRUE(has_line(t, "khoscope_build_info{version=\"0.9.0\",revision=\"0123456789ab\","
			     "kernel=\"7.3.4\"} 1"));
	free(t);
	m.kernel = "7.3.4-\"odd\"\\\n";
	t = render(true);
	ASSERT_TRUE(has_line(t, "khoscope_build_info{version=\"0.9.0\",revision=\"0123456789ab\","
			     "kernel=\"7.3.4-\\\"odd\\\"\\\\\\n\"} 1"));
	free(t);
	/* Without a version (the unit tests elsewhere): no such series. */
	sample();
	m.version = NULL;
	t = render(false);
	ASSERT_TRUE(!strstr(t, "khoscope_build_info"));
	free(t);
}

TEST(counters_results_and_memory_gauges)
{
	char *t;

	sample();
	t = render(false);
	ASSERT_TRUE(has_line(t, "# TYPE khoscope_preserve_total counter"));
	ASSERT_TRUE(has_line(t, "khoscope_preserve_total{tree=\"1\",role=\"outgoing\",order=\"0\",result=\"ok\"} 4"));
	ASSERT_TRUE(has_line(t, "khoscope_preserve_total{tree=\"1\",role=\"outgoing\",order=\"0\",result=\"error\"} 1"));
	ASSERT_TRUE(has_line(t, "khoscope_node_allocations_total{tree=\"1\",role=\"outgoing\",level=\"0\"} 1"));
	/* The counts: 10 + 4 keys, 6 + 1 nodes. */
	ASSERT_TRUE(has_line(t, "khoscope_preserved_keys{tree=\"1\",role=\"outgoing\",order=\"0\"} 14"));
	ASSERT_TRUE(has_line(t, "khoscope_preserved_bytes{tree=\"1\",role=\"outgoing\",order=\"0\"} 57344"));
	ASSERT_TRUE(has_line(t, "khoscope_node_bytes{tree=\"1\",role=\"outgoing\",level=\"0\"} 8192"));
	ASSERT_TRUE(has_line(t, "khoscope_spare_node_bytes{tree=\"1\",role=\"outgoing\"} 4096"));
	/* Node and spare bytes per preserved byte: (7 + 1) * 4096 / 57344. */
	ASSERT_TRUE(has_line(t, "khoscope_overhead_ratio{tree=\"1\",role=\"outgoing\"} 0.5714285714285714"));
	ASSERT_TRUE(has_line(t, "khoscope_memory_counted{tree=\"1\",role=\"outgoing\"} 1"));
	ASSERT_TRUE(has_line(t, "khoscope_memory_unseen_changes{tree=\"1\",role=\"outgoing\",kind=\"keys\"} 0"));
	ASSERT_TRUE(has_line(t, "khoscope_memory_unseen_changes{tree=\"1\",role=\"outgoing\",kind=\"nodes\"} 0"));
	ASSERT_TRUE(has_line(t, "khoscope_batch_holds_total{tree=\"1\",role=\"outgoing\",op=\"preserve\",order=\"0\"} 1"));
	ASSERT_TRUE(has_line(t, "khoscope_batch_keys_total{tree=\"1\",role=\"outgoing\",op=\"preserve\",order=\"0\"} 512"));
	ASSERT_TRUE(has_line(t, "khoscope_batch_seconds_total{tree=\"1\",role=\"outgoing\",op=\"preserve\",order=\"0\"} 0.00004"));
	ASSERT_TRUE(has_line(t, "khoscope_lost_events_total{reason=\"recursion_misses\"} 2"));
	ASSERT_TRUE(!strstr(t, "# EOF"));
	ASSERT_TRUE(!strstr(t, "boot_restore"));
	free(t);
}

TEST(openmetrics_names_counter_families_without_total_and_ends_with_eof)
{
	char *t;
	size_t n;

	sample();
	t = render(true);
	ASSERT_TRUE(has_line(t, "# TYPE khoscope_preserve counter"));
	ASSERT_TRUE(has_line(t, "# HELP khoscope_preserve Keys added to a KHO radix tree, by result "
			     "(ok includes keys present already)."));
	ASSERT_TRUE(has_line(t, "khoscope_preserve_total{tree=\"1\",role=\"outgoing\",order=\"0\",result=\"ok\"} 4"));
	ASSERT_TRUE(!strstr(t, "# TYPE khoscope_preserve_total"));
	n = strlen(t);
	ASSERT_TRUE(n > 6 && !strcmp(t + n - 6, "# EOF\n"));
	free(t);
}

TEST(boot_restore_gauges_when_this_kernel_restored)
{
	struct ks_restore r = { .valid = true, .retrieve_ns = 4450000, .retrieve_ret = -22,
				.runs_one_by_one = 2730 };
	char *t;

	sample();
	m.restore = &r;
	t = render(false);
	ASSERT_TRUE(has_line(t, "khoscope_boot_restore_seconds 0.00445"));
	ASSERT_TRUE(has_line(t, "khoscope_boot_restore_result -22"));
	ASSERT_TRUE(has_line(t, "khoscope_boot_restore_runs_one_by_one 2730"));
	free(t);
}

TEST(accept_header_negotiation)
{
	ASSERT_TRUE(!ks_wants_openmetrics(NULL));
	ASSERT_TRUE(!ks_wants_openmetrics("text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
	ASSERT_TRUE(ks_wants_openmetrics("application/openmetrics-text;version=1.0.0,"
					 "application/openmetrics-text;version=0.0.1;q=0.75,"
					 "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
}

/*
 * A per-CPU element copied while its program updates it can show the new
 * errors beside the old slots (BPF bumps slots first): 5 calls in the slots,
 * 6 errors. The ok series comes from its own counter, so it shows 0, not
 * calls - errors wrapped to 2^64 - 1; and the next, complete copy only
 * moves it forward.
 */
TEST(torn_snapshot_never_wraps_or_goes_back)
{
	struct khoscope_hist *h = &snap.hist[1][KHOSCOPE_OP_PRESERVE][0];
	struct ks_caller c = { .name = "fn [mod]", .op = 0 };
	char *t;

	sample();
	memset(h, 0, sizeof(*h));
	h->slots[3] = 5;
	h->errors = 6;
	c.c.calls = 5;
	c.c.errors = 6;
	m.callers = &c;
	m.nr_callers = 1;
	t = render(false);
	ASSERT_TRUE(has_line(t, "khoscope_preserve_total{tree=\"1\",role=\"outgoing\",order=\"0\",result=\"ok\"} 0"));
	ASSERT_TRUE(has_line(t, "khoscope_preserve_total{tree=\"1\",role=\"outgoing\",order=\"0\",result=\"error\"} 6"));
	ASSERT_TRUE(has_line(t, "khoscope_api_calls_total{caller=\"fn [mod]\",call=\"preserve_folio\",result=\"ok\"} 0"));
	ASSERT_TRUE(strstr(t, "18446744073709551615") == NULL);
	free(t);

	/* The program finished: slots caught up, ok counted its own call. */
	h->slots[3] = 7;
	h->ok = 1;
	c.c.calls = 7;
	c.c.ok = 1;
	t = render(false);
	ASSERT_TRUE(has_line(t, "khoscope_preserve_total{tree=\"1\",role=\"outgoing\",order=\"0\",result=\"ok\"} 1"));
	ASSERT_TRUE(has_line(t, "khoscope_api_calls_total{caller=\"fn [mod]\",call=\"preserve_folio\",result=\"ok\"} 1"));
	free(t);
	m.callers = NULL;
	m.nr_callers = 0;
}

/*
 * Without the tree's counts the key figures are changes since start, which
 * can be negative: bytes are keys times the page size of their order, a
 * product, not a shift of a negative value (undefined; the unit tests stop
 * on undefined behaviour).
 */
TEST(negative_key_changes_give_negative_bytes)
{
	char *t;

	sample();
	m.memory[1].counted = false;
	m.memory[1].keys[3] = -2;
	t = render(false);
	ASSERT_TRUE(has_line(t, "khoscope_preserved_keys{tree=\"1\",role=\"outgoing\",order=\"3\"} -2"));
	ASSERT_TRUE(has_line(t, "khoscope_preserved_bytes{tree=\"1\",role=\"outgoing\",order=\"3\"} -65536"));
	free(t);
}

TEST(textfile_is_renamed_into_place)
{
	char dir[] = "/tmp/ks-metrics-XXXXXX", path[64], missing[80];
	struct stat st;
	char *t;

	sample();
	ASSERT_TRUE(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/khoscope.prom", dir);
	ASSERT_EQ(ks_check_textfile(path), 0);
	ASSERT_EQ(ks_write_textfile(path, &m), 0);
	ASSERT_EQ(stat(path, &st), 0);
	t = render(false);
	ASSERT_EQ(st.st_size, strlen(t));
	free(t);
	/* Only the file itself is there: no temporary file is left. */
	ASSERT_EQ(unlink(path), 0);
	ASSERT_EQ(rmdir(dir), 0);

	snprintf(missing, sizeof(missing), "%s/gone/khoscope.prom", dir);
	ASSERT_EQ(ks_check_textfile(missing), -ENOENT);
	ASSERT_EQ(ks_write_textfile(missing, &m), -ENOENT);
}

/*
 * A symlink planted where the temporary file used to go (PATH.PID.tmp, a
 * name anyone could predict) is not followed: the file it points to keeps
 * its content, and the textfile is written all the same.
 */
TEST(textfile_never_follows_a_planted_symlink)
{
	char dir[] = "/tmp/ks-metrics-XXXXXX", path[64], victim[64], planted[96];
	char buf[16] = "";
	FILE *f;

	sample();
	ASSERT_TRUE(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/khoscope.prom", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(planted, sizeof(planted), "%s.%d.tmp", path, (int)getpid());
	f = fopen(victim, "w");
	ASSERT_TRUE(f);
	fputs("precious\n", f);
	ASSERT_EQ(fclose(f), 0);
	ASSERT_EQ(symlink(victim, planted), 0);

	ASSERT_EQ(ks_write_textfile(path, &m), 0);
	ASSERT_EQ(ks_check_textfile(path), 0);
	f = fopen(victim, "r");
	ASSERT_TRUE(f);
	ASSERT_TRUE(fgets(buf, sizeof(buf), f) != NULL);
	fclose(f);
	ASSERT_STREQ(buf, "precious\n");

	ASSERT_EQ(unlink(planted), 0);
	ASSERT_EQ(unlink(victim), 0);
	ASSERT_EQ(unlink(path), 0);
	ASSERT_EQ(rmdir(dir), 0);
}

/* node_exporter runs as another user: the textfile is 0644 under umask 077. */
TEST(textfile_is_0644_under_umask_077)
{
	char dir[] = "/tmp/ks-metrics-XXXXXX", path[64];
	mode_t old = umask(077);
	struct stat st;

	sample();
	ASSERT_TRUE(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/khoscope.prom", dir);
	ASSERT_EQ(ks_write_textfile(path, &m), 0);
	umask(old);
	ASSERT_EQ(stat(path, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0644);
	ASSERT_EQ(unlink(path), 0);
	ASSERT_EQ(rmdir(dir), 0);
}

/*
 * The API's callers: 25 functions, so the 20 with the most calls keep
 * their names and the other 5 are summed under caller="other".
 */
TEST(callers_are_bounded_with_other)
{
	static struct ks_caller callers[25];
	unsigned int i, named = 0;
	char *t, *p, name[32];

	sample();
	for (i = 0; i < 25; i++) {
		snprintf(callers[i].name, sizeof(callers[i].name), "fn%02u [mod]", i);
		callers[i].op = 0;	/* preserve_folio */
		callers[i].c.calls = 100 + i;	/* fn00..fn04 have the fewest */
		callers[i].c.ok = 100 + i;
		callers[i].c.keys = 100 + i;
		callers[i].c.pages = 2 * (100 + i);
		callers[i].c.sum_ns = 1000;
	}
	m.callers = callers;
	m.nr_callers = 25;
	t = render(false);
	ASSERT_TRUE(has_line(t, "# TYPE khoscope_api_calls_total counter"));
	ASSERT_TRUE(has_line(t, "khoscope_api_calls_total{caller=\"fn24 [mod]\",call=\"preserve_folio\",result=\"ok\"} 124"));
	ASSERT_TRUE(has_line(t, "khoscope_api_keys_total{caller=\"fn05 [mod]\",call=\"preserve_folio\"} 105"));
	/* fn00..fn04: 100 + 101 + 102 + 103 + 104 calls, pages twice that. */
	ASSERT_TRUE(has_line(t, "khoscope_api_calls_total{caller=\"other\",call=\"preserve_folio\",result=\"ok\"} 510"));
	ASSERT_TRUE(has_line(t, "khoscope_api_pages_total{caller=\"other\",call=\"preserve_folio\"} 1020"));
	ASSERT_TRUE(has_line(t, "khoscope_api_seconds_total{caller=\"other\",call=\"preserve_folio\"} 0.000005"));
	for (i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "caller=\"fn%02u [mod]\"", i);
		p = strstr(t, name);
		named += p != NULL;
		if (i < 5)
			ASSERT_TRUE(!p);
	}
	ASSERT_EQ(named, KS_METRICS_MAX_CALLERS);
	free(t);
	m.callers = NULL;
}

/*
 * The example: 25 callers, 20 with labels; caller x (fn00, the
 * quietest) goes from 50 to 200 calls, more than any other. Its calls stay
 * in caller="other", which only grows (90 -> 240), and every labelled
 * series keeps its name; ranked again at each scrape, x took fn24's label
 * and other went from 90 calls of x and 4 others to 140 of fn24 and the
 * same 4. Callers tied on calls are labelled by name, whatever their order.
 */
TEST(caller_labels_stay_across_scrapes)
{
	static struct ks_caller callers[25];
	struct ks_caller_labels labels = {};
	unsigned int i;
	char *t;

	sample();
	for (i = 0; i < 25; i++) {
		/* In reverse, as a hash map may hand them over. */
		struct ks_caller *c = &callers[24 - i];

		snprintf(c->name, sizeof(c->name), "fn%02u", i);
		c->op = 0;
		c->c.calls = c->c.ok = i < 5 ? 10 : 100;
	}
	callers[24].c.calls = callers[24].c.ok = 50;	/* fn00: x */
	m.callers = callers;
	m.nr_callers = 25;
	m.labels = &labels;
	t = render(false);
	/* fn00 (50), fn01..fn04 (10 each): other = 90; fn05..fn24 labelled. */
	ASSERT_TRUE(has_line(t, "khoscope_api_calls_total{caller=\"other\",call=\"preserve_folio\",result=\"ok\"} 90"));
	ASSERT_TRUE(has_line(t, "khoscope_api_calls_total{caller=\"fn05\",call=\"preserve_folio\",result=\"ok\"} 100"));
	ASSERT_EQ(labels.nr, KS_METRICS_MAX_CALLERS);
	free(t);

	callers[24].c.calls = callers[24].c.ok = 200;
	t = render(false);
	ASSERT_TRUE(has_line(t, "khoscope_api_calls_total{caller=\"other\",call=\"preserve_folio\",result=\"ok\"} 240"));
	ASSERT_TRUE(strstr(t, "caller=\"fn00\"") == NULL);
	for (i = 5; i < 25; i++) {
		char line[128];

		snprintf(line, sizeof(line), "khoscope_api_calls_total{caller=\"fn%02u\","
			 "call=\"preserve_folio\",result=\"ok\"} 100", i);
		ASSERT_TRUE(has_line(t, line));
	}
	free(t);
	m.callers = NULL;
	m.labels = NULL;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--emit")) {
		FILE *f = fopen(argv[2], "w");

		if (!f)
			return 1;
		static struct ks_caller callers[2] = {
			{ .name = "memfd_luo_preserve", .op = 2, .c = { .calls = 1, .keys = 4096, .pages = 4096 } },
			{ .name = "wl_execute [kho_workload]", .op = 4, .c = { .calls = 1, .keys = 6, .pages = 1000 } },
		};

		sample();
		m.callers = callers;
		m.nr_callers = 2;
		ks_print_metrics(f, &m, false);
		return fclose(f) ? 1 : 0;
	}
	return run_tests(argc > 1 ? argv[1] : NULL);
}
