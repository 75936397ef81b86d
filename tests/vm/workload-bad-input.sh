# SPDX-License-Identifier: GPL-2.0
# The workload driver refuses bad commands with EINVAL and a message in
# dmesg, and changes nothing.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

wl_load
wl folios 10 1
cat "$WL/status" >/tmp/before
radix_report >/tmp/walk-before

# bad CMD PATTERN: the write fails with EINVAL, dmesg says PATTERN.
bad() {
	dmesg -c >/dev/null
	if echo "$1" >"$WL/control" 2>/tmp/err; then
		check "'$1' is refused" accepted refused
		return
	fi
	check "'$1' fails with EINVAL" "$(grep -c 'Invalid argument' /tmp/err)" 1
	dmesg >/tmp/dmesg
	check_true "'$1' is explained in dmesg" grep -qF "$2" /tmp/dmesg
}

bad "launch rockets" "unknown command 'launch'"
bad "folios 0 1" "COUNT must be"
bad "folios x 1" "COUNT must be"
bad "folios 10 11" "ORDER must be 0..10"
bad "folios 10 -1" "ORDER must be"
bad "folios 10 1 zigzag" "unknown layout 'zigzag'"
bad "folios 10 1 random 0" "THREADS must be"
bad "folios 10 1 random 99" "THREADS must be"
bad "folios 10" "usage: folios"
bad "pages 0" "usage: pages"
bad "pages 2000" "usage: pages"
bad "vmalloc" "usage: vmalloc"
bad "unpreserve 0" "usage: unpreserve"
bad "unpreserve 101" "usage: unpreserve"
bad "unpreserve half" "usage: unpreserve"
bad "absent 0" "usage: absent"
bad "absent many" "usage: absent"
bad "tree 0 0" "usage: tree"
bad "tree 5 11" "usage: tree"
bad "tree all" "usage: tree"
bad "record now" "usage: record"
bad "" "empty command"

check "status unchanged" "$(cat "$WL/status")" "$(cat /tmp/before)"
check "tree unchanged" "$(radix_report)" "$(cat /tmp/walk-before)"

# Unpreserving what was never preserved: nothing is left to unpreserve.
wl unpreserve all
bad "unpreserve all" "nothing is preserved"
finish
