#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# kea-dhcp4 must refuse to start when the plugin's parameters are wrong, with one log line naming
# the parameter and the problem, and never the secret. A good configuration must start.
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
SECRET=$(lab_tsig_secret)
printf 'key "k2" {\n\talgorithm hmac-sha512;\n\tsecret "%s";\n};\n' "$SECRET" >"$LAB_DIR/k2.key"
chmod 600 "$LAB_DIR/k2.key"
KEY="{ \"name\": \"ddns-key\", \"algorithm\": \"hmac-sha256\", \"secret\": \"$SECRET\" }"
passed=0

# expect_rejected PARAMS EXPECTED_TEXT
expect_rejected() {
	local params=$1 want=$2
	kea4_config "$LAB_DIR/kea.json" "$LIB" "$params"
	local rc=0
	KEA_PIDFILE_DIR="$LAB_DIR" KEA_LOCKFILE_DIR="$LAB_DIR" \
		timeout 30 kea-dhcp4 -c "$LAB_DIR/kea.json" -P 1068 >"$LAB_DIR/kea-bad.log" 2>&1 || rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] || lab_fail "kea-dhcp4 accepted (or hung on) $params"
	local line
	line=$(grep 'DDNS_DIRECT_CONFIG_ERROR' "$LAB_DIR/kea-bad.log" || true)
	[ "$(printf '%s\n' "$line" | grep -c .)" -eq 1 ] || lab_fail "want one DDNS_DIRECT_CONFIG_ERROR line for $params, got: $(cat "$LAB_DIR/kea-bad.log")"
	printf '%s\n' "$line" | grep -qF "$want" || lab_fail "log line '$line' lacks '$want'"
	if grep -qF "$SECRET" "$LAB_DIR/kea-bad.log"; then lab_fail "secret logged for $params"; fi
	lab_log "rejected as expected: $want"
	passed=$((passed + 1))
}

expect_rejected '{ "resolvers": ["127.0.0.2"], "resolverz": [] }' "parameter 'resolverz': unknown parameter"
expect_rejected '{ "resolvers": "127.0.0.2" }' "parameter 'resolvers': expected array, got string"
expect_rejected '{ "resolvers": ["127.0.0.256"] }' "parameter 'resolvers[0]': '127.0.0.256' is not an address"
expect_rejected '{ "resolvers": ["127.0.0.2"], "forward": "yes" }' "parameter 'forward': expected boolean, got string"
expect_rejected '{ "resolvers": ["127.0.0.2"], "tsig-keys": [ { "name": "k", "algorithm": "hmac-sha256", "secret": "not base64!" } ] }' \
	"parameter 'tsig-keys[0].secret': secret is not valid base64"
expect_rejected "{ \"resolvers\": [\"127.0.0.2\"], \"tsig-keys\": [ { \"name\": \"k\", \"algorithm\": \"hmac-sha3\", \"secret\": \"$SECRET\" } ] }" \
	"parameter 'tsig-keys[0].algorithm': unknown algorithm 'hmac-sha3'"
expect_rejected "{ \"resolvers\": [\"127.0.0.2\"], \"tsig-keys\": [ $KEY ], \"default-key\": \"nokey\" }" \
	"parameter 'default-key': no tsig-keys entry named 'nokey'"
expect_rejected "{ \"resolvers\": [\"127.0.0.2\"], \"tsig-keys\": [ $KEY ], \"zones\": [ { \"name\": \"corp.example.\", \"key\": \"k9\" } ] }" \
	"parameter 'zones[0].key': no tsig-keys entry named 'k9'"
expect_rejected '{ "resolvers": ["127.0.0.2"], "tsig-keys": [ { "name": "k2", "algorithm": "hmac-sha512", "secret-file": "/nonexistent/k2.key" } ] }' \
	"parameter 'tsig-keys[0].secret-file': cannot read '/nonexistent/k2.key'"
expect_rejected '{ "resolvers": ["127.0.0.2"], "zones": [ { "name": "bad..name" } ] }' \
	"parameter 'zones[0].name': 'bad..name' is not a valid domain name: empty label"
expect_rejected '{ "resolvers": ["127.0.0.2"], "ttl": -5 }' "parameter 'ttl': must be a whole number"
expect_rejected '{ "resolvers": ["127.0.0.2"], "state-dir": "/proc/ddns-direct" }' \
	"parameter 'state-dir': cannot use '/proc/ddns-direct'"

# A good configuration, with a BIND key file as secret-file, starts and loads the plugin.
kea4_config "$LAB_DIR/kea.json" "$LIB" "{ \"resolvers\": [\"127.0.0.2\", \"[::1]:5353\"],
  \"tsig-keys\": [ $KEY, { \"name\": \"k2\", \"algorithm\": \"hmac-sha512\", \"secret-file\": \"$LAB_DIR/k2.key\" } ],
  \"default-key\": \"ddns-key\",
  \"zones\": [ { \"name\": \"corp.example.\", \"key\": \"ddns-key\" },
             { \"name\": \"lab.example.\", \"servers\": [\"127.0.0.30\", \"127.0.0.31:5300\"], \"key\": \"k2\" },
             { \"name\": \"nodns.example.\", \"update\": false } ],
  \"forward\": true, \"reverse\": true, \"ttl\": 0, \"state-dir\": \"$LAB_DIR/state\" }"
kea-dhcp4 -t "$LAB_DIR/kea.json" >"$LAB_DIR/kea-check.log" 2>&1 || lab_fail "kea-dhcp4 -t refused the good configuration"
kea4_start kea4 "$LAB_DIR/kea.json"
grep -q DDNS_DIRECT_LOADED "$LAB_DIR/kea4.log" || lab_fail "plugin did not report loading"
if grep -qF "$SECRET" "$LAB_DIR/kea4.log"; then lab_fail "secret logged at start-up"; fi
lab_log "PASS: $passed bad configurations rejected, the good one loads"
