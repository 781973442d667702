#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Discovery against real servers: for every topology of tests/lib/authority_lab.sh the engine,
# configured with only a resolver and a key, must end with the record at the true primary
# (checked with dig against that server), and where another updater would have failed, the log
# must say which target failed and why.
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/authority_lab.sh"
lab_enter "$@"
authority_lab_start
authority_params "$LAB_DIR/params.json"
passed=0

# publish NAME ADDRESS [PARAMS]: runs the engine for one grant; its log is in $LAB_DIR/last.log.
publish() {
	"$LEASE_TOOL" "${3:-$LAB_DIR/params.json}" grant "$1" "$2" >"$LAB_DIR/last.out" 2>"$LAB_DIR/last.log" ||
		lab_fail "publishing $1 failed: $(cat "$LAB_DIR/last.out"; grep -v DEBUG "$LAB_DIR/last.log")"
}

# expect_at SERVER NAME TYPE VALUE: SERVER itself (no recursion; TCP, which every lab server
# answers) has exactly VALUE.
expect_at() {
	local got
	got=$(dig @"$1" +tcp +norec +short "$2" "$3")
	[ "$got" = "$4" ] || lab_fail "$1 has '$got' for $2 $3, expected '$4'"
}

expect_log() {
	grep -qE "$1" "$LAB_DIR/last.log" || lab_fail "log lacks /$1/: $(grep -v DEBUG "$LAB_DIR/last.log")"
}

ok() {
	lab_log "ok: $1"
	passed=$((passed + 1))
}

# KB838151: the primary does not serve its own domain and has recursion off. Asking it for its
# own address, as the classic updaters do, is refused; the engine asks the resolver instead.
[ "$(dig @127.0.0.21 +norec dc1.other.test A | grep -c 'status: REFUSED')" = 1 ] ||
	lab_fail "the KB838151 trap is not set: 127.0.0.21 does not refuse dc1.other.test"
publish h1.kb.test 10.1.0.5
expect_at 127.0.0.21 h1.kb.test A 10.1.0.5
expect_at 127.0.0.21 5.0.1.10.in-addr.arpa PTR h1.kb.test.
expect_log "add A h1.kb.test. 10.1.0.5: zone kb.test., server dc1.other.test. \(127.0.0.21\): success"
grep -E 'query .* to resolver' "$LAB_DIR/last.log" | grep -qv 'resolver 127.0.0.53' &&
	lab_fail "a lookup went somewhere other than the resolver"
ok "KB838151 topology, forward and reverse"

publish h.hidden.test 10.1.2.1
expect_at 127.0.0.31 h.hidden.test A 10.1.2.1
expect_at 127.0.0.32 h.hidden.test A ""
expect_log "zone hidden.test., server hp.hidden.test. \(127.0.0.31\): success"
ok "hidden primary (MNAME not in the NS set)"

publish h.nomname.test 10.1.2.2
expect_at 127.0.0.41 h.nomname.test A 10.1.2.2
expect_log "server name ghost.nomname.test. has no address"
ok "MNAME that does not resolve"

publish h.refuse.test 10.1.2.3
expect_at 127.0.0.52 h.refuse.test A 10.1.2.3
expect_log "server sec.refuse.test. \(127.0.0.51\) failed after [0-9]+ ms: server answered REFUSED"
ok "MNAME pointing at a server that answers REFUSED"

publish h.notauth.test 10.1.2.4
expect_at 127.0.0.62 h.notauth.test A 10.1.2.4
expect_log "server knot.notauth.test. \(127.0.0.61\) failed after [0-9]+ ms: .*RCODE NOTAUTH"
ok "MNAME pointing at a Knot server that answers NOTAUTH"

publish a.b.c.kids.lab.test 10.1.2.5
expect_at 127.0.0.61 a.b.c.kids.lab.test A 10.1.2.5
expect_at 127.0.0.71 a.b.c.kids.lab.test A ""
expect_log "zone kids.lab.test., server kns.kids.lab.test. \(127.0.0.61\): success"
ok "delegated child zone served by Knot, name several labels deep"

target_serial=$(dig @127.0.0.82 +norec +short target.test SOA | awk '{print $3}')
publish alias.cname.test 10.1.2.6
expect_log "add A alias.cname.test. 10.1.2.6: zone cname.test., server ns.cname.test. \(127.0.0.81\)"
[ "$(dig @127.0.0.82 +norec +short target.test SOA | awk '{print $3}')" = "$target_serial" ] ||
	lab_fail "the alias target's zone was changed"
expect_at 127.0.0.82 www.target.test A 192.0.2.80
ok "CNAME at the updated name: the update stays in the name's own zone"

publish h.mcname.test 10.1.2.7
expect_at 127.0.0.83 h.mcname.test A 10.1.2.7
expect_log "primary\.mcname\.test\. is an alias of real\.mcname\.test\."
ok "MNAME that is itself a CNAME"

publish h.trunc.test 10.1.2.8
expect_at 127.0.0.91 h.trunc.test A 10.1.2.8
expect_log "zone trunc.test., server p.trunc.test. \(127.0.0.91\) over TCP: success"
ok "primary whose UDP replies are truncated"

publish h.drop.test 10.1.2.9
expect_at 127.0.0.92 h.drop.test A 10.1.2.9
expect_log "zone drop.test., server p.drop.test. \(127.0.0.92\) over TCP: success"
ok "primary whose UDP is dropped"

authority_params "$LAB_DIR/two-resolvers.json" '[ "127.0.0.54", "127.0.0.53" ]'
publish h2.kb.test 10.1.0.6 "$LAB_DIR/two-resolvers.json"
expect_at 127.0.0.21 h2.kb.test A 10.1.0.6
expect_log "query SOA h2.kb.test. to resolver 127.0.0.54: (no reply before the timeout|network error)"
expect_log "query SOA h2.kb.test. to resolver 127.0.0.53: NXDOMAIN"
ok "first resolver down, second answers"

publish h24.kb.test 10.1.5.7
expect_at 127.0.0.23 7.5.1.10.in-addr.arpa PTR h24.kb.test.
expect_log "add PTR 7\.5\.1\.10\.in-addr\.arpa\. h24\.kb\.test\.: zone 5\.1\.10\.in-addr\.arpa\., server rev24\.other\.test\. \(127\.0\.0\.23\): success"
ok "reverse: a /24 delegated from the /16 (the /16 itself is the KB838151 case)"

publish h26.kb.test 10.1.4.70
expect_at 127.0.0.24 70.64-26.4.1.10.in-addr.arpa PTR h26.kb.test.
expect_at 127.0.0.23 70.4.1.10.in-addr.arpa CNAME 70.64-26.4.1.10.in-addr.arpa.
expect_log "70\.4\.1\.10\.in-addr\.arpa\. is an alias of 70\.64-26\.4\.1\.10\.in-addr\.arpa\."
expect_log "zone 64-26\.4\.1\.10\.in-addr\.arpa\., server rev26\.other\.test\. \(127\.0\.0\.24\): success"
ok "reverse: a /26 delegated the RFC 2317 way (PTR at the CNAME target)"

"$LEASE_TOOL" "$LAB_DIR/params.json" grant h3.kb.test 10.1.0.7 expire h3.kb.test 10.1.0.7 \
	>"$LAB_DIR/last.out" 2>"$LAB_DIR/last.log" || lab_fail "grant then expire failed"
expect_at 127.0.0.21 h3.kb.test A ""
expect_at 127.0.0.21 7.0.1.10.in-addr.arpa PTR ""
expect_log "remove A h3.kb.test. 10.1.0.7: zone kb.test., server dc1.other.test. \(127.0.0.21\): success"
ok "removal goes the same way"

lab_log "PASS: $passed discovery topologies"
