# SPDX-License-Identifier: GPL-2.0
# libFuzzer on operation sequences for a bounded time (FUZZ_SECONDS, default
# 20); the corpus is kept in build/tracker/corpus between runs. Run it
# longer by hand: build/tracker/fuzz_tracker -max_total_time=600 build/tracker/corpus
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$ROOT/build/tracker/corpus
mkdir -p "$corpus"
"$ROOT/build/tracker/fuzz_tracker" -max_total_time="${FUZZ_SECONDS:-20}" -seed=1 \
	-artifact_prefix="$ROOT/build/tracker/" "$corpus" 2>&1 | tail -n 3
echo "ok   no crash, mismatch or leak in ${FUZZ_SECONDS:-20} s"
