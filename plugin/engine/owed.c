/* SPDX-License-Identifier: MPL-2.0 */
#include <stdlib.h>
#include <sys/random.h>
#include <string.h>

#include "ddns/error.h"
#include "engine/owed.h"
#include "util/name.h"

/* Finished jobs kept for reuse: under load the worker takes and drops thousands of jobs a second,
 * and a thread's heap that shrinks and grows again with them costs system calls and page faults.
 * At most this many (about 5 MB). */
#define SPARE_JOBS 4096

void ddns_owed_init(struct ddns_owed *o)
{
	memset(o, 0, sizeof(*o));
}

static void free_list(struct job *list)
{
	while (list != NULL) {
		struct job *next = list->next;
		free(list);
		list = next;
	}
}

void ddns_owed_deinit(struct ddns_owed *o)
{
	free_list(o->head);
	free_list(o->spare);
	free(o->heap);
	memset(o, 0, sizeof(*o));
}

struct job *ddns_owed_job_new(struct ddns_owed *o)
{
	struct job *job = o->spare;
	if (job == NULL) {
		job = calloc(1, sizeof(*job));
	} else {
		o->spare = job->next;
		o->n_spare--;
		memset(job, 0, sizeof(*job));
	}
	if (job != NULL)
		job->heap_at = JOB_UNSCHEDULED;
	return job;
}

void ddns_owed_job_drop(struct ddns_owed *o, struct job *job)
{
	if (o->n_spare == SPARE_JOBS) {
		free(job);
		return;
	}
	job->next = o->spare;
	o->spare = job;
	o->n_spare++;
}

/* An upper bound of the bytes a change adds to an UPDATE, whatever its step: at most four records
 * with its owner written whole (each with 10 bytes of type, class, TTL and length), its value, and
 * two DHCIDs. */
static size_t change_bytes(const struct ddns_change *c)
{
	return 4 * (strlen(c->owner) + 1 + 10) + strlen(c->rdata) + 16 + 2 * DDNS_DHCID_LEN;
}

/* Sets what the dispatcher keeps of a job that becomes owed. */
static void owe(struct job *job, int64_t since_ms)
{
	job->bytes = change_bytes(&job->rec.change);
	job->since_ms = since_ms;
	job->step = -1;
	job->key_generation = 0;
	job->origin_hash = ddns_name_hash(job->rec.change.owner);
	job->then_hash = job->rec.has_then ? ddns_name_hash(job->rec.then.owner) : 0;
}

static void heap_place(struct ddns_owed *o, size_t at, struct job *job)
{
	o->heap[at] = job;
	job->heap_at = at;
}

static void sift_up(struct ddns_owed *o, size_t at)
{
	struct job *job = o->heap[at];
	while (at > 0 && o->heap[(at - 1) / 2]->due_ms > job->due_ms) {
		heap_place(o, at, o->heap[(at - 1) / 2]);
		at = (at - 1) / 2;
	}
	heap_place(o, at, job);
}

static void sift_down(struct ddns_owed *o, size_t at)
{
	struct job *job = o->heap[at];
	for (;;) {
		size_t child = 2 * at + 1;
		if (child >= o->heap_n)
			break;
		if (child + 1 < o->heap_n && o->heap[child + 1]->due_ms < o->heap[child]->due_ms)
			child++;
		if (o->heap[child]->due_ms >= job->due_ms)
			break;
		heap_place(o, at, o->heap[child]);
		at = child;
	}
	heap_place(o, at, job);
}

static void heap_remove(struct ddns_owed *o, struct job *job)
{
	size_t at = job->heap_at;
	struct job *last = o->heap[--o->heap_n];
	job->heap_at = JOB_UNSCHEDULED;
	if (last == job)
		return;
	heap_place(o, at, last);
	if (at > 0 && o->heap[(at - 1) / 2]->due_ms > last->due_ms)
		sift_up(o, at);
	else
		sift_down(o, at);
}

void ddns_owed_schedule(struct ddns_owed *o, struct job *job, int64_t due_ms)
{
	job->running = false;
	job->due_ms = due_ms;
	/* Room for every owed job was made when it was added. */
	o->heap[o->heap_n] = job;
	sift_up(o, o->heap_n++);
}

int ddns_owed_add(struct ddns_owed *o, struct job *job, int64_t since_ms, int64_t due_ms)
{
	if (o->heap_cap == o->n) {
		size_t cap = o->heap_cap ? 2 * o->heap_cap : 256;
		struct job **grown = realloc(o->heap, cap * sizeof(*grown));
		if (grown == NULL)
			return DDNS_ENOMEM;
		o->heap = grown;
		o->heap_cap = cap;
	}
	owe(job, since_ms);
	o->n++;
	job->next = NULL;
	job->prev = o->tail;
	if (o->tail != NULL)
		o->tail->next = job;
	else
		o->head = job;
	o->tail = job;
	ddns_owed_schedule(o, job, due_ms);
	return DDNS_OK;
}

void ddns_owed_take(struct ddns_owed *o, struct job *job)
{
	if (job->heap_at != JOB_UNSCHEDULED)
		heap_remove(o, job);
	else
		o->n_due--;
	job->running = true;
}

void ddns_owed_finish(struct ddns_owed *o, struct job *job, struct job *next)
{
	if (next != NULL) {
		owe(next, job->since_ms);
		next->prev = job->prev;
		next->next = job->next;
		*(job->prev != NULL ? &job->prev->next : &o->head) = next;
		*(job->next != NULL ? &job->next->prev : &o->tail) = next;
		ddns_owed_schedule(o, next, 0);
	} else {
		o->n--;
		*(job->prev != NULL ? &job->prev->next : &o->head) = job->next;
		*(job->next != NULL ? &job->next->prev : &o->tail) = job->prev;
	}
	ddns_owed_job_drop(o, job);
}

size_t ddns_owed_fall_due(struct ddns_owed *o, int64_t now_ms)
{
	while (o->heap_n > 0 && o->heap[0]->due_ms <= now_ms) {
		struct job *job = o->heap[0];
		heap_remove(o, job);
		o->n_due++;
	}
	return o->n_due;
}

void ddns_owed_all_due(struct ddns_owed *o)
{
	for (struct job *job = o->head; job != NULL; job = job->next) {
		if (job->running)
			continue;
		job->due_ms = 0;
		if (job->heap_at != JOB_UNSCHEDULED)
			o->n_due++;
		job->heap_at = JOB_UNSCHEDULED;
	}
	o->heap_n = 0;
}

int64_t ddns_owed_next_due(const struct ddns_owed *o)
{
	return o->heap_n > 0 ? o->heap[0]->due_ms : -1;
}

int64_t ddns_owed_oldest(const struct ddns_owed *o, int64_t now_ms)
{
	/* Jobs join at the tail as they become owed, and a job's successor keeps its place and
	 * its time, so the head is the oldest. */
	return o->head != NULL ? o->head->since_ms : now_ms;
}

int64_t ddns_owed_retry_delay(int min_ms, int max_ms, int attempts)
{
	int64_t delay = min_ms;
	for (int i = 1; i < attempts && delay < max_ms; i++)
		delay *= 2;
	if (delay > max_ms)
		delay = max_ms;
	/* Jitter in [75 %, 100 %] so that a burst that failed together does not retry together. */
	uint16_t r = 0;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = 0;
	return delay - delay * (r % 251) / 1000;
}
