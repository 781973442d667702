#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# DHCPv6 end to end: kea-dhcp6 with the plugin, perfdhcp -6 leasing addresses whose names Kea
# generates; the DNS server (named, or PowerDNS with LAB_DNS=pdns) must then hold exactly one AAAA (with its DHCID) in corp.example and one PTR in
# ip6.arpa for every lease, Kea must send nothing to D2 and drop no packet, and after expiry every
# record must be gone.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
REV=0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa
CLIENTS=100

lab_addr 127.0.0.2
SECRET=$(lab_tsig_secret)
lab_zones ns1 127.0.0.2 "$SECRET" corp.example "$REV"
d2_listener
LEASE_LIFETIME=20 kea6_config "$LAB_DIR/kea6.json" "$LIB" "{ \"resolvers\": [ \"127.0.0.2\" ], \"state-dir\": \"$LAB_DIR/state\",
  \"tsig-keys\": [ { \"name\": \"ddns-key\", \"algorithm\": \"hmac-sha256\", \"secret\": \"$SECRET\" } ],
  \"default-key\": \"ddns-key\",
  \"zones\": [ { \"name\": \"corp.example.\", \"servers\": [ \"127.0.0.2\" ] },
             { \"name\": \"$REV.\", \"servers\": [ \"127.0.0.2\" ] } ] }"
kea6_start kea6 "$LAB_DIR/kea6.json"

perfdhcp6_run $CLIENTS 50
active_leases6 "$LAB_DIR/leases6.csv" | sort >"$LAB_DIR/leases.txt"
leases=$(wc -l <"$LAB_DIR/leases.txt")
[ "$leases" -ge 90 ] || lab_fail "only $leases leases; perfdhcp: $(tail -n 25 "$LAB_DIR/perfdhcp6.log")"
grep -q 'h-2001-db8-1--' "$LAB_DIR/leases.txt" || lab_fail "Kea did not generate the names: $(head -n 3 "$LAB_DIR/leases.txt")"

lab_wait 30 zone_vs_leases6 127.0.0.2 corp.example "$REV" "$LAB_DIR/leases.txt" ||
	lab_fail "zone does not match the leases: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
while read -r rname target; do
	addr=$(awk -v n="$target" '$2 == n { print $1 }' "$LAB_DIR/leases.txt")
	[ -n "$addr" ] || lab_fail "PTR $rname points at $target, which holds no lease"
	[ "$(dig -x "$addr" +short @127.0.0.2)" = "$target" ] || lab_fail "PTR for $addr is not $target"
done <"$LAB_DIR/zone-ptr.txt"
[ "$(count_type 127.0.0.2 corp.example DHCID)" -eq "$leases" ] || lab_fail "DHCID records missing"
lab_log "$leases DHCPv6 leases have their AAAA, PTR and DHCID"

if grep -q NCR "$LAB_DIR/d2-listener.log"; then lab_fail "Kea sent requests to D2"; fi
grep -qE 'DHCP6_.*(DROP|EXCEPTION)|setDomainName' "$LAB_DIR/kea6.log" && lab_fail "Kea dropped packets: $(grep -m3 -E 'DROP|EXCEPTION' "$LAB_DIR/kea6.log")"

gone() {
	[ "$(count_type 127.0.0.2 corp.example AAAA)" -eq 0 ] && [ "$(count_type 127.0.0.2 "$REV" PTR)" -eq 0 ] &&
		[ "$(count_type 127.0.0.2 corp.example DHCID)" -eq 0 ]
}
lab_wait 60 gone || lab_fail "records left after expiry: $(count_type 127.0.0.2 corp.example AAAA) AAAA"
if grep -q NCR "$LAB_DIR/d2-listener.log"; then lab_fail "Kea sent removals to D2"; fi
lab_log "PASS: $leases DHCPv6 leases published and removed; nothing sent to D2"
