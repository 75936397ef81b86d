# SPDX-License-Identifier: GPL-2.0
# A record with a wrong magic is refused as a whole, and its own folio is
# still taken back from KHO: MemTotal grows by the record's page when the
# driver loads in the next kernel. (Before, the driver returned without
# restoring it, and the page stayed reserved for good, owned by no one:
# MemTotal did not move.) A second load in the same kernel sees the mark
# the first one left in that page, and neither restores nor warns.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

memtotal_kb() { awk '/^MemTotal:/ { print $2 }' /proc/meminfo; }

case "$KHOSCOPE_STAGE" in
1)
	wl_load
	wl folios 4 0
	wl record
	wl corrupt magic
	vm-kexec
	die "vm-kexec returned"
	;;
2)
	before=$(memtotal_kb)
	wl_load
	after=$(memtotal_kb)
	cat "$WL/restore" | tee /tmp/restore
	check "the record is refused" "$(field record </tmp/restore)" invalid
	check "nothing is restored from it" "$(field objects </tmp/restore)" 0
	check_true "the refusal is reported" \
		sh -c "dmesg | grep -q 'is not valid: refused, its 4096 bytes kept for this boot'"
	# A 4 KiB record: its page is counted again, nothing else moves.
	check "MemTotal grows by the record's page (kB)" $((after - before)) 4

	rmmod kho_workload || die "cannot unload kho_workload"
	problems=$(kernel_problems)
	before=$(memtotal_kb)
	wl_load
	check "a second load sees the record refused" "$(field record <"$WL/restore")" invalid
	check_true "and says an earlier load refused it" \
		sh -c "dmesg | grep -q 'was refused by an earlier load'"
	check "and takes no page" $(($(memtotal_kb) - before)) 0
	check "no oops, bug or warning" \
		"$(kernel_problems)" "$problems"
	finish
	;;
esac
