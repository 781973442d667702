# SPDX-License-Identifier: MPL-2.0
# Helpers for tests that run real servers (named, kea-dhcp4, perfdhcp) on loopback addresses in a
# private network namespace. Source it, then call lab_enter "$@" first: it re-runs the calling
# script inside a new network and mount namespace, so that the 127.0.0.x addresses and every socket
# the test opens are private to it. Every process started with lab_spawn is stopped by PID at exit.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/pdns.sh"

LAB_PIDS=()
LAB_DIR=""

lab_log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
lab_fail() { lab_log "FAIL: $*"; exit 1; }

# The preamble of every lab script: re-executes the caller inside fresh namespaces (once), sets
# LIB, PROBE and LEASE_TOOL from its first argument, and sets up lo and a scratch directory.
lab_enter() {
	if [ "${LAB_INSIDE:-}" != 1 ]; then
		[ "$(id -u)" = 0 ] || lab_fail "lab tests need root (network namespaces)"
		LAB_INSIDE=1 exec unshare --net --mount --propagation private bash "$0" "$@"
	fi
	ip link set lo up
	# What is under test, from the library make passes: the plugin, and beside it the probe and
	# the lease tool.
	LIB=${1:-build/libdhcp_ddns_direct.so}
	# A bare file name is a library in Kea's hooks directory (an installed package's).
	[[ $LIB != */* ]] || LIB=$(realpath "$LIB")
	PROBE=$(dirname "$LIB")/ddns-direct-probe
	LEASE_TOOL=$(dirname "$LIB")/tests/ddns-lease
	LAB_DIR=$(mktemp -d /tmp/ddns-lab.XXXXXX)
	lab_kea_dirs
	# Tools that read /etc/resolv.conf must see only the lab's resolver.
	echo "nameserver 127.0.0.53" >"$LAB_DIR/resolv.conf"
	mount --bind "$LAB_DIR/resolv.conf" /etc/resolv.conf
	trap lab_cleanup EXIT
}

# Kea's own hook libraries (lease_cmds, ha, and on 3.0 pgsql), as installed.
KEA_SYSTEM_HOOKS=$(ls -d /usr/lib/*/kea/hooks 2>/dev/null | head -n 1)

# Kea 2.6.3 and 3.0 accept a hook library, lease file, log file or control socket only in their
# supported directories, which these variables name (Kea 2.2 ignores them). The lab's are its scratch
# directory, and for hooks one folder holding Kea's own libraries and the one under test (lab_hook).
# The control sockets' directory must be mode 0750. LAB_SYSTEM_HOOKS=1 leaves Kea its own hooks
# directory (the test of an installed package).
lab_kea_dirs() {
	chmod 0750 "$LAB_DIR"
	mkdir "$LAB_DIR/hooks"
	[ -z "$KEA_SYSTEM_HOOKS" ] || ln -s "$KEA_SYSTEM_HOOKS"/*.so "$LAB_DIR/hooks/"
	[ "${LAB_SYSTEM_HOOKS:-}" = 1 ] || export KEA_HOOKS_PATH="$LAB_DIR/hooks"
	export KEA_DHCP_DATA_DIR="$LAB_DIR" KEA_LOG_FILE_DIR="$LAB_DIR" KEA_CONTROL_SOCKET_DIR="$LAB_DIR"
}

# lab_hook LIBRARY: the path Kea loads LIBRARY (a path, or a file name in Kea's hooks directory)
# by, in the lab's hooks folder; with LAB_SYSTEM_HOOKS=1 a file name stays a file name in Kea's own
# hooks directory (Kea 2.2, which takes no bare name, gets that directory's full path).
lab_hook() {
	local lib=$1
	if [ "${LAB_SYSTEM_HOOKS:-}" = 1 ] && [[ $lib != */* ]]; then
		[ -e "$KEA_SYSTEM_HOOKS/$lib" ] || lab_fail "Kea's hooks directory has no $lib"
		if kea_at_least 2.6; then echo "$lib"; else echo "$KEA_SYSTEM_HOOKS/$lib"; fi
		return
	fi
	case "$lib" in
	*/*) ln -sfn "$(realpath "$lib")" "$LAB_DIR/hooks/$(basename "$lib")" ;;
	*) [ -e "$LAB_DIR/hooks/$lib" ] || lab_fail "Kea has no hook library $lib" ;;
	esac
	echo "$LAB_DIR/hooks/$(basename "$lib")"
}

lab_cleanup() {
	local rc=$?
	local pid
	for pid in "${LAB_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${LAB_PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ $rc -ne 0 ] && [ -n "$LAB_DIR" ]; then
		lab_log "test failed (exit $rc); logs in $LAB_DIR:"
		for f in "$LAB_DIR"/*.log; do
			[ -f "$f" ] || continue
			echo "----- $f (last 40 lines)" >&2
			tail -n 40 "$f" >&2
		done
	elif [ -n "$LAB_DIR" ] && [ "${LAB_KEEP:-}" != 1 ]; then
		# A server's worker processes (samba's) may still be writing there for a moment
		# after the server itself is gone: the removal is repeated until it succeeds.
		for _ in $(seq 50); do rm -rf "$LAB_DIR" 2>/dev/null && break; sleep 0.1; done
		[ ! -e "$LAB_DIR" ] || { lab_log "cannot remove $LAB_DIR"; rc=1; }
	fi
	exit $rc
}

lab_addr() { ip addr add "$1/32" dev lo; }

# The installed Kea's version (2.2.0, 2.6.3, 3.0.4...), and kea_at_least MAJOR.MINOR for tests that
# check what only newer versions have.
KEA_VERSION=$(kea-dhcp4 -v 2>/dev/null || echo 0.0.0)
kea_at_least() {
	[ "$(printf '%s\n%s\n' "$1" "$KEA_VERSION" | sort -V | head -n 1)" = "$1" ]
}

# lab_spawn NAME CMD...: starts CMD in the background with output in $LAB_DIR/NAME.log and records
# its PID (the command itself, not a subshell) in LAB_PIDS and in the variable PID_<NAME>.
lab_spawn() {
	local name=$1
	shift
	"$@" >"$LAB_DIR/$name.log" 2>&1 &
	local pid=$!
	LAB_PIDS+=("$pid")
	printf -v "PID_${name//-/_}" '%s' "$pid"
}

# lab_stop PID: stops one process started by lab_spawn and waits for it.
lab_stop() {
	kill -TERM "$1" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# lab_wait SECONDS CMD...: polls CMD every 0.1 s until it succeeds; fails after SECONDS.
lab_wait() {
	local limit=$1
	shift
	local end=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

lab_tsig_secret() { head -c 32 /dev/urandom | base64; }

# named_start NAME ADDR CONF_BODY: writes $LAB_DIR/NAME/named.conf (options plus CONF_BODY) and
# starts named on ADDR (port NAMED_PORT, default 53); returns once it answers there. NAMED_OPTIONS
# replaces the default "recursion no;". NAMED_QUIET=1 logs warnings only (named logs every record an
# update changes at info, which costs it more than applying them); NAMED_LOGGING replaces that
# logging statement with another. NAMED_NICE runs it at that nice value (nice execs named, so the
# PID recorded is named's).
NAMED_WARNINGS_ONLY='logging { channel warn { stderr; severity warning; }; category default { warn; }; category update { null; }; };'
named_start() {
	local name=$1 addr=$2 body=$3
	local dir="$LAB_DIR/$name"
	mkdir -p "$dir"
	cat >"$dir/named.conf" <<CONF
options {
	directory "$dir";
	listen-on port ${NAMED_PORT:-53} { $addr; };
	listen-on-v6 { none; };
	pid-file "$dir/named.pid";
	${NAMED_OPTIONS:-recursion no;}
	notify no;
	dnssec-validation no;
	allow-transfer { any; };
	max-journal-size unlimited;
};
controls { };
$([ "${NAMED_QUIET:-}" != 1 ] || echo "${NAMED_LOGGING:-$NAMED_WARNINGS_ONLY}")
$body
CONF
	# -g ignores the logging statement: -f keeps named in the foreground and obeys it.
	lab_spawn "$name" nice -n "${NAMED_NICE:-0}" named "$([ "${NAMED_QUIET:-}" = 1 ] && echo -f || echo -g)" -n 1 -c "$dir/named.conf"
	local pid_var="PID_${name//-/_}"
	lab_wait 20 dig @"$addr" -p "${NAMED_PORT:-53}" +time=1 +tries=1 version.bind CH TXT ||
		lab_fail "named $name on $addr did not start"
	kill -0 "${!pid_var}" || lab_fail "named $name exited"
}

# zone_file FILE ORIGIN NS_NAME NS_ADDR: a minimal primary zone with SOA and NS (and glue when the
# NS is inside the zone).
zone_file() {
	local file=$1 origin=$2 ns=$3 ns_addr=${4:-}
	{
		echo "\$TTL 300"
		echo "$origin IN SOA $ns hostmaster.$origin 1 3600 600 86400 60"
		echo "$origin IN NS $ns"
		if [ -n "$ns_addr" ]; then echo "$ns IN A $ns_addr"; fi
	} >"$file"
}

# axfr SERVER ZONE: the zone's records, one per line, without comments and SOA/NS lines.
axfr() {
	dig @"$1" +nocmd +nostats +nocomments +noquestion AXFR "$2" | awk '$4 != "SOA" && $4 != "NS" && NF'
}

# count_type SERVER ZONE TYPE: number of TYPE records in the zone.
count_type() { axfr "$1" "$2" | awk -v t="$3" '$4 == t' | wc -l; }

# kea4_start NAME CONFIG_FILE [LOG_FILE]: starts kea-dhcp4 (client port 1068, see perfdhcp_run)
# and returns once it has started serving, or fails with its log if it refused the configuration.
# LOG_FILE is where the configuration sends Kea's log (default: its output, $LAB_DIR/NAME.log).
# KEA_WRAPPER (words) runs Kea under a program that becomes Kea's process (valgrind), so that the
# PID recorded is still Kea's; KEA_START_SECONDS (default 30) is how long Kea may take to start.
kea4_start() {
	local name=$1 conf=$2 log=${3:-$LAB_DIR/$1.log}
	mkdir -p "$LAB_DIR/run"
	KEA_PIDFILE_DIR="$LAB_DIR/run" KEA_LOCKFILE_DIR="$LAB_DIR/run" \
		lab_spawn "$name" ${KEA_WRAPPER:-} kea-dhcp4 -c "$conf" -P 1068
	local pid_var="PID_${name//-/_}"
	local end=$((SECONDS + ${KEA_START_SECONDS:-30}))
	until grep -q DHCP4_STARTED "$log" 2>/dev/null; do
		kill -0 "${!pid_var}" 2>/dev/null || lab_fail "kea-dhcp4 $name exited: $(tail -n 5 "$LAB_DIR/$name.log")"
		[ $SECONDS -lt $end ] || lab_fail "kea-dhcp4 $name did not start"
		sleep 0.1
	done
}

# perfdhcp_run CLIENTS RATE [ARGS...]: DORA for CLIENTS distinct clients at RATE exchanges per
# second, as a relay at 127.0.0.1 towards kea-dhcp4 on 127.0.0.1, with any further perfdhcp
# ARGS. Prints perfdhcp's report to perfdhcp.log.
perfdhcp_run() {
	local clients=$1 rate=$2
	shift 2
	perfdhcp -4 -l 127.0.0.1 -L 1068 -R "$clients" -n "$clients" -r "$rate" -p $((clients / rate + 15)) \
		"$@" 127.0.0.1 >"$LAB_DIR/perfdhcp.log" 2>&1 || true
}

# hostname_option NAME: perfdhcp's -o argument for a Hostname option (12) carrying NAME.
hostname_option() { printf '12,%s' "$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')"; }

# kea4_config FILE LIB PARAMS_JSON [EXTRA_GLOBALS]: a DHCPv4 configuration for the lab: subnet
# 10.1.0.0/16 behind the relay 127.0.0.1, names host-10-1-x-y.corp.example generated by Kea, short
# leases reclaimed every second, and the plugin with PARAMS_JSON. KEA_SUFFIX replaces the
# qualifying suffix, LEASE_LIFETIME the 600-second lifetime, KEA_REPLACE_NAME the "always" of
# ddns-replace-client-name, KEA_HOOKS_BEFORE hook-library entries (each followed by a comma) loaded
# before the plugin; KEA_KEEP_RECLAIMED=1 keeps Kea's defaults for reclaimed leases (kept an hour:
# lease affinity) instead of deleting them at once.
kea4_config() {
	local file=$1 lib=$2 params=$3 extra=${4:-}
	local reclaimed='"hold-reclaimed-time": 0, "flush-reclaimed-timer-wait-time": 0,'
	[ "${KEA_KEEP_RECLAIMED:-}" != 1 ] || reclaimed=""
	cat >"$file" <<CONF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "lo" ], "dhcp-socket-type": "udp" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$LAB_DIR/leases4.csv",
                        "lfc-interval": 0 },
    "valid-lifetime": ${LEASE_LIFETIME:-600},
    "expired-leases-processing": { "reclaim-timer-wait-time": 1, $reclaimed
                                   "max-reclaim-leases": 0, "max-reclaim-time": 0 },
    "dhcp-ddns": { "enable-updates": true },
    "ddns-qualifying-suffix": "${KEA_SUFFIX:-corp.example.}",
    "ddns-replace-client-name": "${KEA_REPLACE_NAME:-always}",
    "ddns-generated-prefix": "host",
    $extra
    "subnet4": [ { "id": 1, "subnet": "10.1.0.0/16",
                   "pools": [ { "pool": "10.1.0.10 - 10.1.255.250" } ],
                   "relay": { "ip-addresses": [ "127.0.0.1" ] } } ],
    "hooks-libraries": [ ${KEA_HOOKS_BEFORE:-} { "library": "$(lab_hook "$lib")", "parameters": $params } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "${KEA_SEVERITY:-INFO}", "debuglevel": 99,
                   "output_options": [ { "output": "stdout", "flush": true } ] },
                 { "name": "kea-dhcp4.ddns-direct", "severity": "${KEA_PLUGIN_SEVERITY:-DEBUG}",
                   "debuglevel": 40, "output_options": [ { "output": "stdout", "flush": true } ] } ]
} }
CONF
}

# kea4_commands_config FILE LIB PARAMS_JSON SOCKET: kea4_config with lease_cmds loaded before the
# plugin and a control socket at SOCKET.
kea4_commands_config() {
	KEA_HOOKS_BEFORE="{ \"library\": \"$(lab_hook libdhcp_lease_cmds.so)\" }," \
		kea4_config "$1" "$2" "$3" "\"control-socket\": { \"socket-type\": \"unix\", \"socket-name\": \"$4\" },"
}

# active_leases4 CSV [MAC_PREFIX]: "address hostname" for every lease in a Kea memfile that is
# still valid (state 0, not expired), names absolute; the last line for an address wins, as in Kea.
# With MAC_PREFIX, only the leases of clients whose hardware address starts with it.
active_leases4() {
	awk -F, -v now="$(date +%s)" -v mac="${2:-}" 'NR > 1 { last[$1] = $0 }
		END { for (a in last) { split(last[a], f, ","); if (f[10] == 0 && f[5] > now && index(f[2], mac) == 1)
			print f[1], (f[9] ~ /\.$/ ? f[9] : f[9] ".") } }' "$1"
}

# lab_zones NAME ADDR SECRET ZONE...: the lab's primary on ADDR for each ZONE (SOA and NS
# ns1.corp.example., its address in corp.example), accepting updates signed with hmac-sha256 key
# "ddns-key" and nothing else. LAB_DNS picks the server: named (the default) or pdns (PowerDNS,
# tests/lib/pdns.sh).
lab_zones() {
	local name=$1 addr=$2 secret=$3
	shift 3
	if [ "${LAB_DNS:-named}" = pdns ]; then
		pdns_zones "$name" "$addr" "$secret" "$@"
		return
	fi
	mkdir -p "$LAB_DIR/$name"
	local conf="key \"ddns-key\" { algorithm hmac-sha256; secret \"$secret\"; };" zone
	for zone in "$@"; do
		zone_file "$LAB_DIR/$name/$zone.db" "$zone." ns1.corp.example. \
			"$([ "$zone" = corp.example ] && echo "$addr")"
		conf+="
zone \"$zone\" { type primary; file \"$zone.db\"; allow-update { key ddns-key; }; };"
	done
	named_start "$name" "$addr" "$conf"
}

# ddns_lab_zones NAME ADDR SECRET: lab_zones for corp.example and 1.10.in-addr.arpa.
ddns_lab_zones() { lab_zones "$1" "$2" "$3" corp.example 1.10.in-addr.arpa; }

# ddns_lab_params ADDR SECRET [REVERSE_ZONE]: the plugin parameters that pin both lab zones
# (the reverse one 1.10.in-addr.arpa. unless given) to ADDR with key ddns-key; LAB_OWNERSHIP,
# when set, is both zones' "ownership"; LAB_SUMMARY the "log-summary-interval".
ddns_lab_params() {
	local addr=$1 secret=$2 rev=${3:-1.10.in-addr.arpa.}
	local owner=${LAB_OWNERSHIP:+, \"ownership\": \"$LAB_OWNERSHIP\"}
	local summary=${LAB_SUMMARY:+, \"log-summary-interval\": $LAB_SUMMARY}
	cat <<JSON
{ "resolvers": [ "$addr" ], "state-dir": "$LAB_DIR/state",
  "tsig-keys": [ { "name": "ddns-key", "algorithm": "hmac-sha256", "secret": "$secret" } ],
  "default-key": "ddns-key"$summary,
  "zones": [ { "name": "corp.example.", "servers": [ "$addr" ]$owner },
             { "name": "$rev", "servers": [ "$addr" ]$owner } ] }
JSON
}

# zone_vs_leases SERVER FWD_ZONE REV_ZONE LEASES_TXT [REV_SERVER]: succeeds when the host-* A
# records of FWD_ZONE at SERVER and the PTR records of REV_ZONE at REV_SERVER (default: SERVER) are
# exactly those of the leases ("address name" lines); otherwise leaves the differences in
# $LAB_DIR/zone-diff.txt.
zone_vs_leases() {
	local server=$1 fwd=$2 rev=$3 leases=$4 rev_server=${5:-$1}
	axfr "$server" "$fwd" | awk '$4 == "A" && $1 ~ /^host-/ { print $5, $1 }' | sort >"$LAB_DIR/zone-a.txt"
	axfr "$rev_server" "$rev" | awk '$4 == "PTR" { print $1, $5 }' | sort >"$LAB_DIR/zone-ptr.txt"
	while read -r addr name; do echo "$(reverse_v4 "$addr") $name"; done <"$leases" |
		sort >"$LAB_DIR/want-ptr.txt"
	{
		diff -u "$leases" "$LAB_DIR/zone-a.txt" && diff -u "$LAB_DIR/want-ptr.txt" "$LAB_DIR/zone-ptr.txt"
	} >"$LAB_DIR/zone-diff.txt" 2>&1
}

# zone_vs_leases6 SERVER FWD_ZONE REV_ZONE LEASES_TXT [REV_SERVER]: the same for DHCPv6 leases
# (from active_leases6): the AAAA records of FWD_ZONE and the ip6.arpa PTR records of REV_ZONE.
zone_vs_leases6() {
	local server=$1 fwd=$2 rev=$3 leases=$4 rev_server=${5:-$1}
	axfr "$server" "$fwd" | awk '$4 == "AAAA" { print $5, $1 }' | sort >"$LAB_DIR/zone-aaaa.txt"
	axfr "$rev_server" "$rev" | awk '$4 == "PTR" { print $1, $5 }' | sort >"$LAB_DIR/zone-ptr.txt"
	python3 -c 'import ipaddress, sys
for line in open(sys.argv[1]):
    addr, name = line.split()
    print(ipaddress.ip_address(addr).reverse_pointer + ".", name)' "$leases" | sort >"$LAB_DIR/want-ptr.txt"
	{
		diff -u "$leases" "$LAB_DIR/zone-aaaa.txt" && diff -u "$LAB_DIR/want-ptr.txt" "$LAB_DIR/zone-ptr.txt"
	} >"$LAB_DIR/zone-diff.txt" 2>&1
}

# zone_has_no_leases SERVER FWD_ZONE REV_ZONE: no host-* A record, no PTR and no DHCID are left.
zone_has_no_leases() {
	[ "$(axfr "$1" "$2" | awk '$4 == "A" && $1 ~ /^host-/' | wc -l)" -eq 0 ] &&
		[ "$(count_type "$1" "$3" PTR)" -eq 0 ] &&
		[ "$(count_type "$1" "$2" DHCID)" -eq 0 ] && [ "$(count_type "$1" "$3" DHCID)" -eq 0 ]
}

# reverse_v4 ADDR: the in-addr.arpa name of an IPv4 address.
reverse_v4() {
	local IFS=.
	set -- $1
	echo "$4.$3.$2.$1.in-addr.arpa."
}

# kea6_config FILE LIB PARAMS_JSON [EXTRA_GLOBALS]: DHCPv6 for the lab: the server on
# lo/2001:db8::1, subnet 2001:db8:1::/64 behind the relay 2001:db8::2, names
# h-<address>.corp.example generated by Kea, short leases reclaimed every second, and the plugin
# with PARAMS_JSON; KEA_HOOKS_BEFORE and KEA_PLUGIN_SEVERITY as for kea4_config.
kea6_config() {
	local file=$1 lib=$2 params=$3 extra=${4:-}
	cat >"$file" <<CONF
{ "Dhcp6": {
    "interfaces-config": { "interfaces": [ "lo/2001:db8::1" ] },
    "server-id": { "type": "EN", "enterprise-id": 2495, "identifier": "0102030405060708",
                   "persist": false },
    "lease-database": { "type": "memfile", "persist": true, "name": "$LAB_DIR/leases6.csv",
                        "lfc-interval": 0 },
    "preferred-lifetime": ${LEASE_LIFETIME:-600}, "valid-lifetime": ${LEASE_LIFETIME:-600},
    "expired-leases-processing": { "reclaim-timer-wait-time": 1, "hold-reclaimed-time": 0,
                                   "flush-reclaimed-timer-wait-time": 0,
                                   "max-reclaim-leases": 0, "max-reclaim-time": 0 },
    "dhcp-ddns": { "enable-updates": true },
    "ddns-qualifying-suffix": "corp.example.",
    "ddns-replace-client-name": "always",
    "ddns-generated-prefix": "h",
    $extra
    "subnet6": [ { "id": 1, "subnet": "2001:db8:1::/64",
                   "pools": [ { "pool": "2001:db8:1::100 - 2001:db8:1::ffff" } ],
                   "relay": { "ip-addresses": [ "2001:db8::2" ] } } ],
    "hooks-libraries": [ ${KEA_HOOKS_BEFORE:-} { "library": "$(lab_hook "$lib")", "parameters": $params } ],
    "loggers": [ { "name": "kea-dhcp6", "severity": "${KEA_SEVERITY:-INFO}", "debuglevel": 99,
                   "output_options": [ { "output": "stdout", "flush": true } ] },
                 { "name": "kea-dhcp6.ddns-direct", "severity": "${KEA_PLUGIN_SEVERITY:-DEBUG}",
                   "debuglevel": 40, "output_options": [ { "output": "stdout", "flush": true } ] } ]
} }
CONF
}

# kea6_start NAME CONFIG_FILE: starts kea-dhcp6 and waits until it serves.
kea6_start() {
	local name=$1 conf=$2
	mkdir -p "$LAB_DIR/run"
	ip addr add 2001:db8::1/128 dev lo nodad 2>/dev/null || true
	ip addr add 2001:db8::2/128 dev lo nodad 2>/dev/null || true
	KEA_PIDFILE_DIR="$LAB_DIR/run" KEA_LOCKFILE_DIR="$LAB_DIR/run" \
		lab_spawn "$name" kea-dhcp6 -c "$conf"
	local pid_var="PID_${name//-/_}"
	local end=$((SECONDS + 30))
	until grep -q DHCP6_STARTED "$LAB_DIR/$name.log" 2>/dev/null; do
		kill -0 "${!pid_var}" 2>/dev/null || lab_fail "kea-dhcp6 $name exited: $(tail -n 5 "$LAB_DIR/$name.log")"
		[ $SECONDS -lt $end ] || lab_fail "kea-dhcp6 $name did not start"
		sleep 0.1
	done
}

# perfdhcp6_run CLIENTS RATE: SOLICIT..REPLY for CLIENTS clients through the relay 2001:db8::2.
perfdhcp6_run() {
	local clients=$1 rate=$2
	perfdhcp -6 -l 2001:db8::2 -A1 -R "$clients" -n "$clients" -r "$rate" \
		-p $((clients / rate + 15)) 2001:db8::1 >"$LAB_DIR/perfdhcp6.log" 2>&1 || true
}

# active_leases6 CSV: "address hostname" for every valid address lease in a Kea v6 memfile.
active_leases6() {
	awk -F, -v now="$(date +%s)" 'NR > 1 { last[$1] = $0 }
		END { for (a in last) { split(last[a], f, ",");
			if (f[14] == 0 && f[7] == 0 && f[4] > now) print f[1], (f[12] ~ /\.$/ ? f[12] : f[12] ".") } }' "$1"
}

# d2_listener: a UDP listener on D2's default port that logs every datagram Kea sends it.
d2_listener() {
	lab_spawn d2-listener python3 -u -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53001))
print("listening", flush=True)
while True:
    data, peer = s.recvfrom(65535)
    print("NCR", len(data), peer, flush=True)
'
	lab_wait 10 grep -q listening "$LAB_DIR/d2-listener.log" || lab_fail "D2 listener did not start"
}

# kea_command SOCKET JSON [SECONDS]: sends one command to a Kea control socket and prints the
# answer, waiting for it up to SECONDS (default 30).
kea_command() {
	python3 - "$1" "$2" "${3:-30}" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(float(sys.argv[3]))
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode())
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.decode())
PY
}

# ddns_resync SOCKET [FORCE [SECONDS]]: runs ddns-direct-resync (force true/false when given),
# waits (SECONDS, default 120) until ddns-direct-status says it finished, and prints "leases
# recorded to-publish to-withdraw"; fails unless it started and finished without error.
ddns_resync() {
	local args="" number line deadline=$((SECONDS + ${3:-120}))
	[ -z "${2:-}" ] || args=", \"arguments\": { \"force\": $2 }"
	number=$(kea_command "$1" "{ \"command\": \"ddns-direct-resync\"$args }" | python3 -c '
import json, sys
a = json.load(sys.stdin)
assert a["result"] == 0 and "resync" in a.get("arguments", {}), a
print(a["arguments"]["resync"])') || return 1
	while :; do
		line=$(kea_command "$1" '{ "command": "ddns-direct-status" }' | python3 -c '
import json, sys
r = json.load(sys.stdin)["arguments"]["resync"]
if r["number"] == int(sys.argv[1]) and r["state"] != "running":
    print(r["state"], r["leases"], r["recorded"], r["to-publish"], r["to-withdraw"], r.get("error", ""))
else:
    print("running")' "$number") || return 1
		case $line in
		done*) echo "${line#done }"; return 0 ;;
		running) ;;
		*) echo "ddns_resync: resync $number: $line" >&2; return 1 ;;
		esac
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "ddns_resync: resync $number still running after ${3:-120} s" >&2
			return 1
		fi
		sleep 0.05
	done
}

# disk_use DIR: the bytes DIR's files take on disk, in allocated blocks (the unused end of the
# mapped events file takes none, though ls shows it), but for the space held in reserve.
disk_use() { du -s -B1 --exclude=reserve "$1" | awk '{ print $1 }'; }

# kea_stat SOCKET NAME: the latest value of Kea statistic NAME (statistic-get answers
# {"arguments": {"NAME": [[value, time], ...]}}), or -1 when Kea has none.
kea_stat() {
	kea_command "$1" "{ \"command\": \"statistic-get\", \"arguments\": { \"name\": \"$2\" } }" |
		python3 -c 'import json, sys; a = json.load(sys.stdin)["arguments"]; v = list(a.values()); print(v[0][0][0] if v and v[0] else -1)'
}

# lab_leases4_in_zones SERVER: succeeds when the lab zones at SERVER hold exactly the active leases
# of $LAB_DIR/leases4.csv (written to $LAB_DIR/leases.txt; differences in zone-diff.txt).
lab_leases4_in_zones() {
	active_leases4 "$LAB_DIR/leases4.csv" | sort >"$LAB_DIR/leases.txt"
	zone_vs_leases "$1" corp.example. 1.10.in-addr.arpa. "$LAB_DIR/leases.txt"
}

# converted_params ENTRY_JSON RESOLVER STATE_DIR: the parameters of a hooks-libraries entry that
# ddns-direct-probe --from-d2 printed, with the lab's resolver and state-dir set.
converted_params() {
	python3 -c '
import json, sys
params = json.load(open(sys.argv[1]))["parameters"]
params["resolvers"] = [sys.argv[2]]
params["state-dir"] = sys.argv[3]
print(json.dumps(params))' "$@"
}

# plugin_idle SOCKET: succeeds when the plugin owes DNS nothing (ddns-direct-status).
plugin_idle() { kea_command "$1" '{ "command": "ddns-direct-status" }' | grep -q '"pending": 0,'; }

# plugin_status EXPR: EXPR (Python, over the arguments "a" of ddns-direct-status) from the Kea
# whose control socket is $LAB_DIR/kea.sock; plugin_stat NAME: one of its counters.
plugin_status() {
	kea_command "$LAB_DIR/kea.sock" '{ "command": "ddns-direct-status" }' |
		python3 -c "import json, sys; a = json.load(sys.stdin)['arguments']; print($1)"
}
plugin_stat() { plugin_status "a['$1']"; }
