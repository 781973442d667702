#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# The package on a fresh Debian: `make test-deb` runs this inside a throwaway minimal root of the
# package's release (tests/lib/kea_root.sh --fresh). apt installs the .deb with what it depends on
# from the mirror; the library must be in Kea's hooks directory and its example configuration pass
# `kea-dhcp4 -t`; the demo runs with kea-dhcp4 loading the library from the hooks directory (by file
# name where Kea takes one); `dpkg -r` must remove every file the package installed and keep the
# state directory, `dpkg --purge` remove that too.
#
#   bash tests/integration/deb_install.sh build/deb/ddns-direct_VERSION+keaKEA_ARCH.deb
set -euo pipefail

DEB=$(realpath "${1:?usage: deb_install.sh PACKAGE.deb}")
TOP=$(cd "$(dirname "$0")/../.." && pwd)
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

export DEBIAN_FRONTEND=noninteractive
log "installing $(basename "$DEB") on a fresh Debian $(cat /etc/debian_version)"
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "$DEB" >/tmp/apt.log 2>&1 ||
	fail "apt-get could not install the package: $(tail -n 20 /tmp/apt.log)"
dpkg-query -W -f='${Status}\n' ddns-direct | grep -q 'install ok installed' || fail "not installed"
log "installed with Kea $(kea-dhcp4 -v): $(dpkg-query -W -f='${Depends}' ddns-direct)"

HOOKS=$(ls -d /usr/lib/*/kea/hooks)
[ -f "$HOOKS/libdhcp_ddns_direct.so" ] || fail "no libdhcp_ddns_direct.so in $HOOKS"
command -v ddns-direct-probe >/dev/null || fail "no ddns-direct-probe on PATH"
ddns-direct-probe --help >/dev/null 2>&1 || fail "ddns-direct-probe does not run"
EXAMPLES=/usr/share/doc/ddns-direct/examples
[ -f "$EXAMPLES/kea-dhcp4.json" ] || fail "no examples in $EXAMPLES"
INSTALLED=$(dpkg -L ddns-direct)

# The example names /etc/kea/ddns-key.key; this root has no eth0 of its own to promise.
(umask 077 && printf 'key "ddns-key" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
	"$(head -c 32 /dev/urandom | base64)" >/etc/kea/ddns-key.key)
sed 's#"eth0"#"lo"#' "$EXAMPLES/kea-dhcp4.json" >/tmp/kea-dhcp4.json
kea-dhcp4 -t /tmp/kea-dhcp4.json >/tmp/check.log 2>&1 ||
	fail "kea-dhcp4 -t refused the packaged example: $(tail -n 5 /tmp/check.log)"
log "kea-dhcp4 -t accepts $EXAMPLES/kea-dhcp4.json with the installed library"

# The demo needs a DNS server, perfdhcp and its tools beside Kea.
apt-get install -y -q --no-install-recommends bind9 bind9-dnsutils kea-admin iproute2 util-linux \
	>/tmp/apt.log 2>&1 || fail "apt-get could not install the demo's servers: $(tail -n 20 /tmp/apt.log)"
LAB_SYSTEM_HOOKS=1 bash "$TOP/tests/demo/demo.sh" libdhcp_ddns_direct.so >/tmp/demo.log 2>&1 ||
	fail "the demo failed with the installed library: $(tail -n 40 /tmp/demo.log)"
grep -q 'DDNS_DIRECT_UPDATE_SUCCESS remove' /tmp/demo.log || fail "the demo removed nothing"
log "the demo published and removed its records with $HOOKS/libdhcp_ddns_direct.so"

# What load() keeps between runs stays through a removal, for a reinstall to carry on.
mkdir -p /var/lib/kea/ddns-direct
touch /var/lib/kea/ddns-direct/kept
dpkg -r ddns-direct >/tmp/remove.log 2>&1 || fail "dpkg -r failed: $(cat /tmp/remove.log)"
left=""
while IFS= read -r path; do
	if [ -d "$path" ] && [ ! -L "$path" ]; then
		# A directory stays only while another package (or another file) still needs it.
		dpkg -S "$path" >/dev/null 2>&1 || [ -n "$(ls -A "$path")" ] || left="$left $path"
	elif [ -e "$path" ] || [ -L "$path" ]; then
		left="$left $path"
	fi
done <<<"$INSTALLED"
[ -z "$left" ] || fail "dpkg -r left what the package installed:$left"
[ -e /var/lib/kea/ddns-direct/kept ] || fail "dpkg -r removed the state directory"
dpkg --purge ddns-direct >/tmp/remove.log 2>&1 || fail "dpkg --purge failed: $(cat /tmp/remove.log)"
[ ! -e /var/lib/kea/ddns-direct ] || fail "dpkg --purge kept /var/lib/kea/ddns-direct"
log "PASS: $(basename "$DEB"): installed, loaded from $HOOKS, the demo ran, removed ($(wc -l <<<"$INSTALLED") paths) and purged"
