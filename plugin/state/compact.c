/* SPDX-License-Identifier: MPL-2.0 */
/* Keeping state-dir bounded: new segments, deleting handled ones, rewriting the state file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddns/error.h"
#include "state/files.h"
#include "util/log.h"

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
	ddns_journal_close(&s->state);
	s->state = w.j;
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
	char path[600];
	size_t kept = 0;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_segs; i++) {
		store_segment_path(s, s->segs[i].n, path, sizeof(path));
		if (!droppable(s, i) || (unlink(path) != 0 && errno != ENOENT))
			s->segs[kept++] = s->segs[i];
	}
	s->n_segs = kept;
	pthread_mutex_unlock(&s->lock);
}

/* Closes the current segment and appends to a new one. */
static void rotate(struct ddns_store *s)
{
	struct ddns_journal next = {.fd = -1};
	uint64_t n = s->segs[s->n_segs - 1].n + 1;
	struct segment *segs = s->segs;
	int rc = store_segment_create(s, n, &next);
	if (rc == DDNS_OK && s->n_segs == s->cap_segs &&
	    (segs = malloc((s->cap_segs + 8) * sizeof(*segs))) == NULL)
		rc = DDNS_ENOMEM;
	if (rc != DDNS_OK) {
		ddns_journal_close(&next);
		log_error(DDNS_DIRECT_STATE_WRITE_FAILED,
		          "cannot start a new events file in state-dir %s: %s; the current one "
		          "grows on",
		          s->dir, ddns_strerror(rc));
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (segs != s->segs) {
		memcpy(segs, s->segs, s->n_segs * sizeof(*segs));
		free(s->segs);
		s->segs = segs;
		s->cap_segs += 8;
	}
	struct ddns_journal old = s->events;
	s->segs[s->n_segs - 1].bytes = old.bytes;
	s->segs[s->n_segs++] = (struct segment){n, DDNS_STORE_FORMAT, 0, next.bytes};
	s->events = next;
	pthread_mutex_unlock(&s->lock);
	/* What the old segment holds is owed until handled: on disk before it is left. */
	ddns_journal_sync(&old);
	ddns_journal_close(&old);
}

void ddns_store_maintain(struct ddns_store *s, ddns_store_fill_fn fill, void *fill_ctx)
{
	pthread_mutex_lock(&s->lock);
	bool full = s->events.bytes >= s->limits.segment_bytes;
	bool drop = s->n_segs > 1 && droppable(s, 0);
	pthread_mutex_unlock(&s->lock);
	if (full)
		rotate(s);
	/* A segment goes only once the records saying its events are handled are on disk. */
	if (drop && ddns_store_flush(s) == DDNS_OK && ddns_journal_sync(&s->state) == DDNS_OK)
		store_drop_segments(s);
	uint64_t limit = 4 * s->rewritten_bytes;
	if (limit < s->limits.state_bytes)
		limit = s->limits.state_bytes;
	if (s->state.bytes + s->state.staged_len < limit)
		return;
	uint64_t before = s->state.bytes + s->state.staged_len;
	int rc = store_rewrite(s, fill, fill_ctx);
	if (rc == DDNS_OK) {
		log_info(
		    DDNS_DIRECT_STATE_COMPACTED,
		    "state-dir %s: state file rewritten to what is live, %llu bytes (was %llu)",
		    s->dir, (unsigned long long)s->state.bytes, (unsigned long long)before);
		return;
	}
	/* Tried again once the file has grown by as much again, not every round. */
	s->rewritten_bytes = before / 4 + s->limits.state_bytes / 4;
	log_error(DDNS_DIRECT_STATE_WRITE_FAILED,
	          "cannot rewrite the state file in state-dir %s: %s; it keeps growing until a "
	          "rewrite succeeds",
	          s->dir, ddns_strerror(rc));
}
