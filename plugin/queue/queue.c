/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Producers push onto a lock-free stack (one compare-and-swap); the consumer takes the whole stack
 * at once and reverses it into its own FIFO. A Kea thread pushing thus never waits for another
 * thread: with a lock, a holder descheduled on a busy host held every other pusher up for as long.
 * The lock and condition serve only the consumer's waits.
 *
 * Nodes come from a pool the consumer fills, with memory it has already touched: a node from
 * malloc often had Kea's thread grow its heap into pages never used, a page fault (several
 * microseconds) in a callout; those were about two thirds of the callouts over 10 us. Pool nodes
 * are taken from a lock-free free list whose top carries a counter against reuse races (ABA);
 * when it is empty a producer falls back to malloc. See queue.h.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "ddns/error.h"
#include "queue/queue.h"
#include "util/clock.h"

#define CHUNK_NODES 256  /* nodes allocated together (about 150 KiB) */
#define MAX_CHUNKS  1024 /* the pool's limit: 262,144 nodes; past it, malloc */
/* The consumer keeps this many nodes free: more than one gathering round (50 ms) of the highest
 * rate Kea has reached here. */
#define FREE_LOW 1024

struct node {
	struct node *next;
	_Atomic uint32_t free_next; /* in the free list: the slot below this one, 0 for none */
	uint32_t slot;              /* 1 + its index in the pool; 0: from malloc */
	uint64_t seq;
	struct ddns_lease_event ev;
};

struct ddns_queue {
	_Atomic(struct node *) pushed; /* newest first; producers push, the consumer takes all */
	atomic_size_t length;          /* events pushed and not yet popped */
	atomic_bool closed;            /* no more pushes */
	atomic_bool want_events;       /* the consumer waits in pop: a push must signal it */
	struct node *head, *tail;      /* the consumer's own, oldest first */
	pthread_mutex_t lock;          /* for the waits below */
	pthread_cond_t cond;       /* signalled on wake, close, and a push the consumer awaits */
	bool woken;                /* a wake-up not yet consumed; under lock */
	_Atomic uint64_t free_top; /* the free list: a change counter (high 32 bits), the top
	                              node's slot (low 32; 0: empty) */
	atomic_size_t n_free;      /* nodes in the free list */
	struct node *chunks[MAX_CHUNKS]; /* the pool; grown by the consumer only */
	size_t n_chunks;
};

static struct node *pool_node(struct ddns_queue *q, uint32_t slot)
{
	return &q->chunks[(slot - 1) / CHUNK_NODES][(slot - 1) % CHUNK_NODES];
}

/* A node for a push: from the pool, else from malloc; NULL when out of memory. */
static struct node *take_node(struct ddns_queue *q)
{
	uint64_t top = atomic_load(&q->free_top);
	while ((uint32_t)top != 0) {
		struct node *n = pool_node(q, (uint32_t)top);
		uint64_t below = ((top >> 32) + 1) << 32 | atomic_load(&n->free_next);
		if (atomic_compare_exchange_weak(&q->free_top, &top, below)) {
			atomic_fetch_sub(&q->n_free, 1);
			return n;
		}
	}
	struct node *n = malloc(sizeof(*n));
	if (n != NULL)
		n->slot = 0;
	return n;
}

/* Gives a popped node back. Thread: the consumer (and queue_new before any other). */
static void give_node(struct ddns_queue *q, struct node *n)
{
	if (n->slot == 0) {
		free(n);
		return;
	}
	uint64_t top = atomic_load(&q->free_top);
	do
		atomic_store(&n->free_next, (uint32_t)top);
	while (
	    !atomic_compare_exchange_weak(&q->free_top, &top, ((top >> 32) + 1) << 32 | n->slot));
	atomic_fetch_add(&q->n_free, 1);
}

/* Adds chunks until FREE_LOW nodes are free. Writing each node's slot touches every page here,
 * on the consumer's thread, before any producer writes an event there. */
static void fill_pool(struct ddns_queue *q)
{
	while (atomic_load(&q->n_free) < FREE_LOW && q->n_chunks < MAX_CHUNKS) {
		struct node *chunk = malloc(CHUNK_NODES * sizeof(*chunk));
		if (chunk == NULL)
			return;
		uint32_t base = (uint32_t)(q->n_chunks * CHUNK_NODES);
		q->chunks[q->n_chunks++] = chunk;
		for (uint32_t i = 0; i < CHUNK_NODES; i++) {
			chunk[i].slot = base + i + 1;
			give_node(q, &chunk[i]);
		}
	}
}

struct ddns_queue *ddns_queue_new(void)
{
	struct ddns_queue *q = calloc(1, sizeof(*q));
	pthread_condattr_t attr;
	if (q == NULL)
		return NULL;
	atomic_init(&q->pushed, NULL);
	atomic_init(&q->length, 0);
	atomic_init(&q->closed, false);
	atomic_init(&q->want_events, false);
	atomic_init(&q->free_top, 0);
	atomic_init(&q->n_free, 0);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&q->lock, NULL);
	fill_pool(q);
	return q;
}

/* Frees the nodes of a list that came from malloc; the pool's go with their chunks. */
static void free_list(struct node *n)
{
	while (n != NULL) {
		struct node *next = n->next;
		if (n->slot == 0)
			free(n);
		n = next;
	}
}

void ddns_queue_free(struct ddns_queue *q)
{
	if (q == NULL)
		return;
	free_list(q->head);
	free_list(atomic_load(&q->pushed));
	for (size_t i = 0; i < q->n_chunks; i++)
		free(q->chunks[i]);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

int ddns_queue_push(struct ddns_queue *q, const struct ddns_lease_event *ev, uint64_t seq)
{
	if (atomic_load(&q->closed))
		return DDNS_ESHUTDOWN;
	struct node *n = take_node(q);
	if (n == NULL)
		return DDNS_ENOMEM;
	n->seq = seq;
	n->ev = *ev;
	atomic_fetch_add(&q->length, 1);
	n->next = atomic_load(&q->pushed);
	while (!atomic_compare_exchange_weak(&q->pushed, &n->next, n))
		;
	/* Only a consumer waiting for events is signalled: waking one that gathers costs the
	 * producer a futex call and, often, the rest of its time slice. The push above and this
	 * load, and the consumer's store of want_events and its look at the stack, are all
	 * sequentially consistent: one of the two sees the other's. */
	if (atomic_load(&q->want_events)) {
		pthread_mutex_lock(&q->lock);
		pthread_cond_signal(&q->cond);
		pthread_mutex_unlock(&q->lock);
	}
	return DDNS_OK;
}

/* Moves what producers pushed, oldest first, behind the consumer's list. Consumer only. */
static void take_pushed(struct ddns_queue *q)
{
	struct node *newest = atomic_exchange(&q->pushed, NULL), *oldest = NULL;
	if (newest == NULL)
		return;
	struct node *last = newest;
	while (newest != NULL) {
		struct node *next = newest->next;
		newest->next = oldest;
		oldest = newest;
		newest = next;
	}
	if (q->tail != NULL)
		q->tail->next = oldest;
	else
		q->head = oldest;
	q->tail = last;
}

int ddns_queue_pop(struct ddns_queue *q, struct ddns_lease_event *ev, uint64_t *seq,
                   int64_t deadline_ms)
{
	if (q->head == NULL)
		take_pushed(q);
	if (q->head == NULL && deadline_ms != 0) {
		struct timespec ts = ddns_clock_deadline(deadline_ms);
		pthread_mutex_lock(&q->lock);
		atomic_store(&q->want_events, true);
		while (atomic_load(&q->pushed) == NULL && !atomic_load(&q->closed) && !q->woken) {
			if (deadline_ms < 0)
				pthread_cond_wait(&q->cond, &q->lock);
			else if (pthread_cond_timedwait(&q->cond, &q->lock, &ts) != 0)
				break;
		}
		atomic_store(&q->want_events, false);
		q->woken = false;
		pthread_mutex_unlock(&q->lock);
		take_pushed(q);
	}
	struct node *n = q->head;
	if (n == NULL)
		return atomic_load(&q->closed) ? DDNS_ESHUTDOWN : DDNS_ETIMEOUT;
	q->head = n->next;
	if (q->head == NULL)
		q->tail = NULL;
	atomic_fetch_sub(&q->length, 1);
	*ev = n->ev;
	*seq = n->seq;
	give_node(q, n);
	fill_pool(q);
	return DDNS_OK;
}

int ddns_queue_wait(struct ddns_queue *q, int64_t deadline_ms)
{
	pthread_mutex_lock(&q->lock);
	struct timespec ts = ddns_clock_deadline(deadline_ms);
	/* Pushes do not signal (want_events is false here): only a wake, the close or the
	 * deadline ends the wait. */
	while (!q->woken && !atomic_load(&q->closed)) {
		if (deadline_ms < 0)
			pthread_cond_wait(&q->cond, &q->lock);
		else if (pthread_cond_timedwait(&q->cond, &q->lock, &ts) != 0)
			break;
	}
	int rc = atomic_load(&q->closed) ? DDNS_ESHUTDOWN : q->woken ? DDNS_OK : DDNS_ETIMEOUT;
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
	atomic_store(&q->closed, true);
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

size_t ddns_queue_length(struct ddns_queue *q)
{
	return atomic_load(&q->length);
}
