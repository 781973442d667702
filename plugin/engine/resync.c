/* SPDX-License-Identifier: MPL-2.0 */
/*
 * ddns_engine_resync: the lease database against what the plugin recorded as published. It reads
 * on the caller's thread and only submits events; the worker does the rest as for any lease.
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
	ddns_published_foreach(e->published, copy_recorded, &set);
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
			bool recorded = r != NULL && name[0] != '\0' &&
			                strcmp(set.names + r->name_at, name) == 0;
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
		snprintf(ev.fqdn, sizeof(ev.fqdn), "%s", set.names + set.items[i].name_at);
		resync_submit(e, &ev, DDNS_LEASE_GONE, &report->withdrawn, &rc);
	}
	free(page);
	free(set.items);
	free(set.names);
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
