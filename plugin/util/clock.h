/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The plugin's one clock: monotonic milliseconds for deadlines, retries and cache lifetimes, and
 * wall-clock seconds for lease ends and TSIG times. Both can be moved forward by a test (the seam),
 * so that a unit test sees a cache entry or a lease end without waiting for it.
 */
#ifndef DDNS_UTIL_CLOCK_H
#define DDNS_UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic clock in milliseconds: the time base of every deadline. Thread: any. */
int64_t ddns_clock_now_ms(void);

/* Seconds since the epoch (lease ends, TSIG "time signed"). Thread: any. */
int64_t ddns_clock_wall_s(void);

/*
 * The CLOCK_MONOTONIC time at which ddns_clock_now_ms() reaches deadline_ms, for waits on a
 * condition variable set to that clock. Thread: any.
 */
struct timespec ddns_clock_deadline(int64_t deadline_ms);

/*
 * Test seam: moves both clocks ms milliseconds forward for every caller from now on. Waits on
 * condition variables end correspondingly earlier. Never called by the plugin itself. Thread: any.
 */
void ddns_clock_advance(int64_t ms);

#endif
