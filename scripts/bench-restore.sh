# SPDX-License-Identifier: GPL-2.0
# Guest side of the restore-walk benchmark ('make bench-restore'): preserved
# trees, each handed to the next kernel through a kexec, whose early-boot
# walk kho/in/restore_stats then reports. Each stage prints one line
# 'BENCH-RESTORE {json}' for the tree it received:
#   order10-4G   1024 order-10 folios (4 GiB: 1M pages in 1024 keys)
#   order9-4G    2048 order-9 folios (the same 1M pages in twice the keys)
#   order0-16k   16384 scattered order-0 folios (strided: one of every two
#                allocations kept, at random, so that few are adjacent)
#   order0-65k   65536 of them
#   order0-262k  262144 of them (1 GiB preserved, 2 GiB allocated)
#   mixed        order 0 random, order 3 strided, order 9 random, a 16 MiB
#                vmalloc area and a 1000-page range
# plus what test_kho and the driver's own metadata hold. The driver of each
# next kernel restores, checks and frees what the previous one preserved.
# Under TCG the nanoseconds are emulated ones: compare kernels only within
# one run.
# khoscope-vm-append: test_kho.max_mem=4096
# khoscope-vm-memory: 6G
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

# report NAME: the restore statistics of this boot as one JSON line (runs
# is null on a kernel without patch 0020, the deferred_* figures on one
# without patch 0029).
report() {
	stats=$KHO_DEBUGFS/in/restore_stats
	[ -r "$stats" ] || die "no $stats: was this a KHO boot?"
	head -n 2 "$stats" | tr '\n' ' ' | awk -v name="$1" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "BENCH-RESTORE {\"workload\":\"%s\",\"keys\":%s,\"pages\":%s,\"nodes\":%s,", name, v["keys"], v["pages"], v["nodes"]
		printf "\"runs\":%s,", ("runs" in v) ? v["runs"] : "null"
		printf "\"retrieve_ns\":%s,\"retrieve_ret\":%s,", v["retrieve_ns"], v["retrieve_ret"]
		printf "\"extend_scratch_ns\":%s,\"busy_blocks\":%s,", v["extend_scratch_ns"], v["busy_blocks"]
		split("deferred_folios deferred_tail_pages deferred_tails_ns", d, " ")
		for (i = 1; i <= 3; i++)
			printf "\"%s\":%s%s", d[i], (d[i] in v) ? v[d[i]] : "null", i < 3 ? "," : "}\n"
	}'
	[ "$(field retrieve_ret <"$stats")" = 0 ] || die "the restore walk failed: $(head -n 1 "$stats")"
}

# wl_load_checked: load the driver, which restores what the previous kernel
# recorded and frees it; stop if anything came back wrong (content, or a
# struct page nobody initialized).
wl_load_checked() {
	wl_load
	r=$(cat "$WL/restore")
	case "$r" in
	"record=found "*" failed=0 "*" bad_pages=0 bad_struct_pages=0"*) ;;
	*) die "the driver's restore went wrong: $r" ;;
	esac
}

# The large folios go first, while memory is not yet fragmented. Every
# stage but the largest records what it preserved, so that the next kernel
# gets it back.
case "$KHOSCOPE_STAGE" in
1)
	wl_load
	wl folios 1024 10
	wl record
	vm-kexec
	;;
2)
	report order10-4G
	wl_load_checked
	wl folios 2048 9
	wl record
	vm-kexec
	;;
3)
	report order9-4G
	wl_load_checked
	wl folios 16384 0 strided
	wl record
	vm-kexec
	;;
4)
	report order0-16k
	wl_load_checked
	wl folios 65536 0 strided
	wl record
	vm-kexec
	;;
5)
	report order0-65k
	wl_load_checked
	# Not recorded: a record of 262144 objects (10 MiB) is larger than
	# the largest folio the driver can keep it in.
	wl folios 262144 0 strided
	vm-kexec
	;;
6)
	report order0-262k
	wl_load
	wl folios 4096 0 random
	wl folios 2048 3 strided
	wl folios 64 9 random
	wl vmalloc 16777216
	wl pages 1000
	wl record
	vm-kexec
	;;
7)
	report mixed
	wl_load_checked
	finish
	;;
esac
die "vm-kexec returned"
