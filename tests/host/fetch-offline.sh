# SPDX-License-Identifier: GPL-2.0
# Without a reachable package archive, fetching the kernel source fails
# with a clear message (and touches nothing outside its own cache).
. "$(dirname "$0")/lib.bash"

# Port 9 (discard) on loopback: nothing listens, the connection is refused.
expect_fail "archive unreachable" "cannot reach the Debian package archive" \
	env KHOSCOPE_CACHE="$TMP/cache" KHOSCOPE_DEBIAN_URIS="http://127.0.0.1:9/debian" \
	"$ROOT/scripts/fetch-kernel-source"
expect_fail "bad source tree" "is not a Linux 7.3 source tree" \
	env KHOSCOPE_KERNEL_SRC="$TMP" "$ROOT/scripts/fetch-kernel-source"
