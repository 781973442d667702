#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Kea's own per-client DDNS settings and its second look at a client's name, against a real named.
#
# A shared network whose first subnet has five addresses: most clients are moved to the second
# subnet after allocation, where Kea processes the name again (and, on 3.0, again for a pool with
# DDNS settings) and copies its answer onto the lease, from which it would queue requests for D2.
# Every lease must still be published, no request may reach a D2 listener, and Kea must not
# suspend DDNS (which it does server-wide when sending to D2 fails: later leases would go
# unpublished).
#
# 2.6 and later: the first subnet sets ddns-ttl-percent and ddns-conflict-resolution-mode
# (no-check-without-dhcid), the second sets nothing: its names get the plugin's ttl-percent and a
# DHCID, the first subnet's get Kea's TTL and none. 3.0: a pool of the second subnet sets ddns-ttl,
# which wins there.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
NS=127.0.0.2
LIFETIME=4000

lab_addr $NS
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 $NS "$SECRET"
# The plugin's own rule: a tenth of the lifetime.
PARAMS=$(ddns_lab_params $NS "$SECRET" | sed 's/^{ /{ "ttl-percent": 0.1, /')
SUBNET1_DDNS="" POOL_DDNS=""
if kea_at_least 2.6; then
	SUBNET1_DDNS='"ddns-ttl-percent": 0.5, "ddns-conflict-resolution-mode": "no-check-without-dhcid",'
fi
if kea_at_least 3.0; then
	POOL_DDNS=', "ddns-ttl": 1234'
fi
cat >"$LAB_DIR/kea.json" <<CONF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "lo" ], "dhcp-socket-type": "udp" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$LAB_DIR/leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": $LIFETIME,
    "dhcp-ddns": { "enable-updates": true },
    "ddns-qualifying-suffix": "corp.example.", "ddns-replace-client-name": "always",
    "ddns-generated-prefix": "host",
    "shared-networks": [ { "name": "lab", "relay": { "ip-addresses": [ "127.0.0.1" ] },
      "subnet4": [
        { "id": 1, "subnet": "10.1.0.0/24", $SUBNET1_DDNS
          "pools": [ { "pool": "10.1.0.10 - 10.1.0.14" } ] },
        { "id": 2, "subnet": "10.1.1.0/24",
          "pools": [ { "pool": "10.1.1.10 - 10.1.1.99" $POOL_DDNS },
                     { "pool": "10.1.1.100 - 10.1.1.250" } ] } ] } ],
    "hooks-libraries": [ { "library": "$(lab_hook "$LIB")", "parameters": $PARAMS } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "INFO",
                   "output_options": [ { "output": "stdout", "flush": true } ] } ]
} }
CONF
d2_listener
kea4_start kea4 "$LAB_DIR/kea.json"

lab_log "Kea $KEA_VERSION: leasing 120 addresses in two rounds"
perfdhcp_run 60 30 -b mac=00:0c:01:00:00:00
perfdhcp_run 60 30 -b mac=00:0c:02:00:00:00
active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt"
leases=$(wc -l <"$LAB_DIR/leases.txt")
moved=$(grep -c '^10\.1\.1\.' "$LAB_DIR/leases.txt" || true)
[ "$leases" -ge 100 ] && [ "$moved" -ge 90 ] ||
	lab_fail "$leases leases, $moved in the second subnet; perfdhcp: $(tail -n 20 "$LAB_DIR/perfdhcp.log")"
lab_wait 30 zone_vs_leases $NS corp.example 1.10.in-addr.arpa "$LAB_DIR/leases.txt" ||
	lab_fail "zone does not match the leases: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
if grep -q NCR "$LAB_DIR/d2-listener.log"; then lab_fail "Kea sent requests to D2: $(head -n 3 "$LAB_DIR/d2-listener.log")"; fi
if grep -qE 'DHCPSRV_DHCP_DDNS_SUSPEND|DHCP_DDNS_NCR_REJECTED|DDNS_DIRECT_CALLOUT_ERROR' "$LAB_DIR/kea4.log"; then
	lab_fail "Kea suspended DDNS or a callout failed: $(grep -E 'SUSPEND|REJECTED|CALLOUT_ERROR' "$LAB_DIR/kea4.log" | head -n 3)"
fi
lab_log "$leases leases ($moved moved to the second subnet) published, nothing sent to D2"

# ttl_of ADDRESS: the TTL of the A record of the lease at ADDRESS.
ttl_of() { dig @$NS +noall +answer "$(awk -v a="$1" '$1 == a { print $2 }' "$LAB_DIR/leases.txt")" A | awk '{ print $2 }'; }
# expect_ttl ADDRESS TTL WHAT
expect_ttl() {
	local got
	got=$(ttl_of "$1")
	[ "$got" = "$2" ] || lab_fail "$3: TTL of $1's A is '$got', want $2"
}
first_in() { grep -m1 "^$1" "$LAB_DIR/leases.txt" | awk '{ print $1 }'; }
has_dhcid() { [ -n "$(dig @$NS +short "$(awk -v a="$1" '$1 == a { print $2 }' "$LAB_DIR/leases.txt")" DHCID)" ]; }

sub1=$(first_in '10\.1\.0\.') plain=$(first_in '10\.1\.1\.1[0-9][0-9] ')
pooled=$(grep -m1 -E '^10\.1\.1\.[1-9][0-9]? ' "$LAB_DIR/leases.txt" | awk '{ print $1 }')
[ -n "$sub1" ] && [ -n "$plain" ] || lab_fail "no lease in the first subnet or the second pool"
expect_ttl "$plain" $((LIFETIME / 10)) "no Kea setting: the plugin's ttl-percent"
has_dhcid "$plain" || lab_fail "$plain: no DHCID under the plugin's check-with-dhcid"
if kea_at_least 2.6; then
	expect_ttl "$sub1" $((LIFETIME / 2)) "the subnet's ddns-ttl-percent"
	! has_dhcid "$sub1" || lab_fail "$sub1: a DHCID although the subnet says no-check-without-dhcid"
else
	expect_ttl "$sub1" $((LIFETIME / 10)) "Kea 2.2: the plugin's ttl-percent"
fi
if kea_at_least 3.0; then
	[ -n "$pooled" ] || lab_fail "no lease in the pool with ddns-ttl"
	expect_ttl "$pooled" 1234 "the pool's ddns-ttl"
fi
lab_log "PASS: Kea $KEA_VERSION: every lease published after Kea's second look, Kea's settings in force per subnet and pool"
