/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Failures that say nothing of the names in a batch, found by the chaos soak. Stopping while DNS
 * is silent: a config-set waited over a minute for the plugin's unload, and Kea's packets with
 * it; the senders now start no further exchange once the engine is stopping, and a batch whose
 * classless-delegation check met a silent resolver does not repeat that check, and its timeout,
 * for each of its other PTR changes. A key the server rejects: the batch was split down to single
 * changes, each rejected in turn; it now waits whole for its next attempt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "ddns/error.h"
#include "fake_dns.h"
#include "support.h"

#define CHANGES 20

/* The reverse zone is left to discovery, so that each PTR's owner is checked for an RFC 2317
 * alias through the resolver first. */
#define PARAMS                                                                                     \
	"{ \"resolvers\": [\"127.0.0.1\"], \"state-dir\": \"%s\","                                 \
	"  \"tsig-keys\": [ { \"name\": \"ddns-key\", \"algorithm\": \"hmac-sha256\","             \
	"                     \"secret\": \"" ENGINE_TEST_SECRET "\" } ],"                         \
	"  \"default-key\": \"ddns-key\","                                                         \
	"  \"zones\": [ { \"name\": \"corp.example.\", \"servers\": [\"127.0.0.2\"] } ] }"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void wait_for_queries(struct engine_fixture *fx, size_t n)
{
	for (int i = 0; i < 500 && fake_dns_count(&fx->dns) < n; i++)
		sleep_ms(10);
	assert_true(fake_dns_count(&fx->dns) >= n);
}

static void submit_all(struct engine_fixture *fx, bool forward, bool reverse)
{
	for (int i = 0; i < CHANGES; i++) {
		char name[64];
		snprintf(name, sizeof(name), "s%d.corp.example.", i);
		struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, (uint8_t)(20 + i), name);
		ev.forward = forward;
		ev.reverse = reverse;
		assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	}
}

/* A server that takes 100 ms to refuse each message: the batch is split in halves down to single
 * changes, dozens of exchanges. Stopping lets only the exchanges under way finish. */
static void stopping_starts_no_further_exchange(void **state)
{
	struct engine_fixture *fx = *state;
	for (int i = 0; i < 4 * CHANGES; i++)
		fake_dns_push(&fx->dns,
		              (struct fake_reply){.rcode = LDNS_RCODE_REFUSED, .delay_ms = 100});
	submit_all(fx, true, false);
	wait_for_queries(fx, 1);
	size_t at_stop = fake_dns_count(&fx->dns);
	engine_fixture_stop(fx);
	size_t after = fake_dns_count(&fx->dns);
	/* At most one exchange under way per sender, each trying the zone's one target. */
	assert_true(after - at_stop <= 4);
	assert_true(log_capture_has(&fx->log, "record changes waiting for a retry"));
}

/* Every question to the resolver times out after 100 ms: one check tells the batch, and its other
 * PTR changes wait for their next attempt instead of each meeting the same silence. */
static void a_silent_resolver_is_asked_once_per_batch(void **state)
{
	struct engine_fixture *fx = *state;
	for (int i = 0; i < 4 * CHANGES; i++)
		fake_dns_push(&fx->dns, (struct fake_reply){.transport_error = DDNS_ETIMEOUT,
		                                            .delay_ms = 100,
		                                            .server = "127.0.0.1"});
	submit_all(fx, false, true);
	wait_for_queries(fx, 1);
	/* Long enough for every check of one batch, were each made (CHANGES x 100 ms). */
	sleep_ms(CHANGES * 100 / 2);
	engine_fixture_stop(fx);
	assert_true(fake_dns_count(&fx->dns) < CHANGES / 2);
	assert_true(log_capture_has(&fx->log, "cannot check for a classless delegation"));
}

/* Both targets reject the key (BADSIG) four times over; then the key is right again. */
static void a_rejected_key_retries_the_batch_whole(void **state)
{
	struct engine_fixture *fx = *state;
	for (int i = 0; i < 8; i++)
		fake_dns_push(&fx->dns, (struct fake_reply){.rcode = LDNS_RCODE_NOTAUTH,
		                                            .tsig_error = 16,
		                                            .unsigned_reply = true});
	submit_all(fx, true, false);
	assert_int_equal(ddns_engine_wait_idle(fx->engine, 5000), DDNS_OK);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.succeeded, CHANGES);
	assert_true(log_capture_has(&fx->log, "TSIG failure"));
	assert_false(log_capture_has(&fx->log, "the message is split in two"));
}

static int setup(void **state)
{
	struct engine_fixture *fx = engine_fixture_new(&engine_test_key);
	/* One attempt per change while the test watches: the counts are the first attempt's. */
	fx->opts.retry_min_ms = 60000;
	fx->opts.retry_max_ms = 60000;
	engine_fixture_start(fx, PARAMS);
	*state = fx;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(stopping_starts_no_further_exchange, setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(a_silent_resolver_is_asked_once_per_batch, setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(a_rejected_key_retries_the_batch_whole,
	                                    engine_fixture_setup, engine_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
