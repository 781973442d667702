#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Moving from D2: a D2 configuration for the lab's zones (its key inline, comments, settings
# ddns-direct has no use for) goes through `ddns-direct-probe --from-d2 --pin --secrets-dir`; the
# parameters it prints, with only the lab's resolver and state-dir added, load in kea-dhcp4 and
# publish every lease's A, PTR and DHCID, signed with D2's key. The secret is never printed, and
# every D2 setting left behind is named in a warning. --check runs discovery for each D2 domain and
# flags what D2 gets wrong: a server that is not the zone's, a primary D2 does not list, a domain
# that is not a zone of its own, and (given the DHCP server's configuration) a pool no reverse
# domain covers; --dhcp-config also prints the DHCP server's changes above the entry.
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

# The DHCP server before the move: D2's address in dhcp-ddns, no lease_cmds, and a second pool
# that no D2 reverse domain covers.
cat >"$LAB_DIR/kea-before.json" <<CONF
{ "Dhcp4": {
    "dhcp-ddns": { "enable-updates": true, "server-ip": "127.0.0.1", "server-port": 53001 },
    "subnet4": [ { "id": 1, "subnet": "10.1.0.0/16", "pools": [ { "pool": "10.1.0.10 - 10.1.255.250" } ] } ],
    "shared-networks": [ { "name": "lab2", "subnet4": [ { "id": 2, "subnet": "10.2.0.0/24",
        "pools": [ { "pool": "10.2.0.0/25" } ] } ] } ] } }
CONF
mkdir -m 0700 "$LAB_DIR/keys2"
"$PROBE" --from-d2 "$LAB_DIR/kea-dhcp-ddns.conf" --pin --secrets-dir "$LAB_DIR/keys2" \
	--dhcp-config "$LAB_DIR/kea-before.json" >"$LAB_DIR/entry2.json" 2>/dev/null ||
	lab_fail "the conversion with --dhcp-config failed"
for change in "add libdhcp_lease_cmds.so before it" 'keep "enable-updates": true' \
	'"server-ip" is about D2' "stop and disable kea-dhcp-ddns"; do
	grep -q "^// .*$change" "$LAB_DIR/entry2.json" || lab_fail "--dhcp-config does not say '$change': $(cat "$LAB_DIR/entry2.json")"
done
diff <(grep -v '^//' "$LAB_DIR/entry2.json" | sed 's/keys2/keys/') "$LAB_DIR/entry.json" >/dev/null ||
	lab_fail "the entry under the comments differs from the one without --dhcp-config"

# --check: D2's listing of the lab, right, then wrong in three ways.
rc=0
"$PROBE" --from-d2 "$LAB_DIR/kea-dhcp-ddns.conf" --check --resolver 127.0.0.2 \
	>"$LAB_DIR/check.txt" 2>&1 || rc=$?
[ $rc -eq 0 ] && grep -q "^0 disagreements" "$LAB_DIR/check.txt" ||
	lab_fail "--check of a right D2 listing: status $rc: $(cat "$LAB_DIR/check.txt")"
cat >"$LAB_DIR/wrong.conf" <<CONF
{ "DhcpDdns": {
    "forward-ddns": { "ddns-domains": [
        { "name": "corp.example.", "dns-servers": [ { "ip-address": "127.0.0.2" } ] },
        { "name": "sub.corp.example.", "dns-servers": [ { "ip-address": "127.0.0.2" } ] } ] },
    "reverse-ddns": { "ddns-domains": [
        { "name": "1.10.in-addr.arpa.", "dns-servers": [ { "ip-address": "127.0.0.9" } ] } ] } } }
CONF
rc=0
"$PROBE" --from-d2 "$LAB_DIR/wrong.conf" --check --resolver 127.0.0.2 \
	--dhcp-config "$LAB_DIR/kea-before.json" >"$LAB_DIR/check.txt" 2>&1 || rc=$?
for flagged in "sub.corp.example. is not a zone of its own: its names belong to zone corp.example. (D2 names the domain" \
	"D2 sends to 127.0.0.9, which is neither the primary of 1.10.in-addr.arpa." \
	"the primary ns1.corp.example. (127.0.0.2) is not among D2's servers" \
	"pool 10.2.0.0/25: no D2 reverse domain covers 0.0.2.10.in-addr.arpa." \
	"^4 disagreements"; do
	grep -q "$flagged" "$LAB_DIR/check.txt" || lab_fail "--check does not say '$flagged': $(cat "$LAB_DIR/check.txt")"
done
[ $rc -eq 1 ] || lab_fail "--check with disagreements exited $rc"
cat "$LAB_DIR/check.txt"
lab_log "--check: $(grep -c MISMATCH "$LAB_DIR/check.txt") disagreements flagged in the wrong listing, none in the right one"

kea4_config "$LAB_DIR/kea.json" "$LIB" "$(converted_params "$LAB_DIR/entry.json" 127.0.0.2 "$LAB_DIR/state")"
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
