/* SPDX-License-Identifier: MPL-2.0 */
/* The engine's records in state-dir's store; see durable.h. */
#include <stdlib.h>
#include <string.h>

#include "ddns/error.h"
#include "engine/durable.h"
#include "util/log.h"

struct ddns_durable {
	struct ddns_store *store;
	struct ddns_durable_live live;
	const struct ddns_durable_loader *loader; /* while loading */
	size_t n_jobs, n_events, n_malformed;     /* what the load handed back */
};

static void load_published(void *ctx, int version, int family, const uint8_t *address,
                           const uint8_t *blob, size_t len)
{
	struct ddns_durable *d = ctx;
	struct ddns_published p;
	if (blob == NULL)
		d->loader->published(d->loader->ctx, family, address, NULL);
	else if (ddns_record_get_published(version, blob, len, &p))
		d->loader->published(d->loader->ctx, family, address, &p);
	else
		d->n_malformed++;
}

static bool load_job(void *ctx, int version, uint64_t id, const uint8_t *blob, size_t len,
                     unsigned moved_on)
{
	struct ddns_durable *d = ctx;
	struct ddns_job_record r;
	if (!ddns_record_get_job(version, blob, len, &r)) {
		d->n_malformed++;
		return false;
	}
	r.id = id;
	if (moved_on > 0 && !ddns_record_move_on(&r)) {
		d->n_malformed++;
		return false;
	}
	bool owed = d->loader->job(d->loader->ctx, &r);
	d->n_jobs += owed;
	return owed;
}

static void load_event(void *ctx, int version, uint64_t seq, const uint8_t *blob, size_t len)
{
	struct ddns_durable *d = ctx;
	struct ddns_lease_event ev;
	if (!ddns_record_get_event(version, blob, len, &ev)) {
		d->n_malformed++;
		return;
	}
	d->loader->event(d->loader->ctx, seq, &ev);
	d->n_events++;
}

static void write_published(void *ctx, int family, const uint8_t *address,
                            const struct ddns_published *p)
{
	uint8_t blob[DDNS_RECORD_MAX];
	ddns_store_snapshot_published(ctx, family, address, blob,
	                              ddns_record_put_published(p, blob));
}

static void write_job(void *ctx, const struct ddns_job_record *r)
{
	uint8_t blob[DDNS_RECORD_MAX];
	ddns_store_snapshot_job(ctx, r->id, blob, ddns_record_put_job(r, blob));
}

/* Writes what is live into a new state file. */
static void fill(void *ctx, struct ddns_store_snapshot *w)
{
	struct ddns_durable *d = ctx;
	ddns_published_foreach(d->live.published, write_published, w);
	d->live.each_job(d->live.ctx, write_job, w);
}

int ddns_durable_open(const char *dir, const struct ddns_store_limits *limits,
                      const struct ddns_durable_loader *loader,
                      const struct ddns_durable_live *live, struct ddns_durable **out)
{
	struct ddns_durable *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return DDNS_ENOMEM;
	d->live = *live;
	d->loader = loader;
	struct ddns_store_loader store_loader = {load_published, load_job, load_event, d};
	int rc = ddns_store_open(dir, limits, &store_loader, fill, d, &d->store);
	if (rc != DDNS_OK) {
		free(d);
		return rc;
	}
	d->loader = NULL;
	if (d->n_malformed > 0)
		log_warn(DDNS_DIRECT_STATE_UNKNOWN_RECORDS,
		         "state-dir %s: %zu records could not be decoded and were ignored", dir,
		         d->n_malformed);
	if (d->n_jobs > 0 || d->n_events > 0)
		log_info(DDNS_DIRECT_STATE_RESUMED,
		         "state-dir %s: resuming %zu record changes and %zu lease events left "
		         "unfinished by the last run; %zu addresses published",
		         dir, d->n_jobs, d->n_events, ddns_published_count(live->published));
	*out = d;
	return DDNS_OK;
}

void ddns_durable_free(struct ddns_durable *d)
{
	if (d == NULL)
		return;
	ddns_store_free(d->store);
	free(d);
}

int ddns_durable_event(struct ddns_durable *d, const struct ddns_lease_event *ev, bool spill,
                       uint64_t *seq, bool *spilled)
{
	uint8_t blob[DDNS_RECORD_MAX];
	return ddns_store_event(d->store, blob, ddns_record_put_event(ev, blob), spill, seq,
	                        spilled);
}

/* Hands the spilled events on, decoded. */
struct unspilling {
	void (*fn)(void *ctx, uint64_t seq, const struct ddns_lease_event *ev);
	void *ctx;
};

static void unspill_one(void *ctx, int version, uint64_t seq, const uint8_t *blob, size_t len)
{
	struct unspilling *u = ctx;
	struct ddns_lease_event ev;
	if (ddns_record_get_event(version, blob, len, &ev))
		u->fn(u->ctx, seq, &ev);
	else
		log_error(DDNS_DIRECT_STATE_UNKNOWN_RECORDS,
		          "a spilled lease event (number %llu) could not be decoded; skipped",
		          (unsigned long long)seq);
}

size_t ddns_durable_unspill(struct ddns_durable *d, size_t max,
                            void (*fn)(void *ctx, uint64_t seq, const struct ddns_lease_event *ev),
                            void *ctx)
{
	struct unspilling u = {fn, ctx};
	return ddns_store_unspill(d->store, max, unspill_one, &u);
}

static int put_job(struct ddns_durable *d, struct ddns_job_record *r)
{
	uint8_t blob[DDNS_RECORD_MAX];
	return ddns_store_job(d->store, blob, ddns_record_put_job(r, blob), &r->id);
}

int ddns_durable_handled(struct ddns_durable *d, uint64_t seq, struct ddns_job_record **jobs,
                         size_t n_jobs, int family, const uint8_t *address,
                         const struct ddns_published *p, bool published_changed)
{
	int rc = DDNS_OK;
	/* Jobs first: any prefix of this round's write that survives a power cut is consistent. */
	for (size_t i = 0; i < n_jobs && rc == DDNS_OK; i++)
		rc = put_job(d, jobs[i]);
	if (rc == DDNS_OK && published_changed)
		rc = ddns_durable_published(d, family, address, p);
	return rc == DDNS_OK ? ddns_store_handled(d->store, seq) : rc;
}

int ddns_durable_published(struct ddns_durable *d, int family, const uint8_t *address,
                           const struct ddns_published *p)
{
	uint8_t blob[DDNS_RECORD_MAX];
	size_t len = p != NULL ? ddns_record_put_published(p, blob) : 0;
	return ddns_store_published(d->store, family, address, p != NULL ? blob : NULL, len);
}

int ddns_durable_job_done(struct ddns_durable *d, uint64_t id, struct ddns_job_record *next)
{
	if (next == NULL)
		return ddns_store_job_done(d->store, id);
	/* What follows a job is the change its record held to follow it: the job moves on. */
	next->id = id;
	return ddns_store_job_next(d->store, id);
}

int ddns_durable_flush(struct ddns_durable *d)
{
	int rc = ddns_store_flush(d->store);
	ddns_store_maintain(d->store, fill, d);
	return rc;
}

void ddns_durable_usage(struct ddns_durable *d, uint64_t *bytes, uint64_t *written)
{
	*bytes = *written = 0;
	if (d != NULL)
		ddns_store_usage(d->store, bytes, written);
}

int64_t ddns_durable_retry_at(struct ddns_durable *d)
{
	return ddns_store_retry_at(d->store);
}

void ddns_durable_sync(struct ddns_durable *d)
{
	ddns_store_sync(d->store);
}
