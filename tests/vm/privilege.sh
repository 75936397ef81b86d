# SPDX-License-Identifier: GPL-2.0
# Privilege: khoscope, run as a user without CAP_BPF and CAP_PERFMON, fails
# with one clear line; once attached it drops every capability but what
# its reports need; the debugfs files of KHO and of the workload driver
# are root's alone (no group or other permission bit) and the read-only
# ones reject writes, even root's; an unprivileged user can neither read
# nor drive them.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

grep -q '^nobody:' /etc/passwd 2>/dev/null ||
	echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
grep -q '^nogroup:' /etc/group 2>/dev/null || echo 'nogroup:x:65534:' >>/etc/group
as_nobody() {
	su -s /bin/sh nobody -c "$*"
}
check "su runs commands as nobody" "$(as_nobody id -u)" 65534

wl_load
wl folios 10 0

# refused WHO PATTERN COMMAND...: khoscope run by WHO exits 1 with one
# line matching PATTERN (a basic regex).
refused() {
	who=$1 pattern=$2
	shift 2
	"$@" >/tmp/out 2>&1
	rc=$?
	cat /tmp/out
	check "khoscope $who: exit status" "$rc" 1
	check "khoscope $who: one line" "$(wc -l </tmp/out)" 1
	check_true "khoscope $who: says why" grep -q "$pattern" /tmp/out
}

refused "as nobody" '^khoscope: need root, or CAP_BPF and CAP_PERFMON$' as_nobody khoscope 1 1
# A user with CAP_BPF (39) and CAP_PERFMON (38) can load the programs but
# not read root's debugfs files: it is told so, not that KHO is off.
refused "with CAP_BPF and CAP_PERFMON only" \
	"^khoscope: cannot read $KHO_DEBUGFS/out.*: Permission denied (debugfs is root's" \
	with-caps 65534 65534 38,39 khoscope 1 1

# caps PID FIELD: a field of /proc/PID/status (CapEff, CapBnd, NoNewPrivs...).
caps() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}

# Once attached, khoscope keeps only CAP_DAC_READ_SEARCH (2: debugfs is
# root's), and with --textfile CAP_DAC_OVERRIDE (1), in every set, and
# takes no new privileges; it still reports, serves, and names callers
# (from the /proc/kallsyms it opened before).
# With --bpf-stats (-S) the kernel times its programs (bpf_enable_stats()).
khoscope -j -S --callers --prometheus 19464 1 >/tmp/kj 2>/tmp/ke &
pid=$!
i=0
while [ ! -s /tmp/kj ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check "root khoscope, attached: effective capabilities" "$(caps $pid CapEff)" 0000000000000004
check "root khoscope, attached: permitted capabilities" "$(caps $pid CapPrm)" 0000000000000004
check "root khoscope, attached: bounding set" "$(caps $pid CapBnd)" 0000000000000004
check "root khoscope, attached: no new privileges" "$(caps $pid NoNewPrivs)" 1
wl folios 5 0
sleep 2.2
records=$(wc -l </tmp/kj)
check_true "root khoscope, attached: still reports ($records records)" test "$records" -ge 2
check_true "root khoscope, attached: still reads the tree's memory" \
	sh -c "tail -n 1 /tmp/kj | grep -q '\"counted\":true'"
check_true "root khoscope, attached: still serves /metrics" \
	sh -c "wget -q -O /tmp/m http://127.0.0.1:19464/metrics && grep -q '^khoscope_preserve_total' /tmp/m"
check_true "root khoscope, attached: still names the driver's calls" \
	grep -q 'caller="wl_[a-z_]* \[kho_workload\]"' /tmp/m
check_true "khoscope -S: its programs' run time is counted" \
	sh -c "tail -n 1 /tmp/kj | grep -q '\"run_cnt\":[1-9][0-9]*,\"run_time_ns\":[1-9]'"
kill -INT $pid
wait $pid
check "root khoscope: exits 0" "$?" 0
check "root khoscope: nothing on stderr" "$(cat /tmp/ke)" ""

khoscope --textfile /tmp/k.prom 1 >/dev/null 2>/tmp/ke-textfile &
pid=$!
i=0
while [ ! -s /tmp/k.prom ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check "root khoscope --textfile, attached: effective capabilities" "$(caps $pid CapEff)" 0000000000000006
kill -INT $pid
wait $pid
check "root khoscope --textfile: exits 0" "$?" 0

# A user with CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH runs it, and
# keeps the last alone.
with-caps 65534 65534 2,38,39 khoscope -j 1 >/tmp/kj-caps 2>/tmp/ke-caps &
pid=$!
i=0
while [ ! -s /tmp/kj-caps ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check "CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH: effective once attached" \
	"$(caps $pid CapEff)" 0000000000000004
check "CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH: permitted once attached" \
	"$(caps $pid CapPrm)" 0000000000000004
kill -INT $pid
wait $pid
check "CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH: exits 0" "$?" 0
check "CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH: nothing on stderr" "$(cat /tmp/ke-caps)" ""

for f in "$KHO_DEBUGFS/out/radix_tree" "$KHO_DEBUGFS/out/scratch_phys" \
	 "$KHO_DEBUGFS/out/scratch_len" "$WL/status" "$WL/restore" "$WL/tree" \
	 "$WL/control"; do
	mode=$(stat -c %a "$f")
	check "$f: no group or other permission (mode $mode)" "${mode#?}" 00
done
for f in "$KHO_DEBUGFS/out/radix_tree" "$WL/status" "$WL/restore"; do
	check_true "$f: root cannot write it" sh -c "! echo 1 2>/dev/null >'$f'"
done
check_true "root cannot read the driver's control file" \
	sh -c "! cat '$WL/control' >/dev/null 2>&1"
check_true "nobody cannot read kho/out/radix_tree" \
	sh -c "! su -s /bin/sh nobody -c 'cat $KHO_DEBUGFS/out/radix_tree' >/dev/null 2>&1"
check_true "nobody cannot drive the workload driver" \
	sh -c "! su -s /bin/sh nobody -c 'echo folios 1 0 >$WL/control' 2>/dev/null"
check "the driver still holds 15 folios" "$(field folios <"$WL/status")" 15
finish
