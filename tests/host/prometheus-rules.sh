# SPDX-License-Identifier: GPL-2.0
# The Prometheus rules and the Grafana dashboard khoscope ships: promtool
# checks the rules and runs their unit tests (every alert firing and quiet,
# the recording rules' values), and every metric the rules and the
# dashboard's panels name is one khoscope serves.
. "$(dirname "$0")/lib.bash"

rules=$ROOT/user/prometheus/khoscope.rules.yml
dashboard=$ROOT/user/grafana/khoscope.json
command -v promtool >/dev/null || { echo "FAIL promtool is not installed: run make setup"; exit 1; }
promtool check rules "$rules" >"$TMP/out" 2>&1 || { echo "FAIL promtool check rules:"; cat "$TMP/out"; exit 1; }
echo "ok   promtool check rules: $(grep -o '[0-9]* rules found' "$TMP/out")"
(cd "$ROOT/tests/prometheus" && promtool test rules khoscope.rules.test.yml) >"$TMP/out" 2>&1 ||
	{ echo "FAIL promtool test rules:"; cat "$TMP/out"; exit 1; }
echo "ok   promtool test rules: every alert fires and stays quiet as tested"

# The families khoscope serves: a sample exposition, and the literal names
# of metrics.c (the boot-restore gauges exist on KHO boots only).
"$ROOT/build/unit/test_metrics" --emit "$TMP/sample.prom" >/dev/null 2>&1 ||
	{ echo "FAIL test_metrics --emit: run make unit"; exit 1; }
{
	sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$TMP/sample.prom"
	grep -o '"khoscope_[a-z_]*"' "$ROOT/user/metrics.c" | tr -d '"'
} | sort -u >"$TMP/served"
python3 - "$rules" "$dashboard" "$TMP/served" <<'PY'
import json, re, sys

import yaml

rules, dashboard, served = sys.argv[1:]
served = set(open(served).read().split())
exprs = []
for g in yaml.safe_load(open(rules))["groups"]:
    exprs += [("rule " + (r.get("record") or r.get("alert")), r["expr"]) for r in g["rules"]]
d = json.load(open(dashboard))
bad = 0
for p in d["panels"]:
    if not p.get("targets") or p.get("datasource", {}).get("uid") != "${datasource}":
        print(f"FAIL panel '{p['title']}': no targets, or not on the $datasource variable")
        bad += 1
    exprs += [("panel " + p["title"], t["expr"]) for t in p.get("targets", [])]
for where, e in exprs:
    for name in re.findall(r"\bkhoscope_[a-z_]+", e):
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if name not in served and base not in served and base + "_total" not in served:
            print(f"FAIL {where}: {name} is no metric khoscope serves")
            bad += 1
if bad:
    sys.exit(1)
print(f"ok   {len(exprs)} expressions of the rules and {len(d['panels'])} panels name only served metrics")
PY
