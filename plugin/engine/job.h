/* SPDX-License-Identifier: MPL-2.0 */
/*
 * A job: one record change the engine owes DNS, with what the dispatcher, the senders and the
 * retry schedule keep of it. The worker owns every job; a sender touches only the jobs of the
 * batch it was handed, until it hands them back (engine/pool.h).
 */
#ifndef DDNS_ENGINE_JOB_H
#define DDNS_ENGINE_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/durable.h"
#include "engine/pool.h"

/* Changes to one zone that wait together go out in one UPDATE message of at most this many, and
 * of at most DDNS_BATCH_BYTES by an upper bound of their size (a DNS message ends at 64 KB): BIND
 * applies a message with two journal syncs whatever it holds, so one change per message caps any
 * updater near 1,000 changes/s, and 100 per message reach about 25 times that. Each message also
 * costs named about a millisecond and a half of CPU of its own: at Kea's ceiling fewer, larger
 * messages leave Kea more of a shared machine. */
#define DDNS_BATCH_MAX   512
#define DDNS_BATCH_BYTES 60000

/* A sender's verdict: settled, to be retried later, or due now for the next message of its
 * sequence (which then goes out with the other changes due to the zone). */
enum job_result { JOB_DONE, JOB_RETRY, JOB_NEXT };

struct job {
	struct job *prev, *next;    /* the owed list, in arrival order; running jobs stay in it */
	struct ddns_pool_item item; /* a batch's first job, as handed to and back from a sender */
	struct job *bnext;          /* the rest of its batch: jobs sent in one message */
	struct ddns_job_record rec; /* what to apply and how far it got; as kept on disk */
	uint64_t origin_hash;       /* of the owner before any RFC 2317 rewrite, which orders */
	uint64_t then_hash;         /* changes, and of rec.then.owner (or 0): for the check */
	                            /* that no earlier change to the name is owed */
	uint64_t key;               /* hash of the zone (or parent domain) that serialises it */
	uint64_t key_generation;    /* locator generation key was computed in; 0: none yet */
	size_t bytes;               /* at most what its change adds to an UPDATE message */
	int slot;                   /* index of its batch's key among the running ones */
	bool running;               /* handed to a sender, result not yet collected */
	size_t heap_at;             /* its place in the schedule while it waits for due_ms, or
	                               JOB_UNSCHEDULED: an owed job neither there nor running is due */
	enum job_result result;     /* the sender's verdict */
	int step;                   /* the ddns_step to settle, or -1 (nothing to count) */
	bool then_due;              /* rec.then is to be submitted now that rec.change is done */
	int attempts;               /* attempts made so far */
	int refusals;               /* refusals of its name while others in its zone were applied */
	uint64_t zone_applied;      /* 1 + its zone's tally at its last refusal; 0: none yet */
	bool denied;                /* given up: the server refuses this name alone */
	int64_t due_ms;             /* when the next attempt may run */
	int64_t since_ms;           /* when it became owed */
};

/* heap_at of a job not waiting in the schedule. */
#define JOB_UNSCHEDULED SIZE_MAX

/* The job whose item a sender handed back. */
static inline struct job *job_of_item(struct ddns_pool_item *item)
{
	return (struct job *)((char *)item - offsetof(struct job, item));
}

#endif
