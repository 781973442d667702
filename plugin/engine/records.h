/* SPDX-License-Identifier: MPL-2.0 */
/*
 * What the engine keeps in state-dir, encoded field by field (state/codec.h): lease events, record
 * changes owed, and what is published per address. Names take their length, not 256 bytes, so that
 * a lease grant costs a few hundred bytes on disk. The decoders also read version 0, the first
 * release's raw structs, so that an upgrade keeps every owed change. Thread: any.
 */
#ifndef DDNS_ENGINE_RECORDS_H
#define DDNS_ENGINE_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddns/lease.h"
#include "engine/published.h"
#include "update/update.h"

/* A job as it is kept on disk. */
struct ddns_job_record {
	uint64_t id;
	struct ddns_change change;
	struct ddns_change then;
	bool best_effort;
	int64_t valid_until; /* an add's lease end (ddns_lease_event.expires); 0: none known */
	bool has_then;
	bool alias_checked;
	int family;
	uint8_t address[16];
};

/* Room enough for any record below. */
#define DDNS_RECORD_MAX 2048

/* Each encoder writes into out (DDNS_RECORD_MAX bytes) and returns the length. A job's id is not
 * in its blob: the store frames it. */
size_t ddns_record_put_event(const struct ddns_lease_event *ev, uint8_t *out);
size_t ddns_record_put_job(const struct ddns_job_record *r, uint8_t *out);
size_t ddns_record_put_published(const struct ddns_published *p, uint8_t *out);

/* Turns r into the job that follows it: its change to follow (then) becomes its change, with
 * nothing to follow and no checks done yet; returns false when nothing follows. What finish_job
 * in engine.c makes of a finished job, and what ddns_store_job_next records. */
bool ddns_record_move_on(struct ddns_job_record *r);

/* Each decoder reads a blob of the given format version into *out (zeroed first) and returns
 * false when it is malformed. */
bool ddns_record_get_event(int version, const uint8_t *blob, size_t len,
                           struct ddns_lease_event *out);
bool ddns_record_get_job(int version, const uint8_t *blob, size_t len, struct ddns_job_record *out);
bool ddns_record_get_published(int version, const uint8_t *blob, size_t len,
                               struct ddns_published *out);

#endif
