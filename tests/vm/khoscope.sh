# SPDX-License-Identifier: GPL-2.0
# khoscope attached to a mixed workload, started late (pages already
# preserved). The guest checks that it ran and stopped cleanly; the host
# (khoscope.check) checks its JSON against the driver's ground truth and the
# on-demand walk.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

wl_load
# Preserved before khoscope starts: it must learn them from its baseline.
wl folios 64 2
wl pages 300
cat "$WL/status" >/tmp/status-before

khoscope --json 1 >/tmp/ks.json 2>/tmp/ks.err &
pid=$!
i=0
while [ ! -s /tmp/ks.json ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check_true "khoscope started and printed a first record" test -s /tmp/ks.json

wl folios 1000 0
wl folios 100 3 strided
wl folios 8 9 random 2
wl vmalloc 262144
wl pages 1000
wl unpreserve 25
radix_report >/dev/null		# one walk while attached
sleep 1.5

kill -INT "$pid"
wait "$pid"
check "khoscope exits 0 on SIGINT" "$?" 0
check "khoscope wrote nothing on stderr" "$(cat /tmp/ks.err)" ""
check "last record is final" "$(tail -n 1 /tmp/ks.json | grep -c '"final":true')" 1
cat "$WL/status" >/tmp/status-after
radix_report >/tmp/walk

for f in ks.json status-before status-after walk; do
	echo "@@BEGIN $f"
	cat "/tmp/$f"
	echo "@@END $f"
done

# The text mode, briefly: histograms in bcc's layout and the memory table.
khoscope >/tmp/ks.txt 2>&1 &
pid=$!
sleep 2
wl folios 50 1
kill -INT "$pid"
wait "$pid"
check "text mode exits 0" "$?" 0
cat /tmp/ks.txt
check_true "text mode shows an order-1 histogram" grep -q '^preserve, order 1: 50 calls' /tmp/ks.txt
check_true "text mode uses the bcc layout" grep -q '     nsecs               : count    distribution' /tmp/ks.txt
check_true "text mode shows the memory table" grep -q '^overhead: ' /tmp/ks.txt
finish
