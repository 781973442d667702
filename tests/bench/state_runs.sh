# SPDX-License-Identifier: MPL-2.0
# state-dir at length and at scale, for bench.sh (sourced by it: its lab, LIB, LAB_DIR, SINK,
# KEA_LOG, kea_config, calc and plugin_stat are this file's too).

# soak EVENTS CLIENTS: CLIENTS clients renew again and again at 4,000/s until about EVENTS lease
# events have passed, the plugin sending to the DNS sink; prints state-dir's size ten times along
# the way. Compaction runs while Kea does: the size must stay flat, not grow with the events.
soak() {
	local events=$1 clients=$2 rate=4000 secs step
	secs=$((events / rate))
	step=$((secs / 10 > 0 ? secs / 10 : 1))
	rm -rf "$LAB_DIR/state" "$LAB_DIR/leases4.csv"*
	lab_spawn sink python3 "$(dirname "$0")/dns_sink.py" $SINK 53
	lab_wait 10 grep -q ready "$LAB_DIR/sink.log" || lab_fail "the DNS sink did not start"
	kea_config sink
	rm -f "$LAB_DIR/kea-dhcp4-info.log"
	kea4_start kea "$LAB_DIR/kea-sink.json" "$KEA_LOG"
	perfdhcp -4 -l 127.0.0.1 -L 1068 -R "$clients" -r $rate -p "$secs" 127.0.0.1 \
		>"$LAB_DIR/perfdhcp-soak.log" 2>&1 &
	local perf=$! t0=$SECONDS
	echo
	echo "state-dir over a soak: $clients clients renewing at $rate/s for $secs s"
	echo
	echo "| seconds | lease events | state-dir KiB | files | written MiB | Kea RSS MiB |"
	echo "|---------|--------------|---------------|-------|-------------|-------------|"
	while kill -0 $perf 2>/dev/null; do
		sleep "$step"
		printf '| %7s | %12s | %13s | %5s | %11s | %11s |\n' $((SECONDS - t0)) \
			"$(plugin_stat lease-events)" "$(($(disk_use "$LAB_DIR/state") / 1024))" \
			"$(ls "$LAB_DIR/state" | wc -l)" "$(($(plugin_stat state-bytes-written) / 1048576))" \
			"$(($(awk '/^VmRSS:/ { print $2 }' "/proc/$PID_kea/status") / 1024))"
	done
	wait $perf || true
	lab_stop "$PID_kea"
	lab_stop "$PID_sink"
}

# scale ADDRESSES: a state-dir holding ADDRESSES published addresses: the engine alone started on
# it three times (ddns-state-scale load: time and resident memory it adds), then kea-dhcp4 with
# the plugin started on it and on an empty one (time to DHCP4_STARTED, Kea's resident memory).
scale() {
	local addresses=$1 tool
	tool=$(dirname "$LIB")/tests/ddns-state-scale
	[ -x "$tool" ] || lab_fail "$tool is missing (make $tool)"
	rm -rf "$LAB_DIR/state" "$LAB_DIR/leases4.csv"*
	mkdir "$LAB_DIR/state"
	"$tool" write "$LAB_DIR/state" "$addresses" || lab_fail "ddns-state-scale write failed"
	echo
	echo "state-dir with $addresses published addresses:"
	echo
	echo "| start of                   | state-dir MiB | start ms | resident MiB |"
	echo "|----------------------------|---------------|----------|--------------|"
	local i ms rss mib
	for i in 1 2 3; do
		read -r _ ms _ rss _ mib <<<"$("$tool" load "$LAB_DIR/state")"
		printf '| %-26s | %13s | %8s | %12s |\n' "the engine (run $i)" "$mib" "$ms" "$rss"
	done
	lab_spawn sink python3 "$(dirname "$0")/dns_sink.py" $SINK 53
	lab_wait 10 grep -q ready "$LAB_DIR/sink.log" || lab_fail "the DNS sink did not start"
	kea_config sink
	local label start
	for label in "kea-dhcp4, that state-dir" "kea-dhcp4, empty state-dir"; do
		[[ $label == *empty* ]] && rm -rf "$LAB_DIR/state"
		rm -f "$LAB_DIR/kea-dhcp4-info.log" "$LAB_DIR/kea.log"
		start=$(date +%s%N)
		kea4_start kea "$LAB_DIR/kea-sink.json" "$KEA_LOG"
		ms=$((($(date +%s%N) - start) / 1000000))
		rss=$(($(awk '/^VmRSS:/ { print $2 }' "/proc/$PID_kea/status") / 1024))
		mib=$(calc "$(disk_use "$LAB_DIR/state") / 1048576")
		printf '| %-26s | %13s | %8s | %12s |\n' "$label" "$mib" "$ms" "$rss"
		lab_stop "$PID_kea"
	done
	scale_resync "$addresses" "$tool"
	lab_stop "$PID_sink"
}

# scale_resync ADDRESSES TOOL: Kea's lease file given the same ADDRESSES leases as the state-dir,
# Kea with lease_cmds started on both, then ddns-direct-resync timed while perfdhcp asks for new
# leases at 100/s (Kea's answers during it: delays and drops). The sink is running.
scale_resync() {
	local addresses=$1 tool=$2 header now start ms rss
	header=$(head -n 1 "$LAB_DIR/leases4.csv")
	rm -rf "$LAB_DIR/state" "$LAB_DIR/leases4.csv"*
	mkdir "$LAB_DIR/state"
	"$tool" write "$LAB_DIR/state" "$addresses" || lab_fail "ddns-state-scale write failed"
	now=$(date +%s)
	# One line per lease, each column by its name in the header this Kea wrote.
	awk -v n="$addresses" -v h="$header" -v expire_at=$((now + 86400)) 'BEGIN {
		print h; c = split(h, col, ",")
		for (i = 0; i < n; i++) {
			j = i + 16 * 65536 # as ddns-state-scale: above the pools
			a = sprintf("%d.%d.%d", int(j / 65536) % 256, int(j / 256) % 256, j % 256)
			line = ""
			for (k = 1; k <= c; k++) {
				v = ""
				if (col[k] == "address") v = "10." a
				else if (col[k] == "hwaddr") v = sprintf("02:00:00:%02x:%02x:%02x", int(j / 65536) % 256, int(j / 256) % 256, j % 256)
				else if (col[k] == "valid_lifetime") v = 86400
				else if (col[k] == "expire") v = expire_at
				else if (col[k] == "subnet_id") v = 1
				else if (col[k] == "fqdn_fwd" || col[k] == "fqdn_rev") v = 1
				else if (col[k] == "hostname") { v = "host-10-" a ".corp.example."; gsub(/\./, "-", v); sub(/-corp-example-$/, ".corp.example.", v) }
				else if (col[k] == "state" || col[k] == "pool_id") v = 0
				line = line (k > 1 ? "," : "") v
			}
			print line
		} }' >"$LAB_DIR/leases4.csv"
	EXTRA_HOOKS="{ \"library\": \"$(lab_hook libdhcp_lease_cmds.so)\" }," kea_config sink
	rm -f "$LAB_DIR/kea-dhcp4-info.log" "$LAB_DIR/kea.log"
	start=$(date +%s%N)
	kea4_start kea "$LAB_DIR/kea-sink.json" "$KEA_LOG"
	ms=$((($(date +%s%N) - start) / 1000000))
	perfdhcp -4 -l 127.0.0.1 -L 1068 -R 100000 -r 100 -p 60 -b mac=04:00:00:00:00:00 127.0.0.1 \
		>"$LAB_DIR/perfdhcp-resync.log" 2>&1 &
	local perf=$!
	start=$(date +%s%N)
	local counts result=0
	counts=$(ddns_resync "$LAB_DIR/kea.sock" false 600) || result=1
	local resync_ms=$((($(date +%s%N) - start) / 1000000))
	rss=$(($(awk '/^VmHWM:/ { print $2 }' "/proc/$PID_kea/status") / 1024))
	wait $perf || true
	lab_stop "$PID_kea"
	echo
	echo "ddns-direct-resync of $addresses leases (kea-dhcp4 with lease_cmds started on them in $ms ms):"
	echo
	python3 - "$result" "${counts:-- - - -}" "$resync_ms" "$rss" "$LAB_DIR/perfdhcp-resync.log" <<'PY'
import re, sys
c = dict(zip(["leases", "recorded", "to-publish", "to-withdraw"], sys.argv[2].split()))
perf = open(sys.argv[5]).read()
ack = perf.split("REQUEST-ACK")[-1] if "REQUEST-ACK" in perf else perf
def grab(name, text):
    m = re.search(name + r":\s*([0-9.]+)", text)
    return m.group(1) if m else "-"
print("| result | leases | recorded | to publish | to withdraw | seconds | Kea peak RSS MiB | perfdhcp drops | avg delay ms | max delay ms |")
print("|--------|--------|----------|------------|-------------|---------|------------------|----------------|--------------|--------------|")
print("| %s | %s | %s | %s | %s | %.1f | %s | %s | %s | %s |" % (sys.argv[1], c.get("leases"), c.get("recorded"),
      c.get("to-publish"), c.get("to-withdraw"), int(sys.argv[3]) / 1000, sys.argv[4],
      grab("drops", perf), grab("avg delay", ack), grab("max delay", ack)))
PY
}
