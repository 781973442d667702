/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The state-dir store on its own: which events are handled, the field encoding, events spilled
 * across segments, a newer release's files left alone. (Bounded files and kills: test_compaction.)
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddns/error.h"
#include "fake_dns.h"
#include "support.h"
#include "state/codec.h"
#include "state/handled.h"
#include "state/journal.h"
#include "state/store.h"
#include "util/clock.h"
#include "util/log.h"

static void handled_marks_and_ranges(void **state)
{
	struct ddns_handled h;
	(void)state;
	ddns_handled_init(&h, 1);
	assert_true(ddns_handled_add(&h, 1));
	assert_true(ddns_handled_add(&h, 2));
	assert_int_equal(h.below, 3);
	assert_int_equal(h.n, 0);
	/* Out of order: 5 and 4 wait above the mark until 3 comes. */
	assert_true(ddns_handled_add(&h, 5));
	assert_true(ddns_handled_add(&h, 7));
	assert_true(ddns_handled_add(&h, 4));
	assert_int_equal(h.n, 2);
	assert_false(ddns_handled_has(&h, 3));
	assert_true(ddns_handled_has(&h, 4));
	assert_false(ddns_handled_has(&h, 6));
	assert_true(ddns_handled_add(&h, 3));
	assert_int_equal(h.below, 6);
	assert_int_equal(h.n, 1);
	assert_true(ddns_handled_add(&h, 6));
	assert_int_equal(h.below, 8);
	assert_int_equal(h.n, 0);
	/* Ranges merge with what they touch; numbers below the mark change nothing. */
	assert_true(ddns_handled_add_range(&h, 20, 30));
	assert_true(ddns_handled_add_range(&h, 10, 12));
	assert_true(ddns_handled_add_range(&h, 13, 19));
	assert_true(ddns_handled_add(&h, 2));
	assert_int_equal(h.n, 1);
	assert_int_equal(h.ranges[0].first, 10);
	assert_int_equal(h.ranges[0].last, 30);
	assert_true(ddns_handled_add_range(&h, 5, 9));
	assert_int_equal(h.below, 31);
	assert_int_equal(h.n, 0);
	ddns_handled_deinit(&h);
}

static void codec_round_trip_and_bounds(void **state)
{
	uint8_t buf[64];
	char s[8];
	uint8_t blob[6];
	(void)state;
	struct ddns_writer w = {buf, sizeof(buf), 0, false};
	ddns_put_uint(&w, 0);
	ddns_put_uint(&w, 300);
	ddns_put_uint(&w, UINT64_MAX);
	ddns_put_int(&w, -5);
	ddns_put_int(&w, INT64_MIN);
	ddns_put_str(&w, "host");
	ddns_put_blob(&w, (const uint8_t *)"\1\2\0\0\0\0", 6);
	ddns_put_blob(&w, (const uint8_t *)"\0\0\0\0\0\0", 6);
	assert_false(w.overflow);
	assert_int_equal(w.len, 1 + 2 + 10 + 1 + 10 + 5 + 3 + 1);
	struct ddns_reader r = {buf, w.len, 0, false};
	assert_int_equal(ddns_get_uint(&r), 0);
	assert_int_equal(ddns_get_uint(&r), 300);
	assert_true(ddns_get_uint(&r) == UINT64_MAX);
	assert_int_equal(ddns_get_int(&r), -5);
	assert_true(ddns_get_int(&r) == INT64_MIN);
	ddns_get_str(&r, s, sizeof(s));
	assert_string_equal(s, "host");
	ddns_get_blob(&r, blob, sizeof(blob));
	assert_memory_equal(blob, "\1\2\0\0\0\0", 6);
	ddns_get_blob(&r, blob, sizeof(blob));
	assert_memory_equal(blob, "\0\0\0\0\0\0", 6);
	assert_false(r.bad);
	assert_int_equal(r.at, w.len);
	/* Past the end, a string too long for its buffer, a writer without room: flagged. */
	ddns_get_uint(&r);
	assert_true(r.bad);
	struct ddns_reader long_str = {(const uint8_t *)"\x09toolong!!", 10, 0, false};
	ddns_get_str(&long_str, s, sizeof(s));
	assert_true(long_str.bad);
	assert_string_equal(s, "");
	struct ddns_writer small = {buf, 3, 0, false};
	ddns_put_str(&small, "host");
	assert_true(small.overflow);
}

/* A load that must hand back nothing. */
static void no_published(void *ctx, int version, int family, const uint8_t *address,
                         const uint8_t *blob, size_t len)
{
	fail_msg("a published entry was loaded");
}

static bool no_job(void *ctx, int version, uint64_t id, const uint8_t *blob, size_t len,
                   unsigned moved_on)
{
	fail_msg("a job was loaded");
	return false;
}

static void no_event(void *ctx, int version, uint64_t seq, const uint8_t *blob, size_t len)
{
	fail_msg("an event was loaded");
}

static const struct ddns_store_loader nothing = {no_published, no_job, no_event, NULL};

static void no_fill(void *ctx, struct ddns_store_snapshot *w)
{
	(void)ctx, (void)w;
}

struct spilled {
	uint64_t seqs[400];
	size_t n;
};

static void got_spilled(void *ctx, int version, uint64_t seq, const uint8_t *blob, size_t len)
{
	struct spilled *s = ctx;
	assert_int_equal(version, DDNS_STORE_FORMAT);
	assert_true(s->n < 400);
	assert_int_equal(strtoull((const char *)blob, NULL, 10), seq);
	s->seqs[s->n++] = seq;
}

static void events_spilled_across_segments_come_back_in_order(void **state)
{
	char dir[64];
	int files;
	static const struct ddns_store_limits small = {1024, 4096, 0};
	struct ddns_store *s;
	struct spilled back = {0};
	(void)state;
	fake_state_dir(dir);
	assert_int_equal(ddns_store_open(dir, &small, &nothing, no_fill, NULL, &s), DDNS_OK);
	/* 300 events on disk only (the memory queue is full), over several segments. */
	for (uint64_t i = 1; i <= 300; i++) {
		char text[8];
		uint64_t seq;
		bool spilled;
		snprintf(text, sizeof(text), "%llu", (unsigned long long)i);
		assert_int_equal(ddns_store_event(s, (const uint8_t *)text, strlen(text) + 1, true,
		                                  &seq, &spilled),
		                 DDNS_OK);
		assert_true(spilled);
		assert_int_equal(seq, i);
		ddns_store_maintain(s, no_fill, NULL);
	}
	fake_state_dir_bytes(dir, &files);
	assert_true(files > 4);
	/* Read back 64 at a time, in order, across the segments; each handled as it comes. */
	size_t n;
	while ((n = ddns_store_unspill(s, 64, got_spilled, &back)) > 0) {
		assert_true(n <= 64);
		for (size_t i = back.n - n; i < back.n; i++)
			assert_int_equal(ddns_store_handled(s, back.seqs[i]), DDNS_OK);
	}
	assert_int_equal(back.n, 300);
	for (size_t i = 0; i < back.n; i++)
		assert_int_equal(back.seqs[i], i + 1);
	/* All handled: the segments go, but for the current one. */
	assert_int_equal(ddns_store_flush(s), DDNS_OK);
	ddns_store_maintain(s, no_fill, NULL);
	fake_state_dir_bytes(dir, &files);
	assert_int_equal(files, 2);
	ddns_store_free(s);
	fake_state_dir_remove(dir);
}

/* Kea's threads appending while the worker reads spilled events back, turns segments and deletes
 * them: every event comes back exactly once (and ThreadSanitizer watches the locking). */
#define APPENDERS    4
#define PER_APPENDER 3000

struct appender {
	struct ddns_store *store;
	int failures;
};

static void *append_events(void *arg)
{
	struct appender *a = arg;
	for (int i = 0; i < PER_APPENDER; i++) {
		char text[16];
		uint64_t seq;
		bool spilled;
		snprintf(text, sizeof(text), "e%d", i);
		a->failures += ddns_store_event(a->store, (const uint8_t *)text, strlen(text) + 1,
		                                true, &seq, &spilled) != DDNS_OK ||
		               !spilled;
	}
	return NULL;
}

struct seen_seqs {
	uint8_t *times; /* by seq */
	size_t n;
	struct ddns_store *store;
};

static void read_back(void *ctx, int version, uint64_t seq, const uint8_t *blob, size_t len)
{
	struct seen_seqs *s = ctx;
	if (seq > 0 && seq <= APPENDERS * PER_APPENDER)
		s->times[seq]++;
	s->n++;
	ddns_store_handled(s->store, seq);
}

static void appends_from_many_threads_while_segments_turn(void **state)
{
	char dir[64];
	int files;
	static const struct ddns_store_limits tiny = {2048, 4096, 0};
	struct ddns_store *s;
	pthread_t threads[APPENDERS];
	struct appender appenders[APPENDERS];
	(void)state;
	fake_state_dir(dir);
	assert_int_equal(ddns_store_open(dir, &tiny, &nothing, no_fill, NULL, &s), DDNS_OK);
	struct seen_seqs seen = {calloc(APPENDERS * PER_APPENDER + 1, 1), 0, s};
	for (int i = 0; i < APPENDERS; i++) {
		appenders[i] = (struct appender){s, 0};
		assert_int_equal(pthread_create(&threads[i], NULL, append_events, &appenders[i]),
		                 0);
	}
	/* The worker's part, until every event has come back (or a minute has passed: the
	 * appenders may wait long for a CPU on a busy host, the worker spinning beside them). */
	time_t give_up = time(NULL) + 60;
	while (seen.n < APPENDERS * PER_APPENDER && time(NULL) < give_up) {
		ddns_store_unspill(s, 100, read_back, &seen);
		assert_int_equal(ddns_store_flush(s), DDNS_OK);
		ddns_store_maintain(s, no_fill, NULL);
	}
	for (int i = 0; i < APPENDERS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(appenders[i].failures, 0);
	}
	assert_int_equal(seen.n, APPENDERS * PER_APPENDER);
	for (size_t seq = 1; seq <= APPENDERS * PER_APPENDER; seq++)
		assert_int_equal(seen.times[seq], 1);
	/* Everything handled: the segments went as the worker went along. */
	assert_int_equal(ddns_store_flush(s), DDNS_OK);
	ddns_store_maintain(s, no_fill, NULL);
	fake_state_dir_bytes(dir, &files);
	assert_int_equal(files, 2);
	ddns_store_free(s);
	free(seen.times);
	fake_state_dir_remove(dir);
}

static void capture(void *ctx, enum ddns_log_level level, const char *id, const char *line)
{
	(void)level, (void)line;
	if (strcmp(id, "DDNS_DIRECT_STATE_FORMAT_UNKNOWN") == 0)
		(*(int *)ctx)++;
}

static void a_newer_format_is_refused_and_left_alone(void **state)
{
	char dir[64], path[128];
	int files, refusals = 0;
	struct ddns_store *s = NULL;
	(void)state;
	fake_state_dir(dir);
	snprintf(path, sizeof(path), "%s/state", dir);
	struct ddns_journal j;
	assert_int_equal(ddns_journal_open(&j, path), DDNS_OK);
	uint8_t type = 7;                        /* FORMAT */
	const void *payload = "ddns-direct\x63"; /* version 99 */
	size_t len = 12;
	assert_int_equal(ddns_journal_append(&j, 1, &type, &payload, &len), DDNS_OK);
	type = 42; /* a kind this release does not know */
	payload = "future";
	len = 6;
	assert_int_equal(ddns_journal_append(&j, 1, &type, &payload, &len), DDNS_OK);
	ddns_journal_close(&j);
	uint64_t before = fake_state_dir_bytes(dir, &files);
	ddns_log_set_sink(capture, &refusals);
	assert_int_equal(ddns_store_open(dir, NULL, &nothing, no_fill, NULL, &s), DDNS_EFORMAT);
	ddns_log_set_sink(NULL, NULL);
	assert_null(s);
	assert_int_equal(refusals, 1);
	int files_after;
	assert_int_equal(fake_state_dir_bytes(dir, &files_after), before);
	assert_int_equal(files_after, files);
	fake_state_dir_remove(dir);
}

static void count_released(void *ctx, enum ddns_log_level level, const char *id, const char *line)
{
	*(int *)ctx += strcmp(id, "DDNS_DIRECT_STATE_RESERVE_RELEASED") == 0;
}

/* The reserve is held while there is room, given back (logged once) when a write fails, and held
 * again once the disk takes writes. */
static void the_reserve_is_given_back_when_writes_fail(void **state)
{
	char dir[64], reserve[128];
	static const struct ddns_store_limits held = {0, 0, 1 << 20};
	struct ddns_store *s;
	struct stat st;
	int released = 0;
	(void)state;
	fake_state_dir(dir);
	snprintf(reserve, sizeof(reserve), "%s/reserve", dir);
	assert_int_equal(ddns_store_open(dir, &held, &nothing, no_fill, NULL, &s), DDNS_OK);
	assert_int_equal(stat(reserve, &st), 0);
	assert_int_equal(st.st_size, 1 << 20);
	assert_true(st.st_blocks * 512 >= (1 << 20));
	ddns_log_set_sink(count_released, &released);
	/* No file may grow: the state file's next write fails, the reserve goes. */
	struct rlimit none = {1, RLIM_INFINITY}, any = {RLIM_INFINITY, RLIM_INFINITY};
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &none), 0);
	uint64_t id;
	ddns_store_job(s, (const uint8_t *)"job", 3, &id);
	assert_int_not_equal(ddns_store_flush(s), DDNS_OK);
	ddns_clock_advance(1000);
	ddns_store_maintain(s, no_fill, NULL);
	assert_int_equal(released, 1);
	assert_int_not_equal(stat(reserve, &st), 0);
	assert_true(ddns_store_retry_at(s) >= 0);
	/* Writes work again: the state is written in full, and the reserve is held again. */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &any), 0);
	ddns_clock_advance(1000);
	ddns_store_maintain(s, no_fill, NULL);
	assert_int_equal(ddns_store_retry_at(s), -1);
	ddns_clock_advance(1000);
	ddns_store_maintain(s, no_fill, NULL);
	assert_int_equal(stat(reserve, &st), 0);
	ddns_log_set_sink(NULL, NULL);
	ddns_store_free(s);
	fake_state_dir_remove(dir);
}

/* Kea's threads append events into pages made ready beforehand; writing them to disk (once a
 * second) write-protects them, and the store makes them writable again, so that the appends after
 * a sync take no page fault either. (On tmpfs, where the roots of other Kea versions keep /tmp,
 * nothing is ever written back and this holds trivially.) */
static void appends_after_a_sync_take_no_page_fault(void **state)
{
	char dir[64], blob[100];
	struct ddns_store *s;
	uint64_t seq;
	bool spilled;
	(void)state;
	if (!page_faults_are_countable())
		skip();
	fake_state_dir(dir);
	memset(blob, 'e', sizeof(blob));
	assert_int_equal(ddns_store_open(dir, NULL, &nothing, no_fill, NULL, &s), DDNS_OK);
	ddns_store_maintain(s, no_fill, NULL);
	for (int round = 0; round < 3; round++) {
		ddns_store_sync(s);
		long before = thread_minor_faults();
		for (int i = 0; i < 200; i++)
			assert_int_equal(ddns_store_event(s, (const uint8_t *)blob, sizeof(blob),
			                                  false, &seq, &spilled),
			                 DDNS_OK);
		assert_int_equal(thread_minor_faults() - before, 0);
	}
	ddns_store_free(s);
	fake_state_dir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(handled_marks_and_ranges),
	    cmocka_unit_test(codec_round_trip_and_bounds),
	    cmocka_unit_test(events_spilled_across_segments_come_back_in_order),
	    cmocka_unit_test(a_newer_format_is_refused_and_left_alone),
	    cmocka_unit_test(appends_from_many_threads_while_segments_turn),
	    cmocka_unit_test(the_reserve_is_given_back_when_writes_fail),
	    cmocka_unit_test(appends_after_a_sync_take_no_page_fault),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
