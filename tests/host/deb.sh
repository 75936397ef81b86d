# SPDX-License-Identifier: GPL-2.0
# make deb: a Debian package of khoscope, built with debhelper from what
# make tools built, named and versioned as the Makefile says, depending on
# the libraries the tools link (dh_shlibdeps), holding what make install
# lays out (man pages compressed), and working from where it unpacks.
. "$(dirname "$0")/lib.bash"

version=$(sed -n 's/^VERSION[[:space:]]*:= *//p' "$ROOT/Makefile")
deb=$(make -s -C "$ROOT" deb 2>"$TMP/err" | tail -n 1) ||
	{ echo "FAIL make deb:"; cat "$TMP/err"; exit 1; }
[[ "$deb" == "$ROOT/build/deb/khoscope_${version}_amd64.deb" && -f "$deb" ]] ||
	{ echo "FAIL make deb printed '$deb'"; cat "$TMP/err"; exit 1; }
field() { dpkg-deb -f "$deb" "$1"; }
[[ "$(field Package)" == khoscope && "$(field Version)" == "$version" && "$(field Architecture)" == amd64 ]] ||
	{ echo "FAIL control: $(field Package) $(field Version) $(field Architecture)"; exit 1; }
for lib in libbpf1 libmicrohttpd12 libjson-c5 libcap2 libyaml-0-2 libcrypt1; do
	field Depends | grep -q "\\b$lib\\b" || { echo "FAIL Depends lacks $lib: $(field Depends)"; exit 1; }
done
echo "ok   $(basename "$deb"): khoscope $version, Depends: $(field Depends)"

dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$TMP/files"
for f in /usr/sbin/khoscope /usr/bin/khoscope-plan /usr/share/man/man8/khoscope.8.gz \
	 /usr/share/man/man1/khoscope-plan.1.gz /usr/share/bash-completion/completions/khoscope \
	 /usr/share/bash-completion/completions/khoscope-plan /usr/share/khoscope/khoscope-plan.costs.json \
	 /usr/share/khoscope/khoscope.schema.json /usr/share/khoscope/prometheus/khoscope.rules.yml \
	 /usr/share/khoscope/grafana/khoscope.json /usr/share/doc/khoscope/copyright \
	 /lib/systemd/system/khoscope.service /etc/default/khoscope; do
	grep -qx -- "$f" "$TMP/files" || { echo "FAIL $f is not in the package"; exit 1; }
done
echo "ok   the package holds the tools, man pages, completion, cost file, schema, rules, dashboard, unit"
# debhelper's maintainer scripts enable and start the service, and keep
# /etc/default/khoscope as a configuration file.
dpkg-deb -e "$deb" "$TMP/control"
grep -q 'deb-systemd-helper.*enable.*khoscope.service' "$TMP/control/postinst" ||
	{ echo "FAIL the postinst does not enable khoscope.service"; exit 1; }
grep -qx /etc/default/khoscope "$TMP/control/conffiles" ||
	{ echo "FAIL /etc/default/khoscope is not a conffile"; exit 1; }
echo "ok   postinst enables khoscope.service; /etc/default/khoscope is a conffile"

dpkg-deb -x "$deb" "$TMP/root"
"$TMP/root/usr/sbin/khoscope" --version | grep -q "^khoscope $version " ||
	{ echo "FAIL the packaged khoscope --version: $("$TMP/root/usr/sbin/khoscope" --version)"; exit 1; }
from=$("$TMP/root/usr/bin/khoscope-plan" -s 1G --json |
	python3 -c 'import json, sys; r = json.load(sys.stdin)["restore_walk"]; print(r and r["from"])')
[[ "$from" == "$TMP/root/usr/share/khoscope/khoscope-plan.costs.json" ]] ||
	{ echo "FAIL the packaged khoscope-plan took its costs from '$from'"; exit 1; }
LC_ALL=C.UTF-8 man --warnings -l "$TMP/root/usr/share/man/man8/khoscope.8.gz" >/dev/null 2>"$TMP/warn" &&
	[[ ! -s "$TMP/warn" ]] || { echo "FAIL the packaged man page:"; cat "$TMP/warn"; exit 1; }
echo "ok   unpacked, the tools run: --version, the planner's cost file, the man page"
