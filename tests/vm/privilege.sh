# SPDX-License-Identifier: GPL-2.0
# Privilege: khoscope, run as a user without CAP_BPF and CAP_PERFMON, fails
# with one clear line; the debugfs files of KHO and of the workload driver
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
check "the driver still holds 10 folios" "$(field folios <"$WL/status")" 10
finish
