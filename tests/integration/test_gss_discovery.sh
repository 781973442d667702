#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# GSS-TSIG and discovery together, in the KB838151 topology with a "secure only" zone: kb.test's
# primary dc1.other.test (127.0.0.21) lives in a domain it does not serve, has recursion off, and
# accepts only updates signed by the plugin's Kerberos principal (GSS-TSIG). The plugin knows only
# the recursive resolver: it must find dc1 through it, ask the KDC for DNS/dc1.other.test, negotiate
# a key with TKEY and publish the records, one negotiation for several names. Then the failure
# paths: a principal the KDC does not know and a server whose principal is missing both fail with a
# log line naming the principal asked for, and no key, ticket or token in any log line.
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/kdc.sh"
lab_enter "$@"
for a in 10 21 22 53 3; do lab_addr "127.0.0.$a"; done

# Tickets live 10 s, so that the test can show a ticket renewed from the keytab.
KDC_MAX_LIFE=10s kdc_start 127.0.0.3
mkdir -p "$LAB_DIR/dc1" "$LAB_DIR/zones"
kdc_principal DNS/dc1.other.test "$LAB_DIR/dc1/dns.keytab"
kdc_principal DHCP/kea.lab.test "$LAB_DIR/dhcp.keytab"
PRINCIPAL="DHCP/kea.lab.test@$KDC_REALM"

# The private root, other.test (dc1's own domain, served elsewhere), and the resolver.
Z="$LAB_DIR/zones"
printf '%s\n' '$TTL 300' '. IN SOA a.root.test. h.root.test. 1 3600 600 86400 60' \
	'. IN NS a.root.test.' 'a.root.test. IN A 127.0.0.10' 'kb.test. IN NS dc1.other.test.' \
	'1.10.in-addr.arpa. IN NS dc1.other.test.' \
	'other.test. IN NS ns.other.test.' 'ns.other.test. IN A 127.0.0.22' >"$Z/root"
printf '%s\n' '$TTL 300' 'other.test. IN SOA ns.other.test. h.other.test. 1 3600 600 86400 60' \
	'other.test. IN NS ns.other.test.' 'ns.other.test. IN A 127.0.0.22' \
	'dc1.other.test. IN A 127.0.0.21' >"$Z/other.test"
for zone in kb.test 1.10.in-addr.arpa; do
	printf '%s\n' '$TTL 300' "$zone. IN SOA dc1.other.test. h.other.test. 1 3600 600 86400 60" \
		"$zone. IN NS dc1.other.test." >"$Z/$zone"
done
named_start root 127.0.0.10 "zone \".\" { type primary; file \"$Z/root\"; };"
named_start other 127.0.0.22 "zone \"other.test\" { type primary; file \"$Z/other.test\"; };"
printf '%s\n' '. 3600000 NS a.root.test.' 'a.root.test. 3600000 A 127.0.0.10' >"$LAB_DIR/root.hint"
NAMED_OPTIONS="recursion yes; allow-recursion { any; }; qname-minimization off; empty-zones-enable no;" \
	named_start resolver 127.0.0.53 "zone \".\" { type hint; file \"$LAB_DIR/root.hint\"; };"

# dc1: secure only. An HMAC key is defined so that an HMAC-signed update can be shown refused.
HMAC=$(lab_tsig_secret)
policy="update-policy { grant \"$PRINCIPAL\" zonesub ANY; };"
NAMED_OPTIONS="recursion no; tkey-gssapi-keytab \"$LAB_DIR/dc1/dns.keytab\";" named_start dc1 127.0.0.21 "
key \"ddns-key\" { algorithm hmac-sha256; secret \"$HMAC\"; };
zone \"kb.test\" { type primary; file \"$Z/kb.test\"; $policy };
zone \"1.10.in-addr.arpa\" { type primary; file \"$Z/1.10.in-addr.arpa\"; $policy };"

# KB838151 holds: dc1 cannot answer for its own name.
rc=$(dig @127.0.0.21 +time=1 +tries=1 dc1.other.test A | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
[ "$rc" != NOERROR ] || lab_fail "dc1 answers for other.test; the topology is wrong"

params() { # params FILE PRINCIPAL: plugin parameters with GSS-TSIG for everything
	cat >"$1" <<JSON
{ "resolvers": [ "127.0.0.53" ], "state-dir": "$LAB_DIR/state-$(basename "$1" .json)",
  "gss-tsig": { "keytab": "$LAB_DIR/dhcp.keytab", "principal": "$2",
                "ccache": "$LAB_DIR/krb5cc-$(basename "$1" .json)" },
  "default-key": "gss-tsig" }
JSON
}
params "$LAB_DIR/gss.json" "$PRINCIPAL"
"$LEASE_TOOL" "$LAB_DIR/gss.json" grant a.kb.test 10.1.0.1 grant b.kb.test 10.1.0.2 \
	grant c.kb.test 10.1.0.3 >"$LAB_DIR/run.out" 2>"$LAB_DIR/run.log" ||
	lab_fail "updates failed: $(cat "$LAB_DIR/run.out"; grep -v DEBUG "$LAB_DIR/run.log")"
for i in 1 2 3; do
	host=$(printf 'abc' | cut -c$i).kb.test
	[ "$(dig @127.0.0.21 +short "$host" A)" = "10.1.0.$i" ] || lab_fail "no A for $host"
	[ "$(dig @127.0.0.21 +short -x "10.1.0.$i")" = "$host." ] || lab_fail "no PTR for 10.1.0.$i"
done
negotiated=$(grep -c "GSS-TSIG key [0-9]*\.sig-dc1\.other\.test\. negotiated with dc1.other.test. (127.0.0.21) as DNS/dc1.other.test@$KDC_REALM" "$LAB_DIR/run.log" || true)
[ "$negotiated" -eq 1 ] || lab_fail "expected one negotiation with dc1, saw $negotiated"
grep -q 'gss-negotiations=1$' "$LAB_DIR/run.out" || lab_fail "counter: $(cat "$LAB_DIR/run.out")"
lab_log "discovered dc1 through the resolver, negotiated once, 6 records signed with GSS-TSIG"

# The ticket in the plugin's ccache expires; the next negotiation gets a new one from the keytab
# by itself (no kinit anywhere).
KRB5CCNAME="$LAB_DIR/krb5cc-gss" klist -s || lab_fail "the ccache holds no valid ticket after the run"
lab_wait 30 bash -c "! KRB5CCNAME='$LAB_DIR/krb5cc-gss' klist -s" || lab_fail "the ticket did not expire"
"$LEASE_TOOL" "$LAB_DIR/gss.json" grant f.kb.test 10.1.0.6 >"$LAB_DIR/renew.out" 2>"$LAB_DIR/renew.log" ||
	lab_fail "no update after the ticket expired: $(grep -v DEBUG "$LAB_DIR/renew.log")"
[ "$(dig @127.0.0.21 +short f.kb.test A)" = 10.1.0.6 ] || lab_fail "no A for f.kb.test"
KRB5CCNAME="$LAB_DIR/krb5cc-gss" klist -s || lab_fail "no fresh ticket in the ccache"
lab_log "the expired ticket was replaced from the keytab"

# Secure only: the same change unsigned, and signed with an HMAC key dc1 knows, is refused.
for how in "" "-y hmac-sha256:ddns-key:$HMAC"; do
	# shellcheck disable=SC2086
	out=$(printf 'server 127.0.0.21\nzone kb.test\nupdate add x.kb.test 60 A 10.1.0.9\nsend\n' | nsupdate $how 2>&1 || true)
	echo "$out" | grep -q REFUSED || lab_fail "dc1 did not refuse an update (${how:+HMAC}${how:-unsigned}): $out"
done
[ -z "$(dig @127.0.0.21 +short x.kb.test A)" ] || lab_fail "dc1 took an update that was not GSS-signed"
lab_log "dc1 refuses unsigned and HMAC-signed updates"

# expect_failure NAME FQDN ADDR WORDS: the lease tool with NAME.json fails to publish FQDN, with a
# log line naming the server's principal and the Kerberos library's reason (WORDS).
expect_failure() {
	local rc=0
	DDNS_LEASE_WAIT_MS=3000 "$LEASE_TOOL" "$LAB_DIR/$1.json" grant "$2" "$3" \
		>"$LAB_DIR/$1.out" 2>"$LAB_DIR/$1.log" || rc=$?
	[ $rc -eq 1 ] || lab_fail "$1: the update did not fail (exit $rc)"
	grep -q "add A $2. $3: zone kb.test., server dc1.other.test. (127.0.0.21) failed .*GSS-TSIG for DNS/dc1.other.test@$KDC_REALM: .*$4" "$LAB_DIR/$1.log" ||
		lab_fail "$1: no failure line naming the principal: $(grep -v DEBUG "$LAB_DIR/$1.log" | head -n 5)"
	lab_log "$1: $(grep -m1 -o 'GSS-TSIG for DNS/[^;]*' "$LAB_DIR/$1.log")"
}

# A client principal the KDC does not know: the credentials cannot be had.
kdc_principal DHCP/other.lab.test "$LAB_DIR/dhcp-unknown.keytab"
printf 'delprinc -force DHCP/other.lab.test@%s\n' "$KDC_REALM" | kadmin.local -r "$KDC_REALM" >/dev/null 2>&1
params "$LAB_DIR/unknown.json" "DHCP/other.lab.test@$KDC_REALM"
sed -i "s#$LAB_DIR/dhcp.keytab#$LAB_DIR/dhcp-unknown.keytab#" "$LAB_DIR/unknown.json"
expect_failure unknown d.kb.test 10.1.0.4 "Client 'DHCP/other.lab.test@$KDC_REALM' not found in Kerberos database"

# A server without a DNS/ principal: the KDC cannot issue the ticket.
printf 'delprinc -force DNS/dc1.other.test@%s\n' "$KDC_REALM" | kadmin.local -r "$KDC_REALM" >/dev/null 2>&1
params "$LAB_DIR/noservice.json" "$PRINCIPAL"
expect_failure noservice e.kb.test 10.1.0.5 "Server DNS/dc1.other.test@$KDC_REALM not found in Kerberos database"
if grep -qiE 'YII|ticket:|token:' "$LAB_DIR"/run.log "$LAB_DIR"/unknown.log "$LAB_DIR"/noservice.log; then
	lab_fail "a log line carries token material"
fi
lab_log "PASS: KB838151 with a secure-only zone: discovered, negotiated once, refused without GSS-TSIG"
