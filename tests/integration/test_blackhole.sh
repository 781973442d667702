#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# No head-of-line blocking: the primary of dead.test swallows UDP and accepts TCP without ever
# answering, so every update to it costs two full timeouts; live.test is healthy. Ten changes to
# dead.test are queued first, then ten to live.test: all of live.test's records must be in place
# within 3 s, while dead.test's changes are still being retried.
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/authority_lab.sh"
lab_enter "$@"
LAB_SECRET=$(lab_tsig_secret)
lab_addr 127.0.0.2
lab_addr 127.0.0.3
mkdir -p "$LAB_DIR/zones"
soa_zone "$LAB_DIR/zones/live.test" ns.live.test. "live.test. IN NS ns.live.test." "ns.live.test. IN A 127.0.0.2"
primary live 127.0.0.2 live.test
proxy dead 127.0.0.3 blackhole
cat >"$LAB_DIR/params.json" <<JSON
{ "resolvers": [ "127.0.0.2" ], "state-dir": "$LAB_DIR/state", "reverse": false,
  "tsig-keys": [ { "name": "ddns-key", "algorithm": "hmac-sha256", "secret": "$LAB_SECRET" } ],
  "default-key": "ddns-key",
  "zones": [ { "name": "live.test.", "servers": [ "127.0.0.2" ] },
             { "name": "dead.test.", "servers": [ "127.0.0.3" ] } ] }
JSON
events=()
for i in $(seq 10); do events+=(grant "h$i.dead.test" "10.7.0.$i"); done
for i in $(seq 10); do events+=(grant "h$i.live.test" "10.8.0.$i"); done

start=$SECONDS
rc=0
DDNS_LEASE_WAIT_MS=3000 "$LEASE_TOOL" "$LAB_DIR/params.json" "${events[@]}" >"$LAB_DIR/run.out" 2>"$LAB_DIR/run.log" || rc=$?
[ $rc -eq 1 ] || lab_fail "the run should end with dead.test's changes still owed (exit $rc)"
for i in $(seq 10); do
	[ "$(dig @127.0.0.2 +short "h$i.live.test" A)" = "10.8.0.$i" ] ||
		lab_fail "h$i.live.test is missing after $((SECONDS - start)) s: $(grep -c 'live.test.*success' "$LAB_DIR/run.log") of 10 published"
done
grep -q 'zone dead.test., server 127.0.0.3 (127.0.0.3) failed after [0-9]* ms: no reply before the timeout' "$LAB_DIR/run.log" ||
	lab_fail "dead.test was never tried: $(grep -v DEBUG "$LAB_DIR/run.log" | head -n 5)"
lab_log "PASS: all 10 live.test records published while dead.test's server hangs"
