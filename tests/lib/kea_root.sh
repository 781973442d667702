# SPDX-License-Identifier: MPL-2.0
# Runs a command against another Kea version: inside a Debian root of the release that ships it,
# built with debootstrap on first use and cached (a root takes minutes to build and its packages
# minutes to install; later runs reuse both). The work tree is copied in, the command runs at its
# top, and everything mounted for the run is unmounted after it, whatever its outcome.
#
#   bash tests/lib/kea_root.sh VERSION COMMAND...    VERSION: 2.6 (trixie) or 3.0 (forky)
#   bash tests/lib/kea_root.sh --remove VERSION      deletes that cached root
#
# KEA_ROOTS names the cache folder (default /var/cache/ddns-direct/roots). Needs root.

set -euo pipefail

ROOTS=${KEA_ROOTS:-/var/cache/ddns-direct/roots}
TOP=$(cd "$(dirname "$0")/../.." && pwd)

log() { printf '[kea-root] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

suite_of() {
	case "$1" in
	2.6) echo trixie ;;
	3.0) echo forky ;;
	*) die "unknown Kea version '$1' (roots exist for 2.6 and 3.0; 2.2 is this Debian 12 host)" ;;
	esac
}

# The host's mirror, so that a root reaches exactly what the host reaches.
mirror() {
	local uri
	uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$uri" ] || uri=$(awk '/^deb / && !/security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
	[ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
	echo "$uri"
}

build_root() {
	local suite=$1 root=$2 tmp=$2.partial script=""
	# Both roots are built at once (make kea-roots): one installs debootstrap, the other waits.
	(
		flock 9
		command -v debootstrap >/dev/null || {
			log "installing debootstrap"
			apt-get update -q &&
				DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
		}
	) 9>"$ROOTS/.debootstrap.lock" || die "cannot install debootstrap"
	# bookworm's debootstrap has no script for forky; sid's serves every newer suite.
	[ -e "/usr/share/debootstrap/scripts/$suite" ] || script=/usr/share/debootstrap/scripts/sid
	rm -rf "$tmp"
	log "building the $suite root in $root (debootstrap, a few minutes)"
	debootstrap --variant=minbase --include=make,ca-certificates "$suite" "$tmp" "$(mirror)" $script \
		>"$ROOTS/$suite.debootstrap.log" 2>&1 ||
		die "debootstrap $suite failed; see $ROOTS/$suite.debootstrap.log"
	# A testing suite's Release may be past its Valid-Until on the mirror.
	printf 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n' \
		>"$tmp/etc/apt/apt.conf.d/99ddns-direct"
	# Services that packages would start at install time must not start: the tests start their own.
	printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
	chmod 0755 "$tmp/usr/sbin/policy-rc.d"
	mv "$tmp" "$root"
}

MOUNTED=()
unmount_all() {
	local i
	for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
		umount -l "${MOUNTED[i]}" 2>/dev/null || true
	done
	MOUNTED=()
}

bind() {
	mount "$@"
	MOUNTED+=("${!#}")
}

RUN_ROOT=""
cleanup() {
	unmount_all
	[ -z "$RUN_ROOT" ] || rm -rf "$RUN_ROOT/src"
}

run_in_root() {
	local root=$1
	shift
	RUN_ROOT=$root
	trap cleanup EXIT
	# A stopped run (CI cut, ^C) unmounts too; one killed outright leaves mounts the next undoes.
	trap 'exit 130' INT TERM HUP
	{ findmnt -rn -o TARGET | grep -E "^$root(/|$)" || true; } | sort -r | xargs -r umount -l
	# unshare -m inside the root needs the root to be a mount point of its own.
	bind --bind "$root" "$root"
	mount --make-private "$root"
	bind -t proc proc "$root/proc"
	bind -t sysfs sysfs "$root/sys"
	bind --rbind /dev "$root/dev"
	mount --make-rslave "$root/dev"
	bind -t tmpfs tmpfs "$root/run"
	bind -t tmpfs -o mode=1777 tmpfs "$root/tmp"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	# The work tree as it is (tracked and new files), without build output.
	rm -rf "$root/src"
	mkdir -p "$root/src"
	(cd "$TOP" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -C "$root/src" -xf -
	# A clean environment, but for the knobs of the benchmark and the labs.
	local -a pass=()
	local name
	for name in $(compgen -e | grep -E "^(BENCH_|LAB_KEEP$)" || true); do
		pass+=("$name=${!name}")
	done
	chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 CI="${CI:-}" TERM="${TERM:-dumb}" "${pass[@]}" \
		bash -c 'cd /src && "$@"' run "$@"
}

main() {
	[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
	if [ "${1:-}" = --remove ]; then
		local suite
		suite=$(suite_of "${2:?version}")
		rm -rf "${ROOTS:?}/$suite" "$ROOTS/$suite.partial"
		exit 0
	fi
	local version=${1:?usage: kea_root.sh VERSION COMMAND...}
	shift
	[ $# -gt 0 ] || die "no command to run"
	local suite root
	suite=$(suite_of "$version")
	root=$ROOTS/$suite
	mkdir -p "$ROOTS"
	# One build per root at a time; a second caller waits for it.
	exec 9>"$ROOTS/$suite.lock"
	flock 9
	[ -d "$root" ] || build_root "$suite" "$root"
	log "Kea $version: running '$*' in the $suite root"
	run_in_root "$root" "$@"
}

main "$@"
