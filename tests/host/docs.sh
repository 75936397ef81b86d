# SPDX-License-Identifier: GPL-2.0
# The docs: scripts/docs-figures regenerates, from docs/bench into a copy
# of the tree, exactly the committed tables (README.md, docs/performance.md)
# and plots (docs/*.svg), so no figure drifts from its data; the README is
# a guide of at most 400 lines with its eleven sections in order; every
# relative link of README.md and docs/*.md leads to a file, and a
# #fragment to a heading of it; the README's count of patches is the
# series'; the README names no package registry host.
. "$(dirname "$0")/lib.bash"

command -v gnuplot >/dev/null || { echo "FAIL gnuplot is missing: run scripts/setup"; exit 1; }

# Regenerate into a copy: nothing may differ from what is committed.
mkdir -p "$TMP/tree/docs"
cp "$ROOT/README.md" "$TMP/tree/"
cp -r "$ROOT/docs/." "$TMP/tree/docs/"
if ! "$ROOT/scripts/docs-figures" --root "$TMP/tree" >"$TMP/gen.out" 2>&1; then
	echo "FAIL scripts/docs-figures failed:"; cat "$TMP/gen.out"; exit 1
fi
if ! diff -ru "$ROOT/README.md" "$TMP/tree/README.md" >"$TMP/diff" ||
   ! diff -ru "$ROOT/docs" "$TMP/tree/docs" >>"$TMP/diff"; then
	echo "FAIL the docs' figures differ from what docs/bench gives (run scripts/docs-figures):"
	head -n 40 "$TMP/diff"; exit 1
fi
echo "ok   README.md, docs/performance.md and docs/*.svg are what scripts/docs-figures makes of docs/bench"

# A wrong BENCHDIR is one line, and changes nothing.
expect_fail "docs-figures with a BENCHDIR without the JSON" "does not exist: run make bench first" \
	"$ROOT/scripts/docs-figures" --root "$TMP/tree" "$TMP/nowhere"

lines=$(wc -l <"$ROOT/README.md")
((lines <= 400)) || { echo "FAIL README.md has $lines lines, more than 400"; exit 1; }
echo "ok   README.md has $lines lines (at most 400)"

python3 - "$ROOT" <<'EOF' || exit 1
import glob, os, re, sys

root = sys.argv[1]
SECTIONS = ["What khoscope is", "Scope and requirements", "Try it in QEMU",
	    "Install on a host", "Usage examples", "Reading the output", "Dashboards",
	    "Planning", "Overhead", "Troubleshooting", "Development and tests"]
# Hosts of package registries: the project reads the machine's own Debian
# sources and names no archive (DESIGN.md).
REGISTRIES = ["debian.org", "ubuntu.com", "pypi.org", "pythonhosted.org", "npmjs.org",
	      "npmjs.com", "crates.io", "golang.org", "proxy.golang", "docker.io",
	      "docker.com", "ghcr.io", "quay.io", "rubygems.org", "maven.org",
	      "fedoraproject.org", "snapcraft.io", "launchpad.net"]


def fail(msg):
	print(f"FAIL {msg}")
	sys.exit(1)


def prose(path):
	"""The file's lines outside fenced code blocks, with their numbers."""
	fenced = False
	for n, line in enumerate(open(path, encoding="utf-8"), 1):
		if line.startswith("```"):
			fenced = not fenced
			continue
		if not fenced:
			yield n, line.rstrip("\n")


def anchors(path):
	"""GitHub's ids of a Markdown file's headings."""
	ids = set()
	for _, line in prose(path):
		m = re.match(r"#{1,6} (.*)", line)
		if m:
			text = m.group(1).strip().lower()
			ids.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
	return ids


readme = os.path.join(root, "README.md")
heads = [line[3:] for _, line in prose(readme) if line.startswith("## ")]
if len(heads) != len(SECTIONS) or not all(h.startswith(s) for h, s in zip(heads, SECTIONS)):
	fail("README.md's sections are not, in order: " + "; ".join(SECTIONS) +
	     "\n     they are: " + "; ".join(heads))
print(f"ok   README.md has its {len(SECTIONS)} sections in order")

links = 0
for path in [readme] + sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
	rel = os.path.relpath(path, root)
	for n, line in prose(path):
		for target in re.findall(r"\]\(([^)\s]+)\)", line):
			if re.match(r"[a-z]+:", target):
				continue
			file, _, frag = target.partition("#")
			dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
			if not os.path.exists(dest):
				fail(f"{rel}:{n}: link to {target}: no such file")
			if frag and dest.endswith(".md") and frag not in anchors(dest):
				fail(f"{rel}:{n}: link to {target}: no such heading in {os.path.relpath(dest, root)}")
			links += 1
print(f"ok   every relative link of README.md and docs/*.md resolves ({links} links)")

# The number of patches, said twice, is the series' own count.
series = [l.split("#")[0].strip() for l in open(os.path.join(root, "kernel/patches/series"))]
npatches = sum(1 for l in series if l)
said = re.findall(r"with the (\d+) patches|\+khoscope(\d+)", open(readme, encoding="utf-8").read())
said = [int(a or b) for a, b in said]
if not said or any(n != npatches for n in said):
	fail(f"README.md gives {said} as the number of patches; kernel/patches/series has {npatches}")
print(f"ok   README.md's number of patches is the series' ({npatches})")

text = open(readme, encoding="utf-8").read().lower()
named = [h for h in REGISTRIES if h in text]
if named:
	fail("README.md names package registry hosts: " + ", ".join(named))
print("ok   README.md names no package registry host")
EOF
