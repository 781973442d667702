/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Where an update for a name must go: its zone, the ordered list of servers to try, and the key to
 * sign with. This is the single place the engine asks; pinned "servers" from the configuration
 * answer directly, everything else is discovered.
 */
#ifndef DDNS_LOCATE_H
#define DDNS_LOCATE_H

#include <stddef.h>

#include "config/config.h"
#include "transport/transport.h"
#include "util/name.h"

#define DDNS_TARGETS_MAX 16

struct ddns_target {
	struct ddns_addr addr;    /* where to send */
	char name[DDNS_NAME_MAX]; /* server's host name, or its address text when pinned */
};

struct ddns_target_set {
	char zone[DDNS_NAME_MAX];                     /* the zone the name belongs to */
	struct ddns_target targets[DDNS_TARGETS_MAX]; /* in the order to try */
	size_t n_targets;                             /* at least one on success */
	const struct ddns_tsig_key *key;              /* borrowed from the config; NULL: unsigned */
};

struct ddns_locator;

/* Creates a locator over cfg and transport (both borrowed, must outlive it). NULL: no memory. */
struct ddns_locator *ddns_locator_new(const struct ddns_config *cfg,
                                      const struct ddns_transport *transport, int timeout_ms);

/* Frees it; NULL is ignored. */
void ddns_locator_free(struct ddns_locator *loc);

/*
 * Fills out for a normalised owner name. Returns DDNS_OK; DDNS_EEXCLUDED when the zone entry says
 * "update": false; DDNS_ENOZONE when no zone is known for the name; DDNS_ENOTARGET when the zone
 * has no usable server. Errors are transient unless DDNS_EEXCLUDED. Thread: the engine's worker.
 */
int ddns_locate(struct ddns_locator *loc, const char *owner, struct ddns_target_set *out);

#endif
