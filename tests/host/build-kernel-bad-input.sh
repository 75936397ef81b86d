# SPDX-License-Identifier: GPL-2.0
# scripts/build-kernel stops, naming the culprit, when a patch does not
# apply, a listed patch is missing, or a config option does not survive.
. "$(dirname "$0")/lib.bash"

mkdir -p "$TMP/patches"

# A config option whose dependency (BTRFS_FS) the configuration leaves off,
# on the patched source make kernel prepared: linked, not copied (the same
# series gives the same stamp, so build-kernel takes it as it is), and
# configured in a build directory of the test's own.
[[ -f "$ROOT/build/kernel/.src-stamp" && -f "$ROOT/build/kernel/src/Makefile" ]] ||
	{ echo "FAIL no patched source in build/kernel: run make kernel"; exit 1; }
mkdir -p "$TMP/build/kernel"
ln -s "$ROOT/build/kernel/src" "$TMP/build/kernel/src"
cp "$ROOT/build/kernel/.src-stamp" "$TMP/build/kernel/"
cp "$ROOT/kernel/khoscope.config" "$TMP/frag.config"
echo CONFIG_BTRFS_FS_POSIX_ACL=y >>"$TMP/frag.config"
expect_fail "config option lost" "CONFIG_BTRFS_FS_POSIX_ACL=y did not survive" \
	env KHOSCOPE_BUILD="$TMP/build" KHOSCOPE_CONFIG="$TMP/frag.config" "$ROOT/scripts/build-kernel"

# A patch against a file that is not there, on a tree of two files given as
# the source (KHOSCOPE_KERNEL_SRC), in another build directory.
export KHOSCOPE_BUILD="$TMP/build2"
mkdir -p "$TMP/fake/kernel/liveupdate"
echo 'all:' >"$TMP/fake/Makefile"
printf '%s\n' 'the first line' 'the second line' 'the third line' >"$TMP/fake/kernel/liveupdate/kexec_handover.c"
printf '# khoscope test series\n' >"$TMP/patches/series"
cat >"$TMP/patches/0001-broken.patch" <<'PATCH'
--- a/kernel/liveupdate/kexec_handover.c
+++ b/kernel/liveupdate/kexec_handover.c
@@ -1,3 +1,3 @@
-this line is not in the file
+so the patch cannot apply
 nor is this one
 or this one
PATCH
echo 0001-broken.patch >>"$TMP/patches/series"
expect_fail "patch does not apply" "patch 0001-broken.patch does not apply" \
	env KHOSCOPE_KERNEL_SRC="$TMP/fake" KHOSCOPE_PATCHES="$TMP/patches" "$ROOT/scripts/build-kernel"

echo 0002-missing.patch >>"$TMP/patches/series"
expect_fail "patch missing" "'0002-missing.patch' listed in .* does not exist" \
	env KHOSCOPE_PATCHES="$TMP/patches" "$ROOT/scripts/build-kernel"
