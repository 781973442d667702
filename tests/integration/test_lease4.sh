#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# End to end with real processes: kea-dhcp4 loads the built plugin, perfdhcp leases 250 addresses,
# named (TSIG required) must then hold an A and a PTR for every active lease, each pointing at the
# right place; once the short leases expire, Kea reclaims them and every record must be gone.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
LIB=$(realpath "${1:-build/libdhcp_ddns_direct.so}")
CLIENTS=250

lab_addr 127.0.0.2
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 127.0.0.2 "$SECRET"
LEASE_LIFETIME=20 kea4_config "$LAB_DIR/kea.json" "$LIB" "$(ddns_lab_params 127.0.0.2 "$SECRET")"
# Kea must send nothing to a D2 daemon (127.0.0.1:53001 by default) while the plugin is loaded.
lab_spawn d2-listener python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53001))
print("listening", flush=True)
while True:
    data, peer = s.recvfrom(65535)
    print("NCR", len(data), peer, flush=True)
'
lab_wait 10 grep -q listening "$LAB_DIR/d2-listener.log" || lab_fail "D2 listener did not start"
kea4_start kea4 "$LAB_DIR/kea.json"

lab_log "leasing $CLIENTS addresses"
perfdhcp_run $CLIENTS 100
active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt"
leases=$(wc -l <"$LAB_DIR/leases.txt")
lab_log "$leases active leases"
[ "$leases" -ge 200 ] || lab_fail "only $leases leases granted; perfdhcp: $(tail -n 30 "$LAB_DIR/perfdhcp.log")"

all_published() {
	[ "$(count_type 127.0.0.2 corp.example A)" -ge "$leases" ] &&
		[ "$(count_type 127.0.0.2 1.10.in-addr.arpa PTR)" -ge "$leases" ]
}
lab_wait 30 all_published || lab_fail "records missing: $(count_type 127.0.0.2 corp.example A) A, $(count_type 127.0.0.2 1.10.in-addr.arpa PTR) PTR for $leases leases"

# Every lease has exactly its records, and the zone holds nothing else.
axfr 127.0.0.2 corp.example | awk '$4 == "A" { print $5, $1 }' | sort >"$LAB_DIR/zone-a.txt"
axfr 127.0.0.2 1.10.in-addr.arpa | awk '$4 == "PTR" { print $1, $5 }' | sort >"$LAB_DIR/zone-ptr.txt"
while read -r addr name; do echo "$(reverse_v4 "$addr") $name"; done <"$LAB_DIR/leases.txt" |
	sort >"$LAB_DIR/want-ptr.txt"
# The lab zone's own ns1 glue A (127.0.0.2) is not a lease.
grep -v ' ns1\.corp\.example\.$' "$LAB_DIR/zone-a.txt" >"$LAB_DIR/zone-a-leases.txt" || true
diff -u "$LAB_DIR/leases.txt" "$LAB_DIR/zone-a-leases.txt" || lab_fail "A records differ from the leases"
diff -u "$LAB_DIR/want-ptr.txt" "$LAB_DIR/zone-ptr.txt" || lab_fail "PTR records differ from the leases"
lab_log "all $leases leases have their A and PTR"

lab_log "waiting for the leases to expire and be reclaimed"
all_removed() {
	[ "$(count_type 127.0.0.2 corp.example A)" -eq 1 ] &&
		[ "$(count_type 127.0.0.2 1.10.in-addr.arpa PTR)" -eq 0 ]
}
lab_wait 90 all_removed || lab_fail "records left after expiry: $(count_type 127.0.0.2 corp.example A) A (1 is ns1), $(count_type 127.0.0.2 1.10.in-addr.arpa PTR) PTR"
removed=$(grep -c 'DDNS_DIRECT_INFO remove A .*: success' "$LAB_DIR/kea4.log" || true)
[ "$removed" -eq "$leases" ] || lab_fail "expected $leases logged removals of A records, saw $removed"
if grep -q "$SECRET" "$LAB_DIR/kea4.log"; then lab_fail "the TSIG secret appears in Kea's log"; fi
if grep -q NCR "$LAB_DIR/d2-listener.log"; then lab_fail "Kea sent requests to D2: $(head -n 3 "$LAB_DIR/d2-listener.log")"; fi
lab_log "PASS: $leases leases published and removed after expiry"
