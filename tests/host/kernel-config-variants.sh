# SPDX-License-Identifier: GPL-2.0
# The series compiles, warning-free, in configurations khoscope's own does
# not use, and registers nothing it cannot serve there:
# - FAULT_INJECTION_DEBUG_FS off: the fail_kho_radix_node attribute has its
#   boot option and fail-nth but no debugfs files, so no initcall that
#   could only fail with -ENODEV (patch 0005 before its guard had one);
# - KEXEC_HANDOVER_DEBUGFS off: kho_init()'s cleanup of its debugfs files
#   on failure (patch 0024) falls back to its stub.
# Compiles kernel/liveupdate/ only, in a scratch object directory.
. "$(dirname "$0")/lib.bash"

src=$ROOT/build/kernel/src
config=$ROOT/build/kernel/obj/.config
[[ -f "$config" && -f "$src/Makefile" ]] || { echo "FAIL no built kernel: run make kernel"; exit 1; }

# variant NAME OPTION: compile kernel/liveupdate/ with OPTION turned off.
variant() {
	local name=$1 option=$2 obj=$TMP/$1
	mkdir -p "$obj"
	cp "$config" "$obj/.config"
	"$src/scripts/config" --file "$obj/.config" -d "$option"
	make -s -C "$src" O="$obj" ARCH=x86_64 olddefconfig >"$TMP/$name.log" 2>&1
	if grep -q "^CONFIG_$option=y" "$obj/.config"; then
		echo "FAIL $name: CONFIG_$option is still set after olddefconfig"; exit 1
	fi
	if ! make -C "$src" O="$obj" ARCH=x86_64 KCFLAGS=-Werror -j"$(nproc)" \
		kernel/liveupdate/ >>"$TMP/$name.log" 2>&1; then
		echo "FAIL $name: kernel/liveupdate/ does not compile"; tail -n 30 "$TMP/$name.log"; exit 1
	fi
	echo "ok   $name: kernel/liveupdate/ compiles without warnings"
}

variant no-fault-debugfs FAULT_INJECTION_DEBUG_FS
# nm into a file: grep -q would end the pipe early, a failure under pipefail.
nm "$TMP/no-fault-debugfs/kernel/liveupdate/kho_radix_tree.o" >"$TMP/syms"
if ! grep -q setup_fail_kho_radix_node "$TMP/syms"; then
	echo "FAIL no-fault-debugfs: the fail_kho_radix_node= boot option is gone"; exit 1
fi
echo "ok   no-fault-debugfs: the fail_kho_radix_node= boot option is still there"
if grep -q fail_kho_radix_node_debugfs "$TMP/syms"; then
	echo "FAIL no-fault-debugfs: an initcall for fail_kho_radix_node's debugfs files, which" \
	     "cannot exist without CONFIG_FAULT_INJECTION_DEBUG_FS"
	exit 1
fi
echo "ok   no-fault-debugfs: no initcall for debugfs files that cannot exist"

variant no-kho-debugfs KEXEC_HANDOVER_DEBUGFS
nm "$TMP/no-kho-debugfs/kernel/liveupdate/kexec_handover.o" >"$TMP/syms"
if grep -q ' U kho_debugfs_cleanup' "$TMP/syms"; then
	echo "FAIL no-kho-debugfs: kexec_handover.o calls kho_debugfs_cleanup(), which is not built"; exit 1
fi
echo "ok   no-kho-debugfs: kho_init() uses the stub cleanup"
