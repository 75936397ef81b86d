# SPDX-License-Identifier: GPL-2.0
# On this host's own kernel, khoscope gets as far as telling what is
# missing: root, or the kho trace events.
. "$(dirname "$0")/lib.bash"

ks=$ROOT/build/user/khoscope
[[ -x "$ks" ]] || { echo "FAIL $ks missing: run make tools"; exit 1; }
# Into a file: grep -q would exit at the match, and a pipe with it end
# khoscope, with more to write, on SIGPIPE.
"$ks" --help >"$TMP/help"
grep -q '^Examples:' "$TMP/help" || { echo "FAIL --help has no examples"; exit 1; }
echo "ok   --help"
# --version: the Makefile's version and the revision built (git's, here).
rev=$(git -C "$ROOT" rev-parse --short=12 HEAD)
for tool in khoscope khoscope-plan; do
	out=$("$ROOT/build/user/$tool" --version)
	[[ "$out" =~ ^$tool\ [0-9]+\.[0-9]+\.[0-9]+\ \($rev(-dirty)?\)$ ]] ||
		{ echo "FAIL $tool --version: '$out', want '$tool X.Y.Z ($rev)'"; exit 1; }
	echo "ok   $tool --version: $out"
done
# README.md shows --help as it is: regenerate its block when the options change.
if ! diff -u <(sed -n '/^Usage: khoscope \[OPTION/,/^```$/p' "$ROOT/README.md" | sed '$d') \
	"$TMP/help" >"$TMP/help.diff"; then
	echo "FAIL README.md's help block is not khoscope --help:"; cat "$TMP/help.diff"; exit 1
fi
echo "ok   README.md's help block is khoscope --help"
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	expect_fail "not root" "need root, or CAP_BPF and CAP_PERFMON" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$ks"
fi
if ! bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "btf_trace_kho_preserve_begin" &&
   [[ ! -d /sys/kernel/tracing/events/kho ]]; then
	expect_fail "host kernel without kho events" \
		"this kernel lacks the kho trace events: build it from kernel/patches" "$ks"
	# 3, not 1: the service does not restart on it (RestartPreventExitStatus).
	rc=0
	"$ks" >/dev/null 2>&1 || rc=$?
	((rc == 3)) || { echo "FAIL host kernel without kho events: exit $rc, want 3"; exit 1; }
	echo "ok   host kernel without kho events: exit 3"
else
	echo "ok   this host's kernel has the kho events; skipping that check"
fi
# Bad input (argp, as in libbpf-tools): one line, then the hint, exit 2.
# bad_input DESCRIPTION PATTERN ARG...
bad_input() {
	local what=$1 pattern=$2 rc=0
	shift 2
	"$ks" "$@" >"$TMP/out" 2>&1 || rc=$?
	if ((rc != 2)) || ! grep -qE -e "$pattern" "$TMP/out" ||
	   [[ $(grep -cv "^Try .khoscope --help" "$TMP/out") -ne 1 ]]; then
		echo "FAIL $what: exit $rc (want 2 and one line matching /$pattern/):"; cat "$TMP/out"; exit 1
	fi
	echo "ok   $what (exit 2): $(head -n 1 "$TMP/out")"
}
bad_input "unknown long option" "unrecognized option '--nope'" --nope
bad_input "unknown short option in a group" "invalid option -- 'x'" -xj
bad_input "an argument to a flag" "option '--json' doesn't allow an argument" --json=1
bad_input "an ambiguous abbreviation" "option '--t' is ambiguous" --t
bad_input "a missing argument" "option requires an argument -- 'o'" -o
bad_input "an empty order list item" "empty item in order list ','" -o ,
bad_input "an empty item among orders" "empty item in order list '1,,2'" -o 1,,2
bad_input "a count with a sign after a space" "invalid count ' -1'" 1 " -1"
bad_input "an interval with a sign" "invalid interval '\+1'" +1
bad_input "a tree id too large" "invalid tree id '99'" -t 99
bad_input "a host name for --prometheus" "invalid --prometheus address 'localhost:19464': give a numeric" \
	-p localhost:19464
# --web-config: read before anything else, one line naming the file and
# its line; nothing listens yet.
bad_input "--web-config without --prometheus" "--web-config needs --prometheus" \
	--web-config "$TMP/web.yml"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_fil: server.key\n' >"$TMP/web.yml"
bad_input "--web-config: an unknown key" \
	"^khoscope: --web-config $TMP/web.yml:3: unknown key 'key_fil' in tls_server_config\$" \
	-p 127.0.0.1:19464 --web-config "$TMP/web.yml"
printf 'tls_server_config:\n  cert_file: server.crt\n' >"$TMP/web.yml"
bad_input "--web-config: a cert_file without key_file" \
	"^khoscope: --web-config $TMP/web.yml:2: tls_server_config has a cert_file but no key_file\$" \
	-p 127.0.0.1:19464 --web-config "$TMP/web.yml"
printf 'tls_server_config:\n  client_ca_file: ca.crt\n' >"$TMP/web.yml"
bad_input "--web-config: client_ca_file" \
	"^khoscope: --web-config $TMP/web.yml:2: 'client_ca_file' is not supported" \
	-p 127.0.0.1:19464 --web-config "$TMP/web.yml"
printf 'basic_auth_users:\n  alice: secret\n' >"$TMP/web.yml"
bad_input "--web-config: a password that is not a bcrypt hash" \
	"^khoscope: --web-config $TMP/web.yml:2: the password of 'alice' is not a bcrypt hash" \
	-p 127.0.0.1:19464 --web-config "$TMP/web.yml"
rc=0
"$ks" -p 127.0.0.1:19464 --web-config "$TMP/nothere.yml" >"$TMP/out" 2>&1 || rc=$?
if ((rc != 1)) || [[ "$(cat "$TMP/out")" != "khoscope: cannot read --web-config '$TMP/nothere.yml': No such file or directory" ]]; then
	echo "FAIL --web-config: a missing file: exit $rc (want 1 and one line):"; cat "$TMP/out"; exit 1
fi
echo "ok   --web-config: a missing file (exit 1): $(cat "$TMP/out")"
printf 'tls_server_config:\n  cert_file: nothere.crt\n  key_file: nothere.key\n' >"$TMP/web.yml"
expect_fail "--web-config: a missing cert_file" \
	"^khoscope: cannot read cert_file '$TMP/nothere.crt' of --web-config $TMP/web.yml: No such file or directory\$" \
	"$ks" -p 127.0.0.1:19464 --web-config "$TMP/web.yml"

# -t 00 is tree 0 (every tree), as -t 0 is: it gets past the options.
rc=0
"$ks" -t 00 >"$TMP/out" 2>&1 || rc=$?
if ((rc == 2)); then
	echo "FAIL -t 00 is a usage error:"; cat "$TMP/out"; exit 1
fi
echo "ok   -t 00 is taken as -t 0 (exit $rc after the options)"

# --prometheus and --textfile fail at once, before anything is loaded, with
# one line and nothing left behind (no root needed to get that far).
expect_fail "--prometheus: bad port" "invalid --prometheus port in '70000'" "$ks" --prometheus 70000
expect_fail "--prometheus: no port" "invalid --prometheus port in '127.0.0.1:'" "$ks" -p 127.0.0.1:
expect_fail "--prometheus: bad address" "invalid --prometheus address '300.1.2.3:19464'" \
	"$ks" -p 300.1.2.3:19464
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
