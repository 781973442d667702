# SPDX-License-Identifier: MPL-2.0
# PowerDNS Authoritative (gsqlite3 back end) as the lab's update target. Sourced by lab.sh; tests
# pick it with LAB_DNS=pdns (lab_zones), or call pdns_zones themselves inside lab_enter.

# pdns_zones NAME ADDR SECRET ZONE...: pdns_server on ADDR, primary for each ZONE (SOA and NS
# ns1.corp.example., its address ADDR in corp.example), accepting updates signed with hmac-sha256
# key "ddns-key" from loopback and nothing else, AXFR to loopback; returns once it answers.
# PDNS_PORT replaces port 53, PDNS_MNAME the zones' SOA and NS name ns1.corp.example.
pdns_zones() {
	local name=$1 addr=$2 secret=$3
	shift 3
	local dir="$LAB_DIR/$name"
	mkdir -p "$dir"
	python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).executescript(open(sys.argv[2]).read())' \
		"$dir/pdns.db" /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql ||
		lab_fail "cannot create the PowerDNS database"
	cat >"$dir/pdns.conf" <<CONF
launch=gsqlite3
gsqlite3-database=$dir/pdns.db
local-address=$addr
local-port=${PDNS_PORT:-53}
socket-dir=$dir
dnsupdate=yes
allow-dnsupdate-from=127.0.0.0/8
allow-axfr-ips=127.0.0.0/8
disable-axfr=no
loglevel=5
CONF
	local util=(pdnsutil --config-dir="$dir")
	# pdnsutil 4 takes a record's name relative to its zone, pdnsutil 5 absolute.
	local ns1=ns1 major
	major=$(pdns_server --version 2>&1 | grep -oE 'Authoritative Server [0-9]+' | grep -oE '[0-9]+$' || true)
	[ "${major:-0}" -lt 5 ] || ns1=ns1.corp.example.
	"${util[@]}" import-tsig-key ddns-key hmac-sha256 "$secret" >/dev/null ||
		lab_fail "pdnsutil cannot import the key"
	local zone
	for zone in "$@"; do
		{
			"${util[@]}" create-zone "$zone" "${PDNS_MNAME:-ns1.corp.example.}" &&
				"${util[@]}" set-meta "$zone" TSIG-ALLOW-DNSUPDATE ddns-key &&
				"${util[@]}" set-meta "$zone" SOA-EDIT-DNSUPDATE INCREASE
		} >>"$dir/pdnsutil.log" 2>&1 || lab_fail "pdnsutil cannot create $zone: $(tail -n 3 "$dir/pdnsutil.log")"
		if [ "$zone" = corp.example ]; then
			"${util[@]}" add-record corp.example "$ns1" A "$addr" >>"$dir/pdnsutil.log" 2>&1 ||
				lab_fail "pdnsutil cannot add ns1.corp.example: $(tail -n 3 "$dir/pdnsutil.log")"
		fi
	done
	pdns_start "$name" "$addr" "$1"
}

# pdns_start NAME ADDR ZONE: (re)starts the pdns_server pdns_zones set up as NAME, with its
# database as it is; returns once it answers for ZONE.
pdns_start() {
	local name=$1 addr=$2 zone=$3 dir="$LAB_DIR/$1"
	lab_spawn "$name" pdns_server --config-dir="$dir" --socket-dir="$dir" --daemon=no --guardian=no
	lab_wait 20 dig @"$addr" -p "${PDNS_PORT:-53}" +time=1 +tries=1 +short SOA "$zone" ||
		lab_fail "pdns_server $name on $addr did not start: $(tail -n 5 "$LAB_DIR/$name.log")"
}
