/* SPDX-License-Identifier: MPL-2.0 */
#include "util/latency.h"

/* Values below 4 get a bucket each; above, each power of two [2^k, 2^(k+1)) is split in four. */
static unsigned bucket_of(uint64_t ns)
{
	if (ns < 4)
		return (unsigned)ns;
	unsigned k = 63u - (unsigned)__builtin_clzll(ns);
	unsigned quarter = (unsigned)(ns >> (k - 2)) & 3u;
	return 4u + (k - 2u) * 4u + quarter;
}

static uint64_t bucket_upper(unsigned b)
{
	if (b < 4)
		return b;
	unsigned k = (b - 4u) / 4u + 2u, quarter = (b - 4u) % 4u;
	uint64_t width = UINT64_C(1) << (k - 2u);
	return (4u + quarter) * width + (width - 1u);
}

void ddns_latency_add(struct ddns_latency *lat, uint64_t ns)
{
	atomic_fetch_add_explicit(&lat->count[bucket_of(ns)], 1, memory_order_relaxed);
}

uint64_t ddns_latency_quantile(const struct ddns_latency *lat, unsigned permille)
{
	uint64_t total = 0, seen = 0;
	for (unsigned b = 0; b < DDNS_LATENCY_BUCKETS; b++)
		total += atomic_load_explicit(&lat->count[b], memory_order_relaxed);
	if (total == 0)
		return 0;
	uint64_t want = (total * permille + 999u) / 1000u;
	for (unsigned b = 0; b < DDNS_LATENCY_BUCKETS; b++) {
		seen += atomic_load_explicit(&lat->count[b], memory_order_relaxed);
		if (seen >= want)
			return bucket_upper(b);
	}
	return bucket_upper(DDNS_LATENCY_BUCKETS - 1);
}
