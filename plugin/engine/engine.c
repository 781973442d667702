/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The engine's lifecycle, intake and worker loop. Kea's threads submit lease events (journaled,
 * then queued); the worker turns each into record changes (engine/plan.c), owes them
 * (engine/owed.c), hands batches of them to the senders (engine/dispatch.c, engine/pool.c,
 * engine/batch.c), and settles what comes back: done, its next step due, or retried later.
 * Changes to one owner name are applied in the order their events arrived, even across retries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core.h"
#include "engine/plan.h"
#include "gss/mech.h"
#include "update/update.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/name.h"

/* How often the worker forces state-dir to disk while busy (a killed Kea loses nothing either
 * way: its writes are in the kernel; this bounds what a power cut can take). */
#define SYNC_INTERVAL_MS 1000

/* Lease events the worker takes from the queue before it dispatches again. */
#define EVENTS_PER_ROUND 256

/*
 * After a round of events, how long the worker lets more gather before it takes them. A round
 * has a cost of its own (the owed list walked for due changes, the records written, the state
 * published, a sleep and a wake-up): at 2,000 leases a second, rounds every 5 ms cost the worker
 * about 19 us of CPU per lease, every 20 ms 12 and every 50 ms 9. New changes linger 100 ms for
 * others to their zone anyway, so the wait adds little to the time a record takes to appear.
 */
#define GATHER_MS 50

void ddns_engine_journal_failed(ddns_engine *e)
{
	DDNS_COUNT(&e->counters, journal_errors, 1);
}

/* Records the current published entry of an address (none: removed). Thread: worker. */
static void journal_published(ddns_engine *e, int family, const uint8_t *address)
{
	if (e->durable != NULL &&
	    ddns_durable_published(e->durable, family, address,
	                           ddns_published_get(e->published, family, address)) != DDNS_OK)
		ddns_engine_journal_failed(e);
}

/*
 * A change given up as a conflict leaves its record unpublished: a forward name takes the
 * address's entry with it, a reverse record only itself (the forward name stays published). What
 * is not recorded as published is never removed later: a name another account holds is left alone.
 */
static void unpublish(ddns_engine *e, const struct ddns_job_record *rec)
{
	const struct ddns_published *p =
	    ddns_published_get(e->published, rec->family, rec->address);
	if (p == NULL)
		return;
	if (strcmp(p->fqdn, rec->change.owner) == 0) {
		ddns_published_remove(e->published, rec->family, rec->address);
	} else if (rec->change.type == LDNS_RR_TYPE_PTR && p->reverse &&
	           strcmp(p->fqdn, rec->change.rdata) == 0) {
		struct ddns_published kept = *p;
		kept.reverse = false;
		if (ddns_published_set(e->published, rec->family, rec->address, &kept) != DDNS_OK)
			return;
	} else {
		return;
	}
	journal_published(e, rec->family, rec->address);
}

/* The job's change is settled: count it, and say whether what waited for it may start. */
static void settle(ddns_engine *e, struct job *job, enum ddns_step step)
{
	char what[2 * DDNS_NAME_MAX + 64];
	if (step == DDNS_STEP_CONFLICT || step == DDNS_STEP_NOT_OURS)
		ddns_change_describe(&job->rec.change, what, sizeof(what));
	switch (step) {
	case DDNS_STEP_CONFLICT:
		if (job->denied)
			log_error(
			    DDNS_DIRECT_UPDATE_DENIED,
			    "%s: given up as a conflict, the server refuses this name alone "
			    "(SERVFAIL or REFUSED %d times while it applied other names of the "
			    "zone: in Active Directory the record may belong to another "
			    "account)%s",
			    what, job->refusals,
			    job->rec.has_then ? "; its reverse record is not published" : "");
		else
			log_error(DDNS_DIRECT_UPDATE_CONFLICT,
			          "%s: conflict, the name belongs to another client or is a static "
			          "entry; not published%s",
			          what,
			          job->rec.has_then ? ", and neither is its reverse record" : "");
		DDNS_COUNT(&e->counters, failed, 1);
		DDNS_COUNT(&e->counters, conflicts, 1);
		unpublish(e, &job->rec);
		return;
	case DDNS_STEP_NOT_OURS:
		log_info(DDNS_DIRECT_UPDATE_NOT_OURS,
		         "%s: left alone, the record is held by another client or already gone",
		         what);
		DDNS_COUNT(&e->counters, succeeded, 1);
		return;
	default:
		DDNS_COUNT(&e->counters, succeeded, 1);
		job->then_due = job->rec.has_then;
	}
}

struct job *ddns_engine_new_job(ddns_engine *e, const char *owner)
{
	struct job *job = ddns_owed_job_new(&e->owed);
	if (job == NULL) {
		log_error(DDNS_DIRECT_OUT_OF_MEMORY, "out of memory: dropping the change for %s",
		          owner);
		DDNS_COUNT(&e->counters, failed, 1);
	}
	return job;
}

void ddns_engine_owe(ddns_engine *e, struct job *job, int64_t due_ms)
{
	int64_t now = ddns_clock_now_ms();
	if (ddns_owed_add(&e->owed, job, now, due_ms < 0 ? now + DDNS_LINGER_MS : due_ms) ==
	    DDNS_OK)
		return;
	log_error(DDNS_DIRECT_OUT_OF_MEMORY, "out of memory: dropping the change for %s",
	          job->rec.change.owner);
	DDNS_COUNT(&e->counters, failed, 1);
	ddns_owed_job_drop(&e->owed, job);
}

/*
 * Records on disk that the job is finished and drops it. The reverse record that waited for it
 * takes its place in the owed list, ahead of any later change to the same reverse name.
 */
static void finish_job(ddns_engine *e, struct job *job)
{
	struct job *next = job->then_due ? ddns_engine_new_job(e, job->rec.then.owner) : NULL;
	if (next != NULL) {
		next->rec = job->rec;
		ddns_record_move_on(&next->rec);
	}
	if (e->durable != NULL &&
	    ddns_durable_job_done(e->durable, job->rec.id, next != NULL ? &next->rec : NULL) !=
	        DDNS_OK)
		ddns_engine_journal_failed(e);
	ddns_owed_finish(&e->owed, job, next);
}

/* Takes a sender's verdict: settle and finish, or schedule the next attempt. */
static void collect(ddns_engine *e, struct job *job, int64_t retry_at)
{
	if (job->result == JOB_DONE) {
		if (job->step >= 0)
			settle(e, job, (enum ddns_step)job->step);
		finish_job(e, job);
	} else if (job->result == JOB_NEXT) {
		ddns_owed_schedule(&e->owed, job, 0);
	} else if (job->rec.best_effort) {
		log_warn(DDNS_DIRECT_UPDATE_GIVEN_UP,
		         "%s: given up, the plugin had no record of publishing it",
		         job->rec.change.owner);
		DDNS_COUNT(&e->counters, failed, 1);
		finish_job(e, job);
	} else {
		ddns_owed_schedule(&e->owed, job, retry_at);
		DDNS_COUNT(&e->counters, retries, 1);
	}
}

static void collect_finished(ddns_engine *e)
{
	struct ddns_pool_item *item = ddns_pool_collect(e->senders);
	while (item != NULL) {
		struct ddns_pool_item *next_item = item->next;
		struct job *first = job_of_item(item);
		ddns_dispatch_done(&e->dispatcher, first->slot);
		/* What failed in one message retries in one message. */
		int64_t retry_at =
		    ddns_clock_now_ms() +
		    ddns_owed_retry_delay(e->retry_min_ms, e->retry_max_ms, first->attempts);
		for (struct job *job = first, *rest; job != NULL; job = rest) {
			rest = job->bnext; /* collect may drop the job */
			collect(e, job, retry_at);
		}
		item = next_item;
	}
}

static void dispatch(ddns_engine *e)
{
	struct job *batches[DDNS_SENDERS];
	if (atomic_load(&e->stopping))
		return;
	size_t n = ddns_dispatch(&e->dispatcher, &e->owed, ddns_pool_idle(e->senders),
	                         ddns_clock_now_ms(), batches);
	for (size_t i = 0; i < n; i++)
		ddns_pool_submit(e->senders, &batches[i]->item);
}

static void run_batch(void *ctx, struct ddns_pool_item *item)
{
	ddns_engine *e = ctx;
	ddns_batch_run(&e->batch_env, job_of_item(item));
}

static void batch_done(void *ctx)
{
	ddns_engine *e = ctx;
	ddns_queue_wake(e->queue);
}

/* Turns an event into record changes, records them on disk, then owes them. */
static void handle_event(ddns_engine *e, const struct ddns_lease_event *ev, uint64_t seq)
{
	struct ddns_planner planner = {e->cfg, e->published, &e->counters,
	                               atomic_load(&e->partnered)};
	struct ddns_plan plan;
	ddns_plan_event(&planner, ev, &plan);
	struct job *jobs[4];
	struct ddns_job_record *recs[4];
	size_t n = 0;
	for (size_t i = 0; i < plan.n; i++) {
		jobs[n] = ddns_engine_new_job(e, plan.recs[i].change.owner);
		if (jobs[n] == NULL)
			continue;
		jobs[n]->rec = plan.recs[i];
		recs[n] = &jobs[n]->rec;
		n++;
	}
	if (e->durable != NULL &&
	    ddns_durable_handled(e->durable, seq, recs, n, ev->family, ev->address,
	                         ddns_published_get(e->published, ev->family, ev->address),
	                         plan.changed) != DDNS_OK)
		ddns_engine_journal_failed(e);
	/* After DDNS_LINGER_MS, or sooner in a batch another change to its zone opens, a new change
	 * goes out once a sender is free and nothing before it holds its zone or its name. */
	for (size_t i = 0; i < n; i++)
		ddns_engine_owe(e, jobs[i], -1);
}

/*
 * Publishes the worker's view (idle, owed count, oldest, next due) for wait_idle and the status,
 * and returns when the worker must wake next for a change falling due or the summary line (-1:
 * only an event or a sender wakes it). A due change that did not go out waits for a sender or its
 * zone: they wake it.
 */
static int64_t publish_state(ddns_engine *e)
{
	int64_t wake = ddns_owed_next_due(&e->owed);
	int64_t now = ddns_clock_now_ms();
	pthread_mutex_lock(&e->lock);
	e->working = false;
	e->n_pending = e->owed.n;
	e->next_due_ms = e->owed.n_due > 0 ? now : wake;
	e->oldest_ms = ddns_owed_oldest(&e->owed, now);
	pthread_cond_broadcast(&e->idle);
	pthread_mutex_unlock(&e->lock);
	int64_t report = ddns_summary_tick(&e->summary, &e->counters, e->owed.n, now);
	if (report >= 0 && (wake < 0 || report < wake))
		wake = report;
	/* A state-dir that cannot be written is tried again even when nothing else happens. */
	int64_t retry = e->durable != NULL ? ddns_durable_retry_at(e->durable) : -1;
	return retry >= 0 && (wake < 0 || retry < wake) ? retry : wake;
}

static void unspill_one(void *ctx, uint64_t seq, const struct ddns_lease_event *ev)
{
	ddns_engine *e = ctx;
	if (ddns_queue_push(e->queue, ev, seq) != DDNS_OK)
		log_error(DDNS_DIRECT_OUT_OF_MEMORY,
		          "out of memory reading a spilled lease event back; it is replayed at the "
		          "next start");
}

/*
 * True while the owed changes fill max-queue: the worker then takes no new events, so memory stays
 * bounded however long DNS is down (each owed change takes about 1.3 KB). Logs each entry into
 * that state. Thread: worker.
 */
static bool backlogged(ddns_engine *e)
{
	bool full = e->owed.n >= e->cfg->max_queue;
	if (full && !e->backlogged)
		log_warn(DDNS_DIRECT_BACKLOG,
		         "%zu record changes owed (max-queue): new lease events wait on disk in %s "
		         "until DNS takes some of them",
		         e->owed.n, e->cfg->state_dir);
	e->backlogged = full;
	return full;
}

/* The round's records reach state-dir before the worker reports itself idle. */
static void write_round(ddns_engine *e)
{
	if (e->durable == NULL)
		return;
	if (ddns_durable_flush(e->durable) != DDNS_OK)
		ddns_engine_journal_failed(e);
	if (ddns_clock_now_ms() - e->last_sync_ms >= SYNC_INTERVAL_MS) {
		ddns_durable_sync(e->durable);
		e->last_sync_ms = ddns_clock_now_ms();
	}
}

static void *worker_main(void *arg)
{
	ddns_engine *e = arg;
	ddns_pool_enter_thread("ddns-worker");
	bool took_events = false; /* the last round took events, and not a full round's worth */
	while (!atomic_load(&e->stopping)) {
		collect_finished(e);
		if (atomic_exchange(&e->flush, false))
			ddns_owed_all_due(&e->owed);
		dispatch(e);
		write_round(e);
		int64_t wake = publish_state(e);

		struct ddns_lease_event ev;
		uint64_t seq = 0;
		int rc;
		if (backlogged(e)) {
			/* Memory holds as many owed changes as max-queue allows: new events wait in
			 * the queue, then on disk, until some changes are done. */
			if (ddns_queue_wait(e->queue, wake) == DDNS_ESHUTDOWN)
				break;
			rc = DDNS_ETIMEOUT;
		} else {
			/* After a round that took events, more gather for a moment: Kea's threads
			 * then do not wake the worker for each one, and one pass serves them all.
			 * A sender that finishes ends the pause (its work is collected first). */
			if (took_events) {
				int64_t until = ddns_clock_now_ms() + GATHER_MS;
				took_events = false;
				if (ddns_queue_wait(e->queue,
				                    wake >= 0 && wake < until ? wake : until) !=
				    DDNS_ETIMEOUT)
					continue;
			}
			/* Events that waited on disk come back into memory as soon as it is free.
			 */
			if (ddns_queue_length(e->queue) == 0)
				ddns_durable_unspill(e->durable, e->cfg->max_queue, unspill_one, e);
			rc = ddns_queue_pop(e->queue, &ev, &seq, wake);
		}
		if (rc == DDNS_ESHUTDOWN)
			break;
		/* Nothing owed changed while waiting: only say the worker is busy again. */
		pthread_mutex_lock(&e->lock);
		e->working = true;
		pthread_mutex_unlock(&e->lock);
		/* Events already waiting are taken in the same round, so that one dispatch pass
		 * (a walk of the owed list) serves them all, in as few messages as their zones. */
		for (size_t taken = 0; rc == DDNS_OK; rc = ddns_queue_pop(e->queue, &ev, &seq, 0)) {
			handle_event(e, &ev, seq);
			pthread_mutex_lock(&e->lock);
			e->events_done++;
			pthread_mutex_unlock(&e->lock);
			took_events = taken < EVENTS_PER_ROUND - 1;
			if (++taken == EVENTS_PER_ROUND || backlogged(e))
				break;
		}
	}
	return NULL;
}

static int opt_or(int value, int fallback)
{
	return value > 0 ? value : fallback;
}

/* Frees what the engine owns once no thread uses it; tolerates a half-built engine. */
static void release(ddns_engine *e)
{
	ddns_pool_free(e->senders);
	ddns_owed_deinit(&e->owed);
	ddns_dispatcher_deinit(&e->dispatcher);
	ddns_durable_free(e->durable);
	ddns_locator_free(e->locator);
	ddns_socket_pool_free(e->sockets);
	ddns_gss_free(e->gss);
	ddns_gss_kerberos_free(e->kerberos);
	ddns_published_free(e->published);
	ddns_queue_free(e->queue);
	ddns_config_free(e->cfg);
	pthread_cond_destroy(&e->idle);
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->quirks.lock);
	ddns_zone_notes_deinit(&e->zones);
	free(e);
}

/* The GSS-TSIG key store, when the config has a "gss-tsig" block; false when out of memory. */
static bool start_gss(ddns_engine *e, const struct ddns_gss_mech *mech)
{
	if (e->cfg->gss == NULL)
		return true;
	if (mech == NULL)
		mech = e->kerberos = ddns_gss_kerberos_new(e->cfg->gss);
	if (mech != NULL)
		e->gss = ddns_gss_new(mech, e->cfg->gss->realm, e->cfg->gss->key_lifetime);
	return e->gss != NULL;
}

/* Opens state-dir (which resumes the last run's work), then starts the threads. */
static int start(ddns_engine *e, const struct ddns_engine_opts *opts, char *err, size_t errlen)
{
	int rc = ddns_engine_open_state(e, opts, err, errlen);
	if (rc != DDNS_OK)
		return rc;
	/* The worker's first wait must know about the changes resumed from state-dir. */
	publish_state(e);
	rc = ddns_pool_start(DDNS_SENDERS, run_batch, batch_done, e, &e->senders);
	if (rc == DDNS_OK) {
		rc = -pthread_create(&e->worker, NULL, worker_main, e);
		e->worker_started = rc == DDNS_OK;
	}
	if (rc != DDNS_OK)
		snprintf(err, errlen, "cannot start the engine's threads: %s", ddns_strerror(rc));
	return rc;
}

int ddns_engine_new(const char *params_json, const struct ddns_engine_opts *opts, ddns_engine **out,
                    char *err, size_t errlen)
{
	static const struct ddns_engine_opts defaults = {0};
	if (opts == NULL)
		opts = &defaults;
	ddns_engine *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return DDNS_ENOMEM;
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->quirks.lock, NULL);
	ddns_zone_notes_init(&e->zones);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&e->idle, &attr);
	pthread_condattr_destroy(&attr);
	ddns_counters_init(&e->counters);
	ddns_owed_init(&e->owed);
	int rc = ddns_config_parse(
	    params_json, opts->resolv_conf != NULL ? opts->resolv_conf : "/etc/resolv.conf",
	    &e->cfg, err, errlen);
	if (rc != DDNS_OK) {
		release(e);
		return rc;
	}
	ddns_summary_init(&e->summary, e->cfg->log_summary_interval);
	const struct ddns_transport *transport = opts->transport;
	if (transport == NULL) {
		e->sockets = ddns_socket_pool_new();
		e->own_transport = ddns_socket_pool_transport(e->sockets);
		transport = &e->own_transport;
	}
	int timeout_ms = opt_or(opts->timeout_ms, 2000);
	e->retry_min_ms = opt_or(opts->retry_min_ms, 1000);
	e->retry_max_ms = opt_or(opts->retry_max_ms, 60000);
	e->next_due_ms = -1;
	e->queue = ddns_queue_new();
	e->published = ddns_published_new();
	e->locator = ddns_locator_new(e->cfg, transport, timeout_ms);
	ddns_dispatcher_init(&e->dispatcher, e->locator);
	bool gss_ok = start_gss(e, opts->gss_mech);
	e->sender = (struct ddns_sender){transport, e->gss, timeout_ms, &e->quirks};
	e->batch_env =
	    (struct ddns_batch_env){e->locator, &e->sender, &e->counters, &e->zones, &e->stopping};
	if (e->queue == NULL || e->published == NULL || e->locator == NULL ||
	    (opts->transport == NULL && e->sockets == NULL) || !gss_ok) {
		snprintf(err, errlen, "out of memory while starting the engine");
		rc = DDNS_ENOMEM;
	} else {
		rc = start(e, opts, err, errlen);
	}
	if (rc != DDNS_OK) {
		release(e);
		return rc;
	}
	*out = e;
	return DDNS_OK;
}

int ddns_engine_submit(ddns_engine *e, const struct ddns_lease_event *ev)
{
	uint64_t seq = 0;
	bool full = ddns_queue_length(e->queue) >= e->cfg->max_queue, spilled = false;
	if (ddns_durable_event(e->durable, ev, full, &seq, &spilled) != DDNS_OK) {
		ddns_engine_journal_failed(e);
		if (full) {
			uint64_t n = DDNS_COUNT(&e->counters, dropped, 1);
			if (n % 1000 == 0)
				log_error(
				    DDNS_DIRECT_EVENT_DROPPED,
				    "lease event for %s dropped: the queue holds max-queue (%u) "
				    "events and state-dir cannot take more (%llu dropped)",
				    ev->fqdn, e->cfg->max_queue, (unsigned long long)n + 1);
			return DDNS_EQFULL;
		}
	}
	/* Count first so that wait_idle never sees the event in the queue but not in the count. */
	DDNS_COUNT(&e->counters, events, 1);
	if (spilled) {
		DDNS_COUNT(&e->counters, spilled, 1);
		ddns_queue_wake(e->queue);
		return DDNS_OK;
	}
	int rc = ddns_queue_push(e->queue, ev, seq);
	if (rc != DDNS_OK)
		ddns_counters_add(&e->counters, offsetof(struct ddns_engine_stats, events),
		                  UINT64_MAX);
	return rc;
}

int ddns_engine_wait_idle(ddns_engine *e, int timeout_ms)
{
	int64_t deadline = ddns_clock_now_ms() + timeout_ms;
	struct timespec ts = ddns_clock_deadline(deadline);
	int rc = DDNS_OK;
	pthread_mutex_lock(&e->lock);
	while (e->working || ddns_pool_busy(e->senders) > 0 ||
	       e->events_done != ddns_counters_get(&e->counters).events ||
	       (e->n_pending > 0 && e->next_due_ms <= deadline)) {
		if (pthread_cond_timedwait(&e->idle, &e->lock, &ts) != 0) {
			rc = DDNS_ETIMEOUT;
			break;
		}
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

void ddns_engine_free(ddns_engine *e)
{
	if (e == NULL)
		return;
	ddns_engine_resync_abandon(e);
	atomic_store(&e->stopping, true);
	ddns_queue_close(e->queue);
	if (e->worker_started)
		pthread_join(e->worker, NULL);
	/* The senders start no further exchange (ddns_batch_env.stopping) and end with the one
	 * under way; what they leave is owed in state-dir. */
	ddns_pool_free(e->senders);
	e->senders = NULL;
	size_t queued = ddns_queue_length(e->queue);
	size_t waiting = e->owed.n;
	if (queued > 0 || waiting > 0)
		log_info(DDNS_DIRECT_STOPPING,
		         "stopping with %zu lease events not yet processed and %zu record changes "
		         "waiting for a retry; they are kept in %s and resumed at the next start",
		         queued, waiting, e->cfg->state_dir);
	release(e);
}
