#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Moving from D2 with a key per domain, for DHCPv6: D2's keys come from an included file, one
# read from a secret-file, one inline with another algorithm; the forward zone accepts only the
# first key and the ip6.arpa zone only the second. `ddns-direct-probe --from-d2 --secrets-dir`
# (no --pin: discovery finds the servers) must keep each domain's key; --check agrees with D2's
# listing; the parameters it prints load in kea-dhcp6 and publish every lease's AAAA, PTR and
# DHCID, each zone signed with its own key. No secret is printed.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
REV=0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa
CLIENTS=50

lab_addr 127.0.0.2
FWD_SECRET=$(lab_tsig_secret)
REV_SECRET=$(head -c 64 /dev/urandom | base64 -w0)
mkdir -p "$LAB_DIR/ns1"
zone_file "$LAB_DIR/ns1/corp.example.db" corp.example. ns1.corp.example. 127.0.0.2
zone_file "$LAB_DIR/ns1/$REV.db" "$REV." ns1.corp.example.
named_start ns1 127.0.0.2 "
key \"fwd-key\" { algorithm hmac-sha256; secret \"$FWD_SECRET\"; };
key \"rev-key\" { algorithm hmac-sha512; secret \"$REV_SECRET\"; };
zone \"corp.example\" { type primary; file \"corp.example.db\"; allow-update { key fwd-key; }; };
zone \"$REV\" { type primary; file \"$REV.db\"; allow-update { key rev-key; }; };"

# D2's files as an operator keeps them: the keys apart, the forward key's secret in a file.
(umask 077 && echo "$FWD_SECRET" >"$LAB_DIR/fwd-key.secret")
cat >"$LAB_DIR/d2-keys.json" <<CONF
// Both of D2's keys.
"tsig-keys": [
    { "name": "fwd-key", "algorithm": "HMAC-SHA256", "secret-file": "$LAB_DIR/fwd-key.secret" },
    { "name": "rev-key", "algorithm": "HMAC-SHA512", "secret": "$REV_SECRET" } ],
CONF
cat >"$LAB_DIR/kea-dhcp-ddns.conf" <<CONF
{ "DhcpDdns": {
    <?include "$LAB_DIR/d2-keys.json"?>
    "forward-ddns": { "ddns-domains": [ { "name": "corp.example.", "key-name": "fwd-key",
        "dns-servers": [ { "ip-address": "127.0.0.2" } ] } ] },
    # the v6 pool's reverse zone, signed with its own key
    "reverse-ddns": { "ddns-domains": [ { "name": "$REV.", "key-name": "rev-key",
        "dns-servers": [ { "ip-address": "127.0.0.2", "port": 53 } ] } ] }
} }
CONF
mkdir -m 0700 "$LAB_DIR/keys"
"$PROBE" --from-d2 "$LAB_DIR/kea-dhcp-ddns.conf" --secrets-dir "$LAB_DIR/keys" \
	>"$LAB_DIR/entry.json" 2>"$LAB_DIR/warnings.txt" ||
	lab_fail "the conversion failed: $(cat "$LAB_DIR/warnings.txt")"
for secret in "$FWD_SECRET" "$REV_SECRET"; do
	if grep -qF "$secret" "$LAB_DIR/entry.json" "$LAB_DIR/warnings.txt"; then lab_fail "a secret was printed"; fi
done
[ "$(stat -c %a "$LAB_DIR/keys/rev-key.key")" = 600 ] || lab_fail "the inline key's file is not mode 0600"
grep -qF "\"secret-file\": \"$LAB_DIR/fwd-key.secret\"" "$LAB_DIR/entry.json" ||
	lab_fail "the forward key does not read D2's secret file: $(cat "$LAB_DIR/entry.json")"
if grep -q '"servers"' "$LAB_DIR/entry.json"; then lab_fail "servers pinned without --pin"; fi
lab_log "converted: $(tr -d '\n' <"$LAB_DIR/entry.json" | tr -s ' ')"

rc=0
"$PROBE" --from-d2 "$LAB_DIR/kea-dhcp-ddns.conf" --check --resolver 127.0.0.2 \
	>"$LAB_DIR/check.txt" 2>&1 || rc=$?
[ $rc -eq 0 ] && grep -q "^0 disagreements" "$LAB_DIR/check.txt" &&
	grep -q "discovered: zone $REV., primary ns1.corp.example. (127.0.0.2)" "$LAB_DIR/check.txt" ||
	lab_fail "--check of D2's listing: status $rc: $(cat "$LAB_DIR/check.txt")"

kea6_config "$LAB_DIR/kea6.json" "$LIB" "$(converted_params "$LAB_DIR/entry.json" 127.0.0.2 "$LAB_DIR/state")"
d2_listener
kea6_start kea6 "$LAB_DIR/kea6.json"

perfdhcp6_run $CLIENTS 50
active_leases6 "$LAB_DIR/leases6.csv" | sort >"$LAB_DIR/leases.txt"
leases=$(wc -l <"$LAB_DIR/leases.txt")
[ "$leases" -ge 40 ] || lab_fail "only $leases leases; perfdhcp: $(tail -n 25 "$LAB_DIR/perfdhcp6.log")"
lab_wait 30 zone_vs_leases6 127.0.0.2 corp.example "$REV" "$LAB_DIR/leases.txt" ||
	lab_fail "zones do not match the leases: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
dhcids=$(count_type 127.0.0.2 corp.example DHCID)
[ "$dhcids" -eq "$leases" ] || lab_fail "corp.example has $dhcids DHCID records for $leases leases"
if grep -q NCR "$LAB_DIR/d2-listener.log"; then lab_fail "Kea sent requests to D2"; fi
lab_log "PASS: a D2 configuration with a key per domain converted; kea-dhcp6 published $leases leases, each zone with its own key"
