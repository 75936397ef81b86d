# SPDX-License-Identifier: GPL-2.0
# Preserve/unpreserve churn gives back what it took: after three cycles of
# preserving 64 MiB of order-0 folios and 32 folios of an order the tree
# does not hold yet (so that they need a leaf of their own) and
# unpreserving them all, the walk shows exactly the tree from before the churn, every
# node the churn allocated has been freed (its kho events say so), and
# khoscope, attached throughout, reports the walk's memory (checked on the
# host by churn.check).
# khoscope-vm-append: trace_buf_size=8M test_kho.max_mem=4096
. "${KHOSCOPE_SCENARIO_DIR}/common.sh"

wl_load
radix_report >/tmp/before
tree=$(field tree </tmp/before)
[ -n "$tree" ] || die "kho/out/radix_tree has no tree id"

# An order no key has yet: its keys need new nodes.
new_order=
for o in 4 5 6 7 8 9; do
	if [ -z "$(orders_of /tmp/before | awk -v o=$o '$1 == o')" ]; then
		new_order=$o
		break
	fi
done
[ -n "$new_order" ] || die "the tree holds keys of every order 4..9"

ks_start churn --json 1
echo 0 >"$TRACING/tracing_on"
echo >"$TRACING/trace"
echo 1 >"$TRACING/events/kho/kho_radix_node_alloc/enable"
echo 1 >"$TRACING/events/kho/kho_radix_node_free/enable"
echo 1 >"$TRACING/tracing_on"
for cycle in 1 2 3; do
	wl folios 16384 0
	wl folios 32 "$new_order"
	radix_report >"/tmp/full-$cycle"
	wl unpreserve all
done
echo 0 >"$TRACING/tracing_on"
echo 0 >"$TRACING/events/kho/enable"
cat "$TRACING/trace" >/tmp/churn.trace
check "no trace event lost" "$(cat "$TRACING"/per_cpu/cpu*/stats |
	awk '/^overrun:/ { n += $2 } END { print n + 0 }')" 0
ks_stop

radix_report >/tmp/after
cat /tmp/before /tmp/full-1 /tmp/after
check "keys per order: as before the churn" "$(orders_of /tmp/after | tr '\n' ';')" \
	"$(orders_of /tmp/before | tr '\n' ';')"
check "nodes per level: as before the churn" "$(levels_of /tmp/after | tr '\n' ';')" \
	"$(levels_of /tmp/before | tr '\n' ';')"
check_true "each cycle needed new nodes" \
	test "$(field nodes </tmp/full-1)" -gt "$(field nodes </tmp/before)"
allocs=$(grep -c "kho_radix_node_alloc: tree=$tree " /tmp/churn.trace || true)
frees=$(grep -c "kho_radix_node_free: tree=$tree " /tmp/churn.trace || true)
grown=0
for c in 1 2 3; do
	grown=$((grown + $(field nodes <"/tmp/full-$c") - $(field nodes </tmp/before)))
done
check "the churn allocated what the full trees added" "$allocs" "$grown"
check "every node the churn allocated was freed" "$frees" "$allocs"

finish
