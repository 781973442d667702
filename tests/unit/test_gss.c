/* SPDX-License-Identifier: MPL-2.0 */
/*
 * GSS-TSIG (RFC 3645) without a KDC, against the fake mechanism and server of fake_gss.h. Covers
 * the TKEY query, the signed data of requests and replies, key reuse, renegotiation on BADKEY and
 * on expiry, and every error path of negotiation.
 */
#include <openssl/sha.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddns/error.h"
#include "engine/send.h"
#include "fake_gss.h"
#include "gss/session.h"
#include "update/update.h"
#include "util/clock.h"
#include "util/log.h"

struct fixture {
	struct fake_mech fake;
	struct fake_server server;
	struct ddns_gss *gss;
	struct ddns_sender sender;
	struct ddns_target_set ts;
	struct ddns_tsig_key key;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	fake_mech_init(&fx->fake);
	fake_gss_server_init(&fx->server);
	fx->gss = ddns_gss_new(&fx->fake.mech, "EXAMPLE.TEST", 3600);
	fx->sender = (struct ddns_sender){&fx->server.transport, fx->gss, 100, NULL};
	fx->key =
	    (struct ddns_tsig_key){.name = "gss-tsig.", .algorithm = "gss-tsig.", .gss = true};
	snprintf(fx->ts.zone, sizeof(fx->ts.zone), "example.");
	for (int i = 0; i < 2; i++) {
		char addr[32];
		snprintf(addr, sizeof(addr), "127.0.0.%d", 2 + i);
		ddns_addr_parse(addr, 53, &fx->ts.targets[i].addr);
		snprintf(fx->ts.targets[i].name, sizeof(fx->ts.targets[i].name), "ns%d.example.",
		         1 + i);
	}
	fx->ts.n_targets = 1;
	fx->ts.key = &fx->key;
	fx->ts.discovered = true;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	ddns_gss_free(fx->gss);
	assert_int_equal(fx->fake.live, 0);
	free(fx);
	return 0;
}

struct attempts {
	int n;
	int error[4];
	char why[4][256];
};

static void observe(void *ctx, const struct ddns_send_attempt *a)
{
	struct attempts *at = ctx;
	if (at->n < 4) {
		at->error[at->n] = a->error;
		snprintf(at->why[at->n], sizeof(at->why[0]), "%s", a->why);
	}
	at->n++;
}

/* Sends one A record for name; returns the send result and fills at. */
static enum ddns_send_result send_a(struct fixture *fx, const char *name, struct attempts *at)
{
	struct ddns_change c = {.op = DDNS_CHANGE_ADD,
	                        .type = LDNS_RR_TYPE_A,
	                        .rdata = "10.0.0.1",
	                        .ttl = 300,
	                        .mode = DDNS_NO_CHECK_WITHOUT_DHCID};
	snprintf(c.owner, sizeof(c.owner), "%s", name);
	memset(at, 0, sizeof(*at));
	int answer;
	return ddns_send_change(&fx->sender, &fx->ts, &c, observe, at, &answer);
}

/* ---- tests ---- */

static void negotiates_once_and_signs_every_update(void **state)
{
	struct fixture *fx = *state;
	struct attempts at;
	for (int i = 0; i < 3; i++) {
		char name[64];
		snprintf(name, sizeof(name), "h%d.example.", i);
		assert_int_equal(send_a(fx, name, &at), DDNS_SEND_APPLIED);
	}
	assert_int_equal(fx->server.tkeys, 1);
	assert_int_equal(ddns_gss_negotiations(fx->gss), 1);
	assert_int_equal(fx->server.updates, 3);
	assert_true(fx->server.request_mic_ok);
	assert_true(fx->server.tcp_only);
	/* The TKEY query: mode 3, gss-tsig, question and record for the key. */
	assert_true(fx->server.tkey_question_ok);
	assert_int_equal(fx->server.tkey_mode, 3);
	assert_string_equal(fx->server.tkey_alg, "gss-tsig.");
	unsigned long id;
	char rest[64];
	assert_int_equal(sscanf(fx->server.key_name, "%lu.%63s", &id, rest), 2);
	assert_string_equal(rest, "sig-ns1.example.");
	assert_string_equal(fx->fake.target, "DNS/ns1.example@EXAMPLE.TEST");
	/* The TKEY reply and each UPDATE reply were verified. */
	assert_int_equal(fx->fake.verifies, 4);
}

static void reply_with_a_wrong_mic_is_rejected(void **state)
{
	struct fixture *fx = *state;
	fx->server.update_bad_mic = true;
	struct attempts at;
	assert_int_equal(send_a(fx, "h.example.", &at), DDNS_SEND_FAILED);
	assert_int_equal(at.error[0], DDNS_ETSIG);
}

static void badkey_negotiates_again_and_signs_afresh(void **state)
{
	struct fixture *fx = *state;
	struct attempts at;
	assert_int_equal(send_a(fx, "a.example.", &at), DDNS_SEND_APPLIED);
	char first[256];
	snprintf(first, sizeof(first), "%s", fx->server.key_name);
	fx->server.badkey = 1; /* the server restarted: it no longer knows the key */
	assert_int_equal(send_a(fx, "b.example.", &at), DDNS_SEND_APPLIED);
	assert_int_equal(at.n, 1);
	assert_int_equal(fx->server.tkeys, 2);
	assert_int_equal(fx->server.updates, 3);
	assert_true(fx->server.request_mic_ok);
	assert_string_not_equal(first, fx->server.key_name);
}

static void badkey_twice_moves_on(void **state)
{
	struct fixture *fx = *state;
	fx->server.badkey = 2;
	struct attempts at;
	assert_int_equal(send_a(fx, "a.example.", &at), DDNS_SEND_FAILED);
	assert_int_equal(at.error[0], DDNS_ETSIG);
	assert_non_null(strstr(at.why[0], "BADKEY"));
	assert_int_equal(fx->server.tkeys, 2);
}

/* Samba 4.20 and later answer an update signed with a key they lost in a restart with REFUSED,
 * sent back unsigned: a signed query shows the key is gone; a new one is negotiated, the update
 * sent again, once. */
static void a_key_refused_after_a_restart_is_negotiated_again(void **state)
{
	struct fixture *fx = *state;
	struct attempts at;
	assert_int_equal(send_a(fx, "a.example.", &at), DDNS_SEND_APPLIED);
	fx->server.forgot_key = true;
	assert_int_equal(send_a(fx, "b.example.", &at), DDNS_SEND_APPLIED);
	assert_int_equal(at.n, 1);
	assert_int_equal(fx->server.soa_queries, 1);
	assert_int_equal(fx->server.tkeys, 2);
	assert_int_equal(fx->server.updates, 3);
	assert_true(fx->server.request_mic_ok);
}

/* A refusal from a server that still knows the key (a name another AD account owns) is a
 * refusal: the signed query is answered signed, nothing is negotiated, no resend. */
static void a_refusal_with_a_known_key_stands(void **state)
{
	struct fixture *fx = *state;
	struct attempts at;
	assert_int_equal(send_a(fx, "a.example.", &at), DDNS_SEND_APPLIED);
	fx->server.refuse = 1;
	assert_int_equal(send_a(fx, "b.example.", &at), DDNS_SEND_FAILED);
	assert_int_equal(at.error[0], DDNS_EREFUSED);
	assert_int_equal(fx->server.soa_queries, 1);
	assert_int_equal(fx->server.tkeys, 1);
	assert_int_equal(fx->server.updates, 2);
}

static void key_near_its_end_is_negotiated_again(void **state)
{
	struct fixture *fx = *state;
	fx->fake.lifetime = 1; /* renewed after 0.8 s */
	struct attempts at;
	assert_int_equal(send_a(fx, "a.example.", &at), DDNS_SEND_APPLIED);
	assert_int_equal(send_a(fx, "b.example.", &at), DDNS_SEND_APPLIED);
	assert_int_equal(fx->server.tkeys, 1);
	ddns_clock_advance(900);
	assert_int_equal(send_a(fx, "c.example.", &at), DDNS_SEND_APPLIED);
	assert_int_equal(fx->server.tkeys, 2);
}

/* The server's key changed (an AD DC's password rotated): it refuses the cached ticket. The
 * plugin drops its tickets and negotiates once more, at once. */
static void a_rekeyed_server_gets_a_fresh_ticket(void **state)
{
	struct fixture *fx = *state;
	fx->server.stale_until_forgotten = &fx->fake;
	struct attempts at;
	assert_int_equal(send_a(fx, "a.example.", &at), DDNS_SEND_APPLIED);
	assert_int_equal(fx->fake.forgets, 1);
	assert_int_equal(fx->server.tkeys, 2);
	assert_int_equal(fx->server.updates, 1);
}

/* A server that refuses every negotiation gets one more try with fresh tickets, not more. */
static void fresh_tickets_are_tried_once(void **state)
{
	struct fixture *fx = *state;
	fx->server.tkey_error = DDNS_TSIG_BADKEY;
	struct attempts at;
	assert_int_equal(send_a(fx, "a.example.", &at), DDNS_SEND_FAILED);
	assert_int_equal(fx->fake.forgets, 1);
	assert_int_equal(fx->server.tkeys, 2);
	assert_int_equal(fx->server.updates, 0);
}

static void two_rounds_of_tokens(void **state)
{
	struct fixture *fx = *state;
	fx->fake.rounds = 2;
	struct attempts at;
	assert_int_equal(send_a(fx, "a.example.", &at), DDNS_SEND_APPLIED);
	assert_int_equal(fx->server.tkeys, 2);
	assert_int_equal(ddns_gss_negotiations(fx->gss), 1);
}

/* Each negotiation failure: the attempt fails with the given error and a reason naming the
 * principal, and the next target (which works) takes the change. */
static void expect_failure_then_next_target(struct fixture *fx, int error, const char *words)
{
	struct attempts at;
	fx->ts.n_targets = 2;
	struct ddns_gss_key *key = NULL;
	char why[512] = "";
	assert_int_equal(ddns_gss_acquire(fx->gss, &fx->server.transport, &fx->ts.targets[0], 100,
	                                  &key, why, sizeof(why)),
	                 error);
	assert_null(key);
	assert_non_null(strstr(why, "DNS/ns1.example@EXAMPLE.TEST"));
	assert_non_null(strstr(why, words));
	assert_int_equal(send_a(fx, "a.example.", &at), DDNS_SEND_FAILED);
	assert_int_equal(at.n, 2);
	assert_int_equal(at.error[0], error);
	assert_int_equal(at.error[1], error);
	assert_int_equal(ddns_gss_negotiations(fx->gss), 0);
}

static void mechanism_failure(void **state)
{
	struct fixture *fx = *state;
	fx->fake.fail_init = true;
	expect_failure_then_next_target(fx, DDNS_EGSS, "fake: no ticket");
}

static void tkey_refused(void **state)
{
	struct fixture *fx = *state;
	fx->server.tkey_rcode = LDNS_RCODE_REFUSED;
	expect_failure_then_next_target(fx, DDNS_EGSS, "answered REFUSED");
}

static void tkey_error_in_record(void **state)
{
	struct fixture *fx = *state;
	fx->server.tkey_error = 17;
	expect_failure_then_next_target(fx, DDNS_EGSS, "error BADKEY");
}

static void tkey_reply_without_record(void **state)
{
	struct fixture *fx = *state;
	fx->server.tkey_no_answer = true;
	expect_failure_then_next_target(fx, DDNS_EMALFORMED, "no TKEY record");
}

static void tkey_reply_unsigned(void **state)
{
	struct fixture *fx = *state;
	fx->server.tkey_unsigned = true;
	expect_failure_then_next_target(fx, DDNS_ETSIG, "fails verification");
}

static void tkey_reply_badly_signed(void **state)
{
	struct fixture *fx = *state;
	fx->server.tkey_bad_mic = true;
	expect_failure_then_next_target(fx, DDNS_ETSIG, "fails verification");
}

static void tkey_unanswered(void **state)
{
	struct fixture *fx = *state;
	fx->server.silent = true;
	expect_failure_then_next_target(fx, DDNS_ETIMEOUT, "no reply");
}

static void endless_negotiation(void **state)
{
	struct fixture *fx = *state;
	fx->fake.never_done = true;
	expect_failure_then_next_target(fx, DDNS_EGSS, "no context after");
}

static void mechanism_without_token(void **state)
{
	struct fixture *fx = *state;
	fx->fake.no_token = true;
	expect_failure_then_next_target(fx, DDNS_EGSS, "gave no token");
}

static void failed_target_then_working_one(void **state)
{
	struct fixture *fx = *state;
	/* ns1 has no principal (the mechanism fails for it), ns2 works. */
	struct attempts at;
	fx->ts.n_targets = 2;
	fx->server.tkey_rcode = LDNS_RCODE_REFUSED;
	struct ddns_gss_key *key = NULL;
	char why[256];
	assert_int_equal(ddns_gss_acquire(fx->gss, &fx->server.transport, &fx->ts.targets[0], 100,
	                                  &key, why, sizeof(why)),
	                 DDNS_EGSS);
	fx->server.tkey_rcode = 0;
	assert_int_equal(send_a(fx, "a.example.", &at), DDNS_SEND_APPLIED);
	/* ns1 now negotiates too: failures are not remembered. */
	assert_int_equal(at.n, 1);
	assert_int_equal(ddns_gss_negotiations(fx->gss), 1);
}

int main(void)
{
	ddns_log_set_sink(NULL, NULL);
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(negotiates_once_and_signs_every_update),
	    T(reply_with_a_wrong_mic_is_rejected),
	    T(badkey_negotiates_again_and_signs_afresh),
	    T(badkey_twice_moves_on),
	    T(a_key_refused_after_a_restart_is_negotiated_again),
	    T(a_refusal_with_a_known_key_stands),
	    T(key_near_its_end_is_negotiated_again),
	    T(a_rekeyed_server_gets_a_fresh_ticket),
	    T(fresh_tickets_are_tried_once),
	    T(two_rounds_of_tokens),
	    T(mechanism_failure),
	    T(tkey_refused),
	    T(tkey_error_in_record),
	    T(tkey_reply_without_record),
	    T(tkey_reply_unsigned),
	    T(tkey_reply_badly_signed),
	    T(tkey_unanswered),
	    T(endless_negotiation),
	    T(mechanism_without_token),
	    T(failed_target_then_working_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
