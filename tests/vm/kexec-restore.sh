# SPDX-License-Identifier: GPL-2.0
# Churn first (preserve and unpreserve 32 MiB: the nodes it needed are freed
# again), then preserve a mixed workload, unpreserve half of it, kexec: the
# next kernel
# restores every remaining folio, range and area with the right order and
# content, the tree it received holds exactly what was left (so nothing
# unpreserved came back), and its restore statistics match the last walk
# of the previous kernel.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

# Bytes per entry of the driver's record, and its header (kho_workload.c).
RECORD_ENTRY=40
RECORD_HEADER=16

case "$KHOSCOPE_STAGE" in
1)
	wl_load
	radix_report >/tmp/before
	wl folios 8192 0
	wl folios 16 6
	wl unpreserve all
	radix_report >/tmp/churned
	check "after the churn: the nodes from before" "$(levels_of /tmp/churned | tr '\n' ';')" \
		"$(levels_of /tmp/before | tr '\n' ';')"
	wl folios 2048 0
	wl folios 256 3 strided
	wl folios 16 9 random
	wl vmalloc 262144
	wl pages 1000
	wl unpreserve 50
	wl record
	cat "$WL/status" | tee /tmp/status
	radix_report | tee /tmp/walk

	objects=$(field objects </tmp/status)
	check "half of 2322 objects left" "$objects" 1161
	check "all of them recorded" "$(field recorded </tmp/status)" "$objects"
	# The tree now holds what it held before, what the driver still
	# preserves, and the one folio holding the driver's record.
	orders_of /tmp/status >/tmp/truth
	orders_of /tmp/before >/tmp/b
	echo "$(order_for_bytes $((RECORD_HEADER + objects * RECORD_ENTRY))) 1" >/tmp/record
	add_orders /tmp/b /tmp/truth >/tmp/x
	add_orders /tmp/x /tmp/record >/tmp/expected
	orders_of /tmp/walk >/tmp/walked
	check "tree = before + driver ground truth + record (unpreserved keys gone)" \
		"$(flat /tmp/walked)" "$(flat /tmp/expected)"
	[ "$checks_failed" -eq 0 ] || finish

	# memblock=debug: the next kernel logs every memblock reservation
	# with its caller, so the restore walk's can be checked.
	vm-kexec memblock=debug log_buf_len=8M "kwl.objects=$objects" "kwl.truth=$(unpairs /tmp/truth)" \
		"kwl.walk=$(unpairs /tmp/walked)" \
		"kwl.levels=$(levels_of /tmp/walk >/tmp/l; unpairs /tmp/l)"
	die "vm-kexec returned"
	;;
2)
	pairs "$(cmdline_arg kwl.truth)" >/tmp/truth
	pairs "$(cmdline_arg kwl.walk)" >/tmp/walked
	pairs "$(cmdline_arg kwl.levels)" >/tmp/levels
	objects=$(cmdline_arg kwl.objects)

	wl_load
	cat "$WL/restore" | tee /tmp/restore
	check_restored /tmp/restore "$objects" /tmp/truth

	cat "$KHO_DEBUGFS/in/restore_stats" | tee /tmp/stats
	check "boot walk succeeded" "$(field retrieve_ret </tmp/stats)" 0
	check "scratch extension succeeded" "$(field extend_scratch_ret </tmp/stats)" 0
	orders_of /tmp/stats >/tmp/booted
	check "boot walk keys per order = last walk before kexec" "$(flat /tmp/booted)" "$(flat /tmp/walked)"
	levels_of /tmp/stats >/tmp/blevels
	check "boot walk nodes per level = last walk before kexec" "$(flat /tmp/blevels)" "$(flat /tmp/levels)"
	# The restore walk reserved exactly the preserved pages, each once,
	# in runs of adjacent keys: never more ranges than keys, one by one
	# or in bulk (patch 0020). (The caller logged is whichever function
	# the reservation was inlined into.)
	dmesg | sed -nE 's/.*(__memblock_reserve|memblock_reserve_noinit_bulk): \[(0x[0-9a-f]+)-(0x[0-9a-f]+)\].* (kho_mem_reserve_runs?|kho_mem_reserve_one|kho_preserved_memory_reserve|kho_mem_retrieve|kho_memory_init)\+.*/\2 \3/p' |
		while read -r a b; do echo "$((a)) $((b))"; done | sort -n >/tmp/reserved
	keys=$(sed -n 2p /tmp/stats | field keys)
	pages=$(sed -n 2p /tmp/stats | field pages)
	set -- $(awk 'NR > 1 && $1 <= end { overlap++ } $2 > end { end = $2 }
		{ bytes += $2 - $1 + 1 } END { printf "%d %.0f %d\n", NR, bytes, overlap }' /tmp/reserved)
	echo "restore walk: $1 memblock reservations for $keys keys"
	check "restore walk reserved the preserved bytes" "$2" "$((pages * 4096))"
	check "restore walk reservations overlap nowhere" "$3" 0
	check_true "restore walk made at most one reservation per key ($1 for $keys)" [ "$1" -ge 1 -a "$1" -le "$keys" ]
	echo "boot walk: $(field retrieve_ns </tmp/stats) ns for $keys keys;" \
		"scratch extension: $(field extend_scratch_ns </tmp/stats) ns"

	# khoscope reports the boot restore statistics of this kernel.
	khoscope --json 1 1 >/tmp/ks.json
	check "khoscope exits 0" "$?" 0
	check "khoscope reports retrieve_ns" \
		"$(grep -o '"boot_restore":{"retrieve_ns":[0-9]*' /tmp/ks.json | sed 's/.*://')" \
		"$(field retrieve_ns </tmp/stats)"
	finish
	;;
esac
