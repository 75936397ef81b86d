# SPDX-License-Identifier: GPL-2.0
# A 'record' that fails leaves the previous record in the handover. The
# driver records 20 folios, preserves more, and records again with the
# new record's first radix node allocation failing (fail_kho_radix_node
# through /proc/self/fail-nth: the record is sized to need a folio of an
# order no key has yet, so a fresh path of nodes). The write fails with
# -ENOMEM, kho/out/sub_fdts still holds the 20-object record, and the next
# kernel restores those 20. (A driver that dropped the old record before
# building the new one handed over no record at all.)
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

# Bytes of a record of N objects: a 16-byte header, 40 bytes an entry.
record_bytes() { echo $((16 + 40 * $1)); }
blob=$KHO_DEBUGFS/out/sub_fdts/kho_workload

case "$KHOSCOPE_STAGE" in
1)
	wl_load
	wl folios 20 0
	wl record
	check "the first record holds 20 objects" "$(wc -c <"$blob")" "$(record_bytes 20)"

	# A record of order k (1..4) with no key of order k in the tree yet.
	radix_report >/tmp/walk
	order=""
	for k in 4 3 2 1; do
		grep -q "^order=$k " /tmp/walk || { order=$k; break; }
	done
	[ -n "$order" ] || die "every order 1..4 already has keys"
	# Midway between 2^(k-1) and 2^k pages of entries.
	objects=$(( (4096 << order) * 3 / 4 / 40 ))
	wl folios $((objects - 20)) 0
	check "objects to record" "$(field objects <"$WL/status")" "$objects"
	echo "recording $objects objects (an order-$order folio) with its first node allocation failing"

	echo 1 >/proc/self/fail-nth
	if echo record >"$WL/control"; then rc=0; else rc=1; fi
	read -r left </proc/self/fail-nth
	echo 0 >/proc/self/fail-nth
	check "the fault was injected" "$left" 0
	check "the record fails" "$rc" 1
	check_true "with -ENOMEM, reported" \
		sh -c "dmesg | grep -q 'record of $objects objects ([0-9]* bytes) failed: -12'"
	check "the driver still names the old record" "$(field recorded <"$WL/status")" 20
	check "the handover still holds the 20-object record" \
		"$(wc -c <"$blob" 2>/dev/null)" "$(record_bytes 20)"
	[ "$checks_failed" -eq 0 ] || finish
	vm-kexec
	die "vm-kexec returned"
	;;
2)
	wl_load
	cat "$WL/restore" | tee /tmp/restore
	check "the next kernel finds the old record" "$(field record </tmp/restore)" found
	check "and restores its 20 objects" "$(field restored </tmp/restore)" 20
	check "none failed" "$(field failed </tmp/restore)" 0
	check "no page with wrong content" "$(field bad_pages </tmp/restore)" 0
	finish
	;;
esac
