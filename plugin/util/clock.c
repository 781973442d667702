/* SPDX-License-Identifier: MPL-2.0 */
#include <stdatomic.h>

#include "util/clock.h"

/* What tests moved the clocks forward by, in milliseconds. */
static atomic_int_fast64_t skew_ms;

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ddns_clock_now_ms(void)
{
	return monotonic_ms() + atomic_load_explicit(&skew_ms, memory_order_relaxed);
}

int64_t ddns_clock_wall_s(void)
{
	return (int64_t)time(NULL) + atomic_load_explicit(&skew_ms, memory_order_relaxed) / 1000;
}

struct timespec ddns_clock_deadline(int64_t deadline_ms)
{
	int64_t real = deadline_ms - atomic_load_explicit(&skew_ms, memory_order_relaxed);
	if (real < 0)
		real = 0;
	return (struct timespec){real / 1000, (real % 1000) * 1000000};
}

void ddns_clock_advance(int64_t ms)
{
	atomic_fetch_add(&skew_ms, ms);
}
