# SPDX-License-Identifier: GPL-2.0
# Unloading the workload driver right after a threaded command is safe:
# its worker threads leave through kthread_complete_and_exit(), so that
# nothing of the module runs once the command they worked for has
# returned. The threads are made to linger before they exit
# (thread_exit_delay_ms) to widen the window. Before, they signalled the
# command and then returned through the module's code: unloaded
# meanwhile, they ran freed memory and the kernel oopsed.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

for round in 1 2 3; do
	insmod /lib/modules/kho_workload.ko thread_exit_delay_ms=200 ||
		die "cannot load kho_workload.ko"
	wl folios 64 0 contiguous 4
	wl unpreserve all
	rmmod kho_workload
	check "round $round: unloaded right after a command of 4 threads" "$?" 0
done
sleep 1
check "no worker thread left" "$(ps | grep -c '[k]ho_wl/')" 0
finish
