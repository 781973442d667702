/* SPDX-License-Identifier: MPL-2.0 */
/*
 * A small pool of threads that run work items handed to them and hand them back: the engine's
 * senders. Items are intrusive (a link inside the caller's struct), so handing over allocates
 * nothing. The threads run at a lower priority than the host's, so that DHCP wins when the CPU is
 * short. Submit and collect are meant for one owning thread (the engine's worker).
 */
#ifndef DDNS_ENGINE_POOL_H
#define DDNS_ENGINE_POOL_H

#include <stddef.h>

struct ddns_pool_item {
	struct ddns_pool_item *next; /* the pool's link while it holds the item */
};

/* Runs one item; called on a pool thread, with no lock held. */
typedef void (*ddns_pool_run_fn)(void *ctx, struct ddns_pool_item *item);

/* Told that an item is ready to be collected; called on a pool thread, with no lock held. */
typedef void (*ddns_pool_done_fn)(void *ctx);

struct ddns_pool;

/*
 * Starts threads threads that call run for each submitted item, then done. ctx is borrowed and
 * passed to both. Stores the pool in *out and returns DDNS_OK, or DDNS_ENOMEM or an errno value
 * (negative) when a thread cannot start (none is left running then). Thread: any.
 */
int ddns_pool_start(size_t threads, ddns_pool_run_fn run, ddns_pool_done_fn done, void *ctx,
                    struct ddns_pool **out);

/* Hands item (borrowed until collected) to the first free thread. Thread: the owner. */
void ddns_pool_submit(struct ddns_pool *pool, struct ddns_pool_item *item);

/* Takes back every item run since the last call, as a list linked by next (NULL: none). Thread:
 * the owner. */
struct ddns_pool_item *ddns_pool_collect(struct ddns_pool *pool);

/* Threads with no item submitted and not yet collected. Thread: any. */
size_t ddns_pool_idle(struct ddns_pool *pool);

/* Items submitted and not yet collected. Thread: any. */
size_t ddns_pool_busy(struct ddns_pool *pool);

/* Lets each thread finish its current item, joins them and frees the pool; items not run are the
 * caller's again. NULL is ignored. Thread: the owner. */
void ddns_pool_free(struct ddns_pool *pool);

/* Names the calling thread (at most 15 characters: what ps, top and /proc show; the benchmark
 * finds the plugin's threads by it) and lowers its priority below the host's (logged when it
 * cannot). Thread: any, on itself. */
void ddns_pool_enter_thread(const char *name);

#endif
