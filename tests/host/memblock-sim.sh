# SPDX-License-Identifier: GPL-2.0
# The kernel's memblock simulator (tools/testing/memblock, ASan + UBSan) on
# the patched source: memblock.c itself, including patch 0018's
# memblock_reserve_noinit_bulk() and its tests. Built in place in the
# patched tree under build/kernel/src.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
sim=${KHOSCOPE_BUILD:-$ROOT/build}/kernel/src/tools/testing/memblock
[[ -d "$sim" ]] || { echo "memblock-sim: $sim is missing: run 'make kernel'" >&2; exit 1; }

make -s -C "$sim" -j"$(nproc)" main
set +e
"$sim/main" --verbose >"$sim/run.log" 2>&1
rc=$?
set -e
grep -E '^not ok|Assertion' "$sim/run.log" || true
if ((rc != 0)); then
	tail -n 5 "$sim/run.log"
	echo "memblock-sim: the simulator exited with status $rc"
	exit 1
fi
grep -c '^ok [0-9]' "$sim/run.log" | sed 's/$/ passed, 0 failed/'
