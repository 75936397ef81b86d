# SPDX-License-Identifier: GPL-2.0
# Reading kho/out/radix_tree_walk does not stall preservation. With 2 GiB of
# order-0 keys preserved and two CPUs, a reader walks the tree over and over
# while a task preserves 10000 more folios. The longest
# preserve must stay well below the duration of a walk: before the walk let
# waiting changes in, a preserve that came during a walk waited for the
# rest of it (measured: longest preserve 12.4 ms, 42 over 1 ms, walks of
# 12.4 ms; after: 1.6 ms, 1 over 1 ms). And every walk reports the tree at
# the generation it ends with: the keys it counted are the keys of the walk
# that started the test plus every preserve of a generation up to it.
#
# The two vCPUs run on two host threads (khoscope-vm-tcg: multi): with one
# thread, TCG runs them in turns and a waiter's spinning holds up the very
# owner it waits for.
# khoscope-vm-tcg: multi
# khoscope-vm-append: trace_buf_size=32M test_kho.max_mem=4096
# khoscope-vm-memory: 4G
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

BIG=524288		# 2 GiB of order-0 folios
N=10000

wl_load
wl folios "$BIG" 0
radix_report >/tmp/base
tree=$(field tree </tmp/base)
base_keys=$(field keys </tmp/base)
base_gen=$(field gen </tmp/base)
echo "base: $(head -n 1 /tmp/base)"

echo 0 >"$TRACING/tracing_on"
echo >"$TRACING/trace"
echo 1 >"$TRACING/events/kho/kho_preserve_end/enable"
echo 1 >"$TRACING/events/kho/kho_radix_walk_end/enable"
echo 1 >"$TRACING/tracing_on"

# One walk alone, for its duration.
radix_walk >/dev/null

rm -f /tmp/stop
(
	while [ ! -e /tmp/stop ]; do
		cat "$KHO_DEBUGFS/out/radix_tree_walk" >/dev/null || exit 1
	done
) &
walker=$!
sleep 0.2
wl folios "$N" 0
touch /tmp/stop
wait "$walker"
check "the walker read the tree without an error" "$?" 0
trace_snapshot /tmp/t.trace

grep "kho_radix_walk_end: tree=$tree " /tmp/t.trace >/tmp/walks
grep "kho_preserve_end: tree=$tree " /tmp/t.trace >/tmp/preserves
walks=$(wc -l </tmp/walks)
alone=$(head -n 1 /tmp/walks | sed 's/.* duration_ns=\([0-9]*\).*/\1/')
longest=$(sed 's/.* duration_ns=\([0-9]*\).*/\1/' /tmp/preserves | sort -n | tail -n 1)
median=$(sed 's/.* duration_ns=\([0-9]*\).*/\1/' /tmp/preserves | sort -n |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "walk of $base_keys keys alone: $alone ns; $walks walks during $N preserves"
echo "preserve latency during the walks: median $median ns, longest $longest ns"
sed 's/.* duration_ns=\([0-9]*\).*/\1/' /tmp/preserves | awk '
	$1 > 100000 { a++ } $1 > 1000000 { b++ }
	END { printf "preserves over 0.1 ms: %d, over 1 ms: %d\n", a, b }'

check "every preserve traced" "$(wc -l </tmp/preserves)" "$N"
check_true "the reader walked during the preserves ($walks walks)" test "$walks" -ge 3
check_true "the longest preserve ($longest ns) is under half a walk ($alone ns)" \
	test $((longest * 2)) -lt "$alone"

# Each walk at generation g saw the base keys and every preserve up to g.
bad=$(awk -v base="$base_keys" -v g0="$base_gen" '
	function val(name,   s) { match($0, name "=[0-9]+"); return substr($0, RSTART + length(name) + 1, RLENGTH - length(name) - 1) + 0 }
	FNR == NR { if ($0 ~ / ret=0 changed=1 /) gen[++n] = val("gen"); next }
	{
		g = val("gen"); want = base
		for (i = 1; i <= n; i++) if (gen[i] > g0 && gen[i] <= g) want++
		if (val("keys") != want || val("ret") != 0) { print "walk at gen " g ": " val("keys") " keys, want " want; bad++ }
	}
	END { print bad + 0 }' /tmp/preserves /tmp/walks | tail -n 1)
check "every walk reports the keys of one generation" "$bad" 0

radix_report >/tmp/end
check "the counts hold every preserve" "$(field keys </tmp/end)" "$((base_keys + N))"
radix_walk >/tmp/end-walk
check "a last walk says what the counts say" "$(flat /tmp/end-walk)" "$(flat /tmp/end)"
finish
