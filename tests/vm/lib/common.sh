# SPDX-License-Identifier: GPL-2.0
# Helpers for VM scenarios; sourced by busybox sh in the guest:
#   . "$KHOSCOPE_SCENARIO_DIR/common.sh"

TRACING=/sys/kernel/tracing
KHO_DEBUGFS=/sys/kernel/debug/kho
KHO_EVENTS="kho_radix_node_alloc kho_radix_node_free kho_preserve_begin kho_preserve_end
kho_unpreserve_begin kho_unpreserve_end kho_preserve_batch kho_unpreserve_batch
kho_radix_key_add kho_radix_key_del kho_radix_counts kho_radix_walk_begin kho_radix_walk_end"

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

# What the kernel logs for an oops, a BUG() or a WARN(). (The kernel is built
# with CONFIG_BUG: without it WARN() and BUG() print nothing; warn-canary
# checks that they are seen.)
KERNEL_PROBLEM_RE='Oops|BUG:|WARNING:'

# kernel_problems: how many of them the kernel has logged since boot. It
# succeeds when it counts 0, for callers under set -e (vm-kexec).
kernel_problems() {
	dmesg | grep -cE "$KERNEL_PROBLEM_RE" || true
}

# kernel_problem_report: the first of them, with what follows, for a log.
kernel_problem_report() {
	dmesg | grep -A 12 -E "$KERNEL_PROBLEM_RE" | head -n 40
}

# finish: exit with the scenario's verdict. Every scenario checks on the
# way out that its kernel logged no oops, BUG or warning (a scenario that
# causes some on purpose sets expected_problems).
finish() {
	check "oops, BUG or warning lines in this kernel's log" "$(kernel_problems)" \
		"${expected_problems:-0}" || kernel_problem_report
	echo "scenario: $checks_passed checks passed, $checks_failed failed"
	[ "$checks_failed" -eq 0 ]
	exit $?
}

# radix_report: what the live tree holds, from the counts it keeps
# (kho/out/radix_tree).
radix_report() {
	cat "$KHO_DEBUGFS/out/radix_tree" || die "cannot read $KHO_DEBUGFS/out/radix_tree"
}

# radix_walk: the same, found by walking the live tree
# (kho/out/radix_tree_walk).
radix_walk() {
	cat "$KHO_DEBUGFS/out/radix_tree_walk" || die "cannot read $KHO_DEBUGFS/out/radix_tree_walk"
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

WL=/sys/kernel/debug/kho_workload

# wl_load: load the workload driver.
wl_load() {
	insmod /lib/modules/kho_workload.ko || die "cannot load kho_workload.ko"
}

# wl CMD...: send one command to the workload driver; fail loudly.
wl() {
	echo "$*" >"$WL/control" || die "workload command '$*' failed: $(dmesg | tail -n 1)"
}

# orders_of FILE: "order keys" pairs, one per line, from order= lines.
orders_of() {
	sed -n 's/^order=\([0-9]*\) keys=\([0-9]*\) .*/\1 \2/p' "$1" | sort -n
}

# levels_of FILE: "level nodes" pairs from level= lines.
levels_of() {
	sed -n 's/^level=\([0-9]*\) nodes=\([0-9]*\) .*/\1 \2/p' "$1" | sort -n
}

# traced_keys TRACE TREE: every change to TREE's keys that the events
# report, in the order they happened, one per line: "+ORDER" for a key
# added, "-ORDER" for one removed: the single-key end events that changed
# the tree, and the keys of batches one by one (kho_radix_key_add and
# kho_radix_key_del; the batch events themselves say only how many).
traced_keys() {
	awk -v t="$2" '
	function order() { match($0, /order=[0-9]+/); return substr($0, RSTART + 6, RLENGTH - 6) }
	$0 !~ " tree=" t " " { next }
	/kho_preserve_end: / && / ret=0 changed=1 / { print "+" order() }
	/kho_unpreserve_end: / && / ret=0 changed=1 / { print "-" order() }
	/kho_radix_key_add: / { print "+" order() }
	/kho_radix_key_del: / { print "-" order() }' "$1"
}

# traced_orders TRACE TREE: live keys per order from the changes the events
# report (traced_keys), as "order keys" lines.
traced_orders() {
	traced_keys "$1" "$2" | awk '
	{ live[substr($0, 2)] += substr($0, 1, 1) == "+" ? 1 : -1 }
	END { for (o in live) if (live[o]) print o, live[o] }' | sort -n
}

# traced_nodes TRACE TREE [LEVEL]: node pages allocated minus freed in
# TREE (at LEVEL only, if given).
traced_nodes() {
	awk -v t="$2" -v l="${3:-}" '
	$0 !~ " tree=" t " " || (l != "" && $0 !~ " level=" l " ") { next }
	/kho_radix_node_alloc: / { n++ }
	/kho_radix_node_free: / { n-- }
	END { print n + 0 }' "$1"
}

# tree_changes TRACE TREE: "gen delta" for every kho_preserve_end (+1) and
# kho_unpreserve_end (-1) that changed TREE, in generation order.
tree_changes() {
	awk -v t="$2" '
	function gen() { match($0, /gen=[0-9]+/); return substr($0, RSTART + 4, RLENGTH - 4) }
	$0 !~ " tree=" t " " || $0 !~ / ret=0 changed=1 / { next }
	/kho_preserve_end: / { print gen(), 1 }
	/kho_unpreserve_end: / { print gen(), -1 }' "$1" | sort -n
}

# check_reads_exact NAME READS BASE CHANGES: every line of READS (first
# lines of kho/out/radix_tree or radix_tree_walk) holds exactly the keys of
# the generation it prints: the keys of BASE (a read made before CHANGES)
# plus the changes of CHANGES (tree_changes) newer than BASE, up to it.
check_reads_exact() {
	awk -v base="$(field keys <"$3")" -v g0="$(field gen <"$3")" '
	function val(name) { match($0, name "=[0-9]+"); return substr($0, RSTART + length(name) + 1, RLENGTH - length(name) - 1) + 0 }
	FNR == NR { if ($1 > g0) { n++; gen[n] = $1; sum[n] = sum[n - 1] + $2 } next }
	{
		g = val("gen"); lo = 0; hi = n	# lo: the changes up to g
		while (lo < hi) { mid = int((lo + hi + 1) / 2); if (gen[mid] <= g) lo = mid; else hi = mid - 1 }
		if (val("keys") != base + sum[lo]) { print "read at gen " g ": " val("keys") " keys, want " base + sum[lo]; bad++ }
	}
	END { print bad + 0 }' "$4" "$2" >/tmp/reads.bad
	check "$1" "$(tail -n 1 /tmp/reads.bad)" 0 || head -n 3 /tmp/reads.bad
}

# add_orders A B: per-order sum of two "order keys" lists.
add_orders() {
	cat "$1" "$2" | awk '{ n[$1] += $2 } END { for (o in n) if (n[o]) print o, n[o] }' | sort -n
}

# sub_orders A B: per-order difference A - B.
sub_orders() {
	{ cat "$1"; awk '{ print $1, -$2 }' "$2"; } |
		awk '{ n[$1] += $2 } END { for (o in n) if (n[o]) print o, n[o] }' | sort -n
}

# check_walk_truth NAME WALK OTHERS: the keys per order of the walk in the
# file WALK, less those of OTHERS (a walk made before the driver did
# anything), equal the driver's ground truth.
check_walk_truth() {
	orders_of "$2" >/tmp/walk.keys
	orders_of "$3" >/tmp/others.keys
	sub_orders /tmp/walk.keys /tmp/others.keys >/tmp/gained
	cat "$WL/status" >/tmp/status
	orders_of /tmp/status >/tmp/truth
	check "$1" "$(flat /tmp/gained)" "$(flat /tmp/truth)"
}

# flat FILE: a list on one line, for check.
flat() {
	tr '\n' ';' <"$1"
}

# flat_counts FILE: kho/out/radix_tree as flat prints it, without its
# spare= line, which a walk cannot see: to compare with a walk.
flat_counts() {
	grep -v '^spare=' "$1" | tr '\n' ';'
}

# trace_start: clear the buffer and record the kho events from now on.
trace_start() {
	echo 0 >"$TRACING/tracing_on"
	echo >"$TRACING/trace"
	echo 1 >"$TRACING/events/kho/enable"
	echo 1 >"$TRACING/tracing_on"
}

# pairs LIST: "a:b,c:d" -> "a b" lines (and back with unpairs).
pairs() {
	echo "$1" | tr ',' '\n' | tr ':' ' ' | sed '/^$/d'
}
unpairs() {
	tr ' ' ':' <"$1" | tr '\n' ',' | sed 's/,$//'
}

# cmdline_arg NAME: value of NAME= on the kernel command line.
cmdline_arg() {
	tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | tail -n 1
}

# order_for_bytes N: the page order of an allocation of N bytes.
order_for_bytes() {
	pages=$(( ($1 + 4095) / 4096 ))
	o=0
	while [ $((1 << o)) -lt "$pages" ]; do o=$((o + 1)); done
	echo "$o"
}

# khoscope runs whose output the host checks (tests/vm/khoscope.check).
# ks_start RUN ARGS...: start khoscope in the background, wait for its
# first record (or its header in text mode).
ks_start() {
	run=$1
	shift
	khoscope "$@" >"/tmp/$run.out" 2>"/tmp/$run.err" &
	ks_pid=$!
	i=0
	while [ ! -s "/tmp/$run.out" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	check_true "$run: khoscope started" test -s "/tmp/$run.out"
}

# ks_stop [nowalk]: stop the run ks_start began (SIGINT), check its exit and
# stderr, and log its output (json:RUN) and, unless nowalk, a walk of the
# preserved-memory tree made after it (walk:RUN): a real walk, not the counts
# khoscope reports; and the counts (counts:RUN), for the spare node pages,
# which no walk reaches.
ks_stop() {
	kill -INT "$ks_pid"
	wait "$ks_pid"
	check "$run: khoscope exits 0 on SIGINT" "$?" 0
	check "$run: nothing on stderr" "$(cat "/tmp/$run.err")" ""
	section "json:$run" "/tmp/$run.out"
	[ "${1:-}" = nowalk ] && return 0
	radix_walk >"/tmp/walk-$run"
	section "walk:$run" "/tmp/walk-$run"
	radix_report >"/tmp/counts-$run"
	section "counts:$run" "/tmp/counts-$run"
}

# check_fill_memory: fill 3/4 of the available memory, in a tmpfs file, and
# free it, twice: pages that the kernel freed while they were still in use
# (or that a handover's owner holds) would be handed out and overwritten.
check_fill_memory() {
	mount -o remount,size=90% /tmp
	for round in 1 2; do
		avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
		dd if=/dev/zero of=/tmp/fill bs=1M count=$((avail * 3 / 4)) 2>/dev/null
		check "round $round: filled $((avail * 3 / 4)) MiB of $avail MiB available" "$?" 0
		rm -f /tmp/fill
	done
}

# section NAME FILE: FILE's contents in the serial log, for the host.
section() {
	echo "@@BEGIN $1"
	cat "$2"
	echo "@@END $1"
}

# check_restored RESTORE OBJECTS TRUTH: the driver's restore report RESTORE
# (in the next kernel) found its record and restored all OBJECTS objects
# with the right content, keys per order equal to the "order keys" list in
# the file TRUTH.
check_restored() {
	check "the driver found its record" "$(field record <"$1")" found
	check "every remaining object restored" "$(field restored <"$1")" "$2"
	check "no object failed to restore" "$(field failed <"$1")" 0
	check "no page with wrong content" "$(field bad_pages <"$1")" 0
	check "every struct page initialized (zone, node, refcount)" "$(field bad_struct_pages <"$1")" 0
	orders_of "$1" >/tmp/restored
	check "restored keys per order = ground truth before kexec" "$(flat /tmp/restored)" "$(flat "$3")"
}
