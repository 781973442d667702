/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The engine driven by mock leases through the fake DNS server: the exact UPDATE messages for
 * grants and removals, batches, retries in order, and refusals of bad input. How it takes the
 * servers' refusals and silences is in test_refusals.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddns/engine.h"
#include "support.h"

static void grant_sends_signed_forward_and_reverse(void **state)
{
	struct engine_fixture *fx = *state;
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 5, "Host-A.corp.example"));
	assert_int_equal(fake_dns_count(&fx->dns), 2);
	assert_update(&fx->dns, 0, "corp.example.",
	              "host-a.corp.example. 0 ANY A \\# 0\n"
	              "host-a.corp.example. 1200 IN A 10.1.0.5");
	assert_update(&fx->dns, 1, "1.10.in-addr.arpa.",
	              "5.0.1.10.in-addr.arpa. 0 ANY PTR \\# 0\n"
	              "5.0.1.10.in-addr.arpa. 1200 IN PTR host-a.corp.example.");
	for (size_t i = 0; i < 2; i++) {
		const ldns_rr *tsig = ldns_pkt_tsig(fx->dns.queries[i]);
		assert_non_null(tsig);
		char *name = ldns_rdf2str(ldns_rr_owner(tsig));
		assert_string_equal(name, "ddns-key.");
		free(name);
		assert_false(fx->dns.tcp[i]);
	}
	assert_string_equal(fx->dns.servers[0].text, "127.0.0.2");
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.succeeded, 2);
	assert_int_equal(st.pending, 0);
	assert_true(log_capture_has(&fx->log,
	                            "add A host-a.corp.example. 10.1.0.5: zone corp.example., "
	                            "server 127.0.0.2 (127.0.0.2): success"));
}

static void renewal_with_same_name_sends_nothing(void **state)
{
	struct engine_fixture *fx = *state;
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 5, "a.corp.example."));
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 5, "a.corp.example."));
	assert_int_equal(fake_dns_count(&fx->dns), 2);
}

/* A renewal re-sends what was published once the last send is older than the lease lifetime, so
 * a record deleted by hand comes back (here a lifetime of 0 makes every renewal due). */
static void renewal_repairs_after_a_lifetime(void **state)
{
	struct engine_fixture *fx = *state;
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 6, "r.corp.example.");
	ev.lifetime = 0;
	engine_fixture_submit(fx, ev);
	engine_fixture_submit(fx, ev);
	assert_int_equal(fake_dns_count(&fx->dns), 4);
	assert_update(&fx->dns, 2, "corp.example.",
	              "r.corp.example. 0 ANY A \\# 0\nr.corp.example. 60 IN A 10.1.0.6");
}

static void release_removes_exactly_what_was_published(void **state)
{
	struct engine_fixture *fx = *state;
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 7, "b.corp.example."));
	/* Kea has cleared its own DDNS flags by now; the engine must remember. */
	struct ddns_lease_event ev = lease4(DDNS_LEASE_RELEASED, 7, "b.corp.example.");
	ev.forward = ev.reverse = false;
	engine_fixture_submit(fx, ev);
	assert_int_equal(fake_dns_count(&fx->dns), 4);
	assert_update(&fx->dns, fake_dns_find(&fx->dns, "corp.example.", 1), "corp.example.",
	              "b.corp.example. 0 NONE A 10.1.0.7");
	assert_update(&fx->dns, fake_dns_find(&fx->dns, "1.10.in-addr.arpa.", 1),
	              "1.10.in-addr.arpa.", "7.0.1.10.in-addr.arpa. 0 NONE PTR b.corp.example.");
}

/* The expiry arrives while the forward add is still in flight: its PTR removal must not overtake
 * the PTR add that waits for the forward name. */
static void removal_never_overtakes_a_waiting_reverse_add(void **state)
{
	struct engine_fixture *fx = *state;
	fake_dns_push(&fx->dns, (struct fake_reply){.delay_ms = 200});
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 9, "slow.corp.example.");
	assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	ev.kind = DDNS_LEASE_EXPIRED;
	engine_fixture_submit(fx, ev);
	assert_int_equal(fake_dns_count(&fx->dns), 4);
	assert_update(&fx->dns, fake_dns_find(&fx->dns, "1.10.in-addr.arpa.", 0),
	              "1.10.in-addr.arpa.",
	              "9.0.1.10.in-addr.arpa. 0 ANY PTR \\# 0\n"
	              "9.0.1.10.in-addr.arpa. 1200 IN PTR slow.corp.example.");
	assert_update(&fx->dns, fake_dns_find(&fx->dns, "1.10.in-addr.arpa.", 1),
	              "1.10.in-addr.arpa.", "9.0.1.10.in-addr.arpa. 0 NONE PTR slow.corp.example.");
}

static void name_change_removes_old_records_first(void **state)
{
	struct engine_fixture *fx = *state;
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 8, "old.corp.example."));
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 8, "new.corp.example."));
	/* In the forward zone both names go in one message, the old one first; the reverse name's
	 * removal and addition stay two messages, in order. */
	assert_int_equal(fake_dns_count(&fx->dns), 5);
	assert_update(&fx->dns, fake_dns_find(&fx->dns, "corp.example.", 1), "corp.example.",
	              "old.corp.example. 0 NONE A 10.1.0.8\n"
	              "new.corp.example. 0 ANY A \\# 0\nnew.corp.example. 1200 IN A 10.1.0.8");
	assert_update(&fx->dns, fake_dns_find(&fx->dns, "1.10.in-addr.arpa.", 1),
	              "1.10.in-addr.arpa.", "8.0.1.10.in-addr.arpa. 0 NONE PTR old.corp.example.");
	assert_update(&fx->dns, fake_dns_find(&fx->dns, "1.10.in-addr.arpa.", 2),
	              "1.10.in-addr.arpa.",
	              "8.0.1.10.in-addr.arpa. 0 ANY PTR \\# 0\n"
	              "8.0.1.10.in-addr.arpa. 1200 IN PTR new.corp.example.");
}

static void kea_decision_is_honoured(void **state)
{
	struct engine_fixture *fx = *state;
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 9, "c.corp.example.");
	ev.reverse = false;
	engine_fixture_submit(fx, ev);
	assert_int_equal(fake_dns_count(&fx->dns), 1);
	assert_update(&fx->dns, 0, "corp.example.",
	              "c.corp.example. 0 ANY A \\# 0\nc.corp.example. 1200 IN A 10.1.0.9");
}

static void invalid_hostname_is_refused_and_counted(void **state)
{
	struct engine_fixture *fx = *state;
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 10, "bad_name!.corp.example."));
	char label64[80];
	memset(label64, 'x', 64);
	strcpy(label64 + 64, ".corp.example.");
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 11, label64));
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 12, "a..corp.example."));
	assert_int_equal(fake_dns_count(&fx->dns), 0);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.invalid, 3);
	assert_true(log_capture_has(
	    &fx->log, "lease 10.1.0.10 granted: name 'bad_name!.corp.example.' refused: "
	              "character not allowed"));
	assert_true(log_capture_has(&fx->log, "label longer than 63 octets"));
	assert_true(log_capture_has(&fx->log, "empty label"));
}

static void pending_retry_keeps_order_per_name(void **state)
{
	struct engine_fixture *fx = *state;
	/* The add fails on both targets (UDP and TCP each), the removal arrives meanwhile: the
	 * removal must not overtake the add's retry. */
	for (int i = 0; i < 4; i++)
		fake_dns_push(&fx->dns, (struct fake_reply){.rcode = LDNS_RCODE_SERVFAIL});
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 17, "h.corp.example.");
	ev.reverse = false;
	assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	ev.kind = DDNS_LEASE_EXPIRED;
	engine_fixture_submit(fx, ev);
	size_t n = fake_dns_count(&fx->dns);
	assert_update(&fx->dns, n - 2, "corp.example.",
	              "h.corp.example. 0 ANY A \\# 0\nh.corp.example. 1200 IN A 10.1.0.17");
	assert_update(&fx->dns, n - 1, "corp.example.", "h.corp.example. 0 NONE A 10.1.0.17");
}

static void excluded_zone_is_skipped(void **state)
{
	struct engine_fixture *fx = *state;
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 18, "x.nodns.corp.example.");
	ev.reverse = false;
	engine_fixture_submit(fx, ev);
	assert_int_equal(fake_dns_count(&fx->dns), 0);
	assert_true(log_capture_has(&fx->log, "configured with \"update\": false"));
}

static void unknown_zone_stays_pending(void **state)
{
	struct engine_fixture *fx = *state;
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 19, "y.disc.example.");
	ev.reverse = false;
	assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	/* Poll until the first attempt has failed and the change waits for its retry. */
	struct ddns_engine_stats st;
	for (int i = 0; i < 1000; i++) {
		ddns_engine_get_stats(fx->engine, &st);
		if (st.retries > 0 && st.pending == 1)
			break;
		/* Returns at once when idle: sleep a little instead of spinning. */
		if (ddns_engine_wait_idle(fx->engine, 10) == DDNS_OK)
			usleep(10000);
	}
	assert_true(st.retries > 0);
	assert_int_equal(st.pending, 1);
	assert_true(
	    log_capture_has(&fx->log, "y.disc.example. 10.1.0.19: cannot find where to send it"));
}

/* With a zones list and no allowed-suffixes, a name under no listed zone is never sent. */
static void name_outside_the_zones_is_refused(void **state)
{
	struct engine_fixture *fx = *state;
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 20, "y.other.example."));
	assert_int_equal(fake_dns_count(&fx->dns), 0);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.invalid, 1);
	assert_true(log_capture_has(
	    &fx->log, "lease 10.1.0.20 granted: name y.other.example. refused: outside the "
	              "zones this server may update"));
}

/* Holds the forward zone busy with a slow first change, then submits n more, which wait behind it
 * and so go out together. Returns the index of the first query after the slow one. */
static size_t submit_behind_a_slow_one(struct engine_fixture *fx, size_t n)
{
	fake_dns_push(&fx->dns, (struct fake_reply){.delay_ms = 300});
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 100, "slow.corp.example.");
	ev.reverse = false;
	assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	for (int i = 0; i < 1000 && fake_dns_count(&fx->dns) == 0; i++)
		usleep(1000);
	assert_int_equal(fake_dns_count(&fx->dns), 1);
	for (size_t i = 0; i < n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "b%zu.corp.example.", i);
		ev = lease4(DDNS_LEASE_GRANTED, (uint8_t)(101 + i), name);
		ev.reverse = false;
		assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	}
	return 1;
}

static void changes_that_wait_together_go_in_one_message(void **state)
{
	struct engine_fixture *fx = *state;
	size_t first = submit_behind_a_slow_one(fx, 3);
	assert_int_equal(ddns_engine_wait_idle(fx->engine, 5000), DDNS_OK);
	assert_int_equal(fake_dns_count(&fx->dns), 2);
	assert_update(&fx->dns, first, "corp.example.",
	              "b0.corp.example. 0 ANY A \\# 0\nb0.corp.example. 1200 IN A 10.1.0.101\n"
	              "b1.corp.example. 0 ANY A \\# 0\nb1.corp.example. 1200 IN A 10.1.0.102\n"
	              "b2.corp.example. 0 ANY A \\# 0\nb2.corp.example. 1200 IN A 10.1.0.103");
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.succeeded, 4);
	assert_int_equal(st.updates, 2);
	assert_true(log_capture_has(
	    &fx->log, "add A b1.corp.example. 10.1.0.102: zone corp.example., server"));
}

/* Two-message sequences stay batched: both removals' first messages go in one UPDATE, and both
 * DHCID removals in the next. */
static void removal_sequences_go_together(void **state)
{
	struct engine_fixture *fx = *state;
	struct ddns_lease_event ev[2];
	for (uint8_t i = 0; i < 2; i++) {
		char name[64];
		snprintf(name, sizeof(name), "r%u.corp.example.", i);
		ev[i] = lease4(DDNS_LEASE_GRANTED, (uint8_t)(110 + i), name);
		ev[i].reverse = false;
		ev[i].id_type = DDNS_ID_CLIENT_ID;
		ev[i].id_len = 2;
		ev[i].id[0] = 7;
		ev[i].id[1] = i;
	}
	for (int kind = 0; kind < 2; kind++) {
		for (size_t i = 0; i < 2; i++) {
			ev[i].kind = kind == 0 ? DDNS_LEASE_GRANTED : DDNS_LEASE_EXPIRED;
			assert_int_equal(ddns_engine_submit(fx->engine, &ev[i]), DDNS_OK);
		}
		assert_int_equal(ddns_engine_wait_idle(fx->engine, 5000), DDNS_OK);
	}
	/* One message for both additions, then two for both removals. */
	assert_int_equal(fake_dns_count(&fx->dns), 3);
	assert_int_equal(fake_dns_update_records(&fx->dns, 1, "r0.corp.example.", LDNS_RR_TYPE_A,
	                                         LDNS_RR_CLASS_NONE),
	                 1);
	assert_int_equal(fake_dns_update_records(&fx->dns, 1, "r1.corp.example.", LDNS_RR_TYPE_A,
	                                         LDNS_RR_CLASS_NONE),
	                 1);
	assert_int_equal(fake_dns_update_records(&fx->dns, 2, "r0.corp.example.",
	                                         LDNS_RR_TYPE_DHCID, LDNS_RR_CLASS_ANY),
	                 1);
	assert_int_equal(fake_dns_update_records(&fx->dns, 2, "r1.corp.example.",
	                                         LDNS_RR_TYPE_DHCID, LDNS_RR_CLASS_ANY),
	                 1);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.succeeded, 4);
	assert_int_equal(st.retries, 0);
}

/* A policy that refuses one name refuses the whole message: each change then goes alone, and
 * only the refused one would wait for a retry. */
static void a_refused_batch_is_sent_name_by_name(void **state)
{
	struct engine_fixture *fx = *state;
	submit_behind_a_slow_one(fx, 3);
	for (int i = 0; i < 4; i++)
		fake_dns_push(&fx->dns, (struct fake_reply){.rcode = LDNS_RCODE_REFUSED});
	assert_int_equal(ddns_engine_wait_idle(fx->engine, 5000), DDNS_OK);
	/* Batch of three refused by both servers, then b0 refused by both, then b1, b2 accepted. */
	assert_true(log_capture_has(
	    &fx->log, "3 changes (the first for b0.corp.example.): zone corp.example.: no "
	              "server accepted the message"));
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_true(st.succeeded >= 3);
	assert_int_equal(st.refused, 4);
}

/* Changes with long names go in messages that fit (a DNS message ends at 64 KB): no message is
 * refused for its size, so none is split. */
static void long_names_fill_messages_that_fit(void **state)
{
	struct engine_fixture *fx = *state;
	submit_behind_a_slow_one(fx, 0);
	char label[61];
	memset(label, 'x', 60);
	label[60] = '\0';
	for (unsigned i = 0; i < 250; i++) {
		char name[256];
		snprintf(name, sizeof(name), "%s.%s.%s.n%u.corp.example.", label, label, label, i);
		struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, (uint8_t)i, name);
		ev.address[2] = 7;
		ev.reverse = false;
		assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	}
	assert_int_equal(ddns_engine_wait_idle(fx->engine, 10000), DDNS_OK);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.succeeded, 251);
	assert_false(log_capture_has(&fx->log, "the message is split in two"));
	/* About 70 such changes fit in a message: four messages for 250, and the slow one. */
	assert_count_in_range(fake_dns_count(&fx->dns), 1 + 4, 1 + 8);
}

/* Silence says nothing about any one name: the batch waits for its next attempt whole. */
static void a_silent_server_retries_the_batch_whole(void **state)
{
	struct engine_fixture *fx = *state;
	size_t first = submit_behind_a_slow_one(fx, 2);
	for (int i = 0; i < 4; i++)
		fake_dns_push(&fx->dns, (struct fake_reply){.transport_error = DDNS_ETIMEOUT});
	assert_int_equal(ddns_engine_wait_idle(fx->engine, 5000), DDNS_OK);
	/* UDP and TCP to each of the two servers, then the retry, together again. */
	assert_int_equal(fake_dns_count(&fx->dns), first + 5);
	assert_update(&fx->dns, first + 4, "corp.example.",
	              "b0.corp.example. 0 ANY A \\# 0\nb0.corp.example. 1200 IN A 10.1.0.101\n"
	              "b1.corp.example. 0 ANY A \\# 0\nb1.corp.example. 1200 IN A 10.1.0.102");
	assert_false(log_capture_has(&fx->log, "the message is split in two"));
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.retries, 2);
	assert_int_equal(st.succeeded, 3);
}

/* An expiry with no record of publishing: one try alone, retried until done with an HA partner
 * (which may have published it and may never see it end). */
static void unrecorded_removal(struct engine_fixture *fx, bool partnered, uint8_t last)
{
	ddns_engine_set_partnered(fx->engine, partnered);
	/* The first attempts of both removals meet silence: UDP and TCP, A at two servers, PTR one.
	 */
	for (int i = 0; i < 6; i++)
		fake_dns_push(&fx->dns, (struct fake_reply){.transport_error = DDNS_ETIMEOUT});
	engine_fixture_submit(fx, lease4(DDNS_LEASE_EXPIRED, last, "gone.corp.example."));
}

static void unrecorded_removal_is_one_try_alone(void **state)
{
	struct engine_fixture *fx = *state;
	unrecorded_removal(fx, false, 40);
	assert_int_equal(fake_dns_count(&fx->dns), 6);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.failed, 2);
	assert_true(
	    log_capture_has(&fx->log, "given up, the plugin had no record of publishing it"));
}

static void unrecorded_removal_is_owed_with_a_partner(void **state)
{
	struct engine_fixture *fx = *state;
	unrecorded_removal(fx, true, 41);
	assert_int_equal(fake_dns_count(&fx->dns), 8);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.succeeded, 2);
	assert_int_equal(st.retries, 2);
	assert_false(log_capture_has(&fx->log, "given up"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(grant_sends_signed_forward_and_reverse,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(renewal_with_same_name_sends_nothing,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(renewal_repairs_after_a_lifetime, engine_fixture_setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(release_removes_exactly_what_was_published,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(removal_never_overtakes_a_waiting_reverse_add,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(name_change_removes_old_records_first,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(kea_decision_is_honoured, engine_fixture_setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(invalid_hostname_is_refused_and_counted,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(pending_retry_keeps_order_per_name,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(excluded_zone_is_skipped, engine_fixture_setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(unknown_zone_stays_pending, engine_fixture_setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(name_outside_the_zones_is_refused, engine_fixture_setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(changes_that_wait_together_go_in_one_message,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(a_refused_batch_is_sent_name_by_name,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(removal_sequences_go_together, engine_fixture_setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(long_names_fill_messages_that_fit, engine_fixture_setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(a_silent_server_retries_the_batch_whole,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(unrecorded_removal_is_one_try_alone,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(unrecorded_removal_is_owed_with_a_partner,
	                                    engine_fixture_setup, engine_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
