# SPDX-License-Identifier: GPL-2.0
# Two readers of the walk and one of the counts, all at once, while the
# driver preserves and unpreserves: every read describes the tree at one
# generation exactly (its keys are the keys at the start plus the changes
# the trace shows up to that generation), and at the end the counts, a
# walk and the driver's ground truth agree. (With walks that let changes
# in, the series' old patch 0021, a change behind two paused walks was
# reported to one of them only.)
# khoscope-vm-append: trace_buf_size=8M
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

ROUNDS=6

wl_load
# What others hold (test_kho, LUO): the driver's part comes on top.
radix_report >/tmp/others
tree=$(field tree </tmp/others)

echo 0 >"$TRACING/tracing_on"
echo >"$TRACING/trace"
echo 1 >"$TRACING/events/kho/kho_preserve_end/enable"
echo 1 >"$TRACING/events/kho/kho_unpreserve_end/enable"
echo 1 >"$TRACING/tracing_on"

rm -f /tmp/stop /tmp/reads-*
# reader NAME FILE: the first line of FILE, over and over, into /tmp/reads-NAME.
reader() {
	while [ ! -e /tmp/stop ]; do
		head -n 1 "$KHO_DEBUGFS/out/$2" >>"/tmp/reads-$1" || exit 1
	done
}
reader walk1 radix_tree_walk &
r1=$!
reader walk2 radix_tree_walk &
r2=$!
reader counts radix_tree &
r3=$!
i=0
while [ $i -lt $ROUNDS ]; do
	wl folios 3000 $((i % 4)) random 2
	wl unpreserve 60
	i=$((i + 1))
done
touch /tmp/stop
wait "$r1"
check "the first walk reader read without an error" "$?" 0
wait "$r2"
check "the second walk reader read without an error" "$?" 0
wait "$r3"
check "the counts reader read without an error" "$?" 0
trace_snapshot /tmp/t.trace

tree_changes /tmp/t.trace "$tree" >/tmp/changes
check_true "the trace holds the changes ($(wc -l </tmp/changes))" test "$(wc -l </tmp/changes)" -gt 1000
for r in walk1 walk2 counts; do
	reads=$(wc -l <"/tmp/reads-$r")
	check_true "$r read the tree during the changes ($reads reads)" test "$reads" -ge 3
	check_reads_exact "every $r read holds the keys of its generation" "/tmp/reads-$r" \
		/tmp/others /tmp/changes
done

radix_report >/tmp/end
radix_walk >/tmp/end-walk
check "at the end the counts = a walk" "$(flat_counts /tmp/end)" "$(flat /tmp/end-walk)"
check_walk_truth "at the end the counts = others + the driver's ground truth" /tmp/end /tmp/others
finish
