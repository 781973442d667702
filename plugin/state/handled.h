/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Which lease events are handled, by sequence number: every number below a mark, plus ranges above
 * it. Kea's threads number events in the order they reach the journal but may queue them in a
 * slightly different one, and events read back after a restart come before new ones, so the
 * worker finishes them nearly, not exactly, in order: the ranges stay few. An events segment whose
 * numbers are all below the mark is no longer needed. Thread: the one owner (the worker).
 */
#ifndef DDNS_STATE_HANDLED_H
#define DDNS_STATE_HANDLED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ddns_seq_range {
	uint64_t first, last; /* inclusive */
};

struct ddns_handled {
	uint64_t below;                /* every number below it is handled */
	struct ddns_seq_range *ranges; /* handled numbers above below, sorted, disjoint, not
	                                  adjacent to each other or to below */
	size_t n, cap;
};

/* Storage the caller owns: nothing handled yet, numbers start at first. */
void ddns_handled_init(struct ddns_handled *h, uint64_t first);

/* Frees the ranges. */
void ddns_handled_deinit(struct ddns_handled *h);

/* Marks seq handled. Returns false only when out of memory (seq then stays unhandled: its event
 * is replayed at the next start, and segments from it on are kept). */
bool ddns_handled_add(struct ddns_handled *h, uint64_t seq);

/* Marks first..last handled (inclusive); false when out of memory. */
bool ddns_handled_add_range(struct ddns_handled *h, uint64_t first, uint64_t last);

/* Whether seq is handled. */
bool ddns_handled_has(const struct ddns_handled *h, uint64_t seq);

#endif
