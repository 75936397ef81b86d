# SPDX-License-Identifier: GPL-2.0
# Per-caller attribution (khoscope --callers, the kho_api event of patch
# 0021): khoscope runs while a 16 MiB memfd is preserved through
# /dev/liveupdate and the workload driver preserves folios, a range and a
# vmalloc area and unpreserves half. tests/vm/callers.check compares each
# caller with what it is known to have preserved, and the sum over callers
# with the whole the tree's events counted. (test_kho preserves at boot,
# before any tracer can attach: it is not among the callers.)
# khoscope-vm-append: liveupdate=1 test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

wl_load
ks_start callers --callers --json --tree 1 1

luo-memfd preserve callers 1 16 >/tmp/memfd
check "memfd preserved" "$?" 0
wl folios 100 0
wl pages 1000
wl vmalloc 1048576
cat "$WL/status" | tee /tmp/status-full
wl unpreserve 50
cat "$WL/status" | tee /tmp/status-half
ks_stop nowalk
section status-full /tmp/status-full
section status-half /tmp/status-half

# The text view names the callers too.
khoscope --callers >/tmp/ks.txt 2>&1 &
pid=$!
sleep 2
wl folios 10 0
kill -INT "$pid"
wait "$pid"
check "khoscope --callers (text) exits 0" "$?" 0
check_true "the text view has the callers table" grep -q '^preservation API calls since start, by caller' /tmp/ks.txt
check_true "the text view names the driver's folio preservations" \
	grep -qE '^  wl_[a-z_]+ \[kho_workload\] +preserve_folio +10 ' /tmp/ks.txt
cat /tmp/ks.txt
finish
