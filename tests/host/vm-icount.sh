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
# functions (alignment), by up to 0.25% from boot to boot.
cat >"$TMP/icount-probe.sh" <<'SCENARIO'
t=/sys/kernel/tracing
[ -e $t/trace_marker ] || mount -t tracefs nodev $t
echo 1 >$t/tracing_on
echo 0 >/proc/sys/kernel/randomize_va_space
sh -c 'echo icount-probe-start >'$t'/trace_marker
	i=0
	while [ $i -lt 20000 ]; do i=$((i + 1)); done
	echo icount-probe-end >'$t'/trace_marker'
# Trace timestamps are seconds with microseconds: one microsecond is 1000
# guest instructions here.
awk '/icount-probe-start/ { s = $0 } /icount-probe-end/ { e = $0 }
     END {
	match(s, /[0-9]+\.[0-9]+:/); s = substr(s, RSTART, RLENGTH - 1)
	match(e, /[0-9]+\.[0-9]+:/); e = substr(e, RSTART, RLENGTH - 1)
	split(s, a, "."); split(e, b, ".")
	printf "icount-probe: ns=%d\n", ((b[1] - a[1]) * 1000000 + (b[2] - a[2])) * 1000
     }' $t/trace
SCENARIO

runs=()
for boot in 1 2; do
	"$ROOT/scripts/vm-run" --quiet --icount "$TMP/icount-probe.sh" >"$TMP/boot$boot" 2>&1 ||
		{ echo "FAIL boot $boot under --icount:"; cat "$TMP/boot$boot"; exit 1; }
	ns=$(sed -n 's/^icount-probe: ns=\([0-9]*\)$/\1/p' "$TMP/boot$boot")
	[[ -n "$ns" && "$ns" -gt 0 ]] || { echo "FAIL boot $boot: no figure"; cat "$TMP/boot$boot"; exit 1; }
	runs+=("$ns")
done
diff=$((runs[0] > runs[1] ? runs[0] - runs[1] : runs[1] - runs[0]))
if ((diff * 1000 > runs[0])); then
	echo "FAIL the loop took ${runs[0]} and ${runs[1]} ns: more than 0.1% apart"; exit 1
fi
echo "ok   the same loop in two boots: ${runs[0]} and ${runs[1]} guest ns (${diff} apart)"

echo '# khoscope-vm-tcg: multi' >"$TMP/multi.sh"
expect_fail "--icount with --kvm" "--icount needs TCG" "$ROOT/scripts/vm-run" --icount --kvm "$TMP/icount-probe.sh"
expect_fail "--icount with a multi-threaded scenario" "--icount needs single-threaded TCG" \
	"$ROOT/scripts/vm-run" --icount "$TMP/multi.sh"
