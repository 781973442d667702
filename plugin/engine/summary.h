/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The periodic INFO line that stands in for a line per record: every "log-summary-interval"
 * seconds in which anything happened, what the engine did in that time (events, changes applied,
 * given up, conflicts, retries) and what it still owes. Success lines per record are DEBUG; each
 * failure and conflict keeps its own line at its level. Idle intervals print nothing.
 */
#ifndef DDNS_ENGINE_SUMMARY_H
#define DDNS_ENGINE_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "ddns/engine.h"
#include "engine/counters.h"

struct ddns_summary {
	int64_t interval_ms;              /* 0: never */
	int64_t due_ms;                   /* when the current interval ends; -1: none running */
	struct ddns_engine_stats at_last; /* the counters when the last line was written */
};

/* Starts from counters at 0; interval_s 0 turns the summary off. */
void ddns_summary_init(struct ddns_summary *s, uint32_t interval_s);

/*
 * Writes the line when an interval with activity has ended, from the counters and the changes
 * owed now. An interval starts with the first activity after a quiet time, so a burst is reported
 * one interval after it began. Returns when to call again at the latest (monotonic ms), or -1 when
 * nothing is waiting to be reported. Thread: the engine's worker.
 */
int64_t ddns_summary_tick(struct ddns_summary *s, struct ddns_counters *counters, size_t owed,
                          int64_t now_ms);

#endif
