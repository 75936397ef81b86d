# SPDX-License-Identifier: GPL-2.0
# A kexec round trip with KHO on: the second kernel finds the handover data
# and lib/test_kho.c restores and verifies everything it preserved.
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

case "$KHOSCOPE_STAGE" in
1)
	check_true "test_kho recorded its preservation" test -e "$KHO_DEBUGFS/out/sub_fdts/kho_test"
	keys=$(radix_report | field keys)
	echo "stage 1: $keys keys preserved; kexec"
	[ "$checks_failed" -eq 0 ] || finish
	vm-kexec
	die "vm-kexec returned"
	;;
2)
	dmesg >/tmp/dmesg
	check_true "second kernel found the handover data" grep -q 'KHO: found kexec handover data' /tmp/dmesg
	check_true "test_kho restored and verified its folios" grep -q 'KHO restore succeeded' /tmp/dmesg
	check "test_kho reported no failure" "$(grep -c 'KHO restore failed' /tmp/dmesg)" 0
	check_true "kho/in is in debugfs" test -d "$KHO_DEBUGFS/in"
	finish
	;;
*)
	die "unexpected stage $KHOSCOPE_STAGE"
	;;
esac
