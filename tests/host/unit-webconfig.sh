# SPDX-License-Identifier: GPL-2.0
# Unit tests of user/webconfig.c, --web-config's file (every section, paths
# relative to the file, every error with its line, bcrypt checks), built
# with ASan and UBSan.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec "$ROOT/build/unit/test_webconfig"
