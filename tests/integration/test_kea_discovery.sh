#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# End to end on the KB838151 topology: kea-dhcp4 with the plugin configured with nothing but a
# resolver and a key (no "servers" anywhere), Kea's own naming settings, and perfdhcp leasing.
# The zone's primary lives in another domain, does not serve it and has recursion off; every
# lease must still get its A and PTR at that primary, and lose them when it expires.
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/authority_lab.sh"
lab_enter "$@"
authority_lab_start
authority_params "$LAB_DIR/params.json"
KEA_SUFFIX=kb.test. LEASE_LIFETIME=20 kea4_config "$LAB_DIR/kea.json" "$LIB" "$(cat "$LAB_DIR/params.json")"
kea4_start kea4 "$LAB_DIR/kea.json"

perfdhcp_run 100 50
active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt"
leases=$(wc -l <"$LAB_DIR/leases.txt")
[ "$leases" -ge 90 ] || lab_fail "only $leases leases granted"
lab_wait 30 zone_vs_leases 127.0.0.21 kb.test 1.10.in-addr.arpa "$LAB_DIR/leases.txt" ||
	lab_fail "zone at the true primary does not match the leases: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
lab_log "$leases leases published at the hidden-domain primary 127.0.0.21"

lab_wait 60 zone_has_no_leases 127.0.0.21 kb.test 1.10.in-addr.arpa ||
	lab_fail "records left after expiry"
lab_log "PASS: $leases leases published through discovery and removed after expiry"
