# SPDX-License-Identifier: GPL-2.0
# khoscope-plan against a real tree: the kho events recorded from boot give
# every key the preserved-memory tree holds (test_kho's at boot, then the
# workload driver's mix, a quarter unpreserved); the host
# (tests/vm/plan-walk.check) feeds those keys to khoscope-plan as a ranges
# file and expects exactly the on-demand walk's nodes per level.
# khoscope-vm-append: trace_event=kho:* trace_buf_size=16M test_kho.max_mem=1048576
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

wl_load
wl folios 4096 0 random
wl folios 512 3 strided
wl folios 16 9 random
wl vmalloc 1048576
wl pages 1000
wl unpreserve 25
trace_snapshot /tmp/t.trace
radix_report >/tmp/walk
tree=$(field tree </tmp/walk)
grep -E "kho_((un)?preserve_end|radix_key_(add|del)): tree=$tree " /tmp/t.trace >/tmp/ends
check_true "the trace has the tree's end events" test -s /tmp/ends
section walk /tmp/walk
section ends /tmp/ends
finish
