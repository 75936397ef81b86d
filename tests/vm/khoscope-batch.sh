# SPDX-License-Identifier: GPL-2.0
# khoscope and the keys the kernel adds and deletes in batches, under one
# hold of the tree lock (kho_preserve_batch, kho_unpreserve_batch: one
# event per hold and per run of one order, not one per key).
#
# 1. "midN": khoscope starts while a 1 GiB memfd is preserved through LUO
#    and released again, over and over (kho_preserve_folios() and
#    kho_unpreserve_folios(): batches of 262144 order-0 keys, one after
#    the other). Its memory figures are the tree's own counts, so they must
#    equal the walk made once the cycles pause, with no change unseen and
#    nothing lost, wherever in a batch it started. The cycles spend much of
#    their time outside the batches (pinning the folios), so khoscope is
#    started again until one run has started inside a batch (it saw part of
#    one), up to 40 times.
# 2. "batch": with khoscope running, the driver's batches of every kind
#    (vmalloc areas, page ranges, their unpreserves): the keys its batch events count, less
#    those deleted, equal the driver's ground truth gained, order by order.
# The host (khoscope-batch.check) checks the records.
# khoscope-vm-memory: 3G
# khoscope-vm-append: liveupdate=1
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

wl_load
radix_report >/tmp/others

# batch_keys RUN OP: the keys of order 0 the run's batch events of OP
# counted (the last record's totals).
batch_keys() {
	grep -o "\"$2\":\\[{\"order\":0,\"holds\":[0-9]*,\"keys\":[0-9]*" "/tmp/$1.out" |
		tail -n1 | sed 's/.*"keys"://'
}

# The keys one preserve of the memfd adds: its folios and LUO's record.
ks_start once --json 1
luo-memfd discard once 7 1024 >/tmp/discard.out
ks_stop
section "discard" /tmp/discard.out
per_cycle=$(batch_keys once preserve)
check_true "one preserve of the memfd is a batch of 262144 keys or more" \
	test "${per_cycle:-0}" -ge 262144

luo-memfd cycle cycle 7 1024 >/tmp/cycle.out &
cycler=$!
i=0
while ! grep -q '^filled' /tmp/cycle.out && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
n=0
inside=0
while [ $inside -eq 0 ] && [ $n -lt 40 ]; do
	n=$((n + 1))
	ks_start "mid$n" --json 1
	# Pause the cycles with nothing preserved, then stop and walk.
	paused=$(grep -c '^paused' /tmp/cycle.out)
	kill -USR1 "$cycler"
	i=0
	while [ "$(grep -c '^paused' /tmp/cycle.out)" -eq "$paused" ] && [ $i -lt 1200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	ks_stop
	p=$(batch_keys "mid$n" preserve)
	u=$(batch_keys "mid$n" unpreserve)
	# Started between two batches, it saw whole batches only.
	[ $(((${u:-0} - ${p:-0}) % per_cycle)) -ne 0 ] && inside=1
	echo "mid$n: $p keys preserved and $u unpreserved in batches"
	kill -USR2 "$cycler"
done
kill -TERM "$cycler"
wait "$cycler"
check "the memfd cycled and ended unpreserved" "$?" 0
check "khoscope started inside a batch within 40 tries" "$inside" 1
echo "khoscope started $n times"

# 2. Batches of every kind, counted from start to end.
cat "$WL/status" >/tmp/status-before
section "status-before-batch" /tmp/status-before
ks_start batch --json 1
wl vmalloc $((64 << 20))
wl pages 1000
wl pages 1021
wl vmalloc 12345
wl unpreserve 50
wl pages 77
ks_stop
cat "$WL/status" >/tmp/status-after
section "status-after-batch" /tmp/status-after
check_walk_truth "walk after the batches = others + driver ground truth" /tmp/walk-batch /tmp/others
finish
