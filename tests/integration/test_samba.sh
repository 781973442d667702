#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Active Directory as the update target: a Samba AD DC (internal DNS, zones "secure only") on
# loopback, kea-dhcp4 with the plugin and GSS-TSIG as the DC's account dhcpduser, discovery through
# the DC as resolver, perfdhcp leasing addresses.
# - Every lease's A and PTR must be there (Samba has no DHCID: the forward zone gets TXT marks
#   after one NOTIMP; Samba 4.17 signs its replies without the request MAC's length: accepted),
#   one negotiation with the DC, no error line.
# - The reverse zone relies on the DC's own record rights (ownership "none"): the first pool
#   address's PTR, created beforehand by the Administrator, is refused to dhcpduser (SERVFAIL; REFUSED from 4.22)
#   while the other PTRs are applied: given up as a conflict, the Administrator's record intact.
# - The DC restarts (every negotiated key gone): the removals after the leases expire renegotiate
#   (Samba 4.17 answers the old key with BADKEY, 4.22 with REFUSED: a signed query shows the key
#   is gone) and every record is gone, nothing owed.
# - The probe's --update-test passes against the DC, and names the cause where the record is not
#   dhcpduser's.
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/samba.sh"
lab_enter "$@"
DC=127.0.0.10
lab_addr $DC
samba_dc_start $DC
lab_log "Samba $(samba -V | awk '{print $2}') DC for $SAMBA_REALM on $DC"
# What an account that registered its name itself leaves: a record dhcpduser may not change.
OWNED=10.1.0.10
samba_admin dns add $DC 10.in-addr.arpa 10.0.1 PTR workstation.$SAMBA_DOMAIN >"$LAB_DIR/owned.log" 2>&1 ||
	lab_fail "cannot create the Administrator's PTR: $(tail -n 3 "$LAB_DIR/owned.log")"

params="{ \"resolvers\": [ \"$DC\" ], \"state-dir\": \"$LAB_DIR/state\",
  \"gss-tsig\": { \"keytab\": \"$LAB_DIR/samba/dhcp.keytab\", \"principal\": \"dhcpduser@$SAMBA_REALM\",
                \"ccache\": \"$LAB_DIR/krb5cc\" },
  \"default-key\": \"gss-tsig\",
  \"zones\": [ { \"name\": \"$SAMBA_DOMAIN\" }, { \"name\": \"10.in-addr.arpa\", \"ownership\": \"none\" } ] }"
KEA_SUFFIX=$SAMBA_DOMAIN. LEASE_LIFETIME=60 kea4_config "$LAB_DIR/kea.json" "$LIB" "$params" \
	"\"control-socket\": { \"socket-type\": \"unix\", \"socket-name\": \"$LAB_DIR/kea.sock\" },"

"$PROBE" --config "$LAB_DIR/kea.json" --update-test probe.$SAMBA_DOMAIN >"$LAB_DIR/probe.log" 2>&1 ||
	lab_fail "the probe's update test failed against the DC: $(tail -n 3 "$LAB_DIR/probe.log")"
# The probe's test record below a name the Administrator registered first: refused, cause named.
samba_admin dns add $DC $SAMBA_DOMAIN _ddns-direct-probe.workstation TXT admin >>"$LAB_DIR/owned.log" 2>&1 ||
	lab_fail "cannot create the Administrator's TXT: $(tail -n 3 "$LAB_DIR/owned.log")"
if "$PROBE" --config "$LAB_DIR/kea.json" --update-test workstation.$SAMBA_DOMAIN >"$LAB_DIR/probe-owned.log" 2>&1 ||
	! grep -q 'FAILED at the update test.*belong to another account' "$LAB_DIR/probe-owned.log"; then
	lab_fail "the probe did not name the cause of the DC's refusal: $(tail -n 2 "$LAB_DIR/probe-owned.log")"
fi
lab_log "probe: update test passes at the DC; refused where the Administrator owns the name, cause named"

kea4_start kea4 "$LAB_DIR/kea.json"

# Leases over 40 s: the refused PTR's tries (1, 2, 4... s apart) each see other PTRs applied.
perfdhcp_run 160 4
active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt"
leases=$(wc -l <"$LAB_DIR/leases.txt")
[ "$leases" -ge 100 ] || lab_fail "only $leases leases granted"
grep -q "^$OWNED " "$LAB_DIR/leases.txt" || lab_fail "the first pool address $OWNED was not leased"
# The DC gives no zone transfer: each name is asked.
published() {
	while read -r addr name; do
		[ "$(dig @$DC +short "$name" A)" = "$addr" ] || return 1
		[ "$addr" = $OWNED ] || [ "$(dig @$DC +short -x "$addr")" = "$name" ] || return 1
	done <"$LAB_DIR/leases.txt"
}
lab_wait 60 published || lab_fail "not every lease has its A and PTR at the DC"
owned_intact() { [ "$(dig @$DC +short -x $OWNED)" = "workstation.$SAMBA_DOMAIN." ]; }
denied() { grep -q "DDNS_DIRECT_UPDATE_DENIED.*10.0.1.10.in-addr.arpa" "$LAB_DIR/kea4.log"; }
lab_wait 60 denied || lab_fail "the refused PTR of $OWNED was not given up as a conflict"
owned_intact || lab_fail "the Administrator's PTR of $OWNED changed"
[ "$(plugin_stat pending)" -eq 0 ] || lab_fail "$(plugin_stat pending) changes still owed"
[ "$(plugin_stat conflicts)" -eq 1 ] || lab_fail "$(plugin_stat conflicts) conflicts, 1 expected"
[ "$(plugin_stat gss-negotiations)" -eq 1 ] || lab_fail "$(plugin_stat gss-negotiations) negotiations with one DC"
grep -q DDNS_DIRECT_ZONE_NO_DHCID "$LAB_DIR/kea4.log" || lab_fail "the forward zone never switched to TXT marks"
# Samba 4.17 (Debian 12) signs its replies without the request MAC's length; 4.22 (Debian 13) as
# RFC 8945 says. Either way every update above was verified.
signing="as RFC 8945 says"
if grep -q DDNS_DIRECT_TSIG_NONSTANDARD "$LAB_DIR/kea4.log"; then signing="without the request MAC's length"; fi
errors() { grep -E 'ERROR +\[kea-dhcp4.ddns-direct' "$LAB_DIR/kea4.log" | grep -v DDNS_DIRECT_UPDATE_DENIED; }
if errors; then lab_fail "the plugin logged an error"; fi
lab_log "$leases leases: every A and PTR at the DC, one GSS-TSIG negotiation, TXT marks, replies signed $signing; the Administrator's PTR refused and kept"

samba_dc_restart
lab_log "DC restarted: the negotiated key is gone"
gone() {
	while read -r addr name; do
		[ -z "$(dig @$DC +short "$name" A)" ] || return 1
		[ "$addr" = $OWNED ] || [ -z "$(dig @$DC +short -x "$addr")" ] || return 1
	done <"$LAB_DIR/leases.txt"
}
lab_wait 150 gone || lab_fail "records left after the leases expired"
owned_intact || lab_fail "the Administrator's PTR of $OWNED was removed"
lab_wait 10 test "$(plugin_stat pending)" -eq 0 || lab_fail "$(plugin_stat pending) changes still owed"
[ "$(plugin_stat gss-negotiations)" -eq 2 ] || lab_fail "$(plugin_stat gss-negotiations) negotiations, 2 expected (before and after the restart)"
[ "$(plugin_stat failed)" -eq "$(plugin_stat conflicts)" ] || lab_fail "$(plugin_stat failed) changes failed, $(plugin_stat conflicts) of them conflicts"
if errors; then lab_fail "the plugin logged an error"; fi
lab_log "PASS: Samba AD DC: $leases leases published with GSS-TSIG, a record another account owns refused and kept, removed after expiry through a DC restart"
