/* SPDX-License-Identifier: MPL-2.0 */
/*
 * How many changes each zone has had applied, counted in a fixed table by the hash of the zone's
 * name: the evidence that a server refusing one name refuses that name, not everything (a
 * collision can only make that evidence appear sooner for a name the server did refuse).
 * Lock-free; any thread.
 */
#ifndef DDNS_ENGINE_TALLY_H
#define DDNS_ENGINE_TALLY_H

#include <stdatomic.h>
#include <stdint.h>

#define DDNS_TALLY_SLOTS 1024

struct ddns_zone_tally {
	atomic_uint_fast64_t applied[DDNS_TALLY_SLOTS]; /* changes applied, by zone hash */
};

/* Counts a message applied in zone. */
void ddns_tally_applied(struct ddns_zone_tally *t, const char *zone);

/* Messages applied in zone so far (and in any zone sharing its slot). */
uint64_t ddns_tally_get(struct ddns_zone_tally *t, const char *zone);

#endif
