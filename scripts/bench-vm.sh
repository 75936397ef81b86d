# SPDX-License-Identifier: GPL-2.0
# Guest side of the tracing-overhead benchmark ('make bench'): preserve
# throughput of the workload driver with the kho events disabled, with
# khoscope attached, and with ftrace recording the events, interleaved in
# one boot. TCG times mean nothing alone: only the ratios are reported.
# khoscope-vm-append: trace_buf_size=64M test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

N=${BENCH_VM_FOLIOS:-20000}
ROUNDS=${BENCH_VM_ROUNDS:-5}

# seconds with 10 ms resolution, as an integer of centiseconds
now_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }

run_once() {
	t0=$(now_cs)
	wl folios "$N" 0
	t1=$(now_cs)
	wl unpreserve all
	echo $((t1 - t0))
}

wl_load
run_once >/dev/null	# warm up the allocator
for round in $(seq "$ROUNDS"); do
	echo 0 >"$TRACING/events/kho/enable"
	echo "disabled $(run_once)" >>/tmp/times

	khoscope >/dev/null 2>&1 &
	pid=$!
	sleep 1
	echo "khoscope $(run_once)" >>/tmp/times
	kill -INT "$pid"
	wait "$pid"

	echo >"$TRACING/trace"
	echo 1 >"$TRACING/events/kho/enable"
	echo 1 >"$TRACING/tracing_on"
	echo "ftrace $(run_once)" >>/tmp/times
	echo 0 >"$TRACING/events/kho/enable"
done
cat /tmp/times
awk -v n="$N" -v rounds="$ROUNDS" '
	{ t[$1, ++c[$1]] = $2 }
	function median(k,   i, j, v, tmp, m) {
		m = c[k]
		for (i = 1; i <= m; i++) v[i] = t[k, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { tmp = v[i]; v[i] = v[j]; v[j] = tmp }
		return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
	}
	END {
		d = median("disabled"); k = median("khoscope"); f = median("ftrace")
		printf "BENCH-VM {\"folios\":%d,\"rounds\":%d,\"median_cs\":{\"disabled\":%s,\"khoscope\":%s,\"ftrace\":%s},", n, rounds, d, k, f
		printf "\"ratio_to_disabled\":{\"khoscope\":%.3f,\"ftrace\":%.3f}}\n", k / d, f / d
	}' /tmp/times
