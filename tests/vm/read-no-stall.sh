# SPDX-License-Identifier: GPL-2.0
# Reading kho/out/radix_tree does not stall preservation. With 2 GiB of
# order-0 keys preserved and two CPUs, a reader reads the tree's counts
# over and over while a task preserves 10000 more folios. The longest
# preserve must stay well below the duration of a walk of the same tree
# (kho/out/radix_tree_walk, which holds the tree's lock: a preserve that
# comes during one waits for the rest of it, 12.4 ms once measured). And
# every read reports the tree at one generation: the keys it counts are
# the keys at the start plus every preserve of a generation up to its own.
#
# The two vCPUs run on two host threads (khoscope-vm-tcg: multi), so that
# the reader and the preserving task run at once.
# khoscope-vm-tcg: multi
# khoscope-vm-append: trace_buf_size=32M test_kho.max_mem=4096
# khoscope-vm-memory: 4G
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

BIG=524288		# 2 GiB of order-0 folios
N=10000

# vm-run keeps such a scenario on the jiffies clocksource: the switch to
# "tsc" patches the kernel's clock reads, which two TCG threads can race.
check "the clocksource stays jiffies (no code patched under a running vCPU)" \
	"$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)" jiffies

wl_load
wl folios "$BIG" 0
radix_report >/tmp/base
tree=$(field tree </tmp/base)
base_keys=$(field keys </tmp/base)
echo "base: $(head -n 1 /tmp/base)"

echo 0 >"$TRACING/tracing_on"
echo >"$TRACING/trace"
echo 1 >"$TRACING/events/kho/kho_preserve_end/enable"
echo 1 >"$TRACING/events/kho/kho_radix_walk_end/enable"
echo 1 >"$TRACING/tracing_on"

# One walk alone, for its duration.
radix_walk >/dev/null

rm -f /tmp/stop /tmp/reads
(
	while [ ! -e /tmp/stop ]; do
		head -n 1 "$KHO_DEBUGFS/out/radix_tree" >>/tmp/reads || exit 1
	done
) &
reader=$!
sleep 0.2
wl folios "$N" 0
touch /tmp/stop
wait "$reader"
check "the reader read the tree without an error" "$?" 0
trace_snapshot /tmp/t.trace

grep "kho_preserve_end: tree=$tree " /tmp/t.trace >/tmp/preserves
reads=$(wc -l </tmp/reads)
walk=$(grep "kho_radix_walk_end: tree=$tree " /tmp/t.trace | head -n 1 | sed 's/.* duration_ns=\([0-9]*\).*/\1/')
longest=$(sed 's/.* duration_ns=\([0-9]*\).*/\1/' /tmp/preserves | sort -n | tail -n 1)
median=$(sed 's/.* duration_ns=\([0-9]*\).*/\1/' /tmp/preserves | sort -n |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "walk of $base_keys keys: $walk ns; $reads reads of the counts during $N preserves"
echo "preserve latency during the reads: median $median ns, longest $longest ns"
sed 's/.* duration_ns=\([0-9]*\).*/\1/' /tmp/preserves | awk '
	$1 > 100000 { a++ } $1 > 1000000 { b++ }
	END { printf "preserves over 0.1 ms: %d, over 1 ms: %d\n", a, b }'

check "every preserve traced" "$(wc -l </tmp/preserves)" "$N"
check_true "the reader read during the preserves ($reads reads)" test "$reads" -ge 3
check_true "the longest preserve ($longest ns) is under half a walk ($walk ns)" \
	test $((longest * 2)) -lt "$walk"

tree_changes /tmp/t.trace "$tree" >/tmp/changes
check_reads_exact "every read reports the keys of one generation" /tmp/reads /tmp/base /tmp/changes

radix_report >/tmp/end
check "the counts hold every preserve" "$(field keys </tmp/end)" "$((base_keys + N))"
radix_walk >/tmp/end-walk
check "a last walk says what the counts say" "$(flat /tmp/end-walk)" "$(flat_counts /tmp/end)"
finish
