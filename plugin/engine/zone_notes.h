/* SPDX-License-Identifier: MPL-2.0 */
/*
 * What the engine learns about zones while it runs. How many messages each zone had applied,
 * counted in a fixed table by the hash of the zone's name: the evidence that a server refusing one
 * name refuses that name, not everything (a collision can only make that evidence appear sooner
 * for a name the server did refuse). And the zones whose servers know no DHCID (they answered
 * NOTIMP to one), whose names then carry their owner's mark in TXT. Any thread.
 */
#ifndef DDNS_ENGINE_ZONE_NOTES_H
#define DDNS_ENGINE_ZONE_NOTES_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/name.h"

#define DDNS_TALLY_SLOTS    1024
#define DDNS_NO_DHCID_ZONES 256

struct ddns_zone_notes {
	atomic_uint_fast64_t applied[DDNS_TALLY_SLOTS];    /* messages applied, by zone hash */
	pthread_mutex_t lock;                              /* guards what follows */
	char no_dhcid[DDNS_NO_DHCID_ZONES][DDNS_NAME_MAX]; /* zones without DHCID, first ones */
	size_t n_no_dhcid;                                 /* how many */
};

/* Storage the caller owns: nothing learned. */
void ddns_zone_notes_init(struct ddns_zone_notes *n);
void ddns_zone_notes_deinit(struct ddns_zone_notes *n);

/* Counts a message applied in zone. Lock-free. */
void ddns_zone_notes_applied(struct ddns_zone_notes *n, const char *zone);

/* Messages applied in zone so far (and in any zone sharing its slot). Lock-free. */
uint64_t ddns_zone_notes_tally(struct ddns_zone_notes *n, const char *zone);

/* Whether zone is known to have no DHCID. */
bool ddns_zone_notes_no_dhcid(struct ddns_zone_notes *n, const char *zone);

/* Notes that zone has no DHCID; true when that is news (the caller logs it then). A zone beyond
 * the first DDNS_NO_DHCID_ZONES is not remembered: its changes find out again, each time. */
bool ddns_zone_notes_learn_no_dhcid(struct ddns_zone_notes *n, const char *zone);

#endif
