/* SPDX-License-Identifier: MPL-2.0 */
#include <stdio.h>
#include <string.h>

#include "engine/zone_notes.h"

void ddns_zone_notes_init(struct ddns_zone_notes *n)
{
	memset(n, 0, sizeof(*n));
	pthread_mutex_init(&n->lock, NULL);
}

void ddns_zone_notes_deinit(struct ddns_zone_notes *n)
{
	pthread_mutex_destroy(&n->lock);
}

static atomic_uint_fast64_t *slot(struct ddns_zone_notes *n, const char *zone)
{
	return &n->applied[ddns_name_hash(zone) % DDNS_TALLY_SLOTS];
}

void ddns_zone_notes_applied(struct ddns_zone_notes *n, const char *zone)
{
	atomic_fetch_add_explicit(slot(n, zone), 1, memory_order_relaxed);
}

uint64_t ddns_zone_notes_tally(struct ddns_zone_notes *n, const char *zone)
{
	return atomic_load_explicit(slot(n, zone), memory_order_relaxed);
}

/* Its index among the zones without DHCID, or n_no_dhcid. Under lock. */
static size_t find(const struct ddns_zone_notes *n, const char *zone)
{
	size_t i = 0;
	while (i < n->n_no_dhcid && strcmp(n->no_dhcid[i], zone) != 0)
		i++;
	return i;
}

bool ddns_zone_notes_no_dhcid(struct ddns_zone_notes *n, const char *zone)
{
	pthread_mutex_lock(&n->lock);
	bool known = find(n, zone) < n->n_no_dhcid;
	pthread_mutex_unlock(&n->lock);
	return known;
}

bool ddns_zone_notes_learn_no_dhcid(struct ddns_zone_notes *n, const char *zone)
{
	pthread_mutex_lock(&n->lock);
	bool news = find(n, zone) == n->n_no_dhcid;
	if (news && n->n_no_dhcid < DDNS_NO_DHCID_ZONES)
		snprintf(n->no_dhcid[n->n_no_dhcid++], DDNS_NAME_MAX, "%s", zone);
	pthread_mutex_unlock(&n->lock);
	return news;
}
