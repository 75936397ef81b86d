# SPDX-License-Identifier: GPL-2.0
# Guest side of 'make demo': khoscope attached while the workload driver
# preserves a mixed workload, in text and then in JSON.
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

banner() { printf '\n==== %s ====\n' "$*"; }

wl_load
banner "the tree before khoscope starts (cat /sys/kernel/debug/kho/out/radix_tree)"
radix_report

banner "khoscope (text): 4096 x order 0, 512 x order 3, 64 x order 9, 1 MiB vmalloc, 1000 pages"
khoscope >/tmp/ks.txt 2>&1 &
pid=$!
sleep 2
wl folios 4096 0
wl folios 512 3 strided
wl folios 64 9 random 2
wl vmalloc 1048576
wl pages 1000
kill -INT "$pid"
wait "$pid"
cat /tmp/ks.txt

banner "khoscope --json 1: unpreserve half, preserve 256 x order 1 from 2 threads"
khoscope --json 1 >/tmp/ks.json 2>&1 &
pid=$!
sleep 2
wl unpreserve 50
wl folios 256 1 random 2
sleep 1
kill -INT "$pid"
wait "$pid"
cat /tmp/ks.json

banner "khoscope --prometheus 19464: one scrape of /metrics (order-0 buckets only)"
khoscope --prometheus 19464 >/dev/null 2>&1 &
pid=$!
i=0
until wget -q -O /tmp/metrics http://127.0.0.1:19464/metrics 2>/dev/null || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
wl folios 128 0
wget -q -O /tmp/metrics http://127.0.0.1:19464/metrics
kill -INT "$pid"
wait "$pid"
grep -v '_bucket' /tmp/metrics | grep -v 'order="[1-9]' | head -n 40
grep '_bucket{tree="1",order="0",' /tmp/metrics | awk '$NF != 0' | head -n 6
