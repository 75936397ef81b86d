# SPDX-License-Identifier: GPL-2.0
# Re-running the kernel build with nothing changed returns in seconds and
# names the Debian package version it was built from.
. "$(dirname "$0")/lib.bash"

start=$(date +%s)
"$ROOT/scripts/build-kernel" >"$TMP/out" 2>&1
elapsed=$(($(date +%s) - start))
cat "$TMP/out"
grep -q "up to date (linux-source-7.3 " "$TMP/out" || { echo "FAIL build was not up to date"; exit 1; }
((elapsed <= 15)) || { echo "FAIL up-to-date check took ${elapsed}s"; exit 1; }
grep -q '^linux-source-7.3 7.3' "$ROOT/build/kernel/VERSION" || { echo "FAIL build/kernel/VERSION"; exit 1; }
echo "ok   up to date in ${elapsed}s: $(cat "$ROOT/build/kernel/VERSION")"
