#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# PowerDNS Authoritative (gsqlite3, TSIG-only updates) as the update target. First the lease life
# cycle through Kea with the default conflict mode, v4 and v6, and conflicts between clients with a
# static host kept: test_lease4, test_lease6 and test_conflict, run against PowerDNS. Then what
# PowerDNS does differently, one check each: a batch of UPDATE larger than its 1,232-byte UDP
# buffer (it drops such datagrams silently) goes through without a timeout; a name moved to another
# address keeps one A record although PowerDNS applies deletes before adds; a wrong TSIG secret
# gets a bare, unsigned REFUSED, which the engine takes as a TSIG failure, never as success.
here=$(dirname "$0")
if [ "${LAB_INSIDE:-}" != 1 ]; then
	for t in test_lease4 test_lease6 test_conflict; do
		LAB_DNS=pdns bash "$here/$t.sh" "$@" || { echo "FAIL: $t against PowerDNS" >&2; exit 1; }
	done
fi
. "$here/../lib/lab.sh"
lab_enter "$@"
NS=127.0.0.2
lab_addr $NS
SECRET=$(lab_tsig_secret)
pdns_zones ns1 $NS "$SECRET" corp.example 1.10.in-addr.arpa
ddns_lab_params $NS "$SECRET" >"$LAB_DIR/params.json"

# run NAME EVENT...: the engine (ddns-lease) sends the events; its log is $LAB_DIR/NAME.log.
run() {
	local name=$1
	shift
	"$LEASE_TOOL" "$LAB_DIR/params.json" "$@" >"$LAB_DIR/$name.out" 2>"$LAB_DIR/$name.log"
}

events=()
for i in $(seq 10 69); do events+=(grant "batch-$i.corp.example" "10.1.0.$i"); done
run batch "${events[@]}" || lab_fail "the batch did not go through: $(cat "$LAB_DIR/batch.out")"
[ "$(axfr $NS corp.example | awk '$4 == "A" && $1 ~ /^batch-/' | wc -l)" -eq 60 ] ||
	lab_fail "not every A record of the batch is in the zone"
grep -q 'over TCP: success .*(in one UPDATE with others)' "$LAB_DIR/batch.log" ||
	lab_fail "no UPDATE carried several changes over TCP: $(grep -m3 success "$LAB_DIR/batch.log")"
if grep -q 'failed after' "$LAB_DIR/batch.log"; then
	lab_fail "an attempt failed: $(grep -m3 'failed after' "$LAB_DIR/batch.log")"
fi
lab_log "60 names in a few UPDATE messages over TCP, none timed out"

run move grant mover.corp.example 10.1.0.100 grant mover.corp.example 10.1.0.101 ||
	lab_fail "the move did not go through: $(cat "$LAB_DIR/move.out")"
[ "$(dig @$NS +short mover.corp.example A)" = 10.1.0.101 ] ||
	lab_fail "mover.corp.example has A '$(dig @$NS +short mover.corp.example A | tr '\n' ' ')'"
lab_log "a name moved to another address has exactly its new A record"

sed "s#$SECRET#$(lab_tsig_secret)#" "$LAB_DIR/params.json" >"$LAB_DIR/wrong.json"
if DDNS_LEASE_WAIT_MS=3000 "$LEASE_TOOL" "$LAB_DIR/wrong.json" grant wrong.corp.example 10.1.0.200 \
	>"$LAB_DIR/wrong.out" 2>"$LAB_DIR/wrong.log"; then
	lab_fail "an update with a wrong secret was taken as applied"
fi
grep -q 'wrong.corp.example.*TSIG failure: the reply (RCODE REFUSED) is unsigned' "$LAB_DIR/wrong.log" ||
	lab_fail "the unsigned REFUSED was not reported as a TSIG failure: $(grep -m3 WARN "$LAB_DIR/wrong.log")"
grep -q 'succeeded=0 ' "$LAB_DIR/wrong.out" || lab_fail "counted as applied: $(cat "$LAB_DIR/wrong.out")"
[ -z "$(dig @$NS +short wrong.corp.example A)" ] || lab_fail "the zone took an update with a wrong secret"
if grep -q "$SECRET" "$LAB_DIR"/*.log; then lab_fail "a TSIG secret appears in a log"; fi
lab_log "PASS: PowerDNS $(pdns_server --version 2>&1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1): the lease life cycle v4 and v6, conflicts, a static host, a batch over TCP, a moved name, an unsigned REFUSED"
