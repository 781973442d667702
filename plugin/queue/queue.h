/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The hand-off from Kea's threads to the engine's worker: a FIFO of lease events. Pushing copies
 * the event into a node the consumer prepared and links it without a lock; it signals only a
 * consumer waiting in ddns_queue_pop. Nodes are kept for reuse: the queue holds on to memory for
 * the most events it ever held at once (about 610 bytes each), until it is freed.
 */
#ifndef DDNS_QUEUE_H
#define DDNS_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddns/lease.h"

struct ddns_queue;

/* Returns a new empty queue or NULL when out of memory. */
struct ddns_queue *ddns_queue_new(void);

/* Frees the queue and any events still in it; NULL is ignored. No thread may be using it. */
void ddns_queue_free(struct ddns_queue *q);

/* Copies ev, with its journal sequence number, to the tail. Returns DDNS_OK, DDNS_ESHUTDOWN after
 * close, DDNS_ENOMEM. Never waits for another thread. Thread: any. */
int ddns_queue_push(struct ddns_queue *q, const struct ddns_lease_event *ev, uint64_t seq);

/*
 * Moves the head into *ev and its sequence number into *seq. Waits until an event arrives, the
 * queue is closed, or the monotonic clock (milliseconds, see ddns_clock_now_ms) reaches deadline_ms
 * (< 0: no deadline). Returns DDNS_OK, DDNS_ETIMEOUT, or DDNS_ESHUTDOWN when closed and empty.
 * Thread: the single consumer.
 */
int ddns_queue_pop(struct ddns_queue *q, struct ddns_lease_event *ev, uint64_t *seq,
                   int64_t deadline_ms);

/* Waits, without taking an event, until ddns_queue_wake, the close, or deadline_ms (as for pop).
 * Returns DDNS_OK when woken, DDNS_ESHUTDOWN once closed, DDNS_ETIMEOUT at the deadline. Pushes
 * do not end the wait, nor signal anyone meanwhile. Thread: the single consumer. */
int ddns_queue_wait(struct ddns_queue *q, int64_t deadline_ms);

/* Wakes the consumer without an event (for example to recheck its state). Thread: any. */
void ddns_queue_wake(struct ddns_queue *q);

/* Refuses further pushes and wakes the consumer. Thread: any. */
void ddns_queue_close(struct ddns_queue *q);

/* Number of events waiting. Thread: any. */
size_t ddns_queue_length(struct ddns_queue *q);

#endif
