/* SPDX-License-Identifier: MPL-2.0 */
/* The engine's files; see durable.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ddns/error.h"
#include "engine/durable.h"
#include "util/clock.h"
#include "util/log.h"

enum record_type {
	REC_EVENT = 1,
	REC_HANDLED = 2,
	REC_PUB = 3,
	REC_UNPUB = 4,
	REC_JOB = 5,
	REC_JOBDONE = 6,
};

struct event_payload {
	uint64_t seq;
	struct ddns_lease_event ev;
};

struct pub_payload {
	int32_t family;
	uint8_t address[16];
	struct ddns_published p;
};

/* What a load collects before handing it over. */
struct loading {
	struct ddns_published_map *published; /* addresses with their entries */
	struct ddns_job_record *jobs;         /* open jobs, by id order of creation */
	size_t n_jobs, cap_jobs;
	uint64_t *handled; /* sorted after the state file is read */
	size_t n_handled, cap_handled;
	struct event_payload *events; /* unhandled events */
	size_t n_events, cap_events;
	uint64_t max_seq, max_job;
	bool oom;
	size_t ignored; /* records of unknown type or size */
};

static bool grow(void **array, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 256;
	void *p = realloc(*array, c * size);
	if (p == NULL)
		return false;
	*array = p;
	*cap = c;
	return true;
}

static void on_state(void *ctx, uint8_t type, const uint8_t *payload, size_t len)
{
	struct loading *l = ctx;
	if (type == REC_PUB && len == sizeof(struct pub_payload)) {
		const struct pub_payload *p = (const void *)payload;
		if (ddns_published_set(l->published, p->family, p->address, &p->p) != DDNS_OK)
			l->oom = true;
	} else if (type == REC_UNPUB && len == sizeof(struct pub_payload)) {
		const struct pub_payload *p = (const void *)payload;
		ddns_published_remove(l->published, p->family, p->address);
	} else if (type == REC_JOB && len == sizeof(struct ddns_job_record)) {
		if (!grow((void **)&l->jobs, &l->cap_jobs, l->n_jobs, sizeof(*l->jobs))) {
			l->oom = true;
			return;
		}
		memcpy(&l->jobs[l->n_jobs++], payload, len);
		if (l->jobs[l->n_jobs - 1].id > l->max_job)
			l->max_job = l->jobs[l->n_jobs - 1].id;
	} else if (type == REC_JOBDONE && len == sizeof(uint64_t)) {
		uint64_t id;
		memcpy(&id, payload, sizeof(id));
		/* Jobs finish mostly in order: search from the end. */
		for (size_t i = l->n_jobs; i-- > 0;) {
			if (l->jobs[i].id == id) {
				memmove(&l->jobs[i], &l->jobs[i + 1],
				        (l->n_jobs - i - 1) * sizeof(*l->jobs));
				l->n_jobs--;
				break;
			}
		}
	} else if (type == REC_HANDLED && len == sizeof(uint64_t)) {
		if (!grow((void **)&l->handled, &l->cap_handled, l->n_handled, sizeof(uint64_t))) {
			l->oom = true;
			return;
		}
		memcpy(&l->handled[l->n_handled++], payload, len);
	} else {
		l->ignored++;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* An event as releases before Kea's per-client settings wrote it: without its dns member. */
#define EVENT_PAYLOAD_WITHOUT_DNS                                                                  \
	(offsetof(struct event_payload, ev) + offsetof(struct ddns_lease_event, dns))

static void on_event(void *ctx, uint8_t type, const uint8_t *payload, size_t len)
{
	struct loading *l = ctx;
	if (type != REC_EVENT ||
	    (len != sizeof(struct event_payload) && len != EVENT_PAYLOAD_WITHOUT_DNS)) {
		l->ignored++;
		return;
	}
	struct event_payload read = {0};
	memcpy(&read, payload, len);
	const struct event_payload *e = &read;
	if (e->seq > l->max_seq)
		l->max_seq = e->seq;
	if (l->n_handled > 0 &&
	    bsearch(&e->seq, l->handled, l->n_handled, sizeof(uint64_t), cmp_u64) != NULL)
		return;
	if (!grow((void **)&l->events, &l->cap_events, l->n_events, sizeof(*l->events))) {
		l->oom = true;
		return;
	}
	l->events[l->n_events++] = *e;
}

/* Reads one file; on damage logs it and keeps the file aside for inspection. */
static int load_file(const char *path, ddns_journal_fn fn, struct loading *l)
{
	uint64_t damaged = 0;
	int rc = ddns_journal_read(path, fn, l, &damaged);
	if (rc != DDNS_OK) {
		log_error(DDNS_DIRECT_STATE_READ_FAILED, "cannot read %s: %s", path,
		          ddns_strerror(rc));
		return rc;
	}
	if (damaged > 0) {
		char aside[600];
		snprintf(aside, sizeof(aside), "%s.corrupt-%ld", path, (long)ddns_clock_wall_s());
		rename(path, aside);
		log_error(
		    DDNS_DIRECT_STATE_DAMAGED,
		    "%s: the last %llu bytes are damaged (cut short or failing their checksum) "
		    "and were not read; the file is kept as %s and everything before the damage "
		    "is used",
		    path, (unsigned long long)damaged, aside);
	}
	if (l->ignored > 0)
		log_warn(DDNS_DIRECT_STATE_UNKNOWN_RECORDS,
		         "%s: %zu records of an unknown kind or size were ignored", path,
		         l->ignored);
	l->ignored = 0;
	return DDNS_OK;
}

/* A file being rewritten: after the first failure, nothing more is written to it. */
struct rewrite {
	struct ddns_journal *j;
	int rc;
};

static void rewrite_append(struct rewrite *w, uint8_t type, const void *payload, size_t len)
{
	if (w->rc == DDNS_OK)
		w->rc = ddns_journal_append(w->j, 1, &type, &payload, &len);
}

static void write_pub(void *ctx, int family, const uint8_t *address, const struct ddns_published *p)
{
	struct pub_payload pp = {.family = family, .p = *p};
	memcpy(pp.address, address, sizeof(pp.address));
	rewrite_append(ctx, REC_PUB, &pp, sizeof(pp));
}

/* The state file: the published set and the open jobs. */
static void fill_state(struct rewrite *w, const struct loading *l)
{
	ddns_published_foreach(l->published, write_pub, w);
	for (size_t i = 0; i < l->n_jobs; i++)
		rewrite_append(w, REC_JOB, &l->jobs[i], sizeof(l->jobs[i]));
}

/* The events file: the lease events not yet handled. */
static void fill_events(struct rewrite *w, const struct loading *l)
{
	for (size_t i = 0; i < l->n_events; i++)
		rewrite_append(w, REC_EVENT, &l->events[i], sizeof(l->events[i]));
}

/* Replaces dir/name with what fill writes: into name.new, synced, then renamed over the old file,
 * so that a crash leaves one whole file or the other. */
static int replace_file(const char *dir, const char *name,
                        void (*fill)(struct rewrite *w, const struct loading *l),
                        const struct loading *l)
{
	char path[600], tmp[600];
	struct ddns_journal j = {.fd = -1};
	struct rewrite w = {&j, DDNS_OK};
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/%s.new", dir, name);
	unlink(tmp);
	if ((w.rc = ddns_journal_open(&j, tmp)) != DDNS_OK)
		return w.rc;
	fill(&w, l);
	if (w.rc == DDNS_OK)
		w.rc = ddns_journal_sync(&j);
	ddns_journal_close(&j);
	if (w.rc == DDNS_OK && rename(tmp, path) != 0)
		w.rc = -errno;
	return w.rc;
}

static int rewrite_files(struct ddns_durable *d, struct loading *l)
{
	int rc = replace_file(d->dir, "state", fill_state, l);
	return rc == DDNS_OK ? replace_file(d->dir, "events", fill_events, l) : rc;
}

static void free_loading(struct loading *l)
{
	ddns_published_free(l->published);
	free(l->jobs);
	free(l->handled);
	free(l->events);
}

int ddns_durable_open(const char *dir, const struct ddns_durable_loader *loader,
                      struct ddns_durable **out)
{
	char path[600];
	/* The engine reports a state-dir it cannot use as a configuration error. */
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	struct ddns_durable *d = calloc(1, sizeof(*d));
	struct loading l = {.published = ddns_published_new()};
	if (d == NULL || l.published == NULL) {
		free(d);
		free_loading(&l);
		return DDNS_ENOMEM;
	}
	snprintf(d->dir, sizeof(d->dir), "%s", dir);
	d->events.fd = d->state.fd = -1;
	pthread_mutex_init(&d->lock, NULL);

	snprintf(path, sizeof(path), "%s/state", dir);
	int rc = load_file(path, on_state, &l);
	if (rc == DDNS_OK) {
		if (l.n_handled > 0)
			qsort(l.handled, l.n_handled, sizeof(uint64_t), cmp_u64);
		snprintf(path, sizeof(path), "%s/events", dir);
		rc = load_file(path, on_event, &l);
	}
	if (rc == DDNS_OK && l.oom)
		rc = DDNS_ENOMEM;
	if (rc == DDNS_OK)
		rc = rewrite_files(d, &l);
	if (rc == DDNS_OK) {
		snprintf(path, sizeof(path), "%s/events", dir);
		rc = ddns_journal_open(&d->events, path);
	}
	if (rc == DDNS_OK) {
		snprintf(path, sizeof(path), "%s/state", dir);
		rc = ddns_journal_open(&d->state, path);
	}
	if (rc != DDNS_OK) {
		free_loading(&l);
		ddns_durable_free(d);
		return rc;
	}
	d->next_seq = l.max_seq + 1;
	d->next_job = l.max_job + 1;
	ddns_published_foreach(l.published, loader->published, loader->ctx);
	for (size_t i = 0; i < l.n_jobs; i++)
		if (!loader->job(loader->ctx, &l.jobs[i]) &&
		    ddns_durable_job_done(d, l.jobs[i].id, NULL) != DDNS_OK)
			log_error(
			    DDNS_DIRECT_STATE_WRITE_FAILED,
			    "cannot record in state-dir %s that a change is no longer owed; it is "
			    "looked at again at the next start",
			    dir);
	for (size_t i = 0; i < l.n_events; i++)
		loader->event(loader->ctx, l.events[i].seq, &l.events[i].ev);
	if (l.n_jobs > 0 || l.n_events > 0)
		log_info(DDNS_DIRECT_STATE_RESUMED,
		         "state-dir %s: resuming %zu record changes and %zu lease events left "
		         "unfinished by the last run; %zu addresses published",
		         dir, l.n_jobs, l.n_events, ddns_published_count(l.published));
	free_loading(&l);
	*out = d;
	return DDNS_OK;
}

void ddns_durable_free(struct ddns_durable *d)
{
	if (d == NULL)
		return;
	if (d->state.fd >= 0)
		ddns_durable_sync(d);
	ddns_journal_close(&d->events);
	ddns_journal_close(&d->state);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

int ddns_durable_event(struct ddns_durable *d, const struct ddns_lease_event *ev, bool spill,
                       uint64_t *seq, bool *spilled)
{
	struct event_payload e;
	uint8_t type = REC_EVENT;
	const void *payload = &e;
	size_t len = sizeof(e);
	memcpy(&e.ev, ev, sizeof(e.ev));
	pthread_mutex_lock(&d->lock);
	e.seq = d->next_seq;
	uint64_t at = d->events.bytes;
	int rc = ddns_journal_append(&d->events, 1, &type, &payload, &len);
	if (rc == DDNS_OK) {
		*seq = d->next_seq++;
		if (spill && !d->spilling) {
			d->spilling = true;
			d->spill_offset = at;
		}
	}
	*spilled = rc == DDNS_OK && d->spilling;
	pthread_mutex_unlock(&d->lock);
	return rc;
}

size_t ddns_durable_unspill(struct ddns_durable *d, size_t max,
                            void (*fn)(void *ctx, uint64_t seq, const struct ddns_lease_event *ev),
                            void *ctx)
{
	const size_t record = 8 + sizeof(struct event_payload);
	pthread_mutex_lock(&d->lock);
	uint64_t from = d->spill_offset, end = d->events.bytes;
	bool spilling = d->spilling;
	pthread_mutex_unlock(&d->lock);
	if (!spilling)
		return 0;
	char path[600];
	snprintf(path, sizeof(path), "%s/events", d->dir);
	FILE *f = fopen(path, "rb");
	size_t n = 0;
	uint8_t *buf = malloc(record);
	if (f != NULL && buf != NULL && fseek(f, (long)from, SEEK_SET) == 0) {
		/* Every event record has the same size, and only complete ones are below end. */
		while (n < max && from + record <= end && fread(buf, 1, record, f) == record) {
			struct event_payload e;
			memcpy(&e, buf + 8, sizeof(e));
			if (buf[0] == REC_EVENT)
				fn(ctx, e.seq, &e.ev);
			from += record;
			n++;
		}
	} else {
		log_error(DDNS_DIRECT_STATE_READ_FAILED,
		          "cannot read spilled lease events back from %s: %s", path,
		          strerror(errno));
	}
	free(buf);
	if (f != NULL)
		fclose(f);
	pthread_mutex_lock(&d->lock);
	d->spill_offset = from;
	if (from >= d->events.bytes)
		d->spilling = false;
	pthread_mutex_unlock(&d->lock);
	return n;
}

int ddns_durable_handled(struct ddns_durable *d, uint64_t seq, struct ddns_job_record **jobs,
                         size_t n_jobs, int family, const uint8_t *address,
                         const struct ddns_published *p, bool published_changed)
{
	uint8_t types[8];
	const void *payloads[8];
	size_t lengths[8], n = 0;
	struct pub_payload pp = {.family = family};
	memcpy(pp.address, address, sizeof(pp.address));
	if (p != NULL)
		pp.p = *p;
	/* Jobs first: any prefix of this write that survives a power cut is consistent. */
	for (size_t i = 0; i < n_jobs && n < 6; i++) {
		jobs[i]->id = d->next_job++;
		types[n] = REC_JOB;
		payloads[n] = jobs[i];
		lengths[n++] = sizeof(*jobs[i]);
	}
	if (published_changed) {
		types[n] = p != NULL ? REC_PUB : REC_UNPUB;
		payloads[n] = &pp;
		lengths[n++] = sizeof(pp);
	}
	types[n] = REC_HANDLED;
	payloads[n] = &seq;
	lengths[n++] = sizeof(seq);
	return ddns_journal_stage(&d->state, n, types, payloads, lengths);
}

int ddns_durable_published(struct ddns_durable *d, int family, const uint8_t *address,
                           const struct ddns_published *p)
{
	struct pub_payload pp = {.family = family};
	memcpy(pp.address, address, sizeof(pp.address));
	if (p != NULL)
		pp.p = *p;
	uint8_t type = p != NULL ? REC_PUB : REC_UNPUB;
	const void *payload = &pp;
	size_t len = sizeof(pp);
	return ddns_journal_stage(&d->state, 1, &type, &payload, &len);
}

int ddns_durable_job_done(struct ddns_durable *d, uint64_t id, struct ddns_job_record *next)
{
	uint8_t types[2] = {REC_JOBDONE, REC_JOB};
	const void *payloads[2] = {&id, next};
	size_t lengths[2] = {sizeof(id), sizeof(*next)};
	if (next != NULL)
		next->id = d->next_job++;
	return ddns_journal_stage(&d->state, next != NULL ? 2 : 1, types, payloads, lengths);
}

int ddns_durable_flush(struct ddns_durable *d)
{
	return ddns_journal_flush(&d->state);
}

void ddns_durable_sync(struct ddns_durable *d)
{
	ddns_journal_flush(&d->state);
	ddns_journal_sync(&d->events);
	ddns_journal_sync(&d->state);
}
