# SPDX-License-Identifier: GPL-2.0
# Helpers for the host sides of VM scenarios (tests/vm/*.host), in bash.
# (Not copied into the guest: scripts/vm-run takes lib/*.sh only.)

# free_ports N: N free TCP ports on 127.0.0.1, chosen by the kernel, on one
# line. Each is free once all are bound, so no two are the same.
free_ports() {
	python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))' "$1"
}
