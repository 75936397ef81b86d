// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* collect.c - the BPF programs, their maps and ring buffer, read into snapshots */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect.h"
#include "ksyms.h"
#include "khoscope.h"
#include "khoscope.skel.h"
#include "version.h"

__u64 ks_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
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
	char *vals = NULL;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	/* A plain array's elements come in key order: straight into @out. */
	if (percpu)
		vals = calloc((size_t)nr * ncpus, size);
	keys = calloc(nr, sizeof(*keys));
	if ((percpu && !vals) || !keys) {
		err = -ENOMEM;
		goto out;
	}
	memset(out, 0, (size_t)nr * size);
	while (done < nr) {
		char *dst = percpu ? vals : (char *)out + (size_t)done * size;
		bool last;

		count = nr - done;
		last = bpf_map_lookup_batch(fd, done ? &batch : NULL, &batch, keys, dst,
					    &count, &opts);
		/* ENOENT: this batch is the last. */
		if (last && errno != ENOENT) {
			err = -errno;
			goto out;
		}
		for (i = 0; percpu && i < count && keys[i] < nr; i++)
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

/*
 * What the report loop and the metrics server share: the ring buffer and
 * the counts it feeds are read under the lock, by one of them at a time.
 */
static struct collector {
	pthread_mutex_t lock;
	const char *debugfs;
	struct khoscope_bpf *skel;
	struct ring_buffer *rb;
	struct ks_snapshot acc;	/* what the ring buffer brought */
	struct ks_counts base;	/* the first read of the counted tree's counts */
	struct ks_restore restore;
	bool api;		/* the kho_api programs are loaded */
	int stats_fd;		/* BPF times its programs while it is open */
	/*
	 * /proc/kallsyms, opened once before the capabilities go: a file of
	 * it shows the addresses its opener could see (CAP_SYSLOG), so it is
	 * read again from this one. NULL if it could not be opened.
	 */
	FILE *kallsyms;
	struct ks_symcache *symcache;	/* the callers' names */
	struct utsname uts;		/* the kernel release, for build_info */
} col = { .lock = PTHREAD_MUTEX_INITIALIZER, .stats_fd = -1 };

/*
 * The callers with a label of their own, for the whole run: the server's
 * thread and the textfile writer share them, one exposition at a time.
 */
static struct ks_caller_labels caller_labels;
static pthread_mutex_t labels_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The kho_api program costs a hash map update per API call: it is loaded
 * only for the views that show callers, with the module events that tell
 * when a calling address may name other code (when the kernel has them).
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
 * The baseline: the counted tree's first counts read after the programs
 * were attached, with the tally of that moment. From then on, the events
 * must account for every change the counts show.
 */
static int take_baseline(void)
{
	struct ks_shape shape;

	if (ks_read_counts(col.debugfs, &shape))
		return -1;
	if (shape.tree >= KHOSCOPE_NR_TREES) {
		fprintf(stderr, "khoscope: the preserved-memory tree has id %u; khoscope "
			"follows ids below %d\n", shape.tree, KHOSCOPE_NR_TREES);
		return -1;
	}
	if (ring_buffer__consume(col.rb) < 0 || !col.acc.counts[shape.tree].valid) {
		fprintf(stderr, "khoscope: reading kho/out/radix_tree sent no counts to the "
			"radix_counts program\n");
		return -1;
	}
	col.base = col.acc.counts[shape.tree];
	return 0;
}

/* What a refused load or attach lacks. */
static const char *denied(int err)
{
	if (err != -EPERM && err != -EACCES)
		return "";
	return " (tracing programs need CAP_BPF and CAP_PERFMON, or root)";
}

int ks_collect_start(const struct ks_collect_opts *o, const struct ks_kernel *k,
		     __u64 *attached_ns)
{
	int err;

	col.debugfs = o->debugfs;
	col.api = o->callers && k->api;
	if (uname(&col.uts))
		snprintf(col.uts.release, sizeof(col.uts.release), "unknown");
	col.skel = khoscope_bpf__open();
	if (!col.skel) {
		fprintf(stderr, "khoscope: failed to open BPF object: %s\n", strerror(errno));
		return -1;
	}
	choose_programs(col.skel, col.api, k->modules);
	err = khoscope_bpf__load(col.skel);
	if (err) {
		fprintf(stderr, "khoscope: failed to load BPF programs: %s%s\n", strerror(-err),
			denied(err));
		return -1;
	}
	col.rb = ring_buffer__new(bpf_map__fd(col.skel->maps.events), handle_event, &col.acc,
				  NULL);
	if (!col.rb) {
		fprintf(stderr, "khoscope: failed to create ring buffer: %s\n", strerror(errno));
		return -1;
	}
	if (col.api) {
		col.kallsyms = fopen("/proc/kallsyms", "re");
		col.symcache = ks_symcache_new(col.kallsyms, &col.skel->bss->modules_loaded,
					       &col.skel->bss->modules_freed);
		if (!col.symcache) {
			fprintf(stderr, "khoscope: out of memory\n");
			return -1;
		}
	}
	err = khoscope_bpf__attach(col.skel);
	if (err) {
		fprintf(stderr, "khoscope: failed to attach BPF programs: %s%s\n", strerror(-err),
			denied(err));
		return -1;
	}
	*attached_ns = ks_now_ns(CLOCK_MONOTONIC);
	if (take_baseline())
		return -1;
	ks_read_restore(col.debugfs, &col.restore);
	/* The kernel times BPF programs while this file is open. */
	if (o->bpf_stats) {
		col.stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (col.stats_fd < 0) {
			fprintf(stderr, "khoscope: cannot turn on BPF statistics: %s\n",
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

void ks_collect_stop(void)
{
	ks_symcache_free(col.symcache);
	if (col.kallsyms)
		fclose(col.kallsyms);
	if (col.stats_fd >= 0)
		close(col.stats_fd);
	ring_buffer__free(col.rb);
	khoscope_bpf__destroy(col.skel);
}

const struct ks_counts *ks_collect_base(void)
{
	return &col.base;
}

const struct ks_restore *ks_collect_restore(void)
{
	return &col.restore;
}

bool ks_collect_has_callers(void)
{
	return col.api;
}

unsigned int ks_collect_callers(struct ks_caller *out)
{
	int fd = bpf_map__fd(col.skel->maps.callers), ncpus = libbpf_num_possible_cpus();
	struct khoscope_caller_key key, next, *prev = NULL;
	struct khoscope_caller *vals, sum;
	unsigned int nr = 0;

	if (!col.api || ncpus <= 0)
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
		nr = ks_callers_add(out, nr, ks_symcache_name(col.symcache, key.ip, key.gen),
				    key.op, &sum);
	}
	pthread_mutex_unlock(&col.lock);
	free(vals);
	return nr;
}

/*
 * Have the kernel read the counted tree's counts, drain the ring buffer,
 * then read the maps.
 */
int ks_collect(struct ks_snapshot *out, struct ks_prog *progs, unsigned int *nr_progs,
	       bool end_interval)
{
	unsigned int t;
	int err;

	pthread_mutex_lock(&col.lock);
	err = ks_read_counts(col.debugfs, NULL) ? -EIO : 0;
	if (err >= 0)
		err = ring_buffer__consume(col.rb);
	if (err >= 0)
		err = read_snapshot(col.skel, &col.acc, out, progs, nr_progs);
	if (err >= 0 && end_interval)
		for (t = 0; t < KHOSCOPE_NR_TREES; t++)
			col.acc.walks[t].max_ns = 0;
	pthread_mutex_unlock(&col.lock);
	return err < 0 ? err : 0;
}

/*
 * Every tree with something to show, whatever -o, -O and -t choose, and
 * the API's @nr callers if the kho_api programs are loaded.
 */
static void fill_metrics(struct ks_metrics *m, const struct ks_snapshot *total,
			 const struct ks_caller *callers, unsigned int nr)
{
	unsigned int t;

	memset(m, 0, sizeof(*m));
	m->total = total;
	m->restore = &col.restore;
	m->version = KHOSCOPE_VERSION;
	m->revision = KHOSCOPE_REVISION;
	m->kernel = col.uts.release;
	m->out_tree = col.base.ev.tree;
	if (col.api) {
		m->callers = callers;
		m->nr_callers = nr;
		m->labels = &caller_labels;
	}
	for (t = 1; t < KHOSCOPE_NR_TREES; t++) {
		m->shown[t] = ks_tree_active(total, t) || t == col.base.ev.tree;
		if (m->shown[t])
			ks_memory_compute(&m->memory[t], &col.base, total, t);
	}
}

int ks_collect_write_textfile(const char *path, const struct ks_snapshot *total,
			      const struct ks_caller *callers, unsigned int nr)
{
	struct ks_metrics *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	fill_metrics(m, total, callers, nr);
	pthread_mutex_lock(&labels_lock);
	err = ks_write_textfile(path, m);
	pthread_mutex_unlock(&labels_lock);
	free(m);
	return err;
}

/* For the metrics endpoint: read the maps now. */
int ks_render_metrics(bool om, char **body, size_t *len)
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
	if (snap && m && callers && !ks_collect(snap, progs, &nr_progs, false)) {
		fill_metrics(m, snap, callers, ks_collect_callers(callers));
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
