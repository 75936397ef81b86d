# SPDX-License-Identifier: GPL-2.0
# Unit tests of user/httpd.c, the metrics endpoint, on 127.0.0.1 with a
# render that needs no BPF (loopback by default, slow clients, per-request
# deadline, per-address limit), built with ASan and UBSan.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec "$ROOT/build/unit/test_httpd"
