#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# ddns-direct-probe against the authority lab: on success it prints the path, the zone and the
# ordered targets, proves the path with a signed TXT add and remove, and exits 0; on each failure
# it names the failing step and the likely cause and exits 1.
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/authority_lab.sh"
lab_enter "$@"
authority_lab_start
authority_params "$LAB_DIR/params.json"
kea4_config "$LAB_DIR/kea.json" /usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ddns_direct.so "$(cat "$LAB_DIR/params.json")"
passed=0

# probe EXPECTED_STATUS ARGS...: runs the probe, output in $LAB_DIR/probe.out.
probe() {
	local want=$1 rc=0
	shift
	"$PROBE" "$@" >"$LAB_DIR/probe.out" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || lab_fail "probe $* exited $rc, expected $want: $(cat "$LAB_DIR/probe.out")"
}
expect_out() {
	grep -qE "$1" "$LAB_DIR/probe.out" || lab_fail "probe output lacks /$1/: $(cat "$LAB_DIR/probe.out")"
}
ok() {
	lab_log "ok: $1"
	passed=$((passed + 1))
}

probe 0 h.hidden.test --config "$LAB_DIR/kea.json" --update-test
expect_out "query SOA h\.hidden\.test\. to resolver 127\.0\.0\.53: NXDOMAIN"
expect_out "^zone: +hidden\.test\.$"
expect_out "^key: +ddns-key\. \(hmac-sha256\.\)$"
expect_out "^targets: 1\. hp\.hidden\.test\. 127\.0\.0\.31$"
expect_out "^ +2\. ns2\.hidden\.test\. 127\.0\.0\.32$"
expect_out "update test, add TXT: server hp\.hidden\.test\. \(127\.0\.0\.31\): success"
expect_out "update test, remove TXT: server hp\.hidden\.test\. \(127\.0\.0\.31\): success"
expect_out "^OK$"
[ -z "$(dig @127.0.0.31 +norec +short _ddns-direct-probe.h.hidden.test TXT)" ] ||
	lab_fail "the probe left its TXT record behind"
ok "hidden primary traced and proven with --config"

probe 0 h.kb.test --resolver 127.0.0.54 --resolver 127.0.0.53
expect_out "to resolver 127\.0\.0\.54: (no reply before the timeout|network error)"
expect_out "^targets: 1\. dc1\.other\.test\. 127\.0\.0\.21$"
ok "KB838151 topology, first resolver down"

probe 1 h.kb.test --resolver 127.0.0.54
expect_out "^FAILED at discovery \(.*\): no resolver answered"
ok "failure: no resolver"

probe 1 nosuch.invalid --config "$LAB_DIR/kea.json"
expect_out "^FAILED at discovery \(no zone found for the name\): no SOA for the name"
ok "failure: name in no zone"

sed "s#$LAB_SECRET#$(lab_tsig_secret)#" "$LAB_DIR/kea.json" >"$LAB_DIR/wrong-key.json"
probe 1 h.kb.test --config "$LAB_DIR/wrong-key.json" --update-test
expect_out "^FAILED at the update test \(add TXT at 127\.0\.0\.21\): the server did not accept the key"
grep -qF "$LAB_SECRET" "$LAB_DIR/probe.out" && lab_fail "the probe printed the secret"
ok "failure: wrong TSIG secret"

probe 1 h.other.test --config "$LAB_DIR/kea.json" --update-test
expect_out "^FAILED at the update test \(add TXT at 127\.0\.0\.22\): the server refused the update"
ok "failure: server refuses updates"

lab_log "PASS: $passed probe cases"
