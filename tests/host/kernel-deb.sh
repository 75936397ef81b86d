# SPDX-License-Identifier: GPL-2.0
# make kernel-deb's bad input, each a one-line error that says what to
# give: the configuration package out of reach (with a configuration file
# as the way out), a configuration file that does not exist or is not one,
# an option of kernel/host.config the configuration cannot have; and
# scripts/kconfig-check, which checks it, on what it must catch.
. "$(dirname "$0")/lib.bash"

# one_line WHAT PATTERN COMMAND...: fails with exactly one line on stderr.
one_line() {
	local what=$1 pattern=$2 rc=0
	shift 2
	"$@" >/dev/null 2>"$TMP/err" || rc=$?
	if ((rc == 0)) || [[ $(wc -l <"$TMP/err") -ne 1 ]] || ! grep -qE -e "$pattern" "$TMP/err"; then
		echo "FAIL $what: exit $rc, stderr:"; cat "$TMP/err"; exit 1
	fi
	echo "ok   $what: $(cat "$TMP/err")"
}

# An empty build directory (make kernel-deb does not need make kernel);
# a package cache holding the source package only, and an archive nothing
# answers on (port 9, discard).
mkdir -p "$TMP/build" "$TMP/cache/debs"
cache=${KHOSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/khoscope}
ln -s "$(ls "$cache"/debs/linux-source-7.3_*.deb | sort -V | tail -n 1)" "$TMP/cache/debs/"
export KHOSCOPE_BUILD=$TMP/build KHOSCOPE_CACHE=$TMP/cache KHOSCOPE_DEBIAN_URIS=http://127.0.0.1:9/debian

one_line "configuration package out of reach" \
	"^kernel-deb: error: no configuration for amd64_none_cloud-amd64 \(cannot reach the Debian package archive.*\): give one with make kernel-deb KCONFIG=FILE$" \
	"$ROOT/scripts/kernel-deb"
one_line "KCONFIG that does not exist" "configuration file '$TMP/none' does not exist or cannot be read" \
	"$ROOT/scripts/kernel-deb" --config "$TMP/none"
echo "not a config" >"$TMP/notconfig"
one_line "KCONFIG that is not a configuration" "'$TMP/notconfig' is not a kernel configuration" \
	"$ROOT/scripts/kernel-deb" --config "$TMP/notconfig"
one_line "an unknown option" "^usage: kernel-deb" "$ROOT/scripts/kernel-deb" --flavor x
# (and make adds its own line)
expect_fail "make kernel-deb KCONFIG= passes it on" "^kernel-deb: error: configuration file '$TMP/none' does not exist" \
	make -s -C "$ROOT" kernel-deb KCONFIG="$TMP/none"

# kconfig-check: every kind of line it must catch, and what it must pass.
printf '%s\n' 'CONFIG_A=y' 'CONFIG_B="x"' '# CONFIG_C is not set' '# a comment' >"$TMP/fragment"
printf '%s\n' 'CONFIG_A=y' 'CONFIG_B="x"' '# CONFIG_C is not set' >"$TMP/good"
"$ROOT/scripts/kconfig-check" "$TMP/fragment" "$TMP/good" >"$TMP/out" ||
	{ echo "FAIL kconfig-check refused a configuration that has it all:"; cat "$TMP/out"; exit 1; }
printf '%s\n' 'CONFIG_A=m' 'CONFIG_C=y' >"$TMP/bad"
rc=0
"$ROOT/scripts/kconfig-check" "$TMP/fragment" "$TMP/bad" >"$TMP/out" || rc=$?
want='config option CONFIG_A=y did not survive olddefconfig (got: CONFIG_A=m)
config option CONFIG_B="x" did not survive olddefconfig (got: absent)
config option CONFIG_C must be unset but is CONFIG_C=y'
[[ $rc -eq 1 && "$(cat "$TMP/out")" == "$want" ]] ||
	{ echo "FAIL kconfig-check on a bad configuration: exit $rc:"; cat "$TMP/out"; exit 1; }
echo "ok   kconfig-check: a changed value, an absent option, one that must be unset"

# The test kernel asks for everything khoscope needs of a host kernel.
"$ROOT/scripts/kconfig-check" "$ROOT/kernel/host.config" "$ROOT/kernel/khoscope.config" >"$TMP/out" ||
	{ echo "FAIL kernel/khoscope.config lacks options of kernel/host.config:"; cat "$TMP/out"; exit 1; }
echo "ok   kernel/khoscope.config has every option of kernel/host.config"
