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

# A module freed, and another loaded at its address (kho_workload_twin, the
# same code under another name): each module's calls keep its own name.
# The second's are the ones a tracer keyed by address alone would count as
# the first's. Freed module memory is reused only once the kernel purges
# its lazily freed mappings, which a later module load does: so the twin
# goes in and out until it lands at kho_workload's address (at most 10
# times; it took one or two in the runs I made). A module's calls are named
# while it is loaded (a record before each rmmod): once it is gone,
# khoscope can only call them "unknown".
ks_start modules --callers --json 1
wl folios 7 0
wl unpreserve all
sleep 1.5			# a record: khoscope names the callers it saw
text_a=$(cat /sys/module/kho_workload/sections/.text)
rmmod kho_workload || die "cannot unload kho_workload"
loads=0
while :; do
	insmod /lib/modules/kho_workload_twin.ko || die "cannot load kho_workload_twin.ko"
	loads=$((loads + 1))
	text_b=$(cat /sys/module/kho_workload_twin/sections/.text)
	[ "$text_b" = "$text_a" ] || [ $loads -ge 10 ] && break
	rmmod kho_workload_twin || die "cannot unload kho_workload_twin"
done
wl folios 13 0
wl unpreserve all
sleep 1.5
ks_stop nowalk
rmmod kho_workload_twin
echo "callers-scenario: kho_workload .text $text_a, then kho_workload_twin .text $text_b (load $loads)"
check "kho_workload_twin was loaded where kho_workload was" "$text_b" "$text_a"
finish
