# SPDX-License-Identifier: GPL-2.0
# Helpers for host tests, sourced by bash.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# expect_fail DESCRIPTION PATTERN COMMAND...: COMMAND must exit non-zero and
# print PATTERN (an extended regex) on stderr or stdout.
expect_fail() {
	local what=$1 pattern=$2 rc=0
	shift 2
	"$@" >"$TMP/out" 2>&1 || rc=$?
	if ((rc == 0)); then
		echo "FAIL $what: exited 0"; cat "$TMP/out"; exit 1
	fi
	if ! grep -qE -e "$pattern" "$TMP/out"; then
		echo "FAIL $what: exit $rc but no message matching /$pattern/:"; cat "$TMP/out"; exit 1
	fi
	echo "ok   $what (exit $rc): $(grep -E -e "$pattern" "$TMP/out" | head -n1)"
}
