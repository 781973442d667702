/* SPDX-License-Identifier: MPL-2.0 */
/* Opening state-dir: what the last run published and owed becomes the engine's again. */
#include <stdio.h>
#include <string.h>

#include "engine/core.h"
#include "engine/plan.h"
#include "util/log.h"

static void load_published(void *ctx, int family, const uint8_t *address,
                           const struct ddns_published *p)
{
	ddns_engine *e = ctx;
	if (p == NULL) {
		ddns_published_remove(e->published, family, address);
		return;
	}
	struct ddns_published entry = *p;
	/* Published before this run: the first renewal re-sends, which repairs anything lost. */
	entry.since_ms = INT64_MIN / 2;
	if (ddns_published_set(e->published, family, address, &entry) != DDNS_OK)
		log_error(DDNS_DIRECT_OUT_OF_MEMORY, "out of memory loading what is published");
}

static bool load_job(void *ctx, const struct ddns_job_record *r)
{
	ddns_engine *e = ctx;
	char what[2 * DDNS_NAME_MAX + 64];
	if (ddns_plan_lease_over(r->valid_until)) {
		ddns_change_describe(&r->change, what, sizeof(what));
		log_info(DDNS_DIRECT_LEASE_OVER,
		         "%s: its lease ended while the server was down; not sent", what);
		DDNS_COUNT(&e->counters, skipped, 1);
		return false;
	}
	struct job *job = ddns_engine_new_job(e, r->change.owner);
	if (job != NULL) {
		job->rec = *r;
		ddns_engine_owe(e, job, 0);
	}
	return true;
}

static void load_event(void *ctx, uint64_t seq, const struct ddns_lease_event *ev)
{
	ddns_engine *e = ctx;
	if (ddns_queue_push(e->queue, ev, seq) == DDNS_OK)
		DDNS_COUNT(&e->counters, events, 1);
	else
		log_error(DDNS_DIRECT_OUT_OF_MEMORY,
		          "out of memory: a lease event of the last run is dropped");
}

/* Every owed job, for a rewrite of the state file. Thread: worker. */
static void each_job(void *ctx, void (*fn)(void *fn_ctx, const struct ddns_job_record *r),
                     void *fn_ctx)
{
	ddns_engine *e = ctx;
	for (const struct job *job = e->owed.head; job != NULL; job = job->next)
		fn(fn_ctx, &job->rec);
}

int ddns_engine_open_state(ddns_engine *e, const struct ddns_engine_opts *opts, char *err,
                           size_t errlen)
{
	const struct ddns_durable_loader loader = {load_published, load_job, load_event, e};
	const struct ddns_durable_live live = {e->published, each_job, e};
	const struct ddns_store_limits limits = {opts->state_segment_bytes,
	                                         opts->state_rewrite_bytes,
	                                         (uint64_t)e->cfg->state_dir_reserve << 20};
	int rc = ddns_durable_open(e->cfg->state_dir, &limits, &loader, &live, &e->durable);
	if (rc != DDNS_OK) {
		snprintf(err, errlen, "parameter 'state-dir': cannot use '%s': %s",
		         e->cfg->state_dir, ddns_strerror(rc));
		return DDNS_ECONFIG;
	}
	return DDNS_OK;
}
