#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Kea's libdhcp_ddns_tuning.so (in Debian's Kea 3.0 packages) listed before ddns-direct, against a
# real named: callouts run in list order, so the plugin sees the names the tuning library computes
# (hostname-expr) and its decision to skip clients of class SKIP_DDNS. Every other client's lease
# is published under the computed name; no SKIP_DDNS client's is. Kea versions whose packages
# lack the library say so and pass nothing.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
NS=127.0.0.2
if [ ! -e "$LAB_DIR/hooks/libdhcp_ddns_tuning.so" ]; then
	lab_log "SKIP: Kea $KEA_VERSION's packages have no libdhcp_ddns_tuning.so"
	exit 0
fi

lab_addr $NS
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 $NS "$SECRET"
# Names from the last two bytes of the MAC; clients whose MAC starts 00:0c:02 are SKIP_DDNS.
TUNING="{ \"library\": \"$(lab_hook libdhcp_ddns_tuning.so)\",
          \"parameters\": { \"hostname-expr\": \"'tuned-' + hexstring(substring(pkt4.mac, 4, 2), '')\" } },"
KEA_HOOKS_BEFORE="$TUNING" kea4_config "$LAB_DIR/kea.json" "$LIB" "$(ddns_lab_params $NS "$SECRET")" \
	'"client-classes": [ { "name": "SKIP_DDNS", "test": "substring(pkt4.mac, 2, 1) == 0x02" } ],'
kea4_start kea4 "$LAB_DIR/kea.json"

lab_log "Kea $KEA_VERSION: 30 clients named by ddns_tuning, 30 in SKIP_DDNS"
perfdhcp_run 30 30 -b mac=00:0c:01:00:00:00
perfdhcp_run 30 30 -b mac=00:0c:02:00:00:00
# want.txt: "address name" of the leases that must be published; skipped.txt: the others.
active_leases4 "$LAB_DIR/leases4.csv" 00:0c:01 | sort >"$LAB_DIR/want.txt"
active_leases4 "$LAB_DIR/leases4.csv" 00:0c:02 | sort >"$LAB_DIR/skipped.txt"
published=$(wc -l <"$LAB_DIR/want.txt") skipped=$(wc -l <"$LAB_DIR/skipped.txt")
[ "$published" -ge 25 ] && [ "$skipped" -ge 25 ] || lab_fail "leases: $published to publish, $skipped skipped"
grep -qv ' tuned-[0-9a-f]\{4\}\.corp\.example\.$' "$LAB_DIR/want.txt" &&
	lab_fail "Kea did not take the tuned names: $(grep -v tuned- "$LAB_DIR/want.txt" | head -n 3)"

zone_a() { axfr $NS corp.example | awk '$4 == "A" && $1 ~ /^tuned-/ { print $5, $1 }' | sort; }
matches() { zone_a >"$LAB_DIR/zone-a.txt" && cmp -s "$LAB_DIR/want.txt" "$LAB_DIR/zone-a.txt"; }
lab_wait 30 matches || lab_fail "the zone's tuned names differ: $(diff "$LAB_DIR/want.txt" "$LAB_DIR/zone-a.txt" | head -n 10)"
ptrs=$(count_type $NS 1.10.in-addr.arpa PTR)
[ "$ptrs" -eq "$published" ] || lab_fail "$ptrs PTR records for $published published leases"
lab_log "PASS: Kea $KEA_VERSION: $published leases published under ddns_tuning's names, $skipped SKIP_DDNS clients left out"
