/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Target selection and the discovery cache; see locate.h. Two maps: domain -> zone (keyed by the
 * owner's parent domain, so that every host name under one domain shares one discovery) and
 * zone -> targets. A negative entry in the domain map remembers a failed discovery for a while.
 * A name that is itself the apex of a delegated zone would be mapped to the parent zone by the
 * domain shortcut; the parent's primary then answers NOTZONE or NOTAUTH, the engine invalidates
 * the zone, and the fresh lookup finds the right zone.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddns/error.h"
#include "discovery/discover.h"
#include "discovery/locate.h"
#include "util/clock.h"
#include "util/log.h"

struct zone_entry {
	struct zone_entry *next;
	char zone[DDNS_NAME_MAX];
	struct ddns_target targets[DDNS_TARGETS_MAX];
	size_t n_targets;
	size_t good;     /* index of the target that last worked */
	int64_t expires; /* monotonic ms */
};

struct domain_entry {
	struct domain_entry *next;
	char domain[DDNS_NAME_MAX]; /* parent domain of the names looked up */
	char zone[DDNS_NAME_MAX];   /* their zone, when error is DDNS_OK */
	int error;                  /* non-zero: negative entry */
	int64_t expires;            /* monotonic ms */
};

struct ddns_locator {
	const struct ddns_config *cfg; /* borrowed */
	struct ddns_resolvers resolvers;
	pthread_mutex_t lock; /* guards the maps and counts; never held across network I/O */
	uint64_t discoveries; /* zone discoveries made */
	uint64_t hits;        /* names found in the cache */
	atomic_uint_fast64_t generation; /* bumped whenever a domain entry comes or goes */
	struct zone_entry *zones;
	struct domain_entry *domains;
};

struct ddns_locator *ddns_locator_new(const struct ddns_config *cfg,
                                      const struct ddns_transport *transport, int timeout_ms)
{
	struct ddns_locator *loc = calloc(1, sizeof(*loc));
	if (loc == NULL)
		return NULL;
	loc->cfg = cfg;
	loc->resolvers.addrs = cfg->resolvers;
	loc->resolvers.n = cfg->n_resolvers;
	loc->resolvers.transport = transport;
	loc->resolvers.timeout_ms = timeout_ms;
	pthread_mutex_init(&loc->lock, NULL);
	return loc;
}

void ddns_locator_free(struct ddns_locator *loc)
{
	if (loc == NULL)
		return;
	while (loc->zones != NULL) {
		struct zone_entry *next = loc->zones->next;
		free(loc->zones);
		loc->zones = next;
	}
	while (loc->domains != NULL) {
		struct domain_entry *next = loc->domains->next;
		free(loc->domains);
		loc->domains = next;
	}
	pthread_mutex_destroy(&loc->lock);
	free(loc);
}

/* Unlinks and frees expired entries and those of the given zone (NULL: expiry only). */
static void prune(struct ddns_locator *loc, int64_t now, const char *zone)
{
	for (struct zone_entry **z = &loc->zones; *z != NULL;) {
		if ((*z)->expires <= now || (zone != NULL && strcmp((*z)->zone, zone) == 0)) {
			struct zone_entry *dead = *z;
			*z = dead->next;
			free(dead);
		} else {
			z = &(*z)->next;
		}
	}
	for (struct domain_entry **d = &loc->domains; *d != NULL;) {
		if ((*d)->expires <= now ||
		    (zone != NULL && (*d)->error == DDNS_OK && strcmp((*d)->zone, zone) == 0)) {
			struct domain_entry *dead = *d;
			*d = dead->next;
			free(dead);
			atomic_fetch_add(&loc->generation, 1);
		} else {
			d = &(*d)->next;
		}
	}
}

static struct zone_entry *find_zone(struct ddns_locator *loc, const char *zone)
{
	for (struct zone_entry *z = loc->zones; z != NULL; z = z->next)
		if (strcmp(z->zone, zone) == 0)
			return z;
	return NULL;
}

static struct domain_entry *find_domain(struct ddns_locator *loc, const char *domain)
{
	for (struct domain_entry *d = loc->domains; d != NULL; d = d->next)
		if (strcmp(d->domain, domain) == 0)
			return d;
	return NULL;
}

static void remember_domain(struct ddns_locator *loc, const char *domain, const char *zone,
                            int error, int64_t expires)
{
	struct domain_entry *d = find_domain(loc, domain);
	if (d == NULL) {
		d = calloc(1, sizeof(*d));
		if (d == NULL)
			return; /* the cache is an optimisation; discovery still works */
		d->next = loc->domains;
		loc->domains = d;
		snprintf(d->domain, sizeof(d->domain), "%s", domain);
	}
	snprintf(d->zone, sizeof(d->zone), "%s", zone != NULL ? zone : "");
	d->error = error;
	d->expires = expires;
	atomic_fetch_add(&loc->generation, 1);
}

static int64_t ttl_to_expiry(int64_t now, uint32_t ttl)
{
	if (ttl < DDNS_ZONE_TTL_MIN)
		ttl = DDNS_ZONE_TTL_MIN;
	if (ttl > DDNS_ZONE_TTL_MAX)
		ttl = DDNS_ZONE_TTL_MAX;
	return now + (int64_t)ttl * 1000;
}

/* Copies a cached zone's targets into out, the one that last worked first. Under lock. */
static void fill(const struct ddns_locator *loc, const struct zone_entry *z,
                 struct ddns_target_set *out)
{
	snprintf(out->zone, sizeof(out->zone), "%s", z->zone);
	out->discovered = true;
	out->n_targets = 0;
	out->targets[out->n_targets++] = z->targets[z->good];
	for (size_t i = 0; i < z->n_targets; i++)
		if (i != z->good)
			out->targets[out->n_targets++] = z->targets[i];
	const struct ddns_zone_cfg *entry = ddns_config_zone_for(loc->cfg, z->zone);
	out->key = ddns_config_key_for(loc->cfg, entry);
	out->ownership = entry != NULL ? entry->ownership : DDNS_OWNER_AUTO;
}

/* Remembers a failed discovery for the domain. */
static int failed(struct ddns_locator *loc, const char *domain, int rc, int64_t now)
{
	pthread_mutex_lock(&loc->lock);
	remember_domain(loc, domain, NULL, rc, now + DDNS_NEGATIVE_TTL_MS);
	pthread_mutex_unlock(&loc->lock);
	return rc;
}

/*
 * Discovers zone and targets for owner (network I/O without the lock), caches them and fills out.
 * Two senders may discover the same zone at once; the second result simply finds the first cached.
 */
static int discover(struct ddns_locator *loc, const char *owner, const char *domain, int64_t now,
                    struct ddns_target_set *out)
{
	struct ddns_zone_info info;
	int rc = ddns_discover_zone(&loc->resolvers, owner, &info);
	if (rc != DDNS_OK)
		return failed(loc, domain, rc, now);
	pthread_mutex_lock(&loc->lock);
	struct zone_entry *z = find_zone(loc, info.zone);
	pthread_mutex_unlock(&loc->lock);
	struct zone_entry *fresh = NULL;
	if (z == NULL) {
		fresh = calloc(1, sizeof(*fresh));
		if (fresh == NULL)
			return DDNS_ENOMEM;
		snprintf(fresh->zone, sizeof(fresh->zone), "%s", info.zone);
		uint32_t ttl = UINT32_MAX;
		rc = ddns_discover_targets(&loc->resolvers, &info, fresh->targets,
		                           &fresh->n_targets, &ttl);
		if (rc != DDNS_OK) {
			free(fresh);
			return failed(loc, domain, rc, now);
		}
		fresh->expires = ttl_to_expiry(now, ttl);
	}
	pthread_mutex_lock(&loc->lock);
	z = find_zone(loc, info.zone);
	if (z == NULL && fresh != NULL) {
		fresh->next = loc->zones;
		loc->zones = z = fresh;
		fresh = NULL;
	}
	if (z != NULL) {
		/* The shortcut is only sound for names strictly below their zone's apex. */
		if (strcmp(info.zone, owner) != 0)
			remember_domain(loc, domain, z->zone, DDNS_OK, z->expires);
		fill(loc, z, out);
	}
	pthread_mutex_unlock(&loc->lock);
	free(fresh);
	return z != NULL ? DDNS_OK : DDNS_ENOTARGET;
}

static int locate_pinned(struct ddns_locator *loc, const struct ddns_zone_cfg *entry,
                         struct ddns_target_set *out)
{
	snprintf(out->zone, sizeof(out->zone), "%s", entry->name);
	out->n_targets = 0;
	out->discovered = false;
	for (size_t i = 0; i < entry->n_servers && i < DDNS_TARGETS_MAX; i++) {
		struct ddns_target *t = &out->targets[out->n_targets++];
		t->addr = entry->servers[i];
		snprintf(t->name, sizeof(t->name), "%s", entry->servers[i].text);
	}
	out->key = ddns_config_key_for(loc->cfg, entry);
	out->ownership = entry->ownership;
	return DDNS_OK;
}

int ddns_locate(struct ddns_locator *loc, const char *owner, bool fresh,
                struct ddns_target_set *out)
{
	const struct ddns_zone_cfg *entry = ddns_config_zone_for(loc->cfg, owner);
	if (entry != NULL && !entry->update)
		return DDNS_EEXCLUDED;
	if (entry != NULL && entry->n_servers > 0)
		return locate_pinned(loc, entry, out);

	int64_t now = ddns_clock_now_ms();
	char domain[DDNS_NAME_MAX];
	ddns_name_parent(owner, domain);
	pthread_mutex_lock(&loc->lock);
	prune(loc, now, NULL);
	const struct domain_entry *d = fresh ? NULL : find_domain(loc, domain);
	int error = d != NULL ? d->error : DDNS_OK;
	const struct zone_entry *z = d != NULL && error == DDNS_OK ? find_zone(loc, d->zone) : NULL;
	if (z != NULL)
		fill(loc, z, out);
	if (z != NULL)
		loc->hits++;
	else if (error == DDNS_OK)
		loc->discoveries++;
	pthread_mutex_unlock(&loc->lock);
	if (error != DDNS_OK) {
		log_debug(DDNS_DIRECT_DISCOVERY_BACKOFF,
		          "%s: discovery for %s failed recently (%s); not asking again yet", owner,
		          domain, ddns_strerror(error));
		return error;
	}
	return z != NULL ? DDNS_OK : discover(loc, owner, domain, now, out);
}

void ddns_locator_key(struct ddns_locator *loc, const char *owner, char *key)
{
	const struct ddns_zone_cfg *entry = ddns_config_zone_for(loc->cfg, owner);
	if (entry != NULL && entry->n_servers > 0) {
		snprintf(key, DDNS_NAME_MAX, "%s", entry->name);
		return;
	}
	char domain[DDNS_NAME_MAX];
	ddns_name_parent(owner, domain);
	pthread_mutex_lock(&loc->lock);
	const struct domain_entry *d = find_domain(loc, domain);
	snprintf(key, DDNS_NAME_MAX, "%s", d != NULL && d->error == DDNS_OK ? d->zone : domain);
	pthread_mutex_unlock(&loc->lock);
}

uint64_t ddns_locator_generation(struct ddns_locator *loc)
{
	return atomic_load(&loc->generation);
}

int ddns_locate_ptr_owner(struct ddns_locator *loc, const char *owner, char *out)
{
	const struct ddns_zone_cfg *entry = ddns_config_zone_for(loc->cfg, owner);
	if (entry != NULL && entry->n_servers > 0) {
		snprintf(out, DDNS_NAME_MAX, "%s", owner);
		return DDNS_OK;
	}
	return ddns_discover_alias(&loc->resolvers, owner, out);
}

void ddns_locator_forget_all(struct ddns_locator *loc)
{
	log_debug(DDNS_DIRECT_CACHE_FORGOTTEN, "forgetting every cached zone");
	pthread_mutex_lock(&loc->lock);
	/* Everything expires now. */
	prune(loc, INT64_MAX, NULL);
	pthread_mutex_unlock(&loc->lock);
}

void ddns_locator_counts(struct ddns_locator *loc, uint64_t *discoveries, uint64_t *hits)
{
	pthread_mutex_lock(&loc->lock);
	*discoveries = loc->discoveries;
	*hits = loc->hits;
	pthread_mutex_unlock(&loc->lock);
}

void ddns_locator_foreach(struct ddns_locator *loc, ddns_zone_fn fn, void *ctx)
{
	int64_t now = ddns_clock_now_ms();
	pthread_mutex_lock(&loc->lock);
	for (const struct zone_entry *z = loc->zones; z != NULL; z = z->next)
		fn(ctx, z->zone, z->targets, z->n_targets, (z->expires - now) / 1000);
	pthread_mutex_unlock(&loc->lock);
}

void ddns_locator_invalidate(struct ddns_locator *loc, const char *zone)
{
	log_debug(DDNS_DIRECT_CACHE_FORGOTTEN, "forgetting what is cached for zone %s", zone);
	pthread_mutex_lock(&loc->lock);
	prune(loc, ddns_clock_now_ms(), zone);
	pthread_mutex_unlock(&loc->lock);
}

void ddns_locator_worked(struct ddns_locator *loc, const char *zone, const struct ddns_addr *target)
{
	pthread_mutex_lock(&loc->lock);
	struct zone_entry *z = find_zone(loc, zone);
	for (size_t i = 0; z != NULL && i < z->n_targets; i++)
		if (ddns_addr_equal(&z->targets[i].addr, target))
			z->good = i;
	pthread_mutex_unlock(&loc->lock);
}
