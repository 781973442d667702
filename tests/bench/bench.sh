#!/bin/bash
# SPDX-License-Identifier: MPL-2.0
# The side-by-side benchmark: the same perfdhcp load against kea-dhcp4 with no DDNS, with Kea's
# own DDNS daemon (D2), and with this plugin, all updating the same fresh named primary (same
# zones, same TSIG key). Prints one table row per mode and offered rate.
#
#   bash tests/bench/bench.sh build/libdhcp_ddns_direct.so
#
# BENCH_LOG (quiet or info: Kea's logging, see LOGGERS), BENCH_RATES (default "500 1000 2000
# ceiling"; "ceiling" is the highest rate Kea without DDNS sustains here, found first: see
# find_ceiling), BENCH_SECONDS (load duration, default 10),
# BENCH_MODES (default "none ncr d2 plugin sink"; "none" first, since every row says its rate as
# a share of the none row of the same rate and round), BENCH_RUNS (rounds over all rates and
# modes, default 1; with more, a table of the medians follows), BENCH_SETTLE (seconds without
# progress after which the zones are taken as final, default 10), BENCH_MEMORY_EVENTS (leases for
# the memory test, default 100000; 0 skips it). The memory test grants that many leases while no
# DNS server answers, so every event stays owed, and compares Kea's peak resident memory with and
# without the plugin. BENCH_SOAK_EVENTS (default 1000000; 0 skips it) lease events from
# BENCH_SOAK_CLIENTS clients (default 5000) renewing again and again at 4,000/s against the DNS
# sink: state-dir's size sampled ten times along the way (it must stay flat). BENCH_SCALE_ADDRESSES
# (default 1000000; 0 skips it): a state-dir with that many published addresses (written by
# ddns-state-scale), the engine's start on it and its memory, then kea-dhcp4 started on it.
# BENCH_PERF (a directory; default none): each run's load is also profiled with perf (call graphs
# of Kea's process, every thread), and the report, per thread name, goes to
# DIR/perf-MODE-RATE.txt. BENCH_CALLGRIND (a directory; default none): after the tables, each mode
# runs once more with Kea under valgrind's callgrind, which counts the instructions Kea's threads
# and the plugin's execute per lease (tests/bench/instructions.sh); its files stay in DIR.
#
# Mode "ncr" is Kea doing its own DDNS work (names, FQDN options, a request per lease to D2's
# port) with a listener that discards the requests: what Kea costs itself for DDNS whoever sends
# the updates. Mode "sink" is the plugin sending to a DNS server that acknowledges every UPDATE and
# applies nothing (dns_sink.py): what the plugin costs Kea, as with a DNS server on another host.
# On this 2-core machine named applying thousands of records a second takes CPU Kea needs; the
# "plugin" row includes that, the "sink" row does not. BENCH_NAMED_NICE runs named (all modes) at
# that nice value.
#
# Columns: granted = leases in Kea's lease file; kea/s = granted per second of load; % none = kea/s
# against the none row of the same rate and round (the cost of DDNS to Kea); A and PTR =
# records in the zones at the end; lost = leases whose A or PTR never arrived; converge = seconds
# from the end of the load until the zones held every lease ("never" when they never did);
# upd/s = UPDATE messages named applied per second, names/s = records applied per second, both
# from the start of the load to the last change; callout ns = the plugin's callout cost, median /
# p99 in nanoseconds, measured inside Kea (ddns-direct-status). A second table gives the CPU time
# per lease granted of Kea's threads, the plugin's, named's and D2's (cpu_row), a third the bytes
# the plugin wrote to state-dir per lease beside Kea's lease file (disk_row).
source "$(dirname "$0")/../lib/lab.sh"
LIB=$(realpath "${1:?usage: bench.sh LIBRARY}")
lab_enter "$@"
HOOK=$(lab_hook "$LIB")

RATES=${BENCH_RATES:-500 1000 2000 ceiling}
SECS=${BENCH_SECONDS:-10}
MODES=${BENCH_MODES:-none ncr d2 plugin sink}
SETTLE=${BENCH_SETTLE:-10}
MEMORY_EVENTS=${BENCH_MEMORY_EVENTS:-100000}
RUNS=${BENCH_RUNS:-1}
# The pools span 10.1.0.10-10.3.255.250 (at Kea's ceiling a run outgrows 10.1/16): one reverse
# zone holds them all.
REV=10.in-addr.arpa.
NS=127.0.0.2
SINK=127.0.0.3
SECRET=$(lab_tsig_secret)
lab_addr $NS
lab_addr $SINK

# calc EXPR: EXPR in floating point (awk), one decimal; a comparison gives 1 or 0.
calc() { awk "BEGIN { printf \"%.1f\", ($1) }" | sed 's/\.0$//'; }

# named_updates: UPDATE messages named has applied (its statistics channel).
named_updates() {
	python3 - <<'PY'
import json, urllib.request
stats = json.load(urllib.request.urlopen("http://127.0.0.2:8053/json/v1/server", timeout=5))
print(stats.get("nsstats", {}).get("UpdateDone", 0))
PY
}

# record_counts: "A PTR" in the lab zones.
record_counts() {
	echo "$(axfr $NS corp.example. | awk '$4 == "A" && $1 ~ /^host-/' | wc -l)" \
		"$(count_type $NS $REV PTR)"
}

d2_config() {
	cat >"$LAB_DIR/d2.json" <<CONF
{ "DhcpDdns": {
    "ip-address": "127.0.0.1", "port": 53001, "dns-server-timeout": 500,
    "tsig-keys": [ { "name": "ddns-key", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
    "forward-ddns": { "ddns-domains": [ { "name": "corp.example.", "key-name": "ddns-key",
        "dns-servers": [ { "ip-address": "$NS" } ] } ] },
    "reverse-ddns": { "ddns-domains": [ { "name": "$REV", "key-name": "ddns-key",
        "dns-servers": [ { "ip-address": "$NS" } ] } ] },
    "loggers": [ { "name": "kea-dhcp-ddns", "severity": "WARN",
                   "output_options": [ { "output": "stdout" } ] } ]
} }
CONF
}

# kea_config MODE: the DHCPv4 configuration for one mode; leases outlive the run. Per-lease log
# lines are off in every mode (D2 logs at WARN too), so that logging is not what is measured.
kea_config() {
	local mode=$1 ddns hooks=""
	case $mode in
	none) ddns='"enable-updates": false' ;;
	d2 | ncr) ddns='"enable-updates": true, "server-ip": "127.0.0.1", "server-port": 53001' ;;
	plugin)
		ddns='"enable-updates": true'
		hooks="\"hooks-libraries\": [ { \"library\": \"$HOOK\",
		    \"parameters\": $(ddns_lab_params $NS "$SECRET" $REV) } ],"
		;;
	sink)
		ddns='"enable-updates": true'
		hooks="\"hooks-libraries\": [ ${EXTRA_HOOKS:-} { \"library\": \"$HOOK\",
		    \"parameters\": { \"resolvers\": [ \"$SINK\" ], \"state-dir\": \"$LAB_DIR/state\",
		      \"zones\": [ { \"name\": \"corp.example.\", \"servers\": [ \"$SINK\" ] },
		                 { \"name\": \"$REV\", \"servers\": [ \"$SINK\" ] } ] } } ],"
		;;
	esac
	cat >"$LAB_DIR/kea-$mode.json" <<CONF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "lo" ], "dhcp-socket-type": "udp" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$LAB_DIR/leases4.csv",
                        "lfc-interval": 0 },
    "valid-lifetime": 86400,
    "control-socket": { "socket-type": "unix", "socket-name": "$LAB_DIR/kea.sock" },
    "dhcp-ddns": { $ddns },
    "ddns-qualifying-suffix": "corp.example.",
    "ddns-replace-client-name": "always",
    "ddns-generated-prefix": "host",
    "subnet4": [ { "id": 1, "subnet": "10.0.0.0/8",
                   "pools": [ { "pool": "10.1.0.10 - 10.1.255.250" },
                              { "pool": "10.2.0.10 - 10.3.255.250" } ],
                   "relay": { "ip-addresses": [ "127.0.0.1" ] } } ],
    $hooks
    "loggers": $LOGGERS
} }
CONF
}

# BENCH_LOG "quiet" (default): Kea at INFO on stdout, its lease messages and the plugin's at WARN.
# "info": Kea's defaults as a package installs them, everything at INFO into a log file (log4cplus
# then locks the file for each line).
KEA_LOG=$LAB_DIR/kea.log
case ${BENCH_LOG:-quiet} in
quiet)
	LOGGERS='[ { "name": "kea-dhcp4", "severity": "INFO", "output_options": [ { "output": "stdout" } ] },
                 { "name": "kea-dhcp4.leases", "severity": "WARN", "output_options": [ { "output": "stdout" } ] },
                 { "name": "kea-dhcp4.ddns-direct", "severity": "WARN", "output_options": [ { "output": "stdout" } ] } ]'
	;;
info)
	KEA_LOG=$LAB_DIR/kea-dhcp4-info.log
	LOGGERS="[ { \"name\": \"kea-dhcp4\", \"severity\": \"INFO\",
                   \"output_options\": [ { \"output\": \"$KEA_LOG\" } ] } ]"
	;;
*) lab_fail "BENCH_LOG is quiet or info, not '$BENCH_LOG'" ;;
esac

HEADER="| mode   | rate  | granted | kea/s  | % none | A      | PTR    | lost         | converge | upd/s  | names/s | callout ns  |"
RULE="|--------|-------|---------|--------|--------|--------|--------|--------------|----------|--------|---------|-------------|"

# row MODE RATE GRANTED A PTR LOST CONVERGE UPD/S NAMES/S COST: prints a table row (kea/s and
# % none computed here; NONE_KEA is the none row's kea/s of this rate and round).
row() {
	local kea=$(($3 / SECS)) share=-
	[ "$1" = none ] && NONE_KEA=$kea
	[ -n "${NONE_KEA:-}" ] && [ "$NONE_KEA" -gt 0 ] && share=$(calc "100 * $kea / $NONE_KEA")
	printf '| %-6s | %5s | %7s | %6s | %6s | %6s | %6s | %-12s | %8s | %6s | %7s | %11s |\n' \
		"$1" "$2" "$3" "$kea" "$share" "$4" "$5" "$6" "$7" "$(round "$8")" "$(round "$9")" "${10}"
}

# row_granted FILE: the leases granted in the table row FILE holds.
row_granted() { awk -F'|' '{ print $4 + 0 }' "$1"; }

# round VALUE: a number without decimals; anything else as it is.
round() { case $1 in *[0-9]*) printf '%.0f' "$1" ;; *) printf '%s' "$1" ;; esac; }

# thread_cpu PID: "name nanoseconds" for each of the process's threads: the CPU time it has used
# since it started (the kernel's schedstat), under the name it gave itself.
thread_cpu() {
	local t
	for t in /proc/"$1"/task/*; do
		printf '%s %s\n' "$(cat "$t/comm" 2>/dev/null)" "$(awk '{ print $1 }' "$t/schedstat" 2>/dev/null)"
	done
}

# cpu_row MODE RATE GRANTED: appends to $CPU_ROWS the microseconds of CPU per lease granted that
# Kea's own threads, the plugin's worker and its senders (the threads it names), named and D2
# used, each since it started (its start-up is a few milliseconds of a run's seconds).
cpu_row() {
	local mode=$1 rate=$2 granted=$3 named=- d2=-
	[ "$granted" -gt 0 ] || return 0
	per_lease() { thread_cpu "$1" | awk -v g="$granted" '{ s += $2 } END { printf "%.1f", s / g / 1000 }'; }
	if kill -0 "${PID_ns:-0}" 2>/dev/null; then named=$(per_lease "$PID_ns"); fi
	if [ "$mode" = d2 ] && kill -0 "${PID_d2:-0}" 2>/dev/null; then d2=$(per_lease "$PID_d2"); fi
	thread_cpu "$PID_kea" | awk -v m="$mode" -v r="$rate" -v g="$granted" -v n="$named" -v d="$d2" '
		$1 == "ddns-worker" { w += $2; next }
		$1 == "ddns-sender" { s += $2; next }
		{ k += $2 }
		END { printf "| %-6s | %5s | %7.1f | %6.1f | %7.1f | %6s | %6s |\n", m, r, k / g / 1000,
		      w / g / 1000, s / g / 1000, n, d }' >>"$CPU_ROWS"
}
CPU_ROWS="$LAB_DIR/cpu-rows"

# disk_row MODE RATE GRANTED: appends to $DISK_ROWS what the plugin wrote to state-dir per lease
# granted (events, changes owed and done, published entries, rewrites: ddns-direct's
# state-bytes-written), state-dir's disk use at the end, and Kea's lease file per lease.
disk_row() {
	local written size lease_file
	[ "$3" -gt 0 ] || return 0
	written=$(plugin_status "a.get('state-bytes-written', -1)")
	[ "$written" -ge 0 ] || return 0 # a library before the counter
	size=$(disk_use "$LAB_DIR/state")
	lease_file=$(stat -c %s "$LAB_DIR/leases4.csv")
	printf '| %-6s | %5s | %7s | %9s | %10s | %11s |\n' "$1" "$2" "$3" \
		"$(calc "$written / $3")" "$(calc "$size / 1024")" "$(calc "$lease_file / $3")" >>"$DISK_ROWS"
}
DISK_ROWS="$LAB_DIR/disk-rows"

# profile_start / profile_end MODE RATE: with BENCH_PERF, perf samples Kea's threads (call
# graphs) while the load runs; the report, by thread name then function, is kept in BENCH_PERF.
profile_start() {
	[ -n "${BENCH_PERF:-}" ] || return 0
	perf record -q -F 1999 --call-graph dwarf,16384 -p "$PID_kea" -o "$LAB_DIR/perf.data" >/dev/null 2>&1 &
	PID_perf=$!
}
profile_end() {
	[ -n "${PID_perf:-}" ] || return 0
	kill -INT "$PID_perf"
	wait "$PID_perf" || true
	PID_perf=
	mkdir -p "$BENCH_PERF"
	local out="$BENCH_PERF/perf-$1-$2.txt" comm t
	{
		echo "# Kea's threads since it started: context switches (voluntary, involuntary), then"
		echo "# CPU in user space and in the kernel (clock ticks)"
		for t in /proc/"$PID_kea"/task/*; do
			printf '# %s %s %s\n' "$(cat "$t/comm")" \
				"$(awk '/ctxt_switches/ { printf "%s ", $2 }' "$t/status")" \
				"$(sed 's/.*) //' "$t/stat" | awk '{ print $12, $13 }')"
		done
	} >"$out" 2>/dev/null
	perf report -i "$LAB_DIR/perf.data" --stdio --sort comm -g none >>"$out" 2>/dev/null || true
	# A mode without the plugin has no ddns-* threads: their reports are empty.
	for comm in ddns-worker ddns-sender kea-dhcp4; do
		printf '\n==== %s: functions with what they call (children), then alone (self)\n' "$comm"
		perf report -i "$LAB_DIR/perf.data" --stdio --comms "$comm" --percentage relative \
			--children --sort sym --percent-limit 1.5 -g none 2>/dev/null | grep -v '^#' | grep . || true
		perf report -i "$LAB_DIR/perf.data" --stdio --comms "$comm" --percentage relative \
			--no-children --sort dso,sym --percent-limit 1 -g none 2>/dev/null | grep -v '^#' | grep . || true
	done >>"$out"
}

# count_start, count_end and the instructions table (tests/bench/instructions.sh).
source "$(dirname "$0")/instructions.sh"

# run MODE RATE: one measurement; prints its table row.
run() {
	local mode=$1 rate=$2
	rm -rf "$LAB_DIR/ns" "$LAB_DIR/state" "$LAB_DIR/leases4.csv"*
	mkdir -p "$LAB_DIR/ns"
	zone_file "$LAB_DIR/ns/corp.db" corp.example. ns1.corp.example. $NS
	zone_file "$LAB_DIR/ns/rev.db" $REV ns1.corp.example.
	if [ "$mode" = sink ]; then
		lab_spawn sink python3 "$(dirname "$0")/dns_sink.py" $SINK 53
		lab_wait 10 grep -q ready "$LAB_DIR/sink.log" || lab_fail "the DNS sink did not start"
	fi
	if [ "$mode" = ncr ]; then
		lab_spawn ncr python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53001))
print("ready", flush=True)
while True:
    s.recv(65535)'
		lab_wait 10 grep -q ready "$LAB_DIR/ncr.log" || lab_fail "the NCR sink did not start"
	fi
	NAMED_QUIET=1 NAMED_NICE=${BENCH_NAMED_NICE:-0} named_start ns $NS "key \"ddns-key\" { algorithm hmac-sha256; secret \"$SECRET\"; };
statistics-channels { inet $NS port 8053 allow { any; }; };
zone \"corp.example\" { type primary; file \"corp.db\"; allow-update { key ddns-key; }; };
zone \"$REV\" { type primary; file \"rev.db\"; allow-update { key ddns-key; }; };"
	if [ "$mode" = d2 ]; then
		d2_config
		mkdir -p "$LAB_DIR/run"
		KEA_PIDFILE_DIR="$LAB_DIR/run" KEA_LOCKFILE_DIR="$LAB_DIR/run" \
			lab_spawn d2 kea-dhcp-ddns -c "$LAB_DIR/d2.json"
		# Ready once its UDP listener is bound (asked of the kernel: binding the port to find out
		# could take it from under a D2 that is just starting).
		d2_listening() { [ -n "$(ss -Hlun 'sport = :53001')" ]; }
		lab_wait 20 d2_listening || lab_fail "D2 did not start: $(tail -n 5 "$LAB_DIR/d2.log")"
	fi
	kea_config "$mode"
	rm -f "$LAB_DIR/kea-dhcp4-info.log" # a fresh one per run: the start is read from it
	kea4_start kea "$LAB_DIR/kea-$mode.json" "$KEA_LOG"

	local start end
	start=$(date +%s.%N)
	profile_start
	count_start
	perfdhcp -4 -l 127.0.0.1 -L 1068 -R $((rate * SECS * 2)) -r "$rate" -p "$SECS" 127.0.0.1 \
		>"$LAB_DIR/perfdhcp-$mode-$rate.log" 2>&1 || true
	count_end
	end=$(date +%s.%N)
	profile_end "$mode" "$rate"
	local granted
	granted=$(active_leases4 "$LAB_DIR/leases4.csv" | wc -l)

	local counts last="" last_change=$end converged=never now
	if [ "$mode" = sink ]; then
		# Nothing is applied: wait until the plugin owes nothing, then count the messages.
		local owed
		for _ in $(seq 600); do
			owed=$(plugin_status 'a["pending"] + a["queued-events"]')
			[ "$owed" -eq 0 ] && break
			sleep 0.1
		done
		local cost messages
		cost=$(plugin_status '"%d/%d" % (a["callout-ns"]["median"], a["callout-ns"]["p99"])')
		cpu_row "$mode" "$rate" "$granted"
		disk_row "$mode" "$rate" "$granted"
		lab_stop "$PID_kea"
		lab_stop "$PID_sink"
		lab_stop "$PID_ns"
		messages=$(awk '/^answered/ { print $2 }' "$LAB_DIR/sink.log")
		row "$mode" "$rate" "$granted" - - - - "$(calc "${messages:-0} / $SECS")" - "$cost"
		return
	fi
	if [ "$mode" = ncr ]; then
		cpu_row "$mode" "$rate" "$granted"
		lab_stop "$PID_kea"
		lab_stop "$PID_ncr"
		lab_stop "$PID_ns"
		row "$mode" "$rate" "$granted" - - - - - - -
		return
	fi
	if [ "$mode" != none ]; then
		while :; do
			counts=$(record_counts)
			now=$(date +%s.%N)
			if [ "$counts" != "$last" ]; then
				last=$counts
				last_change=$now
			fi
			if [ "$counts" = "$granted $granted" ]; then
				converged=$(calc "$now - $end")
				break
			fi
			[ "$(calc "$now - $last_change > $SETTLE")" = 1 ] && break
			sleep 0.5
		done
	else
		last="0 0"
	fi
	local a ptr updates cost=-
	read -r a ptr <<<"$last"
	updates=$(named_updates)
	if [ "$mode" = plugin ]; then
		cost=$(plugin_status '"%d/%d" % (a["callout-ns"]["median"], a["callout-ns"]["p99"])')
		disk_row "$mode" "$rate" "$granted"
	fi
	cpu_row "$mode" "$rate" "$granted"
	lab_stop "$PID_kea"
	[ "$mode" = d2 ] && lab_stop "$PID_d2"
	lab_stop "$PID_ns"

	local busy lost
	busy=$(calc "$last_change - $start")
	lost=$(awk -v g="$granted" -v a="$a" -v p="$ptr" 'BEGIN { l = g - (a < p ? a : p); print (l < 0 ? 0 : l) }')
	if [ "$mode" = none ]; then
		row "$mode" "$rate" "$granted" - - - - - - -
	else
		row "$mode" "$rate" "$granted" "$a" "$ptr" \
			"$lost ($(awk -v l="$lost" -v g="$granted" 'BEGIN { printf "%.0f", g ? 100 * l / g : 0 }') %)" \
			"$converged" "$(calc "$updates / $busy")" "$(calc "($a + $ptr) / $busy")" "$cost"
	fi
}

# peak_kb PID: the process's peak resident memory (VmHWM) in KiB.
peak_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# memory_run MODE EVENTS: EVENTS leases granted at 2,000/s (which Kea keeps up with in both modes,
# so both hold the same leases) while no DNS server answers;
# prints "peak_kb owed granted" (owed = record changes the plugin still holds).
memory_run() {
	local mode=$1 events=$2 peak owed=0
	rm -rf "$LAB_DIR/state" "$LAB_DIR/leases4.csv"*
	kea_config "$mode"
	rm -f "$LAB_DIR/kea-dhcp4-info.log" # a fresh one per run: the start is read from it
	kea4_start kea "$LAB_DIR/kea-$mode.json" "$KEA_LOG"
	perfdhcp -4 -l 127.0.0.1 -L 1068 -R "$events" -n "$events" -r 2000 -p $((events / 1000 + 30)) \
		127.0.0.1 >"$LAB_DIR/perfdhcp-memory-$mode.log" 2>&1 || true
	if [ "$mode" = plugin ]; then
		owed=$(plugin_status 'a["pending"]')
	fi
	peak=$(peak_kb "$PID_kea")
	echo "$peak $owed $(active_leases4 "$LAB_DIR/leases4.csv" | wc -l)"
	lab_stop "$PID_kea"
}

# sustained RATE: whether Kea without DDNS grants at least 99 % of RATE leases/s for SECS seconds.
sustained() {
	local granted
	run none "$1" >"$LAB_DIR/row"
	granted=$(row_granted "$LAB_DIR/row")
	lab_log "ceiling search: none at $1/s granted $granted of $(($1 * SECS))"
	[ "$granted" -ge $(($1 * SECS * 99 / 100)) ]
}

# find_ceiling: the highest rate, in steps of 500/s from 2,000/s, at which Kea without DDNS keeps
# up with the offered load (the issue's "highest rate Kea sustains"). Above it Kea drops packets,
# and what it grants then swings by a factor of two from run to run on this machine (offers
# whose requests are dropped, clients that retry): a ratio measured there says little.
find_ceiling() {
	local rate=2000
	while [ $rate -lt 20000 ] && sustained $((rate + 500)); do
		rate=$((rate + 500))
	done
	echo $rate
}

if [[ " $RATES " == *" ceiling "* ]]; then
	CEILING=$(find_ceiling)
	lab_log "the highest rate Kea sustains here without DDNS: $CEILING/s"
	RATES=${RATES/ceiling/$CEILING}
fi

lab_log "benchmark: modes '$MODES', rates '$RATES', $SECS s of load each, $RUNS round(s)"
ROWS="$LAB_DIR/rows"
: >"$CPU_ROWS" # not the ceiling search's runs
: >"$DISK_ROWS"
echo "$HEADER"
echo "$RULE"
for round in $(seq "$RUNS"); do
	for rate in $RATES; do
		NONE_KEA=""
		for mode in $MODES; do
			run "$mode" "$rate" >"$LAB_DIR/row"
			tee -a "$ROWS" <"$LAB_DIR/row"
		done
	done
done

# With several rounds: each cell the median of its rounds (numbers only; "never" counts as the
# largest, and a lost cell's median is of its counts).
if [ "$RUNS" -gt 1 ]; then
	echo
	echo "Medians of $RUNS rounds:"
	echo
	echo "$HEADER"
	echo "$RULE"
	python3 - "$ROWS" "$MODES" "$RATES" <<'PY'
import statistics, sys
rows = [[c.strip() for c in l.strip().strip("|").split("|")] for l in open(sys.argv[1])]
def med(vals):
    nums = [float("inf") if v == "never" else float(v.split()[0].split("/")[0]) for v in vals if v != "-"]
    if not nums:
        return "-"
    m = statistics.median(nums)
    if m == float("inf"):
        return "never"
    if "/" in vals[0]:
        return "%d/%d" % (statistics.median([int(v.split("/")[0]) for v in vals]),
                          statistics.median([int(v.split("/")[1]) for v in vals]))
    return ("%.1f" % m).rstrip("0").rstrip(".")
for rate in sys.argv[3].split():
    for mode in sys.argv[2].split():
        mine = [r for r in rows if r[0] == mode and r[1] == rate]
        if not mine:
            continue
        cells = [med([r[i] for r in mine]) for i in range(2, len(mine[0]))]
        print("| %-6s | %5s | %7s | %6s | %6s | %6s | %6s | %-12s | %8s | %6s | %7s | %11s |" % (mode, rate, *cells))
PY
fi

echo
echo "CPU per lease granted, in microseconds: Kea's own threads, the plugin's worker and its senders"
echo "(inside Kea), named, D2 (each row in the order of the table above):"
echo
echo "| mode   | rate  | kea     | worker | senders | named  | d2     |"
echo "|--------|-------|---------|--------|---------|--------|--------|"
cat "$CPU_ROWS"

if [ -s "$DISK_ROWS" ]; then
	echo
	echo "state-dir: bytes the plugin wrote per lease granted, its size at the end, Kea's lease file:"
	echo
	echo "| mode   | rate  | granted | B/lease   | state KiB  | Kea B/lease |"
	echo "|--------|-------|---------|-----------|------------|-------------|"
	cat "$DISK_ROWS"
fi

if [ -n "${BENCH_CALLGRIND:-}" ]; then
	lab_log "instructions per lease: $INSTR_LEASES leases at $INSTR_RATE/s under callgrind"
	instructions_table
fi

if [ "$MEMORY_EVENTS" -gt 0 ]; then
	lab_log "memory: $MEMORY_EVENTS leases with no DNS server answering"
	read -r base_kb _ base_granted <<<"$(memory_run none "$MEMORY_EVENTS")"
	read -r plugin_kb owed granted <<<"$(memory_run plugin "$MEMORY_EVENTS")"
	echo
	echo "| memory test | leases granted | owed by the plugin | Kea peak RSS | plugin's share |"
	echo "|-------------|----------------|--------------------|--------------|----------------|"
	printf '| no DDNS     | %14s | %18s | %8d MiB | %14s |\n' "$base_granted" - $((base_kb / 1024)) -
	printf '| plugin      | %14s | %18s | %8d MiB | %10d MiB |\n' "$granted" "$owed" \
		$((plugin_kb / 1024)) $(((plugin_kb - base_kb) / 1024))
fi

# The state-dir runs: soak, scale and scale_resync (tests/bench/state_runs.sh).
source "$(dirname "$0")/state_runs.sh"

SCALE_ADDRESSES=${BENCH_SCALE_ADDRESSES:-1000000}
if [ "$SCALE_ADDRESSES" -gt 0 ]; then
	lab_log "scale: a state-dir of $SCALE_ADDRESSES published addresses"
	scale "$SCALE_ADDRESSES"
fi

SOAK_EVENTS=${BENCH_SOAK_EVENTS:-1000000}
if [ "$SOAK_EVENTS" -gt 0 ]; then
	lab_log "soak: $SOAK_EVENTS lease events, state-dir's size along the way"
	soak "$SOAK_EVENTS" "${BENCH_SOAK_CLIENTS:-5000}"
fi
