/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Which owed changes go out now, and together: one pass over the owed list in arrival order puts
 * every due change whose zone has no batch out, and whose name has no earlier change owed, into
 * the batch of its zone, one batch per free sender; a change still lingering joins a batch a due
 * one has opened. Zones are compared by a key from the locator. Thread: the engine's worker only;
 * no lock, no sleep, so a unit test can drive it alone.
 */
#ifndef DDNS_ENGINE_DISPATCH_H
#define DDNS_ENGINE_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "discovery/locate.h"
#include "engine/owed.h"

/* Batches out at once: the engine's sender threads. Updates to different zones go out
 * concurrently, one zone at a time each, so a zone whose servers do not answer holds one sender
 * while the others serve every other zone. */
#define DDNS_SENDERS 4

/* A new change waits this long for others to its zone before it goes out, so that under load
 * messages are full and the DNS server's cost per change falls. At 2,000 leases/s, 100 ms instead
 * of 25 ms halves the messages and takes about a quarter off named's CPU per lease (and a sixth
 * off the engine's); a tenth of a second is nothing to a DHCP client. */
#define DDNS_LINGER_MS 100

struct ddns_dispatcher {
	struct ddns_locator *locator;       /* borrowed: keys of zones */
	uint64_t running_key[DDNS_SENDERS]; /* the key of each batch out */
	bool slot_used[DDNS_SENDERS];       /* which running_key entries are in use */
	uint64_t *seen;    /* the pass's set of name hashes owed earlier in the list */
	size_t seen_slots; /* its size: a power of two, at least 4 * owed (two names a job) */
};

/* Storage the caller owns, over locator (borrowed). */
void ddns_dispatcher_init(struct ddns_dispatcher *d, struct ddns_locator *locator);
void ddns_dispatcher_deinit(struct ddns_dispatcher *d);

/*
 * One pass at now_ms with free_senders (at most DDNS_SENDERS) senders free: stores the first job
 * of each new batch in batches (the rest linked by bnext; each job taken from the schedule with
 * ddns_owed_take, its slot set) and returns how many. 0 when nothing can go (also when out of
 * memory for the pass; the next pass tries again).
 */
size_t ddns_dispatch(struct ddns_dispatcher *d, struct ddns_owed *o, size_t free_senders,
                     int64_t now_ms, struct job **batches);

/* The batch in slot came back: its zone may have another batch out. */
void ddns_dispatch_done(struct ddns_dispatcher *d, int slot);

#endif
