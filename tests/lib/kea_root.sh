# SPDX-License-Identifier: MPL-2.0
# Runs a command against another Kea version: inside a Debian root of the release that ships it,
# built with debootstrap on first use and cached (a root takes minutes to build and its packages
# minutes to install; later runs reuse both). The work tree is copied in, the command runs at its
# top, and everything mounted for the run is unmounted after it, whatever its outcome.
#
#   bash tests/lib/kea_root.sh VERSION COMMAND...    VERSION: 2.6 (trixie) or 3.0 (forky)
#   bash tests/lib/kea_root.sh --fresh VERSION COMMAND...
#                                        in a throwaway copy of a minimal root of the release that
#                                        ships VERSION (2.2: bookworm too), nothing installed beyond
#                                        debootstrap's minbase: how a package meets a fresh machine
#   bash tests/lib/kea_root.sh --remove VERSION      deletes that cached root
#
# KEA_ROOTS names the cache folder (default /var/cache/ddns-direct/roots). KEA_ROOT_SHARE names a
# folder of the work tree (build/deb) that the root sees as the same folder of its copy, read and
# written in place: how packages built in one root reach the host and another root. Needs root.

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

fresh_suite_of() {
	case "$1" in
	2.2) echo bookworm ;;
	*) suite_of "$1" ;;
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

# build_root SUITE ROOT [PACKAGES]: debootstrap's minbase of SUITE, with PACKAGES (comma-separated).
build_root() {
	local suite=$1 root=$2 include=${3:-} tmp=$2.partial script=""
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
	debootstrap --variant=minbase ${include:+--include=$include} "$suite" "$tmp" "$(mirror)" $script \
		>"$root.debootstrap.log" 2>&1 ||
		die "debootstrap $suite failed; see $root.debootstrap.log"
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
SCRATCH=""
cleanup() {
	unmount_all
	[ -z "$RUN_ROOT" ] || rm -rf "$RUN_ROOT/src"
	[ -z "$SCRATCH" ] || rm -rf --one-file-system "$SCRATCH"
}

run_in_root() {
	local root=$1
	shift
	RUN_ROOT=$root
	trap cleanup EXIT
	# A stopped run (CI cut, ^C) unmounts too.
	trap 'exit 130' INT TERM HUP
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
	if [ -n "${KEA_ROOT_SHARE:-}" ]; then
		mkdir -p "$TOP/$KEA_ROOT_SHARE" "$root/src/$KEA_ROOT_SHARE"
		bind --bind "$TOP/$KEA_ROOT_SHARE" "$root/src/$KEA_ROOT_SHARE"
	fi
	# A clean environment, but for the knobs of the benchmark and the labs.
	local -a pass=()
	local name
	for name in $(compgen -e | grep -E "^(BENCH_|SOAK_|LAB_KEEP$)" || true); do
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
	if [ "${1:-}" = --fresh ]; then
		shift
		run_fresh "$@"
		exit
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
	[ -d "$root" ] || build_root "$suite" "$root" make,ca-certificates
	log "Kea $version: running '$*' in the $suite root"
	# A run killed outright left its mounts: undone before this one's.
	{ findmnt -rn -o TARGET | grep -E "^$root(/|$)" || true; } | sort -r | xargs -r umount -l
	run_in_root "$root" "$@"
}

# The pristine root is never written: each run sees it through an overlay whose upper layer is
# thrown away. Only downloaded packages are kept between runs (the mirror is the slow part).
run_fresh() {
	local version=${1:?usage: kea_root.sh --fresh VERSION COMMAND...}
	shift
	[ $# -gt 0 ] || die "no command to run"
	local suite pristine
	suite=$(fresh_suite_of "$version")
	pristine=$ROOTS/fresh-$suite
	mkdir -p "$ROOTS"
	(
		flock 9
		[ -d "$pristine" ] || build_root "$suite" "$pristine"
	) 9>"$ROOTS/fresh-$suite.lock" || die "cannot build the fresh $suite root"
	SCRATCH=$(mktemp -d "$ROOTS/fresh-$suite.run.XXXXXX")
	trap cleanup EXIT
	mkdir -p "$SCRATCH/upper" "$SCRATCH/work" "$SCRATCH/root" "$ROOTS/apt-archives-$suite/partial"
	bind -t overlay overlay -o "lowerdir=$pristine,upperdir=$SCRATCH/upper,workdir=$SCRATCH/work" \
		"$SCRATCH/root"
	bind --bind "$ROOTS/apt-archives-$suite" "$SCRATCH/root/var/cache/apt/archives"
	log "Kea $version: running '$*' in a fresh $suite root"
	run_in_root "$SCRATCH/root" "$@"
}

main "$@"
