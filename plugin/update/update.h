/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Record changes and the RFC 2136 UPDATE messages that carry them. A change is one owner name and
 * one record (A, AAAA or PTR) to publish or to withdraw; the builder turns it into a message for a
 * given zone. Reverse owner names (in-addr.arpa, ip6.arpa) are computed here too.
 */
#ifndef DDNS_UPDATE_H
#define DDNS_UPDATE_H

#include <stdint.h>

#include <ldns/ldns.h>

#include "ddns/lease.h"
#include "util/name.h"

enum ddns_change_op {
	DDNS_CHANGE_ADD,    /* replace the owner's RRset of this type with the one record */
	DDNS_CHANGE_REMOVE, /* delete exactly this record, leaving others of the type alone */
};

struct ddns_change {
	enum ddns_change_op op;
	ldns_rr_type type;         /* LDNS_RR_TYPE_A, _AAAA or _PTR */
	char owner[DDNS_NAME_MAX]; /* normalised owner name */
	char rdata[DDNS_NAME_MAX]; /* address text (A/AAAA) or normalised target name (PTR) */
	uint32_t ttl;              /* for ADD */
};

/*
 * Builds the UPDATE message for change in zone (normalised; the owner must be in it). Returns a new
 * packet the caller frees with ldns_pkt_free, or NULL when out of memory or the change is
 * malformed.
 */
ldns_pkt *ddns_update_build(const char *zone, const struct ddns_change *change);

/* Writes the reverse owner name of a 4- or 16-byte address into out (DDNS_NAME_MAX bytes). */
void ddns_reverse_name(int family, const uint8_t *address, char *out);

/* Short description for log lines: "add A host.example. 10.0.0.1". */
void ddns_change_describe(const struct ddns_change *change, char *out, size_t len);

#endif
