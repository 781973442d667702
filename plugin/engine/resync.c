/* SPDX-License-Identifier: MPL-2.0 */
/*
 * ddns_engine_resync_start and _step: the lease database against what the plugin recorded as
 * published. It reads on the caller's thread, a slice at a time, and only submits events; the
 * worker does the rest as for any lease.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/core.h"
#include "util/array.h"
#include "util/log.h"
#include "util/name.h"

/* What the plugin had published for one address when a resync began. The names are kept one
 * after the other in the set's buffer: a million addresses take about 50 MB, not 270. */
struct recorded {
	uint8_t address[16];
	uint32_t name_at; /* where its name starts in the set's names */
	bool leased;      /* the lease database holds a lease for the address */
};

struct recorded_set {
	int family;
	struct recorded *items;
	size_t n, cap;
	char *names; /* NUL-terminated names */
	size_t names_len, names_cap;
	bool no_memory;
};

static void copy_recorded(void *ctx, int family, const uint8_t *address,
                          const struct ddns_published *p)
{
	struct recorded_set *set = ctx;
	if (family != set->family || set->no_memory)
		return;
	size_t len = strnlen(p->fqdn, sizeof(p->fqdn) - 1) + 1;
	while (!set->no_memory && set->names_len + len > set->names_cap) {
		size_t cap = set->names_cap ? set->names_cap * 2 : 65536;
		char *names = cap <= UINT32_MAX ? realloc(set->names, cap) : NULL;
		set->no_memory = names == NULL;
		if (names != NULL) {
			set->names = names;
			set->names_cap = cap;
		}
	}
	struct recorded *r = set->no_memory ? NULL
	                                    : ddns_array_push((void **)&set->items, &set->n,
	                                                      &set->cap, sizeof(*r), 1024);
	if (r == NULL) {
		set->no_memory = true;
		return;
	}
	memset(r->address, 0, sizeof(r->address));
	memcpy(r->address, address, family == AF_INET ? 4 : 16);
	r->name_at = (uint32_t)set->names_len;
	r->leased = false;
	memcpy(set->names + set->names_len, p->fqdn, len - 1);
	set->names[set->names_len + len - 1] = '\0';
	set->names_len += len;
}

static int cmp_recorded(const void *a, const void *b)
{
	return memcmp(((const struct recorded *)a)->address, ((const struct recorded *)b)->address,
	              16);
}

/* Leases asked of the reader at a time. */
#define RESYNC_PAGE 256

struct ddns_resync {
	struct recorded_set set; /* what was published when it began, sorted by address */
	bool reading;            /* still reading leases; then withdrawing */
	size_t next;             /* withdrawing: the next entry of set to look at */
	struct ddns_lease_event page[RESYNC_PAGE];
};

/* Shares the running resync's figures with status readers. */
static void publish_status(ddns_engine *e, enum ddns_resync_state state, int error,
                           const struct ddns_resync_report *report)
{
	pthread_mutex_lock(&e->lock);
	e->resync_status.state = state;
	e->resync_status.error = error;
	e->resync_status.report = *report;
	pthread_mutex_unlock(&e->lock);
}

int ddns_engine_resync_start(ddns_engine *e, int family, bool force, uint64_t *number)
{
	if (family != AF_INET && family != AF_INET6)
		return DDNS_EINVAL;
	if (e->resync != NULL)
		return DDNS_EBUSY;
	struct ddns_resync *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return DDNS_ENOMEM;
	r->set.family = family;
	r->reading = true;
	/* The copy is taken before the first lease is read: a lease granted meanwhile is then
	 * either in the database or recorded only in events queued after this point, never
	 * recorded and missing from the database, which would withdraw a live name. */
	ddns_published_foreach(e->published, copy_recorded, &r->set);
	if (r->set.no_memory) {
		free(r->set.items);
		free(r->set.names);
		free(r);
		return DDNS_ENOMEM;
	}
	if (r->set.n > 0) /* items is NULL with none, which qsort must not be given */
		qsort(r->set.items, r->set.n, sizeof(*r->set.items), cmp_recorded);
	e->resync = r;
	pthread_mutex_lock(&e->lock);
	e->resync_status = (struct ddns_resync_status){
	    .state = DDNS_RESYNC_RUNNING,
	    .number = e->resync_status.number + 1,
	    .force = force,
	    .report = {.recorded = r->set.n},
	};
	*number = e->resync_status.number;
	pthread_mutex_unlock(&e->lock);
	return DDNS_OK;
}

static void resync_free(ddns_engine *e)
{
	free(e->resync->set.items);
	free(e->resync->set.names);
	free(e->resync);
	e->resync = NULL;
}

void ddns_engine_resync_abandon(ddns_engine *e)
{
	if (e->resync == NULL)
		return;
	log_info(DDNS_DIRECT_RESYNC_FAILED,
	         "resync abandoned after %llu leases: the plugin is stopping (run "
	         "ddns-direct-resync again once it runs)",
	         (unsigned long long)e->resync_status.report.leases);
	resync_free(e);
}

/* Submits a resync's event, counting it in *n. */
static int resync_submit(ddns_engine *e, struct ddns_lease_event *ev, enum ddns_lease_kind kind,
                         uint64_t *n)
{
	ev->kind = kind;
	int rc = ddns_engine_submit(e, ev);
	*n += rc == DDNS_OK;
	return rc;
}

/* Compares one lease read with what was recorded for its address, submitting it when they
 * differ (or always, with force). */
static int compare_lease(ddns_engine *e, struct ddns_resync *r, bool force,
                         struct ddns_lease_event *ev, struct ddns_resync_report *report)
{
	struct recorded key;
	memset(key.address, 0, sizeof(key.address));
	memcpy(key.address, ev->address, r->set.family == AF_INET ? 4 : 16);
	struct recorded *rec = r->set.n == 0 ? NULL
	                                     : bsearch(&key, r->set.items, r->set.n,
	                                               sizeof(*r->set.items), cmp_recorded);
	char name[DDNS_NAME_MAX] = "";
	const char *why;
	if (ev->fqdn[0] != '\0' && ddns_name_normalize(ev->fqdn, NAME_HOST, false, name, &why) != 0)
		name[0] = '\0';
	report->leases++;
	if (rec != NULL)
		rec->leased = true;
	bool recorded =
	    rec != NULL && name[0] != '\0' && strcmp(r->set.names + rec->name_at, name) == 0;
	if ((ev->fqdn[0] == '\0' && rec == NULL) || (recorded && !force))
		return DDNS_OK;
	return resync_submit(e, ev, force ? DDNS_LEASE_REPUBLISH : DDNS_LEASE_GRANTED,
	                     &report->published);
}

/* Withdraws a recorded name no lease held while the leases were read, unless one holds it now:
 * released and granted again behind the reader, it is live, and its grant is queued ahead of
 * anything submitted here. */
static int withdraw_unless_held(ddns_engine *e, struct ddns_resync *r,
                                const struct ddns_lease_source *src, const struct recorded *rec,
                                struct ddns_resync_report *report)
{
	int held = src->held(src->ctx, r->set.family, rec->address);
	if (held != 0)
		return held < 0 ? held : DDNS_OK;
	struct ddns_lease_event ev = {.family = r->set.family, .id_type = DDNS_ID_NONE};
	memcpy(ev.address, rec->address, sizeof(ev.address));
	snprintf(ev.fqdn, sizeof(ev.fqdn), "%s", r->set.names + rec->name_at);
	return resync_submit(e, &ev, DDNS_LEASE_GONE, &report->withdrawn);
}

static void log_end(const struct ddns_resync_status *st, const struct ddns_lease_source *src,
                    int rc)
{
	const struct ddns_resync_report *report = &st->report;
	if (rc == DDNS_OK)
		log_info(DDNS_DIRECT_RESYNC,
		         "resync%s: %llu leases read, %llu addresses recorded as published; %llu "
		         "leases to publish, %llu names to withdraw",
		         st->force ? " (force)" : "", (unsigned long long)report->leases,
		         (unsigned long long)report->recorded,
		         (unsigned long long)report->published,
		         (unsigned long long)report->withdrawn);
	if (rc == DDNS_OK)
		return;
	const char *why = src->why != NULL ? src->why(src->ctx) : NULL;
	log_error(DDNS_DIRECT_RESYNC_FAILED, "resync stopped after %llu leases: %s; %s",
	          (unsigned long long)report->leases,
	          why != NULL && why[0] != '\0' ? why : ddns_strerror(rc),
	          report->withdrawn == 0 ? "nothing was withdrawn" : "some names were withdrawn");
}

int ddns_engine_resync_step(ddns_engine *e, const struct ddns_lease_source *src, size_t max_leases)
{
	struct ddns_resync *r = e->resync;
	if (r == NULL)
		return 0;
	pthread_mutex_lock(&e->lock);
	struct ddns_resync_status st = e->resync_status;
	pthread_mutex_unlock(&e->lock);
	int rc = DDNS_OK;
	size_t done = 0;
	while (r->reading && rc == DDNS_OK && done < max_leases) {
		size_t want = max_leases - done < RESYNC_PAGE ? max_leases - done : RESYNC_PAGE;
		int n = src->read(src->ctx, r->page, want);
		if (n < 0)
			rc = n;
		r->reading = n > 0;
		for (int i = 0; i < n && rc == DDNS_OK; i++)
			rc = compare_lease(e, r, st.force, &r->page[i], &st.report);
		done += n > 0 ? (size_t)n : 0;
	}
	/* Withdraw nothing unless every lease was read: a partial view would remove live names. */
	for (; !r->reading && rc == DDNS_OK && done < max_leases && r->next < r->set.n; r->next++) {
		const struct recorded *rec = &r->set.items[r->next];
		if (!rec->leased)
			rc = withdraw_unless_held(e, r, src, rec, &st.report);
		done++;
	}
	bool more = rc == DDNS_OK && (r->reading || r->next < r->set.n);
	publish_status(e,
	               more            ? DDNS_RESYNC_RUNNING
	               : rc == DDNS_OK ? DDNS_RESYNC_DONE
	                               : DDNS_RESYNC_FAILED,
	               rc, &st.report);
	if (more)
		return 1;
	log_end(&st, src, rc);
	resync_free(e);
	return rc;
}
