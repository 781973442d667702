#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# RFC 4703 through Kea against a real named: twenty clients all ask for the name "samehost"; the
# first keeps it (A, PTR, DHCID), every other one is refused with a logged conflict and gets no
# PTR, so each address's reverse record stays correct. A static host (no DHCID) can be taken by
# no client. When the leases expire, only the winner's records go, and the static host stays.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
# The record that marks an owner: DHCID, or TXT with LAB_OWNERSHIP=txt (test_ownership.sh).
MARK=$([ "${LAB_OWNERSHIP:-}" = txt ] && echo TXT || echo DHCID)

lab_addr 127.0.0.2
SECRET=$(lab_tsig_secret)
mkdir -p "$LAB_DIR/ns1"
ddns_lab_zones ns1 127.0.0.2 "$SECRET"
nsupdate -y "hmac-sha256:ddns-key:$SECRET" <<UPD || lab_fail "cannot add the static host"
server 127.0.0.2
zone corp.example
update add static.corp.example. 300 IN A 192.0.2.1
send
UPD
KEA_REPLACE_NAME=never LEASE_LIFETIME=20 kea4_config "$LAB_DIR/kea.json" "$LIB" "$(ddns_lab_params 127.0.0.2 "$SECRET")"
kea4_start kea4 "$LAB_DIR/kea.json"

perfdhcp_run 20 10 -o "$(hostname_option samehost)" -b mac=00:0c:01:00:00:00
perfdhcp_run 5 10 -o "$(hostname_option static)" -b mac=00:0c:02:00:00:00
leases=$(active_leases4 "$LAB_DIR/leases4.csv" | wc -l)
[ "$leases" -ge 20 ] || lab_fail "only $leases leases granted"

conflicts() { grep -c 'conflict, the name belongs to another client' "$LAB_DIR/kea4.log" || true; }
settled() { [ "$(conflicts)" -ge $((leases - 1)) ]; }
lab_wait 30 settled || lab_fail "expected $((leases - 1)) conflicts, saw $(conflicts)"
[ "$(conflicts)" -eq $((leases - 1)) ] || lab_fail "expected $((leases - 1)) conflicts, saw $(conflicts)"
static_leases=$(active_leases4 "$LAB_DIR/leases4.csv" | grep -c ' static\.corp\.example\.$' || true)
static_conflicts=$(grep -c 'add A static\.corp\.example\. .*conflict' "$LAB_DIR/kea4.log" || true)
[ "$static_leases" -ge 1 ] && [ "$static_conflicts" -eq "$static_leases" ] ||
	lab_fail "$static_leases clients asked for the static name, $static_conflicts were refused"

winner=$(dig @127.0.0.2 +short samehost.corp.example A)
[ "$(printf '%s\n' "$winner" | grep -c .)" -eq 1 ] || lab_fail "samehost has A records: '$winner'"
first=$(grep -m1 -oE 'add A samehost\.corp\.example\. [0-9.]+: zone .*: success' "$LAB_DIR/kea4.log" | awk '{print $4}' | tr -d :)
[ "$winner" = "$first" ] || lab_fail "samehost points at $winner, but $first claimed it first"
[ "$(dig @127.0.0.2 +short samehost.corp.example "$MARK" | grep -c .)" -eq 1 ] || lab_fail "samehost lacks its $MARK"
ptrs=$(axfr 127.0.0.2 1.10.in-addr.arpa | awk '$4 == "PTR"')
[ "$(printf '%s\n' "$ptrs" | grep -c .)" -eq 1 ] || lab_fail "expected one PTR, got: $ptrs"
[ "$(printf '%s\n' "$ptrs" | awk '{print $1}')" = "$(reverse_v4 "$winner")" ] ||
	lab_fail "the PTR is not the winner's: $ptrs"
[ "$(dig @127.0.0.2 +short static.corp.example A)" = 192.0.2.1 ] || lab_fail "the static host was changed"
lab_log "samehost kept by $winner; $(conflicts) conflicts logged; static host untouched"

gone() {
	[ -z "$(dig @127.0.0.2 +short samehost.corp.example A)" ] &&
		[ "$(count_type 127.0.0.2 1.10.in-addr.arpa PTR)" -eq 0 ] &&
		[ "$(count_type 127.0.0.2 corp.example "$MARK")" -eq 0 ]
}
lab_wait 60 gone || lab_fail "the winner's records were not removed on expiry"
[ "$(dig @127.0.0.2 +short static.corp.example A)" = 192.0.2.1 ] || lab_fail "expiry removed the static host"
lab_log "PASS: one owner per name, conflicts refused, static host kept, clean expiry"
