/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The engine's state on disk, in "state-dir", kept small for as long as Kea runs: everything
 * needed so that DNS converges to the lease state across crashes, restarts and upgrades. What the
 * records hold is the engine's business (opaque blobs here); this module owns the files, their
 * format version, and keeping them bounded.
 *
 *   events.<n>  lease events, appended by Kea's threads before the callout returns (one write, no
 *               fsync). The worker starts a new segment when the current one is large, and deletes
 *               a segment once every event in it is handled and that is on disk.
 *   state       the worker's log: what is published per address (PUB/UNPUB), the record changes
 *               owed (JOB/JOBDONE) and which events are handled. When it has grown to several times
 *               what is live, the worker writes what is live into state.new and renames it over
 *               state: a crash at any moment leaves one whole file or the other.
 *
 * Every file starts with a FORMAT record naming its version. Files of the first release (no FORMAT
 * record: raw in-memory structs, called version 0 here) are read and converted at start; a version
 * above DDNS_STORE_FORMAT is refused (DDNS_EFORMAT) and the files are left as they are.
 */
#ifndef DDNS_STATE_STORE_H
#define DDNS_STATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DDNS_STORE_FORMAT 1

/* The largest blob a record carries. */
#define DDNS_STORE_BLOB_MAX 3800

/* What a load hands back, in this order: the published entries (in the order they were written:
 * blob NULL means the address was unpublished), the jobs still owed (with how many times each
 * moved on to what its blob says follows it: ddns_store_job_next), the unhandled events. Each
 * blob comes with the format version it was written in. */
struct ddns_store_loader {
	void (*published)(void *ctx, int version, int family, const uint8_t *address,
	                  const uint8_t *blob, size_t len);
	bool (*job)(void *ctx, int version, uint64_t id, const uint8_t *blob, size_t len,
	            unsigned moved_on); /* false: not owed any more */
	void (*event)(void *ctx, int version, uint64_t seq, const uint8_t *blob, size_t len);
	void *ctx;
};

/* A new state file being written; see ddns_store_fill_fn. */
struct ddns_store_snapshot;

/*
 * Writes everything live into w: each published entry and each owed job, with the ids the jobs
 * were given. Called by the worker, at start and whenever the state file has grown enough.
 */
typedef void (*ddns_store_fill_fn)(void *ctx, struct ddns_store_snapshot *w);
void ddns_store_snapshot_published(struct ddns_store_snapshot *w, int family,
                                   const uint8_t *address, const uint8_t *blob, size_t len);
void ddns_store_snapshot_job(struct ddns_store_snapshot *w, uint64_t id, const uint8_t *blob,
                             size_t len);

/* How large the files may grow; zeroes take the defaults (tests use small ones). */
struct ddns_store_limits {
	uint64_t segment_bytes; /* an events segment is closed past this size */
	uint64_t state_bytes;   /* the state file is rewritten past this size, and past four
	                           times its size after the last rewrite */
	uint64_t reserve_bytes; /* held in state-dir/reserve while there is room, given back when
	                           a write finds the disk full; 0: none */
};

struct ddns_store;

/*
 * Creates dir if needed (mode 0700), loads it through loader, then writes what is live (fill) as
 * the new state file and removes the segments no longer needed; damage is logged and the damaged
 * file kept as "<file>.corrupt-<time>". Returns DDNS_OK with a new store in *out, DDNS_EFORMAT
 * (logged, nothing changed on disk) for files of a newer release, or an errno code. Thread:
 * before the worker starts; fill runs on the caller's thread here.
 */
int ddns_store_open(const char *dir, const struct ddns_store_limits *limits,
                    const struct ddns_store_loader *loader, ddns_store_fill_fn fill, void *fill_ctx,
                    struct ddns_store **out);

/* Writes what is staged, syncs and closes; NULL is ignored. Thread: the worker's owner. */
void ddns_store_free(struct ddns_store *s);

/*
 * Appends a lease event's blob, assigning *seq. When spill is true the event is to live on disk
 * only (the memory queue is full): the first such event marks where the worker must read from, and
 * *spilled tells whether this event is on disk only (it stays so while a spill is unread, to keep
 * the order). Returns DDNS_OK, DDNS_EINVAL (blob too large) or the write error. Thread: any.
 */
int ddns_store_event(struct ddns_store *s, const uint8_t *blob, size_t len, bool spill,
                     uint64_t *seq, bool *spilled);

/*
 * Reads back up to max spilled events, oldest first, calling fn for each. Returns the number read;
 * when the last spilled event has been read, the spill is over. Thread: worker.
 */
typedef void (*ddns_store_event_fn)(void *ctx, int version, uint64_t seq, const uint8_t *blob,
                                    size_t len);
size_t ddns_store_unspill(struct ddns_store *s, size_t max, ddns_store_event_fn fn, void *ctx);

/*
 * The worker's records are staged in memory and reach the state file together at the next
 * ddns_store_flush: one write a round. Each returns DDNS_OK or the error of staging (a full stage
 * is written first, and that write can fail). Thread: worker.
 */
int ddns_store_job(struct ddns_store *s, const uint8_t *blob, size_t len, uint64_t *id);
int ddns_store_job_done(struct ddns_store *s, uint64_t id);
/* Job id moved on to what follows it (as its blob says; the loader applies it): a few bytes
 * instead of the follow-up written whole. */
int ddns_store_job_next(struct ddns_store *s, uint64_t id);
int ddns_store_published(struct ddns_store *s, int family, const uint8_t *address,
                         const uint8_t *blob, size_t len); /* blob NULL: unpublished */
int ddns_store_handled(struct ddns_store *s, uint64_t seq);

/* Writes the staged records. Returns DDNS_OK or the write error (they are then dropped). */
int ddns_store_flush(struct ddns_store *s);

/* Writes the staged records and forces every file to stable storage. Thread: worker. */
void ddns_store_sync(struct ddns_store *s);

/*
 * Keeps the files bounded, after a flush: closes a large events segment, deletes the segments
 * whose events are all handled (after a sync), and rewrites the state file from fill when it has
 * grown enough. Failures are logged and leave the files as they were. Thread: worker.
 */
void ddns_store_maintain(struct ddns_store *s, ddns_store_fill_fn fill, void *fill_ctx);

/*
 * When the store, failing to write (disk full, read-only), next tries to write the state in full
 * (monotonic ms, util/clock.h), or -1 when it is not failing: the worker must run
 * ddns_store_maintain by then. While it fails, the worker's records are not written (the rewrite
 * that ends it writes everything live) and the failure is logged once. Thread: worker.
 */
int64_t ddns_store_retry_at(struct ddns_store *s);

/* Bytes in state-dir's files now (events segments and state). Thread: worker. */
uint64_t ddns_store_bytes(struct ddns_store *s);

/* The bytes in state-dir's files as of the worker's last ddns_store_maintain, and every byte
 * written to them since the store was opened (appends and rewrites). Thread: any. */
void ddns_store_usage(struct ddns_store *s, uint64_t *bytes, uint64_t *written);

#endif
