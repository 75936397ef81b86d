# SPDX-License-Identifier: GPL-2.0
# khoscope-plan: the kernel's tree code in user space gives the minimal
# node counts for known layouts, a ranges file and a described workload
# agree, churn changes nothing, 64 GiB of order 0 and 1 TiB of order 9
# plan in seconds, and bad input gets one line and exit 2.
. "$(dirname "$0")/lib.bash"

plan=$ROOT/build/user/khoscope-plan
[[ -x "$plan" ]] || { echo "FAIL $plan missing: run make tools"; exit 1; }
"$plan" --help | grep -q '^Examples:' || { echo "FAIL --help has no examples"; exit 1; }
# The overhead is a ratio, as everywhere (1 GiB of order 0: 13 node pages).
got=$("$plan" -s 1G | sed -n 's/^overhead: //p')
[[ "$got" == "4.959e-05 (node bytes / preserved bytes)" ]] ||
	{ echo "FAIL the planner's overhead line: '$got'"; exit 1; }
echo "ok   the planner's overhead is a ratio: $got"

levels() { python3 -c 'import json, sys; r = json.load(sys.stdin); print(" ".join(str(l["nodes"]) for l in r["levels"]))'; }
expect() {
	local what=$1 want=$2 got
	shift 2
	got=$("$plan" --json "$@" | levels)
	[[ "$got" == "$want" ]] || { echo "FAIL $what: nodes per level (root first) $got, want $want"; exit 1; }
	echo "ok   $what: $got"
}
# 1 GiB of order 0 is 2^18 keys: a leaf holds 2^15 of them (8 leaves), one
# table on each level above.
expect "1 GiB dense order 0" "1 1 1 1 1 8" -s 1G
expect "1 GiB strided order 0 (twice the span)" "1 1 1 1 1 16" -s 1G -l strided
expect "1 GiB dense order 0 after 3 churn cycles" "1 1 1 1 1 8" -s 1G -c 3
# 2 MiB folios: one leaf covers 2^15 of them (64 GiB); 1 TiB from 1 GiB up
# is 2^19 of them starting 512 into a leaf: 17 leaves.
expect "1 TiB of order 9" "1 1 1 1 1 17" -s 1T -m 9:100
# The same keys as ranges: order 0 from 1 GiB up, 2^18 pages.
printf '# start end order\n0x40000 0x80000 0\n' >"$TMP/ranges"
expect "a ranges file with the same keys" "1 1 1 1 1 8" -r "$TMP/ranges"

start=$(date +%s%N)
"$plan" -s 64G >/dev/null
"$plan" -s 1T -m 9:100 >/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
((ms < 30000)) || { echo "FAIL 64 GiB of order 0 and 1 TiB of order 9 took $ms ms"; exit 1; }
echo "ok   64 GiB of order 0 and 1 TiB of order 9 planned in $ms ms"

# Options through argp: each mistake named as such, exit 2.
expect_fail "an unknown short option among others" "invalid option -- 'x'" "$plan" -xj
expect_fail "an argument to a flag" "option '--json' doesn't allow an argument" "$plan" --json=1
expect_fail "an ambiguous abbreviation" "option '--s' is ambiguous" "$plan" --s 1G
expect_fail "a stray argument" "unexpected argument 'x'" "$plan" x
for args in "-xj" "--json=1" "--s 1G" "x"; do
	rc=0
	# shellcheck disable=SC2086
	"$plan" $args >/dev/null 2>&1 || rc=$?
	((rc == 2)) || { echo "FAIL khoscope-plan $args: exit $rc, want 2"; exit 1; }
done
echo "ok   bad options exit 2"
expect_fail "negative size" "invalid size '-1G'" "$plan" -s -1G
expect_fail "overflowing size" "size '99999999T' is too large" "$plan" -s 99999999T
expect_fail "non-numeric size" "invalid size 'lots'" "$plan" -s lots
expect_fail "unknown layout" "unknown layout 'spiral'" "$plan" -l spiral
expect_fail "bad fill" "invalid fill '2'" "$plan" -l random:2
expect_fail "mix not 100%" "adds up to 90%" "$plan" -m 0:40,9:50
printf '0x40001 0x40200 9\n' >"$TMP/unaligned"
expect_fail "unaligned range" "is not aligned to order 9" "$plan" -r "$TMP/unaligned"
printf '0x40000 0x40400 0\n0x40200 0x40600 9\n' >"$TMP/overlap"
expect_fail "overlapping ranges" "overlap" "$plan" -r "$TMP/overlap"
printf 'zero one 0\n' >"$TMP/junk"
expect_fail "non-numeric range" "expected START_PFN END_PFN ORDER" "$plan" -r "$TMP/junk"
