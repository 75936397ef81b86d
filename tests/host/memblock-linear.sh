# SPDX-License-Identifier: GPL-2.0
# The restore walk's memblock reservations stay linear: the patched
# mm/memblock.c (build/memblock/bench_memblock) reserves 16384 and then
# 1048576 scattered order-0 pages in the walk's batches, and callgrind
# counts the instructions of the reservations alone (exact and repeatable).
# The cost per page at 1M must stay within 1.5x of that at 16K; a scan of
# the reserved array per batch made it 16x. Bad arguments are usage errors.
. "$(dirname "$0")/lib.bash"

bench=$ROOT/build/memblock/bench_memblock
[[ -x "$bench" ]] || { echo "memblock-linear: $bench is missing: run 'make memblock'" >&2; exit 1; }

for bad in "" "bulk" "bulk 0" "bulk -1" "bulk 12x" "sideways 16" "bulk 99999999999"; do
	# shellcheck disable=SC2086 # split the arguments on purpose
	expect_fail "bench_memblock ${bad:-(no arguments)}" '^usage:' "$bench" $bad
done

# insns N: instructions per page of reserve_all() for N pages, bulk.
insns() {
	local cg=$TMP/cg.$1 total
	valgrind --tool=callgrind --callgrind-out-file="$cg" --toggle-collect=reserve_all \
		"$bench" bulk "$1" >"$TMP/out.$1" 2>"$TMP/err.$1" ||
		{ echo "FAIL bench_memblock bulk $1:"; cat "$TMP/err.$1"; exit 1; }
	grep -q "\"keys\":$1,\"regions\":$(($1 + 1))}" "$TMP/out.$1" ||
		{ echo "FAIL bench_memblock bulk $1: $(cat "$TMP/out.$1")"; exit 1; }
	total=$(sed -n 's/^summary: //p' "$cg")
	((total > 0)) || { echo "FAIL callgrind counted nothing for $1 pages"; exit 1; }
	awk -v t="$total" -v n="$1" 'BEGIN { printf "%.1f\n", t / n }'
}

small=$(insns 16384)
large=$(insns 1048576)
echo "ok   instructions per page: $small for 16384 pages, $large for 1048576"
if ! awk -v s="$small" -v l="$large" 'BEGIN { exit !(l <= 1.5 * s) }'; then
	echo "FAIL the cost per page grew from $small to $large instructions (more than 1.5x)"
	exit 1
fi
echo "ok   the cost per page at 1M pages is within 1.5x of that at 16K"
