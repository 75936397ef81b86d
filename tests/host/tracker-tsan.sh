# SPDX-License-Identifier: GPL-2.0
# The user-space tracker tests under ThreadSanitizer, the concurrent one
# (threads adding, deleting and batching while another walks) among them:
# any data race fails the test (TSan exits 66).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec env TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$ROOT/build/tracker/test_tracker_tsan"
