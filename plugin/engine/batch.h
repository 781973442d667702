/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Running a batch on a sender: the jobs of one zone go out in one UPDATE; a message the server
 * refuses is split in halves down to single changes, so that every change gets its own answer and
 * none waits for another's trouble; a change that needs a second message (conflict resolution)
 * goes on with it. Each attempt is logged and counted here.
 */
#ifndef DDNS_ENGINE_BATCH_H
#define DDNS_ENGINE_BATCH_H

#include <stdatomic.h>

#include "discovery/locate.h"
#include "engine/counters.h"
#include "engine/job.h"
#include "engine/send.h"
#include "engine/zone_notes.h"

/* Refusals (SERVFAIL or REFUSED from every target) of one name, each while other changes to its
 * zone were applied, after which the name is given up: the server denies that name alone, as
 * Active Directory does for a record another account owns. */
#define DDNS_DENIED_TRIES 5

/* What a sender needs to run a batch; all borrowed, shared by every sender. */
struct ddns_batch_env {
	struct ddns_locator *locator;     /* where each change goes; its cache is locked inside */
	const struct ddns_sender *sender; /* how messages go out */
	struct ddns_counters *counters;   /* attempts, answers, skipped changes */
	struct ddns_zone_notes *zones;    /* what is learned of zones */
	const atomic_bool *stopping; /* set when the engine stops: no further exchange starts */
};

/*
 * Runs the batch starting at first (jobs of one zone key, distinct names, linked by bnext): sets
 * each job's result, step and attempts. A job whose name the server keeps refusing while it
 * applies others (DDNS_DENIED_TRIES times) comes back done with step DDNS_STEP_CONFLICT and
 * denied set. Once the engine is stopping, no further exchange starts: the jobs not finished come
 * back JOB_RETRY (they stay owed in state-dir and resume at the next start). Thread: a sender;
 * touches only the batch's jobs, the locator and the counters; blocks for the exchanges (each
 * bounded by the sender's timeout).
 */
void ddns_batch_run(const struct ddns_batch_env *env, struct job *first);

#endif
