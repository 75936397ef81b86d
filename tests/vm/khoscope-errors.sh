# SPDX-License-Identifier: GPL-2.0
# khoscope refuses to run, with one clear line and a non-zero exit, when
# KHO is off, when debugfs is not mounted, and on bad options.
# khoscope-vm-append: kho=off
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

# expect_fail NAME STATUS PATTERN COMMAND...
expect_fail() {
	name=$1 want=$2 pattern=$3
	shift 3
	"$@" >/tmp/out 2>&1
	rc=$?
	cat /tmp/out
	check "$name: exit status" "$rc" "$want"
	check_true "$name: message" grep -q "$pattern" /tmp/out
}

expect_fail "KHO disabled" 3 "KHO is disabled.*kho=on" khoscope 1 1
expect_fail "bad order" 2 "order range '30' must lie within 0-23" khoscope -o 30
expect_fail "bad operation" 2 "unknown operation 'walk'" khoscope -O walk
expect_fail "bad interval" 2 "invalid interval 'x'" khoscope x
expect_fail "bad count" 2 "invalid count '0'" khoscope 1 0
expect_fail "extra argument" 2 "unexpected argument '3'" khoscope 1 2 3
umount /sys/kernel/debug
expect_fail "debugfs not mounted" 1 "debugfs is not mounted at /sys/kernel/debug" khoscope
check_true "--help shows examples" sh -c 'khoscope --help | grep -q "^Examples:"'
finish
