/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The hand-off from Kea's threads: concurrent producers (as with Kea's multi-threading), one
 * consumer; nothing lost, each producer's events in order, close wakes the consumer. Run under
 * ThreadSanitizer by `make tsan`.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "ddns/engine.h"
#include "fake_dns.h"
#include "support.h"
#include "queue/queue.h"
#include "util/clock.h"

#define PRODUCERS    4
#define PER_PRODUCER 5000

static atomic_int push_failures;

struct producer {
	struct ddns_queue *q;
	int id;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	for (int i = 0; i < PER_PRODUCER; i++) {
		struct ddns_lease_event ev = {.family = AF_INET};
		ev.address[0] = (uint8_t)p->id;
		memcpy(ev.address + 1, &i, sizeof(i));
		if (ddns_queue_push(p->q, &ev, (uint64_t)i) != DDNS_OK)
			atomic_fetch_add(&push_failures, 1);
	}
	return NULL;
}

static void concurrent_producers_lose_nothing(void **state)
{
	(void)state;
	struct ddns_queue *q = ddns_queue_new();
	pthread_t threads[PRODUCERS];
	struct producer ps[PRODUCERS];
	int next[PRODUCERS] = {0};
	for (int i = 0; i < PRODUCERS; i++) {
		ps[i] = (struct producer){q, i};
		pthread_create(&threads[i], NULL, produce, &ps[i]);
	}
	for (int n = 0; n < PRODUCERS * PER_PRODUCER; n++) {
		struct ddns_lease_event ev;
		uint64_t seq;
		assert_int_equal(ddns_queue_pop(q, &ev, &seq, ddns_clock_now_ms() + 10000),
		                 DDNS_OK);
		int id = ev.address[0], i;
		memcpy(&i, ev.address + 1, sizeof(i));
		assert_int_equal(i, next[id]);
		assert_int_equal(seq, (uint64_t)i);
		next[id]++;
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(threads[i], NULL);
	assert_int_equal(atomic_load(&push_failures), 0);
	assert_int_equal(ddns_queue_length(q), 0);
	ddns_queue_close(q);
	struct ddns_lease_event ev;
	uint64_t seq;
	assert_int_equal(ddns_queue_pop(q, &ev, &seq, -1), DDNS_ESHUTDOWN);
	assert_int_equal(ddns_queue_push(q, &ev, 0), DDNS_ESHUTDOWN);
	ddns_queue_free(q);
}

/* What a producer thread's pushes cost it in page faults, after a first push has touched its
 * stack. */
struct faults {
	struct ddns_queue *q;
	long minor;
	int first; /* what the first push returned */
};

static void *push_and_count_faults(void *arg)
{
	struct faults *f = arg;
	struct ddns_lease_event ev = {.family = AF_INET};
	f->first = ddns_queue_push(f->q, &ev, 0);
	long before = thread_minor_faults();
	for (int i = 0; i < 1000; i++)
		ddns_queue_push(f->q, &ev, (uint64_t)i);
	f->minor = thread_minor_faults() - before;
	return NULL;
}

/* A push writes into memory the consumer touched beforehand: a Kea thread's callout never takes a
 * page fault for it (1,000 events from malloc are over 600 KB of heap, much of it new pages). */
static void pushes_take_no_page_fault(void **state)
{
	(void)state;
	if (!page_faults_are_countable())
		skip();
	struct faults f = {ddns_queue_new(), -1, -1};
	pthread_t t;
	pthread_create(&t, NULL, push_and_count_faults, &f);
	pthread_join(t, NULL);
	assert_int_equal(f.first, DDNS_OK);
	assert_int_equal(f.minor, 0);
	assert_int_equal(ddns_queue_length(f.q), 1001);
	ddns_queue_free(f.q);
}

static atomic_int submit_failures;

/* Many threads submitting to one engine while its worker runs, as Kea's packet threads do. */
static void *submit_many(void *arg)
{
	ddns_engine *e = arg;
	for (int i = 0; i < 200; i++) {
		struct ddns_lease_event ev = {.kind = DDNS_LEASE_GRANTED,
		                              .family = AF_INET,
		                              .forward = true,
		                              .lifetime = 600,
		                              .id_type = DDNS_ID_NONE};
		ev.address[0] = 10;
		ev.address[2] = (uint8_t)(i >> 8);
		ev.address[3] = (uint8_t)i;
		ev.address[1] = (uint8_t)(uintptr_t)pthread_self();
		snprintf(ev.fqdn, sizeof(ev.fqdn), "h%d-%d.corp.example.", ev.address[1], i);
		/* cmocka's assertions work only on the test's own thread: count failures here. */
		int rc = ddns_engine_submit(e, &ev);
		if (rc != DDNS_OK) {
			fprintf(stderr, "submit: %s\n", ddns_strerror(rc));
			atomic_fetch_add(&submit_failures, 1);
		}
		struct ddns_engine_stats st;
		ddns_engine_get_stats(e, &st);
	}
	return NULL;
}

static void quiet(void *ctx, enum ddns_log_level level, const char *id, const char *line)
{
	(void)ctx;
	(void)level;
	(void)line;
}

static void engine_takes_concurrent_submissions(void **state)
{
	(void)state;
	struct fake_dns dns;
	char dir[64], params[512], err[256];
	ddns_engine *e;
	fake_dns_init(&dns, NULL);
	fake_state_dir(dir);
	ddns_log_set_sink(quiet, NULL);
	snprintf(params, sizeof(params),
	         "{ \"resolvers\": [\"127.0.0.1\"], \"state-dir\": \"%s\", \"reverse\": false,"
	         "  \"conflict-resolution\": \"no-check-without-dhcid\", \"max-queue\": 50,"
	         "  \"zones\": [ { \"name\": \"corp.example.\", \"servers\": [\"127.0.0.2\"] } ] }",
	         dir);
	struct ddns_engine_opts opts = {.transport = &dns.transport, .timeout_ms = 100};
	assert_int_equal(ddns_engine_new(params, &opts, &e, err, sizeof(err)), DDNS_OK);
	pthread_t threads[PRODUCERS];
	for (int i = 0; i < PRODUCERS; i++)
		pthread_create(&threads[i], NULL, submit_many, e);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(threads[i], NULL);
	assert_int_equal(atomic_load(&submit_failures), 0);
	assert_int_equal(ddns_engine_wait_idle(e, 20000), DDNS_OK);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(e, &st);
	assert_int_equal(st.events, PRODUCERS * 200);
	assert_int_equal(st.dropped, 0);
	ddns_engine_free(e);
	ddns_log_set_sink(NULL, NULL);
	fake_dns_deinit(&dns);
	fake_state_dir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(concurrent_producers_lose_nothing),
	    cmocka_unit_test(pushes_take_no_page_fault),
	    cmocka_unit_test(engine_takes_concurrent_submissions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
