# SPDX-License-Identifier: GPL-2.0
# Unit tests of user/report.c (bucket math, parsing, memory accounting,
# bcc layout, JSON), built with ASan and UBSan.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec "$ROOT/build/unit/test_report"
