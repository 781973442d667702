/* SPDX-License-Identifier: MPL-2.0 */
/* The state-dir's files: appends, the worker's records, reading spilled events back; see store.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ddns/error.h"
#include "state/files.h"
#include "util/log.h"

#define DEFAULT_SEGMENT_BYTES (4u << 20)
#define DEFAULT_STATE_BYTES   (4u << 20)

static const char MAGIC[] = "ddns-direct";

void store_segment_path(const struct ddns_store *s, uint64_t n, char *out, size_t len)
{
	if (n == 0 && s->legacy_events)
		snprintf(out, len, "%s/events", s->dir);
	else
		snprintf(out, len, "%s/events.%llu", s->dir, (unsigned long long)n);
}

void store_put_format(struct ddns_writer *w)
{
	ddns_put_bytes(w, MAGIC, sizeof(MAGIC) - 1);
	ddns_put_uint(w, DDNS_STORE_FORMAT);
}

int store_segment_create(struct ddns_store *s, uint64_t n, struct ddns_journal *j)
{
	char path[600];
	uint8_t buf[32];
	struct ddns_writer w = {buf, sizeof(buf), 0, false};
	store_segment_path(s, n, path, sizeof(path));
	unlink(path);
	/* Mapped twice as long as a segment grows before the worker starts the next. */
	int rc = ddns_journal_open_mapped(j, path, 2 * s->limits.segment_bytes);
	store_put_format(&w);
	uint8_t type = REC_FORMAT;
	const void *payload = buf;
	if (rc == DDNS_OK && (rc = ddns_journal_append(j, 1, &type, &payload, &w.len)) != DDNS_OK)
		ddns_journal_close(j);
	return rc;
}

void store_failed(struct ddns_store *s, int rc)
{
	if (!atomic_exchange(&s->failing, true))
		log_error(
		    DDNS_DIRECT_STATE_WRITE_FAILED,
		    "cannot write to state-dir %s: %s. Leases and DNS updates go on from "
		    "memory; the state is written again in full once the disk takes writes "
		    "(tried every second). Lease events go on into the pages made ready for "
		    "them; past those, a crash of Kea loses the events not yet handled. Failed "
		    "writes are counted in journal-errors",
		    s->dir, ddns_strerror(rc));
}

int ddns_store_open(const char *dir, const struct ddns_store_limits *limits,
                    const struct ddns_store_loader *loader, ddns_store_fill_fn fill, void *fill_ctx,
                    struct ddns_store **out)
{
	/* The engine reports a state-dir it cannot use as a configuration error. */
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	struct ddns_store *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return DDNS_ENOMEM;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->limits.segment_bytes = limits != NULL && limits->segment_bytes > 0
	                              ? limits->segment_bytes
	                              : DEFAULT_SEGMENT_BYTES;
	s->limits.state_bytes =
	    limits != NULL && limits->state_bytes > 0 ? limits->state_bytes : DEFAULT_STATE_BYTES;
	s->limits.reserve_bytes = limits != NULL ? limits->reserve_bytes : 0;
	s->events.fd = s->state.fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	int rc = store_load(s, loader);
	if (rc == DDNS_OK) {
		/* A full disk does not stop Kea: the store starts failing and catches up later,
		 * its events going on in the last run's segment meanwhile (what was made ready
		 * there takes them). Any other trouble with the directory is the configuration's.
		 */
		int wrc = store_rewrite(s, fill, fill_ctx);
		/* On a full disk the reserve the last run held makes the room. */
		if ((wrc == -ENOSPC || wrc == -EDQUOT) && store_release_reserve(s))
			wrc = store_rewrite(s, fill, fill_ctx);
		if (wrc == DDNS_OK)
			store_drop_segments(s);
		if (wrc == DDNS_OK)
			wrc = store_start_segment(s);
		if (wrc == DDNS_OK)
			store_make_reserve(s);
		if (wrc == -ENOSPC || wrc == -EDQUOT || wrc == -EFBIG) {
			store_failed(s, wrc);
			if (s->events.fd < 0)
				store_resume_segment(s);
		} else {
			rc = wrc;
		}
	}
	if (rc != DDNS_OK) {
		ddns_store_free(s);
		return rc;
	}
	atomic_store(&s->size, ddns_store_bytes(s));
	*out = s;
	return DDNS_OK;
}

void ddns_store_free(struct ddns_store *s)
{
	if (s == NULL)
		return;
	if (s->state.fd >= 0)
		ddns_store_sync(s);
	ddns_journal_close(&s->events);
	ddns_journal_close(&s->state);
	ddns_handled_deinit(&s->handled);
	free(s->segs);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int ddns_store_event(struct ddns_store *s, const uint8_t *blob, size_t len, bool spill,
                     uint64_t *seq, bool *spilled)
{
	uint8_t buf[STORE_RECORD_MAX];
	if (len > DDNS_STORE_BLOB_MAX)
		return DDNS_EINVAL;
	uint8_t type = REC_EVENT;
	const void *payload = buf;
	pthread_mutex_lock(&s->lock);
	struct ddns_writer w = {buf, sizeof(buf), 0, false};
	ddns_put_uint(&w, s->next_seq);
	ddns_put_bytes(&w, blob, len);
	uint64_t at = s->events.bytes;
	int rc = ddns_journal_append(&s->events, 1, &type, &payload, &w.len);
	if (rc == DDNS_OK) {
		struct segment *current = &s->segs[s->n_segs - 1];
		atomic_fetch_add(&s->written, s->events.bytes - at);
		*seq = current->last_seq = s->next_seq++;
		if (spill && !s->spilling) {
			s->spilling = true;
			s->spill_seg = current->n;
			s->spill_offset = at;
		}
	}
	*spilled = rc == DDNS_OK && s->spilling;
	pthread_mutex_unlock(&s->lock);
	if (rc != DDNS_OK)
		store_failed(s, rc);
	return rc;
}

/* What unspill reads: the events of one segment, handed on. */
struct unspilling {
	int version;
	ddns_store_event_fn fn;
	void *ctx;
	size_t events; /* handed on in all */
};

static void unspill_record(void *ctx, uint8_t type, const uint8_t *payload, size_t len)
{
	struct unspilling *u = ctx;
	if (type != REC_EVENT)
		return;
	struct ddns_reader r = {payload, len, 0, false};
	uint64_t seq = 0;
	if (u->version == 0)
		ddns_get_bytes(&r, &seq, sizeof(seq));
	else
		seq = ddns_get_uint(&r);
	if (!r.bad) {
		u->fn(u->ctx, u->version, seq, payload + r.at, len - r.at);
		u->events++;
	}
}

/* The index of segment n in the list; n_segs when it is not there. */
static size_t segment_index(const struct ddns_store *s, uint64_t n)
{
	size_t i = 0;
	while (i < s->n_segs && s->segs[i].n != n)
		i++;
	return i;
}

size_t ddns_store_unspill(struct ddns_store *s, size_t max, ddns_store_event_fn fn, void *ctx)
{
	struct unspilling u = {0, fn, ctx, 0};
	bool more = true;
	while (more && u.events < max) {
		pthread_mutex_lock(&s->lock);
		size_t i = segment_index(s, s->spill_seg);
		bool current = i + 1 == s->n_segs;
		struct ddns_journal_range range = {s->spill_offset, current ? s->events.bytes : 0,
		                                   max - u.events};
		more = s->spilling && i < s->n_segs;
		u.version = more ? s->segs[i].version : 0;
		uint64_t segment = s->spill_seg;
		pthread_mutex_unlock(&s->lock);
		if (!more)
			break;
		char path[600];
		uint64_t next = range.from, damaged;
		store_segment_path(s, segment, path, sizeof(path));
		int rc = ddns_journal_scan(path, &range, unspill_record, &u, &next, &damaged);
		if (rc != DDNS_OK)
			log_error(DDNS_DIRECT_STATE_READ_FAILED,
			          "cannot read spilled lease events back from %s: %s; they are "
			          "replayed at the next start",
			          path, ddns_strerror(rc));
		pthread_mutex_lock(&s->lock);
		s->spill_offset = next;
		if (current) {
			s->spilling = next < s->events.bytes;
			more = false;
		} else if (next >= s->segs[i].bytes || next == range.from) {
			/* The end of an older segment (or of what can be read of it): the spill
			 * goes on in the next one at once, since one whose events are all handled
			 * is deleted. */
			s->spill_seg = s->segs[i + 1].n;
			s->spill_offset = 0;
		}
		pthread_mutex_unlock(&s->lock);
		more = more && rc == DDNS_OK;
	}
	return u.events;
}

int store_stage(struct ddns_journal *j, uint8_t type, const struct ddns_writer *frame,
                const uint8_t *blob, size_t len)
{
	uint8_t buf[STORE_RECORD_MAX];
	struct ddns_writer w = {buf, sizeof(buf), 0, false};
	ddns_put_bytes(&w, frame->buf, frame->len);
	if (blob != NULL)
		ddns_put_bytes(&w, blob, len);
	if (w.overflow)
		return DDNS_EINVAL;
	const void *payload = buf;
	return ddns_journal_stage(j, 1, &type, &payload, &w.len);
}

int store_stage_number(struct ddns_journal *j, uint8_t type, uint64_t v, const uint8_t *blob,
                       size_t len)
{
	uint8_t buf[16];
	struct ddns_writer frame = {buf, sizeof(buf), 0, false};
	ddns_put_uint(&frame, v);
	return store_stage(j, type, &frame, blob, len);
}

int store_stage_key(struct ddns_journal *j, int family, const uint8_t *address, const uint8_t *blob,
                    size_t len)
{
	uint8_t buf[24];
	struct ddns_writer frame = {buf, sizeof(buf), 0, false};
	ddns_put_address(&frame, family, address);
	return store_stage(j, blob != NULL ? REC_PUB : REC_UNPUB, &frame, blob, len);
}

/* The outcome rc of staging or writing a worker's record: a failure starts the failing state. */
static int worker_record(struct ddns_store *s, int rc)
{
	if (rc != DDNS_OK)
		store_failed(s, rc);
	return rc;
}

/* Stages a worker's record (expr) unless the store is failing: then nothing is staged, since a
 * record written behind a gap could be wrong, and the rewrite that ends the failure writes it. */
#define STAGE(s, expr) (atomic_load(&(s)->failing) ? DDNS_OK : worker_record((s), (expr)))

int ddns_store_job(struct ddns_store *s, const uint8_t *blob, size_t len, uint64_t *id)
{
	*id = s->next_job++;
	return STAGE(s, store_stage_number(&s->state, REC_JOB, *id, blob, len));
}

int ddns_store_job_done(struct ddns_store *s, uint64_t id)
{
	return STAGE(s, store_stage_number(&s->state, REC_JOBDONE, id, NULL, 0));
}

int ddns_store_job_next(struct ddns_store *s, uint64_t id)
{
	return STAGE(s, store_stage_number(&s->state, REC_JOBNEXT, id, NULL, 0));
}

int ddns_store_published(struct ddns_store *s, int family, const uint8_t *address,
                         const uint8_t *blob, size_t len)
{
	return STAGE(s, store_stage_key(&s->state, family, address, blob, len));
}

int ddns_store_handled(struct ddns_store *s, uint64_t seq)
{
	if (seq == 0)
		return DDNS_OK; /* an event that never reached the disk */
	if (!ddns_handled_add(&s->handled, seq))
		log_error(DDNS_DIRECT_OUT_OF_MEMORY,
		          "out of memory noting a handled lease event: state-dir keeps its events "
		          "until the next start");
	return STAGE(s, store_stage_number(&s->state, REC_HANDLED, seq, NULL, 0));
}

int ddns_store_flush(struct ddns_store *s)
{
	if (atomic_load(&s->failing)) {
		s->state.staged_len = 0; /* the rewrite that ends the failure writes it all */
		return DDNS_OK;
	}
	int rc = worker_record(s, ddns_journal_flush(&s->state));
	store_count_state(s);
	return rc;
}

void store_count_state(struct ddns_store *s)
{
	if (s->state.bytes > s->state_counted)
		atomic_fetch_add(&s->written, s->state.bytes - s->state_counted);
	s->state_counted = s->state.bytes;
}

void ddns_store_usage(struct ddns_store *s, uint64_t *bytes, uint64_t *written)
{
	*bytes = atomic_load(&s->size);
	*written = atomic_load(&s->written);
}

void ddns_store_sync(struct ddns_store *s)
{
	ddns_journal_flush(&s->state);
	pthread_mutex_lock(&s->lock);
	int fd = s->events.fd;
	pthread_mutex_unlock(&s->lock);
	/* The current segment changes only on the worker's thread, which is this one. */
	if (fd >= 0) {
		fdatasync(fd);
		store_prepare_appends(s, true);
	}
	ddns_journal_sync(&s->state);
}

uint64_t ddns_store_bytes(struct ddns_store *s)
{
	pthread_mutex_lock(&s->lock);
	uint64_t bytes = s->events.bytes;
	for (size_t i = 0; i + 1 < s->n_segs; i++)
		bytes += s->segs[i].bytes;
	pthread_mutex_unlock(&s->lock);
	return bytes + s->state.bytes;
}
