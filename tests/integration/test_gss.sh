#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# GSS-TSIG end to end with real processes: an MIT KDC with a throwaway realm, two named primaries
# (ns1: corp.example, ns2: 1.10.in-addr.arpa) that accept only updates signed by the plugin's
# Kerberos principal, kea-dhcp4 with the plugin and perfdhcp leasing 250 addresses. Every A and
# PTR must be there; named's statistics must show one TKEY negotiation per server for hundreds of
# updates; after ns1 is restarted mid-run (its keys are lost: BADKEY) the plugin negotiates again
# and every lease granted meanwhile is published too; after ns1's Kerberos key changes, the plugin
# gets fresh tickets at once.
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/kdc.sh"
lab_enter "$@"
for a in 2 3 4; do lab_addr "127.0.0.$a"; done

kdc_start 127.0.0.3
mkdir -p "$LAB_DIR/ns1" "$LAB_DIR/ns2"
kdc_principal DNS/ns1.corp.example "$LAB_DIR/ns1/dns.keytab"
kdc_principal DNS/ns2.corp.example "$LAB_DIR/ns2/dns.keytab"
kdc_principal DHCP/kea.lab.test "$LAB_DIR/dhcp.keytab"
PRINCIPAL="DHCP/kea.lab.test@$KDC_REALM"

printf '%s\n' '$TTL 300' 'corp.example. IN SOA ns1.corp.example. h.corp.example. 1 3600 600 86400 60' \
	'corp.example. IN NS ns1.corp.example.' 'ns1.corp.example. IN A 127.0.0.2' \
	'ns2.corp.example. IN A 127.0.0.4' >"$LAB_DIR/ns1/corp.db"
printf '%s\n' '$TTL 300' '1.10.in-addr.arpa. IN SOA ns2.corp.example. h.corp.example. 1 3600 600 86400 60' \
	'1.10.in-addr.arpa. IN NS ns2.corp.example.' >"$LAB_DIR/ns2/rev.db"
HMAC=$(lab_tsig_secret)
gss_named() { # gss_named NAME ADDR ZONE FILE: a secure-only primary with a statistics channel
	NAMED_QUIET=1 NAMED_OPTIONS="recursion no; tkey-gssapi-keytab \"$LAB_DIR/$1/dns.keytab\";" named_start "$1" "$2" "
statistics-channels { inet $2 port 8053 allow { any; }; };
key \"ddns-key\" { algorithm hmac-sha256; secret \"$HMAC\"; };
zone \"$3\" { type primary; file \"$4\"; update-policy { grant \"$PRINCIPAL\" zonesub ANY; }; };"
}
gss_named ns1 127.0.0.2 corp.example corp.db
gss_named ns2 127.0.0.4 1.10.in-addr.arpa rev.db

# named_stat ADDR KIND NAME: a counter from named's statistics channel (0 when absent); KIND is
# qtypes (queries received by type) or nsstats.
named_stat() {
	python3 - "$@" <<'PY'
import json, sys, urllib.request
stats = json.load(urllib.request.urlopen("http://%s:8053/json/v1/server" % sys.argv[1], timeout=5))
print(stats.get(sys.argv[2], {}).get(sys.argv[3], 0))
PY
}

params="{ \"resolvers\": [ \"127.0.0.2\", \"127.0.0.4\" ], \"state-dir\": \"$LAB_DIR/state\",
  \"gss-tsig\": { \"keytab\": \"$LAB_DIR/dhcp.keytab\", \"principal\": \"$PRINCIPAL\",
                \"ccache\": \"$LAB_DIR/krb5cc\", \"key-lifetime\": 3600 },
  \"default-key\": \"gss-tsig\" }"
kea4_config "$LAB_DIR/kea.json" "$LIB" "$params" \
	"\"control-socket\": { \"socket-type\": \"unix\", \"socket-name\": \"$LAB_DIR/kea.sock\" },"
kea4_start kea4 "$LAB_DIR/kea.json"

lab_log "leasing 250 addresses"
perfdhcp_run 250 100
active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt"
leases=$(wc -l <"$LAB_DIR/leases.txt")
[ "$leases" -ge 200 ] || lab_fail "only $leases leases granted; perfdhcp: $(tail -n 30 "$LAB_DIR/perfdhcp.log")"
match() { active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt" &&
	zone_vs_leases 127.0.0.2 corp.example 1.10.in-addr.arpa "$LAB_DIR/leases.txt"; }
# zone_vs_leases asks one server for both zones: ns1 for corp.example, ns2 for the reverse.
zone_vs_leases() {
	axfr 127.0.0.2 corp.example | awk '$4 == "A" && $1 ~ /^host-/ { print $5, $1 }' | sort >"$LAB_DIR/zone-a.txt"
	axfr 127.0.0.4 1.10.in-addr.arpa | awk '$4 == "PTR" { print $1, $5 }' | sort >"$LAB_DIR/zone-ptr.txt"
	while read -r addr name; do echo "$(reverse_v4 "$addr") $name"; done <"$4" | sort >"$LAB_DIR/want-ptr.txt"
	{ diff -u "$4" "$LAB_DIR/zone-a.txt" && diff -u "$LAB_DIR/want-ptr.txt" "$LAB_DIR/zone-ptr.txt"; } >"$LAB_DIR/zone-diff.txt" 2>&1
}
lab_wait 60 match || lab_fail "zones do not match the leases: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
tkey1=$(named_stat 127.0.0.2 qtypes TKEY) tkey2=$(named_stat 127.0.0.4 qtypes TKEY)
upd1=$(named_stat 127.0.0.2 nsstats UpdateDone) upd2=$(named_stat 127.0.0.4 nsstats UpdateDone)
lab_log "$leases leases: every A and PTR present; ns1 took $upd1 UPDATEs after $tkey1 TKEY, ns2 $upd2 after $tkey2"
[ "$tkey1" -eq 1 ] && [ "$tkey2" -eq 1 ] || lab_fail "expected one TKEY per server, saw $tkey1 and $tkey2"
[ "$(plugin_stat gss-negotiations)" -eq 2 ] || lab_fail "the plugin counts $(plugin_stat gss-negotiations) negotiations"

# Secure only: unsigned and HMAC-signed updates are refused, so the records prove GSS-TSIG.
for how in "" "-y hmac-sha256:ddns-key:$HMAC"; do
	# shellcheck disable=SC2086
	out=$(printf 'server 127.0.0.2\nzone corp.example\nupdate add x.corp.example 60 A 10.1.0.9\nsend\n' | nsupdate $how 2>&1 || true)
	echo "$out" | grep -q REFUSED || lab_fail "ns1 did not refuse an update (${how:+HMAC}${how:-unsigned}): $out"
done
lab_log "ns1 refuses unsigned and HMAC-signed updates"

# Restart ns1 mid-run, losing its GSS-TSIG keys, while new clients keep coming.
lab_log "leasing 150 more addresses (new clients) while ns1 restarts"
perfdhcp_run 150 30 -b mac=00:0c:01:aa:bb:00 &
load=$!
more() { [ "$(active_leases4 "$LAB_DIR/leases4.csv" | wc -l)" -gt $((leases + 20)) ]; }
lab_wait 20 more || lab_fail "no new leases"
# A crash, not a clean stop: named saves negotiated keys (_default.tsigkeys) on a clean shutdown.
kill -KILL "$PID_ns1"
wait "$PID_ns1" 2>/dev/null || true
rm -f "$LAB_DIR"/ns1/*.tsigkeys
lab_wait 20 grep -q 'server ns1.corp.example. (127.0.0.2) failed' "$LAB_DIR/kea4.log" ||
	lab_fail "no update was tried while ns1 was down"
gss_named ns1 127.0.0.2 corp.example corp.db
wait "$load"
lab_wait 90 match || lab_fail "zones do not match the leases after the restart: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
leases=$(wc -l <"$LAB_DIR/leases.txt")
tkey1=$(named_stat 127.0.0.2 qtypes TKEY)
[ "$tkey1" -eq 1 ] || lab_fail "the restarted ns1 saw $tkey1 TKEY negotiations, expected 1"
grep -q 'BADKEY' "$LAB_DIR/kea4.log" || lab_fail "the plugin never saw ns1's BADKEY"
negotiations=$(plugin_stat gss-negotiations)
[ "$negotiations" -eq 3 ] || lab_fail "expected 3 negotiations in all, the plugin counts $negotiations"
lab_log "after ns1's restart: one more negotiation, and all $leases leases published"
# The server's Kerberos key changes (an AD DC rotates its machine password every 30 days): ns1's
# principal gets a new key, its keytab holds only that one, and ns1 restarts (its GSS-TSIG keys
# are lost). The plugin's cached service ticket is for the old key: it must get a fresh one at
# once, not when the old one expires hours later.
lab_log "re-keying ns1's principal and restarting ns1"
printf 'ktadd -k %s %s\n' "$LAB_DIR/ns1/dns.keytab.new" "DNS/ns1.corp.example@$KDC_REALM" |
	kadmin.local -r "$KDC_REALM" >"$LAB_DIR/krb/rekey.log" 2>&1 ||
	lab_fail "cannot re-key ns1: $(cat "$LAB_DIR/krb/rekey.log")"
mv "$LAB_DIR/ns1/dns.keytab.new" "$LAB_DIR/ns1/dns.keytab"
chmod 600 "$LAB_DIR/ns1/dns.keytab"
kill -KILL "$PID_ns1"
wait "$PID_ns1" 2>/dev/null || true
rm -f "$LAB_DIR"/ns1/*.tsigkeys
gss_named ns1 127.0.0.2 corp.example corp.db
perfdhcp_run 40 20 -b mac=00:0c:02:aa:bb:00
lab_wait 60 match || lab_fail "zones do not match the leases after the re-key: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
grep -q 'getting fresh Kerberos tickets' "$LAB_DIR/kea4.log" ||
	lab_fail "the plugin never got a fresh ticket after the re-key"
leases=$(wc -l <"$LAB_DIR/leases.txt")
lab_log "after ns1's key changed: fresh tickets, and all $leases leases published"
if grep -qiE 'YII|token:' "$LAB_DIR/kea4.log"; then lab_fail "a log line carries token material"; fi
lab_log "PASS: $leases leases published with GSS-TSIG, one TKEY per server per key, restart and re-key survived"
