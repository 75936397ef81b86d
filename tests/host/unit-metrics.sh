# SPDX-License-Identifier: GPL-2.0
# Unit tests of user/metrics.c (Prometheus and OpenMetrics exposition, the
# textfile writer; ASan + UBSan), then promtool's lint of a sample
# exposition.
. "$(dirname "$0")/lib.bash"

"$ROOT/build/unit/test_metrics" | tee "$TMP/out"
tally=$(tail -n 1 "$TMP/out")
"$ROOT/build/unit/test_metrics" --emit "$TMP/sample.prom"
if ! promtool check metrics <"$TMP/sample.prom" >"$TMP/lint" 2>&1; then
	echo "FAIL promtool check metrics:"
	cat "$TMP/lint"
	exit 1
fi
echo "ok   promtool check metrics: the sample exposition"
echo "$tally"
