/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The periodic summary line alone: time is the now_ms each call is given, the counters are set
 * by hand. Idle intervals print nothing; a busy one prints what changed in it, once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "engine/summary.h"
#include "support.h"

struct fixture {
	struct ddns_counters counters;
	struct ddns_summary summary;
	struct log_capture log;
};

static int setup(void **state)
{
	static struct fixture fx;
	ddns_counters_init(&fx.counters);
	ddns_summary_init(&fx.summary, 60);
	log_capture_start(&fx.log);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	log_capture_stop(&fx->log);
	return 0;
}

static void nothing_happened_nothing_said(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(ddns_summary_tick(&fx->summary, &fx->counters, 0, 1000), -1);
	assert_int_equal(ddns_summary_tick(&fx->summary, &fx->counters, 0, 500000), -1);
	assert_int_equal(log_capture_count(&fx->log, "DDNS_DIRECT_SUMMARY"), 0);
}

/* The interval starts with the first activity; the line comes when it ends, once, with the
 * differences; the next quiet interval says nothing. */
static void a_busy_interval_is_reported_once(void **state)
{
	struct fixture *fx = *state;
	DDNS_COUNT(&fx->counters, events, 1);
	assert_int_equal(ddns_summary_tick(&fx->summary, &fx->counters, 2, 10000), 70000);
	DDNS_COUNT(&fx->counters, events, 2);
	DDNS_COUNT(&fx->counters, succeeded, 6);
	DDNS_COUNT(&fx->counters, failed, 1);
	DDNS_COUNT(&fx->counters, conflicts, 1);
	DDNS_COUNT(&fx->counters, retries, 2);
	assert_int_equal(ddns_summary_tick(&fx->summary, &fx->counters, 4, 69999), 70000);
	assert_int_equal(log_capture_count(&fx->log, "DDNS_DIRECT_SUMMARY"), 0);
	assert_int_equal(ddns_summary_tick(&fx->summary, &fx->counters, 4, 70000), -1);
	assert_true(log_capture_has_line(
	    &fx->log, "DDNS_DIRECT_SUMMARY",
	    "last 60 s: 3 lease events, 6 record changes applied, 1 given up (1 conflicts), 2 "
	    "retries, 0 names refused; 4 changes owed"));
	assert_int_equal(ddns_summary_tick(&fx->summary, &fx->counters, 4, 200000), -1);
	assert_int_equal(log_capture_count(&fx->log, "DDNS_DIRECT_SUMMARY"), 1);
	/* Only what happened since the last line counts in the next. */
	DDNS_COUNT(&fx->counters, succeeded, 1);
	assert_int_equal(ddns_summary_tick(&fx->summary, &fx->counters, 0, 300000), 360000);
	assert_int_equal(ddns_summary_tick(&fx->summary, &fx->counters, 0, 360001), -1);
	assert_true(log_capture_has_line(&fx->log, "DDNS_DIRECT_SUMMARY",
	                                 "last 60 s: 0 lease events, 1 record changes applied"));
}

static void interval_zero_is_silent(void **state)
{
	struct fixture *fx = *state;
	ddns_summary_init(&fx->summary, 0);
	DDNS_COUNT(&fx->counters, events, 5);
	assert_int_equal(ddns_summary_tick(&fx->summary, &fx->counters, 5, 1000), -1);
	assert_int_equal(ddns_summary_tick(&fx->summary, &fx->counters, 5, 10000000), -1);
	assert_int_equal(log_capture_count(&fx->log, "DDNS_DIRECT_SUMMARY"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(nothing_happened_nothing_said, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_busy_interval_is_reported_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(interval_zero_is_silent, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
