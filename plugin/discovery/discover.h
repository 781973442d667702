/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Zone-authority discovery through recursive resolvers only. Every query here goes to the
 * configured resolvers with recursion desired; nothing is ever asked of an update target, which may
 * have recursion off and may not serve its own domain (Microsoft KB838151). Each step is logged at
 * DEBUG so that an operator (and ddns-direct-probe) can follow the path.
 */
#ifndef DDNS_DISCOVER_H
#define DDNS_DISCOVER_H

#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>

#include "discovery/locate.h"
#include "transport/transport.h"
#include "util/addr.h"

struct ddns_resolvers {
	const struct ddns_addr *addrs;          /* borrowed from the config */
	size_t n;                               /* at least one */
	const struct ddns_transport *transport; /* borrowed */
	int timeout_ms;                         /* per query and resolver */
	_Atomic size_t preferred;               /* the resolver that answered last; tried first */
};

struct ddns_zone_info {
	char zone[DDNS_NAME_MAX];  /* the zone's apex */
	char mname[DDNS_NAME_MAX]; /* SOA MNAME, "." when none */
	uint32_t ttl;              /* TTL of the SOA when it came as an answer, else UINT32_MAX */
};

/*
 * Finds the zone of a normalised name from its SOA: the answer section, or the SOA in the
 * authority section of a negative answer when it is an ancestor of (or equal to) the name.
 * A CNAME or DNAME at the name never moves it into the alias target's zone. Walks up one label
 * only when an answer carries no usable SOA. Returns DDNS_OK; DDNS_ENOZONE when no SOA is found
 * or only the root zone's (the root is never updated); or the error of the last resolver tried when
 * none answered (a reason to retry later, not to walk up).
 */
int ddns_discover_zone(struct ddns_resolvers *r, const char *name, struct ddns_zone_info *out);

/*
 * Lists the update targets of a zone: the MNAME first (also when it is not in the NS set), then
 * the other NS hosts, each resolved to its A and AAAA addresses through the resolvers (CNAME
 * chains followed). Names that do not resolve, and an MNAME of ".", are skipped. Stores at most
 * DDNS_TARGETS_MAX targets in out and lowers *ttl to the smallest TTL of the records used.
 * Returns DDNS_OK, or DDNS_ENOTARGET when no name gave an address (*n is then 0).
 */
int ddns_discover_targets(struct ddns_resolvers *r, const struct ddns_zone_info *zone,
                          struct ddns_target *out, size_t *n, uint32_t *ttl);

/*
 * Follows a CNAME at name, if there is one (RFC 2317 classless reverse delegation: the standard
 * in-addr.arpa name is an alias into the child zone that holds the PTR). Copies the alias target,
 * or name itself when it has no CNAME, into out. Returns DDNS_OK, or why no resolver answered.
 */
int ddns_discover_alias(struct ddns_resolvers *r, const char *name, char *out);

/* Copies the parent of a normalised name ("a.b." -> "b.", "a." -> ".") into out. */
void ddns_name_parent(const char *name, char *out);

#endif
