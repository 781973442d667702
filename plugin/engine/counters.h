/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The engine's counters (struct ddns_engine_stats), added to by the worker, the senders and Kea's
 * threads, read by the statistics and the status command. Each counter is an atomic word, so a
 * Kea thread counting its event never waits for another thread (a lock's holder descheduled on a
 * busy host would hold its callout up); a copy is exact counter by counter, not across them.
 */
#ifndef DDNS_ENGINE_COUNTERS_H
#define DDNS_ENGINE_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "ddns/engine.h"

struct ddns_counters {
	struct ddns_engine_stats s; /* the counts, only through the functions below */
};

/* Adds n to the counter at offset (offsetof in struct ddns_engine_stats); returns its value before.
 * Thread: any. */
uint64_t ddns_counters_add(struct ddns_counters *c, size_t offset, uint64_t n);

/* ddns_counters_add by member name. */
#define DDNS_COUNT(c, member, n)                                                                   \
	ddns_counters_add((c), offsetof(struct ddns_engine_stats, member), (n))

/* A copy of every counter. Thread: any. */
struct ddns_engine_stats ddns_counters_get(struct ddns_counters *c);

/* Storage the caller owns: all counters 0. Nothing to release. */
void ddns_counters_init(struct ddns_counters *c);

#endif
