# SPDX-License-Identifier: GPL-2.0
# Guest side of 'make check-compat': the series hands over memory in stock
# 7.3's format. scripts/check-compat boots one kernel and kexecs into the
# other, both ways. The first kernel preserves test_kho's folios (random
# orders) and its vmalloc area; the series' kernel also preserves the
# workload driver's folios of orders 0, 3 and 9, scattered and adjacent, a
# vmalloc area and a page range, and unpreserves 40 % of its objects again so
# that its tree had nodes pruned. The second kernel must find the handover
# data, have test_kho restore and verify the checksum of everything it
# preserved, and log no warning; when it is the series' kernel, its restore
# statistics show a successful walk.
# khoscope-vm-append: test_kho.max_mem=8388608
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

# Only the series' kernel has the on-demand walk.
is_series() { test -e "$KHO_DEBUGFS/out/radix_tree"; }
kind() { if is_series; then echo series; else echo stock; fi; }

case "$KHOSCOPE_STAGE" in
1)
	echo "stage 1: the $(kind) kernel preserves"
	check_true "test_kho recorded its preservation" test -e "$KHO_DEBUGFS/out/sub_fdts/kho_test"
	if is_series; then
		wl_load
		wl folios 8192 0 random
		wl folios 512 3 strided
		wl folios 32 9
		wl vmalloc 4194304
		wl pages 1000
		wl unpreserve 40
		echo "stage 1: $(radix_report | field keys) keys in the tree"
	fi
	[ "$checks_failed" -eq 0 ] || finish
	vm-kexec
	die "vm-kexec returned"
	;;
2)
	echo "stage 2: the $(kind) kernel restores"
	dmesg >/tmp/dmesg
	check_true "the handover data was found" grep -q 'KHO: found kexec handover data' /tmp/dmesg
	check_true "test_kho restored and verified its folios" grep -q 'KHO restore succeeded' /tmp/dmesg
	check "test_kho reported no failure" "$(grep -c 'KHO restore failed' /tmp/dmesg)" 0
	check "no warning or bug in the log" "$(grep -c -E 'WARNING:|BUG:|Call Trace:' /tmp/dmesg)" 0
	if is_series; then
		stats=$KHO_DEBUGFS/in/restore_stats
		check "the restore walk succeeded" "$(field retrieve_ret <"$stats")" 0
		check_true "the restore walk found keys" \
			test "$(sed -n 2p "$stats" | field keys)" -gt 0
	fi
	finish
	;;
*)
	die "unexpected stage $KHOSCOPE_STAGE"
	;;
esac
