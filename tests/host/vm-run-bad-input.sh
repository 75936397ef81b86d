# SPDX-License-Identifier: GPL-2.0
# scripts/vm-run rejects bad input with a clear message.
. "$(dirname "$0")/lib.bash"

expect_fail "unknown scenario" "no such scenario: does-not-exist" "$ROOT/scripts/vm-run" does-not-exist
expect_fail "missing scenario" "expected exactly one SCENARIO" "$ROOT/scripts/vm-run"
expect_fail "unknown option" "unknown option: --bogus" "$ROOT/scripts/vm-run" --bogus boot-trace
expect_fail "bad timeout" "--timeout needs a positive number" "$ROOT/scripts/vm-run" --timeout abc boot-trace
expect_fail "files that are not a directory" "--files needs an existing directory" "$ROOT/scripts/vm-run" --files "$TMP/none" boot-trace
