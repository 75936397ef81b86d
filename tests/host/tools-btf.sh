# SPDX-License-Identifier: GPL-2.0
# make tools BTF=FILE: the programs are compiled against the BTF of FILE,
# e.g. the running kernel's (/sys/kernel/btf/vmlinux) on a host that booted
# a kernel with the series; a BTF without the KHO radix tree is refused in
# one line. Built in a build directory of its own, where make kernel has
# not run, as in a fresh clone on a host: make tools and make guest prepare
# the patched source they take files from.
. "$(dirname "$0")/lib.bash"

make -s -C "$ROOT" BUILD="$TMP/build" BTF="$ROOT/build/kernel/vmlinux" tools guest >"$TMP/out" 2>&1 ||
	{ echo "FAIL make tools guest without make kernel:"; cat "$TMP/out"; exit 1; }
for f in user/khoscope user/khoscope-plan guest/bin/luo-memfd kernel/src/include/uapi/linux/liveupdate.h; do
	[[ -f "$TMP/build/$f" ]] || { echo "FAIL make tools guest without make kernel made no build/$f"; exit 1; }
done
echo "ok   make tools guest without make kernel: the patched source prepared, khoscope, khoscope-plan, luo-memfd built"

mk() { make -s -C "$ROOT" BUILD="$TMP/build" "$TMP/build/bpf/vmlinux.h" "$@"; }

mk BTF="$ROOT/build/kernel/vmlinux" >"$TMP/out" 2>&1 ||
	{ echo "FAIL BTF=build/kernel/vmlinux:"; cat "$TMP/out"; exit 1; }
grep -q '^struct kho_radix_tree {' "$TMP/build/bpf/vmlinux.h" ||
	{ echo "FAIL vmlinux.h from the series kernel has no struct kho_radix_tree"; exit 1; }
echo "ok   BTF=build/kernel/vmlinux: vmlinux.h has the KHO radix tree"

if [[ -r /sys/kernel/btf/vmlinux ]] &&
   ! bpftool btf dump file /sys/kernel/btf/vmlinux | grep -q "STRUCT 'kho_radix_tree'"; then
	expect_fail "BTF of a running kernel without the series" \
		"^khoscope: the BTF of '/sys/kernel/btf/vmlinux' has no KHO radix tree" \
		mk BTF=/sys/kernel/btf/vmlinux
	[[ ! -e "$TMP/build/bpf/vmlinux.h.tmp" ]] || { echo "FAIL a vmlinux.h.tmp was left behind"; exit 1; }
elif [[ -r /sys/kernel/btf/vmlinux ]]; then
	mk BTF=/sys/kernel/btf/vmlinux >"$TMP/out" 2>&1 ||
		{ echo "FAIL BTF=/sys/kernel/btf/vmlinux on a kernel with the series:"; cat "$TMP/out"; exit 1; }
	echo "ok   BTF=/sys/kernel/btf/vmlinux: this host runs a kernel with the series"
else
	echo "ok   this host has no /sys/kernel/btf/vmlinux: the running kernel's case is not tried"
fi
expect_fail "a BTF file that does not exist" "No rule to make target '/nonexistent/vmlinux'" \
	mk BTF=/nonexistent/vmlinux
