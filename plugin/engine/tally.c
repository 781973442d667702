/* SPDX-License-Identifier: MPL-2.0 */
#include "engine/tally.h"
#include "util/name.h"

static atomic_uint_fast64_t *slot(struct ddns_zone_tally *t, const char *zone)
{
	return &t->applied[ddns_name_hash(zone) % DDNS_TALLY_SLOTS];
}

void ddns_tally_applied(struct ddns_zone_tally *t, const char *zone)
{
	atomic_fetch_add_explicit(slot(t, zone), 1, memory_order_relaxed);
}

uint64_t ddns_tally_get(struct ddns_zone_tally *t, const char *zone)
{
	return atomic_load_explicit(slot(t, zone), memory_order_relaxed);
}
