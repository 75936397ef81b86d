# SPDX-License-Identifier: GPL-2.0
# The scenarios' "no warning" checks can see a warning. The workload
# driver's 'warn' command calls WARN() and does nothing else: the kernel
# must count it in /sys/kernel/warn_count and log it, and kernel_problems,
# which every such check uses, must count it. (The guest kernel was built
# from tinyconfig without CONFIG_BUG, in which WARN() and BUG() print
# nothing: warn_count stayed 0, and every "no warning" check passed
# whatever happened.)
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

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
expected_problems=1	# for finish's own check
finish
