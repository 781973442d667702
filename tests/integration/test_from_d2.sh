#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Moving from D2: a D2 configuration for the lab's zones (its key inline, comments, settings
# ddns-direct has no use for) goes through `ddns-direct-probe --from-d2 --pin --secrets-dir`; the
# parameters it prints, with only the lab's resolver and state-dir added, load in kea-dhcp4 and
# publish every lease's A, PTR and DHCID, signed with D2's key. The secret is never printed, and
# every D2 setting left behind is named in a warning.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
CLIENTS=50

lab_addr 127.0.0.2
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 127.0.0.2 "$SECRET"

cat >"$LAB_DIR/kea-dhcp-ddns.conf" <<CONF
// The lab's D2, as an operator would have written it.
{ "DhcpDdns": {
    "ip-address": "127.0.0.1", "port": 53001, "dns-server-timeout": 500,
    "ncr-protocol": "UDP", "ncr-format": "JSON",
    "tsig-keys": [ { "name": "ddns-key", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
    "forward-ddns": { "ddns-domains": [ { "name": "corp.example.", "key-name": "ddns-key",
        "dns-servers": [ { "ip-address": "127.0.0.2", "port": 53 } ] } ] },
    /* reverse zone of the lab's pool */
    "reverse-ddns": { "ddns-domains": [ { "name": "1.10.in-addr.arpa.", "key-name": "ddns-key",
        "dns-servers": [ { "ip-address": "127.0.0.2" } ] } ] },
    "loggers": [ { "name": "kea-dhcp-ddns", "severity": "INFO" } ]
} }
CONF
mkdir -m 0700 "$LAB_DIR/keys"
"$PROBE" --from-d2 "$LAB_DIR/kea-dhcp-ddns.conf" --pin --secrets-dir "$LAB_DIR/keys" \
	>"$LAB_DIR/entry.json" 2>"$LAB_DIR/warnings.txt" ||
	lab_fail "the conversion failed: $(cat "$LAB_DIR/warnings.txt")"
if grep -q "$SECRET" "$LAB_DIR/entry.json" "$LAB_DIR/warnings.txt"; then
	lab_fail "the secret was printed"
fi
[ "$(stat -c %a "$LAB_DIR/keys/ddns-key.key")" = 600 ] || lab_fail "the key file is not mode 0600"
for setting in ip-address port dns-server-timeout ncr-protocol ncr-format loggers; do
	grep -q "\"$setting\" is not carried over" "$LAB_DIR/warnings.txt" ||
		lab_fail "no warning names $setting: $(cat "$LAB_DIR/warnings.txt")"
done
lab_log "converted: $(tr -d '\n' <"$LAB_DIR/entry.json" | tr -s ' ')"

params=$(python3 -c '
import json, sys
entry = json.load(open(sys.argv[1]))
params = entry["parameters"]
params["resolvers"] = ["127.0.0.2"]
params["state-dir"] = sys.argv[2]
print(json.dumps(params))' "$LAB_DIR/entry.json" "$LAB_DIR/state")
kea4_config "$LAB_DIR/kea.json" "$LIB" "$params"
d2_listener
kea4_start kea4 "$LAB_DIR/kea.json"

perfdhcp_run $CLIENTS 50
active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt"
leases=$(wc -l <"$LAB_DIR/leases.txt")
[ "$leases" -ge 40 ] || lab_fail "only $leases leases granted"
lab_wait 30 zone_vs_leases 127.0.0.2 corp.example 1.10.in-addr.arpa "$LAB_DIR/leases.txt" ||
	lab_fail "zone does not match the leases: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
dhcids=$(count_type 127.0.0.2 corp.example DHCID)
[ "$dhcids" -eq "$leases" ] || lab_fail "corp.example has $dhcids DHCID records for $leases leases"
if grep -q NCR "$LAB_DIR/d2-listener.log"; then lab_fail "Kea sent requests to D2"; fi
lab_log "PASS: a D2 configuration converted; the entry loads in Kea and published $leases leases with D2's key"
