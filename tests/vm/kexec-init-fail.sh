# SPDX-License-Identifier: GPL-2.0
# A kernel booted through KHO whose kho_init() fails frees nothing it runs
# in. The next kernel boots with fail_kho_radix_node= failing every radix
# node allocation: its restore walk needs none and succeeds, but kho_init()
# cannot allocate the root of its outgoing tree and fails. Its error path
# must not give the scratch areas to the page allocator: after a kexec they
# are the memory this kernel came up in, already in use (before, it called
# free_reserved_area() on them: MemTotal counted them twice and the free
# lists held pages still in use). MemTotal stays as in the first kernel,
# and filling most of memory and freeing it twice logs no oops or warning.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

case "$KHOSCOPE_STAGE" in
1)
	wl_load
	wl folios 200 0
	wl record
	vm-kexec "fail_kho_radix_node=1,100,0,-1" \
		"kwl.memtotal=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
	die "vm-kexec returned"
	;;
2)
	check_true "the node allocations failed" \
		sh -c "dmesg | grep -q 'FAULT_INJECTION: forcing a failure'"
	check_true "kho_init() failed: no kho/out" test ! -e "$KHO_DEBUGFS/out"
	before=$(cmdline_arg kwl.memtotal)
	now=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	echo "MemTotal: $before kB before the kexec, $now kB now"
	check_true "MemTotal ($now kB) is not above the first kernel's ($before kB)" \
		test "$now" -le "$before"

	check_fill_memory
	finish
	;;
esac
