# SPDX-License-Identifier: GPL-2.0
# Guest side of the tracing-overhead benchmark ('make bench-tracing'), run
# under scripts/vm-run --icount: the guest's clock counts its instructions
# (one per nanosecond), so every figure here is an exact, repeatable count
# of guest instructions, not a time.
#
# Two workloads, each with the kho events disabled, with khoscope attached
# and with ftrace recording kho:*:
#   driver  the workload driver preserves N order-0 folios one call each
#           (kho_preserve_folio(), single-key events), then unpreserves them;
#   memfd   a 64 MiB memfd preserved through LUO (one kho_preserve_folios()
#           batch) and released by closing its session; the luo-memfd helper
#           times the two calls itself.
# Rounds of disabled and khoscope, alternating which goes first, until
# ROUNDS valid khoscope rounds, then ROUNDS of ftrace: under icount, a
# khoscope was seen attached with programs that never ran, more often after
# ftrace had enabled and disabled the same events. A khoscope round counts
# only if khoscope's own report counted every driver preserve and the
# memfd's batch; one that did not is reported as invalid and left out. A last round with kernel.bpf_stats_enabled gives
# BPF's own cost per program; stats add clock reads, so it is not timed.
# khoscope-vm-append: trace_buf_size=64M test_kho.max_mem=4096 liveupdate=1
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

N=20000
MEMFD_MIB=64
ROUNDS=5

# CLOCK_MONOTONIC in nanoseconds: under --icount, guest instructions.
now_ns() { awk '/^now at/ { print $3; exit }' /proc/timer_list; }

# run_once VARIANT: one line of figures for /tmp/times.
run_once() {
	t0=$(now_ns)
	wl folios "$N" 0
	t1=$(now_ns)
	wl unpreserve all
	t2=$(now_ns)
	luo-memfd discard bench 7 "$MEMFD_MIB" >/tmp/memfd.out ||
		die "luo-memfd failed: $(cat /tmp/memfd.out)"
	mp=$(sed -n 's/.*preserve_ns=\([0-9]*\) .*/\1/p' /tmp/memfd.out)
	mu=$(sed -n 's/.*unpreserve_ns=\([0-9]*\).*/\1/p' /tmp/memfd.out)
	echo "$1 $((t1 - t0)) $((t2 - t1)) $mp $mu"
}

ks_on() {
	khoscope "$@" >/tmp/ks.out 2>/tmp/ks.err &
	pid=$!
	i=0
	while ! grep -q '^baseline:' /tmp/ks.out && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}

ks_off() {
	kill -INT "$pid"
	wait "$pid" || die "khoscope failed: $(cat /tmp/ks.err)"
}

# khoscope_saw_all: its report counted the N driver preserves and the
# memfd's batch of keys (text mode: the histogram headers).
khoscope_saw_all() {
	calls=$(sed -n 's/^preserve, order 0: \([0-9]*\) calls.*/\1/p' /tmp/ks.out | tail -n1)
	keys=$(sed -n 's/^preserve batches, order 0: \([0-9]*\) keys.*/\1/p' /tmp/ks.out |
		tail -n1)
	[ "${calls:-0}" -ge "$N" ] && [ "${keys:-0}" -ge $((MEMFD_MIB << 8)) ]
}

variant() {
	case "$1" in
	disabled)
		echo 0 >"$TRACING/events/kho/enable"
		run_once disabled >>/tmp/times
		;;
	khoscope)
		ks_on
		run_once khoscope >/tmp/round
		ks_off
		if khoscope_saw_all; then
			cat /tmp/round >>/tmp/times
		else
			echo "bench-vm: invalid khoscope round: its programs did not count every" \
			     "call (calls ${calls:-0}, batch keys ${keys:-0})"
			echo invalid >>/tmp/invalid
		fi
		;;
	ftrace)
		echo >"$TRACING/trace"
		echo 1 >"$TRACING/events/kho/enable"
		echo 1 >"$TRACING/tracing_on"
		run_once ftrace >>/tmp/times
		echo 0 >"$TRACING/events/kho/enable"
		;;
	esac
}

wl_load
echo "bench-vm: warm-up round"
variant disabled
variant khoscope
: >/tmp/times
: >/tmp/invalid
# Until ROUNDS valid khoscope rounds, at most 3 * ROUNDS tries.
round=0
while [ "$(grep -c '^khoscope ' /tmp/times)" -lt "$ROUNDS" ] && [ $round -lt $((3 * ROUNDS)) ]; do
	round=$((round + 1))
	if [ $((round % 2)) -eq 1 ]; then order="disabled khoscope"; else order="khoscope disabled"; fi
	echo "bench-vm: round $round: $order"
	for v in $order; do
		variant "$v"
	done
done
for round in $(seq "$ROUNDS"); do
	echo "bench-vm: ftrace round $round/$ROUNDS"
	variant ftrace
done
cat /tmp/times

awk -v n="$N" -v mib="$MEMFD_MIB" -v rounds="$ROUNDS" \
    -v invalid="$(wc -l </tmp/invalid)" '
	{ for (f = 2; f <= 5; f++) t[$1, f, ++c[$1, f]] = $f + 0 }
	function median(k, f,   i, j, v, tmp, m) {
		m = c[k, f]
		for (i = 1; i <= m; i++) v[i] = t[k, f, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { tmp = v[i]; v[i] = v[j]; v[j] = tmp }
		return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
	}
	function spread(k, f,   i, lo, hi) {
		lo = hi = t[k, f, 1]
		for (i = 2; i <= c[k, f]; i++) { if (t[k, f, i] < lo) lo = t[k, f, i]; if (t[k, f, i] > hi) hi = t[k, f, i] }
		return lo ? (hi - lo) / lo : 0
	}
	function figures(name, f, per,   d, k, x, share) {
		# + 0: the fields are strings, and "115794201" > "71866646" is false.
		d = median("disabled", f) + 0; k = median("khoscope", f) + 0; x = median("ftrace", f) + 0
		printf "\"%s\":{\"instructions\":{\"disabled\":%d,\"khoscope\":%d,\"ftrace\":%d},", name, d, k, x
		printf "\"per_op\":{\"disabled\":%.1f,\"khoscope\":%.1f,\"ftrace\":%.1f},", d / per, k / per, x / per
		printf "\"ratio_to_disabled\":{\"khoscope\":%.4f,\"ftrace\":%.4f},", k / d, x / d
		share = 0
		if (x > d)
			share = (k - d) / (x - d)
		printf "\"khoscope_share_of_ftrace\":%.4f,", share
		printf "\"spread\":{\"disabled\":%.4f,\"khoscope\":%.4f,\"ftrace\":%.4f}}", spread("disabled", f), spread("khoscope", f), spread("ftrace", f)
	}
	END {
		printf "BENCH-VM {\"clock\":\"guest instructions (QEMU -icount shift=0)\",\"rounds\":%d,\"invalid_khoscope_rounds\":%d,", rounds, invalid
		printf "\"driver\":{\"folios\":%d,", n
		figures("preserve", 2, n); printf ","; figures("unpreserve", 3, n); printf "},"
		printf "\"memfd\":{\"mib\":%d,\"folios\":%d,", mib, mib * 256
		figures("preserve", 4, mib * 256); printf ","; figures("unpreserve", 5, mib * 256); printf "}}\n"
	}' /tmp/times
