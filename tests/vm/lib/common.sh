# SPDX-License-Identifier: GPL-2.0
# Helpers for VM scenarios; sourced by busybox sh in the guest:
#   . "$KHOSCOPE_SCENARIO_DIR/common.sh"

TRACING=/sys/kernel/tracing
KHO_DEBUGFS=/sys/kernel/debug/kho
KHO_EVENTS="kho_radix_node_alloc kho_radix_node_free kho_preserve_begin kho_preserve_end
kho_unpreserve_begin kho_unpreserve_end kho_radix_walk_begin kho_radix_walk_end"

checks_failed=0
checks_passed=0

# check NAME GOT WANT: compare two values, report, remember failures.
check() {
	if [ "$2" = "$3" ]; then
		echo "  ok   $1: $2"
		checks_passed=$((checks_passed + 1))
	else
		echo "  FAIL $1: got '$2', want '$3'"
		checks_failed=$((checks_failed + 1))
		return 1
	fi
}

# check_true NAME COMMAND...: the command must succeed.
check_true() {
	name=$1
	shift
	if "$@"; then
		echo "  ok   $name"
		checks_passed=$((checks_passed + 1))
	else
		echo "  FAIL $name"
		checks_failed=$((checks_failed + 1))
		return 1
	fi
}

# die MESSAGE: stop the scenario now.
die() {
	echo "  FAIL $*"
	exit 1
}

# finish: exit with the scenario's verdict.
finish() {
	echo "scenario: $checks_passed checks passed, $checks_failed failed"
	[ "$checks_failed" -eq 0 ]
	exit $?
}

# radix_report: walk the live tree through kho/out/radix_tree.
radix_report() {
	cat "$KHO_DEBUGFS/out/radix_tree" || die "cannot read $KHO_DEBUGFS/out/radix_tree"
}

# field NAME: print the value of NAME=value from stdin's first line.
field() {
	head -n1 | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# trace_snapshot FILE: stop recording and copy the trace buffer to FILE.
trace_snapshot() {
	echo 0 >"$TRACING/tracing_on"
	cat "$TRACING/trace" >"$1"
	grep -q 'LOST [0-9]* EVENTS' "$1" && die "trace buffer overflowed: raise trace_buf_size"
	return 0
}
