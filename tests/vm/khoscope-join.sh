# SPDX-License-Identifier: GPL-2.0
# khoscope's memory figures are the tree's own counts, and its events
# account for every change they show: started while kernel threads are
# preserving and the driver is unpreserving, its final memory equals the
# walk made after the churn, which equals the driver's ground truth plus
# what others held, with no change unseen. Then every tree (-t 0) and one
# tree whose counts khoscope cannot read (-t N): a private tree of the
# driver, made while khoscope runs. The host (khoscope.check) compares each final
# record with the walk of its tree; walk0:RUN:NAME is a walk made before
# the run, for a tree whose figures are changes since start.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

wl_load
radix_report >/tmp/others	# what test_kho and others hold

# Churn in the background until told to stop: four kernel threads
# preserve, then the driver unpreserves most of it, over and over.
(
	r=0
	while [ ! -e /tmp/churn.stop ] && [ $r -lt 500 ]; do
		wl folios 3000 0 random 4
		wl folios 200 2 random 2
		wl unpreserve 60
		r=$((r + 1))
	done
	echo "$r" >/tmp/churn.rounds
) &
churn=$!
sleep 0.3
ks_start churn --json 1
sleep 1
check "khoscope attached while the churn ran" "$(test -e /tmp/churn.rounds && echo after || echo during)" during
touch /tmp/churn.stop
wait "$churn"
echo "churn: $(cat /tmp/churn.rounds) rounds"
ks_stop
check_walk_truth "walk after the churn = others + driver ground truth" /tmp/walk-churn /tmp/others

# Every tree: the driver's private tree appears while khoscope runs.
ks_start all --json -t 0 1
wl tree 5000 0
wl tree 40 9
wl folios 10 0
sleep 1.2
ks_stop
cat "$WL/tree" >/tmp/scratch
section "walk:all:scratch" /tmp/scratch
scratch=$(field tree </tmp/scratch)
check_true "the private tree is another tree" test "$scratch" != "$(radix_report | field tree)"

# One tree whose counts khoscope cannot read: its figures are changes since start.
section "walk0:one:scratch" /tmp/scratch
ks_start one --json -t "$scratch" 1
wl tree 100 3
wl folios 5 0
ks_stop nowalk
cat "$WL/tree" >/tmp/scratch-after
section "walk:one:scratch" /tmp/scratch-after

khoscope -t "$scratch" 1 1 >/tmp/one.txt 2>&1
check "text run of a tree without counts exits 0" "$?" 0
check_true "it says it cannot read the tree's counts" \
	grep -q "^tree $scratch: khoscope cannot read its counts" /tmp/one.txt
wl tree drop
finish
