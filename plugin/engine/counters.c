/* SPDX-License-Identifier: MPL-2.0 */
#include <string.h>

#include "engine/counters.h"

uint64_t ddns_counters_add(struct ddns_counters *c, size_t offset, uint64_t n)
{
	uint64_t *counter = (uint64_t *)((char *)&c->s + offset);
	pthread_mutex_lock(&c->lock);
	uint64_t before = *counter;
	*counter = before + n;
	pthread_mutex_unlock(&c->lock);
	return before;
}

struct ddns_engine_stats ddns_counters_get(struct ddns_counters *c)
{
	pthread_mutex_lock(&c->lock);
	struct ddns_engine_stats copy = c->s;
	pthread_mutex_unlock(&c->lock);
	return copy;
}

void ddns_counters_init(struct ddns_counters *c)
{
	memset(&c->s, 0, sizeof(c->s));
	pthread_mutex_init(&c->lock, NULL);
}

void ddns_counters_deinit(struct ddns_counters *c)
{
	pthread_mutex_destroy(&c->lock);
}
