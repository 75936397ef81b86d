# SPDX-License-Identifier: GPL-2.0
# Unit tests of user/report.c, parse.c, ksyms.c, text.c and json.c (bucket
# math, parsing, caller names, memory accounting,
# bcc layout, JSON), built with ASan and UBSan.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec "$ROOT/build/unit/test_report"
