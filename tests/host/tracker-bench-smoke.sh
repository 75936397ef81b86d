# SPDX-License-Identifier: GPL-2.0
# A smoke run of the benchmark (1 GiB, one repetition): every figure is
# printed, the tree uses the minimal node count for each layout, and holds
# only its root after the preserve/unpreserve cycles (and at most a path's
# worth of spare pages beside it). An unknown variant is a usage error.
. "$(dirname "$0")/lib.bash"

for bad in --help nonsense; do
	rc=0
	"$ROOT/build/tracker/bench_current" "$bad" 1 >"$TMP/bad" 2>&1 || rc=$?
	[[ $rc -eq 2 ]] || { echo "FAIL bench_current $bad: exit $rc, want 2"; exit 1; }
	grep -q '^usage:' "$TMP/bad" || { echo "FAIL bench_current $bad: no usage line"; exit 1; }
done
echo "ok   an unknown variant is a usage error"

# The events: compiled out of bench_current, as a static key leaves them
# when off; on in bench_events, where each add or delete fires a begin and
# an end event.
rc=0
"$ROOT/build/tracker/bench_current" events --insns random 0 1 >"$TMP/bad" 2>&1 || rc=$?
if ! { [[ $rc -eq 2 ]] && grep -q 'events compiled out' "$TMP/bad"; }; then
	echo "FAIL bench_current events: exit $rc, want 2 with a message"; cat "$TMP/bad"; exit 1
fi
"$ROOT/build/tracker/bench_events" events --insns random 0 1 >"$TMP/events"
/usr/bin/python3 - "$TMP/events" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["events"] >= 2 * r["ops"], r
print(f"ok   bench_events: {r['events']} events for {r['ops']} adds and deletes")
PY

BENCH_REPEAT=1 "$ROOT/build/tracker/bench_current" current 1 >"$TMP/out"
BENCH_REPEAT=1 "$ROOT/build/tracker/bench_current" floor 1 >>"$TMP/out"
/usr/bin/python3 - "$TMP/out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cur = {(r["layout"], r["order"], r["metric"], r["threads"]): r["value"] for r in rows if r["variant"] == "current"}
# 9 figures for each of 16 workloads, per variant; 4 for each of the 2
# batch layouts (add and delete, 1 and 2 threads); thrash: 2 and 1 (floor).
assert len(rows) == 2 * ((11 + 2 + 2 + 1) * 9 + 2 * 4) + 2 + 1, len(rows)
for v in ("current", "floor"):
    for layout in ("dense", "random"):
        for m in ("batch_add_ns", "batch_del_ns"):
            assert any(r["variant"] == v and r["layout"] == layout and r["metric"] == m
                       for r in rows), (v, layout, m)
for (layout, order, metric, threads), v in cur.items():
    if metric == "node_pages_per_gib":
        want = cur[(layout, order, "minimal_node_pages_per_gib", threads)]
        assert v == want, (layout, order, v, want)
        print(f"ok   {layout} order {order}: {v:.0f} node pages/GiB = minimal")
    if metric == "node_pages_after_cycles":
        assert v == 1, (layout, order, v)
    if metric == "spare_pages_after_cycles":
        assert v <= 5, (layout, order, v)
    assert v >= 0, (layout, order, metric, v)
print("ok   the root alone after the cycles, every layout")
print(f"ok   {len(rows)} figures")
PY
