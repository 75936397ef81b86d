# SPDX-License-Identifier: GPL-2.0
# khoscope started after ftrace has enabled and then disabled the same kho
# events sees every event: each preserve and unpreserve of the driver is
# counted once, so are the keys of its batches (a range of pages), and its
# memory figures equal the tree's counts with no change unseen. (Under
# QEMU's icount mode, a khoscope attach after an ftrace enable and
# disable of the events once left its programs never running.)
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

URL=http://127.0.0.1:19464/metrics

# metric NAME LABELS FILE: the sum of NAME{LABELS...} samples in FILE.
metric() {
	grep "^$1{$2" "$3" | awk '{ n += $NF } END { print n + 0 }'
}

# ftrace: the kho events on, a preserve and unpreserve, the events off.
ftrace_round() {
	trace_start
	wl folios "$1" 0
	wl pages "$1"
	wl unpreserve all
	echo 0 >"$TRACING/events/kho/enable"
	echo 0 >"$TRACING/tracing_on"
}

wl_load
ftrace_round 300
check_true "ftrace recorded the events it had on" \
	grep -q 'kho_preserve_end: ' "$TRACING/trace"

for round in 1 2; do
	khoscope --prometheus 19464 >/tmp/ks.out 2>/tmp/ks.err &
	ks_pid=$!
	i=0
	until wget -q -O /tmp/m0 "$URL" 2>/dev/null || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
	check_true "round $round: khoscope serves /metrics" test -s /tmp/m0
	# With no address it listens on 127.0.0.1 alone (port 19464 = 0x4C08):
	# /proc/net/tcp has it as 0100007F:4C08 in state 0A (LISTEN).
	check "round $round: the default bind is loopback" \
		"$(awk '$2 ~ /:4C08$/ && $4 == "0A" { print $2 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)" \
		0100007F:4C08

	wl folios 1000 0
	wl folios 100 2 strided
	keys0=$(field keys <"$WL/status")
	wl pages 1000
	range_keys=$(($(field keys <"$WL/status") - keys0))
	wl unpreserve all
	# Scrapes within a second share one exposition: wait it out.
	sleep 1.1
	wget -q -O /tmp/m "$URL"
	check "round $round: order-0 preserves counted" \
		"$(metric khoscope_preserve_total 'tree="1",role="outgoing",order="0",result="ok"' /tmp/m)" 1000
	check "round $round: order-2 preserves counted" \
		"$(metric khoscope_preserve_total 'tree="1",role="outgoing",order="2",result="ok"' /tmp/m)" 100
	check "round $round: unpreserves counted" \
		"$(metric khoscope_unpreserve_total 'tree="1",role="outgoing",order="[0-9]*",result="ok"' /tmp/m)" 1100
	check "round $round: the range's keys counted from its batch events" \
		"$(metric khoscope_batch_keys_total 'tree="1",role="outgoing",op="preserve"' /tmp/m)" "$range_keys"
	check "round $round: and their unpreserve" \
		"$(metric khoscope_batch_keys_total 'tree="1",role="outgoing",op="unpreserve"' /tmp/m)" "$range_keys"
	check "round $round: no change unseen by the events" \
		"$(metric khoscope_memory_unseen_changes 'tree="1",role="outgoing"' /tmp/m)" 0
	radix_report >/tmp/counts
	orders_of /tmp/counts >/tmp/want
	sed -n 's/^khoscope_preserved_keys{tree="1",role="outgoing",order="\([0-9]*\)"} \([0-9]*\)$/\1 \2/p' /tmp/m |
		awk '$2 != 0' | sort -n >/tmp/got
	check "round $round: khoscope's keys per order = the tree's counts" "$(flat /tmp/got)" "$(flat /tmp/want)"
	check "round $round: nothing lost" "$(metric khoscope_lost_events_total '' /tmp/m)" 0
	# A scrape within a second of the last one gets the same exposition,
	# however the tree changed: khoscope reads its maps once a second at
	# most, whatever the clients do. The next second shows the change.
	if [ "$round" = 2 ]; then
		sleep 1.1
		wget -q -O /tmp/m1 "$URL"
		wl folios 3 1
		wget -q -O /tmp/m2 "$URL"
		check "a scrape within a second is the same exposition" \
			"$(cmp -s /tmp/m1 /tmp/m2 && echo same || echo different)" same
		sleep 1.1
		wget -q -O /tmp/m3 "$URL"
		check "a second later the change shows" \
			"$(metric khoscope_preserve_total 'tree="1",role="outgoing",order="1",result="ok"' /tmp/m3)" 3
		wl unpreserve all
	fi
	kill -INT "$ks_pid"
	wait "$ks_pid"
	check "round $round: khoscope exits 0" "$?" 0
	check "round $round: nothing on stderr" "$(cat /tmp/ks.err)" ""

	# Between the rounds, ftrace takes the events again and lets go.
	ftrace_round 10
done
finish
