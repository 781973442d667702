/* SPDX-License-Identifier: MPL-2.0 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ddns/error.h"
#include "engine/batch.h"
#include "util/log.h"

/* What the engine's observer of ddns_send_change needs to log and count an attempt. */
struct send_ctx {
	const struct ddns_batch_env *env;
	const char *what;                 /* the change (or the batch) in words */
	const struct ddns_target_set *ts; /* where it went */
	struct job *const *batch;         /* the jobs of a batch, each logged on success */
	size_t n_batch;                   /* how many; 0 for a single change */
};

/* The counter of a failed attempt's kind (SIZE_MAX: counted only as an update sent). */
static size_t failure_counter(int error)
{
	switch (error) {
	case DDNS_EREFUSED:
		return offsetof(struct ddns_engine_stats, refused);
	case DDNS_ENOTAUTH:
	case DDNS_ENOTZONE:
		return offsetof(struct ddns_engine_stats, notauth);
	case DDNS_ESERVFAIL:
		return offsetof(struct ddns_engine_stats, servfail);
	case DDNS_ETIMEOUT:
	case DDNS_ENETWORK:
		return offsetof(struct ddns_engine_stats, timeouts);
	case DDNS_ETSIG:
	case DDNS_EGSS:
		return offsetof(struct ddns_engine_stats, tsig);
	default:
		return SIZE_MAX;
	}
}

static void on_attempt(void *arg, const struct ddns_send_attempt *a)
{
	struct send_ctx *c = arg;
	const struct ddns_batch_env *e = c->env;
	const struct ddns_target *t = a->target;
	DDNS_COUNT(e->counters, updates, 1);
	if (a->info.tsig_form == DDNS_TSIG_FORM_BARE_MAC)
		DDNS_COUNT(e->counters, tsig_nonstandard, 1);
	if (a->unauthenticated)
		DDNS_COUNT(e->counters, unauthenticated, 1);
	if (a->error == DDNS_OK) {
		/* One line per change, a batch's as a single change's. */
		size_t lines = c->n_batch > 0 ? c->n_batch : 1;
		if (!ddns_log_enabled(DDNS_LOG_DEBUG))
			lines = 0;
		char what[2 * DDNS_NAME_MAX + 64];
		for (size_t i = 0; i < lines; i++) {
			if (c->n_batch > 0)
				ddns_change_describe(&c->batch[i]->rec.change, what, sizeof(what));
			log_debug(DDNS_DIRECT_UPDATE_SUCCESS,
			          "%s: zone %s, server %s (%s)%s: success in %ld ms%s",
			          c->n_batch > 0 ? what : c->what, c->ts->zone, t->name,
			          t->addr.text, a->info.tcp ? " over TCP" : "", a->ms,
			          c->n_batch > 0 ? " (in one UPDATE with others)" : "");
		}
		ddns_zone_notes_applied(e->zones, c->ts->zone);
		if (c->ts->discovered)
			ddns_locator_worked(e->locator, c->ts->zone, &t->addr);
	} else if (a->final) {
		log_debug(DDNS_DIRECT_UPDATE_PREREQUISITE, "%s: zone %s, server %s (%s): %s",
		          c->what, c->ts->zone, t->name, t->addr.text, a->why);
	} else {
		size_t counter = failure_counter(a->error);
		if (counter != SIZE_MAX)
			ddns_counters_add(e->counters, counter, 1);
		log_warn(DDNS_DIRECT_UPDATE_TARGET_FAILED,
		         "%s: zone %s, server %s (%s) failed after %ld ms: %s", c->what,
		         c->ts->zone, t->name, t->addr.text, a->ms, a->why);
	}
}

static bool stopping(const struct ddns_batch_env *e)
{
	return atomic_load(e->stopping);
}

static bool needs_alias_check(const struct job *job)
{
	return job->rec.change.type == LDNS_RR_TYPE_PTR && !job->rec.alias_checked;
}

/* A PTR's owner may be an RFC 2317 alias: the record then goes to its target. DDNS_OK, or why
 * that cannot be checked now (logged). */
static int follow_ptr_alias(const struct ddns_batch_env *e, struct job *job)
{
	if (!needs_alias_check(job))
		return DDNS_OK;
	char owner[DDNS_NAME_MAX], what[2 * DDNS_NAME_MAX + 64];
	int rc = ddns_locate_ptr_owner(e->locator, job->rec.change.owner, owner);
	if (rc != DDNS_OK) {
		ddns_change_describe(&job->rec.change, what, sizeof(what));
		log_warn(DDNS_DIRECT_CLASSLESS_CHECK_FAILED,
		         "%s: cannot check for a classless delegation: %s", what,
		         ddns_strerror(rc));
		return rc;
	}
	snprintf(job->rec.change.owner, sizeof(job->rec.change.owner), "%s", owner);
	job->rec.alias_checked = true;
	return DDNS_OK;
}

/* Whether the server answered, and refused: an answer about the name or its rights, unlike
 * silence. */
static bool refusal(int answer)
{
	return answer == DDNS_ESERVFAIL || answer == DDNS_EREFUSED;
}

/*
 * Notes a refusal of the job's change by every target of zone; true once the server has refused
 * the name DDNS_DENIED_TRIES times while changes to other names of the zone were applied. A
 * server that refuses everything, or that is down, never gives that evidence: its changes retry.
 */
static bool denied_alone(const struct ddns_batch_env *e, struct job *job, const char *zone)
{
	uint64_t mark = ddns_zone_notes_tally(e->zones, zone) + 1;
	if (job->zone_applied != 0 && mark > job->zone_applied)
		job->refusals++;
	job->zone_applied = mark;
	return job->refusals >= DDNS_DENIED_TRIES;
}

/* The mark the zone's names carry: its setting, or DHCID until a server of the zone answered
 * NOTIMP to one, TXT after. */
static enum ddns_ownership ownership(const struct ddns_batch_env *e,
                                     const struct ddns_target_set *ts)
{
	if (ts->ownership != DDNS_OWNER_AUTO)
		return ts->ownership;
	return ddns_zone_notes_no_dhcid(e->zones, ts->zone) ? DDNS_OWNER_TXT : DDNS_OWNER_DHCID;
}

/* Readies the jobs for their zone's mark; without one, a change is a plain replace (and a
 * removal has no DHCID step). */
static void mark_as_zone(struct job *const *jobs, size_t n, enum ddns_ownership owner)
{
	for (size_t i = 0; owner == DDNS_OWNER_NONE && i < n; i++)
		jobs[i]->rec.change.mode = DDNS_NO_CHECK_WITHOUT_DHCID;
}

/*
 * A server of a zone left on "auto" answered NOTIMP to a message whose marks were DHCIDs: the
 * zone's names carry TXT marks from now on (logged once per zone). An unsigned NOTIMP may do this
 * too: TXT marks protect names as DHCIDs do. True when the message is to be sent again so.
 */
static bool learn_no_dhcid(const struct ddns_batch_env *e, const struct ddns_target_set *ts,
                           struct job *const *jobs, size_t n, int answer)
{
	if (answer != DDNS_ENOTIMP || ts->ownership != DDNS_OWNER_AUTO ||
	    ddns_zone_notes_no_dhcid(e->zones, ts->zone))
		return false;
	bool marked = false;
	for (size_t i = 0; i < n && !marked; i++)
		marked = ddns_update_marked(&jobs[i]->rec.change);
	if (!marked)
		return false;
	if (ddns_zone_notes_learn_no_dhcid(e->zones, ts->zone))
		log_warn(DDNS_DIRECT_ZONE_NO_DHCID,
		         "zone %s: its server answers NOTIMP to DHCID records (as Samba does); its "
		         "names carry their owner's mark in a TXT record from now on (the zone's "
		         "\"ownership\" parameter pins a choice)",
		         ts->zone);
	return true;
}

/*
 * Runs the job's change from its current step: locates the zone and targets, sends, and goes on
 * to the next step of the sequence while the answers say so. Rediscovers once if the view of the
 * zone was stale. Thread: a sender; touches only the job, the locator and the counters.
 */
static enum job_result run_job(const struct ddns_batch_env *e, struct job *job)
{
	struct ddns_target_set ts;
	char what[2 * DDNS_NAME_MAX + 64];
	bool fresh = false;
	job->attempts++;
	if (follow_ptr_alias(e, job) != DDNS_OK)
		return JOB_RETRY;
	for (;;) {
		if (stopping(e))
			return JOB_RETRY;
		ddns_change_describe(&job->rec.change, what, sizeof(what));
		int rc = ddns_locate(e->locator, job->rec.change.owner, fresh, &ts);
		if (rc == DDNS_EEXCLUDED) {
			log_info(DDNS_DIRECT_UPDATE_EXCLUDED,
			         "%s: skipped, its zone is configured with \"update\": false",
			         what);
			DDNS_COUNT(e->counters, skipped, 1);
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
		struct ddns_target_set marked = ts;
		marked.ownership = ownership(e, &ts);
		mark_as_zone(&job, 1, marked.ownership);
		enum ddns_send_result r = ddns_send_change(e->sender, &marked, &job->rec.change,
		                                           on_attempt, &ctx, &answer);
		if (r == DDNS_SEND_FAILED && learn_no_dhcid(e, &ts, &job, 1, answer))
			continue;
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
		if (r == DDNS_SEND_FAILED && refusal(answer) && denied_alone(e, job, ts.zone)) {
			job->step = DDNS_STEP_CONFLICT;
			job->denied = true;
			return JOB_DONE;
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

/* Failures that say nothing of the names in a message: every message to the server meets them
 * (a key the server rejects, or a reply not signed by it, included). */
static bool about_the_server(int error)
{
	return error == DDNS_ETIMEOUT || error == DDNS_ENETWORK || error == DDNS_EGSS ||
	       error == DDNS_ETSIG;
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
static void send_group(const struct ddns_batch_env *e, struct job **group, size_t n,
                       const struct ddns_target_set *ts)
{
	if (stopping(e)) {
		for (size_t i = 0; i < n; i++)
			group[i]->result = JOB_RETRY;
		return;
	}
	if (n == 1) {
		group[0]->result = run_job(e, group[0]);
		return;
	}
	const struct ddns_change *changes[DDNS_BATCH_MAX];
	for (size_t i = 0; i < n; i++)
		changes[i] = &group[i]->rec.change;
	char what[DDNS_NAME_MAX + 64];
	snprintf(what, sizeof(what), "%zu changes (the first for %s)", n,
	         group[0]->rec.change.owner);
	struct send_ctx ctx = {e, what, ts, group, n};
	int answer;
	struct ddns_target_set marked = *ts;
	marked.ownership = ownership(e, ts);
	mark_as_zone(group, n, marked.ownership);
	enum ddns_send_result r =
	    ddns_send_changes(e->sender, &marked, changes, n, on_attempt, &ctx, &answer);
	if (r == DDNS_SEND_FAILED && learn_no_dhcid(e, ts, group, n, answer)) {
		send_group(e, group, n, ts);
		return;
	}
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
 * located go out together (send_group); any other runs on its own. When the check for a
 * classless delegation met a silent server, the batch's other PTR changes wait for their next
 * attempt rather than each wait for the same timeout. Thread: a sender.
 */
void ddns_batch_run(const struct ddns_batch_env *e, struct job *first)
{
	struct job *group[DDNS_BATCH_MAX];
	size_t n_group = 0;
	struct ddns_target_set ts, other;
	int alias_check = DDNS_OK;
	for (struct job *job = first; job != NULL; job = job->bnext) {
		if (stopping(e)) {
			job->result = JOB_RETRY;
			continue;
		}
		int rc = needs_alias_check(job) && about_the_server(alias_check)
		             ? alias_check
		             : follow_ptr_alias(e, job);
		if (rc != DDNS_OK) {
			alias_check = rc;
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
