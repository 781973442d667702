#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# ddns-direct-resync over Kea's control socket, against a real named: the lease database (read
# through lease_cmds) and the zone are made to disagree in each of the three ways that happen in
# practice, and one resync each brings the zone back to exactly the leases:
#   - a lease the plugin never saw (added with lease4-add, which fires no callout) is published;
#   - a lease deleted behind the plugin's back (lease4-del) has its records withdrawn;
#   - records deleted in DNS (a zone restored from an old backup) come back with "force" only:
#     without it the plugin trusts what it recorded and sends nothing.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
SOCK="$LAB_DIR/kea4.sock"
NS=127.0.0.2

lab_addr $NS
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 $NS "$SECRET"
kea4_commands_config "$LAB_DIR/kea.json" "$LIB" "$(ddns_lab_params $NS "$SECRET")" "$SOCK"
kea4_start kea4 "$LAB_DIR/kea.json"
perfdhcp_run 20 20

cmd() { kea_command "$SOCK" "$1"; }
resync() { ddns_resync "$SOCK" "$@"; }
expect() {
	lab_wait 20 lab_leases4_in_zones $NS || lab_fail "$1: zone differs from the leases: $(cat "$LAB_DIR/zone-diff.txt")"
}

expect "after the first leases"
leases=$(wc -l <"$LAB_DIR/leases.txt")
[ "$leases" -ge 15 ] || lab_fail "only $leases leases granted"
read -r n rec pub wd <<<"$(resync)"
[ "$n $rec $pub $wd" = "$leases $leases 0 0" ] || lab_fail "resync of a zone in step did something: $n $rec $pub $wd"

# A lease the plugin never heard of.
out=$(cmd '{ "command": "lease4-add", "arguments": { "ip-address": "10.1.200.9",
	"hw-address": "0a:0b:0c:0d:0e:0f", "hostname": "host-added.corp.example.", "subnet-id": 1,
	"valid-lft": 600 } }')
printf '%s' "$out" | grep -q '"result": 0' || lab_fail "lease4-add failed: $out"
read -r n rec pub wd <<<"$(resync)"
[ "$pub $wd" = "1 0" ] || lab_fail "resync after lease4-add: to-publish $pub, to-withdraw $wd (want 1 0)"
expect "after lease4-add and resync"
[ "$(dig @$NS +short host-added.corp.example. A)" = 10.1.200.9 ] || lab_fail "host-added not published"

# A lease deleted without a callout: its records stay until the resync withdraws them.
victim=$(head -n1 "$LAB_DIR/leases.txt")
victim_addr=${victim%% *}
victim_name=${victim#* }
out=$(cmd "{ \"command\": \"lease4-del\", \"arguments\": { \"ip-address\": \"$victim_addr\" } }")
printf '%s' "$out" | grep -q '"result": 0' || lab_fail "lease4-del failed: $out"
[ "$(dig @$NS +short "$victim_name" A)" = "$victim_addr" ] || lab_fail "lease4-del already removed $victim_name"
read -r n rec pub wd <<<"$(resync)"
[ "$pub $wd" = "0 1" ] || lab_fail "resync after lease4-del: to-publish $pub, to-withdraw $wd (want 0 1)"
expect "after lease4-del and resync"
[ -z "$(dig @$NS +short "$victim_name" A)" ] || lab_fail "$victim_name still in the zone"
[ -z "$(dig @$NS +short "$(reverse_v4 "$victim_addr")" PTR)" ] || lab_fail "PTR of $victim_addr still there"

# Records lost in DNS: only force re-sends what the plugin recorded as published.
lost=$(sed -n 2p "$LAB_DIR/leases.txt")
lost_name=${lost#* }
printf 'server %s\nupdate delete %s A\nsend\n' $NS "$lost_name" |
	nsupdate -y "hmac-sha256:ddns-key:$SECRET" || lab_fail "nsupdate could not delete $lost_name"
read -r n rec pub wd <<<"$(resync)"
[ "$pub $wd" = "0 0" ] || lab_fail "resync without force sent something: $pub $wd"
lab_wait 10 plugin_idle "$SOCK" || lab_fail "plugin did not go idle"
! lab_leases4_in_zones $NS || lab_fail "deleting $lost_name in DNS did not make the zone differ"
read -r n rec pub wd <<<"$(resync true)"
[ "$pub" -eq "$n" ] && [ "$wd" -eq 0 ] || lab_fail "force resync: to-publish $pub of $n leases, to-withdraw $wd"
expect "after the force resync"

bad=$(cmd '{ "command": "ddns-direct-resync", "arguments": { "force": "yes" } }')
printf '%s' "$bad" | grep -q '"result": 1' || lab_fail "a non-boolean force was accepted: $bad"
grep -q DDNS_DIRECT_RESYNC "$LAB_DIR/kea4.log" || lab_fail "no DDNS_DIRECT_RESYNC log line"
lab_log "PASS: resync published a lease added behind the plugin, withdrew a deleted one, and force repaired DNS"
