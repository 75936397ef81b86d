# SPDX-License-Identifier: GPL-2.0
# Record, then unpreserve, then kexec: the record handed over must name
# only what is still preserved. Unpreserving withdraws the driver's record
# and writes it again for what is left, so the next kernel restores exactly
# the remaining objects and never touches the memory that was freed (before
# the fix, the record still named all 340 objects and the next kernel went
# to restore memory that was no longer preserved). Then the driver is
# loaded a second time in the restored kernel: it must not read the record
# from freed memory nor restore anything twice.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

case "$KHOSCOPE_STAGE" in
1)
	wl_load
	wl folios 300 0
	wl folios 40 3 strided
	wl record
	check "all 340 objects recorded" "$(field recorded <"$WL/status")" 340
	wl unpreserve 50
	cat "$WL/status" | tee /tmp/status
	objects=$(field objects </tmp/status)
	check "half of 340 objects left" "$objects" 170
	check "the record names only what is left" "$(field recorded </tmp/status)" "$objects"
	# Anywhere in the log (the first record said 340): other drivers'
	# messages can follow it before this looks.
	check_true "the kernel log says the record was written again" \
		sh -c "dmesg | grep -q 'recorded 170 objects for the next kernel'"
	orders_of /tmp/status >/tmp/truth
	[ "$checks_failed" -eq 0 ] || finish
	vm-kexec "kwl.objects=$objects" "kwl.truth=$(unpairs /tmp/truth)"
	die "vm-kexec returned"
	;;
2)
	pairs "$(cmdline_arg kwl.truth)" >/tmp/truth
	objects=$(cmdline_arg kwl.objects)
	wl_load
	cat "$WL/restore" | tee /tmp/restore
	check "the record names only the objects left" "$(field objects </tmp/restore)" "$objects"
	check_restored /tmp/restore "$objects" /tmp/truth

	# A second load in this kernel finds the same subtree: it must see the
	# record as consumed, read no freed memory and restore nothing twice.
	rmmod kho_workload || die "cannot unload kho_workload"
	problems=$(kernel_problems)
	wl_load
	cat "$WL/restore" | tee /tmp/restore2
	check "a second load sees the record consumed" "$(field record </tmp/restore2)" consumed
	check "and restores nothing" "$(field objects </tmp/restore2)" 0
	check "no warning or bug from the second load" \
		"$(kernel_problems)" "$problems"
	finish
	;;
esac
