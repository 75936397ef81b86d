# SPDX-License-Identifier: GPL-2.0
# A mixed workload traced through tracefs: the kho events count exactly the
# keys per order the workload driver preserved, and the node allocations
# they show are exactly the nodes the tree gained.
# khoscope-vm-append: trace_buf_size=16M test_kho.max_mem=4096
# 64 random order-9 folios allocate 256 (512 MiB, outside the scratch
# areas' CMA) to keep one in four: with 1 GiB, one run in four failed for
# want of memory once the kernel grew by CONFIG_BUG's tables.
# khoscope-vm-memory: 2G
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

wl_load
radix_report >/tmp/before
tree=$(field tree </tmp/before)

trace_start
wl folios 4096 0
wl folios 512 3 strided
wl folios 64 9 random
wl vmalloc 1048576
wl pages 1000
trace_snapshot /tmp/wl.trace
radix_report >/tmp/after
cat "$WL/status" | tee /tmp/status

check "driver preserved 4096+512+64 folios, 1 range, 1 area" \
	"$(field folios </tmp/status)/$(field ranges </tmp/status)/$(field vmallocs </tmp/status)" "4672/1/1"
traced_orders /tmp/wl.trace "$tree" >/tmp/traced
orders_of /tmp/status >/tmp/truth
check "keys per order: trace = driver ground truth" "$(flat /tmp/traced)" "$(flat /tmp/truth)"
check "no preserve failed" "$(grep -c 'kho_preserve_end: .* ret=-' /tmp/wl.trace)" 0

orders_of /tmp/after >/tmp/a; orders_of /tmp/before >/tmp/b; sub_orders /tmp/a /tmp/b >/tmp/walked
check "keys per order: walk gained = driver ground truth" "$(flat /tmp/walked)" "$(flat /tmp/truth)"

nodes_gained=$(( $(field nodes </tmp/after) - $(field nodes </tmp/before) ))
check "node allocations in the trace = nodes the walk gained" "$(traced_nodes /tmp/wl.trace "$tree")" "$nodes_gained"
echo "tree overhead for this workload: $nodes_gained node pages for $(field pages </tmp/status) preserved pages"

finish
