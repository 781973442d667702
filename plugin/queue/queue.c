/* SPDX-License-Identifier: MPL-2.0 */
/* Mutex-and-condition FIFO; see queue.h. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "ddns/error.h"
#include "queue/queue.h"
#include "util/clock.h"

struct node {
	struct node *next;
	uint64_t seq;
	struct ddns_lease_event ev;
};

struct ddns_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* signalled on push, wake and close; uses CLOCK_MONOTONIC */
	struct node *head;   /* oldest event */
	struct node *tail;   /* newest event */
	size_t length;       /* events in the list */
	bool closed;         /* no more pushes */
	bool woken;          /* a wake-up not yet consumed */
	bool want_events;    /* the consumer waits in pop: a push must signal it */
};

struct ddns_queue *ddns_queue_new(void)
{
	struct ddns_queue *q = calloc(1, sizeof(*q));
	pthread_condattr_t attr;
	if (q == NULL)
		return NULL;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&q->lock, NULL);
	return q;
}

void ddns_queue_free(struct ddns_queue *q)
{
	if (q == NULL)
		return;
	while (q->head != NULL) {
		struct node *n = q->head;
		q->head = n->next;
		free(n);
	}
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

int ddns_queue_push(struct ddns_queue *q, const struct ddns_lease_event *ev, uint64_t seq)
{
	/* Allocate outside the lock so that producers contend only for the link. */
	struct node *n = malloc(sizeof(*n));
	if (n == NULL)
		return DDNS_ENOMEM;
	n->next = NULL;
	n->seq = seq;
	n->ev = *ev;
	pthread_mutex_lock(&q->lock);
	if (q->closed) {
		pthread_mutex_unlock(&q->lock);
		free(n);
		return DDNS_ESHUTDOWN;
	}
	if (q->tail != NULL)
		q->tail->next = n;
	else
		q->head = n;
	q->tail = n;
	q->length++;
	/* Only a consumer waiting for events is signalled: waking one that gathers costs the
	 * producer (a Kea packet thread) a futex call and, often, the rest of its time slice. */
	if (q->want_events)
		pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return DDNS_OK;
}

int ddns_queue_pop(struct ddns_queue *q, struct ddns_lease_event *ev, uint64_t *seq,
                   int64_t deadline_ms)
{
	int rc = DDNS_OK;
	pthread_mutex_lock(&q->lock);
	while (q->head == NULL && !q->closed && !q->woken) {
		q->want_events = true;
		if (deadline_ms < 0) {
			pthread_cond_wait(&q->cond, &q->lock);
			continue;
		}
		struct timespec ts = ddns_clock_deadline(deadline_ms);
		if (pthread_cond_timedwait(&q->cond, &q->lock, &ts) != 0 && q->head == NULL)
			break;
	}
	q->want_events = false;
	q->woken = false;
	struct node *n = q->head;
	if (n != NULL) {
		q->head = n->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->length--;
	} else {
		rc = q->closed ? DDNS_ESHUTDOWN : DDNS_ETIMEOUT;
	}
	pthread_mutex_unlock(&q->lock);
	if (n != NULL) {
		*ev = n->ev;
		*seq = n->seq;
		free(n);
	}
	return rc;
}

int ddns_queue_wait(struct ddns_queue *q, int64_t deadline_ms)
{
	pthread_mutex_lock(&q->lock);
	struct timespec ts = ddns_clock_deadline(deadline_ms);
	/* A push signals too; only a wake, the close or the deadline ends the wait. */
	while (!q->woken && !q->closed) {
		if (deadline_ms < 0)
			pthread_cond_wait(&q->cond, &q->lock);
		else if (pthread_cond_timedwait(&q->cond, &q->lock, &ts) != 0)
			break;
	}
	int rc = q->closed ? DDNS_ESHUTDOWN : q->woken ? DDNS_OK : DDNS_ETIMEOUT;
	q->woken = false;
	pthread_mutex_unlock(&q->lock);
	return rc;
}

void ddns_queue_wake(struct ddns_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->woken = true;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void ddns_queue_close(struct ddns_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

size_t ddns_queue_length(struct ddns_queue *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->length;
	pthread_mutex_unlock(&q->lock);
	return n;
}
