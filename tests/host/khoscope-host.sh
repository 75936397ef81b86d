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

# --prometheus and --textfile fail at once, before anything is loaded, with
# one line and nothing left behind (no root needed to get that far).
expect_fail "--prometheus: bad port" "invalid --prometheus port in '70000'" "$ks" --prometheus 70000
expect_fail "--prometheus: no port" "invalid --prometheus port in '127.0.0.1:'" "$ks" -p 127.0.0.1:
expect_fail "--prometheus: bad address" "invalid --prometheus address '300.1.2.3:9464'" \
	"$ks" -p 300.1.2.3:9464
busy=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c "
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', $busy)); s.listen(1)
sys.stdout.write('ready\n'); sys.stdout.flush(); time.sleep(20)" >"$TMP/holder" &
holder=$!
for _ in $(seq 50); do [[ -s "$TMP/holder" ]] && break; sleep 0.1; done
expect_fail "--prometheus: port in use" "cannot listen on '127.0.0.1:$busy': Address already in use" \
	"$ks" -p "127.0.0.1:$busy"
kill "$holder"
wait "$holder" 2>/dev/null || true
expect_fail "--textfile: no such directory" "cannot write --textfile '$TMP/nodir/k.prom': No such file or directory" \
	"$ks" --textfile "$TMP/nodir/k.prom"
mkdir "$TMP/ro"
chmod 555 "$TMP/ro"
if setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all true 2>/dev/null; then
	expect_fail "--textfile: directory not writable" "cannot write --textfile '$TMP/ro/k.prom': Permission denied" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$ks" --textfile "$TMP/ro/k.prom"
fi
[[ -z "$(ls -A "$TMP/ro")" ]] || { echo "FAIL --textfile left a file behind"; exit 1; }
echo "ok   nothing left behind"
