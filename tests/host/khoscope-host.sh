# SPDX-License-Identifier: GPL-2.0
# On this host's own kernel, khoscope gets as far as telling what is
# missing: root, or the kho trace events.
. "$(dirname "$0")/lib.bash"

ks=$ROOT/build/user/khoscope
[[ -x "$ks" ]] || { echo "FAIL $ks missing: run make tools"; exit 1; }
"$ks" --help | grep -q '^Examples:' || { echo "FAIL --help has no examples"; exit 1; }
echo "ok   --help"
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	expect_fail "not root" "need root, or CAP_BPF and CAP_PERFMON" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$ks"
fi
if ! bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "btf_trace_kho_preserve_begin" &&
   [[ ! -d /sys/kernel/tracing/events/kho ]]; then
	expect_fail "host kernel without kho events" \
		"this kernel lacks the kho trace events: build it from kernel/patches" "$ks"
else
	echo "ok   this host's kernel has the kho events; skipping that check"
fi
expect_fail "bad option" "unknown option '--nope'" "$ks" --nope
