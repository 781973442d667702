#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# A reply from the wrong address: every UDP update to the primary is answered, with the right ID
# and question, by a forged REFUSED from another address. The engine's connected UDP socket must
# never see it: the UDP attempt times out, the update goes over TCP to the real server, and no
# REFUSED is ever believed. (Unsigned zone, so TSIG cannot be what rejects the forgery.)
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/authority_lab.sh"
lab_enter "$@"
lab_addr 127.0.0.2
lab_addr 127.0.0.66
mkdir -p "$LAB_DIR/ns" "$LAB_DIR/zones"
soa_zone "$LAB_DIR/zones/open.test" ns.open.test. "open.test. IN NS ns.open.test." "ns.open.test. IN A 127.0.0.2"
cp "$LAB_DIR/zones/open.test" "$LAB_DIR/ns/open.test.db"
NAMED_PORT=5300 named_start ns 127.0.0.2 'zone "open.test" { type primary; file "open.test.db"; allow-update { any; }; };'
proxy front 127.0.0.2 spoof 127.0.0.66
# An unconnected socket, as a careless updater would use, does receive the forgery.
forged=$(python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(bytes.fromhex("123401000001000000000000") + b"\x04open\x04test\x00" + bytes.fromhex("00060001"),
         ("127.0.0.2", 53))
data, peer = s.recvfrom(512)
print(peer[0], data[3] & 15)
PY
)
[ "$forged" = "127.0.0.66 5" ] || lab_fail "the forger is not answering as expected: '$forged'"
cat >"$LAB_DIR/params.json" <<JSON
{ "resolvers": [ "127.0.0.2" ], "state-dir": "$LAB_DIR/state", "reverse": false,
  "conflict-resolution": "no-check-without-dhcid",
  "zones": [ { "name": "open.test.", "servers": [ "127.0.0.2" ] } ] }
JSON
"$LEASE_TOOL" "$LAB_DIR/params.json" grant h.open.test 10.9.9.9 >"$LAB_DIR/run.out" 2>"$LAB_DIR/run.log" ||
	lab_fail "the update failed: $(grep -v DEBUG "$LAB_DIR/run.log")"
[ "$(dig @127.0.0.2 -p 5300 +short h.open.test A)" = 10.9.9.9 ] || lab_fail "the record is not at the primary"
grep -q 'server 127.0.0.2 (127.0.0.2) over TCP: success' "$LAB_DIR/run.log" || lab_fail "not sent over TCP: $(grep -v DEBUG "$LAB_DIR/run.log")"
grep -q REFUSED "$LAB_DIR/run.log" && lab_fail "a forged REFUSED from another address was believed"
lab_log "PASS: forged replies from another address are never seen; the update went through over TCP"
