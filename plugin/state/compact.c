/* SPDX-License-Identifier: MPL-2.0 */
/* Keeping state-dir bounded: new segments, deleting handled ones, rewriting the state file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ddns/error.h"
#include "state/files.h"
#include "util/clock.h"
#include "util/log.h"

/* How often a store that cannot write tries again. */
#define RETRY_MS 1000
/* How often a missing reserve is tried again (a stat when it is there): a disk that fills again
 * soon after it had room must find the reserve held again. */
#define RESERVE_RETRY_MS 1000

struct ddns_store_snapshot {
	struct ddns_journal j;
	int rc; /* the first failure; nothing more is written after it */
};

void ddns_store_snapshot_published(struct ddns_store_snapshot *w, int family,
                                   const uint8_t *address, const uint8_t *blob, size_t len)
{
	if (w->rc == DDNS_OK)
		w->rc = store_stage_key(&w->j, family, address, blob, len);
}

void ddns_store_snapshot_job(struct ddns_store_snapshot *w, uint64_t id, const uint8_t *blob,
                             size_t len)
{
	if (w->rc == DDNS_OK)
		w->rc = store_stage_number(&w->j, REC_JOB, id, blob, len);
}

/* The FORMAT record, then which events are handled: the mark and the ranges above it. */
static void put_header(struct ddns_store *s, struct ddns_store_snapshot *w)
{
	uint8_t buf[32];
	struct ddns_writer format = {buf, sizeof(buf), 0, false};
	store_put_format(&format);
	w->rc = store_stage(&w->j, REC_FORMAT, &format, NULL, 0);
	if (w->rc == DDNS_OK)
		w->rc = store_stage_number(&w->j, REC_HANDLED_BELOW, s->handled.below, NULL, 0);
	for (size_t i = 0; i < s->handled.n && w->rc == DDNS_OK; i++) {
		struct ddns_writer range = {buf, sizeof(buf), 0, false};
		ddns_put_uint(&range, s->handled.ranges[i].first);
		ddns_put_uint(&range, s->handled.ranges[i].last);
		w->rc = store_stage(&w->j, REC_HANDLED_RANGE, &range, NULL, 0);
	}
}

int store_rewrite(struct ddns_store *s, ddns_store_fill_fn fill, void *fill_ctx)
{
	char path[512], tmp[512];
	snprintf(path, sizeof(path), "%s/state", s->dir);
	snprintf(tmp, sizeof(tmp), "%s/state.new", s->dir);
	/* Whatever happens to the new file, the old one stays whole: its staged records go first.
	 */
	if (s->state.fd >= 0)
		ddns_journal_flush(&s->state);
	unlink(tmp);
	struct ddns_store_snapshot w = {.j = {.fd = -1}};
	w.rc = ddns_journal_open(&w.j, tmp);
	if (w.rc == DDNS_OK)
		put_header(s, &w);
	if (w.rc == DDNS_OK)
		fill(fill_ctx, &w);
	if (w.rc == DDNS_OK)
		w.rc = ddns_journal_flush(&w.j);
	if (w.rc == DDNS_OK)
		w.rc = ddns_journal_sync(&w.j);
	if (w.rc == DDNS_OK && rename(tmp, path) != 0)
		w.rc = -errno;
	if (w.rc != DDNS_OK) {
		ddns_journal_close(&w.j);
		unlink(tmp);
		return w.rc;
	}
	/* The new file's descriptor now appends to "state". */
	snprintf(w.j.path, sizeof(w.j.path), "%s", path);
	store_count_state(s);
	ddns_journal_close(&s->state);
	s->state = w.j;
	s->state_counted = 0;
	store_count_state(s);
	s->rewritten_bytes = w.j.bytes;
	return DDNS_OK;
}

/* Whether segment i may go: not the one appended to, and every event in it handled. */
static bool droppable(const struct ddns_store *s, size_t i)
{
	bool current = s->events.fd >= 0 && i + 1 == s->n_segs;
	return !current && s->segs[i].last_seq < s->handled.below;
}

void store_drop_segments(struct ddns_store *s)
{
	enum { BATCH = 64 };
	uint64_t gone[BATCH];
	size_t kept = 0, n_gone = 0;
	/* Taken off the list under the lock, deleted after it: Kea's threads append meanwhile. */
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_segs; i++) {
		if (n_gone < BATCH && droppable(s, i))
			gone[n_gone++] = s->segs[i].n;
		else
			s->segs[kept++] = s->segs[i];
	}
	s->n_segs = kept;
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < n_gone; i++) {
		char path[600];
		store_segment_path(s, gone[i], path, sizeof(path));
		if (unlink(path) != 0 && errno != ENOENT)
			log_warn(
			    DDNS_DIRECT_STATE_WRITE_FAILED,
			    "cannot delete %s, whose events are all handled: %s; it is deleted at "
			    "the next start",
			    path, strerror(errno));
	}
}

int store_start_segment(struct ddns_store *s)
{
	struct ddns_journal next = {.fd = -1};
	uint64_t n = s->n_segs > 0 ? s->segs[s->n_segs - 1].n + 1 : 1;
	struct segment *segs = s->segs;
	int rc = store_segment_create(s, n, &next);
	if (rc == DDNS_OK && s->n_segs == s->cap_segs &&
	    (segs = malloc((s->cap_segs + 8) * sizeof(*segs))) == NULL)
		rc = DDNS_ENOMEM;
	if (rc != DDNS_OK) {
		ddns_journal_close(&next);
		return rc;
	}
	pthread_mutex_lock(&s->lock);
	if (segs != s->segs) {
		if (s->n_segs > 0)
			memcpy(segs, s->segs, s->n_segs * sizeof(*segs));
		free(s->segs);
		s->segs = segs;
		s->cap_segs += 8;
	}
	struct ddns_journal old = s->events;
	if (old.fd >= 0)
		s->segs[s->n_segs - 1].bytes = old.bytes;
	s->segs[s->n_segs++] = (struct segment){n, DDNS_STORE_FORMAT, 0, next.bytes};
	s->events = next;
	atomic_fetch_add(&s->written, next.bytes);
	pthread_mutex_unlock(&s->lock);
	/* What the old segment holds is owed until handled: on disk before it is left. */
	if (old.fd >= 0)
		ddns_journal_sync(&old);
	ddns_journal_close(&old);
	return DDNS_OK;
}

static void reserve_path(const struct ddns_store *s, char *out, size_t len)
{
	snprintf(out, len, "%s/reserve", s->dir);
}

void store_make_reserve(struct ddns_store *s)
{
	char path[512];
	struct stat st;
	reserve_path(s, path, sizeof(path));
	if (s->limits.reserve_bytes == 0 ||
	    (stat(path, &st) == 0 && (uint64_t)st.st_size >= s->limits.reserve_bytes))
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	int rc = posix_fallocate(fd, 0, (off_t)s->limits.reserve_bytes);
	close(fd);
	/* No room for it now: a partial one would only take what the state needs. */
	if (rc != 0)
		unlink(path);
}

bool store_release_reserve(struct ddns_store *s)
{
	char path[512];
	reserve_path(s, path, sizeof(path));
	if (unlink(path) != 0)
		return false;
	log_warn(DDNS_DIRECT_STATE_RESERVE_RELEASED,
	         "state-dir %s is full: the %llu MiB it held in reserve were given back, so that "
	         "lease events and owed changes reach the disk again; make room there (the reserve "
	         "is held again as soon as there is)",
	         s->dir, (unsigned long long)(s->limits.reserve_bytes >> 20));
	return true;
}

/* While failing: tries, once a second, to write the state in full; true when it did. The
 * reserve goes first, if there is one. */
static bool recover(struct ddns_store *s, ddns_store_fill_fn fill, void *fill_ctx)
{
	int64_t now = ddns_clock_now_ms();
	if (now < s->retry_ms)
		return false;
	s->retry_ms = now + RETRY_MS;
	store_release_reserve(s);
	if (store_rewrite(s, fill, fill_ctx) != DDNS_OK ||
	    (s->events.fd < 0 && store_start_segment(s) != DDNS_OK))
		return false;
	atomic_store(&s->failing, false);
	log_info(DDNS_DIRECT_STATE_RECOVERED,
	         "state-dir %s takes writes again: the state file was rewritten in full (%llu "
	         "bytes)",
	         s->dir, (unsigned long long)s->state.bytes);
	return true;
}

int64_t ddns_store_retry_at(struct ddns_store *s)
{
	return atomic_load(&s->failing) ? s->retry_ms : -1;
}

/* Starts a new segment, drops handled ones, rewrites the state file, or recovers from a failed
 * write, as due. */
static void maintain_files(struct ddns_store *s, ddns_store_fill_fn fill, void *fill_ctx)
{
	if (atomic_load(&s->failing) && !recover(s, fill, fill_ctx))
		return;
	int64_t now = ddns_clock_now_ms();
	if (now >= s->reserve_ms) {
		s->reserve_ms = now + RESERVE_RETRY_MS;
		store_make_reserve(s);
	}
	pthread_mutex_lock(&s->lock);
	bool full = s->events.bytes >= s->limits.segment_bytes;
	bool drop = s->n_segs > 1 && droppable(s, 0);
	pthread_mutex_unlock(&s->lock);
	int rc = full ? store_start_segment(s) : DDNS_OK;
	if (rc != DDNS_OK)
		store_failed(s, rc); /* the current segment grows on meanwhile */
	/* A segment goes only once the records saying its events are handled are on disk. */
	if (drop && ddns_store_flush(s) == DDNS_OK && !atomic_load(&s->failing) &&
	    ddns_journal_sync(&s->state) == DDNS_OK)
		store_drop_segments(s);
	uint64_t limit = 4 * s->rewritten_bytes;
	if (limit < s->limits.state_bytes)
		limit = s->limits.state_bytes;
	if (s->state.bytes + s->state.staged_len < limit) {
		atomic_store(&s->size, ddns_store_bytes(s));
		return;
	}
	uint64_t before = s->state.bytes + s->state.staged_len;
	rc = store_rewrite(s, fill, fill_ctx);
	if (rc == DDNS_OK)
		log_info(
		    DDNS_DIRECT_STATE_COMPACTED,
		    "state-dir %s: state file rewritten to what is live, %llu bytes (was %llu)",
		    s->dir, (unsigned long long)s->state.bytes, (unsigned long long)before);
	else
		store_failed(s, rc);
	atomic_store(&s->size, ddns_store_bytes(s));
}

/* How far ahead of the appends the worker keeps the mapped segment's pages writable, and how
 * little may be left before it does it again. The low mark must outlast the time between two of
 * the worker's rounds (up to 50 ms: about 55 KB of events at 11,500 a second, the most Kea has
 * granted here); past it appends are written with pwrite, a system call in the callout. */
#define PREPARE_AHEAD (512 * 1024)
#define PREPARE_LOW   (128 * 1024)

void store_prepare_appends(struct ddns_store *s, bool written_back)
{
	pthread_mutex_lock(&s->lock);
	uint64_t bytes = s->events.bytes, ready = s->events.ready;
	pthread_mutex_unlock(&s->lock);
	if (s->events.map == NULL)
		return;
	/* Only this thread changes the current segment, so the mapping stays while it works. */
	if (written_back && ready > bytes)
		ddns_journal_prepare(&s->events, bytes, ready - bytes);
	if (ready >= bytes + PREPARE_LOW)
		return;
	uint64_t from = ready > bytes ? ready : bytes;
	uint64_t to = ddns_journal_prepare(&s->events, from, PREPARE_AHEAD);
	pthread_mutex_lock(&s->lock);
	if (to > s->events.ready)
		s->events.ready = to;
	pthread_mutex_unlock(&s->lock);
}

int store_resume_segment(struct ddns_store *s)
{
	if (s->n_segs == 0 || s->segs[s->n_segs - 1].version != DDNS_STORE_FORMAT)
		return -ENOSPC;
	const struct segment *last = &s->segs[s->n_segs - 1];
	char path[512];
	store_segment_path(s, last->n, path, sizeof(path));
	struct ddns_journal j = {.fd = -1};
	int rc = ddns_journal_reopen_mapped(&j, path, last->bytes);
	if (rc != DDNS_OK)
		return rc;
	pthread_mutex_lock(&s->lock);
	s->events = j;
	pthread_mutex_unlock(&s->lock);
	store_prepare_appends(s, false);
	return DDNS_OK;
}

void ddns_store_maintain(struct ddns_store *s, ddns_store_fill_fn fill, void *fill_ctx)
{
	maintain_files(s, fill, fill_ctx);
	store_prepare_appends(s, false);
}
