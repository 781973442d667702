#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# The plugin in a Kea High Availability pair on a shared PostgreSQL lease database: two
# kea-dhcp4 (multi-threaded, HA over dedicated HTTP listeners, lease_cmds), named, and perfdhcp
# whose packets a relay copies to both servers.
#
# Hot-standby: every lease the primary grants gets exactly one A and one PTR, added once (named's
# update log: one "adding an RR" per record, no failed "name not in use" prerequisite, all from the
# primary). The primary is stopped with SIGTERM during a burst; the standby takes over, publishing
# what the primary had granted but not yet published; the zones then match the lease table exactly
# (SELECT), also after the standby renews the primary's clients. The leases expire on the standby alone, which removes
# what the primary published too. The primary, restarted with its state-dir, finds its leases
# reclaimed by its partner: no error, no record touched.
# Load-balancing, pools split by the HA classes: each server publishes the leases it grants, once;
# after expiry everything is gone.
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/pg.sh"
lab_enter "$@"
LIFETIME=60
for a in 2 11 12; do lab_addr "127.0.0.$a"; done

pg_start
# Each server signs with its own key, so named's update log says which server sent what.
SECRET1=$(lab_tsig_secret) SECRET2=$(lab_tsig_secret)
mkdir -p "$LAB_DIR/ns1"
zone_file "$LAB_DIR/ns1/corp.db" corp.example. ns1.corp.example. 127.0.0.2
zone_file "$LAB_DIR/ns1/rev.db" 1.10.in-addr.arpa. ns1.corp.example.
NAMED_QUIET=1 NAMED_LOGGING="logging { channel upd { file \"$LAB_DIR/ns1/update.log\"; severity info; print-time yes; };
	channel warn { stderr; severity warning; }; category default { warn; }; category update { upd; }; };" \
	named_start ns1 127.0.0.2 "key \"k1\" { algorithm hmac-sha256; secret \"$SECRET1\"; };
key \"k2\" { algorithm hmac-sha256; secret \"$SECRET2\"; };
zone \"corp.example\" { type primary; file \"corp.db\"; allow-update { key k1; key k2; }; };
zone \"1.10.in-addr.arpa\" { type primary; file \"rev.db\"; allow-update { key k1; key k2; }; };"

# The relay: every client packet goes to both servers, as a broadcast domain would deliver it.
lab_spawn relay python3 -u -c '
import socket
inp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
inp.bind(("127.0.0.1", 67))
out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print("relaying", flush=True)
while True:
    data, _ = inp.recvfrom(65535)
    for server in (("127.0.0.11", 67), ("127.0.0.12", 67)):
        try:
            out.sendto(data, server)
        except OSError:
            pass
'
lab_wait 10 grep -q relaying "$LAB_DIR/relay.log" || lab_fail "the relay did not start"

# ha_config N MODE: kea-dhcp4 configuration of server N (1 or 2) in MODE.
ha_config() {
	local n=$1 mode=$2 pools roles secret
	secret=$([ "$n" = 1 ] && echo "$SECRET1" || echo "$SECRET2")
	if [ "$mode" = hot-standby ]; then
		roles='"primary", "standby"'
		pools='{ "pool": "10.1.1.10 - 10.1.4.250" }'
	else
		roles='"primary", "secondary"'
		pools='{ "pool": "10.1.1.10 - 10.1.2.250", "client-class": "HA_server1" },
		       { "pool": "10.1.3.10 - 10.1.4.250", "client-class": "HA_server2" }'
	fi
	local role1=${roles%%,*} role2=${roles##*, }
	cat >"$LAB_DIR/ha$n.json" <<CONF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "lo/127.0.0.1$n" ], "dhcp-socket-type": "udp" },
    $PG_LEASE_DB,
    "multi-threading": { "enable-multi-threading": true, "thread-pool-size": 2, "packet-queue-size": 64 },
    "valid-lifetime": $LIFETIME,
    "expired-leases-processing": { "reclaim-timer-wait-time": 1, "hold-reclaimed-time": 0,
                                   "flush-reclaimed-timer-wait-time": 0,
                                   "max-reclaim-leases": 0, "max-reclaim-time": 0 },
    "dhcp-ddns": { "enable-updates": true },
    "ddns-qualifying-suffix": "corp.example.", "ddns-replace-client-name": "always",
    "ddns-generated-prefix": "host",
    "control-socket": { "socket-type": "unix", "socket-name": "$LAB_DIR/ha$n.sock" },
    "subnet4": [ { "id": 1, "subnet": "10.1.0.0/16", "pools": [ $pools ],
                   "relay": { "ip-addresses": [ "127.0.0.1" ] } } ],
    "hooks-libraries": [
      $(pg_hooks) { "library": "$(lab_hook libdhcp_lease_cmds.so)" },
      { "library": "$(lab_hook libdhcp_ha.so)", "parameters": { "high-availability": [ {
          "this-server-name": "server$n", "mode": "$mode",
          "heartbeat-delay": 1000, "max-response-delay": 2000, "max-ack-delay": 1000,
          "max-unacked-clients": 0,
          "send-lease-updates": false, "sync-leases": false,
          "multi-threading": { "enable-multi-threading": true, "http-dedicated-listener": true,
                               "http-listener-threads": 1, "http-client-threads": 1 },
          "peers": [ { "name": "server1", "url": "http://127.0.0.11:8001/", "role": $role1,
                       "auto-failover": true },
                     { "name": "server2", "url": "http://127.0.0.12:8002/", "role": $role2,
                       "auto-failover": true } ] } ] } },
      { "library": "$(lab_hook "$LIB")", "parameters": { "resolvers": [ "127.0.0.2" ], "state-dir": "$LAB_DIR/state$n",
          "tsig-keys": [ { "name": "k$n", "algorithm": "hmac-sha256", "secret": "$secret" } ],
          "default-key": "k$n",
          "zones": [ { "name": "corp.example.", "servers": [ "127.0.0.2" ] },
                     { "name": "1.10.in-addr.arpa.", "servers": [ "127.0.0.2" ] } ] } } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "INFO",
                   "output_options": [ { "output": "stdout", "flush": true } ] } ]
} }
CONF
}

ha_state() { kea_command "$LAB_DIR/ha$1.sock" '{ "command": "ha-heartbeat", "service": [ "dhcp4" ] }' |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["arguments"]["state"])' 2>/dev/null; }
in_state() { [ "$(ha_state "$1")" = "$2" ]; }
start_pair() { # start_pair MODE
	ha_config 1 "$1"
	ha_config 2 "$1"
	kea4_start ha1 "$LAB_DIR/ha1.json"
	kea4_start ha2 "$LAB_DIR/ha2.json"
	lab_wait 60 in_state 1 "$1" || lab_fail "server1 is $(ha_state 1), not $1"
	lab_wait 60 in_state 2 "$1" || lab_fail "server2 is $(ha_state 2), not $1"
	grep -q DDNS_DIRECT_HA_PARTNER "$LAB_DIR/ha1.log" && grep -q DDNS_DIRECT_HA_PARTNER "$LAB_DIR/ha2.log" ||
		lab_fail "the plugin did not notice the HA hook"
	lab_log "HA pair in $1"
}
mac_base=0
new_clients() { # new_clients COUNT RATE: perfdhcp with clients never seen before
	mac_base=$((mac_base + 1))
	perfdhcp_run "$1" "$2" -b "mac=00:0c:0$mac_base:00:00:00"
}
# The zones hold exactly the active leases of the lease table.
match() { pg_active_leases4 | sort >"$LAB_DIR/leases.txt" &&
	zone_vs_leases 127.0.0.2 corp.example 1.10.in-addr.arpa "$LAB_DIR/leases.txt"; }
no_records() { zone_has_no_leases 127.0.0.2 corp.example 1.10.in-addr.arpa; }
# adds N: A records named added for updates signed by server N's key, since the log's line MARK.
adds() { tail -n +"${mark:-1}" "$LAB_DIR/ns1/update.log" | grep -E "/key k$1: .*adding an RR at 'host-[^']*' A " | wc -l; }
once_each() { # every A added at most once since MARK, and no second "name not in use" try
	local twice
	twice=$(tail -n +"${mark:-1}" "$LAB_DIR/ns1/update.log" | grep -oE "adding an RR at 'host-[^']*' A " | sort | uniq -d | wc -l)
	[ "$twice" -eq 0 ] || lab_fail "$twice names had their A record added twice"
	if tail -n +"${mark:-1}" "$LAB_DIR/ns1/update.log" | grep -q "prerequisite not satisfied (YXDOMAIN)"; then
		lab_fail "a name was added a second time (its 'name not in use' prerequisite failed)"
	fi
}

# first_leases MODE: starts the pair in MODE, leases 200 new clients; sets leases once the zones
# match the lease table, each record added once.
first_leases() {
	start_pair "$1"
	new_clients 200 100
	lab_wait 60 match || lab_fail "zones do not match the lease table: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
	leases=$(wc -l <"$LAB_DIR/leases.txt")
	[ "$leases" -ge 180 ] || lab_fail "only $leases leases"
	once_each
}

# ---- hot-standby ----
first_leases hot-standby
[ "$(adds 1)" -eq "$leases" ] && [ "$(adds 2)" -eq 0 ] ||
	lab_fail "adds: $(adds 1) from the primary, $(adds 2) from the standby, for $leases leases"
lab_log "hot-standby: $leases leases, each A and PTR added once, all by the primary"

# A lease update arriving at the standby (as a partner's lease4-update would) fires no lease
# callout, so it makes no DNS work there. Kea runs callouts within the command, so the standby's
# event counter is final once the command has answered.
events() { kea_command "$LAB_DIR/ha2.sock" '{ "command": "ddns-direct-status" }' |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["arguments"]["lease-events"])'; }
read -r addr name <"$LAB_DIR/leases.txt"
# The same lease, identity included (the client-id is what its DHCID is made of).
read -r hw cid <<<"$(pg_sql "SELECT encode(hwaddr, 'hex'), encode(client_id, 'hex') FROM lease4 WHERE address = '$addr'::inet - '0.0.0.0'::inet" | sed 's/\([0-9a-f][0-9a-f]\)/\1:/g; s/: / /; s/:$//')"
before=$(events)
kea_command "$LAB_DIR/ha2.sock" "{ \"command\": \"lease4-update\", \"arguments\": { \"ip-address\": \"$addr\",
	\"hw-address\": \"$hw\", ${cid:+\"client-id\": \"$cid\", }\"hostname\": \"$name\", \"fqdn-fwd\": true,
	\"fqdn-rev\": true } }" | grep -q '"result": 0' ||
	lab_fail "lease4-update at the standby failed"
[ "$(events)" = "$before" ] || lab_fail "a lease4-update at the standby made a lease event"
lab_log "a lease4-update at the standby makes no DNS work there"

lab_log "failover: the primary stops during a burst of 300 new clients"
new_clients 300 50 &
load=$!
more() { [ "$(pg_active_leases4 | wc -l)" -gt $((leases + 50)) ]; }
lab_wait 30 more || lab_fail "the burst did not start"
lab_stop "$PID_ha1"
lab_wait 30 in_state 2 partner-down || lab_fail "the standby is $(ha_state 2), not partner-down"
wait "$load"
lab_wait 60 match || lab_fail "after the failover the zones do not match the lease table: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
# Taking over, the standby reconciled DNS with the lease table: the leases the primary granted
# but had not yet published when it stopped are published too (sending again what the primary
# did publish, which changes nothing in the zone).
grep -q 'DDNS_DIRECT_HA_TAKEOVER the HA partner is down and this server serves its clients' "$LAB_DIR/ha2.log" ||
	lab_fail "the standby did not reconcile DNS when it took over"
after=$(wc -l <"$LAB_DIR/leases.txt")
[ "$after" -gt $((leases + 50)) ] || lab_fail "only $after leases after the failover (the leases must still be active here)"
[ "$(adds 2)" -gt 0 ] || lab_fail "the standby published nothing after the failover"
lab_log "after the failover: zones = lease table ($after leases; the standby sent $(adds 2) A records, its takeover re-sending the primary's)"

# The standby renews clients the primary served: their records stay single (RFC 4703: the same
# client's DHCID lets it replace its own A with the same address).
mark=$(($(wc -l <"$LAB_DIR/ns1/update.log") + 1))
perfdhcp_run 100 100 -b "mac=00:0c:01:00:00:00"
lab_wait 60 match || lab_fail "after the renewals the zones do not match the lease table: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
if grep -q DDNS_DIRECT_UPDATE_CONFLICT "$LAB_DIR/ha2.log"; then lab_fail "a renewal was taken for a conflict"; fi
lab_log "the standby renewed the primary's clients: zones = lease table, no conflict ($(adds 2) A records sent, as the takeover had recorded them)"
mark=""

lab_log "waiting for every lease to expire on the standby alone"
lab_wait $((LIFETIME + 60)) no_records || lab_fail "records left after expiry: $(axfr 127.0.0.2 corp.example | grep -c host-) A"
[ "$(pg_active_leases4 | wc -l)" -eq 0 ] || lab_fail "leases still active"
lab_log "the standby removed every record, the primary's included"

# The primary comes back with its state-dir: its leases were reclaimed by the partner meanwhile.
mark=$(($(wc -l <"$LAB_DIR/ns1/update.log") + 1))
kea4_start ha1 "$LAB_DIR/ha1.json"
lab_wait 60 in_state 1 hot-standby || lab_fail "the primary is $(ha_state 1) after its restart"
settled() { kea_command "$LAB_DIR/ha1.sock" '{ "command": "ddns-direct-status" }' |
	python3 -c 'import json, sys; a = json.load(sys.stdin)["arguments"]; sys.exit(a["pending"] != 0 or a["queued-events"] != 0)'; }
lab_wait 30 settled || lab_fail "the restarted primary still owes work"
failed=$(kea_command "$LAB_DIR/ha1.sock" '{ "command": "ddns-direct-status" }' |
	python3 -c 'import json, sys; a = json.load(sys.stdin)["arguments"]; print(a["failed"] + a["retries"])')
[ "$failed" -eq 0 ] || lab_fail "the restarted primary counts $failed failures or retries"
if grep -E 'ERROR|DDNS_DIRECT_UPDATE_TARGET_FAILED' "$LAB_DIR/ha1.log" | grep -q .; then
	lab_fail "errors in the primary's log: $(grep -E 'ERROR|TARGET_FAILED' "$LAB_DIR/ha1.log" | head -n 3)"
fi
no_records || lab_fail "records appeared after the primary's restart"
[ "$(tail -n +"$mark" "$LAB_DIR/ns1/update.log" | grep -c 'adding an RR')" -eq 0 ] || lab_fail "the restart re-added records"
lab_log "the restarted primary: no error, no retry, no record touched"
lab_stop "$PID_ha1"
lab_stop "$PID_ha2"

# ---- load-balancing ----
pg_sql "DELETE FROM lease4" >/dev/null
mark=$(($(wc -l <"$LAB_DIR/ns1/update.log") + 1))
first_leases load-balancing
by1=$(adds 1) by2=$(adds 2)
[ $((by1 + by2)) -eq "$leases" ] && [ "$by1" -gt 0 ] && [ "$by2" -gt 0 ] ||
	lab_fail "adds: $by1 by server1 and $by2 by server2 for $leases leases"
in_pool() { # in_pool FIRST_THIRD_OCTET LAST: leases in 10.1.FIRST.0 - 10.1.LAST.255
	awk -v a="$1" -v b="$2" '{ split($1, o, "."); if (o[3] >= a && o[3] <= b) n++ } END { print n + 0 }' "$LAB_DIR/leases.txt"; }
[ "$(in_pool 1 2)" -eq "$by1" ] && [ "$(in_pool 3 4)" -eq "$by2" ] ||
	lab_fail "the pools ($(in_pool 1 2) / $(in_pool 3 4)) do not match who published ($by1 / $by2)"
lab_log "load-balancing: $leases leases, each added once, $by1 by server1 (HA_server1 pool), $by2 by server2"
lab_wait $((LIFETIME + 60)) no_records || lab_fail "records left after expiry: $(axfr 127.0.0.2 corp.example | grep -c host-) A"
lab_log "PASS: hot-standby with failover and restart, and load-balancing, on a shared PostgreSQL lease database"
