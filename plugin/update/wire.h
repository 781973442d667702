/* SPDX-License-Identifier: MPL-2.0 */
/*
 * An UPDATE message written straight in its wire form, record by record, with no ldns objects in
 * between (building a message from ldns records and writing it out again was most of a sender's
 * time). Owner names in the zone are written as the labels above it and a pointer to the zone's
 * name in the zone section: that takes most of what compression saves, without its search.
 * Errors are sticky: after one, everything is ignored and finishing gives NULL.
 */
#ifndef DDNS_UPDATE_WIRE_H
#define DDNS_UPDATE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "util/name.h"

enum ddns_wire_section {
	DDNS_WIRE_PREREQ, /* prerequisites (RFC 2136 section 2.4) */
	DDNS_WIRE_UPDATE, /* updates (section 2.5) */
};

struct ddns_update_wire {
	ldns_buffer *sections[2]; /* each section's records so far */
	uint16_t counts[2];
	uint8_t zone[DDNS_NAME_WIRE_MAX];
	size_t zone_len;
	uint8_t owner[DDNS_NAME_WIRE_MAX]; /* the owner of the records written next */
	size_t owner_len;
	size_t owner_above; /* bytes of its labels above the zone; owner_len: not in the zone */
	bool failed;
};

/* Starts a message for zone (a normalised name). Sets w->failed when out of memory or the name is
 * invalid. Thread: any; w is the caller's. */
void ddns_update_wire_start(struct ddns_update_wire *w, const char *zone);

/* Sets the owner (a normalised name) of the records written next; failed when invalid. */
void ddns_update_wire_owner(struct ddns_update_wire *w, const char *owner);

/* Appends a record of the current owner to section; rdata (rdlen bytes, NULL when 0) as is. */
void ddns_update_wire_rr(struct ddns_update_wire *w, enum ddns_wire_section section,
                         ldns_rr_type type, ldns_rr_class klass, uint32_t ttl, const uint8_t *rdata,
                         size_t rdlen);

/* Marks the message failed (a record that could not be encoded). */
void ddns_update_wire_fail(struct ddns_update_wire *w);

/*
 * Ends the message: returns it in a new buffer (header with ID 0 and no TSIG, zone section, then
 * the sections), its position at the end, for ldns_buffer_free; or NULL when anything failed or
 * no record was written. Frees what w held either way.
 */
ldns_buffer *ddns_update_wire_finish(struct ddns_update_wire *w);

#endif
