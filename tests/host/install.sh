# SPDX-License-Identifier: GPL-2.0
# make install: every file where a Debian package or a local install puts
# it, an installed khoscope-plan that finds its cost file under its own
# prefix, a bash completion that completes both tools, and a one-line
# error for a DESTDIR that is missing or read-only.
. "$(dirname "$0")/lib.bash"

dest=$TMP/root
mkdir -p "$dest"
make -s -C "$ROOT" install DESTDIR="$dest" PREFIX=/usr >"$TMP/out" 2>&1 ||
	{ echo "FAIL make install:"; cat "$TMP/out"; exit 1; }
for f in usr/sbin/khoscope:755 usr/bin/khoscope-plan:755 \
	 usr/share/khoscope/khoscope-plan.costs.json:644 usr/share/khoscope/khoscope.schema.json:644 \
	 usr/share/khoscope/prometheus/khoscope.rules.yml:644 usr/share/khoscope/grafana/khoscope.json:644 \
	 usr/share/man/man8/khoscope.8:644 usr/share/man/man1/khoscope-plan.1:644 \
	 usr/share/bash-completion/completions/khoscope:644; do
	path=$dest/${f%:*} mode=${f#*:}
	[[ -f "$path" ]] || { echo "FAIL not installed: /${f%:*}"; exit 1; }
	[[ "$(stat -c %a "$path")" == "$mode" ]] ||
		{ echo "FAIL /${f%:*}: mode $(stat -c %a "$path"), want $mode"; exit 1; }
done
[[ "$(readlink "$dest/usr/share/bash-completion/completions/khoscope-plan")" == khoscope ]] ||
	{ echo "FAIL the completion of khoscope-plan is not a link to khoscope's"; exit 1; }
for f in lib/systemd/system/khoscope.service:644 etc/default/khoscope:644; do
	path=$dest/${f%:*} mode=${f#*:}
	[[ -f "$path" && "$(stat -c %a "$path")" == "$mode" ]] ||
		{ echo "FAIL /${f%:*}: not installed with mode $mode"; exit 1; }
done
echo "ok   make install DESTDIR PREFIX=/usr: $(find "$dest" -type f -o -type l | wc -l) files, modes right"

# The unit of a PREFIX install runs that prefix's khoscope, and systemd
# finds nothing wrong in it; /etc/default/khoscope, once there, is kept.
pfx=$TMP/pfx
SYSCONFDIR=$TMP/etc make -s -C "$ROOT" install PREFIX="$pfx" >"$TMP/out" 2>&1 ||
	{ echo "FAIL make install PREFIX=$pfx:"; cat "$TMP/out"; exit 1; }
unit=$pfx/lib/systemd/system/khoscope.service
grep -qx "ExecStart=$pfx/sbin/khoscope \$ARGS" "$unit" ||
	{ echo "FAIL the unit does not run $pfx/sbin/khoscope: $(grep ExecStart= "$unit")"; exit 1; }
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify --man=no "$unit" >"$TMP/verify" 2>&1 ||
		{ echo "FAIL systemd-analyze verify:"; cat "$TMP/verify"; exit 1; }
	echo "ok   systemd-analyze verify: the unit of PREFIX=$pfx runs $pfx/sbin/khoscope"
fi
echo '# mine' >"$TMP/etc/default/khoscope"
SYSCONFDIR=$TMP/etc make -s -C "$ROOT" install PREFIX="$pfx" >"$TMP/out" 2>&1
[[ "$(cat "$TMP/etc/default/khoscope")" == "# mine" ]] ||
	{ echo "FAIL make install replaced an existing /etc/default/khoscope"; exit 1; }
echo "ok   an existing /etc/default/khoscope is kept"

# The installed planner's estimate comes from the installed cost file.
from=$("$dest/usr/bin/khoscope-plan" -s 4G --json |
	python3 -c 'import json, sys; r = json.load(sys.stdin)["restore_walk"]; print(r and r["from"])')
[[ "$from" == "$dest/usr/share/khoscope/khoscope-plan.costs.json" ]] ||
	{ echo "FAIL the installed khoscope-plan took its costs from '$from'"; exit 1; }
echo "ok   the installed khoscope-plan estimates from $from"

# The completion, as bash-completion loads it.
complete_words() {	# complete_words WORD... : the candidates for the last word
	bash -c '. /usr/share/bash-completion/bash_completion
		. "$0"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		PATH=$1:$PATH
		compopt() { :; }	# outside a real completion it can only complain
		fn=$(complete -p "$(basename "$2")" | sed "s/.*-F \([^ ]*\).*/\1/")
		"$fn" "$2" "${@: -1}" "${@: -2:1}"
		printf "%s\n" "${COMPREPLY[@]}"' \
		"$dest/usr/share/bash-completion/completions/khoscope" "$@"
}
[[ -f /usr/share/bash-completion/bash_completion ]] ||
	{ echo "FAIL bash-completion is not installed: run make setup"; exit 1; }
got=$(complete_words "$dest/usr/sbin" "$dest/usr/sbin/khoscope" --js | tr '\n' ' ')
[[ "$got" == "--json " ]] || { echo "FAIL khoscope --js<TAB>: '$got'"; exit 1; }
got=$(complete_words "$dest/usr/sbin" "$dest/usr/sbin/khoscope" -O un | tr '\n' ' ')
[[ "$got" == "unpreserve " ]] || { echo "FAIL khoscope -O un<TAB>: '$got'"; exit 1; }
got=$(complete_words "$dest/usr/bin" "$dest/usr/bin/khoscope-plan" --lay | tr '\n' ' ')
[[ "$got" == "--layout= " ]] || { echo "FAIL khoscope-plan --lay<TAB>: '$got'"; exit 1; }
got=$(complete_words "$dest/usr/bin" "$dest/usr/bin/khoscope-plan" -l st | tr '\n' ' ')
[[ "$got" == "strided " ]] || { echo "FAIL khoscope-plan -l st<TAB>: '$got'"; exit 1; }
echo "ok   bash completion of options and their values, both tools"

expect_fail "a missing DESTDIR" "^install: DESTDIR '$TMP/nowhere' does not exist" \
	make -s -C "$ROOT" install DESTDIR="$TMP/nowhere"
mkdir "$TMP/ro"
if [[ $EUID -eq 0 ]]; then
	mount -t tmpfs -o ro,size=1m none "$TMP/ro"
	trap 'umount "$TMP/ro" 2>/dev/null; rm -rf "$TMP"' EXIT
else
	chmod 555 "$TMP/ro"
fi
expect_fail "a read-only DESTDIR" "^install: DESTDIR '$TMP/ro' is not writable" \
	make -s -C "$ROOT" install DESTDIR="$TMP/ro"
