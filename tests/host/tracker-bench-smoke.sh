# SPDX-License-Identifier: GPL-2.0
# A smoke run of the benchmark (1 GiB, one repetition): every figure is
# printed, and the tree uses the minimal node count for each layout.
. "$(dirname "$0")/lib.bash"

BENCH_REPEAT=1 "$ROOT/build/tracker/bench_current" current 1 >"$TMP/out"
BENCH_REPEAT=1 "$ROOT/build/tracker/bench_current" floor 1 >>"$TMP/out"
/usr/bin/python3 - "$TMP/out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cur = {(r["layout"], r["order"], r["metric"], r["threads"]): r["value"] for r in rows if r["variant"] == "current"}
assert len(rows) == 2 * (11 + 2 + 2 + 1) * 8, len(rows)
for (layout, order, metric, threads), v in cur.items():
    if metric == "node_pages_per_gib":
        want = cur[(layout, order, "minimal_node_pages_per_gib", threads)]
        assert v == want, (layout, order, v, want)
        print(f"ok   {layout} order {order}: {v:.0f} node pages/GiB = minimal")
    assert v >= 0, (layout, order, metric, v)
print(f"ok   {len(rows)} figures")
PY
