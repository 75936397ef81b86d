# SPDX-License-Identifier: GPL-2.0
# A workload larger than memory fails with ENOMEM instead of waking the OOM
# killer (which used to kill this very shell): 400000 order-0 folios in a
# 1 GiB guest. What the driver did preserve is still accounted for, matches
# the walk, and unpreserves cleanly; then a vmalloc area and a range too
# large to allocate fail the same way.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

wl_load
radix_report >/tmp/before
if echo "folios 400000 0" >"$WL/control" 2>/tmp/err; then
	check "400000 folios in 1 GiB fail" succeeded failed
else
	check "400000 folios in 1 GiB fail" failed failed
fi
check_true "the write failed with ENOMEM" grep -q "Cannot allocate memory" /tmp/err
check "the OOM killer was not woken" "$(dmesg | grep -c 'invoked oom-killer')" 0
dmesg | grep 'kho_workload: out of memory' | tail -n 1
cat "$WL/status" | tee /tmp/status
preserved=$(field folios </tmp/status)
check_true "some folios were preserved before memory ran out ($preserved)" [ "$preserved" -gt 1000 ]
radix_report >/tmp/after
orders_of /tmp/before >/tmp/b
orders_of /tmp/status >/tmp/truth
add_orders /tmp/b /tmp/truth >/tmp/expected
orders_of /tmp/after >/tmp/walked
check "the walk = before + what the driver says it preserved" "$(flat /tmp/walked)" "$(flat /tmp/expected)"
wl unpreserve all
radix_report >/tmp/end
check "after unpreserving all: keys per order as before" "$(orders_of /tmp/end | tr '\n' ';')" \
	"$(orders_of /tmp/before | tr '\n' ';')"

if echo "vmalloc 268435456" >"$WL/control" 2>/dev/null; then
	echo "unpreserve all" >"$WL/control"
	echo "(256 MiB of vmalloc fit: nothing to check)"
fi
check "still no OOM killer" "$(dmesg | grep -c 'invoked oom-killer')" 0
finish
