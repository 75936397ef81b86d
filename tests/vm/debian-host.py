# SPDX-License-Identifier: GPL-2.0
"""The host's checks of tests/vm/debian-host.host, once the guest is off.

Usage: python3 tests/vm/debian-host.py PROMETHEUS_PORT GUEST_LOG RELEASE

Through Prometheus's query API: it scraped khoscope.service through the
forwarded port, in both boots (khoscope_build_info names the kernel
RELEASE; the second boot's restore result, which exists only on a boot
through KHO, is 0). From the guest's log: khoscope's JSON record in the
second boot reports a boot restore whose tree has, per order, the keys of
the first boot's last walk. Prints one "  ok" or "  FAIL" line per check.
"""
import json
import re
import sys
import urllib.parse
import urllib.request

port, log, release = sys.argv[1:]
text = open(log, errors="replace").read()


def query(q):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=10) as r:
        res = json.load(r)
    assert res["status"] == "success", res
    return res["data"]["result"]


def check(what, got, want):
    if got == want:
        print(f"  ok   {what}: {got!r}")
    else:
        print(f"  FAIL {what}: got {got!r}, want {want!r}")


def section(name):
    m = re.search(rf"^@@BEGIN {re.escape(name)}\n(.*?)^@@END {re.escape(name)}$", text, re.M | re.S)
    return m.group(1) if m else ""


up = query('max_over_time(up{job="khoscope"}[1h])')
check("Prometheus scraped khoscope.service through the forwarded port",
      [r["value"][1] for r in up], ["1"])
info = query("max_over_time(khoscope_build_info[1h])")
check("khoscope_build_info's kernel label", sorted({r["metric"].get("kernel") for r in info}), [release])
res = query("max_over_time(khoscope_boot_restore_result[1h])")
check("the second boot's restore result, as Prometheus scraped it", [r["value"][1] for r in res], ["0"])

walk = {int(o): int(k) for o, k in re.findall(r"^order=(\d+) keys=(\d+)", section("walk:1"), re.M)}
recs = [json.loads(line) for line in section("json:2").splitlines() if line.startswith("{")]
br = recs[-1].get("boot_restore") if recs else None
got = None
if br:
    got = {o["order"]: o["keys"] for o in br.get("tree", {}).get("orders", [])}
check("khoscope's boot_restore tree = the first boot's last walk (keys per order)", got, walk or None)
