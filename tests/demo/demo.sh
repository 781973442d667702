#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# The main job, shown: BIND and kea-dhcp4 with the plugin on loopback in a private network
# namespace; perfdhcp leases a handful of addresses; the zones are printed with the new A and PTR
# records; the short leases expire, Kea reclaims them, and the zones are printed again, empty.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"

show_zones() {
	echo
	echo "=== $1"
	echo "--- corp.example (forward), as named on 127.0.0.2 serves it"
	axfr 127.0.0.2 corp.example | sort -k5 | sed 's/^/    /'
	echo "--- 1.10.in-addr.arpa (reverse)"
	axfr 127.0.0.2 1.10.in-addr.arpa | sed 's/^/    /'
	echo
}

lab_addr 127.0.0.2
SECRET=$(lab_tsig_secret)
lab_log "starting named on 127.0.0.2 (zones corp.example and 1.10.in-addr.arpa, TSIG required)"
ddns_lab_zones ns1 127.0.0.2 "$SECRET"
lab_log "starting kea-dhcp4 with $LIB"
LEASE_LIFETIME=15 kea4_config "$LAB_DIR/kea.json" "$LIB" "$(ddns_lab_params 127.0.0.2 "$SECRET")"
kea4_start kea4 "$LAB_DIR/kea.json"
show_zones "before any lease"

lab_log "leasing 8 addresses with perfdhcp (15-second leases)"
perfdhcp_run 8 4
n=$(active_leases4 "$LAB_DIR/leases4.csv" | wc -l)
published() {
	[ "$(count_type 127.0.0.2 corp.example A)" -eq $((n + 1)) ] &&
		[ "$(count_type 127.0.0.2 1.10.in-addr.arpa PTR)" -eq "$n" ]
}
# Only the zone's own ns1 A record stays once the leases are gone.
removed() {
	[ "$(count_type 127.0.0.2 corp.example A)" -eq 1 ] &&
		[ "$(count_type 127.0.0.2 1.10.in-addr.arpa PTR)" -eq 0 ]
}
lab_wait 20 published || lab_fail "records did not appear"
show_zones "after $n leases were granted"
echo "What the plugin logged:"
grep -o 'DDNS_DIRECT_UPDATE_SUCCESS .*' "$LAB_DIR/kea4.log" | sed 's/^/    /'

lab_log "waiting for the leases to expire; Kea reclaims them every second"
lab_wait 60 removed || lab_fail "records were not removed"
show_zones "after the leases expired"
echo "Removals the plugin logged:"
grep -o 'DDNS_DIRECT_UPDATE_SUCCESS remove.*' "$LAB_DIR/kea4.log" | sed 's/^/    /'
lab_log "demo finished; stopping kea-dhcp4 and named"
