# SPDX-License-Identifier: MPL-2.0
# Instructions per lease, for bench.sh (sourced by it: its lab, run, row_granted, calc, MODES and
# LAB_DIR are this file's too). On this shared host the CPU time Kea spends per lease moves by
# 10-15 % between two identical runs, more than the plugin costs it; the instructions its threads
# execute do not move. So each mode runs once more with Kea under valgrind's callgrind, counting
# only while perfdhcp offers the leases, slowly (Kea runs some fifty times slower under it, and a
# lease it cannot answer in time would be retried and counted twice). The counts are split by the
# functions the plugin's threads start in (engine.c's worker_main, pool.c's thread_main): the rest
# is Kea's.

INSTR_LEASES=${BENCH_CALLGRIND_LEASES:-1000}
INSTR_RATE=40
CALLGRIND_OUT=""

# count_start / count_end: with CALLGRIND_OUT set (Kea runs under callgrind), counting covers
# exactly the load; the counts are written to CALLGRIND_OUT.1 before Kea stops.
count_start() {
	[ -z "$CALLGRIND_OUT" ] || callgrind_control -i on "$PID_kea" >/dev/null 2>&1
}
count_end() {
	[ -n "$CALLGRIND_OUT" ] || return 0
	callgrind_control -i off "$PID_kea" >/dev/null 2>&1
	callgrind_control -d "$PID_kea" >/dev/null 2>&1
}

# instructions_row MODE: one run of MODE under callgrind; appends "MODE GRANTED KEA PLUGIN" to
# $INSTR_ROWS with the instructions per lease granted of Kea's threads and of the plugin's. (Not
# run in a subshell: the servers it starts must stay known to the lab, which stops them.)
instructions_row() {
	local mode=$1 granted
	CALLGRIND_OUT="$BENCH_CALLGRIND/callgrind-$mode.out"
	rm -f "$CALLGRIND_OUT"*
	KEA_WRAPPER="valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$CALLGRIND_OUT" \
		KEA_START_SECONDS=120 SECS=$((INSTR_LEASES / INSTR_RATE)) \
		run "$mode" $INSTR_RATE >"$LAB_DIR/row"
	granted=$(row_granted "$LAB_DIR/row")
	[ -s "$CALLGRIND_OUT.1" ] || lab_fail "callgrind wrote no counts for mode $mode"
	[ "$granted" -gt 0 ] || lab_fail "Kea granted no lease under callgrind in mode $mode"
	callgrind_annotate --inclusive=yes --auto=no --threshold=100 "$CALLGRIND_OUT.1" |
		awk -v m="$mode" -v g="$granted" '
			{ n = $1; gsub(/,/, "", n) }
			/PROGRAM TOTALS/ { total = n }
			/engine\/engine\.c:worker_main / || /engine\/pool\.c:thread_main / { plugin += n }
			END { printf "%s %d %d %d\n", m, g, (total - plugin) / g, plugin / g }' >>"$INSTR_ROWS"
	CALLGRIND_OUT=""
}
INSTR_ROWS="$LAB_DIR/instructions-rows"

# instructions_table: a row per mode of MODES (none first gives the others' share over it).
instructions_table() {
	local mode granted kea plugin none="" share
	mkdir -p "$BENCH_CALLGRIND"
	: >"$INSTR_ROWS"
	for mode in $MODES; do
		instructions_row "$mode"
	done
	echo
	echo "Instructions per lease granted (valgrind's callgrind; $INSTR_LEASES leases offered at"
	echo "$INSTR_RATE/s, counted while they were): Kea's threads, the plugin's threads, and Kea's"
	echo "against the none row:"
	echo
	echo "| mode   | leases | Kea       | plugin    | Kea vs none |"
	echo "|--------|--------|-----------|-----------|-------------|"
	while read -r mode granted kea plugin; do
		[ "$mode" = none ] && none=$kea
		share=-
		[ -z "$none" ] || share="+$(calc "100 * ($kea - $none) / $none") %"
		printf '| %-6s | %6s | %9s | %9s | %11s |\n' "$mode" "$granted" "$kea" "$plugin" "$share"
	done <"$INSTR_ROWS"
}
