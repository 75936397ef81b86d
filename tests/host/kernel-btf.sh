# SPDX-License-Identifier: GPL-2.0
# The built kernel carries BTF for every kho trace event, so tp_btf
# programs can attach to them.
. "$(dirname "$0")/lib.bash"

vmlinux=$ROOT/build/kernel/vmlinux
[[ -f "$vmlinux" ]] || { echo "FAIL $vmlinux missing: run make kernel"; exit 1; }
bpftool btf dump file "$vmlinux" >"$TMP/btf"
rc=0
for e in kho_radix_node_alloc kho_radix_node_free kho_preserve_begin kho_preserve_end \
	 kho_unpreserve_begin kho_unpreserve_end kho_radix_walk_begin kho_radix_walk_end; do
	if grep -q "TYPEDEF 'btf_trace_$e'" "$TMP/btf"; then
		echo "ok   btf_trace_$e"
	else
		echo "FAIL btf_trace_$e not in $vmlinux"
		rc=1
	fi
done
exit $rc
