/* SPDX-License-Identifier: MPL-2.0 */
/* One request and its reply: TSIG checks, truncation, UDP-to-TCP fallback, mismatched replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ddns/error.h"
#include "fake_dns.h"
#include "transport/exchange.h"
#include "update/update.h"
#include "util/base64.h"

static struct ddns_tsig_key key = {
    "ddns-key.", "hmac-sha256.", "c2VjcmV0LWtleS1mb3ItdW5pdC10ZXN0cy0wMTIzNDU2Nzg5", NULL,
    0,           false};
static struct ddns_tsig_key other_key = {
    "ddns-key.", "hmac-sha256.", "b3RoZXItc2VjcmV0LWZvci11bml0LXRlc3RzLTAxMjM0NQ==", NULL,
    0,           false};

/* The engine signs with the decoded secret, as the configuration would have decoded it. */
static void decode(struct ddns_tsig_key *k)
{
	static uint8_t raw[2][64];
	uint8_t *buf = raw[k == &key ? 0 : 1];
	int n = ddns_base64_decode(k->secret, buf, sizeof(raw[0]));
	assert_true(n > 0);
	k->raw = buf;
	k->raw_len = (size_t)n;
}

struct fixture {
	struct fake_dns dns;
	struct ddns_addr server;
	ldns_buffer *query;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	decode(&key);
	decode(&other_key);
	fake_dns_init(&fx->dns, &key);
	ddns_addr_parse("127.0.0.2", 53, &fx->server);
	struct ddns_change c = {.op = DDNS_CHANGE_ADD,
	                        .type = LDNS_RR_TYPE_A,
	                        .owner = "a.corp.example.",
	                        .rdata = "10.0.0.1",
	                        .ttl = 300,
	                        .mode = DDNS_NO_CHECK_WITHOUT_DHCID};
	fx->query = ddns_update_build("corp.example.", &c);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	ldns_buffer_free(fx->query);
	fake_dns_deinit(&fx->dns);
	free(fx);
	return 0;
}

static int run(struct fixture *fx, const struct ddns_tsig_key *k, struct ddns_exchange_info *info)
{
	ldns_pkt *reply = NULL;
	struct ddns_tsig_signer signer = {0};
	if (k != NULL)
		signer = ddns_tsig_hmac_signer(k);
	int rc = ddns_exchange_wire(&fx->dns.transport, &fx->server, fx->query,
	                            k != NULL ? &signer : NULL, 100, &reply, info);
	if (rc == DDNS_OK)
		assert_non_null(reply);
	else
		assert_null(reply);
	ldns_pkt_free(reply);
	return rc;
}

static void signed_reply_is_verified(void **state)
{
	struct fixture *fx = *state;
	struct ddns_exchange_info info;
	assert_int_equal(run(fx, &key, &info), DDNS_OK);
	assert_int_equal(info.rcode, LDNS_RCODE_NOERROR);
	assert_false(info.tcp);
}

static void unsigned_reply_to_signed_request_is_rejected(void **state)
{
	struct fixture *fx = *state;
	struct ddns_exchange_info info;
	fake_dns_push(&fx->dns, (struct fake_reply){.unsigned_reply = true});
	assert_int_equal(run(fx, &key, &info), DDNS_ETSIG);
}

static void corrupted_mac_is_rejected(void **state)
{
	struct fixture *fx = *state;
	struct ddns_exchange_info info;
	fake_dns_push(&fx->dns, (struct fake_reply){.bad_mac = true});
	assert_int_equal(run(fx, &key, &info), DDNS_ETSIG);
	assert_int_equal(info.tsig_error, 0);
}

static void reply_signed_with_another_secret_is_rejected(void **state)
{
	struct fixture *fx = *state;
	struct ddns_exchange_info info;
	fx->dns.key = &other_key;
	assert_int_equal(run(fx, &key, &info), DDNS_ETSIG);
}

static void tsig_error_is_reported(void **state)
{
	struct fixture *fx = *state;
	struct ddns_exchange_info info;
	fake_dns_push(&fx->dns, (struct fake_reply){.rcode = LDNS_RCODE_NOTAUTH, .tsig_error = 17});
	assert_int_equal(run(fx, &key, &info), DDNS_ETSIG);
	assert_int_equal(info.tsig_error, 17);
	assert_string_equal(ddns_tsig_error_name(info.tsig_error), "BADKEY");
}

static void truncated_reply_is_resent_over_tcp(void **state)
{
	struct fixture *fx = *state;
	struct ddns_exchange_info info;
	fake_dns_push(&fx->dns, (struct fake_reply){.truncated = true});
	assert_int_equal(run(fx, &key, &info), DDNS_OK);
	assert_int_equal(fake_dns_count(&fx->dns), 2);
	assert_false(fx->dns.tcp[0]);
	assert_true(fx->dns.tcp[1]);
	assert_true(info.tcp);
	/* The TCP copy carries its own valid signature, and the reply verifies against it. */
	assert_non_null(ldns_pkt_tsig(fx->dns.queries[1]));
}

static void truncated_over_tcp_is_an_error(void **state)
{
	struct fixture *fx = *state;
	struct ddns_exchange_info info;
	fake_dns_push(&fx->dns, (struct fake_reply){.truncated = true});
	fake_dns_push(&fx->dns, (struct fake_reply){.truncated = true});
	assert_int_equal(run(fx, &key, &info), DDNS_ETRUNCATED);
	assert_int_equal(fake_dns_count(&fx->dns), 2);
	assert_true(fx->dns.tcp[1]);
}

static void udp_timeout_tries_tcp(void **state)
{
	struct fixture *fx = *state;
	struct ddns_exchange_info info;
	fake_dns_push(&fx->dns, (struct fake_reply){.transport_error = DDNS_ETIMEOUT});
	assert_int_equal(run(fx, &key, &info), DDNS_OK);
	assert_true(info.tcp);
	fake_dns_push(&fx->dns, (struct fake_reply){.transport_error = DDNS_ETIMEOUT});
	fake_dns_push(&fx->dns, (struct fake_reply){.transport_error = DDNS_ETIMEOUT});
	assert_int_equal(run(fx, &key, &info), DDNS_ETIMEOUT);
}

static void reply_to_another_question_is_rejected(void **state)
{
	struct fixture *fx = *state;
	struct ddns_exchange_info info;
	fake_dns_push(&fx->dns, (struct fake_reply){.wrong_question = true});
	assert_int_equal(run(fx, &key, &info), DDNS_EMALFORMED);
}

static void garbage_is_rejected(void **state)
{
	struct fixture *fx = *state;
	struct ddns_exchange_info info;
	fake_dns_push(&fx->dns, (struct fake_reply){.garbage = true});
	assert_int_equal(run(fx, &key, &info), DDNS_EMALFORMED);
}

static void unsigned_exchange_reports_rcode(void **state)
{
	struct fixture *fx = *state;
	struct ddns_exchange_info info;
	fx->dns.key = NULL;
	fake_dns_push(&fx->dns, (struct fake_reply){.rcode = LDNS_RCODE_REFUSED});
	assert_int_equal(run(fx, NULL, &info), DDNS_OK);
	assert_int_equal(ddns_rcode_error(info.rcode), DDNS_EREFUSED);
	assert_null(ldns_pkt_tsig(fx->dns.queries[0]));
}

static void every_send_gets_a_fresh_id(void **state)
{
	struct fixture *fx = *state;
	struct ddns_exchange_info info;
	int same = 0;
	for (int i = 0; i < 20; i++)
		assert_int_equal(run(fx, &key, &info), DDNS_OK);
	for (int i = 1; i < 20; i++)
		same += ldns_pkt_id(fx->dns.queries[i]) == ldns_pkt_id(fx->dns.queries[i - 1]);
	assert_true(same < 3);
}

static void rcodes_map_to_errors(void **state)
{
	(void)state;
	assert_int_equal(ddns_rcode_error(LDNS_RCODE_NOERROR), DDNS_OK);
	assert_int_equal(ddns_rcode_error(LDNS_RCODE_SERVFAIL), DDNS_ESERVFAIL);
	assert_int_equal(ddns_rcode_error(LDNS_RCODE_NOTIMPL), DDNS_ENOTIMP);
	assert_int_equal(ddns_rcode_error(LDNS_RCODE_NOTAUTH), DDNS_ENOTAUTH);
	assert_int_equal(ddns_rcode_error(LDNS_RCODE_NOTZONE), DDNS_ENOTZONE);
	assert_int_equal(ddns_rcode_error(LDNS_RCODE_YXRRSET), DDNS_EYXRRSET);
	assert_int_equal(ddns_rcode_error(LDNS_RCODE_NXRRSET), DDNS_ENXRRSET);
	assert_int_equal(ddns_rcode_error(LDNS_RCODE_NXDOMAIN), DDNS_ENXDOMAIN);
	assert_int_equal(ddns_rcode_error(15), DDNS_ERCODE);
}

/* Parses wire and checks that it holds exactly pkt's sections. */
static void same_message(const ldns_buffer *wire, const ldns_pkt *pkt)
{
	ldns_pkt *parsed = NULL;
	assert_int_equal(
	    ldns_wire2pkt(&parsed, ldns_buffer_begin(wire), ldns_buffer_position(wire)),
	    LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_get_opcode(parsed), ldns_pkt_get_opcode(pkt));
	assert_int_equal(ldns_pkt_id(parsed), ldns_pkt_id(pkt));
	assert_int_equal(ldns_pkt_rd(parsed), ldns_pkt_rd(pkt));
	assert_int_equal(ldns_pkt_edns(parsed), ldns_pkt_edns(pkt));
	assert_int_equal(ldns_rr_list_compare(ldns_pkt_question(parsed), ldns_pkt_question(pkt)),
	                 0);
	assert_int_equal(ldns_rr_list_compare(ldns_pkt_answer(parsed), ldns_pkt_answer(pkt)), 0);
	assert_int_equal(ldns_rr_list_compare(ldns_pkt_authority(parsed), ldns_pkt_authority(pkt)),
	                 0);
	assert_int_equal(
	    ldns_rr_list_compare(ldns_pkt_additional(parsed), ldns_pkt_additional(pkt)), 0);
	ldns_pkt_free(parsed);
}

/* The owner of each record of section (0 prerequisites, 1 updates) of msg, a line each. */
static char *owners(const ldns_pkt *msg, int section)
{
	const ldns_rr_list *rrs = section == 0 ? ldns_pkt_answer(msg) : ldns_pkt_authority(msg);
	static char text[1024];
	text[0] = '\0';
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		char *name = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(rrs, i)));
		strcat(text, name);
		strcat(text, "\n");
		free(name);
	}
	return text;
}

/* An UPDATE is written straight in wire form: owners in the zone as their labels above it and a
 * pointer (whatever their case), names outside it (or that only end like it) whole; a parser
 * reads back the zone, every record and its owner. */
static void update_wire_form(void **state)
{
	(void)state;
	struct ddns_change fwd = {.op = DDNS_CHANGE_ADD,
	                          .type = LDNS_RR_TYPE_A,
	                          .owner = "host-10-1-2-3.corp.example.",
	                          .rdata = "10.1.2.3",
	                          .ttl = 300,
	                          .mode = DDNS_CHECK_WITH_DHCID,
	                          .dhcid = {1, 2, 3}};
	struct ddns_change gone = fwd, outside = fwd, lookalike = fwd;
	gone.op = DDNS_CHANGE_REMOVE;
	snprintf(gone.owner, sizeof(gone.owner), "Other.CORP.example.");
	outside.mode = lookalike.mode = DDNS_NO_CHECK_WITHOUT_DHCID;
	snprintf(outside.owner, sizeof(outside.owner), "x.other.test.");
	snprintf(lookalike.owner, sizeof(lookalike.owner), "x.badcorp.example.");
	const struct ddns_change *changes[] = {&fwd, &gone, &outside, &lookalike};
	ldns_buffer *wire = ddns_update_build_batch("corp.example.", changes, 4);
	assert_non_null(wire);
	ldns_pkt *msg = NULL;
	assert_int_equal(ldns_wire2pkt(&msg, ldns_buffer_begin(wire), ldns_buffer_position(wire)),
	                 LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_get_opcode(msg), LDNS_PACKET_UPDATE);
	assert_false(ldns_pkt_rd(msg));
	char *zone = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_question(msg), 0));
	assert_string_equal(zone, "corp.example.\tIN\tSOA\n");
	free(zone);
	assert_string_equal(owners(msg, 0), "host-10-1-2-3.corp.example.\n"
	                                    "other.corp.example.\n");
	assert_string_equal(owners(msg, 1), "host-10-1-2-3.corp.example.\n"
	                                    "host-10-1-2-3.corp.example.\n"
	                                    "other.corp.example.\n"
	                                    "x.other.test.\n"
	                                    "x.other.test.\n"
	                                    "x.badcorp.example.\n"
	                                    "x.badcorp.example.\n");
	char *added = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_authority(msg), 0));
	assert_string_equal(added, "host-10-1-2-3.corp.example.\t300\tIN\tA\t10.1.2.3\n");
	free(added);
	/* The five owners in the zone each take a pointer to the zone's name at offset 12. */
	size_t pointers = 0;
	for (size_t i = 0; i + 1 < ldns_buffer_position(wire); i++)
		pointers +=
		    ldns_buffer_begin(wire)[i] == 0xC0 && ldns_buffer_begin(wire)[i + 1] == 12;
	assert_int_equal(pointers, 5);
	ldns_pkt_free(msg);
	ldns_buffer_free(wire);

	/* A query with EDNS, as discovery sends. */
	ldns_pkt *query = NULL;
	assert_int_equal(ldns_pkt_query_new_frm_str(&query, "corp.example.", LDNS_RR_TYPE_SOA,
	                                            LDNS_RR_CLASS_IN, LDNS_RD),
	                 LDNS_STATUS_OK);
	ldns_pkt_set_edns_udp_size(query, 1232);
	ldns_pkt_set_id(query, 4242);
	wire = ddns_wire_of(query);
	assert_non_null(wire);
	same_message(wire, query);
	ldns_buffer_free(wire);
	ldns_pkt_free(query);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(signed_reply_is_verified),
	    T(unsigned_reply_to_signed_request_is_rejected),
	    T(corrupted_mac_is_rejected),
	    T(reply_signed_with_another_secret_is_rejected),
	    T(tsig_error_is_reported),
	    T(truncated_reply_is_resent_over_tcp),
	    T(truncated_over_tcp_is_an_error),
	    T(udp_timeout_tries_tcp),
	    T(reply_to_another_question_is_rejected),
	    T(garbage_is_rejected),
	    T(unsigned_exchange_reports_rcode),
	    T(every_send_gets_a_fresh_id),
	    T(rcodes_map_to_errors),
	    cmocka_unit_test(update_wire_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
