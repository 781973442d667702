#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Packs a build of ddns-direct into a .deb for the Kea whose kea-dev it was compiled against, with
# Debian's own tools (dpkg-shlibdeps, dpkg-deb, lintian), and fails if lintian reports an error.
# `make deb` calls it:
#
#   bash etc/debian/build.sh OUT_DIR STAGE_DIR LIBRARY PROBE VERSION COMMIT
#
# The package is OUT_DIR/ddns-direct_VERSION+keaKEA_ARCH.deb: its version names the Kea it loads
# into, and it depends on exactly that kea-dhcp4-server (a hook loads only into the Kea it was built
# for), so apt holds Kea back rather than upgrade it under a library that would no longer load.
set -euo pipefail

OUT=$(realpath -m "${1:?out dir}")
STAGE=$(realpath -m "${2:?stage dir}")
LIBRARY=${3:?library}
PROBE=${4:?probe}
VERSION=${5:?version}
COMMIT=${6:-unknown}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)

die() { echo "etc/debian/build.sh: $*" >&2; exit 1; }

KEA=$(dpkg-query -W -f='${Version}' kea-dev 2>/dev/null) || die "kea-dev is not installed"
KEA_UPSTREAM=${KEA%-*}
KEA_UPSTREAM=${KEA_UPSTREAM#*:}
ARCH=$(dpkg --print-architecture)
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
PKG_VERSION=$VERSION+kea$KEA_UPSTREAM
DOC=usr/share/doc/ddns-direct

rm -rf "$STAGE"
mkdir -p "$STAGE/root/DEBIAN" "$STAGE/root/$DOC/examples" "$OUT"
R=$STAGE/root
install -D -m 0644 "$LIBRARY" "$R/usr/lib/$MULTIARCH/kea/hooks/libdhcp_ddns_direct.so"
install -D -m 0755 "$PROBE" "$R/usr/sbin/ddns-direct-probe"
# Debian ships binaries without their symbols (a -dbgsym package would hold them).
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$R/usr/lib/$MULTIARCH/kea/hooks/libdhcp_ddns_direct.so" "$R/usr/sbin/ddns-direct-probe"
install -D -m 0644 "$HERE/ddns-direct-probe.8" "$R/usr/share/man/man8/ddns-direct-probe.8"
gzip -9n "$R/usr/share/man/man8/ddns-direct-probe.8"
install -m 0644 "$HERE/copyright" "$R/$DOC/copyright"
install -m 0644 "$TOP/README.md" "$R/$DOC/README.md"
for f in "$TOP"/etc/*.json "$TOP"/etc/*.example; do
	install -m 0644 "$f" "$R/$DOC/examples/"
done
# A native package's changelog: one entry, for this build. Its date is the build's unless
# SOURCE_DATE_EPOCH fixes it (reproducible builds).
{
	echo "ddns-direct ($PKG_VERSION) unstable; urgency=medium"
	echo
	echo "  * Built from commit $COMMIT against Kea $KEA (kea-dev)."
	echo
	echo " -- $(sed -n 's/^Maintainer: //p' "$HERE/control")  $(date -R ${SOURCE_DATE_EPOCH:+-d @$SOURCE_DATE_EPOCH})"
} >"$R/$DOC/changelog"
# Policy 12.3 and 12.7: the changelog, and documentation over 4 KiB, compressed (examples are
# read as they are).
gzip -9n "$R/$DOC/changelog"
find "$R/$DOC" -maxdepth 1 -type f -size +4k ! -name copyright ! -name '*.gz' -exec gzip -9n {} +

# The libraries both binaries need, by the package names and versions of this release.
mkdir -p "$STAGE/shlibs/debian"
printf 'Source: ddns-direct\n\nPackage: ddns-direct\nArchitecture: any\n' >"$STAGE/shlibs/debian/control"
SHLIBS=$(cd "$STAGE/shlibs" && dpkg-shlibdeps -O \
	"$R/usr/lib/$MULTIARCH/kea/hooks/libdhcp_ddns_direct.so" "$R/usr/sbin/ddns-direct-probe" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$SHLIBS" ] || die "dpkg-shlibdeps found no dependencies"

SIZE=$(du -sk --exclude=DEBIAN "$R" | cut -f1)
sed -e "s|@VERSION@|$PKG_VERSION|" -e "s|@ARCH@|$ARCH|" -e "s|@SIZE@|$SIZE|" \
	-e "s|@KEA@|$KEA|g" -e "s|@SHLIBS@|$SHLIBS|" "$HERE/control" >"$R/DEBIAN/control"
install -m 0755 "$HERE/postrm" "$R/DEBIAN/postrm"
(cd "$R" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
	>"$R/DEBIAN/md5sums"
chmod 0644 "$R/DEBIAN/md5sums"

DEB=$OUT/ddns-direct_${PKG_VERSION}_$ARCH.deb
dpkg-deb --root-owner-group -Zxz --build "$R" "$DEB" >/dev/null
echo "built $DEB (for Kea $KEA)"
dpkg-deb --info "$DEB" | sed -n 's/^ \(Depends\|Breaks\):/  \1:/p'

# Errors fail the build; warnings and notes are shown.
lintian --fail-on error --tag-display-limit 0 "$DEB" || die "lintian reports errors for $DEB"
echo "lintian: no error for $DEB"
