# SPDX-License-Identifier: GPL-2.0
# The kho events recorded from boot show exactly what lib/test_kho.c
# preserved, as test_kho itself recorded it in its KHO sub-FDT.
# khoscope-vm-append: trace_event=kho:* trace_buf_size=4M test_kho.max_mem=8388608
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

max_pages=$((8388608 / 4096))

for e in $KHO_EVENTS; do
	check_true "event kho/$e exists" test -d "$TRACING/events/kho/$e"
done
check "kho events enabled from boot" "$(cat "$TRACING/events/kho/enable")" 1

trace_snapshot /tmp/boot.trace
nr=$(fdt-prop "$KHO_DEBUGFS/out/sub_fdts/kho_test" /data nr_folios) ||
	die "test_kho left no record in kho/out/sub_fdts/kho_test"
tree=$(radix_report | field tree)
echo "test_kho preserved $nr folios ($max_pages pages) into tree $tree"

# The successful preservations of the outgoing tree, in order: one order
# per line (a batch event, as many lines as keys it added).
traced_keys /tmp/boot.trace "$tree" | sed -n 's/^+//p' >/tmp/orders
check "no preserve failed at boot" \
	"$(grep -cE 'kho_preserve_(end|batch): .* ret=-' /tmp/boot.trace)" 0

# test_kho preserves, in this order: its FDT folio of get_order(nr * 8 +
# PAGE_SIZE), the vmalloc area holding the folio list (one chunk page, then
# the area's ceil(nr * 8 / PAGE_SIZE) pages, all order 0), then its nr
# folios, whose pages add up to max_mem. Find that exact run of keys.
fdt_pages=$(( (nr * 8 + 4096 + 4095) / 4096 ))
fdt_order=0
while [ $((1 << fdt_order)) -lt "$fdt_pages" ]; do fdt_order=$((fdt_order + 1)); done
vm_pages=$(( (nr * 8 + 4095) / 4096 ))

found=$(awk -v F="$fdt_order" -v V="$vm_pages" -v N="$nr" -v P="$max_pages" '
	function pow2(n,   p) { p = 1; while (n-- > 0) p *= 2; return p }
	{ o[NR] = $1 }
	END {
		hits = 0
		for (i = 1; i + 1 + V + N <= NR; i++) {
			if (o[i] != F) continue
			ok = 1
			for (j = i + 1; j <= i + 1 + V; j++) if (o[j] != 0) ok = 0
			if (!ok) continue
			pages = 0
			for (j = i + 2 + V; j < i + 2 + V + N; j++) pages += pow2(o[j])
			if (pages != P) continue
			hits++
			for (j = i + 2 + V; j < i + 2 + V + N; j++) hist[o[j]]++
		}
		printf "%d", hits
		for (k = 0; k <= 10; k++) if (hist[k]) printf " order%d=%d", k, hist[k]
		printf "\n"
	}' /tmp/orders)
echo "test_kho run in the trace: $found"
check "trace holds test_kho's FDT, vmalloc and $nr folios of $max_pages pages once" "${found%% *}" 1 ||
	echo "orders preserved at boot, in order: $(tr '\n' ' ' </tmp/orders)"

finish
