/* SPDX-License-Identifier: MPL-2.0 */
#include "util/latency.h"

/* Values below 8 get a bucket each; above, each power of two [2^k, 2^(k+1)) is split in eight. */
static unsigned bucket_of(uint64_t ns)
{
	if (ns < 8)
		return (unsigned)ns;
	unsigned k = 63u - (unsigned)__builtin_clzll(ns);
	unsigned eighth = (unsigned)(ns >> (k - 3)) & 7u;
	return 8u + (k - 3u) * 8u + eighth;
}

static uint64_t bucket_upper(unsigned b)
{
	if (b < 8)
		return b;
	unsigned k = (b - 8u) / 8u + 3u, eighth = (b - 8u) % 8u;
	uint64_t width = UINT64_C(1) << (k - 3u);
	return (8u + eighth) * width + (width - 1u);
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
