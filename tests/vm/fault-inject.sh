# SPDX-License-Identifier: GPL-2.0
# A radix node allocation that fails (fail_kho_radix_node, through
# /proc/self/fail-nth) makes the preserve fail with -ENOMEM; the events show
# the failure and the rollback freeing exactly the nodes it had allocated;
# nodes allocated minus freed still equal the walk's count. Then every
# allocation point of a preserve that needs a new path of nodes fails in
# turn, each leaving the tree as it was. A kexec afterwards restores everything that
# did succeed, with its content.
# khoscope-vm-append: trace_event=kho:* trace_buf_size=8M test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

case "$KHOSCOPE_STAGE" in
1)
	check_true "fault attribute fail_kho_radix_node exists" test -d /sys/kernel/debug/fail_kho_radix_node
	wl_load
	radix_report >/tmp/before
	tree=$(field tree </tmp/before)

	# An order without keys yet needs a fresh path of nodes below the
	# root; let the first two allocations succeed and the third fail.
	order=""
	for o in 9 8 7 6 5 4 3 2; do
		grep -q "^order=$o " /tmp/before || { order=$o; break; }
	done
	[ -n "$order" ] || die "every order 2..9 already has keys"
	echo "preserving one order-$order folio with the 3rd node allocation failing"
	echo 3 >/proc/self/fail-nth
	if echo "folios 1 $order" >"$WL/control"; then
		check "preserve with a failing node allocation fails" succeeded failed
	else
		check "preserve with a failing node allocation fails" failed failed
	fi
	# read, a shell builtin: the shell's own counter (a child's is 0).
	read -r left </proc/self/fail-nth
	check "the fault was injected" "$left" 0
	echo 0 >/proc/self/fail-nth
	check "the driver saw -ENOMEM" "$(dmesg | grep -c "kho_preserve_folio(order $order) failed: -12")" 1
	check "the failed folio is not counted" "$(field objects <"$WL/status")" 0

	# Then real work that succeeds.
	wl folios 8 "$order"
	wl folios 100 0
	wl pages 100
	trace_snapshot /tmp/t.trace
	radix_report >/tmp/after

	# The failed preserve, from its begin to its end event.
	awk '/kho_preserve_begin: / { buf = "" } { buf = buf $0 "\n" }
	     /kho_preserve_end: .* ret=-12 / { printf "%s", buf; exit }' /tmp/t.trace >/tmp/failed
	cat /tmp/failed
	check "one preserve ended with ret=-12" "$(grep -c 'kho_preserve_end: .* ret=-12 ' /tmp/t.trace)" 1
	check "failed preserve had order $order" "$(grep -c "kho_preserve_end: .* order=$order ret=-12" /tmp/failed)" 1
	check "nodes allocated before the failure" "$(grep -c 'kho_radix_node_alloc:' /tmp/failed)" 2
	grep 'kho_radix_node_alloc:' /tmp/failed | sed 's/.* phys=//' | sort >/tmp/allocd
	grep 'kho_radix_node_free:' /tmp/failed | sed 's/.* phys=//' | sort >/tmp/freed
	check "rollback freed exactly those nodes" "$(flat /tmp/freed)" "$(flat /tmp/allocd)"
	check "nodes allocated - freed since boot = nodes walked" "$(traced_nodes /tmp/t.trace "$tree")" \
		"$(field nodes </tmp/after)"
	traced_orders /tmp/t.trace "$tree" >/tmp/traced
	orders_of /tmp/after >/tmp/walked
	check "keys traced since boot = keys walked" "$(flat /tmp/traced)" "$(flat /tmp/walked)"

	# Every allocation point in turn: a folio of an order without keys
	# needs a path of new nodes below the root. The nth allocation
	# fails, for n = 1, 2, ... until the preserve allocates fewer than n
	# and succeeds. Each failure leaves the tree as it was, and the events
	# of each attempt show as many nodes freed as allocated.
	order=""
	for o in 9 8 7 6 5 4 3 2; do
		grep -q "^order=$o " /tmp/after || { order=$o; break; }
	done
	[ -n "$order" ] || die "every order 2..9 already has keys"
	n=1
	while [ "$n" -le 10 ]; do
		radix_report >/tmp/before.n
		trace_start
		echo "$n" >/proc/self/fail-nth
		echo "folios 1 $order" >"$WL/control" 2>/dev/null
		rc=$?
		read -r left </proc/self/fail-nth
		echo 0 >/proc/self/fail-nth
		trace_snapshot /tmp/t.n
		radix_report >/tmp/after.n
		[ "$left" -ne 0 ] && break	# fewer than n allocations: it succeeded
		check "allocation $n of $order's path fails the preserve" "$rc" 1
		check "allocation $n: keys per order as before" \
			"$(orders_of /tmp/after.n | tr '\n' ';')" "$(orders_of /tmp/before.n | tr '\n' ';')"
		check "allocation $n: nodes per level as before" \
			"$(levels_of /tmp/after.n | tr '\n' ';')" "$(levels_of /tmp/before.n | tr '\n' ';')"
		check "allocation $n: node events allocated - freed = 0" "$(traced_nodes /tmp/t.n "$tree")" 0
		n=$((n + 1))
	done
	check "the preserve succeeded once no allocation was left to fail" "$rc" 0
	check_true "it needed several allocations ($((n - 1))), each failed once" \
		test "$((n - 1))" -ge 3
	check "its node events = the nodes the walk gained" "$(traced_nodes /tmp/t.n "$tree")" \
		"$(( $(field nodes </tmp/after.n) - $(field nodes </tmp/before.n) ))"

	wl record
	objects=$(field objects <"$WL/status")
	check "objects that succeeded" "$objects" 110
	[ "$checks_failed" -eq 0 ] || finish
	vm-kexec "kwl.objects=$objects"
	die "vm-kexec returned"
	;;
2)
	wl_load
	cat "$WL/restore" | tee /tmp/restore
	check "every object that succeeded is restored" "$(field restored </tmp/restore)" "$(cmdline_arg kwl.objects)"
	check "no object failed to restore" "$(field failed </tmp/restore)" 0
	check "no page with wrong content" "$(field bad_pages </tmp/restore)" 0
	finish
	;;
esac
