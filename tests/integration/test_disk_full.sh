#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# state-dir on a file system that fills up: a 1 MiB tmpfs, filled while Kea runs. Leases go on
# (every client gets one), DNS still equals the lease table (the plugin works from memory), the
# failure is logged once and counted; when space comes back the plugin writes its state in full,
# so that Kea killed with -9 right after and started again still knows every name it published
# (ddns-direct-resync: all recorded, nothing to publish).
. "$(dirname "$0")/../lib/lab.sh"
lab_enter "$@"
SOCK="$LAB_DIR/kea.sock" # where plugin_stat asks
NS=127.0.0.2

lab_addr $NS
SECRET=$(lab_tsig_secret)
ddns_lab_zones ns1 $NS "$SECRET"
mkdir "$LAB_DIR/state"
mount -t tmpfs -o size=1m,mode=0700 tmpfs "$LAB_DIR/state"
kea4_commands_config "$LAB_DIR/kea.json" "$LIB" "$(ddns_lab_params $NS "$SECRET")" "$SOCK"
kea4_start kea4 "$LAB_DIR/kea.json"
perfdhcp_run 20 20 -b mac=00:0c:01:00:00:00
lab_wait 20 lab_leases4_in_zones $NS || lab_fail "the first leases were not published"

# Full: the filler takes every block left.
dd if=/dev/zero of="$LAB_DIR/state/filler" bs=64k 2>/dev/null || true
[ "$(df --output=avail "$LAB_DIR/state" | tail -n 1)" -eq 0 ] || lab_fail "the tmpfs is not full"
perfdhcp_run 200 100 -b mac=00:0c:02:00:00:00
lab_wait 30 lab_leases4_in_zones $NS ||
	lab_fail "DNS differs from the leases while state-dir is full: $(head -n 20 "$LAB_DIR/zone-diff.txt")"
leases=$(wc -l <"$LAB_DIR/leases.txt")
[ "$leases" -ge 215 ] || lab_fail "only $leases leases granted while state-dir was full"
errors=$(plugin_stat journal-errors)
# The lease events still go into the events file's pages the plugin made ready before the disk
# filled (about 1,400 events' worth); the worker's records to the state file fail.
[ "$errors" -ge 1 ] || lab_fail "journal-errors is $errors after 200 leases with state-dir full"
lines=$(grep -c DDNS_DIRECT_STATE_WRITE_FAILED "$LAB_DIR/kea4.log" || true)
[ "$lines" -eq 1 ] || lab_fail "$lines DDNS_DIRECT_STATE_WRITE_FAILED lines for one full disk (want 1)"
grep DDNS_DIRECT_STATE_WRITE_FAILED "$LAB_DIR/kea4.log" | grep -q 'No space left' ||
	lab_fail "the log line does not name the cause"
lab_log "state-dir full: $leases leases published from memory, $errors failed writes, one log line"

# Space again: the whole state is written within a second or two, then Kea is killed.
rm "$LAB_DIR/state/filler"
lab_wait 10 grep -q DDNS_DIRECT_STATE_RECOVERED "$LAB_DIR/kea4.log" ||
	lab_fail "the plugin did not write its state again once space came back"
kill -KILL "$PID_kea4"
wait "$PID_kea4" 2>/dev/null || true
mv "$LAB_DIR/kea4.log" "$LAB_DIR/kea4-killed.log"
kea4_start kea4 "$LAB_DIR/kea.json"
read -r n rec pub wd <<<"$(ddns_resync "$SOCK")"
[ "$n $rec $pub $wd" = "$leases $leases 0 0" ] ||
	lab_fail "after the restart: $n leases, $rec recorded, $pub to publish, $wd to withdraw (want $leases $leases 0 0)"
lab_stop "$PID_kea4"
umount -l "$LAB_DIR/state"
lab_log "PASS: $leases leases through a full state-dir; after recovery and kill -9 every name is still recorded"
