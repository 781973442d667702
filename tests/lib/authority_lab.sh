# SPDX-License-Identifier: MPL-2.0
# The zone-authority lab: a private root (127.0.0.10), a recursive resolver (127.0.0.53) that
# knows only that root, and one authoritative server per role, each zone built to break a known
# updater. Source after lab.sh and call authority_lab_start inside lab_enter. Every primary accepts
# updates signed with hmac-sha256 key "ddns-key" ($LAB_SECRET) and nothing else; the servers
# marked "refuses" serve a copy of the zone without allow-update, so they answer REFUSED to
# updates as a secondary does.
#
#   zone               what breaks                             true primary
#   kb.test            KB838151: primary dc1.other.test lives  127.0.0.21 (recursion off,
#   1.10.in-addr.arpa  in another domain it does not serve      serves only its own zones)
#   hidden.test        MNAME hp.hidden.test not in NS; the NS   127.0.0.31
#                      (ns2, 127.0.0.32) refuses
#   nomname.test       MNAME ghost.nomname.test has no address  127.0.0.41 (the NS)
#   refuse.test        MNAME sec.refuse.test (127.0.0.51) refuses 127.0.0.52 (second NS)
#   notauth.test       MNAME knot.notauth.test is a Knot server  127.0.0.62 (the NS)
#                      (127.0.0.61) not authoritative: NOTAUTH
#   kids.lab.test      child of lab.test (127.0.0.71), served    127.0.0.61 (knotd)
#                      by Knot
#   cname.test         alias.cname.test is a CNAME into          127.0.0.81
#                      target.test (127.0.0.82)
#   mcname.test        MNAME primary.mcname.test is a CNAME to   127.0.0.83
#                      real.mcname.test; the NS (84) refuses
#   trunc.test         every UDP reply of the primary is         127.0.0.91 (TCP relayed to
#                      truncated                                 named on port 5300)
#   drop.test          the primary drops UDP; NS q.drop.test     127.0.0.92 (TCP relayed)
#                      (93) refuses
#   5.1.10.in-addr.arpa   a /24 delegated from the /16 1.10.in-addr.arpa   127.0.0.23
#   4.1.10.in-addr.arpa   a /24 (127.0.0.23) whose .64-.127 are CNAMEs into the RFC 2317 child
#   64-26.4.1.10.in-addr.arpa                                               127.0.0.24
#   127.0.0.54 swallows UDP and closes TCP: a resolver that is down.

LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# soa_zone FILE MNAME RECORDS...: a zone file with SOA (MNAME) and the given records; the file's
# name is the zone's name ("root" for the root zone).
soa_zone() {
	local file=$1 mname=$2
	local origin
	origin="$(basename "$file")."
	[ "$origin" = root. ] && origin=.
	shift 2
	{
		echo "\$TTL 300"
		echo "$origin IN SOA $mname hostmaster.${origin#.} 1 3600 600 86400 60"
		printf '%s\n' "$@"
	} >"$file"
}

# primary NAME ADDR [PORT] ZONE...: named serving each ZONE from $LAB_DIR/zones/ZONE, updatable
# with ddns-key. A leading "-" on a zone name serves it without updates (a refusing copy); the
# zone file "root" is the root zone.
primary() {
	local name=$1 addr=$2 port=53
	shift 2
	if [[ $1 =~ ^[0-9]+$ ]]; then port=$1; shift; fi
	mkdir -p "$LAB_DIR/$name"
	local body="key \"ddns-key\" { algorithm hmac-sha256; secret \"$LAB_SECRET\"; };"
	local z
	for z in "$@"; do
		local update="allow-update { key ddns-key; };"
		if [[ $z == -* ]]; then z=${z#-}; update=""; fi
		cp "$LAB_DIR/zones/$z" "$LAB_DIR/$name/$z.db"
		local origin=$z
		[ "$z" = root ] && origin=.
		body+="
zone \"$origin\" { type primary; file \"$z.db\"; $update };"
	done
	NAMED_PORT=$port named_start "$name" "$addr" "$body"
}

# proxy NAME ADDR MODE [SPOOF_FROM]: the dnsproxy.py front on ADDR:53 (see there), relaying TCP to
# port 5300.
proxy() {
	lab_spawn "$1" python3 -u "$LAB_HERE/dnsproxy.py" "$2" "$3" 5300 ${4:-}
	lab_wait 10 grep -q ready "$LAB_DIR/$1.log" || lab_fail "proxy $1 did not start"
}

knot_start() {
	local name=$1 addr=$2 zone=$3
	local dir="$LAB_DIR/$name"
	mkdir -p "$dir"
	cp "$LAB_DIR/zones/$zone" "$dir/$zone.zone"
	cat >"$dir/knot.conf" <<CONF
server:
    listen: $addr@53
    rundir: "$dir"
    pidfile: "$dir/knot.pid"
log:
  - target: stderr
    any: info
database:
    storage: "$dir"
key:
  - id: ddns-key
    algorithm: hmac-sha256
    secret: $LAB_SECRET
acl:
  - id: update
    key: ddns-key
    action: update
template:
  - id: default
    storage: "$dir"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: $zone
    file: "$dir/$zone.zone"
    acl: update
CONF
	lab_spawn "$name" knotd -c "$dir/knot.conf"
	lab_wait 20 dig @"$addr" +time=1 +tries=1 +norec "$zone" SOA ||
		lab_fail "knotd $name on $addr did not start"
}

resolves() { [ -n "$(dig @127.0.0.53 +time=1 +tries=1 +short "$1" A)" ]; }

authority_lab_start() {
	local a
	for a in 10 21 22 23 24 31 32 41 51 52 53 54 61 62 71 81 82 83 84 91 92 93; do
		lab_addr "127.0.0.$a"
	done
	LAB_SECRET=$(lab_tsig_secret)
	mkdir -p "$LAB_DIR/zones"
	local Z="$LAB_DIR/zones"
	soa_zone "$Z/root" a.root.test. ". IN NS a.root.test." "a.root.test. IN A 127.0.0.10" \
		"kb.test. IN NS dc1.other.test." "1.10.in-addr.arpa. IN NS dc1.other.test." \
		"other.test. IN NS ns.other.test." "ns.other.test. IN A 127.0.0.22" \
		"hidden.test. IN NS ns2.hidden.test." "ns2.hidden.test. IN A 127.0.0.32" \
		"nomname.test. IN NS ns.nomname.test." "ns.nomname.test. IN A 127.0.0.41" \
		"refuse.test. IN NS sec.refuse.test." "refuse.test. IN NS prim.refuse.test." \
		"sec.refuse.test. IN A 127.0.0.51" "prim.refuse.test. IN A 127.0.0.52" \
		"notauth.test. IN NS prim.notauth.test." "prim.notauth.test. IN A 127.0.0.62" \
		"lab.test. IN NS ns.lab.test." "ns.lab.test. IN A 127.0.0.71" \
		"cname.test. IN NS ns.cname.test." "ns.cname.test. IN A 127.0.0.81" \
		"target.test. IN NS ns.target.test." "ns.target.test. IN A 127.0.0.82" \
		"mcname.test. IN NS ns.mcname.test." "ns.mcname.test. IN A 127.0.0.84" \
		"trunc.test. IN NS p.trunc.test." "p.trunc.test. IN A 127.0.0.91" \
		"drop.test. IN NS p.drop.test." "drop.test. IN NS q.drop.test." \
		"p.drop.test. IN A 127.0.0.92" "q.drop.test. IN A 127.0.0.93"
	soa_zone "$Z/kb.test" dc1.other.test. "kb.test. IN NS dc1.other.test."
	soa_zone "$Z/1.10.in-addr.arpa" dc1.other.test. "1.10.in-addr.arpa. IN NS dc1.other.test." \
		"5.1.10.in-addr.arpa. IN NS rev24.other.test." "4.1.10.in-addr.arpa. IN NS rev24.other.test."
	soa_zone "$Z/5.1.10.in-addr.arpa" rev24.other.test. "5.1.10.in-addr.arpa. IN NS rev24.other.test."
	local cnames=() i
	for i in $(seq 64 127); do cnames+=("$i.4.1.10.in-addr.arpa. IN CNAME $i.64-26.4.1.10.in-addr.arpa."); done
	soa_zone "$Z/4.1.10.in-addr.arpa" rev24.other.test. "4.1.10.in-addr.arpa. IN NS rev24.other.test." \
		"64-26.4.1.10.in-addr.arpa. IN NS rev26.other.test." "${cnames[@]}"
	soa_zone "$Z/64-26.4.1.10.in-addr.arpa" rev26.other.test. \
		"64-26.4.1.10.in-addr.arpa. IN NS rev26.other.test."
	soa_zone "$Z/other.test" ns.other.test. "other.test. IN NS ns.other.test." \
		"ns.other.test. IN A 127.0.0.22" "dc1.other.test. IN A 127.0.0.21" \
		"rev24.other.test. IN A 127.0.0.23" "rev26.other.test. IN A 127.0.0.24"
	soa_zone "$Z/hidden.test" hp.hidden.test. "hidden.test. IN NS ns2.hidden.test." \
		"ns2.hidden.test. IN A 127.0.0.32" "hp.hidden.test. IN A 127.0.0.31"
	soa_zone "$Z/nomname.test" ghost.nomname.test. "nomname.test. IN NS ns.nomname.test." \
		"ns.nomname.test. IN A 127.0.0.41"
	soa_zone "$Z/refuse.test" sec.refuse.test. "refuse.test. IN NS sec.refuse.test." \
		"refuse.test. IN NS prim.refuse.test." "sec.refuse.test. IN A 127.0.0.51" \
		"prim.refuse.test. IN A 127.0.0.52"
	soa_zone "$Z/notauth.test" knot.notauth.test. "notauth.test. IN NS prim.notauth.test." \
		"prim.notauth.test. IN A 127.0.0.62" "knot.notauth.test. IN A 127.0.0.61"
	soa_zone "$Z/lab.test" ns.lab.test. "lab.test. IN NS ns.lab.test." \
		"ns.lab.test. IN A 127.0.0.71" "kids.lab.test. IN NS kns.kids.lab.test." \
		"kns.kids.lab.test. IN A 127.0.0.61"
	soa_zone "$Z/kids.lab.test" kns.kids.lab.test. "kids.lab.test. IN NS kns.kids.lab.test." \
		"kns.kids.lab.test. IN A 127.0.0.61"
	soa_zone "$Z/cname.test" ns.cname.test. "cname.test. IN NS ns.cname.test." \
		"ns.cname.test. IN A 127.0.0.81" "alias.cname.test. IN CNAME www.target.test."
	soa_zone "$Z/target.test" ns.target.test. "target.test. IN NS ns.target.test." \
		"ns.target.test. IN A 127.0.0.82" "www.target.test. IN A 192.0.2.80"
	soa_zone "$Z/mcname.test" primary.mcname.test. "mcname.test. IN NS ns.mcname.test." \
		"ns.mcname.test. IN A 127.0.0.84" "primary.mcname.test. IN CNAME real.mcname.test." \
		"real.mcname.test. IN A 127.0.0.83"
	soa_zone "$Z/trunc.test" p.trunc.test. "trunc.test. IN NS p.trunc.test." \
		"p.trunc.test. IN A 127.0.0.91"
	soa_zone "$Z/drop.test" p.drop.test. "drop.test. IN NS p.drop.test." \
		"drop.test. IN NS q.drop.test." "p.drop.test. IN A 127.0.0.92" \
		"q.drop.test. IN A 127.0.0.93"

	primary root 127.0.0.10 -root
	primary dc1 127.0.0.21 kb.test 1.10.in-addr.arpa
	primary other 127.0.0.22 -other.test
	primary rev24 127.0.0.23 5.1.10.in-addr.arpa 4.1.10.in-addr.arpa
	primary rev26 127.0.0.24 64-26.4.1.10.in-addr.arpa
	primary hidden-primary 127.0.0.31 hidden.test
	primary hidden-ns2 127.0.0.32 -hidden.test
	primary nomname 127.0.0.41 nomname.test
	primary refuse-sec 127.0.0.51 -refuse.test
	primary refuse-prim 127.0.0.52 refuse.test
	primary notauth-prim 127.0.0.62 notauth.test
	primary lab 127.0.0.71 -lab.test
	knot_start knot 127.0.0.61 kids.lab.test
	primary cname 127.0.0.81 cname.test
	primary target 127.0.0.82 target.test
	primary mcname-real 127.0.0.83 mcname.test
	primary mcname-ns 127.0.0.84 -mcname.test
	primary trunc 127.0.0.91 5300 trunc.test
	proxy trunc-front 127.0.0.91 truncate
	primary drop 127.0.0.92 5300 drop.test
	proxy drop-front 127.0.0.92 drop
	primary drop-q 127.0.0.93 -drop.test
	proxy dead-resolver 127.0.0.54 sink

	echo ". 3600000 NS a.root.test." >"$LAB_DIR/root.hint"
	echo "a.root.test. 3600000 A 127.0.0.10" >>"$LAB_DIR/root.hint"
	NAMED_OPTIONS="recursion yes; allow-recursion { any; }; qname-minimization off; empty-zones-enable no;" \
		named_start resolver 127.0.0.53 "zone \".\" { type hint; file \"$LAB_DIR/root.hint\"; };"
	lab_wait 20 resolves dc1.other.test || lab_fail "the resolver cannot resolve through the lab root"
}

# authority_params FILE [RESOLVERS_JSON]: plugin parameters with only resolvers and the key.
authority_params() {
	local resolvers=${2:-'[ "127.0.0.53" ]'}
	cat >"$1" <<JSON
{ "resolvers": $resolvers, "state-dir": "$LAB_DIR/state-$(basename "$1" .json)",
  "tsig-keys": [ { "name": "ddns-key", "algorithm": "hmac-sha256", "secret": "$LAB_SECRET" } ],
  "default-key": "ddns-key" }
JSON
}
