#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Operating the plugin through Kea's own control socket: the engine's counters appear among Kea's
# statistics, and ddns-direct-status, -flush and -rediscover answer in Kea's usual shape.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
SOCK="$LAB_DIR/kea4.sock"

lab_addr 127.0.0.2
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 127.0.0.2 "$SECRET"
kea4_config "$LAB_DIR/kea.json" "$LIB" "$(ddns_lab_params 127.0.0.2 "$SECRET")" \
	"\"control-socket\": { \"socket-type\": \"unix\", \"socket-name\": \"$SOCK\" },"
kea4_start kea4 "$LAB_DIR/kea.json"
perfdhcp_run 10 10
leases=$(active_leases4 "$LAB_DIR/leases4.csv" | wc -l)

cmd() { kea_command "$SOCK" "$1"; }
stat() { kea_stat "$SOCK" "$1"; }
published() { [ "$(stat ddns-direct.succeeded)" -ge $((2 * leases)) ]; }
lab_wait 20 published || lab_fail "ddns-direct.succeeded is $(stat ddns-direct.succeeded), expected $((2 * leases))"
[ "$(stat ddns-direct.dropped)" -eq 0 ] || lab_fail "ddns-direct.dropped is not 0"
cmd '{ "command": "statistic-get-all" }' | grep -q '"ddns-direct.failed-timeout"' || lab_fail "statistic-get-all lacks the plugin's counters"
[ "$(stat ddns-direct.callout-median-ns)" -gt 0 ] || lab_fail "ddns-direct.callout-median-ns is not measured"
lab_log "statistics: ddns-direct.succeeded = $(stat ddns-direct.succeeded) for $leases leases"

status=$(cmd '{ "command": "ddns-direct-status" }')
printf '%s' "$status" | python3 -c '
import json, sys
a = json.load(sys.stdin)
assert a["result"] == 0, a
args = a["arguments"]
assert args["pending"] == 0 and args["dropped"] == 0, args
assert args["succeeded"] >= 2, args
# Every granted lease ran two timed callouts; the cost is measured, so it cannot be 0.
cost = args["callout-ns"]
assert 0 < cost["median"] <= cost["p99"], cost
' || lab_fail "unexpected ddns-direct-status answer: $status"
printf '%s' "$(cmd '{ "command": "ddns-direct-flush" }')" | grep -q '"result": 0' || lab_fail "ddns-direct-flush failed"
printf '%s' "$(cmd '{ "command": "ddns-direct-rediscover", "arguments": { "zone": "corp.example." } }')" |
	grep -q '"result": 0' || lab_fail "ddns-direct-rediscover of one zone failed"
printf '%s' "$(cmd '{ "command": "ddns-direct-rediscover" }')" | grep -q '"result": 0' || lab_fail "ddns-direct-rediscover failed"
printf '%s' "$(cmd '{ "command": "ddns-direct-rediscover", "arguments": { "zone": "bad..zone" } }')" |
	grep -q '"result": 1' || lab_fail "a bad zone name was not refused"
nolc=$(cmd '{ "command": "ddns-direct-resync" }')
printf '%s' "$nolc" | grep -q '"result": 1' && printf '%s' "$nolc" | grep -q 'libdhcp_lease_cmds.so' ||
	lab_fail "ddns-direct-resync without lease_cmds did not say what is missing: $nolc"
cmd '{ "command": "list-commands" }' | grep -q 'ddns-direct-status' || lab_fail "list-commands lacks ddns-direct-status"
lab_log "PASS: statistics and the ddns-direct-* commands over Kea's control socket"
