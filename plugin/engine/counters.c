/* SPDX-License-Identifier: MPL-2.0 */
#include <string.h>

#include "engine/counters.h"

/* Every member of struct ddns_engine_stats is a uint64_t, so the struct is read word by word. */
_Static_assert(sizeof(struct ddns_engine_stats) % sizeof(uint64_t) == 0,
               "struct ddns_engine_stats holds only uint64_t counters");

uint64_t ddns_counters_add(struct ddns_counters *c, size_t offset, uint64_t n)
{
	uint64_t *counter = (uint64_t *)((char *)&c->s + offset);
	return __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

struct ddns_engine_stats ddns_counters_get(struct ddns_counters *c)
{
	struct ddns_engine_stats copy;
	uint64_t *from = (uint64_t *)&c->s, *to = (uint64_t *)&copy;
	for (size_t i = 0; i < sizeof(copy) / sizeof(uint64_t); i++)
		to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
	return copy;
}

void ddns_counters_init(struct ddns_counters *c)
{
	memset(&c->s, 0, sizeof(c->s));
}
