#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# A DNS outage in the middle of a run: named is stopped while perfdhcp leases 2,000 addresses and
# started again 30 s later; every active lease must then have its A and PTR, none missing, none
# doubled. Then a second outage while the leases expire: once named is back, every record of the
# ended leases must be gone.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
CLIENTS=2000

lab_addr 127.0.0.2
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 127.0.0.2 "$SECRET"
restart_named() {
	lab_spawn ns1 named -g -n 1 -c "$LAB_DIR/ns1/named.conf"
	lab_wait 20 dig @127.0.0.2 +time=1 +tries=1 version.bind CH TXT || lab_fail "named did not restart"
}
LEASE_LIFETIME=90 kea4_config "$LAB_DIR/kea.json" "$LIB" "$(ddns_lab_params 127.0.0.2 "$SECRET")"
kea4_start kea4 "$LAB_DIR/kea.json"

perfdhcp_run $CLIENTS 200 &
perf=$!
lab_wait 10 grep -q 'DDNS_DIRECT_UPDATE_SUCCESS add A' "$LAB_DIR/kea4.log" || lab_fail "no update before the outage"
lab_stop "$PID_ns1"
outage=$SECONDS
lab_log "named stopped with $(grep -c 'DDNS_DIRECT_UPDATE_SUCCESS add A .*success' "$LAB_DIR/kea4.log") A records sent"
wait $perf
sleep_until=$((outage + 30))
while [ $SECONDS -lt $sleep_until ]; do sleep 1; done
restart_named
lab_log "named back after $((SECONDS - outage)) s"

active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt"
leases=$(wc -l <"$LAB_DIR/leases.txt")
[ "$leases" -ge 1900 ] || lab_fail "only $leases leases granted"
lab_wait 90 zone_vs_leases 127.0.0.2 corp.example 1.10.in-addr.arpa "$LAB_DIR/leases.txt" ||
	lab_fail "zone does not match the $leases leases after the outage: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
dups=$(axfr 127.0.0.2 corp.example | awk '$4 == "A" { print $1 }' | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || lab_fail "$dups names have more than one A record"
lab_log "after the outage: all $leases leases have exactly their A and PTR"

# The leases end during a second outage; their removal must happen once named is back.
lab_stop "$PID_ns1"
mark=$(wc -l <"$LAB_DIR/kea4.log")
lab_log "named stopped again; waiting for the leases to expire"
expired() { [ "$(active_leases4 "$LAB_DIR/leases4.csv" | wc -l)" -eq 0 ]; }
lab_wait 120 expired || lab_fail "leases did not expire"
# Only removals are due now; they go out in batches ("N changes (the first for ...)") or alone.
removal_failed() { tail -n +"$mark" "$LAB_DIR/kea4.log" | grep -qE 'DDNS_DIRECT_UPDATE_TARGET_FAILED (remove A|[0-9]+ changes).*failed'; }
lab_wait 30 removal_failed || lab_fail "no removal was attempted during the outage"
restart_named
lab_wait 120 zone_has_no_leases 127.0.0.2 corp.example 1.10.in-addr.arpa ||
	lab_fail "records of ended leases left: $(axfr 127.0.0.2 corp.example | grep -c host-) A"
dropped=$(grep -c 'dropping' "$LAB_DIR/kea4.log" || true)
[ "$dropped" -eq 0 ] || lab_fail "the plugin dropped work"
lab_log "PASS: $leases leases published through a 30 s outage and removed through another"
