# SPDX-License-Identifier: GPL-2.0
# The kernel's kho_radix_tree.c in user space against a reference model
# (ASan + UBSan); see tests/tracker/test_tracker.c.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec "$ROOT/build/tracker/test_tracker"
