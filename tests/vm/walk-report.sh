# SPDX-License-Identifier: GPL-2.0
# kho/out/radix_tree_walk (the on-demand walk) agrees with the kho events
# recorded since boot: live keys per order and live nodes per level, and
# the walk's own begin/end events carry the same totals. kho/out/radix_tree
# (the counts the tree keeps) says the same without walking: it fires no
# walk event.
# khoscope-vm-append: trace_event=kho:* trace_buf_size=4M
. "${KHOSCOPE_SCENARIO_DIR}/common.sh"

trace_snapshot /tmp/boot.trace
radix_walk >/tmp/report
cat /tmp/report
tree=$(field tree </tmp/report)
[ -n "$tree" ] || die "kho/out/radix_tree_walk has no tree id"

# Internal consistency of the report.
check "nodes = sum over levels" "$(awk -F'[ =]' '/^level=/ { n += $4 } END { print n + 0 }' /tmp/report)" \
	"$(field nodes </tmp/report)"
check "keys = sum over orders" "$(awk -F'[ =]' '/^order=/ { n += $4 } END { print n + 0 }' /tmp/report)" \
	"$(field keys </tmp/report)"
check "node_bytes = nodes * 4096" "$(field node_bytes </tmp/report)" $(( $(field nodes </tmp/report) * 4096 ))

# Live nodes per level and live keys per order from the trace.
for level in 5 4 3 2 1 0; do
	walked=$(sed -n "s/^level=$level nodes=\([0-9]*\) .*/\1/p" /tmp/report)
	check "level $level: nodes traced = nodes walked" "$(traced_nodes /tmp/boot.trace "$tree" "$level")" "$walked"
done
traced_orders /tmp/boot.trace "$tree" >/tmp/traced-orders
orders_of /tmp/report >/tmp/walked-orders
check "keys per order traced = keys per order walked" "$(flat /tmp/traced-orders)" \
	"$(flat /tmp/walked-orders)"
check "some keys are preserved at all" "$(test -s /tmp/walked-orders && echo yes)" yes

# The counts the tree keeps: the walk's figures, generation included (the
# tree is at rest), and no walk to read them.
echo >"$TRACING/trace"
echo 1 >"$TRACING/tracing_on"
radix_report >/tmp/counts
echo 0 >"$TRACING/tracing_on"
check "kho/out/radix_tree = kho/out/radix_tree_walk" "$(flat_counts /tmp/counts)" "$(flat /tmp/report)"
check "reading the counts walks nothing" "$(grep -c 'kho_radix_walk_' "$TRACING/trace")" 0

# A walk fires its own events with the totals it saw.
echo >"$TRACING/trace"
echo 1 >"$TRACING/tracing_on"
radix_walk >/tmp/report2
echo 0 >"$TRACING/tracing_on"
cat "$TRACING/trace" >/tmp/walk.trace
check "one walk_begin per read" "$(grep -c "kho_radix_walk_begin: tree=$tree\$" /tmp/walk.trace)" 1
end=$(grep "kho_radix_walk_end: tree=$tree " /tmp/walk.trace)
check "walk_end keys = report keys" "$(echo "${end#*kho_radix_walk_end: }" | field keys)" "$(field keys </tmp/report2)"
check "walk_end nodes = report nodes" "$(echo "${end#*kho_radix_walk_end: }" | field nodes)" "$(field nodes </tmp/report2)"
check "walk_end ret" "$(echo "${end#*kho_radix_walk_end: }" | field ret)" 0
check "walk_end gen = report gen" "$(echo "${end#*kho_radix_walk_end: }" | field gen)" "$(field gen </tmp/report2)"
check_true "walk_end timed the walk (duration_ns > 0)" \
	test "$(echo "${end#*kho_radix_walk_end: }" | field duration_ns)" -gt 0

finish
