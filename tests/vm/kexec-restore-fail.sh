# SPDX-License-Identifier: GPL-2.0
# A reservation of the restore walk that fails hands no preserved page to
# the page allocator. fail_kho_restore=N fails the walk's Nth memblock
# reservation; the walk reserves its runs of adjacent preserved memory in
# batches of 2730, and reserves a batch that fails one run at a time. Three
# kexecs in a row fail a middle batch (16384 scattered folios: 5 batches or
# more), the only batch (200 folios: first and last at once), and the first
# of many. After each:
# - the boot is a KHO boot, and restore_stats says retrieve_ret=0 with one
#   batch of bulk_failures, whose runs (runs_one_by_one) are the batch the
#   stage meant; khoscope's boot_restore says the same;
# - MemTotal is as in the first kernel (the scratch areas counted once);
# - a reserve_mem= region handed over by KHO, which its owner takes before
#   the walk runs, keeps its content after most of memory is filled and
#   freed twice (before, the failed batch's runs went to the page allocator
#   and the walk failed the KHO boot: two owners);
# - the driver restores every object it recorded, with its content.
# khoscope-vm-append: test_kho.max_mem=4096 reserve_mem=4M:4096:khotest
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

BATCH=2730

# kexec_failing N COUNT LAYOUT: preserve COUNT order-0 folios in LAYOUT
# (and 20 of order 4), record them, and kexec into the next stage with its
# Nth reservation failing.
kexec_failing() {
	wl folios "$2" 0 "$3"
	wl folios 20 4 strided
	wl record
	memtotal=$(cmdline_arg kwl.memtotal)
	[ -n "$memtotal" ] || memtotal=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	vm-kexec "fail_kho_restore=$1" "kwl.objects=$(field objects <"$WL/status")" \
		"kwl.memtotal=$memtotal"
	die "vm-kexec returned"
}

# reserve_mem fill|check: the pattern in the reserve_mem= region khotest.
reserve_mem() {
	echo "reserve_mem khotest $1" >"$WL/control"
}

# check_safe_boot WHICH: the checks of a stage whose walk had the batch
# WHICH (middle, only or first) fail.
check_safe_boot() {
	check_true "the kernel says the batch was reserved one run at a time" \
		sh -c "dmesg | grep -qE 'failed to reserve [0-9]+ runs of preserved memory at once: -(ENOMEM|12); reserving them one at a time'"
	cat "$KHO_DEBUGFS/in/restore_stats" | tee /tmp/stats
	check "restore_stats: retrieve_ret" "$(field retrieve_ret </tmp/stats)" 0
	check "restore_stats: bulk_failures" "$(field bulk_failures </tmp/stats)" 1
	runs=$(field runs </tmp/stats)
	one=$(field runs_one_by_one </tmp/stats)
	echo "the walk reserved $runs runs, $one of them one at a time"
	case "$1" in
	middle)	check "a full batch was reserved one run at a time" "$one" "$BATCH"
		check_true "the failed batch was not the last ($runs runs)" \
			test "$runs" -gt $((2 * BATCH)) ;;
	only)	check "the only batch was reserved one run at a time" "$one" "$runs" ;;
	first)	check "a full batch was reserved one run at a time" "$one" "$BATCH"
		check_true "more batches followed ($runs runs)" test "$runs" -gt "$BATCH" ;;
	esac
	check_true "a KHO boot: kho/in has the handover FDT" test -e "$KHO_DEBUGFS/in/fdt"

	before=$(cmdline_arg kwl.memtotal)
	now=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	check_true "MemTotal ($now kB) is not above the first kernel's ($before kB)" \
		test "$now" -le "$before"

	check_true "reserve_mem region khotest revived from KHO" \
		sh -c "dmesg | grep -q \"Revived memory reservation 'khotest' from KHO\""
	check_fill_memory
	wl_load
	check_true "the reserve_mem region kept its content" reserve_mem check

	cat "$WL/restore" | tee /tmp/restore
	check "the driver found its record" "$(field record </tmp/restore)" found
	check "every object restored" "$(field restored </tmp/restore)" "$(cmdline_arg kwl.objects)"
	check "no object failed to restore" "$(field failed </tmp/restore)" 0
	check "no page with wrong content" "$(field bad_pages </tmp/restore)" 0

	khoscope --json 1 1 >/tmp/ks.json 2>/tmp/ks.err
	check "khoscope exits 0" "$?" 0
	check_true "khoscope's boot_restore says bulk_failures 1" \
		grep -q '"boot_restore":{[^}]*"bulk_failures":1,' /tmp/ks.json
}

case "$KHOSCOPE_STAGE" in
1)
	wl_load
	check_true "the reserve_mem region is filled" reserve_mem fill
	kexec_failing 2 16384 strided
	;;
2)
	check_safe_boot middle
	problems=$(kernel_problems)
	[ "$checks_failed" -eq 0 ] && [ "$problems" -eq 0 ] || finish
	kexec_failing 1 200 contiguous
	;;
3)
	check_safe_boot only
	problems=$(kernel_problems)
	[ "$checks_failed" -eq 0 ] && [ "$problems" -eq 0 ] || finish
	kexec_failing 1 16384 strided
	;;
4)
	check_safe_boot first
	finish
	;;
esac
