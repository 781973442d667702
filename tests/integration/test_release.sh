#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Release with Kea's default lease affinity, against a real named. Since Kea 2.3 a DHCPRELEASE keeps
# the lease (lifetime 0; 2.6: state 0, 3.0: state 3, released) and reclaims it later, so a release
# and then an expiry both reach the plugin for one lease (Kea 2.2 deletes a released lease). perfdhcp
# releases part of the leases it took; the released names go from DNS exactly once, the later
# reclamation sends nothing more (no error, no retry), and ddns-direct-resync finds nothing to
# publish: a released lease the lease database still holds is not in use.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
SOCK="$LAB_DIR/kea4.sock"
NS=127.0.0.2

lab_addr $NS
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 $NS "$SECRET"
# Kea's defaults for reclaimed leases (kept an hour), reclaimed every second.
KEA_KEEP_RECLAIMED=1 kea4_commands_config "$LAB_DIR/kea.json" "$LIB" "$(ddns_lab_params $NS "$SECRET")" "$SOCK"
grep -q hold-reclaimed-time "$LAB_DIR/kea.json" && lab_fail "the configuration still sets hold-reclaimed-time"
kea4_start kea4 "$LAB_DIR/kea.json"

lab_log "Kea $KEA_VERSION: 60 clients, some releasing their lease"
perfdhcp_run 60 20 -F 5
released=$(grep -c 'DHCP4_RELEASE ' "$LAB_DIR/kea4.log" || true)
[ "$released" -ge 5 ] || lab_fail "only $released releases; perfdhcp: $(tail -n 20 "$LAB_DIR/perfdhcp.log")"
lab_wait 30 lab_leases4_in_zones $NS || lab_fail "zone differs from the leases: $(cat "$LAB_DIR/zone-diff.txt")"
leases=$(wc -l <"$LAB_DIR/leases.txt")

# Reclamation runs every second: from 2.6 on, every released lease Kea keeps must pass through it
# (Kea's reclaimed-leases statistic) before the counts below mean anything.
reclaimed() { [ "$(kea_stat "$SOCK" reclaimed-leases)" -ge "$released" ]; }
if kea_at_least 2.6; then
	lab_wait 30 reclaimed || lab_fail "$released released leases, $(kea_stat "$SOCK" reclaimed-leases) reclaimed"
fi
lab_wait 20 plugin_idle "$SOCK" || lab_fail "the plugin did not go idle"
removals=$(grep -cE 'DDNS_DIRECT_UPDATE_SUCCESS remove A [^ ]+ [0-9.]+: zone' "$LAB_DIR/kea4.log" || true)
[ "$removals" -eq "$released" ] || lab_fail "$released releases, $removals A records removed (want one each)"
if grep -qE 'DDNS_DIRECT_UPDATE_(NOT_OURS|PREREQUISITE)' "$LAB_DIR/kea4.log"; then
	lab_fail "a removal was sent twice: $(grep -m1 -E 'NOT_OURS|PREREQUISITE' "$LAB_DIR/kea4.log")"
fi
if grep -E 'DDNS_DIRECT_[A-Z_]+' "$LAB_DIR/kea4.log" | grep -qE ' (WARN|ERROR) '; then
	lab_fail "warnings or errors: $(grep -E ' (WARN|ERROR) .*DDNS_DIRECT' "$LAB_DIR/kea4.log" | head -n 3)"
fi
[ "$(kea_stat "$SOCK" ddns-direct.retries)" -eq 0 ] || lab_fail "the plugin retried $(kea_stat "$SOCK" ddns-direct.retries) times"

read -r n rec pub wd <<<"$(ddns_resync "$SOCK")"
[ "$pub $wd" = "0 0" ] || lab_fail "resync with $released released leases kept: to-publish $pub, to-withdraw $wd"
lab_leases4_in_zones $NS || lab_fail "after resync the zone differs: $(cat "$LAB_DIR/zone-diff.txt")"
lab_log "PASS: Kea $KEA_VERSION: $released releases removed once each, $leases leases kept, reclamation and resync changed nothing"
