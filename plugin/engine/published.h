/* SPDX-License-Identifier: MPL-2.0 */
/*
 * What the plugin has published for each leased address: the name and which of the forward and
 * reverse records it added. Kea forgets this (the plugin tells Kea not to do DDNS itself, and Kea
 * clears names on expiry), so removals are driven from here. One thread (the engine's worker)
 * writes and reads it without a lock; writes take the map's lock so that foreach may run on any
 * thread.
 */
#ifndef DDNS_PUBLISHED_H
#define DDNS_PUBLISHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "update/dhcid.h"
#include "util/name.h"

struct ddns_published {
	char fqdn[DDNS_NAME_MAX];      /* normalised name the records were published under */
	bool forward;                  /* an A/AAAA record was published */
	bool reverse;                  /* a PTR record was published */
	enum ddns_conflict_mode mode;  /* how they were published */
	uint8_t dhcid[DDNS_DHCID_LEN]; /* the client's DHCID, unless mode is without DHCID */
	int64_t since_ms;              /* when they were last sent (monotonic ms) */
};

struct ddns_published_map;

/* Returns a new empty map, or NULL when out of memory. */
struct ddns_published_map *ddns_published_new(void);

/* Frees the map; NULL is ignored. */
void ddns_published_free(struct ddns_published_map *map);

/* The entry for an address (4 bytes for AF_INET, 16 for AF_INET6), or NULL: a copy the map
 * keeps, valid until the next get or change. Thread: the writer's. */
const struct ddns_published *ddns_published_get(struct ddns_published_map *map, int family,
                                                const uint8_t *address);

/* Stores a copy of entry for the address, replacing any. Returns DDNS_OK or DDNS_ENOMEM. Thread:
 * the one writer. */
int ddns_published_set(struct ddns_published_map *map, int family, const uint8_t *address,
                       const struct ddns_published *entry);

/* Forgets the address; absent addresses are ignored. Thread: the one writer. */
void ddns_published_remove(struct ddns_published_map *map, int family, const uint8_t *address);

/* Calls fn(ctx, family, address, entry) for every address held, in no particular order, under the
 * map's lock (fn must not change the map). Thread: any. */
typedef void (*ddns_published_fn)(void *ctx, int family, const uint8_t *address,
                                  const struct ddns_published *entry);
void ddns_published_foreach(struct ddns_published_map *map, ddns_published_fn fn, void *ctx);

/* Number of addresses held. */
size_t ddns_published_count(const struct ddns_published_map *map);

#endif
