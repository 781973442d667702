/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The engine's state on disk: its lease events, owed record changes and published entries, as
 * records (engine/records.h) in the store of state-dir (state/store.h), which keeps the files
 * bounded while Kea runs. Everything needed so that DNS converges to the lease state across
 * crashes, restarts and upgrades.
 */
#ifndef DDNS_DURABLE_H
#define DDNS_DURABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "ddns/lease.h"
#include "engine/published.h"
#include "engine/records.h"
#include "state/store.h"

/* What a load hands back, in this order: the published entries (p NULL: the address was
 * unpublished since), the jobs owed, the unhandled events. */
struct ddns_durable_loader {
	void (*published)(void *ctx, int family, const uint8_t *address,
	                  const struct ddns_published *p);
	bool (*job)(void *ctx, const struct ddns_job_record *r); /* false: not owed any more */
	void (*event)(void *ctx, uint64_t seq, const struct ddns_lease_event *ev);
	void *ctx;
};

/* What is live, for a rewrite of the state file: the published entries and the owed jobs
 * (each_job calls fn for every one). Read on the worker's thread. */
struct ddns_durable_live {
	struct ddns_published_map *published;
	void (*each_job)(void *ctx, void (*fn)(void *fn_ctx, const struct ddns_job_record *r),
	                 void *fn_ctx);
	void *ctx;
};

struct ddns_durable;

/*
 * Opens the store in dir (limits NULL: the defaults), loads it through loader, and rewrites it
 * from live, which the loader has filled by then. Returns DDNS_OK with a new object in *out (free
 * with ddns_durable_free), DDNS_EFORMAT for a newer release's files, or an errno code when the
 * directory or files cannot be used. Thread: before the worker starts.
 */
int ddns_durable_open(const char *dir, const struct ddns_store_limits *limits,
                      const struct ddns_durable_loader *loader,
                      const struct ddns_durable_live *live, struct ddns_durable **out);

/* Syncs and closes; NULL is ignored. */
void ddns_durable_free(struct ddns_durable *d);

/* Appends a lease event, as ddns_store_event. Thread: any. */
int ddns_durable_event(struct ddns_durable *d, const struct ddns_lease_event *ev, bool spill,
                       uint64_t *seq, bool *spilled);

/* Reads back up to max spilled events, as ddns_store_unspill. Thread: worker. */
size_t ddns_durable_unspill(struct ddns_durable *d, size_t max,
                            void (*fn)(void *ctx, uint64_t seq, const struct ddns_lease_event *ev),
                            void *ctx);

/*
 * The worker's records below are staged and reach the state file together at the next flush:
 * one write a round. What a crash takes from the stage is redone at the next start (the events are
 * still unhandled, the jobs still owed), and every change the engine makes is safe to apply twice.
 * Each returns DDNS_OK, or the error of staging.
 *
 * Records that event seq was handled: the jobs it created (ids assigned here), and the published
 * entry of its address (p NULL: nothing published any more), in that order. Thread: worker.
 */
int ddns_durable_handled(struct ddns_durable *d, uint64_t seq, struct ddns_job_record **jobs,
                         size_t n_jobs, int family, const uint8_t *address,
                         const struct ddns_published *p, bool published_changed);

/* Records the published entry of an address (p NULL: nothing published). Thread: worker. */
int ddns_durable_published(struct ddns_durable *d, int family, const uint8_t *address,
                           const struct ddns_published *p);

/* Records that job id is finished, or (next not NULL) that it moved on to next, which must be what
 * its record held to follow it (ddns_record_move_on) and takes its id. Thread: worker. */
int ddns_durable_job_done(struct ddns_durable *d, uint64_t id, struct ddns_job_record *next);

/* Writes the staged records, then keeps the files bounded (ddns_store_maintain). Returns DDNS_OK
 * or the write error (the staged records are then dropped). Thread: worker. */
int ddns_durable_flush(struct ddns_durable *d);

/* What state-dir's files take now and how much was written to them (ddns_store_usage); zeroes
 * for d NULL. Thread: any. */
void ddns_durable_usage(struct ddns_durable *d, uint64_t *bytes, uint64_t *written);

/* When a failing state-dir is next tried (ddns_store_retry_at); -1: not failing. Thread: worker. */
int64_t ddns_durable_retry_at(struct ddns_durable *d);

/* Writes the staged records and forces the files to stable storage. Thread: worker. */
void ddns_durable_sync(struct ddns_durable *d);

#endif
