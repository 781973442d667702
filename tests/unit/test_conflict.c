/* SPDX-License-Identifier: MPL-2.0 */
/*
 * RFC 4703 conflict resolution through the engine: the exact prerequisite and update sections of
 * every message for each mode, the takeover of a client's own name, the refusal of another's, and
 * removals that touch only the client's own records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "ddns/engine.h"
#include "support.h"
#include "update/dhcid.h"

struct fixture {
	struct engine_fixture *e;
	char dhcid[64]; /* base64 DHCID of client 1 for h.corp.example. */
};

static const uint8_t client1[] = {1, 0x00, 0x0c, 0x01, 0x02, 0x03, 0x04};

/* An engine in conflict mode mode; corp_extra goes into the corp.example. zone entry. */
static int start(void **state, const char *mode, const char *corp_extra)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char params[512];
	fx->e = engine_fixture_new(NULL);
	snprintf(
	    params, sizeof(params),
	    "{ \"resolvers\": [\"127.0.0.1\"], \"conflict-resolution\": \"%s\","
	    "  \"state-dir\": \"%%s\","
	    "  \"zones\": [ { \"name\": \"corp.example.\", \"servers\": [\"127.0.0.2\"]%s },"
	    "             { \"name\": \"1.10.in-addr.arpa.\", \"servers\": [\"127.0.0.2\"] } ] }",
	    mode, corp_extra);
	engine_fixture_start(fx->e, params);
	uint8_t raw[DDNS_DHCID_LEN];
	assert_int_equal(
	    ddns_dhcid_compute(DDNS_ID_CLIENT_ID, client1, sizeof(client1), "h.corp.example.", raw),
	    DDNS_OK);
	ldns_rdf *rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, sizeof(raw), raw);
	char *b64 = ldns_rdf2str(rdf);
	snprintf(fx->dhcid, sizeof(fx->dhcid), "%s", b64);
	free(b64);
	ldns_rdf_deep_free(rdf);
	*state = fx;
	return 0;
}

static int setup_check(void **state)
{
	return start(state, "check-with-dhcid", "");
}

static int setup_no_check(void **state)
{
	return start(state, "no-check-with-dhcid", "");
}

static int setup_exists(void **state)
{
	return start(state, "check-exists-with-dhcid", "");
}

static int setup_no_ownership(void **state)
{
	return start(state, "check-with-dhcid", ", \"ownership\": \"none\"");
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	engine_fixture_free(fx->e);
	free(fx);
	return 0;
}

static void lease(struct fixture *fx, enum ddns_lease_kind kind, const uint8_t *id, size_t len)
{
	struct ddns_lease_event ev = lease4_client(kind, 5, "h.corp.example.", id, len);
	engine_fixture_submit(fx->e, ev);
}

/* Formats expected text with the fixture's DHCID in place of each %s. */
static const char *with_dhcid(struct fixture *fx, const char *fmt)
{
	static char buf[4][1024];
	static int next;
	char *out = buf[next++ % 4];
	snprintf(out, sizeof(buf[0]), fmt, fx->dhcid, fx->dhcid, fx->dhcid);
	return out;
}

static void add_of_a_free_name(void **state)
{
	struct fixture *fx = *state;
	lease(fx, DDNS_LEASE_GRANTED, client1, sizeof(client1));
	assert_int_equal(fake_dns_count(&fx->e->dns), 2);
	assert_prereq(&fx->e->dns, 0, "h.corp.example. 0 NONE ANY \\# 0");
	assert_update(&fx->e->dns, 0, "corp.example.",
	              with_dhcid(fx, "h.corp.example. 1200 IN A 10.1.0.5\n"
	                             "h.corp.example. 1200 IN DHCID %s"));
	assert_prereq(&fx->e->dns, 1, "");
	assert_update(&fx->e->dns, 1, "1.10.in-addr.arpa.",
	              with_dhcid(fx, "5.0.1.10.in-addr.arpa. 0 ANY PTR \\# 0\n"
	                             "5.0.1.10.in-addr.arpa. 0 ANY DHCID \\# 0\n"
	                             "5.0.1.10.in-addr.arpa. 1200 IN PTR h.corp.example.\n"
	                             "5.0.1.10.in-addr.arpa. 1200 IN DHCID %s"));
}

static void own_name_is_taken_over(void **state)
{
	struct fixture *fx = *state;
	fake_dns_push(&fx->e->dns, (struct fake_reply){.rcode = LDNS_RCODE_YXDOMAIN});
	lease(fx, DDNS_LEASE_GRANTED, client1, sizeof(client1));
	assert_int_equal(fake_dns_count(&fx->e->dns), 3);
	assert_prereq(&fx->e->dns, 1, with_dhcid(fx, "h.corp.example. 0 IN DHCID %s"));
	assert_update(&fx->e->dns, 1, "corp.example.",
	              "h.corp.example. 0 ANY A \\# 0\nh.corp.example. 1200 IN A 10.1.0.5");
	assert_update(&fx->e->dns, 2, "1.10.in-addr.arpa.",
	              with_dhcid(fx, "5.0.1.10.in-addr.arpa. 0 ANY PTR \\# 0\n"
	                             "5.0.1.10.in-addr.arpa. 0 ANY DHCID \\# 0\n"
	                             "5.0.1.10.in-addr.arpa. 1200 IN PTR h.corp.example.\n"
	                             "5.0.1.10.in-addr.arpa. 1200 IN DHCID %s"));
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->e->engine, &st);
	assert_int_equal(st.succeeded, 2);
	assert_int_equal(st.conflicts, 0);
}

static void another_clients_name_is_refused_and_no_ptr_is_written(void **state)
{
	struct fixture *fx = *state;
	fake_dns_push(&fx->e->dns, (struct fake_reply){.rcode = LDNS_RCODE_YXDOMAIN});
	fake_dns_push(&fx->e->dns, (struct fake_reply){.rcode = LDNS_RCODE_NXRRSET});
	lease(fx, DDNS_LEASE_GRANTED, client1, sizeof(client1));
	assert_int_equal(fake_dns_count(&fx->e->dns), 2);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->e->engine, &st);
	assert_int_equal(st.conflicts, 1);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.retries, 0);
	assert_true(log_capture_has(&fx->e->log,
	                            "add A h.corp.example. 10.1.0.5 (name in use: checking its "
	                            "DHCID): conflict, the name belongs to another client or is "
	                            "a static entry; not published, and neither is its reverse"));
	/* Nothing was published, so the expiry sends nothing that could hit the other client. */
	fake_dns_push(&fx->e->dns, (struct fake_reply){.rcode = LDNS_RCODE_NXRRSET});
	fake_dns_push(&fx->e->dns, (struct fake_reply){.rcode = LDNS_RCODE_NXRRSET});
	lease(fx, DDNS_LEASE_EXPIRED, client1, sizeof(client1));
	assert_int_equal(fake_dns_count(&fx->e->dns), 4);
	assert_prereq(&fx->e->dns, fake_dns_find(&fx->e->dns, "corp.example.", 2),
	              with_dhcid(fx, "h.corp.example. 0 IN DHCID %s"));
	assert_prereq(&fx->e->dns, fake_dns_find(&fx->e->dns, "1.10.in-addr.arpa.", 0),
	              with_dhcid(fx, "5.0.1.10.in-addr.arpa. 0 IN DHCID %s"));
}

static void removal_checks_dhcid_then_drops_it_with_the_last_address(void **state)
{
	struct fixture *fx = *state;
	lease(fx, DDNS_LEASE_GRANTED, client1, sizeof(client1));
	lease(fx, DDNS_LEASE_RELEASED, client1, sizeof(client1));
	assert_int_equal(fake_dns_count(&fx->e->dns), 5);
	size_t fwd0 = fake_dns_find(&fx->e->dns, "corp.example.", 1);
	size_t fwd1 = fake_dns_find(&fx->e->dns, "corp.example.", 2);
	size_t rev = fake_dns_find(&fx->e->dns, "1.10.in-addr.arpa.", 1);
	assert_prereq(&fx->e->dns, fwd0, with_dhcid(fx, "h.corp.example. 0 IN DHCID %s"));
	assert_update(&fx->e->dns, fwd0, "corp.example.", "h.corp.example. 0 NONE A 10.1.0.5");
	assert_prereq(&fx->e->dns, fwd1,
	              with_dhcid(fx, "h.corp.example. 0 IN DHCID %s\n"
	                             "h.corp.example. 0 NONE A \\# 0\n"
	                             "h.corp.example. 0 NONE AAAA \\# 0"));
	assert_update(&fx->e->dns, fwd1, "corp.example.", "h.corp.example. 0 ANY DHCID \\# 0");
	assert_prereq(&fx->e->dns, rev, with_dhcid(fx, "5.0.1.10.in-addr.arpa. 0 IN DHCID %s"));
	assert_update(&fx->e->dns, rev, "1.10.in-addr.arpa.",
	              "5.0.1.10.in-addr.arpa. 0 ANY PTR \\# 0\n"
	              "5.0.1.10.in-addr.arpa. 0 ANY DHCID \\# 0");
}

static void removal_of_another_clients_record_leaves_it(void **state)
{
	struct fixture *fx = *state;
	lease(fx, DDNS_LEASE_GRANTED, client1, sizeof(client1));
	fake_dns_push(&fx->e->dns, (struct fake_reply){.rcode = LDNS_RCODE_NXRRSET});
	fake_dns_push(&fx->e->dns, (struct fake_reply){.rcode = LDNS_RCODE_NXRRSET});
	lease(fx, DDNS_LEASE_EXPIRED, client1, sizeof(client1));
	assert_int_equal(fake_dns_count(&fx->e->dns), 4);
	assert_true(log_capture_has(&fx->e->log,
	                            "remove A h.corp.example. 10.1.0.5: left alone, the record "
	                            "is held by another client or already gone"));
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->e->engine, &st);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.retries, 0);
}

static void no_check_mode_overwrites_and_records_dhcid(void **state)
{
	struct fixture *fx = *state;
	lease(fx, DDNS_LEASE_GRANTED, client1, sizeof(client1));
	assert_prereq(&fx->e->dns, 0, "");
	assert_update(&fx->e->dns, 0, "corp.example.",
	              with_dhcid(fx, "h.corp.example. 0 ANY A \\# 0\n"
	                             "h.corp.example. 0 ANY DHCID \\# 0\n"
	                             "h.corp.example. 1200 IN A 10.1.0.5\n"
	                             "h.corp.example. 1200 IN DHCID %s"));
	lease(fx, DDNS_LEASE_RELEASED, client1, sizeof(client1));
	size_t fwd0 = fake_dns_find(&fx->e->dns, "corp.example.", 1);
	assert_prereq(&fx->e->dns, fwd0, "");
	assert_update(&fx->e->dns, fwd0, "corp.example.", "h.corp.example. 0 NONE A 10.1.0.5");
	assert_prereq(&fx->e->dns, fake_dns_find(&fx->e->dns, "corp.example.", 2),
	              "h.corp.example. 0 NONE A \\# 0\n"
	              "h.corp.example. 0 NONE AAAA \\# 0");
}

static void exists_mode_accepts_any_dhcid(void **state)
{
	struct fixture *fx = *state;
	fake_dns_push(&fx->e->dns, (struct fake_reply){.rcode = LDNS_RCODE_YXDOMAIN});
	lease(fx, DDNS_LEASE_GRANTED, client1, sizeof(client1));
	assert_prereq(&fx->e->dns, 1, "h.corp.example. 0 ANY DHCID \\# 0");
	assert_update(&fx->e->dns, 1, "corp.example.",
	              "h.corp.example. 0 ANY A \\# 0\nh.corp.example. 1200 IN A 10.1.0.5");
}

/* Samba knows no DHCID: NOTIMP to the first message with one. The zone's names then carry their
 * owner's mark in TXT, each zone learning it once, and the sequences run as with DHCID. */
static void a_zone_without_dhcid_gets_txt_marks(void **state)
{
	struct fixture *fx = *state;
	struct fake_dns *dns = &fx->e->dns;
	dns->no_dhcid = true;
	lease(fx, DDNS_LEASE_GRANTED, client1, sizeof(client1));
	assert_int_equal(fake_dns_count(dns), 4);
	size_t fwd = fake_dns_find(dns, "corp.example.", 1);
	assert_prereq(dns, fwd, "h.corp.example. 0 NONE ANY \\# 0");
	assert_update(dns, fwd, "corp.example.",
	              with_dhcid(fx, "h.corp.example. 1200 IN A 10.1.0.5\n"
	                             "h.corp.example. 1200 IN TXT \"%s\""));
	assert_update(dns, fake_dns_find(dns, "1.10.in-addr.arpa.", 1), "1.10.in-addr.arpa.",
	              with_dhcid(fx, "5.0.1.10.in-addr.arpa. 0 ANY PTR \\# 0\n"
	                             "5.0.1.10.in-addr.arpa. 0 ANY TXT \\# 0\n"
	                             "5.0.1.10.in-addr.arpa. 1200 IN PTR h.corp.example.\n"
	                             "5.0.1.10.in-addr.arpa. 1200 IN TXT \"%s\""));
	/* The removal checks the TXT mark, then drops it with the last address: no NOTIMP again. */
	lease(fx, DDNS_LEASE_RELEASED, client1, sizeof(client1));
	size_t rm = fake_dns_find(dns, "corp.example.", 2);
	assert_prereq(dns, rm, with_dhcid(fx, "h.corp.example. 0 IN TXT \"%s\""));
	assert_update(dns, rm, "corp.example.", "h.corp.example. 0 NONE A 10.1.0.5");
	size_t last = fake_dns_find(dns, "corp.example.", 3);
	assert_update(dns, last, "corp.example.", "h.corp.example. 0 ANY TXT \\# 0");
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->e->engine, &st);
	assert_int_equal(st.failed, 0);
	assert_int_equal(log_capture_count(&fx->e->log, "DDNS_DIRECT_ZONE_NO_DHCID"), 2);
}

/* "ownership": "none" (the server's own access rules decide): a plain replace, no mark at all. */
static void a_zone_without_ownership_replaces(void **state)
{
	struct fixture *fx = *state;
	struct fake_dns *dns = &fx->e->dns;
	lease(fx, DDNS_LEASE_GRANTED, client1, sizeof(client1));
	size_t fwd = fake_dns_find(dns, "corp.example.", 0);
	assert_prereq(dns, fwd, "");
	assert_update(dns, fwd, "corp.example.",
	              "h.corp.example. 0 ANY A \\# 0\nh.corp.example. 1200 IN A 10.1.0.5");
	lease(fx, DDNS_LEASE_RELEASED, client1, sizeof(client1));
	size_t rm = fake_dns_find(dns, "corp.example.", 1);
	assert_prereq(dns, rm, "");
	assert_update(dns, rm, "corp.example.", "h.corp.example. 0 NONE A 10.1.0.5");
	assert_int_equal(fake_dns_count(dns), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(add_of_a_free_name, setup_check, teardown),
	    cmocka_unit_test_setup_teardown(own_name_is_taken_over, setup_check, teardown),
	    cmocka_unit_test_setup_teardown(another_clients_name_is_refused_and_no_ptr_is_written,
	                                    setup_check, teardown),
	    cmocka_unit_test_setup_teardown(
	        removal_checks_dhcid_then_drops_it_with_the_last_address, setup_check, teardown),
	    cmocka_unit_test_setup_teardown(removal_of_another_clients_record_leaves_it,
	                                    setup_check, teardown),
	    cmocka_unit_test_setup_teardown(no_check_mode_overwrites_and_records_dhcid,
	                                    setup_no_check, teardown),
	    cmocka_unit_test_setup_teardown(exists_mode_accepts_any_dhcid, setup_exists, teardown),
	    cmocka_unit_test_setup_teardown(a_zone_without_dhcid_gets_txt_marks, setup_check,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(a_zone_without_ownership_replaces, setup_no_ownership,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
