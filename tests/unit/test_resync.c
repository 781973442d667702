/* SPDX-License-Identifier: MPL-2.0 */
/*
 * ddns_engine_resync_start and _step against a mock lease database: what it publishes, what it
 * withdraws, that it withdraws nothing it cannot be sure of, and that it works in steps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support.h"

struct lease_db {
	struct ddns_lease_event leases[8];
	size_t n, next;
	bool fail_at_end;  /* the last read fails instead of ending */
	uint8_t regranted; /* last byte of an address a lease holds again once all were read */
	size_t held_calls; /* how often held was asked */
};

static int read_db(void *ctx, struct ddns_lease_event *out, size_t max)
{
	struct lease_db *db = ctx;
	assert_true(max > 0);
	if (db->next == db->n)
		return db->fail_at_end ? DDNS_EIO : 0;
	out[0] = db->leases[db->next++];
	return 1;
}

static int held_db(void *ctx, int family, const uint8_t *address)
{
	struct lease_db *db = ctx;
	assert_int_equal(family, AF_INET);
	db->held_calls++;
	return db->regranted != 0 && address[3] == db->regranted;
}

static const struct ddns_lease_source source = {read_db, held_db, NULL, NULL};

/* Runs a resync to its end a lease at a time; returns how many steps it took. */
static int resync(struct engine_fixture *fx, struct lease_db *db, bool force, int want_rc,
                  struct ddns_resync_report *r)
{
	uint64_t number = 0;
	assert_int_equal(ddns_engine_resync_start(fx->engine, AF_INET, force, &number), DDNS_OK);
	struct ddns_lease_source src = source;
	src.ctx = db;
	int steps = 0, rc;
	while ((rc = ddns_engine_resync_step(fx->engine, &src, 1)) > 0)
		steps++;
	assert_int_equal(rc, want_rc);
	struct ddns_engine_status st;
	assert_int_equal(ddns_engine_get_status(fx->engine, &st), DDNS_OK);
	assert_int_equal(st.resync.state, rc == DDNS_OK ? DDNS_RESYNC_DONE : DDNS_RESYNC_FAILED);
	assert_int_equal(st.resync.error, rc);
	assert_int_equal(st.resync.number, number);
	*r = st.resync.report;
	ddns_engine_status_free(&st);
	assert_int_equal(ddns_engine_wait_idle(fx->engine, 5000), DDNS_OK);
	return steps + 1;
}

/* How many records of type and class at owner the messages must carry. */
struct sent {
	const char *owner;
	ldns_rr_type type;
	ldns_rr_class klass;
	size_t n;
};

/* Asserts each expectation over the messages from index from on. */
static void assert_sent(struct engine_fixture *fx, size_t from, const struct sent *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t got = fake_dns_update_records(&fx->dns, from, want[i].owner, want[i].type,
		                                     want[i].klass);
		if (got != want[i].n)
			fail_msg("%zu records of type %d class %d at %s, expected %zu", got,
			         want[i].type, want[i].klass, want[i].owner, want[i].n);
	}
}

/* Lease .21 is recorded and leased, .22 leased only, .23 recorded only: one publication and one
 * withdrawal go out, and nothing for the lease already in step. */
static void resync_publishes_the_missing_and_withdraws_the_gone(void **state)
{
	struct engine_fixture *fx = *state;
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 21, "a.corp.example."));
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 23, "c.corp.example."));
	size_t before = fake_dns_count(&fx->dns);
	struct lease_db db = {.n = 2};
	db.leases[0] = lease4(DDNS_LEASE_GRANTED, 21, "A.corp.example");
	db.leases[1] = lease4(DDNS_LEASE_GRANTED, 22, "b.corp.example.");
	struct ddns_resync_report r;
	/* One lease a step: a lease, another, the end of the leases with the first recorded
	 * address, the second recorded address (and the end). */
	assert_int_equal(resync(fx, &db, false, DDNS_OK, &r), 4);
	assert_int_equal(db.held_calls, 1);
	assert_int_equal(r.leases, 2);
	assert_int_equal(r.recorded, 2);
	assert_int_equal(r.published, 1);
	assert_int_equal(r.withdrawn, 1);
	/* b's A and PTR added, c's deleted: in two to four messages, as the worker took them. */
	assert_count_in_range(fake_dns_count(&fx->dns) - before, 2, 4);
	static const struct sent first[] = {
	    {"b.corp.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 1},
	    {"22.0.1.10.in-addr.arpa.", LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, 1},
	    {"c.corp.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_NONE, 1},
	    {"23.0.1.10.in-addr.arpa.", LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_NONE, 1},
	    {"a.corp.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0},
	};
	assert_sent(fx, before, first, sizeof(first) / sizeof(first[0]));

	/* In step now: a second resync sends nothing; force re-sends both leases. */
	before = fake_dns_count(&fx->dns);
	db.next = 0;
	resync(fx, &db, false, DDNS_OK, &r);
	assert_int_equal(r.published + r.withdrawn, 0);
	assert_int_equal(fake_dns_count(&fx->dns), before);
	db.next = 0;
	resync(fx, &db, true, DDNS_OK, &r);
	assert_int_equal(r.published, 2);
	/* In one message or two, as the worker happened to take the events. */
	static const struct sent forced[] = {
	    {"a.corp.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 1},
	    {"b.corp.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 1},
	    {"21.0.1.10.in-addr.arpa.", LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, 1},
	    {"22.0.1.10.in-addr.arpa.", LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, 1},
	};
	assert_sent(fx, before, forced, sizeof(forced) / sizeof(forced[0]));
	assert_true(log_capture_has(&fx->log, "resync (force): 2 leases read"));
}

/* A reader that fails part way leaves every recorded name alone, leased or not. */
static void resync_withdraws_nothing_after_a_read_failure(void **state)
{
	struct engine_fixture *fx = *state;
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 24, "d.corp.example."));
	size_t before = fake_dns_count(&fx->dns);
	struct lease_db db = {.n = 0, .fail_at_end = true};
	struct ddns_resync_report r;
	resync(fx, &db, false, DDNS_EIO, &r);
	assert_int_equal(r.withdrawn, 0);
	assert_int_equal(fake_dns_count(&fx->dns), before);
	assert_true(log_capture_has(&fx->log, "resync stopped after 0 leases"));
	assert_true(log_capture_has(&fx->log, "nothing was withdrawn"));
}

/* A recorded address without a lease while the leases were read, granted again before the
 * withdrawals: its name stays; the next resync finds it leased. */
static void resync_keeps_a_name_granted_again_behind_the_reader(void **state)
{
	struct engine_fixture *fx = *state;
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 26, "e.corp.example."));
	size_t before = fake_dns_count(&fx->dns);
	struct lease_db db = {.n = 0, .regranted = 26};
	struct ddns_resync_report r;
	resync(fx, &db, false, DDNS_OK, &r);
	assert_int_equal(db.held_calls, 1);
	assert_int_equal(r.recorded, 1);
	assert_int_equal(r.withdrawn, 0);
	assert_int_equal(fake_dns_count(&fx->dns), before);
}

/* One resync at a time; the engine can be freed with one unfinished. */
static void resync_runs_one_at_a_time(void **state)
{
	struct engine_fixture *fx = *state;
	uint64_t number = 0;
	assert_int_equal(ddns_engine_resync_start(fx->engine, AF_INET, false, &number), DDNS_OK);
	assert_int_equal(number, 1);
	assert_int_equal(ddns_engine_resync_start(fx->engine, AF_INET, true, &number), DDNS_EBUSY);
	assert_int_equal(ddns_engine_resync_start(fx->engine, 99, false, &number), DDNS_EINVAL);
	assert_int_equal(number, 1);
	struct lease_db db = {.n = 1};
	db.leases[0] = lease4(DDNS_LEASE_GRANTED, 27, "f.corp.example.");
	struct ddns_lease_source src = source;
	src.ctx = &db;
	assert_int_equal(ddns_engine_resync_step(fx->engine, &src, 1), 1);
	struct ddns_engine_status st;
	assert_int_equal(ddns_engine_get_status(fx->engine, &st), DDNS_OK);
	assert_int_equal(st.resync.state, DDNS_RESYNC_RUNNING);
	assert_int_equal(st.resync.number, 1);
	assert_false(st.resync.force);
	assert_int_equal(st.resync.report.leases, 1);
	ddns_engine_status_free(&st);
	/* The fixture's teardown frees the engine with the resync unfinished. */
}

/* A withdrawal whose address was renamed after the resync's copy removes nothing. */
static void resync_withdrawal_of_a_renamed_address_is_left_alone(void **state)
{
	struct engine_fixture *fx = *state;
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GRANTED, 25, "new.corp.example."));
	size_t before = fake_dns_count(&fx->dns);
	engine_fixture_submit(fx, lease4(DDNS_LEASE_GONE, 25, "old.corp.example."));
	assert_int_equal(fake_dns_count(&fx->dns), before);
	assert_true(
	    log_capture_has(&fx->log, "old.corp.example. is no longer recorded as published"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, engine_fixture_setup, engine_fixture_teardown)
	const struct CMUnitTest tests[] = {
	    T(resync_publishes_the_missing_and_withdraws_the_gone),
	    T(resync_withdraws_nothing_after_a_read_failure),
	    T(resync_withdrawal_of_a_renamed_address_is_left_alone),
	    T(resync_keeps_a_name_granted_again_behind_the_reader),
	    T(resync_runs_one_at_a_time),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
