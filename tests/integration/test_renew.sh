#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Renewals under Kea's lease caching and multi-threading, each on and off (Kea 3.0 caches by
# default, 2.6 and 3.0 run multi-threaded by default; 2.2 does neither unless told), against a
# real named. DNS keeps exactly the leases' records: each name added once, nothing removed, no
# error, nothing sent to D2. (A cached renewal would leave the lease out of leases4_committed; Kea
# does not reuse these leases, whose stored DNS flags the plugin clears: README, "Lease caching".)
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
NS=127.0.0.2

lab_addr $NS
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 $NS "$SECRET"
d2_listener

# run_case NAME CACHE_SETTING MULTI_THREADING MAC_BYTE: a fresh Kea (lease file, state-dir) with
# that caching member and multi-threading on or off, its clients' MACs starting 00:0c:0MAC_BYTE.
run_case() {
	local name=$1 cache=$2 mt=$3
	rm -rf "$LAB_DIR/leases4.csv" "$LAB_DIR/state"
	LEASE_LIFETIME=600 kea4_config "$LAB_DIR/kea-$name.json" "$LIB" "$(ddns_lab_params $NS "$SECRET")" \
		"$cache,
		 \"multi-threading\": { \"enable-multi-threading\": $mt, \"thread-pool-size\": 2, \"packet-queue-size\": 16 },"
	kea4_start "kea-$name" "$LAB_DIR/kea-$name.json"
	local pid_var="PID_kea_${name//-/_}"
	# 40 clients, then renewals of the leases perfdhcp holds for 10 more seconds.
	perfdhcp -4 -l 127.0.0.1 -L 1068 -R 40 -r 20 -f 10 -p 12 -b "mac=00:0c:0$4:00:00:00" 127.0.0.1 \
		>"$LAB_DIR/perfdhcp-$name.log" 2>&1 || true
	local renewed
	renewed=$(awk '/Statistics for: REQUEST-ACK \(renewal\)/ { x = 1 } x && /^received packets:/ { print $3; exit }' \
		"$LAB_DIR/perfdhcp-$name.log")
	[ "${renewed:-0}" -ge 20 ] || lab_fail "$name: only '${renewed:-0}' renewals answered: $(tail -n 30 "$LAB_DIR/perfdhcp-$name.log")"
	active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt"
	local leases
	leases=$(wc -l <"$LAB_DIR/leases.txt")
	lab_wait 30 zone_vs_leases $NS corp.example 1.10.in-addr.arpa "$LAB_DIR/leases.txt" ||
		lab_fail "$name: zone does not match the leases: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
	local log="$LAB_DIR/kea-$name.log" adds removals reused
	adds=$(grep -cE 'DDNS_DIRECT_UPDATE_SUCCESS add A [^ ]+ [0-9.]+: zone' "$log" || true)
	removals=$(grep -c 'DDNS_DIRECT_UPDATE_SUCCESS remove' "$log" || true)
	reused=$(grep -c DHCP4_LEASE_REUSE "$log" || true)
	[ "$adds" -eq "$leases" ] && [ "$removals" -eq 0 ] ||
		lab_fail "$name: $leases leases, $adds A records added, $removals removals (want one add each, none removed)"
	if grep -E 'DDNS_DIRECT_[A-Z_]+' "$log" | grep -qE ' (WARN|ERROR) '; then
		lab_fail "$name: $(grep -E ' (WARN|ERROR) .*DDNS_DIRECT' "$log" | head -n 3)"
	fi
	lab_log "$name: $leases leases, $renewed renewals ($reused served from Kea's cache), each name added once"
	lab_stop "${!pid_var}"
	# The next case starts with empty zones.
	{
		echo "server $NS"
		while read -r addr host; do printf 'update delete %s\n' "$host"; done <"$LAB_DIR/leases.txt"
		echo send
		while read -r addr host; do printf 'update delete %s\n' "$(reverse_v4 "$addr")"; done <"$LAB_DIR/leases.txt"
		echo send
	} | nsupdate -y "hmac-sha256:ddns-key:$SECRET" || lab_fail "cannot empty the zones"
}

lab_log "Kea $KEA_VERSION"
run_case cache-single '"cache-threshold": 0.25' false 1
# A cache-max-age of 0 turns caching off (Kea 3.0 caches unless told not to).
run_case nocache-multi '"cache-max-age": 0' true 2
if grep -q NCR "$LAB_DIR/d2-listener.log"; then lab_fail "Kea sent requests to D2"; fi
lab_log "PASS: Kea $KEA_VERSION: renewals with lease caching on and off, single and multi-threaded, left DNS equal to the leases"
