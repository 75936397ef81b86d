# SPDX-License-Identifier: GPL-2.0
# khoscope attached to a mixed workload, started late (pages already
# preserved), then again with display filters, then in text mode. The guest
# checks that each run ran and stopped cleanly; the host (khoscope.check)
# checks every JSON record against the schema, the driver's ground truth
# and the on-demand walk. Sections: json:RUN is a run's NDJSON, walk:RUN
# the walk after it, status-before/status-after the driver's ground truth.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

wl_load
# Preserved before khoscope starts: it must learn them from its baseline.
wl folios 64 2
wl pages 300
cat "$WL/status" >/tmp/status-before

ks_start main --json 1
# Without -c, -p or -f there is no callers map (the only per-CPU hash,
# map_type 5). The histograms are one copy for all CPUs: the maps take
# 2.1 MiB (3.1 MiB with per-CPU histograms on these 2 CPUs, 255 MiB on 256).
check "main: no callers map without a view of callers" \
	"$(cat /proc/$ks_pid/fdinfo/* 2>/dev/null | grep -c '^map_type:[[:space:]]*5$')" 0
map_kib=$(cat /proc/$ks_pid/fdinfo/* 2>/dev/null | awk '/^memlock:/ { n += $2 } END { print int(n / 1024) }')
check_true "main: the maps take under 2.5 MiB ($map_kib KiB)" test "$map_kib" -lt 2560
wl folios 1000 0
wl folios 100 3 strided
wl folios 8 9 random 2
wl vmalloc 262144
wl pages 1000
wl unpreserve 25
# Unpreserving what was never preserved, in an existing leaf: -ENOENT, no
# warning, and nothing changes.
warnings=$(kernel_problems)
wl absent 20
check "no warning for absent keys in existing leaves" "$(kernel_problems)" "$warnings"
radix_walk >/dev/null		# one walk while attached
sleep 1.5
ks_stop
check "main: last record is final" "$(tail -n 1 /tmp/main.out | grep -c '"final":true')" 1
cat "$WL/status" >/tmp/status-after
section status-before /tmp/status-before
section status-after /tmp/status-after

# Filters choose what is shown; the memory figures still count everything.
ks_start orders --json -o 3 1
wl folios 40 3
wl folios 30 0
wl unpreserve 10
ks_stop
ks_start ops --json -O preserve -c 1
check "ops: a callers map with -c" \
	"$(cat /proc/$ks_pid/fdinfo/* 2>/dev/null | grep -c '^map_type:[[:space:]]*5$')" 1
check "ops: the callers map grows as callers appear (BPF_F_NO_PREALLOC)" \
	"$(grep -l '^map_type:[[:space:]]*5$' /proc/$ks_pid/fdinfo/* 2>/dev/null |
	   xargs sed -n 's/^map_flags:[[:space:]]*//p')" 0x1
wl folios 30 1
# Everything the driver holds goes: the leaves only it used empty, and the
# tree keeps some of their pages as spares, which khoscope must count.
wl unpreserve all
ks_stop
check_true "ops: the emptied leaves left spare node pages" grep -q '^spare=[1-9]' /tmp/counts-ops

# A reader that goes away ends khoscope within two intervals, with status
# 0 ("khoscope -j 1 | head -n 1"): SIGPIPE is ignored for the server's
# sake, so the failed write must end the run.
rm -f /tmp/ks.fifo
mkfifo /tmp/ks.fifo
khoscope -j 1 >/tmp/ks.fifo 2>/tmp/pipe.err &
pid=$!
head -n 1 </tmp/ks.fifo >/tmp/pipe.first
t0=$(date +%s)
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
t1=$(date +%s)
if kill -0 "$pid" 2>/dev/null; then
	kill -INT "$pid"
	check "khoscope ends when its reader goes away" running exited
fi
wait "$pid"
check "khoscope after its reader went away exits 0" "$?" 0
check_true "khoscope ended within two intervals of its reader" test $((t1 - t0)) -le 3
check_true "the reader got a record" grep -q '"schema"' /tmp/pipe.first
check "nothing on stderr after the reader went away" "$(cat /tmp/pipe.err)" ""

# Bad tree ids are refused.
khoscope -t 99 >/tmp/bad.out 2>&1
check "-t 99 exits 2" "$?" 2
check_true "-t 99 says what is allowed" grep -q "invalid tree id '99': 0 (every tree) or 1..15" /tmp/bad.out

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
check_true "text mode shows the memory table, overhead as a ratio" grep -qE '^overhead: [0-9.]+(e[-+][0-9]+)? \(node and spare bytes' /tmp/ks.txt
check_true "text mode names its baseline" grep -q '^baseline: tree [0-9]*, as the tree counts it: [0-9]* keys in [0-9]* nodes$' /tmp/ks.txt
finish
