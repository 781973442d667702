#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# kill -9 of kea-dhcp4 with DNS work still owed: named is frozen (SIGSTOP) so that the plugin's
# backlog grows while perfdhcp leases 300 addresses; Kea is then killed outright, named thawed, and
# Kea started again with the same lease file and state-dir. DNS must converge to the lease file.
# (The work to replay is whatever reached state-dir: every event whose callout returned.)
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
CLIENTS=300

lab_addr 127.0.0.2
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 127.0.0.2 "$SECRET"
kea4_config "$LAB_DIR/kea.json" "$LIB" "$(ddns_lab_params 127.0.0.2 "$SECRET")"
kea4_start kea4 "$LAB_DIR/kea.json"

perfdhcp_run 20 20 -b mac=00:0c:09:00:00:00
first_published() { [ "$(count_type 127.0.0.2 1.10.in-addr.arpa PTR)" -ge 19 ]; }
lab_wait 20 first_published || lab_fail "the first leases were not published"
kill -STOP "$PID_ns1"
perfdhcp_run $CLIENTS 150
active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt"
leases=$(wc -l <"$LAB_DIR/leases.txt")
[ "$leases" -ge 300 ] || lab_fail "only $leases leases granted"
kill -KILL "$PID_kea4"
wait "$PID_kea4" 2>/dev/null || true
kill -CONT "$PID_ns1"
published=$(axfr 127.0.0.2 corp.example | grep -c '^host-' || true)
lab_log "kea-dhcp4 killed with $leases leases and $published A records in the zone"
[ "$published" -lt "$leases" ] || lab_fail "nothing was owed when Kea was killed; the test proves nothing"

mv "$LAB_DIR/kea4.log" "$LAB_DIR/kea4-killed.log"
kea4_start kea4 "$LAB_DIR/kea.json"
grep -q 'resuming .* record changes and .* lease events left unfinished' "$LAB_DIR/kea4.log" ||
	lab_fail "the restarted plugin did not resume anything"
lab_wait 120 zone_vs_leases 127.0.0.2 corp.example 1.10.in-addr.arpa "$LAB_DIR/leases.txt" ||
	lab_fail "zone does not match the lease file after the crash: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
lab_log "PASS: after kill -9, DNS converged to the lease file's $leases leases"
