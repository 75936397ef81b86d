# SPDX-License-Identifier: GPL-2.0
# A record that lies is refused where it lies, and nothing beyond what was
# restored is touched. The first kernel records 11 folios, a range and a
# vmalloc area, then damages the record (the driver's "corrupt" command):
# one order-0 folio is said to be of order 3, and the vmalloc area to have
# 64 more pages than it has. The next kernel refuses those two objects
# with a message each, restores the other 11 with the right content, and
# checks no page beyond them. (Before, it checked 8 pages for the folio,
# 7 of them someone else's, and 64 pages past the end of the vmalloc area:
# an oops on unmapped memory.)
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

case "$KHOSCOPE_STAGE" in
1)
	wl_load
	wl folios 8 0
	wl folios 3 2
	wl pages 5
	wl vmalloc 40000
	wl record
	wl corrupt order
	wl corrupt vmalloc
	vm-kexec
	die "vm-kexec returned"
	;;
2)
	wl_load
	cat "$WL/restore" | tee /tmp/restore
	check "the driver found its record" "$(field record </tmp/restore)" found
	check "13 objects in the record" "$(field objects </tmp/restore)" 13
	check "the two that lie are refused" "$(field failed </tmp/restore)" 2
	check "the 11 others restored" "$(field restored </tmp/restore)" 11
	check "no page with wrong content" "$(field bad_pages </tmp/restore)" 0
	# 7 order-0 folios, 3 order-2 folios, 5 pages: nothing beyond them.
	check "pages checked: only those restored" "$(field pages_checked </tmp/restore)" 24
	check_true "the folio's lie is reported" \
		sh -c "dmesg | grep -q 'order 0, the record says 3: refused'"
	check_true "the vmalloc area's lie is reported" \
		sh -c "dmesg | grep -q 'vmalloc area: 10 pages, the record says 74: refused'"
	finish
	;;
esac
