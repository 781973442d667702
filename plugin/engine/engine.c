/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The engine: lease events in, record changes out. The worker thread turns each event into record
 * changes (forward and reverse, add or remove), asks the locator where each change must go, sends
 * it, and keeps the change for a later retry when no target accepted it. Changes to one owner name
 * are applied in the order their events arrived, even across retries.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "config/config.h"
#include "ddns/engine.h"
#include "discovery/locate.h"
#include "engine/published.h"
#include "engine/send.h"
#include "queue/queue.h"
#include "transport/exchange.h"
#include "update/dhcid.h"
#include "update/update.h"
#include "util/log.h"

struct job {
	struct job *next;          /* next pending job, in arrival order */
	struct ddns_change change; /* what to apply, and how far it got */
	bool best_effort;          /* a removal the plugin has no record of: no retry */
	bool alias_checked;        /* a PTR's owner has been checked for an RFC 2317 CNAME */
	bool has_then;             /* then is to be submitted once change is applied */
	struct ddns_change then;   /* the reverse record that waits for its forward name */
	int family;                /* the lease's address, to forget a name lost to a conflict */
	uint8_t address[16];
	int attempts;   /* attempts made so far */
	int64_t due_ms; /* when the next attempt may run */
};

struct ddns_engine {
	struct ddns_config *cfg;                /* owned */
	struct ddns_queue *queue;               /* owned; producers: the host's threads */
	struct ddns_locator *locator;           /* owned; worker only */
	struct ddns_published_map *published;   /* owned; worker only */
	const struct ddns_transport *transport; /* borrowed */
	int timeout_ms;                         /* per exchange */
	int retry_min_ms;                       /* first retry delay */
	int retry_max_ms;                       /* retry delay cap */
	pthread_t worker;                       /* the worker thread */
	atomic_bool stopping;                   /* set by ddns_engine_free */

	struct job *pending; /* jobs waiting for a retry or for an earlier job; worker only */

	pthread_mutex_t lock; /* guards the fields below */
	pthread_cond_t idle;  /* broadcast when the worker finishes a round */
	struct ddns_engine_stats stats;
	uint64_t events_done; /* events the worker has turned into jobs */
	bool working;         /* the worker is running jobs */
	size_t n_pending;     /* jobs in the pending list */
	int64_t next_due_ms;  /* earliest due time in the pending list, or -1 */
};

#define STAT_ADD(engine, field, n)                                                                 \
	do {                                                                                       \
		pthread_mutex_lock(&(engine)->lock);                                               \
		(engine)->stats.field += (n);                                                      \
		pthread_mutex_unlock(&(engine)->lock);                                             \
	} while (0)

enum job_result { JOB_DONE, JOB_RETRY };

/* What the engine's observer of ddns_send_change needs to log and count an attempt. */
struct send_ctx {
	ddns_engine *engine;
	const char *what;                 /* the change in words */
	const struct ddns_target_set *ts; /* where it went */
};

static void on_attempt(void *arg, const struct ddns_send_attempt *a)
{
	struct send_ctx *c = arg;
	ddns_engine *e = c->engine;
	const struct ddns_target *t = a->target;
	STAT_ADD(e, updates, 1);
	if (a->error == DDNS_OK) {
		log_info("%s: zone %s, server %s (%s)%s: success in %ld ms", c->what, c->ts->zone,
		         t->name, t->addr.text, a->info.tcp ? " over TCP" : "", a->ms);
		if (c->ts->discovered)
			ddns_locator_worked(e->locator, c->ts->zone, &t->addr);
	} else if (a->final) {
		log_info("%s: zone %s, server %s (%s): %s", c->what, c->ts->zone, t->name,
		         t->addr.text, a->why);
	} else {
		log_warn("%s: zone %s, server %s (%s) failed after %ld ms: %s", c->what,
		         c->ts->zone, t->name, t->addr.text, a->ms, a->why);
	}
}

static void submit_job(ddns_engine *e, const struct job *tmpl);

/* The job's change is settled: count it, and start or drop what waited for it. */
static void settle(ddns_engine *e, struct job *job, enum ddns_step step, const char *what)
{
	switch (step) {
	case DDNS_STEP_CONFLICT:
		log_error("%s: conflict, the name belongs to another client or is a static entry; "
		          "not published%s",
		          what, job->has_then ? ", and neither is its reverse record" : "");
		STAT_ADD(e, failed, 1);
		STAT_ADD(e, conflicts, 1);
		const struct ddns_published *p =
		    ddns_published_get(e->published, job->family, job->address);
		if (p != NULL && strcmp(p->fqdn, job->change.owner) == 0)
			ddns_published_remove(e->published, job->family, job->address);
		return;
	case DDNS_STEP_NOT_OURS:
		log_info("%s: left alone, the record is held by another client or already gone",
		         what);
		STAT_ADD(e, succeeded, 1);
		return;
	default:
		STAT_ADD(e, succeeded, 1);
		if (job->has_then) {
			struct job next = {.change = job->then, .family = job->family};
			memcpy(next.address, job->address, sizeof(next.address));
			submit_job(e, &next);
		}
	}
}

/*
 * Runs the job's change from its current step: locates the zone and targets, sends, and goes on
 * to the next step of the sequence while the answers say so. Rediscovers once if the view of the
 * zone was stale.
 */
static enum job_result run_job(ddns_engine *e, struct job *job)
{
	struct ddns_target_set ts;
	char what[2 * DDNS_NAME_MAX + 64];
	bool fresh = false;
	job->attempts++;

	if (job->change.type == LDNS_RR_TYPE_PTR && !job->alias_checked) {
		char owner[DDNS_NAME_MAX];
		int rc = ddns_locate_ptr_owner(e->locator, job->change.owner, owner);
		if (rc != DDNS_OK) {
			ddns_change_describe(&job->change, what, sizeof(what));
			log_warn("%s: cannot check for a classless delegation: %s", what,
			         ddns_strerror(rc));
			return JOB_RETRY;
		}
		snprintf(job->change.owner, sizeof(job->change.owner), "%s", owner);
		job->alias_checked = true;
	}
	for (;;) {
		ddns_change_describe(&job->change, what, sizeof(what));
		int rc = ddns_locate(e->locator, job->change.owner, fresh, &ts);
		if (rc == DDNS_EEXCLUDED) {
			log_info("%s: skipped, its zone is configured with \"update\": false",
			         what);
			STAT_ADD(e, skipped, 1);
			return JOB_DONE;
		}
		if (rc != DDNS_OK) {
			log_warn("%s: cannot find where to send it: %s", what, ddns_strerror(rc));
			return JOB_RETRY;
		}
		struct send_ctx ctx = {e, what, &ts};
		int answer;
		enum ddns_send_result r = ddns_send_change(e->transport, e->timeout_ms, &ts,
		                                           &job->change, on_attempt, &ctx, &answer);
		if (r == DDNS_SEND_STALE && !fresh) {
			log_info(
			    "%s: a server of zone %s says it is not authoritative; discovering "
			    "again",
			    what, ts.zone);
			ddns_locator_invalidate(e->locator, ts.zone);
			fresh = true;
			continue;
		}
		if (r == DDNS_SEND_FAILED || r == DDNS_SEND_STALE)
			return JOB_RETRY;
		enum ddns_step step = ddns_update_next(&job->change, answer);
		if (step != DDNS_STEP_NEXT) {
			settle(e, job, step, what);
			return JOB_DONE;
		}
		job->change.step++;
	}
}

static int64_t retry_delay(const ddns_engine *e, int attempts)
{
	int64_t delay = e->retry_min_ms;
	for (int i = 1; i < attempts && delay < e->retry_max_ms; i++)
		delay *= 2;
	if (delay > e->retry_max_ms)
		delay = e->retry_max_ms;
	/* Jitter in [75 %, 100 %] so that a burst that failed together does not retry together. */
	uint16_t r = 0;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = 0;
	return delay - delay * (r % 251) / 1000;
}

static void append_pending(ddns_engine *e, struct job *job)
{
	struct job **tail = &e->pending;
	while (*tail != NULL)
		tail = &(*tail)->next;
	job->next = NULL;
	*tail = job;
}

static bool owner_waiting(const ddns_engine *e, const struct job *before, const char *owner)
{
	for (const struct job *j = e->pending; j != NULL && j != before; j = j->next)
		if (strcmp(j->change.owner, owner) == 0)
			return true;
	return false;
}

/* Runs a copy of tmpl now unless an earlier change to its owner is still waiting. */
static void submit_job(ddns_engine *e, const struct job *tmpl)
{
	struct job *job = malloc(sizeof(*job));
	if (job == NULL) {
		log_error("out of memory: dropping the change for %s", tmpl->change.owner);
		STAT_ADD(e, failed, 1);
		return;
	}
	*job = *tmpl;
	if (owner_waiting(e, NULL, job->change.owner)) {
		append_pending(e, job);
		return;
	}
	if (run_job(e, job) == JOB_DONE) {
		free(job);
		return;
	}
	if (job->best_effort) {
		log_warn("%s: given up, the plugin had no record of publishing it",
		         job->change.owner);
		STAT_ADD(e, failed, 1);
		free(job);
		return;
	}
	job->due_ms = ddns_now_ms() + retry_delay(e, job->attempts);
	STAT_ADD(e, retries, 1);
	append_pending(e, job);
}

/* One pass over the pending list, running every job that is due and not behind its owner. */
static void run_pending(ddns_engine *e)
{
	int64_t now = ddns_now_ms();
	struct job **slot = &e->pending;
	while (*slot != NULL && !atomic_load(&e->stopping)) {
		struct job *job = *slot;
		if (job->due_ms > now || owner_waiting(e, job, job->change.owner)) {
			slot = &job->next;
			continue;
		}
		if (run_job(e, job) == JOB_DONE) {
			*slot = job->next;
			free(job);
			continue;
		}
		job->due_ms = ddns_now_ms() + retry_delay(e, job->attempts);
		STAT_ADD(e, retries, 1);
		slot = &job->next;
	}
}

static void change_init(struct ddns_change *c, enum ddns_change_op op, ldns_rr_type type,
                        const char *owner, const char *rdata, uint32_t ttl,
                        const struct ddns_published *p)
{
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->type = type;
	c->ttl = ttl;
	c->mode = p->mode;
	memcpy(c->dhcid, p->dhcid, sizeof(c->dhcid));
	snprintf(c->owner, sizeof(c->owner), "%s", owner);
	snprintf(c->rdata, sizeof(c->rdata), "%s", rdata);
}

/*
 * Submits the changes for p's records of the lease. An added reverse record waits for its forward
 * name: if the name turns out to belong to another client, the PTR is not published either.
 */
static void submit_records(ddns_engine *e, enum ddns_change_op op,
                           const struct ddns_lease_event *ev, const struct ddns_published *p,
                           bool best_effort)
{
	char addr[INET6_ADDRSTRLEN], rev[DDNS_NAME_MAX];
	struct job fwd = {.best_effort = best_effort, .family = ev->family};
	struct job ptr = fwd;
	uint32_t ttl = ddns_config_ttl(e->cfg, ev->lifetime);
	inet_ntop(ev->family, ev->address, addr, sizeof(addr));
	memcpy(fwd.address, ev->address, sizeof(fwd.address));
	memcpy(ptr.address, ev->address, sizeof(ptr.address));
	change_init(&fwd.change, op, ev->family == AF_INET ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA,
	            p->fqdn, addr, ttl, p);
	ddns_reverse_name(ev->family, ev->address, rev);
	change_init(&ptr.change, op, LDNS_RR_TYPE_PTR, rev, p->fqdn, ttl, p);
	if (p->forward && p->reverse && op == DDNS_CHANGE_ADD) {
		fwd.has_then = true;
		fwd.then = ptr.change;
	}
	if (p->forward)
		submit_job(e, &fwd);
	if (p->reverse && !fwd.has_then)
		submit_job(e, &ptr);
}

static const char *kind_name(enum ddns_lease_kind kind)
{
	static const char *const names[] = {"granted", "released", "declined", "expired"};
	return names[kind];
}

/* Sets p's conflict mode and DHCID from the configuration and the lease's client identity. */
static void identify(ddns_engine *e, const struct ddns_lease_event *ev, struct ddns_published *p)
{
	p->mode = e->cfg->conflict_mode;
	if (p->mode == DDNS_NO_CHECK_WITHOUT_DHCID)
		return;
	if (ddns_dhcid_compute(ev->id_type, ev->id, ev->id_len, p->fqdn, p->dhcid) != 0) {
		log_warn("%s: the lease carries no client identity, so no DHCID: published "
		         "without conflict checks",
		         p->fqdn);
		p->mode = DDNS_NO_CHECK_WITHOUT_DHCID;
	}
}

/* A renewal re-sends records last sent a lease lifetime or more ago, to repair deletions. */
static bool due_for_repair(const struct ddns_published *had, const struct ddns_lease_event *ev)
{
	return ddns_now_ms() - had->since_ms >= (int64_t)ev->lifetime * 1000;
}

static void handle_event(ddns_engine *e, const struct ddns_lease_event *ev)
{
	char addr[INET6_ADDRSTRLEN];
	struct ddns_published want;
	const char *why = NULL;
	const struct ddns_published *had =
	    ddns_published_get(e->published, ev->family, ev->address);
	inet_ntop(ev->family, ev->address, addr, sizeof(addr));
	memset(&want, 0, sizeof(want));

	if (ev->fqdn[0] != '\0' &&
	    ddns_name_normalize(ev->fqdn, NAME_HOST, false, want.fqdn, &why) != 0) {
		log_error("lease %s %s: name '%.*s' refused: %s", addr, kind_name(ev->kind), 255,
		          ev->fqdn, why);
		STAT_ADD(e, invalid, 1);
		if (ev->kind == DDNS_LEASE_GRANTED && had == NULL)
			return;
		want.fqdn[0] = '\0';
	}

	if (ev->kind == DDNS_LEASE_GRANTED && want.fqdn[0] != '\0') {
		want.forward = ev->forward && e->cfg->forward;
		want.reverse = ev->reverse && e->cfg->reverse;
		identify(e, ev, &want);
	}
	bool same = had != NULL && want.forward == had->forward && want.reverse == had->reverse &&
	            strcmp(want.fqdn, had->fqdn) == 0;
	if (same && !due_for_repair(had, ev)) {
		log_debug("lease %s %s: %s already published", addr, kind_name(ev->kind),
		          want.fqdn);
		STAT_ADD(e, skipped, 1);
		return;
	}
	if (had != NULL && !same) {
		struct ddns_published old = *had;
		ddns_published_remove(e->published, ev->family, ev->address);
		submit_records(e, DDNS_CHANGE_REMOVE, ev, &old, false);
	} else if (had == NULL && ev->kind != DDNS_LEASE_GRANTED && want.fqdn[0] != '\0') {
		/* Nothing recorded (for example, published before a restart): remove what the lease
		 * names, with its client's DHCID, which deletes only this client's records. */
		want.forward = e->cfg->forward;
		want.reverse = e->cfg->reverse;
		identify(e, ev, &want);
		submit_records(e, DDNS_CHANGE_REMOVE, ev, &want, true);
		return;
	}
	if (!want.forward && !want.reverse) {
		if (had == NULL)
			STAT_ADD(e, skipped, 1);
		return;
	}
	want.since_ms = ddns_now_ms();
	if (ddns_published_set(e->published, ev->family, ev->address, &want) != DDNS_OK)
		log_error("lease %s: out of memory recording what is published; its removal will "
		          "use the lease's name",
		          addr);
	submit_records(e, DDNS_CHANGE_ADD, ev, &want, false);
}

static void publish_state(ddns_engine *e, bool working)
{
	size_t n = 0;
	int64_t next = -1;
	for (const struct job *j = e->pending; j != NULL; j = j->next) {
		n++;
		if (next < 0 || j->due_ms < next)
			next = j->due_ms;
	}
	pthread_mutex_lock(&e->lock);
	e->working = working;
	e->n_pending = n;
	e->next_due_ms = next;
	if (!working)
		pthread_cond_broadcast(&e->idle);
	pthread_mutex_unlock(&e->lock);
}

static void *worker_main(void *arg)
{
	ddns_engine *e = arg;
	while (!atomic_load(&e->stopping)) {
		struct ddns_lease_event ev;
		int64_t deadline;
		pthread_mutex_lock(&e->lock);
		deadline = e->next_due_ms;
		pthread_mutex_unlock(&e->lock);
		int rc = ddns_queue_pop(e->queue, &ev, deadline);
		if (rc == DDNS_ESHUTDOWN)
			break;
		publish_state(e, true);
		if (rc == DDNS_OK) {
			handle_event(e, &ev);
			pthread_mutex_lock(&e->lock);
			e->events_done++;
			pthread_mutex_unlock(&e->lock);
		}
		run_pending(e);
		publish_state(e, false);
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
	ddns_locator_free(e->locator);
	ddns_published_free(e->published);
	ddns_queue_free(e->queue);
	ddns_config_free(e->cfg);
	pthread_cond_destroy(&e->idle);
	pthread_mutex_destroy(&e->lock);
	free(e);
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
	int rc = ddns_config_parse(
	    params_json, opts->resolv_conf != NULL ? opts->resolv_conf : "/etc/resolv.conf",
	    &e->cfg, err, errlen);
	if (rc != DDNS_OK) {
		free(e);
		return rc;
	}
	e->transport = opts->transport != NULL ? opts->transport : &ddns_socket_transport;
	e->timeout_ms = opt_or(opts->timeout_ms, 2000);
	e->retry_min_ms = opt_or(opts->retry_min_ms, 1000);
	e->retry_max_ms = opt_or(opts->retry_max_ms, 60000);
	e->next_due_ms = -1;
	e->queue = ddns_queue_new();
	e->published = ddns_published_new();
	e->locator = ddns_locator_new(e->cfg, e->transport, e->timeout_ms);
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&e->idle, &attr);
	pthread_condattr_destroy(&attr);
	if (e->queue == NULL || e->published == NULL || e->locator == NULL) {
		snprintf(err, errlen, "out of memory while starting the engine");
		rc = DDNS_ENOMEM;
	} else if ((rc = pthread_create(&e->worker, NULL, worker_main, e)) != 0) {
		snprintf(err, errlen, "cannot start the worker thread: %s", strerror(rc));
		rc = -rc;
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
	/* Count first so that wait_idle never sees the event in the queue but not in the count. */
	pthread_mutex_lock(&e->lock);
	e->stats.events++;
	pthread_mutex_unlock(&e->lock);
	int rc = ddns_queue_push(e->queue, ev);
	if (rc != DDNS_OK) {
		pthread_mutex_lock(&e->lock);
		e->stats.events--;
		pthread_mutex_unlock(&e->lock);
	}
	return rc;
}

int ddns_engine_wait_idle(ddns_engine *e, int timeout_ms)
{
	int64_t deadline = ddns_now_ms() + timeout_ms;
	struct timespec ts = {deadline / 1000, (deadline % 1000) * 1000000};
	int rc = DDNS_OK;
	pthread_mutex_lock(&e->lock);
	while (e->working || e->events_done != e->stats.events ||
	       (e->n_pending > 0 && e->next_due_ms <= deadline)) {
		if (pthread_cond_timedwait(&e->idle, &e->lock, &ts) != 0) {
			rc = DDNS_ETIMEOUT;
			break;
		}
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

void ddns_engine_get_stats(ddns_engine *e, struct ddns_engine_stats *out)
{
	pthread_mutex_lock(&e->lock);
	*out = e->stats;
	out->pending = e->n_pending + (e->stats.events - e->events_done);
	pthread_mutex_unlock(&e->lock);
}

void ddns_engine_free(ddns_engine *e)
{
	if (e == NULL)
		return;
	atomic_store(&e->stopping, true);
	ddns_queue_close(e->queue);
	pthread_join(e->worker, NULL);
	size_t queued = ddns_queue_length(e->queue);
	size_t waiting = 0;
	while (e->pending != NULL) {
		struct job *next = e->pending->next;
		free(e->pending);
		e->pending = next;
		waiting++;
	}
	if (queued > 0 || waiting > 0)
		log_warn("stopping with %zu lease events not yet processed and %zu record changes "
		         "waiting for a retry; they are not kept across a restart",
		         queued, waiting);
	release(e);
}
