# SPDX-License-Identifier: GPL-2.0
# Every JSON line khoscope's renderer prints parses with a real JSON parser
# and validates against user/khoscope.schema.json; the schema rejects a
# record that breaks it.
. "$(dirname "$0")/lib.bash"

"$ROOT/build/unit/test_report" --emit-json >"$TMP/lines.json"
/usr/bin/python3 - "$ROOT/user/khoscope.schema.json" "$TMP/lines.json" <<'PY'
import json, sys
import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
lines = open(sys.argv[2]).read().splitlines()
assert len(lines) == 3, lines
for n, line in enumerate(lines, 1):
    jsonschema.validate(json.loads(line), schema)
    print(f"ok   line {n} valid ({len(line)} bytes)")
rec = json.loads(lines[0])
assert rec["ops"]["preserve"][0]["buckets"][0] == {"min": 1024, "max": 2047, "count": 3}, rec
assert rec["memory"]["overhead_ratio"] > 0
assert rec["totals"]["ops"] == rec["ops"], rec["totals"]
assert rec["host"] and rec["kernel"], rec
for what, bad in (("schema 2", dict(rec, schema=2)),
                  ("no totals", {k: v for k, v in rec.items() if k != "totals"}),
                  ("no boot_id", {k: v for k, v in rec.items() if k != "boot_id"})):
    try:
        jsonschema.validate(bad, schema)
    except jsonschema.ValidationError:
        print(f"ok   a record with {what} is rejected")
    else:
        sys.exit(f"FAIL schema accepted a record with {what}")
PY
