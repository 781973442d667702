/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Inside the store (store.c: appends and the worker's records; load.c: reading at start;
 * compact.c: segments and rewrites): the store object, the record kinds and their framing.
 */
#ifndef DDNS_STATE_FILES_H
#define DDNS_STATE_FILES_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "state/codec.h"
#include "state/handled.h"
#include "state/journal.h"
#include "state/store.h"

/* Record kinds; 1 to 6 are those of version 0 as well. */
enum store_record {
	REC_EVENT = 1,         /* seq, event blob */
	REC_HANDLED = 2,       /* seq */
	REC_PUB = 3,           /* address key, published blob */
	REC_UNPUB = 4,         /* address key */
	REC_JOB = 5,           /* id, job blob */
	REC_JOBDONE = 6,       /* id */
	REC_FORMAT = 7,        /* magic, version: the first record of every file */
	REC_HANDLED_BELOW = 8, /* every seq below this one is handled */
	REC_HANDLED_RANGE = 9, /* first, last: handled */
	REC_JOBNEXT = 10,      /* id: the job moved on to what follows it */
};

/* Room for a framed record (the frame adds at most 22 bytes to a blob). */
#define STORE_RECORD_MAX (DDNS_STORE_BLOB_MAX + 32)

/* One events file. The last of the store's list is the one appended to. */
struct segment {
	uint64_t n;        /* its number: events.<n> */
	int version;       /* format it is written in */
	uint64_t last_seq; /* the highest seq in it; 0: none yet */
	uint64_t bytes;    /* its size (the current one's is the journal's) */
};

struct ddns_store {
	char dir[400];
	struct ddns_store_limits limits;

	pthread_mutex_t lock;       /* guards the fields below, up to the worker's */
	struct ddns_journal events; /* the current segment */
	struct segment *segs;       /* oldest first; the last is current */
	size_t n_segs, cap_segs;    /* (only the worker changes the list) */
	uint64_t next_seq;          /* the next event's number */
	bool spilling;              /* events go to disk only until the worker read them */
	uint64_t spill_seg;         /* where the unread spilled events start: segment number */
	uint64_t spill_offset;      /* and offset in it */
	bool legacy_events;         /* segment 0 is the first release's "events" file */

	/* A write failed (disk full, read-only): set by any thread, cleared by the worker once the
	 * state file has been rewritten in full. Meanwhile nothing is appended to the state file
	 * (a record missing in front of later ones could make them wrong) and no segment goes. */
	atomic_bool failing;
	atomic_uint_fast64_t written; /* bytes written to the files since the store was opened */
	atomic_uint_fast64_t size;    /* bytes in the files at the last maintain */

	/* The worker's own. */
	int64_t retry_ms;            /* when a failing store next tries the rewrite */
	int64_t reserve_ms;          /* when the reserve is next made, if it is missing */
	struct ddns_journal state;   /* the state file */
	uint64_t state_counted;      /* how much of it is counted in written */
	struct ddns_handled handled; /* which events are handled */
	uint64_t next_job;           /* the next job's id */
	uint64_t rewritten_bytes;    /* size of the state file after its last rewrite */
};

/* dir/events.<n>. */
void store_segment_path(const struct ddns_store *s, uint64_t n, char *out, size_t len);

/* Opens events.<n> anew (truncating any) with its FORMAT record into j. */
int store_segment_create(struct ddns_store *s, uint64_t n, struct ddns_journal *j);

/* The FORMAT record's payload for the current version into w. */
void store_put_format(struct ddns_writer *w);

/* Stages a record of type into j: frame (the number or key written by the caller) then blob (NULL:
 * none). Returns as ddns_journal_stage, or DDNS_EINVAL when it is too large. */
int store_stage(struct ddns_journal *j, uint8_t type, const struct ddns_writer *frame,
                const uint8_t *blob, size_t len);

/* As store_stage with a frame of one number (a seq or a job id). */
int store_stage_number(struct ddns_journal *j, uint8_t type, uint64_t v, const uint8_t *blob,
                       size_t len);

/* REC_PUB (blob not NULL) or REC_UNPUB of an address, as store_stage. */
int store_stage_key(struct ddns_journal *j, int family, const uint8_t *address, const uint8_t *blob,
                    size_t len);

/* Notes that a write failed with rc, logging the first failure of a run of them. Thread: any. */
void store_failed(struct ddns_store *s, int rc);

/* Counts in written what the state file grew by since it was last counted. Thread: worker. */
void store_count_state(struct ddns_store *s);

/* Readies the current segment's next pages for Kea's threads' appends, outside their lock: the
 * page faults (and the file system's allocation of blocks) then happen here, not in a callout.
 * written_back: the file was just forced to disk, which write-protects every page it wrote, so
 * the pages already ready are made writable again too; otherwise the next append to each would
 * take that fault in a callout (perf on Kea 2.2 at 4,000 leases/s: about half the events file's
 * pages, 6 % of all Kea's page faults). Thread: worker. */
void store_prepare_appends(struct ddns_store *s, bool written_back);

/* Loads dir into s (see ddns_store_open), leaving the worker's tracker and next_seq set and the
 * segment list holding the segments to keep. */
int store_load(struct ddns_store *s, const struct ddns_store_loader *loader);

/* Writes what fill gives as the new state file and makes it the one appended to. */
int store_rewrite(struct ddns_store *s, ddns_store_fill_fn fill, void *fill_ctx);

/* Appends events to a new segment from now on; the current one (if any) is synced and kept. */
int store_start_segment(struct ddns_store *s);

/* Holds limits.reserve_bytes in state-dir/reserve (allocated, never written) when there is room
 * and none is held; quietly does nothing otherwise. */
void store_make_reserve(struct ddns_store *s);

/* Gives the reserve back to the file system (logged); false when none was held. */
bool store_release_reserve(struct ddns_store *s);

/* Appends events to the last segment again, after its records, where a disk too full for a new
 * one still has the blocks of the pages the last run made ready. DDNS_OK or why not. */
int store_resume_segment(struct ddns_store *s);

/* Deletes the segments (not the current one) whose events are all handled. */
void store_drop_segments(struct ddns_store *s);

#endif
