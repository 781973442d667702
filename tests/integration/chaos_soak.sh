#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# The chaos soak (make soak): faults of every kind mixed for minutes, then DNS must equal Kea's
# lease table. In a private network namespace on loopback: multi-threaded kea-dhcp4 with the plugin
# and lease_cmds, perfdhcp keeping a steady population that is granted, renewed and released and
# lets leases expire (30-second lifetime); BIND primary for corp.example and PowerDNS primary for
# 1.10.in-addr.arpa, each behind a fault proxy (tests/lib/dnsproxy.py switch:), and a resolver
# through which the plugin discovers both. A fault injector, drawing from a seed it prints, stops or
# freezes a primary, makes its proxy answer SERVFAIL or REFUSED or drop UDP, kills Kea with SIGKILL
# (at any moment, or in a burst of new clients) and restarts it on the same lease file and
# state-dir, rotates the forward zone's key on both sides (in either order) or pins and unpins
# the reverse zone (config-reload or config-set), and fills state-dir's file system for a while.
# Faults overlap. At the end every fault is undone, the leases get long lifetimes, the short ones
# expire, and once the plugin is idle: every active lease has exactly its A, PTR and DHCID, no
# record is left for a lease that is not active, no name or address is published twice, and
# nothing was dropped. Figures go to stdout and $SOAK_REPORT when set.
#
#   bash tests/integration/chaos_soak.sh LIBRARY   (SOAK_SECONDS, default 600; SOAK_SEED to replay;
#   SOAK_FAULTS: the kinds to draw from, of stop freeze servfail refused drop kill burst key pin disk;
#   SOAK_PLUGIN_SEVERITY: the plugin's log level, INFO by default; SOAK_FAMILY=6: kea-dhcp6,
#   AAAA and ip6.arpa instead)
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
trap 'lab_log "command failed at line $LINENO: $BASH_COMMAND"' ERR

SOAK_SECONDS=${SOAK_SECONDS:-600}
SEED=${SOAK_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$SEED
CLIENTS=${SOAK_CLIENTS:-300}
LIFETIME=30
SOCK=$LAB_DIR/kea.sock
FAMILY=${SOAK_FAMILY:-4}
KEA=kea$FAMILY
case $FAMILY in
4)
	REV=1.10.in-addr.arpa FWD_TYPE=A
	PERF=(perfdhcp -4 -l 127.0.0.1 -L 1068) SERVER=127.0.0.1
	;;
6)
	REV=0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa FWD_TYPE=AAAA
	PERF=(perfdhcp -6 -l 2001:db8::2 -A1) SERVER=2001:db8::1
	;;
*) lab_fail "SOAK_FAMILY is 4 or 6, not $FAMILY" ;;
esac
kea_pid() { local v="PID_$KEA"; echo "${!v}"; }
HERE=$(dirname "$0")/../lib
lab_log "chaos soak: $SOAK_SECONDS s, seed $SEED (SOAK_SEED=$SEED replays the same draws), Kea $KEA_VERSION"

# rand LOW HIGH: a whole number drawn from the seeded sequence.
rand() { echo $(($1 + RANDOM % ($2 - $1 + 1))); }

for a in 127.0.0.2 127.0.0.3 127.0.0.53; do lab_addr $a; done
FWD_SECRET=$(lab_tsig_secret)
REV_SECRET=$(lab_tsig_secret)
PINNED=0

# BIND: corp.example on 127.0.0.2 port 5300, behind the proxy on port 53; its key in a file of its
# own so that a rotation is a rewrite and a SIGHUP.
mkdir -p "$LAB_DIR/ns1"
zone_file "$LAB_DIR/ns1/corp.example.db" corp.example. ns1.corp.example. 127.0.0.2
echo "ns2.corp.example. IN A 127.0.0.3" >>"$LAB_DIR/ns1/corp.example.db"
write_fwd_key() {
	printf 'key "fwd-key" { algorithm hmac-sha256; secret "%s"; };\n' "$1" >"$LAB_DIR/ns1/fwd-key.conf"
}
write_fwd_key "$FWD_SECRET"
start_ns1() {
	NAMED_PORT=5300 NAMED_QUIET=1 named_start ns1 127.0.0.2 "include \"$LAB_DIR/ns1/fwd-key.conf\";
zone \"corp.example\" { type primary; file \"corp.example.db\"; allow-update { key fwd-key; }; };"
}
start_ns1
# PowerDNS: the reverse zone on 127.0.0.3 port 5300, SOA and NS ns2.corp.example.
PDNS_PORT=5300
PDNS_MNAME=ns2.corp.example. pdns_zones ns2 127.0.0.3 "$REV_SECRET" $REV
start_ns2() { pdns_start ns2 127.0.0.3 $REV; }
for p in 1 2; do
	lab_spawn px$p python3 -u "$HERE/dnsproxy.py" 127.0.0.$((p + 1)) "switch:$LAB_DIR/px$p.mode" 5300
	lab_wait 10 grep -q ready "$LAB_DIR/px$p.log" || lab_fail "proxy px$p did not start"
done
# The resolver knows both primaries' addresses (static-stub), as a site's resolvers would.
NAMED_QUIET=1 NAMED_OPTIONS="recursion yes; allow-recursion { any; }; empty-zones-enable no; max-ncache-ttl 2; servfail-ttl 0;" \
	named_start res 127.0.0.53 "
zone \"corp.example\" { type static-stub; server-addresses { 127.0.0.2; }; };
zone \"$REV\" { type static-stub; server-addresses { 127.0.0.3; }; };"

# state-dir on a small file system of its own, which the disk fault fills.
mkdir -p "$LAB_DIR/statefs"
mount -t tmpfs -o size=64m,mode=0700 tmpfs "$LAB_DIR/statefs"
mkdir -m 0700 "$LAB_DIR/statefs/state"

# kea_conf: $LAB_DIR/kea.json for the current key, pinning and lifetime.
kea_conf() {
	local pin=""
	[ "$PINNED" = 0 ] || pin=', "servers": [ "127.0.0.3" ]'
	KEA_PLUGIN_SEVERITY=${SOAK_PLUGIN_SEVERITY:-INFO} LEASE_LIFETIME=$LIFETIME \
		KEA_HOOKS_BEFORE="{ \"library\": \"$(lab_hook libdhcp_lease_cmds.so)\" }," \
		kea${FAMILY}_config "$LAB_DIR/kea.json" "$LIB" "{ \"resolvers\": [ \"127.0.0.53\" ],
  \"state-dir\": \"$LAB_DIR/statefs/state\",
  \"tsig-keys\": [ { \"name\": \"fwd-key\", \"algorithm\": \"hmac-sha256\", \"secret\": \"$FWD_SECRET\" },
                 { \"name\": \"ddns-key\", \"algorithm\": \"hmac-sha256\", \"secret\": \"$REV_SECRET\" } ],
  \"default-key\": \"ddns-key\",
  \"zones\": [ { \"name\": \"corp.example.\", \"key\": \"fwd-key\" }, { \"name\": \"$REV.\"$pin } ] }" \
		"\"control-socket\": { \"socket-type\": \"unix\", \"socket-name\": \"$SOCK\" },
    \"multi-threading\": { \"enable-multi-threading\": true, \"thread-pool-size\": 4, \"packet-queue-size\": 64 },"
}
RUNS=0
start_kea() {
	RUNS=$((RUNS + 1))
	[ ! -e "$LAB_DIR/$KEA.log" ] || mv "$LAB_DIR/$KEA.log" "$LAB_DIR/$KEA-run$((RUNS - 1)).log"
	${KEA}_start "$KEA" "$LAB_DIR/kea.json"
}
kea_conf
start_kea

# The steady population: perfdhcp runs back to back (20 s each) over the same CLIENTS MAC
# addresses: new clients, renewals (-f) and releases (-F); a client not drawn for 30 s expires.
# Kea answers one client port, so a burst of new clients (the MAC base written to $LAB_DIR/burst)
# takes the place of the next run.
traffic() {
	local child="" args
	trap '[ -z "$child" ] || kill "$child" 2>/dev/null; exit 0' TERM
	while :; do
		args=(-R "$CLIENTS" -r 30 -f 8 -F 3 -p 20)
		if [ -e "$LAB_DIR/burst" ]; then
			args=(-R 2000 -b "mac=$(cat "$LAB_DIR/burst")" -r 400 -p 4)
			rm -f "$LAB_DIR/burst"
		fi
		"${PERF[@]}" "${args[@]}" "$SERVER" >>"$LAB_DIR/perfdhcp.log" 2>&1 &
		child=$!
		echo "$child" >"$LAB_DIR/traffic.pid"
		wait "$child" || true
	done
}
traffic &
TRAFFIC=$!
LAB_PIDS+=("$TRAFFIC")

# What is broken now, and when each is undone (seconds since the script started).
declare -A BROKEN=() UNDO_AT=() FAULTS=()
count() { FAULTS[$1]=$((${FAULTS[$1]:-0} + 1)); }
proxy_mode() { echo "$2" >"$LAB_DIR/px$1.mode"; }

server_pid() { local v="PID_ns$1"; echo "${!v}"; }
break_server() {
	local n=$1 kind=$2 seconds=$3
	case $kind in
	stop) lab_stop "$(server_pid "$n")" ;;
	freeze) kill -STOP "$(server_pid "$n")" ;;
	*) proxy_mode "$n" "$kind" ;;
	esac
	BROKEN[ns$n]=$kind
	UNDO_AT[ns$n]=$((SECONDS + seconds))
	count "$kind"
	lab_log "fault: ns$n $kind for $seconds s"
}
undo_server() {
	local n=$1
	case ${BROKEN[ns$n]} in
	stop) if [ "$n" = 1 ]; then start_ns1; else start_ns2; fi ;;
	freeze) kill -CONT "$(server_pid "$n")" ;;
	*) proxy_mode "$n" relay ;;
	esac
	unset "BROKEN[ns$n]" "UNDO_AT[ns$n]"
}

# Kea's configuration changed by config-reload (the file) or config-set (sent whole).
reconfigure() {
	kea_conf
	local answer
	if [ $((RANDOM % 2)) = 0 ]; then
		answer=$(kea_command "$SOCK" '{ "command": "config-reload" }' 60)
		count config-reload
	else
		answer=$(kea_command "$SOCK" "{ \"command\": \"config-set\", \"arguments\": $(cat "$LAB_DIR/kea.json") }" 60)
		count config-set
	fi
	printf '%s\n' "$answer" | grep -q '"result": 0' || lab_fail "Kea refused the new configuration: $answer"
}
# A key rotation: one side now, the other after a pause in which updates fail on the key.
rotate_key() {
	NEW_SECRET=$(lab_tsig_secret)
	ROTATE_KEA_FIRST=$((RANDOM % 2))
	if [ "$ROTATE_KEA_FIRST" = 1 ]; then FWD_SECRET=$NEW_SECRET; reconfigure; else rotate_named; fi
	BROKEN[key]=rotating
	UNDO_AT[key]=$((SECONDS + $(rand 0 10)))
	count key-rotation
	lab_log "fault: key rotation, $([ "$ROTATE_KEA_FIRST" = 1 ] && echo Kea || echo named) first"
}
rotate_named() {
	write_fwd_key "$NEW_SECRET"
	# A stopped named reads the new key when it starts again; a frozen one takes the SIGHUP when
	# it thaws.
	[ "${BROKEN[ns1]:-}" = stop ] || kill -HUP "$(server_pid 1)"
}
undo_key() {
	if [ "$ROTATE_KEA_FIRST" = 1 ]; then rotate_named; else FWD_SECRET=$NEW_SECRET; reconfigure; fi
	unset "BROKEN[key]" "UNDO_AT[key]"
}

burst_started() { [ ! -e "$LAB_DIR/burst" ] && [ "$(cat "$LAB_DIR/traffic.pid")" != "$1" ]; }
kill_kea() {
	local burst=$1 before
	if [ "$burst" = 1 ]; then
		before=$(cat "$LAB_DIR/traffic.pid")
		printf '00:0c:%02x:00:00:00\n' "$(rand 16 255)" >"$LAB_DIR/burst"
		kill "$before" 2>/dev/null || true
		lab_wait 10 burst_started "$before" || lab_fail "the burst did not start"
		sleep "0.$(rand 2 9)"
	fi
	local pid
	pid=$(kea_pid)
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	count "kill-9$([ "$burst" = 1 ] && echo -in-burst)"
	start_kea
	lab_log "fault: kea-dhcp$FAMILY killed$([ "$burst" = 1 ] && echo ' in a burst of new clients'), run $RUNS started"
}

fill_disk() {
	dd if=/dev/zero of="$LAB_DIR/statefs/filler" bs=64k 2>/dev/null || true
	BROKEN[disk]=full
	UNDO_AT[disk]=$((SECONDS + $(rand 5 40)))
	count state-dir-full
	lab_log "fault: state-dir full for $((UNDO_AT[disk] - SECONDS)) s"
}
undo_disk() { rm -f "$LAB_DIR/statefs/filler"; unset "BROKEN[disk]" "UNDO_AT[disk]"; }

undo() {
	case $1 in
	ns1) undo_server 1 ;;
	ns2) undo_server 2 ;;
	key) undo_key ;;
	disk) undo_disk ;;
	esac
}
undo_due() {
	local what
	for what in "${!UNDO_AT[@]}"; do
		[ "${UNDO_AT[$what]}" -gt "$SECONDS" ] || undo "$what"
	done
}

# Peaks, sampled every second.
PEAK_RSS=0 PEAK_STATE=0
sample() {
	local rss state
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$(kea_pid)/status" 2>/dev/null || echo 0)
	state=$(disk_use "$LAB_DIR/statefs/state" 2>/dev/null || echo 0)
	[ "${rss:-0}" -le "$PEAK_RSS" ] || PEAK_RSS=$rss
	[ "${state:-0}" -le "$PEAK_STATE" ] || PEAK_STATE=$state
}

# The kinds drawn from (SOAK_FAULTS narrows them, to chase one defect).
KINDS=(${SOAK_FAULTS:-stop freeze servfail refused drop kill burst key pin disk})
inject() {
	local n=$(rand 1 2)
	case ${KINDS[$(rand 0 $((${#KINDS[@]} - 1)))]} in
	stop) [ -n "${BROKEN[ns$n]:-}" ] || break_server "$n" stop "$(rand 5 60)" ;;
	freeze) [ -n "${BROKEN[ns$n]:-}" ] || break_server "$n" freeze "$(rand 5 30)" ;;
	servfail) [ -n "${BROKEN[ns$n]:-}" ] || break_server "$n" servfail "$(rand 5 30)" ;;
	refused) [ -n "${BROKEN[ns$n]:-}" ] || break_server "$n" refused "$(rand 5 30)" ;;
	drop) [ -n "${BROKEN[ns$n]:-}" ] || break_server "$n" drop "$(rand 5 30)" ;;
	kill) kill_kea 0 ;;
	burst) kill_kea 1 ;;
	key) [ -n "${BROKEN[key]:-}" ] || rotate_key ;;
	pin)
		PINNED=$((1 - PINNED))
		reconfigure
		count "$([ "$PINNED" = 1 ] && echo pin || echo unpin)"
		lab_log "fault: the reverse zone $([ "$PINNED" = 1 ] && echo pinned || echo unpinned)"
		;;
	disk) [ -n "${BROKEN[disk]:-}" ] || fill_disk ;;
	*) lab_fail "unknown fault kind in SOAK_FAULTS: ${KINDS[*]}" ;;
	esac
}

START=$SECONDS
END=$((SECONDS + SOAK_SECONDS))
NEXT=$((SECONDS + $(rand 1 6)))
while [ "$SECONDS" -lt "$END" ]; do
	sleep 1
	sample
	undo_due
	if [ "$SECONDS" -ge "$NEXT" ]; then
		inject
		NEXT=$((SECONDS + $(rand 1 6)))
	fi
done
for what in "${!UNDO_AT[@]}"; do undo "$what"; done
FAULTS_END=$SECONDS
lab_log "faults over after $((FAULTS_END - START)) s; every server is back"

# Quiet: long leases from here on, traffic stops, the short leases expire, the plugin idles.
LIFETIME=3600
reconfigure
kill "$TRAFFIC"
wait "$TRAFFIC" 2>/dev/null || true
"${PERF[@]}" -R "$CLIENTS" -r 60 -p 10 "$SERVER" >>"$LAB_DIR/perfdhcp.log" 2>&1 || true
quiet() { plugin_idle "$SOCK" && [ "$SECONDS" -ge $((FAULTS_END + 45)) ]; }
lab_wait 600 quiet || lab_fail "the plugin still owes DNS work 10 minutes after the last fault"
IDLE_AT=$SECONDS
active_leases$FAMILY "$LAB_DIR/leases$FAMILY.csv" | sort >"$LAB_DIR/leases.txt"
# zone_matches: zone_vs_leases for this family, the reverse zone at its own server.
zone_matches() {
	if [ "$FAMILY" = 4 ]; then
		zone_vs_leases 127.0.0.2 corp.example "$REV" "$LAB_DIR/leases.txt" 127.0.0.3
	else
		zone_vs_leases6 127.0.0.2 corp.example "$REV" "$LAB_DIR/leases.txt" 127.0.0.3
	fi
}
converged() {
	zone_matches &&
		[ "$(count_type 127.0.0.2 corp.example DHCID)" -eq "$(wc -l <"$LAB_DIR/leases.txt")" ]
}
lab_wait 60 converged || true
sample
report() {
	local leases dhcids dropped drop_lines
	leases=$(wc -l <"$LAB_DIR/leases.txt")
	dhcids=$(count_type 127.0.0.2 corp.example DHCID)
	dropped=$(plugin_stat dropped)
	drop_lines=$(cat "$LAB_DIR/$KEA"*.log | grep -c DDNS_DIRECT_EVENT_DROPPED || true)
	echo "chaos soak, seed $SEED, Kea $KEA_VERSION"
	echo "  duration            $((FAULTS_END - START)) s of faults, $((IDLE_AT - FAULTS_END)) s to quiet after the last"
	echo "  lease events        $(($(cat "$LAB_DIR/leases$FAMILY.csv" | wc -l) - 1)) lease-file lines; $RUNS Kea runs"
	echo "  faults              $(for k in "${!FAULTS[@]}"; do printf '%s %s\n' "$k" "${FAULTS[$k]}"; done | sort | paste -sd, | sed 's/,/, /g')"
	echo "  peak Kea RSS        $((PEAK_RSS / 1024)) MiB; peak state-dir $((PEAK_STATE / 1024)) KiB"
	echo "  at the end          $leases active leases; $FWD_TYPE, PTR, DHCID: $(count_type 127.0.0.2 corp.example "$FWD_TYPE"), $(count_type 127.0.0.3 $REV PTR), $dhcids; dropped $dropped (log lines $drop_lines)"
}
report | tee "$LAB_DIR/report.txt"
[ -z "${SOAK_REPORT:-}" ] || cp "$LAB_DIR/report.txt" "$SOAK_REPORT"

problems=""
if ! zone_matches; then
	echo "DNS differs from Kea's lease table (- lease table, + DNS):"
	awk '/^[-+][0-9a-z]/ && !/^(---|\+\+\+)/ && n++ < 50' "$LAB_DIR/zone-diff.txt"
	problems+=" records"
fi
dups=$(axfr 127.0.0.2 corp.example | awk -v t="$FWD_TYPE" '$4 == t { print $1 }' | sort | uniq -d)
dups+=$(axfr 127.0.0.3 $REV | awk '$4 == "PTR" { print $1 }' | sort | uniq -d)
[ -z "$dups" ] || { echo "published twice: $dups"; problems+=" duplicates"; }
[ "$(count_type 127.0.0.2 corp.example DHCID)" -eq "$(wc -l <"$LAB_DIR/leases.txt")" ] || problems+=" dhcid"
[ "$(plugin_stat dropped)" = 0 ] && ! grep -q DDNS_DIRECT_EVENT_DROPPED "$LAB_DIR/$KEA"*.log || problems+=" dropped"
[ -z "$problems" ] || lab_fail "the soak found:$problems (seed $SEED)"
# The scratch directory goes at exit; its file system first, once Kea is done with it.
lab_stop "$(kea_pid)"
umount -l "$LAB_DIR/statefs"
lab_log "PASS: after $((FAULTS_END - START)) s of faults DNS equals the lease table (seed $SEED)"
