# SPDX-License-Identifier: GPL-2.0
# scripts/vm-run --icount makes the guest's clock count instructions: the
# same busy loop, timed by the guest's monotonic clock in two boots, takes
# the same number of nanoseconds to 0.1% (under plain TCG such figures
# follow the host's speed and load). --icount refuses what it cannot do:
# KVM, or a scenario that wants a host thread per vCPU.
. "$(dirname "$0")/lib.bash"

cat >"$TMP/icount-probe.sh" <<'SCENARIO'
now_ns() { awk '/^now at/ { print $3; exit }' /proc/timer_list; }
t0=$(now_ns)
i=0
while [ $i -lt 20000 ]; do i=$((i + 1)); done
t1=$(now_ns)
echo "icount-probe: ns=$((t1 - t0))"
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
