/* SPDX-License-Identifier: MPL-2.0 */
/*
 * A lock-free latency histogram: callers on any thread add durations, a reader asks for a
 * quantile. Buckets are an eighth of a power of two wide, so a quantile is exact to within
 * 12.5 %; it is reported as the bucket's upper bound (never understated).
 */
#ifndef DDNS_UTIL_LATENCY_H
#define DDNS_UTIL_LATENCY_H

#include <stdatomic.h>
#include <stdint.h>

#define DDNS_LATENCY_BUCKETS 496

struct ddns_latency {
	atomic_uint_fast64_t count[DDNS_LATENCY_BUCKETS];
};

/* Counts one duration of ns nanoseconds. Thread: any. */
void ddns_latency_add(struct ddns_latency *lat, uint64_t ns);

/* The duration that permille thousandths of those counted do not exceed (500: the median, 990:
 * p99); 0 when none were counted. */
uint64_t ddns_latency_quantile(const struct ddns_latency *lat, unsigned permille);

#endif
