# SPDX-License-Identifier: GPL-2.0
# Guest side of the tracing-overhead benchmark ('make bench'): the time the
# workload driver takes to preserve and then unpreserve N order-0 folios,
# with the kho events disabled, with khoscope attached, and with ftrace
# recording kho:*, in ROUNDS rounds (after one warm-up round) whose order
# rotates so that no variant always runs first. A last round runs khoscope with kernel.bpf_stats_enabled
# for BPF's own figure per program (run_time_ns / run_cnt); those stats cost
# time themselves, so that round is not part of the ratios. TCG times mean
# nothing alone: only ratios within this one boot are reported. Other load
# on the host only ever adds time, in bursts: the medians are the headline,
# the fastest round of each variant (min_ms, ratio_of_min) is the figure
# least disturbed by it. Times are read from the monotonic clock in
# nanoseconds (/proc/timer_list), reported in milliseconds.
# khoscope-vm-append: trace_buf_size=64M test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

N=200000
ROUNDS=15

# CLOCK_MONOTONIC in nanoseconds: busybox's date has no %N, /proc/uptime
# only centiseconds (2% of a disabled run).
now_ns() { awk '/^now at/ { print $3; exit }' /proc/timer_list; }

# run_once: milliseconds, to the microsecond, to preserve N folios and
# unpreserve them all.
run_once() {
	t0=$(now_ns)
	wl folios "$N" 0
	wl unpreserve all
	t1=$(now_ns)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }'
}

# ks_on [ARGS]: start khoscope; in text mode, wait until its header says it
# is attached and joined.
ks_on() {
	khoscope "$@" >/tmp/ks.out 2>/tmp/ks.err &
	pid=$!
	i=0
	while ! grep -q '^baseline:' /tmp/ks.out && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "${1:-}" = --json ] && sleep 2
	return 0
}

ks_off() {
	kill -INT "$pid"
	wait "$pid" || die "khoscope failed: $(cat /tmp/ks.err)"
}

variant() {
	case "$1" in
	disabled)
		echo 0 >"$TRACING/events/kho/enable"
		echo "disabled $(run_once)" >>/tmp/times
		;;
	khoscope)
		ks_on
		echo "khoscope $(run_once)" >>/tmp/times
		ks_off
		;;
	ftrace)
		echo >"$TRACING/trace"
		echo 1 >"$TRACING/events/kho/enable"
		echo 1 >"$TRACING/tracing_on"
		echo "ftrace $(run_once)" >>/tmp/times
		echo 0 >"$TRACING/events/kho/enable"
		;;
	esac
}

wl_load
# Warm up the allocator, BPF loading and the trace buffer: one round of
# each variant, not counted.
echo "bench-vm: warm-up round"
for v in disabled khoscope ftrace; do
	variant "$v"
done
: >/tmp/times
for round in $(seq "$ROUNDS"); do
	case $((round % 3)) in
	1) order="disabled khoscope ftrace" ;;
	2) order="khoscope ftrace disabled" ;;
	0) order="ftrace disabled khoscope" ;;
	esac
	echo "bench-vm: round $round/$ROUNDS: $order"
	for v in $order; do
		variant "$v"
	done
done
cat /tmp/times

echo 1 >/proc/sys/kernel/bpf_stats_enabled
ks_on --json
run_once >/dev/null
ks_off
echo 0 >/proc/sys/kernel/bpf_stats_enabled
programs=$(tail -n 1 /tmp/ks.out | sed -n 's/.*"programs":\(\[.*\]\)}$/\1/p')
: "${programs:=null}"	# a khoscope without programs[] (before schema 2)

awk -v n="$N" -v rounds="$ROUNDS" -v programs="$programs" '
	{ t[$1, ++c[$1]] = $2 }
	function median(k,   i, j, v, tmp, m) {
		m = c[k]
		for (i = 1; i <= m; i++) v[i] = t[k, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { tmp = v[i]; v[i] = v[j]; v[j] = tmp }
		return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
	}
	function least(k,   i, m) {
		m = t[k, 1]
		for (i = 2; i <= c[k]; i++) if (t[k, i] < m) m = t[k, i]
		return m
	}
	END {
		d = median("disabled"); k = median("khoscope"); f = median("ftrace")
		printf "BENCH-VM {\"folios\":%d,\"ops_per_run\":%d,\"rounds\":%d,", n, 2 * n, rounds
		printf "\"median_ms\":{\"disabled\":%s,\"khoscope\":%s,\"ftrace\":%s},", d, k, f
		printf "\"ratio_to_disabled\":{\"khoscope\":%.3f,\"ftrace\":%.3f},", k / d, f / d
		md = least("disabled"); mk = least("khoscope"); mf = least("ftrace")
		printf "\"min_ms\":{\"disabled\":%s,\"khoscope\":%s,\"ftrace\":%s},", md, mk, mf
		printf "\"ratio_of_min\":{\"khoscope\":%.3f,\"ftrace\":%.3f},", mk / md, mf / md
		printf "\"rounds_ms\":{"
		split("disabled khoscope ftrace", names, " ")
		for (n = 1; n <= 3; n++) {
			printf "%s\"%s\":[", (n > 1 ? "," : ""), names[n]
			for (i = 1; i <= c[names[n]]; i++) printf "%s%s", (i > 1 ? "," : ""), t[names[n], i]
			printf "]"
		}
		printf "},\"bpf_programs\":%s}\n", programs
	}' /tmp/times
