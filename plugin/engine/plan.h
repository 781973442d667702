/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Planning: what a lease event changes in DNS, given what the plugin has published for the
 * address. A grant publishes the lease's name (forward record first, its PTR waiting for it), a
 * renewal re-sends only when due for repair, an end withdraws what was published, a new name
 * withdraws the old one first. Names are checked here (refused names are counted and logged).
 * No threads, no I/O: the published map is the only state it changes.
 */
#ifndef DDNS_ENGINE_PLAN_H
#define DDNS_ENGINE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "ddns/lease.h"
#include "engine/counters.h"
#include "engine/durable.h"
#include "engine/published.h"

struct ddns_planner {
	const struct ddns_config *cfg;        /* borrowed */
	struct ddns_published_map *published; /* borrowed; the planner is its writer */
	struct ddns_counters *counters;       /* borrowed: skipped, invalid */
	bool partnered;                       /* an HA partner may have published what ends here */
};

/* The record changes of one event: removals of what was published, then additions. */
struct ddns_plan {
	struct ddns_job_record recs[4]; /* id 0: not yet recorded on disk */
	size_t n;                       /* how many */
	bool changed;                   /* the address's published entry changed */
};

/* Fills plan for ev and updates the published map. Thread: the published map's writer. */
void ddns_plan_event(const struct ddns_planner *planner, const struct ddns_lease_event *ev,
                     struct ddns_plan *plan);

/* Whether a lease that ends at expires (seconds since the epoch; 0: unknown) is over. Thread:
 * any. */
bool ddns_plan_lease_over(int64_t expires);

#endif
