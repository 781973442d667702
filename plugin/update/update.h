/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Record changes and the RFC 2136 UPDATE messages that carry them. A change is one owner name and
 * one record (A, AAAA or PTR; TXT for the probe) to publish or to withdraw. Under a conflict
 * resolution mode (RFC 4703, with Kea's mode names) a change may take two messages: the builder
 * makes message number change->step, and ddns_update_next() says what the answer to it means.
 * Reverse owner names (in-addr.arpa, ip6.arpa) are computed here too.
 */
#ifndef DDNS_UPDATE_H
#define DDNS_UPDATE_H

#include <stdint.h>

#include <ldns/ldns.h>

#include "ddns/lease.h"
#include "update/conflict.h"
#include "update/dhcid.h"
#include "util/name.h"

enum ddns_change_op {
	DDNS_CHANGE_ADD,    /* publish the record */
	DDNS_CHANGE_REMOVE, /* withdraw exactly this record */
};

struct ddns_change {
	enum ddns_change_op op;
	ldns_rr_type type;             /* LDNS_RR_TYPE_A, _AAAA, _PTR (or _TXT) */
	char owner[DDNS_NAME_MAX];     /* normalised owner name */
	char rdata[DDNS_NAME_MAX];     /* address text, PTR target name, or TXT text */
	uint32_t ttl;                  /* for the records added */
	enum ddns_conflict_mode mode;  /* how to treat a name already in use */
	uint8_t dhcid[DDNS_DHCID_LEN]; /* the client's DHCID, unless mode is without DHCID */
	int step;                      /* message of the sequence to send next, from 0 */
};

/* What an answer to one message of a change's sequence means. */
enum ddns_step {
	DDNS_STEP_DONE,     /* the change is complete */
	DDNS_STEP_NEXT,     /* send message step + 1 */
	DDNS_STEP_CONFLICT, /* the name belongs to another client or to a static entry: give up */
	DDNS_STEP_NOT_OURS, /* a removal found the record held by another client: leave it */
};

/*
 * Builds message change->step for change in zone (normalised; the owner must be in it), in its
 * wire form (ID 0, no TSIG: ddns_exchange_wire sets both). Returns a new buffer, its position at
 * the message's end, that the caller frees with ldns_buffer_free; or NULL when out of memory or
 * the change is malformed. Thread: any.
 */
ldns_buffer *ddns_update_build(const char *zone, const struct ddns_change *change);

/*
 * One message carrying message change->step of each of the n changes (n >= 1, all in zone, no two
 * with the same owner): the prerequisite and update sections are those of the single messages,
 * concatenated in order. RFC 2136 applies a message whole or not at all, so one failed
 * prerequisite rejects every change in it. Returns a new buffer (ldns_buffer_free) or NULL.
 */
ldns_buffer *ddns_update_build_batch(const char *zone, const struct ddns_change *const *changes,
                                     size_t n);

/* As ddns_update_build_batch, with the owner's mark in the records ownership says (AUTO: DHCID;
 * NONE: every change is a plain replace, as without DHCID). */
ldns_buffer *ddns_update_build_owned(const char *zone, enum ddns_ownership ownership,
                                     const struct ddns_change *const *changes, size_t n);

/* Whether the messages of change carry an owner's mark (its mode uses a DHCID). */
bool ddns_update_marked(const struct ddns_change *change);

/* Interprets answer (DDNS_OK or a prerequisite error) to message change->step. */
enum ddns_step ddns_update_next(const struct ddns_change *change, int answer);

/* Writes the reverse owner name of a 4- or 16-byte address into out (DDNS_NAME_MAX bytes). */
void ddns_reverse_name(int family, const uint8_t *address, char *out);

/* Short description for log lines: "add A host.example. 10.0.0.1", plus the step past the first. */
void ddns_change_describe(const struct ddns_change *change, char *out, size_t len);

#endif
