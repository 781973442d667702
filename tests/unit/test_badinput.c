/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The bad-input table: for each hostile or broken input, the outcome an operator relies on — a
 * clear log line, a counter, no crash — and no effect on another client's update made alongside.
 * (Configuration rows are in test_config.c, state-file rows in test_journal.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "ddns/engine.h"
#include "support.h"

#define SECRET "c2VjcmV0LWtleS1mb3ItdW5pdC10ZXN0cy0wMTIzNDU2Nzg5"

enum counter { C_INVALID, C_CONFLICTS, C_RETRIES };

struct row {
	const char *what;           /* the bad input */
	const char *fqdn;           /* the bad client's name */
	struct fake_reply reply[3]; /* what the server answers to the bad client's update */
	const char *id;             /* the message ID of the line that must appear */
	const char *log;            /* and text that line must hold */
	enum counter counter;       /* the counter that must move */
};

static char long_label[80], long_name[300];

static const struct row *rows(size_t *n)
{
	memset(long_label, 'x', 64);
	strcpy(long_label + 64, ".corp.example.");
	for (int i = 0; i < 4; i++) {
		memset(long_name + i * 64, 'a', 63);
		long_name[i * 64 + 63] = '.';
	}
	strcpy(long_name + 256, "corp.example.");
	static struct row table[] = {
	    {"illegal characters",
	     "bad_name!.corp.example.",
	     {{0}},
	     "DDNS_DIRECT_NAME_REFUSED",
	     "refused: character not allowed",
	     C_INVALID},
	    {"empty label",
	     "a..corp.example.",
	     {{0}},
	     "DDNS_DIRECT_NAME_REFUSED",
	     "refused: empty label",
	     C_INVALID},
	    {"64-octet label",
	     long_label,
	     {{0}},
	     "DDNS_DIRECT_NAME_REFUSED",
	     "refused: label longer than 63 octets",
	     C_INVALID},
	    {"256-octet name",
	     long_name,
	     {{0}},
	     "DDNS_DIRECT_NAME_REFUSED",
	     "refused: name longer than 255 octets",
	     C_INVALID},
	    {"name outside the allowed zones",
	     "h.elsewhere.example.",
	     {{0}},
	     "DDNS_DIRECT_NAME_NOT_ALLOWED",
	     "refused: outside the zones this server may update",
	     C_INVALID},
	    {"name held by another client",
	     "taken.corp.example.",
	     {{.rcode = LDNS_RCODE_YXDOMAIN}, {.rcode = LDNS_RCODE_NXRRSET}},
	     "DDNS_DIRECT_UPDATE_CONFLICT",
	     "conflict, the name belongs to another client",
	     C_CONFLICTS},
	    {"static host name (no DHCID)",
	     "static.corp.example.",
	     {{.rcode = LDNS_RCODE_YXDOMAIN}, {.rcode = LDNS_RCODE_NXRRSET}},
	     "DDNS_DIRECT_UPDATE_CONFLICT",
	     "or is a static entry",
	     C_CONFLICTS},
	    {"reply with the wrong ID",
	     "wrongid.corp.example.",
	     {{.wrong_id = true}},
	     "DDNS_DIRECT_UPDATE_TARGET_FAILED",
	     "malformed or mismatched reply",
	     C_RETRIES},
	    {"unsigned reply to a signed update",
	     "unsigned.corp.example.",
	     {{.unsigned_reply = true}},
	     "DDNS_DIRECT_UPDATE_TARGET_FAILED",
	     "reply is unsigned or fails verification",
	     C_RETRIES},
	    {"reply with a forged signature",
	     "forged.corp.example.",
	     {{.bad_mac = true}},
	     "DDNS_DIRECT_UPDATE_TARGET_FAILED",
	     "reply is unsigned or fails verification",
	     C_RETRIES},
	    {"truncated, over TCP too",
	     "trunc.corp.example.",
	     {{.truncated = true}, {.truncated = true}},
	     "DDNS_DIRECT_UPDATE_TARGET_FAILED",
	     "reply truncated even over TCP",
	     C_RETRIES},
	    {"garbage reply",
	     "garbage.corp.example.",
	     {{.garbage = true}},
	     "DDNS_DIRECT_UPDATE_TARGET_FAILED",
	     "malformed or mismatched reply",
	     C_RETRIES},
	    {"unreachable server",
	     "unreach.corp.example.",
	     {{.transport_error = DDNS_ENETWORK}},
	     "DDNS_DIRECT_UPDATE_TARGET_FAILED",
	     "network error talking to the server",
	     C_RETRIES},
	};
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

static struct ddns_tsig_key key = {"k.", "hmac-sha256.", SECRET, NULL, 0, false};
static uint64_t counter(const struct ddns_engine_stats *st, enum counter c)
{
	return c == C_INVALID ? st->invalid : c == C_CONFLICTS ? st->conflicts : st->retries;
}

static void run_row(const struct row *r)
{
	struct engine_fixture *fx = engine_fixture_new(&key);
	fx->opts.timeout_ms = 50;
	fx->opts.retry_min_ms = fx->opts.retry_max_ms = 60000;
	engine_fixture_start(
	    fx, "{ \"resolvers\": [\"127.0.0.1\"], \"state-dir\": \"%s\", \"reverse\": false,"
	        "  \"tsig-keys\": [ { \"name\": \"k\", \"algorithm\": \"hmac-sha256\","
	        "                     \"secret\": \"" SECRET "\" } ], \"default-key\": \"k\","
	        "  \"zones\": [ { \"name\": \"corp.example.\", \"servers\": [\"127.0.0.2\"] } ] }");
	for (size_t i = 0;
	     i < 3 && (r->reply[i].rcode || r->reply[i].transport_error ||
	               r->reply[i].unsigned_reply || r->reply[i].bad_mac || r->reply[i].truncated ||
	               r->reply[i].garbage || r->reply[i].wrong_id);
	     i++)
		fake_dns_push(&fx->dns, r->reply[i]);
	uint8_t bad_id[] = {1, 2, 3}, good_id[] = {1, 2, 4};
	struct ddns_lease_event bad = lease4_client(DDNS_LEASE_GRANTED, 66, r->fqdn, bad_id, 3);
	struct ddns_lease_event good =
	    lease4_client(DDNS_LEASE_GRANTED, 77, "good.corp.example.", good_id, 3);
	/* The good client comes while the bad one's change is still owed (its retry is a minute
	 * away), in a message of its own: a batch shares one reply, and batches are tested in
	 * test_engine.c. */
	engine_fixture_submit(fx, bad);
	engine_fixture_submit(fx, good);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(fx->engine, &st);
	engine_fixture_stop(fx);
	if (!log_capture_has_line(&fx->log, r->id, r->log)) {
		log_capture_print(&fx->log);
		fail_msg("%s: the log lacks a %s line with \"%s\"", r->what, r->id, r->log);
	}
	if (counter(&st, r->counter) == 0)
		fail_msg("%s: its counter did not move", r->what);
	if (st.succeeded != 1 || st.dropped != 0)
		fail_msg("%s: the good client's update was affected (%llu succeeded)", r->what,
		         (unsigned long long)st.succeeded);
	assert_false(log_capture_has(&fx->log, SECRET));
	engine_fixture_free(fx);
}

static void every_row(void **state)
{
	(void)state;
	size_t n;
	const struct row *table = rows(&n);
	for (size_t i = 0; i < n; i++) {
		run_row(&table[i]);
		printf("[ ROW OK   ] %s\n", table[i].what);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(every_row)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
