# SPDX-License-Identifier: GPL-2.0
# Guest side of the restore-walk benchmark ('make bench-restore'): three
# preserved trees, each handed to the next kernel through a kexec, whose
# early-boot walks kho/in/restore_stats then reports. Each stage prints one
# line 'BENCH-RESTORE {json}' for the tree it received:
#   order0-64M   16384 order-0 folios + 16 order-9 folios
#   order0-256M  65536 order-0 folios + 64 order-9 folios
#   mixed        order 0 random, order 3 strided, order 9 random, a 16 MiB
#                vmalloc area and a 1000-page range
# plus what test_kho and the driver's own metadata hold. Under TCG the
# nanoseconds are emulated ones: compare kernels only within one run.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

# report NAME: the restore statistics of this boot as one JSON line.
report() {
	stats=$KHO_DEBUGFS/in/restore_stats
	[ -r "$stats" ] || die "no $stats: was this a KHO boot?"
	head -n 2 "$stats" | tr '\n' ' ' | awk -v name="$1" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "BENCH-RESTORE {\"workload\":\"%s\",\"keys\":%s,\"nodes\":%s,", name, v["keys"], v["nodes"]
		printf "\"retrieve_ns\":%s,\"retrieve_ret\":%s,", v["retrieve_ns"], v["retrieve_ret"]
		printf "\"extend_scratch_ns\":%s,\"busy_blocks\":%s}\n", v["extend_scratch_ns"], v["busy_blocks"]
	}'
	[ "$(field retrieve_ret <"$stats")" = 0 ] || die "the restore walk failed: $(head -n 1 "$stats")"
}

case "$KHOSCOPE_STAGE" in
1)
	wl_load
	wl folios 16384 0
	wl folios 16 9
	vm-kexec
	;;
2)
	report order0-64M
	wl_load
	wl folios 65536 0
	wl folios 64 9
	vm-kexec
	;;
3)
	report order0-256M
	wl_load
	wl folios 4096 0 random
	wl folios 2048 3 strided
	wl folios 64 9 random
	wl vmalloc 16777216
	wl pages 1000
	vm-kexec
	;;
4)
	report mixed
	finish
	;;
esac
die "vm-kexec returned"
