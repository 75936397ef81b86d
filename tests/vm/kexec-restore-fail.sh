# SPDX-License-Identifier: GPL-2.0
# A KHO boot whose restore walk fails is safe and shows why. The next
# kernel boots with fail_kho_restore=1: its first memblock reservation of
# preserved memory fails, so the walk fails and the boot is not a KHO
# boot. Then the scratch areas it came up in are not freed a second time
# (MemTotal as in the first kernel; before, kho_init() gave them to the
# page allocator again, which counted them twice and corrupted its free
# lists: an oops in __rmqueue_pcplist(), seen 1 run in 2);
# kho/in/restore_stats exists and says retrieve_ret=-12 with the shape the
# walk met (before, kho/in was never created); khoscope's boot_restore
# reports the same; and the driver finds no record.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

case "$KHOSCOPE_STAGE" in
1)
	wl_load
	wl folios 200 0
	wl folios 20 4 strided
	wl record
	vm-kexec "fail_kho_restore=1" "kwl.memtotal=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
	die "vm-kexec returned"
	;;
2)
	check_true "the kernel says the reservation failed" \
		sh -c "dmesg | grep -q 'failed to reserve .* runs of preserved memory: -12'"
	# The scratch areas this kernel came up in are counted once, as in the
	# first kernel (before, kho_init() freed them again as CMA: counted
	# twice, the free lists corrupted).
	before=$(cmdline_arg kwl.memtotal)
	now=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	echo "MemTotal: $before kB before the kexec, $now kB now"
	check_true "MemTotal ($now kB) is not above the first kernel's ($before kB)" \
		test "$now" -le "$before"
	check_true "kho/in/restore_stats exists after the failed walk" \
		test -r "$KHO_DEBUGFS/in/restore_stats"
	cat "$KHO_DEBUGFS/in/restore_stats" | tee /tmp/stats
	check "restore_stats: retrieve_ret" "$(field retrieve_ret </tmp/stats)" -12
	check_true "restore_stats: the walk met keys" test "$(grep -c '^order=' /tmp/stats)" -gt 0
	check "kho/in has no handover FDT: not a KHO boot" "$(ls "$KHO_DEBUGFS/in")" restore_stats

	khoscope --json 1 1 >/tmp/ks.json 2>/tmp/ks.err
	check "khoscope exits 0" "$?" 0
	check_true "khoscope's boot_restore says retrieve_ret -12" \
		grep -q '"boot_restore":{[^}]*"retrieve_ret":-12' /tmp/ks.json

	wl_load
	cat "$WL/restore" | tee /tmp/restore
	check "the driver finds no record" "$(field record </tmp/restore)" none
	finish
	;;
esac
