# SPDX-License-Identifier: GPL-2.0
# Unit tests of bpf/bits.bpf.h (the BPF programs' branch-free log2 and the
# page key's order), compiled for the host with ASan and UBSan.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec "$ROOT/build/unit/test_bits"
