# SPDX-License-Identifier: GPL-2.0
# Guest side of 'make demo': what the kho trace events and the on-demand
# walk show about the preservations lib/test_kho.c makes at boot.
# khoscope-vm-append: trace_event=kho:* trace_buf_size=4M
T=/sys/kernel/tracing

echo 0 >$T/tracing_on
echo
echo "== kho trace events available in this kernel =="
ls $T/events/kho | grep -v -e enable -e filter
echo
echo "== first kho events recorded since boot =="
grep -m 12 ' kho_' $T/trace
echo
echo "== preservations at boot, per order (from kho_preserve_end) =="
awk '/kho_preserve_end: .* ret=0$/ {
	match($0, /order=[0-9]+/); o = substr($0, RSTART + 6, RLENGTH - 6); n[o]++
} END { for (o in n) printf "order %2d: %5d keys\n", o, n[o] }' $T/trace | sort -k2 -n
echo
echo "== node pages allocated per tree and level (kho_radix_node_alloc) =="
awk '/kho_radix_node_alloc:/ { match($0, /tree=[0-9]+ level=[0-9]+/); n[substr($0, RSTART, RLENGTH)]++ }
END { for (k in n) printf "%s: %d\n", k, n[k] }' $T/trace | sort
echo
echo "== on-demand walk: cat /sys/kernel/debug/kho/out/radix_tree =="
cat /sys/kernel/debug/kho/out/radix_tree
