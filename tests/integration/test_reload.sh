#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Reconfiguration under load: with named frozen, so that the plugin owes DNS work for 200 fresh
# leases, Kea is told to config-reload over its control socket (Kea unloads and reloads the
# library). Nothing may be lost: once named is thawed, the zone must match the leases.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
SOCK="$LAB_DIR/kea4.sock"

lab_addr 127.0.0.2
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 127.0.0.2 "$SECRET"
kea4_config "$LAB_DIR/kea.json" "$LIB" "$(ddns_lab_params 127.0.0.2 "$SECRET")" \
	"\"control-socket\": { \"socket-type\": \"unix\", \"socket-name\": \"$SOCK\" },"
kea4_start kea4 "$LAB_DIR/kea.json"

kill -STOP "$PID_ns1"
perfdhcp_run 200 100
active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt"
leases=$(wc -l <"$LAB_DIR/leases.txt")
[ "$leases" -ge 190 ] || lab_fail "only $leases leases granted"
answer=$(kea_command "$SOCK" '{ "command": "config-reload" }')
printf '%s\n' "$answer" | grep -q '"result": 0' || lab_fail "config-reload failed: $answer"
[ "$(grep -c DDNS_DIRECT_LOADED "$LAB_DIR/kea4.log")" -eq 2 ] || lab_fail "the library was not reloaded"
grep -q 'kept in .* and resumed at the next start' "$LAB_DIR/kea4.log" ||
	lab_fail "the unloading plugin owed nothing; the test proves nothing"
grep -q 'resuming .* lease events left unfinished' "$LAB_DIR/kea4.log" ||
	lab_fail "the reloaded plugin resumed nothing"
kill -CONT "$PID_ns1"
lab_wait 120 zone_vs_leases 127.0.0.2 corp.example 1.10.in-addr.arpa "$LAB_DIR/leases.txt" ||
	lab_fail "zone does not match the leases after config-reload: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
lab_log "PASS: config-reload with work owed; all $leases leases published afterwards"
