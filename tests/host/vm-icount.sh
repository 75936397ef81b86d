# SPDX-License-Identifier: GPL-2.0
# scripts/vm-run --icount makes the guest's clock count instructions: the
# same busy loop, timed by the guest's monotonic clock in two boots, takes
# the same number of nanoseconds to 0.1% (under plain TCG such figures
# follow the host's speed and load). --icount refuses what it cannot do:
# KVM, or a scenario that wants a host thread per vCPU.
. "$(dirname "$0")/lib.bash"

# The loop is timed by two trace markers: the same write at both ends, so
# what the clock read costs cancels out (reading "now at" from
# /proc/timer_list left the rest of that file's text, which depends on the
# timers pending then, inside the interval). It runs in a shell started
# without address space randomization: the layout the RNG picks at each
# boot changes the instructions of the shell's own string and memory
# functions (alignment), by up to 0.25% from boot to boot. It starts once
# the clocksource is the TSC: a loop that spanned the switch took 276967000
# guest ns against 290383000 in the same boot. It runs three times and the
# shortest counts: what else the guest did meanwhile only adds.
cat >"$TMP/icount-probe.sh" <<'SCENARIO'
t=/sys/kernel/tracing
[ -e $t/trace_marker ] || mount -t tracefs nodev $t
echo 1 >$t/tracing_on
echo 0 >/proc/sys/kernel/randomize_va_space
# About a second into init the kernel switches to the tsc clocksource,
# and the trace clock can step then (by 13 ms once, inside a loop).
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
n=0
while [ "$(cat $cs)" != tsc ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
echo "icount-probe: clocksource $(cat $cs)"
for run in 1 2 3; do
	sh -c 'echo icount-probe-start >'$t'/trace_marker
		i=0
		while [ $i -lt 20000 ]; do i=$((i + 1)); done
		echo icount-probe-end >'$t'/trace_marker'
done
# Trace timestamps are seconds with microseconds: one microsecond is 1000
# guest instructions here.
awk 'function us(line) {
	match(line, /[0-9]+\.[0-9]+:/); line = substr(line, RSTART, RLENGTH - 1)
	split(line, f, "."); return f[1] * 1000000 + f[2]
     }
     /icount-probe-start/ { s = us($0) }
     /icount-probe-end/ { d = us($0) - s; if (n++ == 0 || d < min) min = d }
     END { if (n == 3) printf "icount-probe: ns=%d runs=%d\n", min * 1000, n }' $t/trace
SCENARIO

runs=()
for boot in 1 2; do
	"$ROOT/scripts/vm-run" --quiet --icount "$TMP/icount-probe.sh" >"$TMP/boot$boot" 2>&1 ||
		{ echo "FAIL boot $boot under --icount:"; cat "$TMP/boot$boot"; exit 1; }
	ns=$(sed -n 's/^icount-probe: ns=\([0-9]*\) runs=3$/\1/p' "$TMP/boot$boot")
	[[ -n "$ns" && "$ns" -gt 0 ]] || { echo "FAIL boot $boot: no figure"; cat "$TMP/boot$boot"; exit 1; }
	runs+=("$ns")
done
diff=$((runs[0] > runs[1] ? runs[0] - runs[1] : runs[1] - runs[0]))
if ((diff * 1000 > runs[0])); then
	echo "FAIL the loop took ${runs[0]} and ${runs[1]} ns: more than 0.1% apart"; exit 1
fi
echo "ok   the same loop in two boots, the shortest of three each: ${runs[0]} and ${runs[1]} guest ns (${diff} apart)"

echo '# khoscope-vm-tcg: multi' >"$TMP/multi.sh"
expect_fail "--icount with --kvm" "--icount needs TCG" "$ROOT/scripts/vm-run" --icount --kvm "$TMP/icount-probe.sh"
expect_fail "--icount with a multi-threaded scenario" "--icount needs single-threaded TCG" \
	"$ROOT/scripts/vm-run" --icount "$TMP/multi.sh"
