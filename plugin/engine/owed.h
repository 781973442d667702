/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The record changes the engine owes DNS: a list in arrival order (which orders changes to one
 * name), a schedule of the ones waiting for their due time (a heap, earliest first, so that no
 * pass walks the list to learn when to wake), and a store of finished jobs for reuse. Thread: the
 * engine's worker only; no lock.
 */
#ifndef DDNS_ENGINE_OWED_H
#define DDNS_ENGINE_OWED_H

#include <stddef.h>
#include <stdint.h>

#include "engine/job.h"

struct ddns_owed {
	struct job *head, *tail; /* every owed job, in arrival order */
	size_t n;                /* jobs in the list */
	struct job **heap;       /* jobs waiting for due_ms: a binary min-heap */
	size_t heap_n;           /* jobs in it */
	size_t heap_cap;         /* its room, at least n */
	size_t n_due;            /* jobs past their due time and not running */
	struct job *spare;       /* finished jobs kept for reuse, linked by next */
	size_t n_spare;          /* how many */
};

/* Storage the caller owns: empty. */
void ddns_owed_init(struct ddns_owed *o);

/* Frees every job, owed or spare, and the schedule. */
void ddns_owed_deinit(struct ddns_owed *o);

/* A zeroed job, reused or new; NULL when out of memory. */
struct job *ddns_owed_job_new(struct ddns_owed *o);

/* Drops a job that is not owed (kept for reuse, or freed). */
void ddns_owed_job_drop(struct ddns_owed *o, struct job *job);

/*
 * Owes job (from ddns_owed_job_new, rec filled in): appends it to the list as owed since since_ms
 * and due at due_ms. Returns DDNS_OK, or DDNS_ENOMEM (then job is still the caller's).
 */
int ddns_owed_add(struct ddns_owed *o, struct job *job, int64_t since_ms, int64_t due_ms);

/* Marks a due or waiting job as handed to a sender: it leaves the schedule. */
void ddns_owed_take(struct ddns_owed *o, struct job *job);

/* Schedules a job that came back from a sender for due_ms (0: now). */
void ddns_owed_schedule(struct ddns_owed *o, struct job *job, int64_t due_ms);

/*
 * A job that came back from a sender is finished: next (a new job, or NULL) takes its place in the
 * list, owed since job became owed and due now; job is dropped.
 */
void ddns_owed_finish(struct ddns_owed *o, struct job *job, struct job *next);

/* Marks the jobs whose due time is at or before now as due; returns how many are due. */
size_t ddns_owed_fall_due(struct ddns_owed *o, int64_t now_ms);

/* Makes every job that is not running due now (ddns-direct-flush). */
void ddns_owed_all_due(struct ddns_owed *o);

/* The earliest due time of a job still waiting for it, or -1 when none waits. */
int64_t ddns_owed_next_due(const struct ddns_owed *o);

/* When the oldest owed job became owed, or now_ms when none is owed. */
int64_t ddns_owed_oldest(const struct ddns_owed *o, int64_t now_ms);

/* How long after its attempts-th failed attempt a change is tried again: min_ms doubled per
 * attempt up to max_ms, less up to a quarter at random so that what failed together does not
 * retry together. */
int64_t ddns_owed_retry_delay(int min_ms, int max_ms, int attempts);

#endif
