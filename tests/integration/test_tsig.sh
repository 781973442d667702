#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Every TSIG algorithm against a real named: one zone per algorithm, each accepting only its own
# key; one update into each must land. Then a key with the right name and a wrong secret: named
# answers BADSIG, the engine logs it with zone, server and key name (never the secret), and the
# zone is unchanged.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
ALGS="hmac-md5 hmac-sha1 hmac-sha224 hmac-sha256 hmac-sha384 hmac-sha512"
lab_addr 127.0.0.2
mkdir -p "$LAB_DIR/ns1"
conf="" keys="" zones="" events=() n=0
for alg in $ALGS; do
	n=$((n + 1))
	secret=$(lab_tsig_secret)
	printf -v "SECRET_${alg//-/_}" '%s' "$secret"
	zone_file "$LAB_DIR/ns1/$alg.db" "$alg.test." "ns1.$alg.test." 127.0.0.2
	conf+="key \"k-$alg\" { algorithm $alg; secret \"$secret\"; };
zone \"$alg.test\" { type primary; file \"$alg.db\"; allow-update { key \"k-$alg\"; }; };
"
	keys+="${keys:+,} { \"name\": \"k-$alg\", \"algorithm\": \"$alg\", \"secret\": \"$secret\" }"
	zones+="${zones:+,} { \"name\": \"$alg.test.\", \"servers\": [ \"127.0.0.2\" ], \"key\": \"k-$alg\" }"
	events+=(grant "host.$alg.test" "10.9.0.$n")
done
named_start ns1 127.0.0.2 "$conf"
echo "{ \"resolvers\": [ \"127.0.0.2\" ], \"reverse\": false, \"state-dir\": \"$LAB_DIR/state\", \"tsig-keys\": [ $keys ], \"zones\": [ $zones ] }" >"$LAB_DIR/params.json"

"$LEASE_TOOL" "$LAB_DIR/params.json" "${events[@]}" >"$LAB_DIR/run.out" 2>"$LAB_DIR/run.log" ||
	lab_fail "updates failed: $(cat "$LAB_DIR/run.out"; grep -v DEBUG "$LAB_DIR/run.log")"
n=0
for alg in $ALGS; do
	n=$((n + 1))
	[ "$(dig @127.0.0.2 +short "host.$alg.test" A)" = "10.9.0.$n" ] || lab_fail "no record in $alg.test"
done
lab_log "an update signed with each of: $ALGS"

good=$SECRET_hmac_sha256
bad=$(lab_tsig_secret)
sed "s#$good#$bad#" "$LAB_DIR/params.json" >"$LAB_DIR/wrong.json"
serial=$(dig @127.0.0.2 +short hmac-sha256.test SOA | awk '{print $3}')
rc=0
DDNS_LEASE_WAIT_MS=1500 "$LEASE_TOOL" "$LAB_DIR/wrong.json" grant other.hmac-sha256.test 10.9.0.99 \
	>"$LAB_DIR/wrong.out" 2>"$LAB_DIR/wrong.log" || rc=$?
[ $rc -eq 1 ] || lab_fail "a wrong secret did not fail the run (exit $rc)"
grep -q 'add A other.hmac-sha256.test. 10.9.0.99: zone hmac-sha256.test., server 127.0.0.2 (127.0.0.2) failed after [0-9]* ms: TSIG failure: reply has TSIG error BADSIG for key k-hmac-sha256.' "$LAB_DIR/wrong.log" ||
	lab_fail "no BADSIG line: $(grep -v DEBUG "$LAB_DIR/wrong.log")"
grep -qF "$bad" "$LAB_DIR/wrong.log" && lab_fail "the secret appears in the log"
[ -z "$(dig @127.0.0.2 +short other.hmac-sha256.test A)" ] || lab_fail "the zone accepted a bad signature"
[ "$(dig @127.0.0.2 +short hmac-sha256.test SOA | awk '{print $3}')" = "$serial" ] || lab_fail "the zone changed"
lab_log "PASS: six algorithms accepted; a wrong secret gives BADSIG and no change"
