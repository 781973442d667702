#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# End to end with real processes: kea-dhcp4 (multi-threaded) loads the built plugin, perfdhcp leases
# 250 addresses, and
# named (TSIG required) must then hold an A and a PTR for every active lease, each pointing at the
# right place; once the short leases expire, Kea reclaims them and every record must be gone. The
# summary lines (INFO, every 2 s here) add up to the record changes made.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
CLIENTS=250

lab_addr 127.0.0.2
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 127.0.0.2 "$SECRET"
# Kea's multi-threading is on: callouts run on four packet threads at once.
LEASE_LIFETIME=20 kea4_config "$LAB_DIR/kea.json" "$LIB" "$(LAB_SUMMARY=2 ddns_lab_params 127.0.0.2 "$SECRET")" \
	'"multi-threading": { "enable-multi-threading": true, "thread-pool-size": 4, "packet-queue-size": 64 },'
# Kea must send nothing to a D2 daemon (127.0.0.1:53001 by default) while the plugin is loaded.
d2_listener
kea4_start kea4 "$LAB_DIR/kea.json"
grep -q 'DHCP4_MULTI_THREADING_INFO enabled: yes' "$LAB_DIR/kea4.log" || lab_fail "Kea did not enable multi-threading"

lab_log "leasing $CLIENTS addresses"
perfdhcp_run $CLIENTS 100
active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt"
leases=$(wc -l <"$LAB_DIR/leases.txt")
lab_log "$leases active leases"
[ "$leases" -ge 200 ] || lab_fail "only $leases leases granted; perfdhcp: $(tail -n 30 "$LAB_DIR/perfdhcp.log")"

lab_wait 30 zone_vs_leases 127.0.0.2 corp.example 1.10.in-addr.arpa "$LAB_DIR/leases.txt" ||
	lab_fail "zone does not match the leases: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
for zone in corp.example 1.10.in-addr.arpa; do
	dhcids=$(count_type 127.0.0.2 $zone DHCID)
	[ "$dhcids" -eq "$leases" ] || lab_fail "$zone has $dhcids DHCID records for $leases leases"
done
lab_log "all $leases leases have exactly their A and PTR, each with its DHCID"

lab_log "waiting for the leases to expire and be reclaimed"
lab_wait 90 zone_has_no_leases 127.0.0.2 corp.example 1.10.in-addr.arpa ||
	lab_fail "records left after expiry: $(axfr 127.0.0.2 corp.example | grep -c host-) A, $(count_type 127.0.0.2 1.10.in-addr.arpa PTR) PTR"
removed=$(grep -cE 'DDNS_DIRECT_UPDATE_SUCCESS remove A [^ ]+ [0-9.]+: zone .*: success' "$LAB_DIR/kea4.log" || true)
[ "$removed" -eq "$leases" ] || lab_fail "expected $leases logged removals of A records, saw $removed"
# Each lease: its A and PTR added, then both removed.
applied=$((4 * leases))
summed() {
	[ "$(grep -E 'INFO .*DDNS_DIRECT_SUMMARY last 2 s: ' "$LAB_DIR/kea4.log" |
		awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "record") n += $i } END { print n + 0 }')" -eq "$applied" ]
}
lab_wait 10 summed || lab_fail "the summary lines do not add up to the $applied changes applied"
if grep -q "$SECRET" "$LAB_DIR/kea4.log"; then lab_fail "the TSIG secret appears in Kea's log"; fi
if grep -q NCR "$LAB_DIR/d2-listener.log"; then lab_fail "Kea sent requests to D2: $(head -n 3 "$LAB_DIR/d2-listener.log")"; fi
lab_log "PASS: $leases leases published and removed after expiry"
