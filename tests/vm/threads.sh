# SPDX-License-Identifier: GPL-2.0
# Four threads preserving at once into one tree lose and duplicate nothing.
# khoscope-vm-append: trace_buf_size=16M test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

wl_load
radix_report >/tmp/before
tree=$(field tree </tmp/before)

trace_start
wl folios 4000 0 random 4
wl folios 400 2 contiguous 4
trace_snapshot /tmp/t.trace
radix_report >/tmp/after
cat "$WL/status" | tee /tmp/status

check "4400 folios preserved" "$(field folios </tmp/status)" 4400
orders_of /tmp/status >/tmp/truth
orders_of /tmp/after >/tmp/a; orders_of /tmp/before >/tmp/b; sub_orders /tmp/a /tmp/b >/tmp/walked
check "keys per order: walk gained = driver ground truth" "$(flat /tmp/walked)" "$(flat /tmp/truth)"

grep "kho_preserve_end: tree=$tree .* ret=0 changed=1 " /tmp/t.trace | sed 's/.* key=\(0x[0-9a-f]*\) .*/\1/' >/tmp/keys
check "every preserve traced once" "$(wc -l </tmp/keys)" 4400
check "no key preserved twice" "$(sort /tmp/keys | uniq -d | wc -l)" 0
check "preserves ran on more than one CPU" \
	"$(grep 'kho_preserve_end' /tmp/t.trace | grep -o '\[[0-9]*\]' | sort -u | wc -l | awk '{ print ($1 > 1) }')" 1
check "node allocations in the trace = nodes the walk gained" "$(traced_nodes /tmp/t.trace "$tree")" \
	"$(( $(field nodes </tmp/after) - $(field nodes </tmp/before) ))"

finish
