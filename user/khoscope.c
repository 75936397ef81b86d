// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * khoscope - per-order latency of KHO preservations and the memory the KHO
 * radix tree takes, from the kho trace events, aggregated in the kernel.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "httpd.h"
#include "ksyms.h"
#include "khoscope.h"
#include "khoscope.skel.h"
#include "metrics.h"
#include "report.h"

#define DEBUGFS_MAGIC	0x64626720
#define MAX_INTERVAL	(24 * 3600UL)
#define TEXTFILE_INTERVAL	15	/* seconds, when --textfile is given none */

static const char argp_doc[] =
"Trace the KHO (kexec handover) preserved-memory radix tree: per-order\n"
"latency histograms of preserve and unpreserve (timed by the kernel), of the\n"
"batches of keys the kernel adds or deletes under one lock (per run and per\n"
"key) and of their sizes in pages, node pages allocated and freed per level,\n"
"walks, errors, and the memory the tree holds against the memory it\n"
"preserves, as the tree counts it (kho/out/radix_tree, read at every\n"
"report), checked against the events. Filters choose what is shown;\n"
"everything is always counted.\n"
"\n"
"Prints every INTERVAL seconds, COUNT times (default: once, at Ctrl-C)."
"\v"
"Examples:\n"
"  khoscope                 # trace until Ctrl-C, then print histograms\n"
"  khoscope 1 10            # print every second, ten times\n"
"  khoscope -o 0,9 5        # orders 0 and 9 only, every 5 seconds\n"
"  khoscope -O preserve     # show preservations only\n"
"  khoscope -t 0 5          # every tree, every 5 seconds\n"
"  khoscope -c              # who preserved what, until Ctrl-C\n"
"  khoscope --json 1        # NDJSON every second (user/khoscope.schema.json)\n"
"  khoscope -p 9464         # serve metrics on port 9464 until Ctrl-C\n"
"  khoscope -f /var/lib/node_exporter/textfile/khoscope.prom";

static const struct argp_option argp_options[] = {
	{ "json", 'j', NULL, 0, "One JSON object per line (NDJSON), for dashboards", 0 },
	{ "orders", 'o', "LIST", 0, "Only these page orders, e.g. 0,3,9-10", 0 },
	{ "ops", 'O', "LIST", 0, "Only these operations: preserve,unpreserve", 0 },
	{ "tree", 't', "ID", 0,
	  "Tree to show (default: the preserved-memory tree, as named by "
	  "kho/out/radix_tree; 0: every tree, one record each; khoscope reads the "
	  "counts of the preserved-memory tree only, so the memory of the others "
	  "is the change since start)", 0 },
	{ "timestamp", 'T', NULL, 0, "Print a timestamp with each text report", 0 },
	{ "callers", 'c', NULL, 0,
	  "Also show the calls of the preservation API since start per calling "
	  "function (kho_api event, patch 0021): calls, errors, keys, pages, "
	  "latency; a table in text, callers[] in JSON", 0 },
	{ "prometheus", 'p', "[ADDR:]PORT", 0,
	  "Serve /metrics (Prometheus text format, or OpenMetrics when the "
	  "scraper asks for it) on ADDR:PORT (ADDR: a numeric IPv4 address or "
	  "[IPv6]; default: 127.0.0.1 and ::1, this host only; 0.0.0.0 for every "
	  "IPv4 interface); at most 64 connections, 8 from one address, 10 s for "
	  "each request; the maps are read at most once a second, scrapes within "
	  "it share one exposition; "
	  "counters and histograms are cumulative since start; every tree, "
	  "whatever -o/-O/-t choose", 0 },
	{ "textfile", 'f', "PATH", 0,
	  "Write the same metrics to PATH (atomically: a new temporary file, then "
	  "rename) at every report, for node_exporter's textfile collector; "
	  "INTERVAL defaults to 15 s with it", 0 },
	{ "debugfs", 'd', "DIR", 0, "Where debugfs is mounted (default /sys/kernel/debug)", 0 },
	{ "bpf-stats", 'S', NULL, 0,
	  "Have BPF time its programs while khoscope runs (bpf_enable_stats(): "
	  "run_time_ns in programs[]); it costs two clock reads per event, so it "
	  "is off unless asked for", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf debug output on stderr", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

static struct env {
	bool json;
	bool timestamp;
	bool verbose;
	__u64 order_mask;
	__u32 op_mask;
	long tree;		/* -1: default */
	unsigned long interval;	/* 0: until signal */
	unsigned long count;	/* 0: unbounded */
	const char *debugfs;
	const char *prometheus;	/* [ADDR:]PORT, or NULL */
	const char *textfile;	/* or NULL */
	bool callers;
	bool bpf_stats;
} env = {
	.order_mask = ~0ULL,
	.op_mask = ~0U,
	.tree = -1,
	.debugfs = "/sys/kernel/debug",
};

/* SIGINT and SIGTERM stay blocked and are taken with sigtimedwait(). */
static sigset_t stop_signals;

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char err[256];
	unsigned long v;

	switch (key) {
	case 'j':
		env.json = true;
		break;
	case 'o':
		if (ks_parse_orders(arg, &env.order_mask, err, sizeof(err)))
			argp_error(state, "%s", err);
		break;
	case 'O':
		if (ks_parse_ops(arg, &env.op_mask, err, sizeof(err)))
			argp_error(state, "%s", err);
		break;
	case 't':
		if (ks_parse_number(arg, KHOSCOPE_NR_TREES - 1, &v))
			argp_error(state, "invalid tree id '%s': 0 (every tree) or 1..%d",
				   arg, KHOSCOPE_NR_TREES - 1);
		env.tree = v;
		break;
	case 'T':
		env.timestamp = true;
		break;
	case 'd':
		env.debugfs = arg;
		break;
	case 'v':
		env.verbose = true;
		break;
	case 'S':
		env.bpf_stats = true;
		break;
	case 'p':
		env.prometheus = arg;
		break;
	case 'c':
		env.callers = true;
		break;
	case 'f':
		if (!*arg)
			argp_error(state, "--textfile needs a file name");
		env.textfile = arg;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num == 0) {
			if (ks_parse_positive(arg, MAX_INTERVAL, &env.interval))
				argp_error(state, "invalid interval '%s': whole seconds, 1..%lu",
					   arg, MAX_INTERVAL);
		} else if (state->arg_num == 1) {
			if (ks_parse_positive(arg, ~0UL, &env.count))
				argp_error(state, "invalid count '%s': a positive number", arg);
		} else {
			argp_error(state, "unexpected argument '%s'", arg);
		}
		break;
	case ARGP_KEY_END:
		if (env.textfile && !env.interval)
			env.interval = TEXTFILE_INTERVAL;
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
		.args_doc = "[INTERVAL [COUNT]]",
		.doc = argp_doc,
	};

	/* getopt's messages name argv[0]: the same name as ours. */
	argv[0] = (char *)"khoscope";
	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !env.verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static bool have_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	const int need[] = { 38 /* CAP_PERFMON */, 39 /* CAP_BPF */ };
	unsigned int i;

	if (geteuid() == 0)
		return true;
	if (syscall(SYS_capget, &hdr, data))
		return false;
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!(data[need[i] / 32].effective & (1U << (need[i] % 32))))
			return false;
	return true;
}

static char *read_file(const char *path)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	FILE *f;

	if (!buf)
		return NULL;
	f = fopen(path, "r");
	if (!f) {
		free(buf);
		return NULL;
	}
	for (;;) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
		if (len + 1 == cap) {
			char *nbuf = realloc(buf, cap * 2);

			if (!nbuf) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nbuf;
			cap *= 2;
		}
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static bool btf_has_event(const struct btf *btf, const char *event)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", event);
	return btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
}

/*
 * Can khoscope attach to this kernel? 0 if it can, or -1 after saying why.
 * Its programs are tp_btf programs: they need the kernel's BTF, and the kho
 * events of the whole series (batch and counts events: patch 0026).
 */
static int check_kho_events(const struct btf *btf)
{
	if (!btf) {
		fprintf(stderr, "khoscope: cannot load the kernel's BTF (/sys/kernel/btf/vmlinux): "
			"it needs a kernel built with CONFIG_DEBUG_INFO_BTF\n");
		return -1;
	}
	if (!btf_has_event(btf, "kho_preserve_end")) {
		fprintf(stderr, "khoscope: this kernel lacks the kho trace events: "
			"build it from kernel/patches\n");
		return -1;
	}
	if (!btf_has_event(btf, "kho_preserve_batch") || !btf_has_event(btf, "kho_radix_counts")) {
		fprintf(stderr, "khoscope: this kernel's kho events predate the batch and counts "
			"events (patch 0026): build it from kernel/patches\n");
		return -1;
	}
	return 0;
}

/* Does the kernel have the kho_api event (patch 0021)? */
static bool have_api_event(const struct btf *btf)
{
	return btf && btf_has_event(btf, "kho_api");
}

static int check_kho(void)
{
	char path[512];
	struct statfs sfs;
	struct stat st;
	int fd;

	if (statfs(env.debugfs, &sfs) || sfs.f_type != DEBUGFS_MAGIC) {
		fprintf(stderr, "khoscope: debugfs is not mounted at %s "
			"(mount -t debugfs none %s)\n", env.debugfs, env.debugfs);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/kho/out", env.debugfs);
	if (stat(path, &st)) {
		if (errno == EACCES || errno == EPERM)
			goto denied;
		fprintf(stderr, "khoscope: KHO is disabled (no %s): boot with kho=on\n", path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/kho/out/radix_tree", env.debugfs);
	if (stat(path, &st)) {
		fprintf(stderr, "khoscope: this kernel lacks %s: build it from kernel/patches\n", path);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto denied;
	close(fd);
	return 0;

denied:
	/* CAP_BPF and CAP_PERFMON load the programs; debugfs is root's. */
	fprintf(stderr, "khoscope: cannot read %s: %s (debugfs is root's: run as root, "
		"or with CAP_DAC_READ_SEARCH as well)\n", path, strerror(errno));
	return -1;
}

/*
 * Read kho/out/radix_tree: the kernel reads the tree's counts under its
 * lock, and the radix_counts program sends them, with the tally of the same
 * moment, to the ring buffer. @shape (if not NULL) gets the file's own view.
 */
static int read_counts(struct ks_shape *shape)
{
	char path[512], *text;
	int err = 0;

	snprintf(path, sizeof(path), "%s/kho/out/radix_tree", env.debugfs);
	text = read_file(path);
	if (!text) {
		fprintf(stderr, "khoscope: failed to read %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* The reports need the read, not the text: the counts come through BPF. */
	if (shape)
		err = ks_parse_shape(text, shape);
	free(text);
	if (err)
		fprintf(stderr, "khoscope: failed to parse %s (a kernel without the "
			"tree's counts? build it from kernel/patches)\n", path);
	return err;
}

static void read_restore(struct ks_restore *rs)
{
	char path[512], *text;

	memset(rs, 0, sizeof(*rs));
	snprintf(path, sizeof(path), "%s/kho/in/restore_stats", env.debugfs);
	text = read_file(path);
	if (!text)
		return;
	if (ks_parse_restore(text, rs))
		fprintf(stderr, "khoscope: ignoring %s: unexpected format\n", path);
	free(text);
}

/* What the ring buffer brings: walks, and reads of a tree's counts. */
static int handle_event(void *ctx, void *data, size_t size)
{
	ks_snapshot_add_event(ctx, data, size);
	return 0;
}

/* @dst += each CPU's value of a per-CPU map element, @size bytes each. */
static void add_percpu(void *dst, const void *vals, int ncpus, size_t size)
{
	int c;

	for (c = 0; c < ncpus; c++)
		ks_counters_add(dst, (const char *)vals + c * size, size);
}

/*
 * @out[key] = array @fd's element key (for a per-CPU array, @percpu, the
 * sum over CPUs), for keys 0..@nr - 1, read in batches: a system call for
 * the whole array rather than one per element (1536 of them for hists and
 * batches). Every kernel with the kho events has batch lookups (5.6 on).
 */
static int read_array(int fd, __u32 nr, size_t size, bool percpu, void *out)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int ncpus = percpu ? libbpf_num_possible_cpus() : 1;
	__u32 *keys, batch, count, done = 0, i;
	char *vals;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	vals = calloc((size_t)nr * ncpus, size);
	keys = calloc(nr, sizeof(*keys));
	if (!vals || !keys) {
		err = -ENOMEM;
		goto out;
	}
	memset(out, 0, (size_t)nr * size);
	while (done < nr) {
		bool last;

		count = nr - done;
		last = bpf_map_lookup_batch(fd, done ? &batch : NULL, &batch, keys, vals,
					    &count, &opts);
		/* ENOENT: this batch is the last. */
		if (last && errno != ENOENT) {
			err = -errno;
			goto out;
		}
		for (i = 0; i < count && keys[i] < nr; i++)
			add_percpu((char *)out + keys[i] * size,
				   vals + (size_t)i * ncpus * size, ncpus, size);
		done += count;
		if (!count || last)
			break;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* BPF's own figures for every loaded program; recursion misses are lost runs. */
static int read_progs(struct khoscope_bpf *skel, struct ks_prog *progs, unsigned int *nr)
{
	struct bpf_program *prog;

	*nr = 0;
	bpf_object__for_each_program(prog, skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(prog) || *nr == KS_MAX_PROGS)
			continue;
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			return -errno;
		progs[*nr] = (struct ks_prog) {
			.name = bpf_program__name(prog),
			.run_cnt = info.run_cnt,
			.run_time_ns = info.run_time_ns,
			.recursion_misses = info.recursion_misses,
		};
		(*nr)++;
	}
	return 0;
}

/* The BPF maps summed over CPUs, plus what user space counted itself. */
static int read_snapshot(struct khoscope_bpf *skel, const struct ks_snapshot *acc,
			 struct ks_snapshot *s, struct ks_prog *progs, unsigned int *nr_progs)
{
	struct khoscope_error_key key, next, *prev = NULL;
	int fd = bpf_map__fd(skel->maps.errors), err = 0;
	unsigned int i;

	err = read_array(bpf_map__fd(skel->maps.hists),
			 KHOSCOPE_NR_TREES * KHOSCOPE_NR_OPS * KHOSCOPE_NR_ORDERS,
			 sizeof(struct khoscope_hist), false, s->hist);
	err = err ?: read_array(bpf_map__fd(skel->maps.batches),
				KHOSCOPE_NR_TREES * KHOSCOPE_NR_OPS * KHOSCOPE_NR_ORDERS,
				sizeof(struct khoscope_batch), false, s->batch);
	err = err ?: read_array(bpf_map__fd(skel->maps.tally), KHOSCOPE_NR_TREES,
				sizeof(struct khoscope_tally), false, s->tally);
	err = err ?: read_array(bpf_map__fd(skel->maps.counters), KHOSCOPE_NR_COUNTERS,
				sizeof(__u64), true, s->lost);
	err = err ?: read_progs(skel, progs, nr_progs);
	if (err)
		return err;

	memcpy(s->walks, acc->walks, sizeof(s->walks));
	memcpy(s->counts, acc->counts, sizeof(s->counts));
	s->lost[KS_LOST_RECURSION] = 0;
	for (i = 0; i < *nr_progs; i++)
		s->lost[KS_LOST_RECURSION] += progs[i].recursion_misses;

	s->nr_errors = 0;
	while (s->nr_errors < KHOSCOPE_MAX_ERRORS && !bpf_map_get_next_key(fd, prev, &next)) {
		struct ks_error *e = &s->errors[s->nr_errors];

		if (!bpf_map_lookup_elem(fd, &next, &e->count)) {
			e->key = next;
			s->nr_errors++;
		}
		key = next;
		prev = &key;
	}
	return 0;
}

static __u64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Sleep until deadline (0: for ever) or a stop signal; true on a signal. */
static bool wait_for_stop(__u64 deadline)
{
	for (;;) {
		struct timespec ts, *timeout = NULL;

		if (deadline) {
			__u64 now = now_ns(CLOCK_MONOTONIC);

			if (now >= deadline)
				return false;
			ts.tv_sec = (deadline - now) / 1000000000ULL;
			ts.tv_nsec = (deadline - now) % 1000000000ULL;
			timeout = &ts;
		}
		if (sigtimedwait(&stop_signals, NULL, timeout) > 0)
			return true;
		/* EAGAIN: time is up, checked above; EINTR: wait again. */
	}
}

/*
 * The kho_api program costs a hash map update per API call: it is loaded
 * only for the views that show callers, with the module events that tell
 * when a calling address may name other code (@modules: the kernel has
 * them, i.e. CONFIG_MODULES).
 */
static void choose_programs(struct khoscope_bpf *skel, bool api, bool modules)
{
	bpf_program__set_autoload(skel->progs.kho_api, api);
	/* Only kho_api uses the callers map: 368 bytes per possible CPU per caller. */
	bpf_map__set_autocreate(skel->maps.callers, api);
	bpf_program__set_autoload(skel->progs.module_load, api && modules);
	bpf_program__set_autoload(skel->progs.module_free, api && modules);
}

/*
 * What the report loop and the metrics server share: the ring buffer and
 * the counts it feeds are read under the lock, by one of them at a time.
 */
static struct collector {
	pthread_mutex_t lock;
	struct khoscope_bpf *skel;
	struct ring_buffer *rb;
	struct ks_snapshot *acc;
	const struct ks_counts *base;	/* the first read of the counted tree's counts */
	const struct ks_restore *restore;
	bool api;		/* the kho_api programs are loaded */
} col = { .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * /proc/kallsyms, opened once before the capabilities go: a file of it
 * shows the addresses its opener could see (CAP_SYSLOG), so it is read
 * again from this one. NULL if it could not be opened. The names it gives
 * the callers, under col.lock.
 */
static FILE *kallsyms;
static struct ks_symcache *symcache;

/*
 * The callers map, summed over CPUs and merged per calling function and
 * operation: the number of entries in @out.
 */
static unsigned int read_callers(struct ks_caller *out)
{
	int fd = bpf_map__fd(col.skel->maps.callers), ncpus = libbpf_num_possible_cpus();
	struct khoscope_caller_key key, next, *prev = NULL;
	struct khoscope_caller *vals, sum;
	unsigned int nr = 0;

	if (ncpus <= 0)
		return 0;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return 0;
	pthread_mutex_lock(&col.lock);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		memset(&sum, 0, sizeof(sum));
		add_percpu(&sum, vals, ncpus, sizeof(sum));
		nr = ks_callers_add(out, nr, ks_symcache_name(symcache, key.ip, key.gen),
				    key.op, &sum);
	}
	pthread_mutex_unlock(&col.lock);
	free(vals);
	return nr;
}

/*
 * The baseline: the counted tree's first counts read after the programs
 * were attached, with the tally of that moment. From then on, the events
 * must account for every change the counts show.
 */
static int take_baseline(struct ring_buffer *rb, struct ks_snapshot *acc,
			 struct ks_counts *base, unsigned int *tree)
{
	struct ks_shape shape;

	if (read_counts(&shape))
		return -1;
	if (shape.tree >= KHOSCOPE_NR_TREES) {
		fprintf(stderr, "khoscope: the preserved-memory tree has id %u; khoscope "
			"follows ids below %d\n", shape.tree, KHOSCOPE_NR_TREES);
		return -1;
	}
	if (ring_buffer__consume(rb) < 0 || !acc->counts[shape.tree].valid) {
		fprintf(stderr, "khoscope: reading kho/out/radix_tree sent no counts to the "
			"radix_counts program\n");
		return -1;
	}
	*base = acc->counts[shape.tree];
	*tree = shape.tree;
	return 0;
}

static __u64 sum_u64(const __u64 *v, unsigned int n)
{
	__u64 sum = 0;

	while (n--)
		sum += v[n];
	return sum;
}

static void print_header(const struct ks_counts *base, const struct ks_restore *restore)
{
	const struct khoscope_counts_event *c = &base->ev;

	if (env.tree)
		printf("Tracing the KHO radix tree (tree %ld)... ", env.tree);
	else
		printf("Tracing every KHO radix tree... ");
	if (env.interval)
		printf("Reporting every %lu s. Hit Ctrl-C to end.\n", env.interval);
	else
		printf("Hit Ctrl-C to end.\n");
	printf("baseline: tree %u, as the tree counts it: %llu keys in %llu nodes\n", c->tree,
	       (unsigned long long)(sum_u64(c->keys, KHOSCOPE_NR_ORDERS) + c->keys_beyond),
	       (unsigned long long)sum_u64(c->nodes, KHOSCOPE_NR_LEVELS));
	if (env.tree > 0 && (unsigned int)env.tree != c->tree)
		printf("tree %ld: khoscope cannot read its counts (only tree %u's): its memory "
		       "figures are the changes since start\n", env.tree, c->tree);
	if (restore->valid)
		printf("boot restore: walk %.3f ms (ret %d, %llu runs reserved), scratch extension %.3f ms (ret %d), %llu busy blocks\n",
		       restore->retrieve_ns / 1e6, restore->retrieve_ret,
		       (unsigned long long)restore->runs,
		       restore->extend_ns / 1e6, restore->extend_ret,
		       (unsigned long long)restore->busy_blocks);
	if (restore->valid && restore->bulk_failures)
		printf("boot restore: %llu batches could not be reserved at once; their %llu runs were reserved one at a time\n",
		       (unsigned long long)restore->bulk_failures,
		       (unsigned long long)restore->runs_one_by_one);
	fflush(stdout);
}

static void print_record(struct ks_report *report)
{
	if (env.json) {
		ks_print_json(stdout, report);
		return;
	}
	if (env.timestamp) {
		time_t t = time(NULL);
		char buf[32];

		strftime(buf, sizeof(buf), "%H:%M:%S", localtime(&t));
		printf("\n%s", buf);
	}
	ks_print_text(stdout, report);
}


/*
 * Have the kernel read the counted tree's counts, drain the ring buffer,
 * then read the maps into @out. @end_interval: the longest walk so far
 * starts afresh.
 */
static int collect(struct ks_snapshot *out, struct ks_prog *progs, unsigned int *nr_progs,
		   bool end_interval)
{
	unsigned int t;
	int err;

	pthread_mutex_lock(&col.lock);
	err = read_counts(NULL) ? -EIO : 0;
	if (err >= 0)
		err = ring_buffer__consume(col.rb);
	if (err >= 0)
		err = read_snapshot(col.skel, col.acc, out, progs, nr_progs);
	if (err >= 0 && end_interval)
		for (t = 0; t < KHOSCOPE_NR_TREES; t++)
			col.acc->walks[t].max_ns = 0;
	pthread_mutex_unlock(&col.lock);
	return err < 0 ? err : 0;
}

/*
 * Every tree with something to show, whatever -o, -O and -t choose, and
 * the API's @nr callers if the kho_api programs are loaded.
 */
/*
 * The callers with a label of their own, for the whole run: the server's
 * thread and the textfile writer share them, one exposition at a time.
 */
static struct ks_caller_labels caller_labels;
static pthread_mutex_t labels_lock = PTHREAD_MUTEX_INITIALIZER;

static void fill_metrics(struct ks_metrics *m, const struct ks_snapshot *total,
			 const struct ks_caller *callers, unsigned int nr)
{
	unsigned int t;

	memset(m, 0, sizeof(*m));
	m->total = total;
	m->restore = col.restore;
	if (col.api) {
		m->callers = callers;
		m->nr_callers = nr;
		m->labels = &caller_labels;
	}
	for (t = 1; t < KHOSCOPE_NR_TREES; t++) {
		m->shown[t] = ks_tree_active(total, t) || t == col.base->ev.tree;
		if (m->shown[t])
			ks_memory_compute(&m->memory[t], col.base, total, t);
	}
}

/*
 * Once attached, keep only what the reports need: reading debugfs, whose
 * files are root's (CAP_DAC_READ_SEARCH, for a user that is not root) and,
 * with --textfile, writing into a directory another user may own
 * (CAP_DAC_OVERRIDE). The programs, maps, ring buffer, listening sockets
 * and /proc/kallsyms are open already, and an open file keeps what it was
 * opened with. Out of the bounding set too where this process may change
 * it (CAP_SETPCAP), and no exec may give any back.
 */
static int drop_capabilities(void)
{
	cap_value_t keep[2], c;
	int nkeep = 0, i, err = 0;
	cap_t cur, caps;

	cur = cap_get_proc();
	caps = cap_init();
	if (!cur || !caps) {
		err = -errno;
		goto out;
	}
	keep[nkeep++] = CAP_DAC_READ_SEARCH;
	if (env.textfile)
		keep[nkeep++] = CAP_DAC_OVERRIDE;
	for (i = 0; i < nkeep; i++) {
		cap_flag_value_t have = CAP_CLEAR;

		cap_get_flag(cur, keep[i], CAP_PERMITTED, &have);
		if (have == CAP_SET &&
		    (cap_set_flag(caps, CAP_PERMITTED, 1, &keep[i], CAP_SET) ||
		     cap_set_flag(caps, CAP_EFFECTIVE, 1, &keep[i], CAP_SET))) {
			err = -errno;
			goto out;
		}
	}
	for (c = 0; c < (cap_value_t)cap_max_bits(); c++) {
		for (i = 0; i < nkeep && keep[i] != c; i++)
			;
		if (i < nkeep || !cap_drop_bound(c))
			continue;
		if (errno == EPERM)
			break;	/* no CAP_SETPCAP: the bounding set stays */
		err = -errno;
		goto out;
	}
	if (cap_set_proc(caps) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		err = -errno;
out:
	cap_free(cur);
	cap_free(caps);
	return err;
}

/* Render the exposition for the metrics endpoint: read the maps now. */
static int render_metrics(bool om, char **body, size_t *len)
{
	struct ks_prog progs[KS_MAX_PROGS];
	struct ks_caller *callers;
	struct ks_snapshot *snap;
	struct ks_metrics *m;
	unsigned int nr_progs;
	int err = -1;
	FILE *f;

	*body = NULL;
	snap = calloc(1, sizeof(*snap));
	m = calloc(1, sizeof(*m));
	callers = calloc(KS_MAX_CALLERS, sizeof(*callers));
	if (snap && m && callers && !collect(snap, progs, &nr_progs, false)) {
		fill_metrics(m, snap, callers, col.api ? read_callers(callers) : 0);
		f = open_memstream(body, len);
		if (f) {
			pthread_mutex_lock(&labels_lock);
			ks_print_metrics(f, m, om);
			pthread_mutex_unlock(&labels_lock);
			if (!fclose(f) && *body)
				err = 0;
		}
	}
	if (err) {
		free(*body);
		*body = NULL;
	}
	free(snap);
	free(m);
	free(callers);
	return err;
}

int main(int argc, char **argv)
{
	struct ks_snapshot *acc = NULL, *prev = NULL, *cur = NULL, *delta = NULL;
	struct ring_buffer *rb = NULL;
	struct khoscope_bpf *skel = NULL;
	struct ks_prog progs[KS_MAX_PROGS];
	unsigned int nr_progs = 0, t;
	struct ks_counts base = {};
	struct ks_restore restore;
	struct ks_memory memory;
	struct ks_metrics *metrics = NULL;
	struct ks_ident ident;
	struct ks_httpd *httpd = NULL;
	int stats_fd = -1;
	int listen_fds[KS_HTTPD_MAX_FDS], nr_listen = 0;
	__u64 start_ns, next_ns, last_collect_ns;
	unsigned long printed = 0;
	bool exiting = false, usage, api, modules;
	struct btf *btf;
	struct ks_caller *callers = NULL;
	unsigned int nr_callers = 0;
	int err;
	unsigned int base_tree;

	parse_args(argc, argv);
	if (env.prometheus) {
		nr_listen = ks_httpd_listen(env.prometheus, listen_fds, &usage);
		if (nr_listen < 0)
			return usage ? 2 : 1;
	}
	if (env.textfile) {
		err = ks_check_textfile(env.textfile);
		if (err) {
			fprintf(stderr, "khoscope: cannot write --textfile '%s': %s\n",
				env.textfile, strerror(-err));
			while (nr_listen > 0)
				close(listen_fds[--nr_listen]);
			return 1;
		}
	}
	/* A scraper that goes away mid-response must not end the run. */
	signal(SIGPIPE, SIG_IGN);

	/* From here on a stop signal ends the run through the cleanup path. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);
	/* A shell starts background jobs with SIGINT ignored: take it anyway. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);

	err = 1;
	if (!have_caps()) {
		fprintf(stderr, "khoscope: need root, or CAP_BPF and CAP_PERFMON\n");
		goto cleanup;
	}
	/* The kernel's BTF, parsed once, answers both questions. */
	btf = btf__load_vmlinux_btf();
	err = check_kho_events(btf) ? 1 : 0;
	api = (env.callers || env.prometheus || env.textfile) && have_api_event(btf);
	modules = btf && btf_has_event(btf, "module_load") && btf_has_event(btf, "module_free");
	btf__free(btf);
	if (err)
		goto cleanup;
	err = 1;
	if (check_kho())
		goto cleanup;
	libbpf_set_print(libbpf_print_fn);

	acc = calloc(1, sizeof(*acc));
	prev = calloc(1, sizeof(*prev));
	cur = calloc(1, sizeof(*cur));
	delta = calloc(1, sizeof(*delta));
	metrics = calloc(1, sizeof(*metrics));
	callers = calloc(KS_MAX_CALLERS, sizeof(*callers));
	if (!acc || !prev || !cur || !delta || !metrics || !callers) {
		fprintf(stderr, "khoscope: out of memory\n");
		err = 1;
		goto cleanup;
	}

	skel = khoscope_bpf__open();
	if (!skel) {
		fprintf(stderr, "khoscope: failed to open BPF object: %s\n", strerror(errno));
		err = 1;
		goto cleanup;
	}
	if (env.callers && !api) {
		fprintf(stderr, "khoscope: this kernel has no kho_api event (patch 0021): "
			"--callers needs it\n");
		err = 1;
		goto cleanup;
	}
	choose_programs(skel, api, modules);

	err = khoscope_bpf__load(skel);
	if (err) {
		fprintf(stderr, "khoscope: failed to load BPF programs: %s\n", strerror(-err));
		err = 1;
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, acc, NULL);
	if (!rb) {
		fprintf(stderr, "khoscope: failed to create ring buffer: %s\n", strerror(errno));
		err = 1;
		goto cleanup;
	}
	err = khoscope_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "khoscope: failed to attach BPF programs: %s\n", strerror(-err));
		err = 1;
		goto cleanup;
	}
	/* Counting starts here: the first report covers the time from now. */
	start_ns = now_ns(CLOCK_MONOTONIC);
	if (take_baseline(rb, acc, &base, &base_tree)) {
		err = 1;
		goto cleanup;
	}
	if (env.tree < 0)
		env.tree = base_tree;
	read_restore(&restore);
	ks_ident_read(&ident);
	col.skel = skel;
	col.rb = rb;
	col.acc = acc;
	col.base = &base;
	col.restore = &restore;
	col.api = api;
	if (api) {
		kallsyms = fopen("/proc/kallsyms", "re");
		symcache = ks_symcache_new(kallsyms, &skel->bss->modules_loaded,
					   &skel->bss->modules_freed);
		if (!symcache) {
			fprintf(stderr, "khoscope: out of memory\n");
			err = 1;
			goto cleanup;
		}
	}
	if (nr_listen > 0) {
		httpd = ks_httpd_start(listen_fds, nr_listen, render_metrics, KS_HTTPD_DEADLINE_S);
		nr_listen = 0;		/* the server owns them now */
		if (!httpd) {
			fprintf(stderr, "khoscope: failed to start the metrics server on '%s'\n",
				env.prometheus);
			err = 1;
			goto cleanup;
		}
	}
	/* The kernel times BPF programs while this file is open. */
	if (env.bpf_stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0) {
			fprintf(stderr, "khoscope: cannot turn on BPF statistics: %s\n",
				strerror(errno));
			err = 1;
			goto cleanup;
		}
	}
	err = drop_capabilities();
	if (err) {
		fprintf(stderr, "khoscope: failed to drop capabilities: %s\n", strerror(-err));
		err = 1;
		goto cleanup;
	}
	if (!env.json)
		print_header(&base, &restore);

	/* Reports follow a fixed schedule, start + k * INTERVAL: none drifts. */
	next_ns = last_collect_ns = start_ns;
	while (!exiting) {
		struct ks_report report;
		__u64 collect_ns;
		bool final;

		next_ns += env.interval * 1000000000ULL;
		exiting = wait_for_stop(env.interval ? next_ns : 0);
		final = exiting || (env.count && printed + 1 >= env.count);

		/* The longest walk is per interval: the next one starts afresh. */
		err = collect(cur, progs, &nr_progs, true);
		collect_ns = now_ns(CLOCK_MONOTONIC);
		if (err < 0) {
			fprintf(stderr, "khoscope: failed to read BPF maps: %s\n", strerror(-err));
			err = 1;
			goto cleanup;
		}
		/* Without an interval, the one report covers the whole run. */
		ks_snapshot_sub(delta, cur, prev);
		/* Once per report, for the text or JSON view and the textfile. */
		if (col.api && (env.callers || env.textfile))
			nr_callers = read_callers(callers);
		if (env.textfile) {
			fill_metrics(metrics, cur, callers, nr_callers);
			pthread_mutex_lock(&labels_lock);
			err = ks_write_textfile(env.textfile, metrics);
			pthread_mutex_unlock(&labels_lock);
			if (err)
				fprintf(stderr, "khoscope: cannot write --textfile '%s': %s\n",
					env.textfile, strerror(-err));
		}

		memset(&report, 0, sizeof(report));
		report.ts_ns = now_ns(CLOCK_REALTIME);
		/* What the delta covers: from the last collection to this one. */
		report.interval_ns = collect_ns - last_collect_ns;
		last_collect_ns = collect_ns;
		report.final = final;
		report.delta = delta;
		report.total = cur;
		report.ident = &ident;
		report.memory = &memory;
		report.restore = &restore;
		report.order_mask = env.order_mask;
		report.op_mask = env.op_mask;
		report.progs = progs;
		report.nr_progs = nr_progs;
		if (env.callers) {
			report.callers = callers;
			report.nr_callers = nr_callers;
		}

		clearerr(stdout);
		for (t = 1; t < KHOSCOPE_NR_TREES; t++) {
			if (env.tree ? t != (unsigned int)env.tree :
			    !ks_tree_active(cur, t) && t != base_tree)
				continue;
			report.tree = t;
			ks_memory_compute(&memory, &base, cur, t);
			print_record(&report);
		}
		*prev = *cur;
		printed++;
		/*
		 * SIGPIPE is ignored (a scraper may hang up on the server): a
		 * reader of stdout that went away shows as EPIPE here, and ends
		 * the run as Ctrl-C does, with status 0.
		 */
		if (ferror(stdout)) {
			/* Every record ends with a fflush(): errno is its error. */
			int werr = errno;

			if (werr == EPIPE)
				break;
			fprintf(stderr, "khoscope: cannot write the report: %s\n", strerror(werr));
			err = 1;
			goto cleanup;
		}
		if (final)
			break;
	}
	err = 0;

cleanup:
	/* The server reads the maps: it stops first. */
	ks_httpd_stop(httpd);
	ks_symcache_free(symcache);
	if (kallsyms)
		fclose(kallsyms);
	if (stats_fd >= 0)
		close(stats_fd);
	while (nr_listen > 0)
		close(listen_fds[--nr_listen]);
	ring_buffer__free(rb);
	khoscope_bpf__destroy(skel);
	free(metrics);
	free(callers);
	free(acc);
	free(prev);
	free(cur);
	free(delta);
	return err;
}
