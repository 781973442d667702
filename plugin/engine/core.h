/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The engine object, shared by the files that implement the public API (engine.c: lifecycle,
 * intake and the worker loop; resync.c; status.c; control.c). The parts it is made of (planning,
 * the owed list, dispatch, the sender pool, batches, what is learned of zones) know nothing of it.
 */
#ifndef DDNS_ENGINE_CORE_H
#define DDNS_ENGINE_CORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "config/config.h"
#include "ddns/engine.h"
#include "discovery/locate.h"
#include "engine/batch.h"
#include "engine/counters.h"
#include "engine/dispatch.h"
#include "engine/durable.h"
#include "engine/owed.h"
#include "engine/pool.h"
#include "engine/published.h"
#include "engine/send.h"
#include "engine/summary.h"
#include "queue/queue.h"
#include "util/latency.h"

struct ddns_engine {
	struct ddns_latency callouts;         /* what each Kea callout cost, from the shim */
	struct ddns_counters counters;        /* every count the statistics report */
	struct ddns_summary summary;          /* the periodic INFO line; worker only */
	struct ddns_config *cfg;              /* owned */
	struct ddns_queue *queue;             /* owned; producers: the host's threads */
	struct ddns_locator *locator;         /* owned */
	struct ddns_published_map *published; /* owned; written by the worker only */
	struct ddns_transport own_transport;  /* the real sockets, over pool */
	struct ddns_socket_pool *sockets;     /* owned; NULL with a transport from opts */
	struct ddns_gss_mech *kerberos;       /* owned; GSS-TSIG's real mechanism, or NULL */
	struct ddns_gss *gss;                 /* owned; NULL without "gss-tsig" */
	struct ddns_sender sender;            /* transport (borrowed, or own_transport), gss
	                                         and the timeout per exchange */
	struct ddns_quirks quirks;            /* servers reported for how they sign */
	struct ddns_zone_notes zones;         /* what is learned of zones */
	struct ddns_batch_env batch_env;      /* what the senders run batches with */
	struct ddns_pool *senders;            /* owned; the sender threads */
	int retry_min_ms;                     /* first retry delay */
	int retry_max_ms;                     /* retry delay cap */
	pthread_t worker;                     /* the worker thread */
	bool worker_started;                  /* worker is joinable */
	atomic_bool stopping;                 /* set by ddns_engine_free */
	atomic_bool flush;          /* ddns-direct-flush: make every waiting change due now */
	atomic_bool partnered;      /* an HA partner may have published what ends here */
	struct ddns_resync *resync; /* the running resync, or NULL; its caller's thread */

	/* The worker's own state: no lock. */
	struct ddns_owed owed;             /* the owed changes and their schedule */
	struct ddns_dispatcher dispatcher; /* which of them go out together */
	bool backlogged;                   /* owed.n reached max-queue */
	struct ddns_durable *durable;      /* state-dir files; NULL until opened */
	int64_t last_sync_ms;              /* when the files were last forced to disk */

	pthread_mutex_t lock; /* guards the fields below */
	pthread_cond_t idle;  /* broadcast when the worker finishes a round */
	uint64_t events_done; /* events the worker has turned into jobs */
	bool working;         /* the worker is running jobs */
	size_t n_pending;     /* jobs owed */
	int64_t next_due_ms;  /* earliest due time of an owed job not running, or -1 */
	int64_t oldest_ms;    /* when the oldest owed change became owed */
	struct ddns_resync_status resync_status; /* the running or last resync */
};

/* A zeroed job, or NULL when out of memory (counted and logged as a lost change to owner). Thread:
 * worker (or the starting thread before it runs). */
struct job *ddns_engine_new_job(ddns_engine *e, const char *owner);

/* Owes job from now, due at due_ms (-1: after the linger); on failure it is dropped (counted and
 * logged). Thread: as ddns_engine_new_job. */
void ddns_engine_owe(ddns_engine *e, struct job *job, int64_t due_ms);

/* Opens state-dir and resumes what the last run left (engine/resume.c); on failure says why in
 * err. Thread: the starting thread, before the worker runs. */
int ddns_engine_open_state(ddns_engine *e, const struct ddns_engine_opts *opts, char *err,
                           size_t errlen);

/* Frees the running resync, if any, saying that it was abandoned (engine/resync.c). Thread: the
 * resync's caller, or ddns_engine_free's. */
void ddns_engine_resync_abandon(ddns_engine *e);

/* Counts a failed write to state-dir (the store logs the first of a run of them). Thread: any. */
void ddns_engine_journal_failed(ddns_engine *e);

#endif
