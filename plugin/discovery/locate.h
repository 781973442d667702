/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Where an update for a name must go: its zone, the ordered list of servers to try, and the key to
 * sign with. This is the single place the engine asks; pinned "servers" from the configuration
 * answer directly, everything else is discovered.
 */
#ifndef DDNS_LOCATE_H
#define DDNS_LOCATE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "transport/transport.h"
#include "util/name.h"

#define DDNS_TARGETS_MAX 16

struct ddns_target_set {
	char zone[DDNS_NAME_MAX];                     /* the zone the name belongs to */
	struct ddns_target targets[DDNS_TARGETS_MAX]; /* in the order to try */
	size_t n_targets;                             /* at least one on success */
	const struct ddns_tsig_key *key;              /* borrowed from the config; NULL: unsigned */
	bool discovered;                              /* from discovery (false: pinned servers) */
	enum ddns_ownership ownership;                /* the zone's "ownership" (AUTO unless set) */
};

struct ddns_locator;

/* Creates a locator over cfg and transport (both borrowed, must outlive it). NULL: no memory. */
struct ddns_locator *ddns_locator_new(const struct ddns_config *cfg,
                                      const struct ddns_transport *transport, int timeout_ms);

/* Frees it; NULL is ignored. */
void ddns_locator_free(struct ddns_locator *loc);

/*
 * Fills out for a normalised owner name: pinned servers from the configuration, else the cached
 * or freshly discovered zone and targets, the target that last worked first. With fresh, the
 * cache is bypassed for this name (after a NOTAUTH/NOTZONE). Returns DDNS_OK; DDNS_EEXCLUDED when
 * the zone entry says "update": false; otherwise the discovery error (DDNS_ENOZONE,
 * DDNS_ENOTARGET, or why no resolver answered), all transient. Failures are cached for
 * DDNS_NEGATIVE_TTL_MS per domain so that a burst does not hammer the resolvers.
 * Thread: any; the cache is locked, never across network I/O. The engine sends one update per
 * zone at a time, which is what makes a burst of names in one zone cost one discovery.
 */
#define DDNS_NEGATIVE_TTL_MS 10000
int ddns_locate(struct ddns_locator *loc, const char *owner, bool fresh,
                struct ddns_target_set *out);

/*
 * The name a PTR record for the reverse name owner really lives at: the target of a CNAME there
 * (RFC 2317), or owner itself. Zones with pinned servers are taken as they are configured, without
 * a lookup. Returns DDNS_OK, or why no resolver answered (retry later).
 */
int ddns_locate_ptr_owner(struct ddns_locator *loc, const char *owner, char *out);

/*
 * The key that serialises updates to the same zone: the pinned or cached zone of owner when known
 * (no network), else owner's parent domain. Thread: any.
 */
void ddns_locator_key(struct ddns_locator *loc, const char *owner, char *key);

/* A number that changes whenever a key given by ddns_locator_key may have changed, so that callers
 * can keep keys until then. Thread: any. */
uint64_t ddns_locator_generation(struct ddns_locator *loc);

/* Forgets what is cached about zone (after NOTAUTH or NOTZONE from one of its targets). */
void ddns_locator_invalidate(struct ddns_locator *loc, const char *zone);

/* Records that target (by address) accepted an update for zone, so it is tried first next time. */
void ddns_locator_worked(struct ddns_locator *loc, const char *zone,
                         const struct ddns_addr *target);

/* Forgets everything cached. Thread: any. */
void ddns_locator_forget_all(struct ddns_locator *loc);

/* Counts discoveries made and names found in the cache since the locator was created. */
void ddns_locator_counts(struct ddns_locator *loc, uint64_t *discoveries, uint64_t *hits);

/* Calls fn(ctx, zone, targets, n, seconds left) for every cached zone, under the cache's lock
 * (fn must not call back into the locator). */
typedef void (*ddns_zone_fn)(void *ctx, const char *zone, const struct ddns_target *targets,
                             size_t n, int64_t ttl_left_s);
void ddns_locator_foreach(struct ddns_locator *loc, ddns_zone_fn fn, void *ctx);

/* Cached zones are kept for the smallest TTL of the records used, within these bounds. */
#define DDNS_ZONE_TTL_MIN 30
#define DDNS_ZONE_TTL_MAX 3600

#endif
