/* SPDX-License-Identifier: MPL-2.0 */
#include <stdlib.h>
#include <string.h>

#include "engine/dispatch.h"
#include "util/name.h"

void ddns_dispatcher_init(struct ddns_dispatcher *d, struct ddns_locator *locator)
{
	memset(d, 0, sizeof(*d));
	d->locator = locator;
}

void ddns_dispatcher_deinit(struct ddns_dispatcher *d)
{
	free(d->seen);
	d->seen = NULL;
	d->seen_slots = 0;
}

/* The job's key, computed again only when the locator's view may have changed. */
static uint64_t job_key(struct ddns_dispatcher *d, struct job *job)
{
	uint64_t generation = ddns_locator_generation(d->locator) + 1;
	if (job->key_generation != generation) {
		char key[DDNS_NAME_MAX];
		ddns_locator_key(d->locator, job->rec.change.owner, key);
		job->key = ddns_name_hash(key);
		job->key_generation = generation;
	}
	return job->key;
}

static bool key_running(const struct ddns_dispatcher *d, uint64_t key)
{
	for (size_t i = 0; i < DDNS_SENDERS; i++)
		if (d->slot_used[i] && d->running_key[i] == key)
			return true;
	return false;
}

/* Adds h to the set of names owed earlier in this pass; returns whether it was there. */
static bool seen_add(struct ddns_dispatcher *d, uint64_t h)
{
	size_t mask = d->seen_slots - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		if (d->seen[i] == h)
			return true;
		if (d->seen[i] == 0) {
			d->seen[i] = h;
			return false;
		}
	}
}

/* Empties the set, sized for n_owed jobs' two names. False when out of memory. */
static bool seen_reset(struct ddns_dispatcher *d, size_t n_owed)
{
	size_t want = 64;
	while (want < 4 * n_owed)
		want *= 2;
	if (want != d->seen_slots) {
		uint64_t *grown = realloc(d->seen, want * sizeof(*grown));
		if (grown == NULL)
			return false;
		d->seen = grown;
		d->seen_slots = want;
	}
	memset(d->seen, 0, d->seen_slots * sizeof(*d->seen));
	return true;
}

/* A batch being filled by the pass. */
struct open_batch {
	struct job *first, *last;
	size_t n;     /* jobs in it */
	size_t bytes; /* at most the size of their message */
	bool full;    /* counted in the pass's full batches */
};

size_t ddns_dispatch(struct ddns_dispatcher *d, struct ddns_owed *o, size_t free_senders,
                     int64_t now_ms, struct job **batches)
{
	/* Only a due change opens a batch: with none due, the list need not be walked. */
	if (ddns_owed_fall_due(o, now_ms) == 0 || free_senders == 0 || !seen_reset(d, o->n))
		return 0;
	struct open_batch open[DDNS_SENDERS];
	size_t n_open = 0, n_full = 0;
	for (struct job *job = o->head; job != NULL && n_full < free_senders; job = job->next) {
		bool waits = seen_add(d, job->origin_hash);
		if (job->then_hash != 0)
			seen_add(d, job->then_hash);
		bool lingering = job->heap_at != JOB_UNSCHEDULED;
		if (waits || job->running ||
		    (lingering && (n_open == 0 || job->due_ms > now_ms + DDNS_LINGER_MS)))
			continue;
		uint64_t key = job_key(d, job);
		if (key_running(d, key))
			continue;
		struct open_batch *b = NULL;
		for (size_t i = 0; i < n_open && b == NULL; i++)
			if (open[i].first->key == key)
				b = &open[i];
		if (b == NULL && n_open < free_senders && !lingering) {
			b = &open[n_open++];
			*b = (struct open_batch){.first = job};
		}
		if (b == NULL || b->n == DDNS_BATCH_MAX || b->bytes + job->bytes > DDNS_BATCH_BYTES)
			continue;
		if (b->n > 0)
			b->last->bnext = job;
		b->last = job;
		job->bnext = NULL;
		ddns_owed_take(o, job);
		b->n++;
		b->bytes += job->bytes;
		/* Full once no other change of this one's size fits. */
		if (!b->full &&
		    (b->n == DDNS_BATCH_MAX || b->bytes + job->bytes > DDNS_BATCH_BYTES)) {
			b->full = true;
			n_full++;
		}
	}
	for (size_t i = 0; i < n_open; i++) {
		int slot = 0;
		while (d->slot_used[slot])
			slot++;
		d->slot_used[slot] = true;
		d->running_key[slot] = open[i].first->key;
		open[i].first->slot = slot;
		batches[i] = open[i].first;
	}
	return n_open;
}

void ddns_dispatch_done(struct ddns_dispatcher *d, int slot)
{
	d->slot_used[slot] = false;
}
