# SPDX-License-Identifier: GPL-2.0
# The scenarios' "no warning" checks can see a warning. The workload
# driver's 'warn' command calls WARN() and does nothing else: the kernel
# must count it in /sys/kernel/warn_count and log it, and kernel_problems,
# which every such check uses, must count it. (The guest kernel was built
# from tinyconfig without CONFIG_BUG, in which WARN() and BUG() print
# nothing: warn_count stayed 0, and every "no warning" check passed
# whatever happened.) Then vm-kexec, which checks the same before it
# leaves a stage, must refuse.
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

case "$KHOSCOPE_STAGE" in
1)
	check_true "the kernel counts warnings (/sys/kernel/warn_count)" test -r /sys/kernel/warn_count
	read -r warned </sys/kernel/warn_count
	check "no warning since boot" "$warned" 0
	problems=$(kernel_problems)
	check "kernel_problems counts none" "$problems" 0

	wl_load
	wl warn
	read -r warned </sys/kernel/warn_count
	check "the warning is counted" "$warned" 1
	check_true "the warning is logged, with its message" \
		sh -c "dmesg | grep -q 'kho_workload: warning on request'"
	check "kernel_problems sees it" "$(kernel_problems)" $((problems + 1))
	check_true "the log names where it came from" \
		sh -c "dmesg | grep -q 'WARNING: .*kho_workload'"

	# A stage that ends in a kexec is checked too: vm-kexec refuses to
	# carry a warning over into a kernel whose log does not show it.
	# (It returns only when it refuses.)
	vm-kexec >/tmp/kexec.out 2>&1 || true
	check_true "vm-kexec refuses to kexec past a warning" \
		grep -q 'the kernel logged 1 oops, BUG or warning lines before kexec' /tmp/kexec.out
	expected_problems=1	# for finish's own check
	finish
	;;
2)
	die "vm-kexec went on to stage 2 after stage 1's warning"
	;;
esac
