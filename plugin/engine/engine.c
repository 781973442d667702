/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The engine: lease events in, record changes out. The worker thread turns each event into record
 * changes (forward and reverse, add or remove), asks the locator where each change must go, sends
 * it, and keeps the change for a later retry when no target accepted it. Changes to one owner name
 * are applied in the order their events arrived, even across retries.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "config/config.h"
#include "ddns/engine.h"
#include "discovery/locate.h"
#include "engine/durable.h"
#include "engine/published.h"
#include "engine/send.h"
#include "gss/mech.h"
#include "queue/queue.h"
#include "transport/exchange.h"
#include "update/dhcid.h"
#include "update/update.h"
#include "util/clock.h"
#include "util/latency.h"
#include "util/log.h"

/* A sender's verdict: settled, to be retried later, or due now for the next message of its
 * sequence (which then goes out with the other changes due to the zone). */
enum job_result { JOB_DONE, JOB_RETRY, JOB_NEXT };

/* Sender threads: updates to different zones go out concurrently, one zone at a time each, so a
 * zone whose servers do not answer holds one sender while the others serve every other zone. */
#define SENDERS 4

/* Changes to one zone that wait together go out in one UPDATE message of at most this many, and
 * of at most BATCH_BYTES by an upper bound of their size (a DNS message ends at 64 KB): BIND
 * applies a message with two journal syncs whatever it holds, so one change per message caps any
 * updater near 1,000 changes/s, and 100 per message reach about 25 times that. Each message also
 * costs named about a millisecond and a half of CPU of its own: at Kea's ceiling fewer, larger
 * messages leave Kea more of a shared machine. */
#define BATCH_MAX   512
#define BATCH_BYTES 60000

/* A new change waits this long for others to its zone before it goes out, so that under load
 * messages are full and the DNS server's cost per change falls. At 2,000 leases/s, 100 ms instead
 * of 25 ms halves the messages and takes about a quarter off named's CPU per lease (and a sixth
 * off the engine's); a tenth of a second is nothing to a DHCP client. */
#define LINGER_MS 100

struct job {
	struct job *prev, *next;    /* the owed list, in arrival order; running jobs stay in it */
	struct job *qnext;          /* the ready or finished hand-off list (first job of a batch) */
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
	enum job_result result;     /* the sender's verdict */
	int step;                   /* the ddns_step to settle, or -1 (nothing to count) */
	bool then_due;              /* rec.then is to be submitted now that rec.change is done */
	int attempts;               /* attempts made so far */
	int64_t due_ms;             /* when the next attempt may run */
	int64_t since_ms;           /* when it became owed */
};

struct ddns_engine {
	struct ddns_latency callouts;         /* what each Kea callout cost, from the shim */
	struct ddns_config *cfg;              /* owned */
	struct ddns_queue *queue;             /* owned; producers: the host's threads */
	struct ddns_locator *locator;         /* owned; worker only */
	struct ddns_published_map *published; /* owned; written by the worker only */
	pthread_mutex_t published_lock;       /* held for writes to published, and by readers
	                                         other than the worker */
	struct ddns_transport own_transport;  /* the real sockets, over pool */
	struct ddns_socket_pool *pool;        /* owned; NULL with a transport from opts */
	struct ddns_gss_mech *kerberos;       /* owned; GSS-TSIG's real mechanism, or NULL */
	struct ddns_gss *gss;                 /* owned; NULL without "gss-tsig" */
	struct ddns_sender sender;            /* transport (borrowed, or own_transport), gss
	                                         and the timeout per exchange */
	int retry_min_ms;                     /* first retry delay */
	int retry_max_ms;                     /* retry delay cap */
	pthread_t worker;                     /* the worker thread */
	atomic_bool stopping;                 /* set by ddns_engine_free */

	struct job *pending, *pending_tail; /* owed changes in arrival order; worker only */
	struct job *spare;                  /* finished jobs kept for reuse (via next); worker */
	size_t n_spare;                     /* jobs in spare, at most SPARE_JOBS */
	pthread_t senders[SENDERS];         /* threads that run jobs */
	size_t n_senders;                   /* started */
	pthread_cond_t ready_cond;          /* signalled when ready gets a job or on stop */
	struct job *ready;                  /* jobs handed to senders; under lock */
	struct job *finished;               /* jobs senders are done with; under lock */
	bool senders_stop;                  /* under lock */
	size_t n_running;                   /* batches handed out and not collected; under lock */
	uint64_t running_key[SENDERS];      /* the key of each batch out; worker only */
	bool slot_used[SENDERS];            /* which running_key entries are in use */
	size_t n_owed;                      /* jobs in the owed list; worker only */
	bool backlogged;                    /* n_owed reached max-queue; worker only */
	int64_t dispatched_ms;              /* when the last dispatch pass began; worker only */
	uint64_t *seen;    /* the dispatcher's set of name hashes owed earlier in the list */
	size_t seen_slots; /* its size: a power of two, at least 4 * n_owed (two names a job) */
	struct ddns_durable *durable; /* state-dir files; NULL until opened */
	int64_t last_sync_ms;         /* when the files were last forced to disk; worker only */

	pthread_mutex_t lock; /* guards the fields below */
	pthread_cond_t idle;  /* broadcast when the worker finishes a round */
	struct ddns_engine_stats stats;
	uint64_t events_done;  /* events the worker has turned into jobs */
	bool working;          /* the worker is running jobs */
	size_t n_pending;      /* jobs in the pending list */
	int64_t next_due_ms;   /* earliest due time in the pending list, or -1 */
	int64_t oldest_ms;     /* when the oldest owed change became owed */
	atomic_bool flush;     /* ddns-direct-flush: make every waiting change due now */
	atomic_bool partnered; /* an HA partner may have published what ends here */
};

#define STAT_ADD(engine, field, n)                                                                 \
	do {                                                                                       \
		pthread_mutex_lock(&(engine)->lock);                                               \
		(engine)->stats.field += (n);                                                      \
		pthread_mutex_unlock(&(engine)->lock);                                             \
	} while (0)

/* Counts a failed write to state-dir and logs the first of a run of them. Thread: any. */
static void journal_failed(ddns_engine *e, const char *what)
{
	pthread_mutex_lock(&e->lock);
	uint64_t n = e->stats.journal_errors++;
	pthread_mutex_unlock(&e->lock);
	if (n % 1000 == 0)
		log_error(DDNS_DIRECT_STATE_WRITE_FAILED,
		          "cannot write %s to state-dir %s (%llu failures so far): it is kept in "
		          "memory only, and lost if Kea stops before it is done",
		          what, e->cfg->state_dir, (unsigned long long)n + 1);
}

/* The worker is the published map's only writer and reads it without the lock; its writes take
 * the lock so that ddns_engine_resync can copy the map from another thread. */
static int published_set(ddns_engine *e, int family, const uint8_t *address,
                         const struct ddns_published *entry)
{
	pthread_mutex_lock(&e->published_lock);
	int rc = ddns_published_set(e->published, family, address, entry);
	pthread_mutex_unlock(&e->published_lock);
	return rc;
}

static void published_remove(ddns_engine *e, int family, const uint8_t *address)
{
	pthread_mutex_lock(&e->published_lock);
	ddns_published_remove(e->published, family, address);
	pthread_mutex_unlock(&e->published_lock);
}

/* Records the current published entry of an address (none: removed). Thread: worker. */
static void journal_published(ddns_engine *e, int family, const uint8_t *address)
{
	if (e->durable != NULL &&
	    ddns_durable_published(e->durable, family, address,
	                           ddns_published_get(e->published, family, address)) != DDNS_OK)
		journal_failed(e, "a published record");
}

/* How often the worker forces state-dir to disk while busy (a killed Kea loses nothing either
 * way: its writes are in the kernel; this bounds what a power cut can take). */
#define SYNC_INTERVAL_MS 200

/* Lease events the worker takes from the queue before it dispatches again. */
#define EVENTS_PER_ROUND 256

/* After a round of events, how long the worker lets more gather before it takes them. */
#define GATHER_MS 5

/* What the engine's observer of ddns_send_change needs to log and count an attempt. */
struct send_ctx {
	ddns_engine *engine;
	const char *what;                 /* the change (or the batch) in words */
	const struct ddns_target_set *ts; /* where it went */
	struct job *const *batch;         /* the jobs of a batch, each logged on success */
	size_t n_batch;                   /* how many; 0 for a single change */
};

static void count_failure(ddns_engine *e, int error)
{
	pthread_mutex_lock(&e->lock);
	if (error == DDNS_EREFUSED)
		e->stats.refused++;
	else if (error == DDNS_ENOTAUTH || error == DDNS_ENOTZONE)
		e->stats.notauth++;
	else if (error == DDNS_ESERVFAIL)
		e->stats.servfail++;
	else if (error == DDNS_ETIMEOUT || error == DDNS_ENETWORK)
		e->stats.timeouts++;
	else if (error == DDNS_ETSIG || error == DDNS_EGSS)
		e->stats.tsig++;
	pthread_mutex_unlock(&e->lock);
}

static void on_attempt(void *arg, const struct ddns_send_attempt *a)
{
	struct send_ctx *c = arg;
	ddns_engine *e = c->engine;
	const struct ddns_target *t = a->target;
	STAT_ADD(e, updates, 1);
	if (a->error == DDNS_OK) {
		/* One line per change, a batch's as a single change's. */
		size_t lines = c->n_batch > 0 ? c->n_batch : 1;
		if (!ddns_log_enabled(DDNS_LOG_INFO))
			lines = 0;
		char what[2 * DDNS_NAME_MAX + 64];
		for (size_t i = 0; i < lines; i++) {
			if (c->n_batch > 0)
				ddns_change_describe(&c->batch[i]->rec.change, what, sizeof(what));
			log_info(DDNS_DIRECT_UPDATE_SUCCESS,
			         "%s: zone %s, server %s (%s)%s: success in %ld ms%s",
			         c->n_batch > 0 ? what : c->what, c->ts->zone, t->name,
			         t->addr.text, a->info.tcp ? " over TCP" : "", a->ms,
			         c->n_batch > 0 ? " (in one UPDATE with others)" : "");
		}
		if (c->ts->discovered)
			ddns_locator_worked(e->locator, c->ts->zone, &t->addr);
	} else if (a->final) {
		log_info(DDNS_DIRECT_UPDATE_PREREQUISITE, "%s: zone %s, server %s (%s): %s",
		         c->what, c->ts->zone, t->name, t->addr.text, a->why);
	} else {
		count_failure(e, a->error);
		log_warn(DDNS_DIRECT_UPDATE_TARGET_FAILED,
		         "%s: zone %s, server %s (%s) failed after %ld ms: %s", c->what,
		         c->ts->zone, t->name, t->addr.text, a->ms, a->why);
	}
}

/* The job's change is settled: count it, and say whether what waited for it may start. */
static void settle(ddns_engine *e, struct job *job, enum ddns_step step, const char *what)
{
	switch (step) {
	case DDNS_STEP_CONFLICT:
		log_error(DDNS_DIRECT_UPDATE_CONFLICT,
		          "%s: conflict, the name belongs to another client or is a static entry; "
		          "not published%s",
		          what, job->rec.has_then ? ", and neither is its reverse record" : "");
		STAT_ADD(e, failed, 1);
		STAT_ADD(e, conflicts, 1);
		const struct ddns_published *p =
		    ddns_published_get(e->published, job->rec.family, job->rec.address);
		if (p != NULL && strcmp(p->fqdn, job->rec.change.owner) == 0) {
			published_remove(e, job->rec.family, job->rec.address);
			journal_published(e, job->rec.family, job->rec.address);
		}
		return;
	case DDNS_STEP_NOT_OURS:
		log_info(DDNS_DIRECT_UPDATE_NOT_OURS,
		         "%s: left alone, the record is held by another client or already gone",
		         what);
		STAT_ADD(e, succeeded, 1);
		return;
	default:
		STAT_ADD(e, succeeded, 1);
		job->then_due = job->rec.has_then;
	}
}

/* A PTR's owner may be an RFC 2317 alias: the record then goes to its target. False when that
 * cannot be checked now (logged). */
static bool follow_ptr_alias(ddns_engine *e, struct job *job)
{
	if (job->rec.change.type != LDNS_RR_TYPE_PTR || job->rec.alias_checked)
		return true;
	char owner[DDNS_NAME_MAX], what[2 * DDNS_NAME_MAX + 64];
	int rc = ddns_locate_ptr_owner(e->locator, job->rec.change.owner, owner);
	if (rc != DDNS_OK) {
		ddns_change_describe(&job->rec.change, what, sizeof(what));
		log_warn(DDNS_DIRECT_CLASSLESS_CHECK_FAILED,
		         "%s: cannot check for a classless delegation: %s", what,
		         ddns_strerror(rc));
		return false;
	}
	snprintf(job->rec.change.owner, sizeof(job->rec.change.owner), "%s", owner);
	job->rec.alias_checked = true;
	return true;
}

/*
 * Runs the job's change from its current step: locates the zone and targets, sends, and goes on
 * to the next step of the sequence while the answers say so. Rediscovers once if the view of the
 * zone was stale. Thread: a sender; touches only the job, the locator and the counters.
 */
static enum job_result run_job(ddns_engine *e, struct job *job)
{
	struct ddns_target_set ts;
	char what[2 * DDNS_NAME_MAX + 64];
	bool fresh = false;
	job->attempts++;
	if (!follow_ptr_alias(e, job))
		return JOB_RETRY;
	for (;;) {
		ddns_change_describe(&job->rec.change, what, sizeof(what));
		int rc = ddns_locate(e->locator, job->rec.change.owner, fresh, &ts);
		if (rc == DDNS_EEXCLUDED) {
			log_info(DDNS_DIRECT_UPDATE_EXCLUDED,
			         "%s: skipped, its zone is configured with \"update\": false",
			         what);
			STAT_ADD(e, skipped, 1);
			job->step = -1;
			return JOB_DONE;
		}
		if (rc != DDNS_OK) {
			log_warn(DDNS_DIRECT_UPDATE_NO_TARGET,
			         "%s: cannot find where to send it: %s", what, ddns_strerror(rc));
			return JOB_RETRY;
		}
		struct send_ctx ctx = {e, what, &ts, NULL, 0};
		int answer;
		enum ddns_send_result r =
		    ddns_send_change(&e->sender, &ts, &job->rec.change, on_attempt, &ctx, &answer);
		if (r == DDNS_SEND_STALE && !fresh) {
			log_info(
			    DDNS_DIRECT_ZONE_REDISCOVER,
			    "%s: a server of zone %s says it is not authoritative; discovering "
			    "again",
			    what, ts.zone);
			ddns_locator_invalidate(e->locator, ts.zone);
			fresh = true;
			continue;
		}
		if (r == DDNS_SEND_FAILED || r == DDNS_SEND_STALE)
			return JOB_RETRY;
		enum ddns_step step = ddns_update_next(&job->rec.change, answer);
		if (step != DDNS_STEP_NEXT) {
			job->step = (int)step;
			return JOB_DONE;
		}
		job->rec.change.step++;
	}
}

/* Failures that say nothing of the names in a message: every message to the server meets them. */
static bool about_the_server(int error)
{
	return error == DDNS_ETIMEOUT || error == DDNS_ENETWORK || error == DDNS_EGSS;
}

/*
 * Sends n jobs of one zone (distinct names) in one UPDATE. If a server answered "no" to the
 * message (a prerequisite of one name, a policy that refuses one name, a bad reply), each half is
 * sent again on its own, down to single changes: every change gets its own answer in a few
 * messages, and none waits for another's trouble. A server that says it is not authoritative
 * sends every job on its own way (run_job rediscovers the zone once). Only silence, which says
 * nothing of any name and which every message to that server would meet (as a refused connection
 * or a failed GSS-TSIG negotiation), sends the whole group to its next attempt. Thread: a sender.
 */
static void send_group(ddns_engine *e, struct job **group, size_t n,
                       const struct ddns_target_set *ts)
{
	if (n == 1) {
		group[0]->result = run_job(e, group[0]);
		return;
	}
	const struct ddns_change *changes[BATCH_MAX];
	for (size_t i = 0; i < n; i++)
		changes[i] = &group[i]->rec.change;
	char what[DDNS_NAME_MAX + 64];
	snprintf(what, sizeof(what), "%zu changes (the first for %s)", n,
	         group[0]->rec.change.owner);
	struct send_ctx ctx = {e, what, ts, group, n};
	int answer;
	enum ddns_send_result r =
	    ddns_send_changes(&e->sender, ts, changes, n, on_attempt, &ctx, &answer);
	if (r == DDNS_SEND_STALE) {
		for (size_t i = 0; i < n; i++)
			group[i]->result = run_job(e, group[i]);
		return;
	}
	if (r == DDNS_SEND_FINAL || (r == DDNS_SEND_FAILED && !about_the_server(answer))) {
		log_info(DDNS_DIRECT_UPDATE_BATCH_SPLIT,
		         "%s: zone %s: %s (%s); the message is split in two", what, ts->zone,
		         r == DDNS_SEND_FINAL ? "a prerequisite failed"
		                              : "no server accepted the message",
		         ddns_strerror(answer));
		send_group(e, group, n / 2, ts);
		send_group(e, group + n / 2, n - n / 2, ts);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct job *job = group[i];
		job->attempts++;
		job->result = r == DDNS_SEND_APPLIED ? JOB_DONE : JOB_RETRY;
		if (r != DDNS_SEND_APPLIED)
			continue;
		job->step = (int)ddns_update_next(&job->rec.change, DDNS_OK);
		if (job->step == DDNS_STEP_NEXT) {
			job->rec.change.step++;
			job->result = JOB_NEXT;
		}
	}
}

/*
 * Runs a batch (jobs of one key, distinct names): those in the zone of the first that can be
 * located go out together (send_group); any other runs on its own. Thread: a sender.
 */
static void run_batch(ddns_engine *e, struct job *first)
{
	struct job *group[BATCH_MAX];
	size_t n_group = 0;
	struct ddns_target_set ts, other;
	for (struct job *job = first; job != NULL; job = job->bnext) {
		if (!follow_ptr_alias(e, job)) {
			job->attempts++;
			job->result = JOB_RETRY;
			continue;
		}
		struct ddns_target_set *where = n_group == 0 ? &ts : &other;
		if (ddns_locate(e->locator, job->rec.change.owner, false, where) != DDNS_OK ||
		    (n_group > 0 && strcmp(other.zone, ts.zone) != 0))
			job->result = run_job(e, job);
		else
			group[n_group++] = job;
	}
	if (n_group > 0)
		send_group(e, group, n_group, &ts);
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

/* FNV-1a: the dispatcher compares names by these hashes. A collision can only make a job wait
 * for an unrelated one, never overtake a change to its own name. */
static uint64_t name_hash(const char *name)
{
	uint64_t h = 14695981039346656037ull;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h != 0 ? h : 1;
}

/* An upper bound of the bytes a change adds to an UPDATE, whatever its step: at most four records
 * with its owner written whole (each with 10 bytes of type, class, TTL and length), its value, and
 * two DHCIDs. */
static size_t change_bytes(const struct ddns_change *c)
{
	return 4 * (strlen(c->owner) + 1 + 10) + strlen(c->rdata) + 16 + 2 * DDNS_DHCID_LEN;
}

/* Sets what the dispatcher keeps of a job that becomes owed. */
static void owe(struct job *job, int64_t since_ms)
{
	job->bytes = change_bytes(&job->rec.change);
	job->since_ms = since_ms;
	job->step = -1;
	job->key_generation = 0;
	job->origin_hash = name_hash(job->rec.change.owner);
	job->then_hash = job->rec.has_then ? name_hash(job->rec.then.owner) : 0;
}

static void append_pending(ddns_engine *e, struct job *job)
{
	e->n_owed++;
	job->next = NULL;
	job->prev = e->pending_tail;
	if (e->pending_tail != NULL)
		e->pending_tail->next = job;
	else
		e->pending = job;
	e->pending_tail = job;
}

static void remove_pending(ddns_engine *e, struct job *job)
{
	e->n_owed--;
	if (job->prev != NULL)
		job->prev->next = job->next;
	else
		e->pending = job->next;
	if (job->next != NULL)
		job->next->prev = job->prev;
	else
		e->pending_tail = job->prev;
}

/* Finished jobs kept for reuse: under load the worker takes and drops thousands of jobs a second,
 * and a thread's heap that shrinks and grows again with them costs system calls and page faults.
 * At most this many (about 5 MB). */
#define SPARE_JOBS 4096

/* A zeroed job, reused or new; NULL when out of memory. Thread: worker (or before it starts). */
static struct job *job_new(ddns_engine *e)
{
	struct job *job = e->spare;
	if (job == NULL)
		return calloc(1, sizeof(*job));
	e->spare = job->next;
	e->n_spare--;
	memset(job, 0, sizeof(*job));
	return job;
}

/* Drops a job that is in no list any more. Thread: worker. */
static void job_drop(ddns_engine *e, struct job *job)
{
	if (e->n_spare == SPARE_JOBS) {
		free(job);
		return;
	}
	job->next = e->spare;
	e->spare = job;
	e->n_spare++;
}

/* Owes a new change: after LINGER_MS, or sooner in a batch another change to its zone opens, it
 * goes out once a sender is free and nothing before it holds its zone or its name. */
static void submit_job(ddns_engine *e, struct job *job)
{
	owe(job, ddns_clock_now_ms());
	job->due_ms = job->since_ms + LINGER_MS;
	append_pending(e, job);
}

/*
 * Records on disk that the job is finished and frees it. The reverse record that waited for it
 * takes its place in the owed list, ahead of any later change to the same reverse name.
 */
static void finish_job(ddns_engine *e, struct job *job)
{
	struct job *next = NULL;
	if (job->then_due) {
		next = job_new(e);
		if (next != NULL) {
			next->rec.change = job->rec.then;
			next->rec.valid_until = job->rec.valid_until;
			next->rec.family = job->rec.family;
			memcpy(next->rec.address, job->rec.address, sizeof(next->rec.address));
		} else {
			log_error(DDNS_DIRECT_OUT_OF_MEMORY,
			          "out of memory: dropping the change for %s", job->rec.then.owner);
			STAT_ADD(e, failed, 1);
		}
	}
	if (e->durable != NULL &&
	    ddns_durable_job_done(e->durable, job->rec.id, next != NULL ? &next->rec : NULL) !=
	        DDNS_OK)
		journal_failed(e, "a finished record change");
	if (next != NULL) {
		owe(next, job->since_ms);
		/* Link next where job is, then drop job. */
		next->prev = job->prev;
		next->next = job->next;
		if (job->prev != NULL)
			job->prev->next = next;
		else
			e->pending = next;
		if (job->next != NULL)
			job->next->prev = next;
		else
			e->pending_tail = next;
	} else {
		remove_pending(e, job);
	}
	job_drop(e, job);
}

/* Takes a sender's verdict: settle and finish, or schedule the next attempt in place. */
static void collect(ddns_engine *e, struct job *job, int64_t retry_at)
{
	char what[2 * DDNS_NAME_MAX + 64];
	job->running = false;
	if (job->result == JOB_DONE) {
		ddns_change_describe(&job->rec.change, what, sizeof(what));
		if (job->step >= 0)
			settle(e, job, (enum ddns_step)job->step, what);
		finish_job(e, job);
	} else if (job->result == JOB_NEXT) {
		job->due_ms = 0;
	} else if (job->rec.best_effort) {
		log_warn(DDNS_DIRECT_UPDATE_GIVEN_UP,
		         "%s: given up, the plugin had no record of publishing it",
		         job->rec.change.owner);
		STAT_ADD(e, failed, 1);
		finish_job(e, job);
	} else {
		job->due_ms = retry_at;
		STAT_ADD(e, retries, 1);
	}
}

static void collect_finished(ddns_engine *e)
{
	pthread_mutex_lock(&e->lock);
	struct job *done = e->finished;
	e->finished = NULL;
	pthread_mutex_unlock(&e->lock);
	while (done != NULL) {
		struct job *next = done->qnext;
		e->slot_used[done->slot] = false;
		pthread_mutex_lock(&e->lock);
		e->n_running--;
		pthread_mutex_unlock(&e->lock);
		/* What failed in one message retries in one message. */
		int64_t retry_at = ddns_clock_now_ms() + retry_delay(e, done->attempts);
		for (struct job *job = done, *rest; job != NULL; job = rest) {
			rest = job->bnext; /* collect may free the job */
			collect(e, job, retry_at);
		}
		done = next;
	}
}

/* The job's key, computed again only when the locator's view may have changed. Keys are compared
 * by hash: a collision only serialises two zones, and batches are checked by zone when sent. */
static uint64_t job_key(ddns_engine *e, struct job *job)
{
	uint64_t generation = ddns_locator_generation(e->locator) + 1;
	if (job->key_generation != generation) {
		char key[DDNS_NAME_MAX];
		ddns_locator_key(e->locator, job->rec.change.owner, key);
		job->key = name_hash(key);
		job->key_generation = generation;
	}
	return job->key;
}

static bool key_running(const ddns_engine *e, uint64_t key)
{
	for (size_t i = 0; i < SENDERS; i++)
		if (e->slot_used[i] && e->running_key[i] == key)
			return true;
	return false;
}

/* Adds h to the set of names owed earlier in this pass; returns whether it was there. */
static bool seen_add(ddns_engine *e, uint64_t h)
{
	size_t mask = e->seen_slots - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		if (e->seen[i] == h)
			return true;
		if (e->seen[i] == 0) {
			e->seen[i] = h;
			return false;
		}
	}
}

/* Empties the set, sized for every owed job's two names. False when out of memory. */
static bool seen_reset(ddns_engine *e)
{
	size_t want = 64;
	while (want < 4 * e->n_owed)
		want *= 2;
	if (want != e->seen_slots) {
		uint64_t *grown = realloc(e->seen, want * sizeof(*grown));
		if (grown == NULL)
			return false;
		e->seen = grown;
		e->seen_slots = want;
	}
	memset(e->seen, 0, e->seen_slots * sizeof(*e->seen));
	return true;
}

/* Batches being filled by one dispatch pass, one per free sender. */
struct open_batch {
	struct job *first, *last;
	size_t n;     /* jobs in it */
	size_t bytes; /* at most the size of their message */
	bool full;    /* counted in the pass's full batches */
};

/*
 * One pass over the owed list in arrival order: every due job whose zone has no batch out, and
 * whose name has no earlier change owed, joins the batch of its zone, while free senders last;
 * the batches then go to the senders. The pass ends early once every free sender has a full batch.
 */
static void dispatch(ddns_engine *e)
{
	int64_t now = ddns_clock_now_ms();
	e->dispatched_ms = now;
	pthread_mutex_lock(&e->lock);
	size_t free_senders = e->n_senders - e->n_running;
	pthread_mutex_unlock(&e->lock);
	if (free_senders == 0 || e->pending == NULL || atomic_load(&e->stopping) || !seen_reset(e))
		return;
	struct open_batch open[SENDERS];
	size_t n_open = 0, n_full = 0;
	for (struct job *job = e->pending; job != NULL && n_full < free_senders; job = job->next) {
		bool waits = seen_add(e, job->origin_hash);
		if (job->then_hash != 0)
			seen_add(e, job->then_hash);
		/* A change still lingering joins a batch that a due one has opened. */
		bool lingering = job->due_ms > now;
		if (waits || job->running ||
		    (lingering && (n_open == 0 || job->due_ms > now + LINGER_MS)))
			continue;
		uint64_t key = job_key(e, job);
		if (key_running(e, key))
			continue;
		struct open_batch *b = NULL;
		for (size_t i = 0; i < n_open && b == NULL; i++)
			if (open[i].first->key == key)
				b = &open[i];
		if (b == NULL && n_open < free_senders && !lingering) {
			b = &open[n_open++];
			*b = (struct open_batch){.first = job};
		}
		if (b == NULL || b->n == BATCH_MAX || b->bytes + job->bytes > BATCH_BYTES)
			continue;
		if (b->n > 0)
			b->last->bnext = job;
		b->last = job;
		job->bnext = NULL;
		job->running = true;
		b->n++;
		b->bytes += job->bytes;
		/* Full once no other change of this one's size fits. */
		if (!b->full && (b->n == BATCH_MAX || b->bytes + job->bytes > BATCH_BYTES)) {
			b->full = true;
			n_full++;
		}
	}
	if (n_open == 0)
		return;
	for (size_t i = 0; i < n_open; i++) {
		int slot = 0;
		while (e->slot_used[slot])
			slot++;
		e->slot_used[slot] = true;
		e->running_key[slot] = open[i].first->key;
		open[i].first->slot = slot;
	}
	pthread_mutex_lock(&e->lock);
	struct job **tail = &e->ready;
	while (*tail != NULL)
		tail = &(*tail)->qnext;
	for (size_t i = 0; i < n_open; i++) {
		*tail = open[i].first;
		tail = &open[i].first->qnext;
	}
	*tail = NULL;
	e->n_running += n_open;
	pthread_cond_broadcast(&e->ready_cond);
	pthread_mutex_unlock(&e->lock);
}

/* The engine's threads run at a lower priority than Kea's: when the CPU is short, DNS work waits
 * (its changes are owed, in memory or in state-dir) and DHCP does not. Linux applies a thread
 * ID's nice value to that thread alone. */
#define THREAD_NICE 10

static void yield_to_dhcp(void)
{
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), THREAD_NICE) != 0)
		log_warn(DDNS_DIRECT_THREAD_PRIORITY,
		         "cannot lower the priority of a DNS thread: %s", strerror(errno));
}

static void *sender_main(void *arg)
{
	ddns_engine *e = arg;
	yield_to_dhcp();
	pthread_mutex_lock(&e->lock);
	for (;;) {
		while (e->ready == NULL && !e->senders_stop)
			pthread_cond_wait(&e->ready_cond, &e->lock);
		if (e->senders_stop)
			break;
		struct job *first = e->ready;
		e->ready = first->qnext;
		pthread_mutex_unlock(&e->lock);
		run_batch(e, first);
		pthread_mutex_lock(&e->lock);
		first->qnext = e->finished;
		e->finished = first;
		pthread_mutex_unlock(&e->lock);
		ddns_queue_wake(e->queue);
		pthread_mutex_lock(&e->lock);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
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

/* The jobs one lease event creates: removals of what was published, then additions. */
struct plan {
	struct job *jobs[4];
	size_t n;
};

/*
 * Adds the changes for p's records of the lease to the plan. An added reverse record waits for its
 * forward name: if the name turns out to belong to another client, the PTR is not published either.
 */
static void plan_records(ddns_engine *e, struct plan *plan, enum ddns_change_op op,
                         const struct ddns_lease_event *ev, const struct ddns_published *p,
                         bool best_effort)
{
	char addr[INET6_ADDRSTRLEN], rev[DDNS_NAME_MAX];
	struct job fwd = {.rec = {.best_effort = best_effort,
	                          .valid_until = op == DDNS_CHANGE_ADD ? ev->expires : 0,
	                          .family = ev->family}};
	struct job ptr = fwd;
	uint32_t ttl = ddns_config_client_ttl(e->cfg, &ev->dns, ev->lifetime);
	inet_ntop(ev->family, ev->address, addr, sizeof(addr));
	memcpy(fwd.rec.address, ev->address, sizeof(fwd.rec.address));
	memcpy(ptr.rec.address, ev->address, sizeof(ptr.rec.address));
	change_init(&fwd.rec.change, op, ev->family == AF_INET ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA,
	            p->fqdn, addr, ttl, p);
	ddns_reverse_name(ev->family, ev->address, rev);
	change_init(&ptr.rec.change, op, LDNS_RR_TYPE_PTR, rev, p->fqdn, ttl, p);
	if (p->forward && p->reverse && op == DDNS_CHANGE_ADD) {
		fwd.rec.has_then = true;
		fwd.rec.then = ptr.rec.change;
	}
	const struct job *todo[2] = {p->forward ? &fwd : NULL,
	                             p->reverse && !fwd.rec.has_then ? &ptr : NULL};
	for (size_t i = 0; i < 2; i++) {
		if (todo[i] == NULL || plan->n == 4)
			continue;
		struct job *job = job_new(e);
		if (job == NULL) {
			log_error(DDNS_DIRECT_OUT_OF_MEMORY,
			          "out of memory: dropping the change for %s",
			          todo[i]->rec.change.owner);
			STAT_ADD(e, failed, 1);
			continue;
		}
		*job = *todo[i];
		plan->jobs[plan->n++] = job;
	}
}

static const char *kind_name(enum ddns_lease_kind kind)
{
	static const char *const names[] = {"granted", "released",    "declined",
	                                    "expired", "republished", "gone"};
	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

/* Sets p's conflict mode and DHCID from Kea's or the plugin's setting and the client identity. */
static void identify(ddns_engine *e, const struct ddns_lease_event *ev, struct ddns_published *p)
{
	p->mode = ddns_config_client_mode(e->cfg, &ev->dns);
	if (p->mode == DDNS_NO_CHECK_WITHOUT_DHCID)
		return;
	if (ddns_dhcid_compute(ev->id_type, ev->id, ev->id_len, p->fqdn, p->dhcid) != 0) {
		log_warn(DDNS_DIRECT_NO_CLIENT_IDENTITY,
		         "%s: the lease carries no client identity, so no DHCID: published "
		         "without conflict checks",
		         p->fqdn);
		p->mode = DDNS_NO_CHECK_WITHOUT_DHCID;
	}
}

/* Whether a lease that ends at expires (seconds since the epoch; 0: unknown) is over. */
static bool lease_over(int64_t expires)
{
	return expires != 0 && expires <= ddns_clock_wall_s();
}

/* A renewal re-sends records last sent a lease lifetime or more ago, to repair deletions. */
static bool due_for_repair(const struct ddns_published *had, const struct ddns_lease_event *ev)
{
	return ddns_clock_now_ms() - had->since_ms >= (int64_t)ev->lifetime * 1000;
}

/*
 * Decides what a lease event changes: fills the plan with the record changes it needs and updates
 * the published map. Returns true when the address's published entry changed.
 */
static bool plan_event(ddns_engine *e, const struct ddns_lease_event *ev, struct plan *plan)
{
	char addr[INET6_ADDRSTRLEN];
	struct ddns_published want;
	const char *why = NULL;
	const struct ddns_published *had =
	    ddns_published_get(e->published, ev->family, ev->address);
	bool grant = ev->kind == DDNS_LEASE_GRANTED || ev->kind == DDNS_LEASE_REPUBLISH;
	inet_ntop(ev->family, ev->address, addr, sizeof(addr));
	memset(&want, 0, sizeof(want));
	/* Replayed after a restart, a grant may be for a lease that ended meanwhile, whose end
	 * another server (an HA partner) may have handled: publishing it would leave a record of
	 * no lease. */
	if (grant && lease_over(ev->expires)) {
		log_info(DDNS_DIRECT_LEASE_OVER,
		         "lease %s %s (%.*s): the lease ended before the event was handled; not "
		         "published",
		         addr, kind_name(ev->kind), 255, ev->fqdn);
		STAT_ADD(e, skipped, 1);
		return false;
	}

	if (ev->fqdn[0] != '\0' &&
	    ddns_name_normalize(ev->fqdn, NAME_HOST, false, want.fqdn, &why) != 0) {
		log_error(DDNS_DIRECT_NAME_REFUSED, "lease %s %s: name '%.*s' refused: %s", addr,
		          kind_name(ev->kind), 255, ev->fqdn, why);
		STAT_ADD(e, invalid, 1);
		if (grant && had == NULL)
			return false;
		want.fqdn[0] = '\0';
	}
	/* A resync saw no lease for a recorded name; since then the address may have been
	 * released or taken by another name, and then there is nothing of it to withdraw. */
	if (ev->kind == DDNS_LEASE_GONE && (had == NULL || strcmp(had->fqdn, want.fqdn) != 0)) {
		log_debug(DDNS_DIRECT_RESYNC_NOT_RECORDED,
		          "lease %s gone: %s is no longer recorded as published there", addr,
		          want.fqdn);
		return false;
	}

	if (grant && want.fqdn[0] != '\0' && !ddns_config_allows(e->cfg, want.fqdn)) {
		log_error(DDNS_DIRECT_NAME_NOT_ALLOWED,
		          "lease %s %s: name %s refused: outside the zones this server may update "
		          "(allowed-suffixes, or the zones list)",
		          addr, kind_name(ev->kind), want.fqdn);
		STAT_ADD(e, invalid, 1);
		if (had == NULL)
			return false;
		want.fqdn[0] = '\0';
	}
	if (grant && want.fqdn[0] != '\0') {
		want.forward = ev->forward && e->cfg->forward;
		want.reverse = ev->reverse && e->cfg->reverse;
		identify(e, ev, &want);
	}
	bool same = had != NULL && want.forward == had->forward && want.reverse == had->reverse &&
	            strcmp(want.fqdn, had->fqdn) == 0;
	if (same && ev->kind != DDNS_LEASE_REPUBLISH && !due_for_repair(had, ev)) {
		log_debug(DDNS_DIRECT_ALREADY_PUBLISHED, "lease %s %s: %s already published", addr,
		          kind_name(ev->kind), want.fqdn);
		STAT_ADD(e, skipped, 1);
		return false;
	}
	bool changed = false;
	if (had != NULL && !same) {
		struct ddns_published old = *had;
		published_remove(e, ev->family, ev->address);
		plan_records(e, plan, DDNS_CHANGE_REMOVE, ev, &old, false);
		changed = true;
	} else if (had == NULL && !grant && want.fqdn[0] != '\0') {
		/* Nothing recorded (an HA partner published it, or it was published before the
		 * state was kept): remove what the lease names, with its client's DHCID, which
		 * deletes only this client's records. */
		want.forward = e->cfg->forward;
		want.reverse = e->cfg->reverse;
		identify(e, ev, &want);
		plan_records(e, plan, DDNS_CHANGE_REMOVE, ev, &want, !atomic_load(&e->partnered));
		return false;
	}
	if (!want.forward && !want.reverse) {
		if (had == NULL)
			STAT_ADD(e, skipped, 1);
		return changed;
	}
	want.since_ms = ddns_clock_now_ms();
	if (published_set(e, ev->family, ev->address, &want) != DDNS_OK)
		log_error(DDNS_DIRECT_OUT_OF_MEMORY,
		          "lease %s: out of memory recording what is published; its removal will "
		          "use the lease's name",
		          addr);
	plan_records(e, plan, DDNS_CHANGE_ADD, ev, &want, false);
	return true;
}

/* Turns an event into record changes, records them on disk, then starts them. */
static void handle_event(ddns_engine *e, const struct ddns_lease_event *ev, uint64_t seq)
{
	struct plan plan = {.n = 0};
	bool changed = plan_event(e, ev, &plan);
	if (e->durable != NULL) {
		struct ddns_job_record *recs[4];
		for (size_t i = 0; i < plan.n; i++)
			recs[i] = &plan.jobs[i]->rec;
		if (ddns_durable_handled(e->durable, seq, recs, plan.n, ev->family, ev->address,
		                         ddns_published_get(e->published, ev->family, ev->address),
		                         changed) != DDNS_OK)
			journal_failed(e, "a handled lease event");
	}
	for (size_t i = 0; i < plan.n; i++)
		submit_job(e, plan.jobs[i]);
}

/*
 * Publishes the worker's view (idle, owed count, oldest, next retry) for wait_idle and the
 * counters, and returns when the worker must wake next for a retry (-1: only an event or a sender
 * wakes it).
 */
static int64_t publish_state(ddns_engine *e)
{
	size_t n = 0;
	int64_t next_due = -1, wake = -1, now = ddns_clock_now_ms(), oldest = now;
	/* A job that fell due after the last dispatch pass (a linger or a retry that ran out while
	 * the files were synced) wakes the worker at once: no one else would. */
	int64_t seen_at = e->dispatched_ms;
	for (const struct job *j = e->pending; j != NULL; j = j->next) {
		n++;
		if (j->since_ms < oldest)
			oldest = j->since_ms;
		if (j->running)
			continue;
		if (next_due < 0 || j->due_ms < next_due)
			next_due = j->due_ms;
		/* A due job that did not go out waits for a sender or its zone: they wake us. */
		if (j->due_ms > seen_at && (wake < 0 || j->due_ms < wake))
			wake = j->due_ms;
	}
	pthread_mutex_lock(&e->lock);
	e->working = false;
	e->n_pending = n;
	e->next_due_ms = next_due;
	e->oldest_ms = oldest;
	pthread_cond_broadcast(&e->idle);
	pthread_mutex_unlock(&e->lock);
	return wake;
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
	bool full = e->n_owed >= e->cfg->max_queue;
	if (full && !e->backlogged)
		log_warn(DDNS_DIRECT_BACKLOG,
		         "%zu record changes owed (max-queue): new lease events wait on disk in %s "
		         "until DNS takes some of them",
		         e->n_owed, e->cfg->state_dir);
	e->backlogged = full;
	return full;
}

static void *worker_main(void *arg)
{
	ddns_engine *e = arg;
	yield_to_dhcp();
	bool took_events = false; /* the last round took events, and not a full round's worth */
	while (!atomic_load(&e->stopping)) {
		collect_finished(e);
		if (atomic_exchange(&e->flush, false))
			for (struct job *j = e->pending; j != NULL; j = j->next)
				j->due_ms = 0;
		dispatch(e);
		/* The round's records reach state-dir before the worker reports itself idle. */
		if (e->durable != NULL && ddns_durable_flush(e->durable) != DDNS_OK)
			journal_failed(e, "the record changes of a round");
		if (e->durable != NULL &&
		    ddns_clock_now_ms() - e->last_sync_ms >= SYNC_INTERVAL_MS) {
			ddns_durable_sync(e->durable);
			e->last_sync_ms = ddns_clock_now_ms();
		}
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

static void load_published(void *ctx, int family, const uint8_t *address,
                           const struct ddns_published *p)
{
	ddns_engine *e = ctx;
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
	if (lease_over(r->valid_until)) {
		ddns_change_describe(&r->change, what, sizeof(what));
		log_info(DDNS_DIRECT_LEASE_OVER,
		         "%s: its lease ended while the server was down; not sent", what);
		STAT_ADD(e, skipped, 1);
		return false;
	}
	struct job *job = job_new(e);
	if (job == NULL) {
		log_error(DDNS_DIRECT_OUT_OF_MEMORY, "out of memory: dropping the change for %s",
		          r->change.owner);
		STAT_ADD(e, failed, 1);
		return true;
	}
	job->rec = *r;
	owe(job, ddns_clock_now_ms());
	append_pending(e, job);
	return true;
}

static void load_event(void *ctx, uint64_t seq, const struct ddns_lease_event *ev)
{
	ddns_engine *e = ctx;
	e->stats.events++;
	if (ddns_queue_push(e->queue, ev, seq) != DDNS_OK) {
		e->stats.events--;
		log_error(DDNS_DIRECT_OUT_OF_MEMORY,
		          "out of memory: a lease event of the last run is dropped");
	}
}

/* Stops the senders after their current job (at most two timeouts) and joins them. */
static void stop_senders(ddns_engine *e)
{
	pthread_mutex_lock(&e->lock);
	e->senders_stop = true;
	pthread_cond_broadcast(&e->ready_cond);
	pthread_mutex_unlock(&e->lock);
	for (size_t i = 0; i < e->n_senders; i++)
		pthread_join(e->senders[i], NULL);
	e->n_senders = 0;
}

static void free_jobs(struct job *list)
{
	while (list != NULL) {
		struct job *next = list->next;
		free(list);
		list = next;
	}
}

/* Frees what the engine owns once no thread uses it; tolerates a half-built engine. */
static void release(ddns_engine *e)
{
	free_jobs(e->pending);
	free_jobs(e->spare);
	ddns_durable_free(e->durable);
	ddns_locator_free(e->locator);
	ddns_socket_pool_free(e->pool);
	ddns_gss_free(e->gss);
	ddns_gss_kerberos_free(e->kerberos);
	ddns_published_free(e->published);
	ddns_queue_free(e->queue);
	ddns_config_free(e->cfg);
	free(e->seen);
	pthread_cond_destroy(&e->idle);
	pthread_cond_destroy(&e->ready_cond);
	pthread_mutex_destroy(&e->published_lock);
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
	const struct ddns_transport *transport = opts->transport;
	if (transport == NULL) {
		e->pool = ddns_socket_pool_new();
		e->own_transport = ddns_socket_pool_transport(e->pool);
		transport = &e->own_transport;
	}
	int timeout_ms = opt_or(opts->timeout_ms, 2000);
	e->retry_min_ms = opt_or(opts->retry_min_ms, 1000);
	e->retry_max_ms = opt_or(opts->retry_max_ms, 60000);
	e->next_due_ms = -1;
	e->queue = ddns_queue_new();
	e->published = ddns_published_new();
	e->locator = ddns_locator_new(e->cfg, transport, timeout_ms);
	bool gss_ok = true;
	if (e->cfg->gss != NULL) {
		const struct ddns_gss_mech *mech = opts->gss_mech;
		if (mech == NULL)
			mech = e->kerberos = ddns_gss_kerberos_new(e->cfg->gss);
		e->gss = mech != NULL
		             ? ddns_gss_new(mech, e->cfg->gss->realm, e->cfg->gss->key_lifetime)
		             : NULL;
		gss_ok = e->gss != NULL;
	}
	e->sender = (struct ddns_sender){transport, e->gss, timeout_ms};
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->published_lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&e->idle, &attr);
	pthread_cond_init(&e->ready_cond, NULL);
	pthread_condattr_destroy(&attr);
	struct ddns_durable_loader loader = {load_published, load_job, load_event, e};
	if (e->queue == NULL || e->published == NULL || e->locator == NULL ||
	    (opts->transport == NULL && e->pool == NULL) || !gss_ok) {
		snprintf(err, errlen, "out of memory while starting the engine");
		rc = DDNS_ENOMEM;
	} else if ((rc = ddns_durable_open(e->cfg->state_dir, &loader, &e->durable)) != DDNS_OK) {
		snprintf(err, errlen, "parameter 'state-dir': cannot use '%s': %s",
		         e->cfg->state_dir, ddns_strerror(rc));
		rc = DDNS_ECONFIG;
	}
	if (rc == DDNS_OK) {
		/* The worker's first wait must know about the changes resumed from state-dir. */
		publish_state(e);
		for (; e->n_senders < SENDERS && rc == DDNS_OK; e->n_senders++)
			rc = pthread_create(&e->senders[e->n_senders], NULL, sender_main, e);
		if (rc == DDNS_OK)
			rc = pthread_create(&e->worker, NULL, worker_main, e);
		if (rc != 0) {
			snprintf(err, errlen, "cannot start the engine's threads: %s",
			         strerror(rc));
			stop_senders(e);
			rc = -rc;
		}
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
		journal_failed(e, "a lease event");
		if (full) {
			pthread_mutex_lock(&e->lock);
			uint64_t n = e->stats.dropped++;
			pthread_mutex_unlock(&e->lock);
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
	pthread_mutex_lock(&e->lock);
	e->stats.events++;
	e->stats.spilled += spilled;
	pthread_mutex_unlock(&e->lock);
	if (spilled) {
		ddns_queue_wake(e->queue);
		return DDNS_OK;
	}
	int rc = ddns_queue_push(e->queue, ev, seq);
	if (rc != DDNS_OK) {
		pthread_mutex_lock(&e->lock);
		e->stats.events--;
		pthread_mutex_unlock(&e->lock);
	}
	return rc;
}

int ddns_engine_wait_idle(ddns_engine *e, int timeout_ms)
{
	int64_t deadline = ddns_clock_now_ms() + timeout_ms;
	struct timespec ts = {deadline / 1000, (deadline % 1000) * 1000000};
	int rc = DDNS_OK;
	pthread_mutex_lock(&e->lock);
	while (e->working || e->n_running > 0 || e->events_done != e->stats.events ||
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
	ddns_locator_counts(e->locator, &out->discoveries, &out->cache_hits);
	out->gss_negotiations = e->gss != NULL ? ddns_gss_negotiations(e->gss) : 0;
	out->callout_median_ns = ddns_latency_quantile(&e->callouts, 500);
	out->callout_p99_ns = ddns_latency_quantile(&e->callouts, 990);
}

void ddns_engine_note_callout(ddns_engine *e, uint64_t ns)
{
	ddns_latency_add(&e->callouts, ns);
}

void ddns_engine_flush(ddns_engine *e)
{
	atomic_store(&e->flush, true);
	ddns_queue_wake(e->queue);
}

int ddns_engine_rediscover(ddns_engine *e, const char *zone)
{
	char name[DDNS_NAME_MAX];
	const char *why;
	if (zone == NULL) {
		ddns_locator_forget_all(e->locator);
		return DDNS_OK;
	}
	if (ddns_name_normalize(zone, NAME_SERVICE, false, name, &why) != 0)
		return DDNS_EBADNAME;
	ddns_locator_invalidate(e->locator, name);
	return DDNS_OK;
}

/* What the plugin had published for one address when a resync began. */
struct recorded {
	uint8_t address[16];
	char fqdn[DDNS_NAME_MAX];
	bool leased; /* the lease database holds a lease for the address */
};

struct recorded_set {
	int family;
	struct recorded *items;
	size_t n, cap;
	bool no_memory;
};

static void copy_recorded(void *ctx, int family, const uint8_t *address,
                          const struct ddns_published *p)
{
	struct recorded_set *set = ctx;
	if (family != set->family || set->no_memory)
		return;
	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 1024;
		struct recorded *grown = realloc(set->items, cap * sizeof(*grown));
		if (grown == NULL) {
			set->no_memory = true;
			return;
		}
		set->items = grown;
		set->cap = cap;
	}
	struct recorded *r = &set->items[set->n++];
	memset(r, 0, sizeof(*r));
	memcpy(r->address, address, family == AF_INET ? 4 : 16);
	snprintf(r->fqdn, sizeof(r->fqdn), "%s", p->fqdn);
}

static int cmp_recorded(const void *a, const void *b)
{
	return memcmp(((const struct recorded *)a)->address, ((const struct recorded *)b)->address,
	              16);
}

/* Leases asked of the reader at a time. */
#define RESYNC_PAGE 256

/* Submits a resync's event, counting it in *n; false when the engine refused it. */
static bool resync_submit(ddns_engine *e, struct ddns_lease_event *ev, enum ddns_lease_kind kind,
                          uint64_t *n, int *rc)
{
	ev->kind = kind;
	*rc = ddns_engine_submit(e, ev);
	*n += *rc == DDNS_OK;
	return *rc == DDNS_OK;
}

int ddns_engine_resync(ddns_engine *e, int family, bool force, ddns_lease_reader read, void *ctx,
                       struct ddns_resync_report *report)
{
	memset(report, 0, sizeof(*report));
	if (family != AF_INET && family != AF_INET6)
		return DDNS_EINVAL;
	/* The copy is taken before the first lease is read: a lease granted meanwhile is then
	 * either in the database or recorded only in events queued after this point, never
	 * recorded and missing from the database, which would withdraw a live name. */
	struct recorded_set set = {.family = family};
	pthread_mutex_lock(&e->published_lock);
	ddns_published_foreach(e->published, copy_recorded, &set);
	pthread_mutex_unlock(&e->published_lock);
	int rc = set.no_memory ? DDNS_ENOMEM : DDNS_OK;
	qsort(set.items, set.n, sizeof(*set.items), cmp_recorded);
	report->recorded = set.n;

	struct ddns_lease_event *page = malloc(RESYNC_PAGE * sizeof(*page));
	if (page == NULL)
		rc = DDNS_ENOMEM;
	int n = 0;
	while (rc == DDNS_OK && (n = read(ctx, page, RESYNC_PAGE)) > 0) {
		for (int i = 0; i < n && rc == DDNS_OK; i++) {
			struct ddns_lease_event *ev = &page[i];
			struct recorded key;
			memset(key.address, 0, sizeof(key.address));
			memcpy(key.address, ev->address, family == AF_INET ? 4 : 16);
			struct recorded *r =
			    bsearch(&key, set.items, set.n, sizeof(*set.items), cmp_recorded);
			char name[DDNS_NAME_MAX] = "";
			const char *why;
			if (ev->fqdn[0] != '\0' &&
			    ddns_name_normalize(ev->fqdn, NAME_HOST, false, name, &why) != 0)
				name[0] = '\0';
			report->leases++;
			if (r != NULL)
				r->leased = true;
			bool recorded = r != NULL && name[0] != '\0' && strcmp(r->fqdn, name) == 0;
			if ((ev->fqdn[0] == '\0' && r == NULL) || (recorded && !force))
				continue;
			resync_submit(e, ev, force ? DDNS_LEASE_REPUBLISH : DDNS_LEASE_GRANTED,
			              &report->published, &rc);
		}
	}
	/* Withdraw nothing unless every lease was read: a partial view would remove live names. */
	if (rc == DDNS_OK && n < 0)
		rc = n;
	for (size_t i = 0; i < set.n && rc == DDNS_OK; i++) {
		if (set.items[i].leased)
			continue;
		struct ddns_lease_event ev = {.family = family, .id_type = DDNS_ID_NONE};
		memcpy(ev.address, set.items[i].address, sizeof(ev.address));
		snprintf(ev.fqdn, sizeof(ev.fqdn), "%s", set.items[i].fqdn);
		resync_submit(e, &ev, DDNS_LEASE_GONE, &report->withdrawn, &rc);
	}
	free(page);
	free(set.items);
	if (rc == DDNS_OK)
		log_info(DDNS_DIRECT_RESYNC,
		         "resync%s: %llu leases read, %llu addresses recorded as published; %llu "
		         "leases to publish, %llu names to withdraw",
		         force ? " (force)" : "", (unsigned long long)report->leases,
		         (unsigned long long)report->recorded,
		         (unsigned long long)report->published,
		         (unsigned long long)report->withdrawn);
	else
		log_error(DDNS_DIRECT_RESYNC_FAILED, "resync stopped after %llu leases: %s; %s",
		          (unsigned long long)report->leases, ddns_strerror(rc),
		          report->withdrawn == 0 ? "nothing was withdrawn"
		                                 : "some names were withdrawn");
	return rc;
}

/* Appends printf output to a bounded buffer, remembering whether it all fit. */
struct out {
	char *p;
	size_t left;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->p, o->left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->left) {
		o->full = true;
		o->left = 0;
		return;
	}
	o->p += n;
	o->left -= (size_t)n;
}

static void put_zone(void *ctx, const char *zone, const struct ddns_target *targets, size_t n,
                     int64_t ttl_left_s)
{
	struct out *o = ctx;
	put(o, "{ \"zone\": \"%s\", \"cached-for\": %lld, \"targets\": [", zone,
	    (long long)ttl_left_s);
	for (size_t i = 0; i < n; i++)
		put(o, "%s{ \"name\": \"%s\", \"address\": \"%s\" }", i ? ", " : "",
		    targets[i].name, targets[i].addr.text);
	put(o, "] }, ");
}

int ddns_engine_status(ddns_engine *e, char *buf, size_t len)
{
	struct ddns_engine_stats st;
	struct out o = {buf, len, false};
	ddns_engine_get_stats(e, &st);
	pthread_mutex_lock(&e->lock);
	int64_t oldest = e->n_pending > 0 ? (ddns_clock_now_ms() - e->oldest_ms) / 1000 : 0;
	pthread_mutex_unlock(&e->lock);
	put(&o,
	    "{ \"lease-events\": %llu, \"queued-events\": %zu, \"pending\": %llu, "
	    "\"oldest-pending-age\": %lld, "
	    "\"succeeded\": %llu, \"failed\": %llu, \"conflicts\": %llu, \"retries\": %llu, "
	    "\"dropped\": %llu, \"gss-negotiations\": %llu, "
	    "\"callout-ns\": { \"median\": %llu, \"p99\": %llu }, \"zones\": [ ",
	    (unsigned long long)st.events, ddns_queue_length(e->queue),
	    (unsigned long long)st.pending, (long long)oldest, (unsigned long long)st.succeeded,
	    (unsigned long long)st.failed, (unsigned long long)st.conflicts,
	    (unsigned long long)st.retries, (unsigned long long)st.dropped,
	    (unsigned long long)st.gss_negotiations, (unsigned long long)st.callout_median_ns,
	    (unsigned long long)st.callout_p99_ns);
	ddns_locator_foreach(e->locator, put_zone, &o);
	/* Drop the last ", " of the zone list, if any, before closing it. */
	if (!o.full && o.p - buf >= 2 && o.p[-2] == ',') {
		o.p -= 2;
		o.left += 2;
		*o.p = '\0';
	}
	put(&o, " ] }");
	return o.full ? DDNS_EINVAL : DDNS_OK;
}

void ddns_engine_set_partnered(ddns_engine *e, bool partnered)
{
	atomic_store(&e->partnered, partnered);
}

void ddns_engine_free(ddns_engine *e)
{
	if (e == NULL)
		return;
	atomic_store(&e->stopping, true);
	ddns_queue_close(e->queue);
	pthread_join(e->worker, NULL);
	stop_senders(e);
	size_t queued = ddns_queue_length(e->queue);
	size_t waiting = e->n_owed;
	if (queued > 0 || waiting > 0)
		log_info(DDNS_DIRECT_STOPPING,
		         "stopping with %zu lease events not yet processed and %zu record changes "
		         "waiting for a retry; they are kept in %s and resumed at the next start",
		         queued, waiting, e->cfg->state_dir);
	release(e);
}
