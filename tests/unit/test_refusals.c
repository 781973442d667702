/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The engine against servers that say no, say nothing or sign oddly (fake DNS server): fail-over
 * between targets, TCP after silence, final prerequisite failures, TSIG failures, Samba's reply
 * signatures and echoed errors, and names a server refuses alone (Active Directory's record
 * rights) given up while the zone's other names flow.
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

/* engine/batch.h's DDNS_DENIED_TRIES, which the tests do not include. */
#define DDNS_TEST_DENIED_TRIES 5

static void refused_moves_to_next_target(void **state)
{
	struct engine_fixture *fx = *state;
	fake_dns_push(&fx->dns, (struct fake_reply){.rcode = LDNS_RCODE_REFUSED});
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 13, "d.corp.example.");
	ev.reverse = false;
	engine_fixture_submit(fx, ev);
	assert_int_equal(fake_dns_count(&fx->dns), 2);
	assert_string_equal(fx->dns.servers[0].text, "127.0.0.2");
	assert_string_equal(fx->dns.servers[1].text, "127.0.0.3");
	assert_true(log_capture_has(&fx->log, "server 127.0.0.2 (127.0.0.2) failed after"));
	assert_true(log_capture_has(&fx->log, "server answered REFUSED"));
	assert_true(log_capture_has(&fx->log, "server 127.0.0.3 (127.0.0.3): success"));
}

static void no_reply_tries_tcp_then_next_target_then_retries(void **state)
{
	struct engine_fixture *fx = *state;
	for (int i = 0; i < 4; i++)
		fake_dns_push(&fx->dns, (struct fake_reply){.transport_error = DDNS_ETIMEOUT});
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 14, "e.corp.example.");
	ev.reverse = false;
	engine_fixture_submit(fx, ev);
	/* UDP and TCP to each of the two targets, then a later retry that succeeds. */
	assert_int_equal(fake_dns_count(&fx->dns), 5);
	assert_false(fx->dns.tcp[0]);
	assert_true(fx->dns.tcp[1]);
	assert_string_equal(fx->dns.servers[2].text, "127.0.0.3");
	assert_update(&fx->dns, 4, "corp.example.",
	              "e.corp.example. 0 ANY A \\# 0\ne.corp.example. 1200 IN A 10.1.0.14");
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.retries, 1);
	assert_int_equal(st.succeeded, 1);
	assert_true(log_capture_has(&fx->log, "no reply before the timeout"));
}

static void prerequisite_failure_is_final(void **state)
{
	struct engine_fixture *fx = *state;
	fake_dns_push(&fx->dns, (struct fake_reply){.rcode = LDNS_RCODE_YXDOMAIN});
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 15, "f.corp.example.");
	ev.reverse = false;
	engine_fixture_submit(fx, ev);
	assert_int_equal(fake_dns_count(&fx->dns), 1);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.retries, 0);
	assert_true(log_capture_has(&fx->log, "YXDOMAIN"));
}

static void badsig_reply_is_logged_with_key_name(void **state)
{
	struct engine_fixture *fx = *state;
	fake_dns_push(&fx->dns, (struct fake_reply){.rcode = LDNS_RCODE_NOTAUTH, .tsig_error = 16});
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 16, "g.corp.example.");
	ev.reverse = false;
	engine_fixture_submit(fx, ev);
	assert_true(log_capture_has(&fx->log, "reply has TSIG error BADSIG for key ddns-key."));
	assert_false(log_capture_has(&fx->log, ENGINE_TEST_SECRET));
}

/* Samba signs its replies over the request MAC without the MAC's length: accepted, counted, and
 * logged once per server however many replies come so. */
static void replies_signed_as_samba_does_are_accepted(void **state)
{
	struct engine_fixture *fx = *state;
	fake_dns_push(&fx->dns, (struct fake_reply){.bare_mac = true});
	fake_dns_push(&fx->dns, (struct fake_reply){.bare_mac = true});
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 30, "samba1.corp.example.");
	ev.reverse = false;
	engine_fixture_submit(fx, ev);
	ev = lease4(DDNS_LEASE_GRANTED, 31, "samba2.corp.example.");
	ev.reverse = false;
	engine_fixture_submit(fx, ev);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.succeeded, 2);
	assert_int_equal(st.tsig_nonstandard, 2);
	assert_int_equal(st.tsig, 0);
	assert_int_equal(fake_dns_count(&fx->dns), 2);
	assert_int_equal(log_capture_count(&fx->log, "DDNS_DIRECT_TSIG_NONSTANDARD"), 1);
}

/* Samba refuses by sending the request back, our own MAC on it: nobody signed that RCODE. It is
 * the failure it names (here: try the next server), counted, never a success. */
static void an_echoed_error_is_taken_unsigned(void **state)
{
	struct engine_fixture *fx = *state;
	fake_dns_push(&fx->dns, (struct fake_reply){.echo = true, .rcode = LDNS_RCODE_SERVFAIL});
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 32, "echo.corp.example.");
	ev.reverse = false;
	engine_fixture_submit(fx, ev);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.unauthenticated, 1);
	assert_int_equal(st.servfail, 1);
	assert_int_equal(st.succeeded, 1);
	assert_string_equal(fx->dns.servers[1].text, "127.0.0.3");
	assert_true(log_capture_has(&fx->log, "server 127.0.0.2 (127.0.0.2) failed after"));
	assert_true(log_capture_has(&fx->log, "the server sent the request back with that RCODE"));
}

/* A NOERROR that is the request sent back proves nothing: not applied, retried. */
static void an_echoed_success_is_not_applied(void **state)
{
	struct engine_fixture *fx = *state;
	for (int i = 0; i < 2; i++)
		fake_dns_push(&fx->dns, (struct fake_reply){.echo = true});
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 33, "echo-ok.corp.example.");
	ev.reverse = false;
	assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	for (int i = 0; i < 500 && fake_dns_count(&fx->dns) < 3; i++)
		usleep(10000);
	assert_int_equal(ddns_engine_wait_idle(fx->engine, 5000), DDNS_OK);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.tsig, 2);
	assert_true(st.retries >= 1);
	assert_int_equal(st.unauthenticated, 0);
	assert_true(
	    log_capture_has(&fx->log, "is the request sent back unsigned; not taken as applied"));
	assert_int_equal(st.succeeded, 1); /* the retry, answered and signed */
}

/* Waits (up to 5 s) until the engine has counted at least n of the counter at offset. */
static uint64_t wait_count(struct engine_fixture *fx, size_t offset, uint64_t n)
{
	struct ddns_engine_stats st;
	for (int i = 0; i < 500; i++) {
		ddns_engine_get_stats(fx->engine, &st);
		if (*(uint64_t *)(void *)((char *)&st + offset) >= n)
			break;
		usleep(10000);
	}
	return *(uint64_t *)(void *)((char *)&st + offset);
}

/* A name the server refuses alone (an AD record another account owns: SERVFAIL for that name)
 * is given up as a conflict after DDNS_DENIED_TRIES refusals while other names of the zone are
 * applied; the other names flow meanwhile. */
/* Grants leases of other names in the zones while the refused change is tried again, one
 * applied between two tries, until it is given up; the engine is idle after. */
static void flow_until_given_up(struct engine_fixture *fx, bool reverse)
{
	uint64_t conflicts = 0, applied = 0;
	for (uint8_t i = 0; i < 60 && conflicts == 0; i++) {
		char name[64];
		snprintf(name, sizeof(name), "flowing-%u.corp.example.", i);
		struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, (uint8_t)(100 + i), name);
		ev.reverse = reverse;
		assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
		applied += reverse ? 2 : 1;
		assert_true(wait_count(fx, offsetof(struct ddns_engine_stats, succeeded),
		                       applied) >= applied);
		uint64_t retries =
		    wait_count(fx, offsetof(struct ddns_engine_stats, retries), i + 1u);
		conflicts = wait_count(fx, offsetof(struct ddns_engine_stats, conflicts), 0);
		assert_true(retries >= i + 1u || conflicts == 1);
	}
	assert_int_equal(ddns_engine_wait_idle(fx->engine, 5000), DDNS_OK);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.conflicts, 1);
	assert_int_equal(st.pending, 0);
	assert_int_equal(log_capture_count(&fx->log, "given up as a conflict, the server refuses "
	                                             "this name alone"),
	                 1);
}

static void a_name_refused_alone_is_given_up(void **state)
{
	struct engine_fixture *fx = *state;
	fx->dns.deny_owner = "owned.corp.example.";
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 40, "owned.corp.example.");
	ev.reverse = false;
	assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	flow_until_given_up(fx, false);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.succeeded + st.failed, st.events);
}

/* Windows answers REFUSED where Samba answers SERVFAIL: the same evidence. */
static void a_name_windows_refuses_alone_is_given_up(void **state)
{
	struct engine_fixture *fx = *state;
	fx->dns.deny_owner = "owned.corp.example.";
	fx->dns.deny_rcode = LDNS_RCODE_REFUSED;
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 40, "owned.corp.example.");
	ev.reverse = false;
	assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	flow_until_given_up(fx, false);
}

/* A reverse name refused alone (a PTR another AD account registered) is given up and not
 * recorded as published: when the lease ends its forward name is removed, its PTR left alone. */
static void a_refused_reverse_name_is_left_alone(void **state)
{
	struct engine_fixture *fx = *state;
	fx->dns.deny_owner = "40.0.1.10.in-addr.arpa.";
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 40, "owner.corp.example.");
	assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	flow_until_given_up(fx, true);
	size_t sent = fake_dns_count(&fx->dns);
	ev.kind = DDNS_LEASE_EXPIRED;
	engine_fixture_submit(fx, ev);
	assert_int_equal(fake_dns_update_records(&fx->dns, sent, "owner.corp.example.",
	                                         LDNS_RR_TYPE_A, LDNS_RR_CLASS_NONE),
	                 1);
	assert_int_equal(fake_dns_update_records(&fx->dns, sent, "40.0.1.10.in-addr.arpa.",
	                                         LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_NONE) +
	                     fake_dns_update_records(&fx->dns, sent, "40.0.1.10.in-addr.arpa.",
	                                             LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_ANY),
	                 0);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.conflicts, 1);
}

/* A server that refuses the only name it is sent gives no evidence against that name: retried. */
static void a_refusal_without_evidence_is_retried(void **state)
{
	struct engine_fixture *fx = *state;
	fx->dns.deny_owner = "owned.corp.example.";
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 41, "owned.corp.example.");
	ev.reverse = false;
	assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	assert_true(wait_count(fx, offsetof(struct ddns_engine_stats, retries),
	                       2 * DDNS_TEST_DENIED_TRIES) >= 2 * DDNS_TEST_DENIED_TRIES);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	assert_int_equal(st.conflicts, 0);
	assert_int_equal(st.pending, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(refused_moves_to_next_target, engine_fixture_setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(no_reply_tries_tcp_then_next_target_then_retries,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(prerequisite_failure_is_final, engine_fixture_setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(badsig_reply_is_logged_with_key_name,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(replies_signed_as_samba_does_are_accepted,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(an_echoed_error_is_taken_unsigned, engine_fixture_setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(an_echoed_success_is_not_applied, engine_fixture_setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(a_name_refused_alone_is_given_up, engine_fixture_setup,
	                                    engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(a_name_windows_refuses_alone_is_given_up,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(a_refused_reverse_name_is_left_alone,
	                                    engine_fixture_setup, engine_fixture_teardown),
	    cmocka_unit_test_setup_teardown(a_refusal_without_evidence_is_retried,
	                                    engine_fixture_setup, engine_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
