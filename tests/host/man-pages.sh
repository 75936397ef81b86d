# SPDX-License-Identifier: GPL-2.0
# The man pages khoscope ships (user/man): they format without a warning
# (man --warnings), lexgrog finds their NAME, they have EXAMPLES and FILES,
# they name the Makefile's version, and they document every long option
# that --help lists.
. "$(dirname "$0")/lib.bash"

version=$(sed -n 's/^VERSION[[:space:]]*:= *//p' "$ROOT/Makefile")
[[ -n "$version" ]] || { echo "FAIL no VERSION in the Makefile"; exit 1; }
for page in "$ROOT/user/man/khoscope.8" "$ROOT/user/man/khoscope-plan.1"; do
	name=$(basename "$page")
	tool=${name%.*}
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" >"$TMP/out" 2>"$TMP/warn"
	[[ ! -s "$TMP/warn" ]] || { echo "FAIL $name: man --warnings:"; cat "$TMP/warn"; exit 1; }
	lexgrog "$page" | grep -q "\"$tool - " || { echo "FAIL $name: lexgrog finds no NAME"; exit 1; }
	for section in SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
		grep -qx "$section" "$TMP/out" || { echo "FAIL $name: no $section section"; exit 1; }
	done
	grep -q "^\.TH .* \"khoscope $version\" " "$page" ||
		{ echo "FAIL $name: .TH does not name version $version"; exit 1; }
	# Every long option of --help, in the formatted page.
	"$ROOT/build/user/$tool" --help |
		grep -oE -- '--[a-z][a-z-]+' | sort -u | grep -vx -- '--usage' >"$TMP/options"
	while read -r opt; do
		grep -qF -- "$opt" "$TMP/out" || { echo "FAIL $name: $opt is not documented"; exit 1; }
	done <"$TMP/options"
	echo "ok   $name: no warning, NAME, sections, version $version, $(wc -l <"$TMP/options") options"
done
