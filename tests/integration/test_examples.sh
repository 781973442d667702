#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# The examples in etc/ must not rot: each Kea configuration (v4, v6, the v4 HA pair) passes
# `kea-dhcp4 -t` / `kea-dhcp6 -t` with Kea's hooks directory holding this build, the BIND example
# passes named-checkconf, and the plugin parameters of each Kea example pass the plugin's own
# validation (ddns-direct-probe reads them with --config).
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
ETC=$(realpath "$(dirname "$0")/../../etc")
# The examples name /etc/kea/ddns-key.key; give them one (mode 0600) in a private mount.
mkdir -p "$LAB_DIR/etc-kea"
{ echo 'key "ddns-key" {'; echo '	algorithm hmac-sha256;'; echo "	secret \"$(lab_tsig_secret)\";"; echo '};'; } >"$LAB_DIR/etc-kea/ddns-key.key"
chmod 600 "$LAB_DIR/etc-kea/ddns-key.key"
mkdir -p /etc/kea
mount --bind "$LAB_DIR/etc-kea" /etc/kea
# The examples' libraries come from Kea's hooks directory: here the lab's, which holds this build.
lab_hook "$LIB" >/dev/null
# Kea 3.0 wants its PostgreSQL library first where the lease database is PostgreSQL, as the HA
# example says.
PGSQL_HOOK=""
[ ! -e "$LAB_DIR/hooks/libdhcp_pgsql.so" ] || PGSQL_HOOK='{ "library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_pgsql.so" },'
for v in 4 6 4-ha; do
	# The lab namespace has no eth0: the examples are checked on lo, otherwise unchanged.
	sed -e "s#\"hooks-libraries\": \[#&$([ "$v" = 4-ha ] && echo "$PGSQL_HOOK")#" \
		-e "s#/usr/lib/x86_64-linux-gnu/kea/hooks/#$LAB_DIR/hooks/#" \
		-e 's#"eth0"#"lo"#' "$ETC/kea-dhcp$v.json" >"$LAB_DIR/kea$v.json"
	# Lease and log files where Kea keeps them by default, as in the examples.
	env -u KEA_DHCP_DATA_DIR -u KEA_LOG_FILE_DIR "kea-dhcp${v%-ha}" -t "$LAB_DIR/kea$v.json" >"$LAB_DIR/check$v.log" 2>&1 ||
		lab_fail "kea-dhcp${v%-ha} -t refused etc/kea-dhcp$v.json: $(tail -n 5 "$LAB_DIR/check$v.log")"
	# The probe validates the parameters exactly as load() does (exit 2 when it refuses them);
	# with a resolver that does not answer it then ends at discovery, or succeeds for a zone whose
	# servers the example pins.
	rc=0
	"$PROBE" host.corp.example --config "$LAB_DIR/kea$v.json" --resolver 127.0.0.1:1 >"$LAB_DIR/probe$v.log" 2>&1 || rc=$?
	[ $rc -le 1 ] && grep -qE '^(OK|FAILED at discovery)' "$LAB_DIR/probe$v.log" ||
		lab_fail "the parameters of etc/kea-dhcp$v.json were refused: $(cat "$LAB_DIR/probe$v.log")"
	lab_log "etc/kea-dhcp$v.json: accepted by kea-dhcp${v%-ha} -t and by the plugin's validation"
done
umount /etc/kea
sed 's#include "/etc/bind/ddns-key.key";#key "ddns-key" { algorithm hmac-sha256; secret "q1b6U3D8Dp1S1mS0C8Fq7fH8mq8yFf5v2jz7N3dQwXg="; };#' \
	"$ETC/named.conf.example" >"$LAB_DIR/named.conf"
named-checkconf "$LAB_DIR/named.conf" || lab_fail "etc/named.conf.example does not parse"
lab_log "PASS: the examples in etc/ are valid"
