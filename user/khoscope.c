// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * khoscope - per-order latency of KHO preservations and the memory the KHO
 * radix tree takes, from the kho trace events, aggregated in the kernel.
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "collect.h"
#include "httpd.h"
#include "khoscope.h"
#include "metrics.h"
#include "probe.h"
#include "report.h"
#include "version.h"
#include "webconfig.h"

#define MAX_INTERVAL	(24 * 3600UL)
#define TEXTFILE_INTERVAL	15	/* seconds, when --textfile is given none */
#define OPT_WEB_CONFIG	256	/* --web-config: no short option */

const char *argp_program_version = "khoscope " KHOSCOPE_VERSION " (" KHOSCOPE_REVISION ")";

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
"  khoscope -p 19464        # serve metrics on port 19464 until Ctrl-C\n"
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
	{ "web-config", OPT_WEB_CONFIG, "FILE", 0,
	  "With --prometheus: TLS and basic auth as FILE sets them, a web "
	  "configuration file of node_exporter's format (exporter-toolkit): "
	  "tls_server_config's cert_file and key_file, basic_auth_users with "
	  "bcrypt hashes; read at start", 0 },
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
	const char *web_config;	/* or NULL */
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
	case OPT_WEB_CONFIG:
		env.web_config = arg;
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
		if (env.web_config && !env.prometheus)
			argp_error(state, "--web-config needs --prometheus");
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

/* Sleep until deadline (0: for ever) or a stop signal; true on a signal. */
static bool wait_for_stop(__u64 deadline)
{
	for (;;) {
		struct timespec ts, *timeout = NULL;

		if (deadline) {
			__u64 now = ks_now_ns(CLOCK_MONOTONIC);

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
 * The reports: every INTERVAL seconds from the start (start + k * INTERVAL,
 * so none drifts), COUNT times, or once at a stop signal. Each covers the
 * time since the last collection; the last one is "final". 0 when done
 * (a reader of stdout that went away included), 1 on an error.
 */
static int run_reports(__u64 start_ns)
{
	const struct ks_counts *base = ks_collect_base();
	struct ks_snapshot *prev, *cur, *delta;
	struct ks_prog progs[KS_MAX_PROGS];
	struct ks_caller *callers;
	unsigned int nr_progs = 0, nr_callers = 0, t;
	__u64 next_ns = start_ns, last_ns = start_ns;
	struct ks_memory memory;
	struct ks_ident ident;
	unsigned long printed = 0;
	bool final = false;
	int err = 1;

	prev = calloc(1, sizeof(*prev));
	cur = calloc(1, sizeof(*cur));
	delta = calloc(1, sizeof(*delta));
	callers = calloc(KS_MAX_CALLERS, sizeof(*callers));
	if (!prev || !cur || !delta || !callers) {
		fprintf(stderr, "khoscope: out of memory\n");
		goto out;
	}
	ks_ident_read(&ident);
	while (!final) {
		struct ks_report report = {
			.out_tree = base->ev.tree, .delta = delta, .total = cur, .ident = &ident,
			.memory = &memory, .restore = ks_collect_restore(),
			.order_mask = env.order_mask, .op_mask = env.op_mask,
			.progs = progs,
		};
		__u64 collect_ns;

		next_ns += env.interval * 1000000000ULL;
		final = wait_for_stop(env.interval ? next_ns : 0) ||
			(env.count && printed + 1 >= env.count);
		/* The longest walk is per interval: the next one starts afresh. */
		err = ks_collect(cur, progs, &nr_progs, true);
		collect_ns = ks_now_ns(CLOCK_MONOTONIC);
		if (err < 0) {
			fprintf(stderr, "khoscope: failed to read BPF maps: %s\n", strerror(-err));
			err = 1;
			goto out;
		}
		/* Without an interval, the one report covers the whole run. */
		ks_snapshot_sub(delta, cur, prev);
		/* Once per report, for the text or JSON view and the textfile. */
		if (env.callers || env.textfile)
			nr_callers = ks_collect_callers(callers);
		if (env.textfile) {
			err = ks_collect_write_textfile(env.textfile, cur, callers, nr_callers);
			if (err)
				fprintf(stderr, "khoscope: cannot write --textfile '%s': %s\n",
					env.textfile, strerror(-err));
		}

		report.ts_ns = ks_now_ns(CLOCK_REALTIME);
		/* What the delta covers: from the last collection to this one. */
		report.interval_ns = collect_ns - last_ns;
		last_ns = collect_ns;
		report.final = final;
		report.nr_progs = nr_progs;
		if (env.callers) {
			report.callers = callers;
			report.nr_callers = nr_callers;
		}
		clearerr(stdout);
		for (t = 1; t < KHOSCOPE_NR_TREES; t++) {
			if (env.tree ? t != (unsigned int)env.tree :
			    !ks_tree_active(cur, t) && t != base->ev.tree)
				continue;
			report.tree = t;
			ks_memory_compute(&memory, base, cur, t);
			print_record(&report);
		}
		*prev = *cur;
		printed++;
		/*
		 * SIGPIPE is ignored (a scraper may hang up on the server): a
		 * reader of stdout that went away shows as EPIPE here, and ends
		 * the run as Ctrl-C does, with status 0. Every record ends with
		 * a fflush(): errno is its error.
		 */
		if (ferror(stdout)) {
			if (errno == EPIPE)
				break;
			fprintf(stderr, "khoscope: cannot write the report: %s\n", strerror(errno));
			err = 1;
			goto out;
		}
	}
	err = 0;
out:
	free(prev);
	free(cur);
	free(delta);
	free(callers);
	return err;
}

/*
 * SIGINT and SIGTERM stay blocked and are taken with sigtimedwait(), in the
 * report loop: a stop signal ends the run through the cleanup path. A
 * scraper that goes away mid-response must not end the run: SIGPIPE is
 * ignored.
 */
static void take_stop_signals(void)
{
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);
	/* A shell starts background jobs with SIGINT ignored: take it anyway. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}

int main(int argc, char **argv)
{
	int listen_fds[KS_HTTPD_MAX_FDS], nr_listen = 0, err = 1;
	struct ks_collect_opts opts = {};
	struct ks_httpd *httpd = NULL;
	struct ks_webconfig web = {};
	struct ks_kernel kernel = {};
	__u64 start_ns;
	bool usage;

	parse_args(argc, argv);
	/* Read now: no file can be opened once the capabilities are dropped. */
	if (env.web_config) {
		char msg[512];
		int ret = ks_webconfig_load(&web, env.web_config, msg, sizeof(msg));

		if (ret) {
			fprintf(stderr, "khoscope: %s\n", msg);
			return ret == -EINVAL ? 2 : 1;
		}
	}
	/* Where the metrics go, checked before anything is loaded. */
	if (env.prometheus) {
		nr_listen = ks_httpd_listen(env.prometheus, &web, listen_fds, &usage);
		if (nr_listen < 0)
			return usage ? 2 : 1;
	}
	if (env.textfile) {
		err = ks_check_textfile(env.textfile);
		if (err) {
			fprintf(stderr, "khoscope: cannot write --textfile '%s': %s\n",
				env.textfile, strerror(-err));
			err = 1;
			goto cleanup;
		}
		err = 1;
	}
	take_stop_signals();

	/* Exit 3: the kernel cannot be traced; a service need not try again. */
	err = ks_probe(env.debugfs, &kernel);
	if (err) {
		err = err == KS_UNSUPPORTED ? 3 : 1;
		goto cleanup;
	}
	err = 1;
	if (env.callers && !kernel.api) {
		fprintf(stderr, "khoscope: this kernel has no kho_api event (patch 0021): "
			"--callers needs it\n");
		err = 3;
		goto cleanup;
	}
	libbpf_set_print(libbpf_print_fn);
	opts.debugfs = env.debugfs;
	opts.callers = env.callers || env.prometheus || env.textfile;
	opts.bpf_stats = env.bpf_stats;
	if (ks_collect_start(&opts, &kernel, &start_ns))
		goto cleanup;
	if (env.tree < 0)
		env.tree = ks_collect_base()->ev.tree;

	if (nr_listen > 0) {
		httpd = ks_httpd_start(listen_fds, nr_listen, ks_render_metrics,
				       KS_HTTPD_DEADLINE_S, &web);
		nr_listen = 0;		/* the server owns them now */
		if (!httpd) {
			fprintf(stderr, "khoscope: failed to start the metrics server on '%s'\n",
				env.prometheus);
			goto cleanup;
		}
	}
	err = ks_drop_capabilities(env.textfile);
	if (err) {
		fprintf(stderr, "khoscope: failed to drop capabilities: %s\n", strerror(-err));
		err = 1;
		goto cleanup;
	}
	if (!env.json)
		ks_print_header(stdout, ks_collect_base(), ks_collect_restore(), env.tree,
				env.interval);

	err = run_reports(start_ns);

cleanup:
	/* The server reads the maps: it stops first. */
	ks_httpd_stop(httpd);
	ks_webconfig_free(&web);
	while (nr_listen > 0)
		close(listen_fds[--nr_listen]);
	ks_collect_stop();
	return err;
}
