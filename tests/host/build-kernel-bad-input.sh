# SPDX-License-Identifier: GPL-2.0
# scripts/build-kernel stops, naming the culprit, when a patch does not
# apply, a listed patch is missing, or a config option does not survive.
. "$(dirname "$0")/lib.bash"

export KHOSCOPE_BUILD="$TMP/build"
mkdir -p "$TMP/patches"

# A config option whose dependency (EXT4_FS) tinyconfig leaves off.
printf '# khoscope test series\n' >"$TMP/patches/series"
cp "$ROOT/kernel/khoscope.config" "$TMP/frag.config"
echo CONFIG_EXT4_FS_POSIX_ACL=y >>"$TMP/frag.config"
expect_fail "config option lost" "CONFIG_EXT4_FS_POSIX_ACL=y did not survive" \
	env KHOSCOPE_PATCHES="$TMP/patches" KHOSCOPE_CONFIG="$TMP/frag.config" "$ROOT/scripts/build-kernel"

# A patch against a file that is not there.
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
	env KHOSCOPE_PATCHES="$TMP/patches" "$ROOT/scripts/build-kernel"

echo 0002-missing.patch >>"$TMP/patches/series"
expect_fail "patch missing" "'0002-missing.patch' listed in .* does not exist" \
	env KHOSCOPE_PATCHES="$TMP/patches" "$ROOT/scripts/build-kernel"
