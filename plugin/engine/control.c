/* SPDX-License-Identifier: MPL-2.0 */
/*
 * What the host tells a running engine: the cost of its callouts, a flush of every waiting change,
 * forgetting discovered zones, and whether an HA partner shares its leases.
 */
#include "engine/core.h"
#include "util/name.h"

void ddns_engine_note_callout(ddns_engine *e, uint64_t ns)
{
	ddns_latency_add(&e->callouts, ns);
}

void ddns_engine_flush(ddns_engine *e)
{
	atomic_store(&e->flush, true);
	ddns_queue_wake(e->queue);
}

int ddns_engine_rediscover(ddns_engine *e, const char *zone)
{
	char name[DDNS_NAME_MAX];
	const char *why;
	if (zone == NULL) {
		ddns_locator_forget_all(e->locator);
		return DDNS_OK;
	}
	if (ddns_name_normalize(zone, NAME_SERVICE, false, name, &why) != 0)
		return DDNS_EBADNAME;
	ddns_locator_invalidate(e->locator, name);
	return DDNS_OK;
}

void ddns_engine_set_partnered(ddns_engine *e, bool partnered)
{
	atomic_store(&e->partnered, partnered);
}
