# SPDX-License-Identifier: GPL-2.0
# Everything at once, for a bounded time (30 s; more with
# khoscope.stress_seconds=N on the kernel command line, e.g.
# scripts/vm-run -t 1200 -a khoscope.stress_seconds=900 stress):
#  - kernel threads of the workload driver preserving folios of orders
#    0..9 in random layouts, and the driver unpreserving part of them;
#  - the on-demand walk (kho/out/radix_tree_walk) every few milliseconds;
#  - memfds preserved and unpreserved through /dev/liveupdate;
#  - khoscope attached in JSON mode all along, killed (SIGKILL) in the
#    middle and started again.
# At the end, the walk equals the driver's ground truth plus what others
# held before; no kernel warning. The host (stress.check) checks that the
# second khoscope run's final memory equals that walk, that it lost
# nothing, and prints the rate of events it saw.
# khoscope-vm-append: liveupdate=1 test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

secs=$(cmdline_arg khoscope.stress_seconds)
secs=${secs:-30}
half=$((secs / 2))

wl_load
radix_report >/tmp/others	# what test_kho and others hold
ks_start first --json 1
rm -f /tmp/stop

# Preserving threads, in random layouts, of every order in turn.
(
	r=0
	while [ ! -e /tmp/stop ]; do
		for order in 0 3 1 9 0 5 2 7 0 4 6 8; do
			n=$((2000 >> order)); [ "$n" -ge 4 ] || n=4
			wl folios "$n" "$order" random 4
		done
		wl unpreserve 70
		r=$((r + 1))
	done
	echo "$r" >/tmp/preserve.rounds
) &
preserver=$!

# The on-demand walk every few milliseconds.
(
	n=0
	while [ ! -e /tmp/stop ]; do
		cat "$KHO_DEBUGFS/out/radix_tree_walk" >/dev/null || { echo failed >/tmp/walker.failed; exit 1; }
		n=$((n + 1))
		sleep 0.005
	done
	echo "$n" >/tmp/walks
) &
walker=$!

# Memfds through the live update orchestrator: preserved, then
# unpreserved when their session closes.
(
	n=0
	while [ ! -e /tmp/stop ]; do
		n=$((n + 1))
		luo-memfd discard "s$n" "$n" 2 >/dev/null || { echo failed >/tmp/memfd.failed; exit 1; }
	done
	echo "$n" >/tmp/memfds
) &
memfd=$!

sleep "$half"
kill -KILL "$ks_pid"
wait "$ks_pid" 2>/dev/null
check "the first khoscope wrote records before it was killed" \
	"$(grep -c '"schema"' /tmp/first.out | awk '{ print ($1 > 0) }')" 1
ks_start stress --json 1
sleep $((secs - half))
touch /tmp/stop
wait "$preserver" "$walker" "$memfd"
check "the walker never failed" "$(cat /tmp/walker.failed 2>/dev/null)" ""
check "no memfd preservation failed" "$(cat /tmp/memfd.failed 2>/dev/null)" ""
echo "stress: $secs s, $(cat /tmp/preserve.rounds) preserve rounds," \
	"$(cat /tmp/walks) walks, $(cat /tmp/memfds) memfds"
ks_stop

check_walk_truth "walk at the end = others + driver ground truth" /tmp/walk-stress /tmp/others
finish
