/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The engine's state on disk, in "state-dir": everything needed so that DNS converges to the
 * lease state across crashes and restarts.
 *
 *   events  every lease event, appended by the callout before it returns (one write, no fsync)
 *   state   appended by the worker: PUB/UNPUB (what is published per address), JOB/JOBDONE (record
 *           changes owed to DNS) and HANDLED (events already turned into jobs)
 *
 * At start both files are read, damaged tails are logged and the files moved aside, and both are
 * rewritten compactly: the published set, the jobs still owed, the events not yet handled.
 */
#ifndef DDNS_DURABLE_H
#define DDNS_DURABLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ddns/lease.h"
#include "engine/published.h"
#include "queue/journal.h"
#include "update/update.h"

/* A job as it is kept on disk. */
struct ddns_job_record {
	uint64_t id;
	struct ddns_change change;
	struct ddns_change then;
	bool best_effort;
	int64_t valid_until; /* an add's lease end (ddns_lease_event.expires); 0: none known */
	bool has_then;
	bool alias_checked;
	int family;
	uint8_t address[16];
};

/* What a load hands back, in this order: the published set, the jobs owed, the unhandled events. */
struct ddns_durable_loader {
	void (*published)(void *ctx, int family, const uint8_t *address,
	                  const struct ddns_published *p);
	bool (*job)(void *ctx, const struct ddns_job_record *r); /* false: not owed any more */
	void (*event)(void *ctx, uint64_t seq, const struct ddns_lease_event *ev);
	void *ctx;
};

struct ddns_durable {
	char dir[400];
	pthread_mutex_t lock; /* serialises appends to events (callouts) */
	struct ddns_journal events;
	struct ddns_journal state; /* worker only */
	uint64_t next_seq;         /* next event sequence number; under lock */
	uint64_t next_job;         /* next job id; worker only */
	bool spilling;             /* events go to disk only until the worker has read them; lock */
	uint64_t spill_offset;     /* where in events the unread spilled events start; lock */
};

/*
 * Creates dir if needed (mode 0700), loads both files through loader, rewrites them compactly and
 * opens them for appending. Damage is logged and the damaged file kept as "<file>.corrupt-<time>".
 * Returns DDNS_OK with a new object in *out (free with ddns_durable_free), or an errno code when
 * the directory or files cannot be used. Thread: before the worker starts.
 */
int ddns_durable_open(const char *dir, const struct ddns_durable_loader *loader,
                      struct ddns_durable **out);

/* Syncs and closes; NULL is ignored. */
void ddns_durable_free(struct ddns_durable *d);

/*
 * Appends a lease event, assigning *seq. When spill is true the event is to live on disk only
 * (the memory queue is full): the first such event marks where the worker must read from, and
 * *spilled tells whether this event is on disk only (it stays so while a spill is unread, to keep
 * the order). Returns DDNS_OK or the write error. Thread: any.
 */
int ddns_durable_event(struct ddns_durable *d, const struct ddns_lease_event *ev, bool spill,
                       uint64_t *seq, bool *spilled);

/*
 * Reads back up to max spilled events, oldest first, calling fn(ctx, seq, ev) for each. Returns
 * the number read; when the last spilled event has been read, the spill is over and new events go
 * to memory again. Thread: worker.
 */
size_t ddns_durable_unspill(struct ddns_durable *d, size_t max,
                            void (*fn)(void *ctx, uint64_t seq, const struct ddns_lease_event *ev),
                            void *ctx);

/*
 * The worker's records below are staged in memory and reach the state file together at the next
 * ddns_durable_flush (or sync): one write a round, not several per lease. What a crash takes from
 * the stage is redone at the next start (the events are still unhandled, the jobs still owed), and
 * every change the engine makes is safe to apply twice. Each returns DDNS_OK, or the error of
 * staging (a full stage is written first, and that write can fail).
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

/* Records that job id is finished, and (next not NULL) the job that follows it. Thread: worker. */
int ddns_durable_job_done(struct ddns_durable *d, uint64_t id, struct ddns_job_record *next);

/* Writes the staged records to the state file. Returns DDNS_OK or the write error (the staged
 * records are then dropped). Thread: worker. */
int ddns_durable_flush(struct ddns_durable *d);

/* Writes the staged records and forces both files to stable storage. Thread: worker. */
void ddns_durable_sync(struct ddns_durable *d);

#endif
