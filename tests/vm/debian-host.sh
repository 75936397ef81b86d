# SPDX-License-Identifier: GPL-2.0
# The guest side of tests/vm/debian-host.host, which boots a Debian root
# (systemd, kexec-tools, the khoscope package and the kernel package) and
# runs this with bash from khoscope-test.service at every boot, its output
# on the second serial port. Not an initramfs scenario: it runs only there.
#
# Boot 1: khoscope.service is active, serves the metrics and holds only its
# capabilities; a LUO memfd client preserves a 16 MiB memfd (its holder
# named '@...', which systemd's shutdown spares); the last walk of the tree
# is kept on disk; then kexec -s -l --reuse-cmdline and systemctl kexec.
# Boot 2: the boot walk found that tree, the memfd comes back with every
# byte, khoscope.service is active again and reports the boot's restore;
# khoscope's JSON record (for the host) too.
. /usr/local/lib/khoscope-test/common.sh

STATE=/var/lib/khoscope-test
PORT=19464
MEMFD_MIB=16
mkdir -p "$STATE"
stage=$(cat "$STATE/stage" 2>/dev/null || echo 1)
export KHOSCOPE_STAGE=$stage

# scrape: khoscope's /metrics, through bash's /dev/tcp (no curl here).
scrape() {
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
	tr -d '\r' <&3
	exec 3<&-
}

# wait_serving: khoscope.service active and answering, within 120 s.
wait_serving() {
	local i
	for i in $(seq 120); do
		if systemctl -q is-active khoscope.service && scrape 2>/dev/null | grep -q '^HTTP/1.[01] 200'; then
			return 0
		fi
		sleep 1
	done
	return 1
}

# wait_scraped: the host's Prometheus holds a connection to khoscope's port
# (19464 = 0x4C08) from QEMU's gateway 10.0.2.2 (0202000A in /proc/net/tcp),
# within 60 s.
wait_scraped() {
	local i
	for i in $(seq 60); do
		grep -q ' 0F02000A:4C08 0202000A:' /proc/net/tcp && return 0
		sleep 1
	done
	networkctl --no-pager status 2>&1 | head -n 20
	return 1
}

# end RC: the verdict for the host, then off (QEMU runs with -no-reboot).
end() {
	echo "scenario: $checks_passed checks passed, $checks_failed failed"
	echo "KHOSCOPE-VM-EXIT stage=$stage rc=$1"
	sync
	systemctl --no-block reboot
	exit "$1"
}

echo "debian-host: stage $stage: $(uname -r), $(systemctl --version | head -n 1), $(. /etc/os-release; echo "$PRETTY_NAME")"
check_true "khoscope.service is active and serves /metrics" wait_serving || {
	systemctl status --no-pager khoscope.service | head -n 20
	journalctl --no-pager -u khoscope.service | tail -n 20
	end 1
}
scrape >/tmp/metrics
check "khoscope_build_info names this kernel" \
	"$(sed -n 's/^khoscope_build_info{.*kernel="\([^"]*\)".*} 1$/\1/p' /tmp/metrics)" "$(uname -r)"
pid=$(systemctl show -p MainPID --value khoscope.service)
check "khoscope.service's bounding set: CAP_DAC_READ_SEARCH, CAP_SYSLOG, CAP_PERFMON, CAP_BPF" \
	"$(awk '/^CapBnd:/ { print $2 }' "/proc/$pid/status")" 000000c400000004
check "khoscope kept only CAP_DAC_READ_SEARCH once attached" \
	"$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")" 0000000000000004
echo "debian-host: serving stage=$stage"
check_true "the host's Prometheus scrapes khoscope through the forwarded port" wait_scraped
# Scraped every second: a few scrapes more.
sleep 3

case "$stage" in
1)
	check_true "/dev/liveupdate exists" test -c /dev/liveupdate
	radix_report >/tmp/before
	# The holder of the session lives to the kexec: out of any unit that
	# shutdown stops (KillMode=none) and named '@...', which systemd's
	# final killing spree spares.
	systemd-run --quiet --wait --pipe --unit=luo-memfd-hold -p KillMode=none \
		bash -c "exec -a @luo-memfd /usr/local/bin/luo-memfd preserve kept 42 $MEMFD_MIB" >/tmp/memfd 2>&1
	check "a LUO client preserved a $MEMFD_MIB MiB memfd" "$?" 0
	cat /tmp/memfd
	radix_report >/tmp/after
	grow=$(( $(orders_of /tmp/after | awk '$1 == 0 { print $2 }') - $(orders_of /tmp/before | awk '$1 == 0 { print $2 + 0 }') ))
	check_true "its $((MEMFD_MIB * 256)) pages are in the tree ($grow more order-0 keys)" \
		[ "$grow" -ge $((MEMFD_MIB * 256)) ]
	radix_walk >"$STATE/walk"
	section "walk:1" "$STATE/walk"
	[ "$checks_failed" -eq 0 ] || end 1

	# With the initramfs the kernel package's hook made, if there is one.
	initrd=
	[ ! -f "/boot/initrd.img-$(uname -r)" ] || initrd="--initrd=/boot/initrd.img-$(uname -r)"
	kexec -s -l "/boot/vmlinuz-$(uname -r)" $initrd --reuse-cmdline
	check "kexec -s -l /boot/vmlinuz-$(uname -r) $initrd --reuse-cmdline" "$?" 0
	check "a kernel is loaded" "$(cat /sys/kernel/kexec_loaded)" 1
	check "oops, BUG or warning lines in this kernel's log" "$(kernel_problems)" 0 || kernel_problem_report
	[ "$checks_failed" -eq 0 ] || end 1
	echo 2 >"$STATE/stage"
	sync
	echo "debian-host: systemctl kexec"
	echo "scenario: $checks_passed checks passed, $checks_failed failed"
	systemctl --no-block kexec
	;;
2)
	cat "$KHO_DEBUGFS/in/restore_stats" | tee /tmp/stats
	check "the boot walk succeeded" "$(field retrieve_ret </tmp/stats)" 0
	orders_of /tmp/stats >/tmp/booted
	orders_of "$STATE/walk" >/tmp/walked
	check "the boot walk's keys per order = the first kernel's last walk" "$(flat /tmp/booted)" "$(flat /tmp/walked)"
	/usr/local/bin/luo-memfd restore kept 42 "$MEMFD_MIB" >/tmp/restored
	check "the memfd came back" "$?" 0
	cat /tmp/restored
	check "every byte of the memfd intact" "$(sed -n 's/.*bad_words=//p' /tmp/restored)" 0
	check "khoscope.service reports the boot walk's result" \
		"$(sed -n 's/^khoscope_boot_restore_result //p' /tmp/metrics)" 0
	ns=$(field retrieve_ns </tmp/stats)
	check "khoscope.service reports the boot walk's time (ns)" \
		"$(awk '/^khoscope_boot_restore_seconds / { printf "%.0f", $2 * 1e9 }' /tmp/metrics)" "$ns"
	khoscope --json 1 1 >/tmp/json 2>/tmp/json.err
	check "khoscope --json 1 1 exits 0" "$?" 0
	section "json:2" /tmp/json
	section "metrics:2" /tmp/metrics

	# The unit restarts khoscope when it dies...
	systemctl kill -s KILL khoscope.service
	sleep 15
	check "khoscope.service killed: restarted once, active" \
		"$(systemctl show -p NRestarts --value khoscope.service) $(systemctl is-active khoscope.service)" \
		"1 active"
	# ... but not when the kernel cannot be traced (exit 3): khoscope
	# pointed at a debugfs directory with no kho/out in it, as on a kernel
	# with KHO off, in a copy of the unit.
	sed -e 's|^EnvironmentFile=.*|Environment="ARGS=--debugfs=/sys/kernel/debug/kho --prometheus=19465"|' \
		/lib/systemd/system/khoscope.service >/etc/systemd/system/khoscope-nokho.service
	systemctl daemon-reload
	systemctl start khoscope-nokho.service 2>/dev/null
	sleep 25
	check "a kernel without KHO: exit 3, failed, never restarted" \
		"$(for p in ExecMainStatus ActiveState NRestarts; do
			systemctl show -p "$p" --value khoscope-nokho.service; done | tr '\n' ' ')" "3 failed 0 "
	journalctl --no-pager -o cat -u khoscope-nokho.service -t khoscope >/tmp/nokho
	cat /tmp/nokho
	check "its one line in the journal" "$(cat /tmp/nokho)" \
		"khoscope: KHO is disabled (no /sys/kernel/debug/kho/kho/out): boot with kho=on"
	check "oops, BUG or warning lines in this kernel's log" "$(kernel_problems)" 0 || kernel_problem_report
	if [ "$checks_failed" -eq 0 ]; then end 0; else end 1; fi
	;;
*)
	die "unknown stage '$stage' in $STATE/stage"
	;;
esac
