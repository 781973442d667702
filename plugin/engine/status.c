/* SPDX-License-Identifier: MPL-2.0 */
/*
 * What the engine reports: its counters (one table names them for Kea's statistics and the status
 * command alike) and its state for ddns-direct-status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core.h"
#include "gss/session.h"
#include "util/array.h"
#include "util/clock.h"

#define COUNTER(name, member)                                                                      \
	{                                                                                          \
		name, offsetof(struct ddns_engine_stats, member)                                   \
	}

const struct ddns_engine_counter ddns_engine_counters[] = {
    COUNTER("lease-events", events),
    COUNTER("updates-sent", updates),
    COUNTER("succeeded", succeeded),
    COUNTER("failed", failed),
    COUNTER("conflicts", conflicts),
    COUNTER("retries", retries),
    COUNTER("pending", pending),
    COUNTER("skipped", skipped),
    COUNTER("invalid-names", invalid),
    COUNTER("journal-errors", journal_errors),
    COUNTER("spilled", spilled),
    COUNTER("dropped", dropped),
    COUNTER("failed-refused", refused),
    COUNTER("failed-notauth", notauth),
    COUNTER("failed-servfail", servfail),
    COUNTER("failed-timeout", timeouts),
    COUNTER("failed-tsig", tsig),
    COUNTER("tsig-nonstandard", tsig_nonstandard),
    COUNTER("unauthenticated-replies", unauthenticated),
    COUNTER("discoveries", discoveries),
    COUNTER("gss-negotiations", gss_negotiations),
    COUNTER("discovery-cache-hits", cache_hits),
    COUNTER("callout-median-ns", callout_median_ns),
    COUNTER("callout-p99-ns", callout_p99_ns),
    COUNTER("state-bytes", state_bytes),
    COUNTER("state-bytes-written", state_bytes_written),
};

const size_t ddns_engine_n_counters =
    sizeof(ddns_engine_counters) / sizeof(ddns_engine_counters[0]);

/* Every member of the struct has its entry. */
_Static_assert(sizeof(ddns_engine_counters) / sizeof(ddns_engine_counters[0]) ==
                   sizeof(struct ddns_engine_stats) / sizeof(uint64_t),
               "a counter of struct ddns_engine_stats has no name");

void ddns_engine_get_stats(ddns_engine *e, struct ddns_engine_stats *out)
{
	pthread_mutex_lock(&e->lock);
	*out = ddns_counters_get(&e->counters);
	out->pending = e->n_pending + (out->events - e->events_done);
	pthread_mutex_unlock(&e->lock);
	ddns_locator_counts(e->locator, &out->discoveries, &out->cache_hits);
	out->gss_negotiations = e->gss != NULL ? ddns_gss_negotiations(e->gss) : 0;
	out->callout_median_ns = ddns_latency_quantile(&e->callouts, 500);
	out->callout_p99_ns = ddns_latency_quantile(&e->callouts, 990);
	ddns_durable_usage(e->durable, &out->state_bytes, &out->state_bytes_written);
}

struct zone_list {
	struct ddns_zone_status *items;
	size_t n, cap;
	bool no_memory;
};

static void add_zone(void *ctx, const char *zone, const struct ddns_target *targets, size_t n,
                     int64_t ttl_left_s)
{
	struct zone_list *list = ctx;
	if (list->no_memory)
		return;
	struct ddns_zone_status *z =
	    ddns_array_push((void **)&list->items, &list->n, &list->cap, sizeof(*z), 16);
	if (z == NULL) {
		list->no_memory = true;
		return;
	}
	snprintf(z->zone, sizeof(z->zone), "%s", zone);
	z->cached_for_s = ttl_left_s;
	for (size_t i = 0; i < n && i < DDNS_STATUS_TARGETS_MAX; i++) {
		snprintf(z->targets[i].name, sizeof(z->targets[i].name), "%s", targets[i].name);
		snprintf(z->targets[i].address, sizeof(z->targets[i].address), "%s",
		         targets[i].addr.text);
		z->n_targets++;
	}
}

int ddns_engine_get_status(ddns_engine *e, struct ddns_engine_status *out)
{
	memset(out, 0, sizeof(*out));
	ddns_engine_get_stats(e, &out->stats);
	out->queued_events = ddns_queue_length(e->queue);
	pthread_mutex_lock(&e->lock);
	if (e->n_pending > 0)
		out->oldest_pending_age_s = (ddns_clock_now_ms() - e->oldest_ms) / 1000;
	out->resync = e->resync_status;
	pthread_mutex_unlock(&e->lock);
	struct zone_list list = {0};
	ddns_locator_foreach(e->locator, add_zone, &list);
	if (list.no_memory) {
		free(list.items);
		return DDNS_ENOMEM;
	}
	out->zones = list.items;
	out->n_zones = list.n;
	return DDNS_OK;
}

void ddns_engine_status_free(struct ddns_engine_status *st)
{
	free(st->zones);
	st->zones = NULL;
	st->n_zones = 0;
}
