# SPDX-License-Identifier: GPL-2.0
# memfd preservation through the live update orchestrator (/dev/liveupdate)
# beside the workload driver. A node allocation failing at each point of a
# memfd's preservation in turn (fail_kho_radix_node through fail-nth) fails
# the preservation and leaves the tree as it was. Churn then: a 16 MiB memfd preserved and its
# session closed again (LUO unpreserves every folio), and 4096 driver folios
# preserved and unpreserved; the tree must then hold exactly what it held
# before. Then a 16 MiB memfd kept in an open session, and the driver's
# folios recorded, and kexec: the next kernel gives back the memfd with
# every byte of its content, and every driver object, and its boot walk
# found exactly the tree of the last walk before the kexec.
# khoscope-vm-append: liveupdate=1 test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

MEMFD_MIB=16
MEMFD_PAGES=$((MEMFD_MIB * 256))

# order0 FILE: the order-0 keys of a walk.
order0() {
	orders_of "$1" | awk '$1 == 0 { n = $2 } END { print n + 0 }'
}

case "$KHOSCOPE_STAGE" in
1)
	check_true "/dev/liveupdate exists" test -c /dev/liveupdate
	wl_load
	radix_report >/tmp/before
	orders_of /tmp/before >/tmp/before.keys
	levels_of /tmp/before >/tmp/before.levels

	# 160 MiB spans more than one order-0 leaf (128 MiB), so that at
	# least one node must be allocated.
	n=1
	while [ "$n" -le 32 ]; do
		luo-memfd inject "$n" "fail$n" 9 160 >/tmp/inject
		rc=$?
		cat /tmp/inject
		[ "$rc" -eq 0 ] || break
		radix_report >/tmp/after
		orders_of /tmp/after >/tmp/after.keys
		levels_of /tmp/after >/tmp/after.levels
		check "node allocation $n failed: keys per order as before" \
			"$(flat /tmp/after.keys)" "$(flat /tmp/before.keys)"
		check "node allocation $n failed: nodes per level as before" \
			"$(flat /tmp/after.levels)" "$(flat /tmp/before.levels)"
		n=$((n + 1))
	done
	check "the injection loop ended when no allocation was left" "$rc" 3
	check_true "at least one allocation failed ($((n - 1)))" [ "$n" -gt 1 ]
	check_true "a failure was rolled back by kho_preserve_folios()" \
		sh -c 'dmesg | grep -q " kho_preserve_folios+"'

	luo-memfd discard churn 7 "$MEMFD_MIB" >/tmp/discard
	check "memfd preserved and discarded" "$?" 0
	cat /tmp/discard
	wl folios 4096 0
	wl unpreserve all
	radix_report >/tmp/churned
	check "after the churn: keys per order as before" "$(orders_of /tmp/churned | tr '\n' ';')" \
		"$(orders_of /tmp/before | tr '\n' ';')"
	check "after the churn: nodes per level as before" "$(levels_of /tmp/churned | tr '\n' ';')" \
		"$(levels_of /tmp/before | tr '\n' ';')"

	luo-memfd preserve kept 42 "$MEMFD_MIB" >/tmp/memfd
	check "memfd preserved" "$?" 0
	cat /tmp/memfd
	radix_report >/tmp/with_memfd
	check_true "the memfd's $MEMFD_PAGES folios are in the tree" \
		[ $(($(order0 /tmp/with_memfd) - $(order0 /tmp/before))) -ge "$MEMFD_PAGES" ]

	wl folios 1024 0
	wl folios 64 3 strided
	wl folios 8 9 random
	wl record
	cat "$WL/status" | tee /tmp/status
	radix_report | tee /tmp/walk
	objects=$(field objects </tmp/status)
	check "all 1096 driver objects recorded" "$(field recorded </tmp/status)/$objects" 1096/1096
	orders_of /tmp/status >/tmp/truth
	[ "$checks_failed" -eq 0 ] || finish

	vm-kexec "kwl.objects=$objects" "kwl.truth=$(unpairs /tmp/truth)" \
		"kwl.walk=$(orders_of /tmp/walk >/tmp/w; unpairs /tmp/w)"
	die "vm-kexec returned"
	;;
2)
	pairs "$(cmdline_arg kwl.truth)" >/tmp/truth
	pairs "$(cmdline_arg kwl.walk)" >/tmp/walked

	cat "$KHO_DEBUGFS/in/restore_stats" | tee /tmp/stats
	check "boot walk succeeded" "$(field retrieve_ret </tmp/stats)" 0
	orders_of /tmp/stats >/tmp/booted
	check "boot walk keys per order = last walk before kexec" "$(flat /tmp/booted)" "$(flat /tmp/walked)"

	luo-memfd restore kept 42 "$MEMFD_MIB" >/tmp/restored_memfd
	check "memfd restored" "$?" 0
	cat /tmp/restored_memfd
	check "memfd content intact" "$(sed -n 's/.*bad_words=//p' /tmp/restored_memfd)" 0

	wl_load
	cat "$WL/restore" | tee /tmp/restore
	check_restored /tmp/restore "$(cmdline_arg kwl.objects)" /tmp/truth
	finish
	;;
esac
