/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Planning alone, without threads, network or disk: which record changes each lease event makes,
 * given what is recorded as published, and what it records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/plan.h"
#include "support.h"
#include "util/clock.h"

static const uint8_t client1[] = {1, 0x00, 0x0c, 0x01, 0x02, 0x03, 0x04};

struct fixture {
	struct ddns_config *cfg;
	struct ddns_published_map *published;
	struct ddns_counters counters;
	struct ddns_planner planner;
	struct ddns_plan plan;
	struct log_capture log;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[256];
	assert_int_equal(ddns_config_parse("{ \"resolvers\": [\"127.0.0.1\"],"
	                                   "  \"allowed-suffixes\": [\"corp.example.\"] }",
	                                   "/nonexistent", &fx->cfg, err, sizeof(err)),
	                 DDNS_OK);
	fx->published = ddns_published_new();
	ddns_counters_init(&fx->counters);
	fx->planner = (struct ddns_planner){fx->cfg, fx->published, &fx->counters, false};
	log_capture_start(&fx->log);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	log_capture_stop(&fx->log);
	ddns_published_free(fx->published);
	ddns_config_free(fx->cfg);
	free(fx);
	return 0;
}

static const struct ddns_plan *plan(struct fixture *fx, struct ddns_lease_event ev)
{
	ddns_plan_event(&fx->planner, &ev, &fx->plan);
	return &fx->plan;
}

static const struct ddns_published *recorded(struct fixture *fx, uint8_t last)
{
	uint8_t address[4] = {10, 1, 0, last};
	return ddns_published_get(fx->published, AF_INET, address);
}

static void assert_change(const struct ddns_job_record *r, enum ddns_change_op op,
                          ldns_rr_type type, const char *owner, const char *rdata)
{
	assert_int_equal(r->change.op, op);
	assert_int_equal(r->change.type, type);
	assert_string_equal(r->change.owner, owner);
	assert_string_equal(r->change.rdata, rdata);
}

/* The A record first; its PTR waits for it (a name that belongs to another client gets neither). */
static void grant_adds_forward_then_reverse(void **state)
{
	struct fixture *fx = *state;
	const struct ddns_plan *p =
	    plan(fx, lease4_client(DDNS_LEASE_GRANTED, 5, "Host.corp.example", client1, 7));
	assert_int_equal(p->n, 1);
	assert_true(p->changed);
	assert_change(&p->recs[0], DDNS_CHANGE_ADD, LDNS_RR_TYPE_A, "host.corp.example.",
	              "10.1.0.5");
	assert_int_equal(p->recs[0].change.ttl, 1200);
	assert_true(p->recs[0].has_then);
	assert_string_equal(p->recs[0].then.owner, "5.0.1.10.in-addr.arpa.");
	assert_string_equal(p->recs[0].then.rdata, "host.corp.example.");
	assert_int_equal(p->recs[0].change.mode, DDNS_CHECK_WITH_DHCID);
	assert_memory_equal(p->recs[0].change.dhcid, p->recs[0].then.dhcid, DDNS_DHCID_LEN);
	const struct ddns_published *rec = recorded(fx, 5);
	assert_non_null(rec);
	assert_string_equal(rec->fqdn, "host.corp.example.");
	assert_true(rec->forward && rec->reverse);
}

/* A renewal sends nothing until a lease lifetime has passed, then repairs what may be lost. */
static void renewal_resends_only_when_due_for_repair(void **state)
{
	struct fixture *fx = *state;
	plan(fx, lease4(DDNS_LEASE_GRANTED, 6, "h6.corp.example."));
	const struct ddns_plan *p = plan(fx, lease4(DDNS_LEASE_GRANTED, 6, "h6.corp.example."));
	assert_int_equal(p->n, 0);
	assert_false(p->changed);
	assert_int_equal(ddns_counters_get(&fx->counters).skipped, 1);
	ddns_clock_advance(3600 * 1000);
	p = plan(fx, lease4(DDNS_LEASE_GRANTED, 6, "h6.corp.example."));
	assert_int_equal(p->n, 1);
	assert_change(&p->recs[0], DDNS_CHANGE_ADD, LDNS_RR_TYPE_A, "h6.corp.example.", "10.1.0.6");
}

/* A new name for the address: what was published goes first, then the new records. */
static void new_name_removes_the_old_one_first(void **state)
{
	struct fixture *fx = *state;
	plan(fx, lease4(DDNS_LEASE_GRANTED, 7, "old.corp.example."));
	const struct ddns_plan *p = plan(fx, lease4(DDNS_LEASE_GRANTED, 7, "new.corp.example."));
	assert_int_equal(p->n, 3);
	assert_change(&p->recs[0], DDNS_CHANGE_REMOVE, LDNS_RR_TYPE_A, "old.corp.example.",
	              "10.1.0.7");
	assert_change(&p->recs[1], DDNS_CHANGE_REMOVE, LDNS_RR_TYPE_PTR, "7.0.1.10.in-addr.arpa.",
	              "old.corp.example.");
	assert_change(&p->recs[2], DDNS_CHANGE_ADD, LDNS_RR_TYPE_A, "new.corp.example.",
	              "10.1.0.7");
	assert_string_equal(recorded(fx, 7)->fqdn, "new.corp.example.");
}

/* The end of a lease withdraws what was recorded, under the recorded name, and forgets it. */
static void release_withdraws_what_was_published(void **state)
{
	struct fixture *fx = *state;
	plan(fx, lease4(DDNS_LEASE_GRANTED, 8, "h8.corp.example."));
	const struct ddns_plan *p = plan(fx, lease4(DDNS_LEASE_RELEASED, 8, ""));
	assert_int_equal(p->n, 2);
	assert_true(p->changed);
	assert_change(&p->recs[0], DDNS_CHANGE_REMOVE, LDNS_RR_TYPE_A, "h8.corp.example.",
	              "10.1.0.8");
	assert_false(p->recs[0].best_effort);
	assert_null(recorded(fx, 8));
}

/* Nothing recorded (an HA partner published it): the removal is one best-effort attempt unless a
 * partner may have published it, when it is owed like any other. */
static void unrecorded_end_is_best_effort_unless_partnered(void **state)
{
	struct fixture *fx = *state;
	const struct ddns_plan *p = plan(fx, lease4(DDNS_LEASE_EXPIRED, 9, "h9.corp.example."));
	assert_int_equal(p->n, 2);
	assert_false(p->changed);
	assert_true(p->recs[0].best_effort && p->recs[1].best_effort);
	fx->planner.partnered = true;
	p = plan(fx, lease4(DDNS_LEASE_EXPIRED, 9, "h9.corp.example."));
	assert_int_equal(p->n, 2);
	assert_false(p->recs[0].best_effort || p->recs[1].best_effort);
}

/* Bad names and names outside allowed-suffixes are refused, counted and logged once each. */
static void refused_names_are_counted_and_logged(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(plan(fx, lease4(DDNS_LEASE_GRANTED, 10, "bad..corp.example"))->n, 0);
	assert_int_equal(plan(fx, lease4(DDNS_LEASE_GRANTED, 11, "h.other.example."))->n, 0);
	assert_int_equal(ddns_counters_get(&fx->counters).invalid, 2);
	assert_int_equal(log_capture_count(&fx->log, "name 'bad..corp.example' refused"), 1);
	assert_int_equal(log_capture_count(&fx->log, "outside the zones this server may update"),
	                 1);
	assert_null(recorded(fx, 10));
}

/* A grant replayed after its lease ended is not published: another server may have ended it. */
static void grant_of_an_ended_lease_is_skipped(void **state)
{
	struct fixture *fx = *state;
	struct ddns_lease_event ev = lease4(DDNS_LEASE_GRANTED, 12, "h12.corp.example.");
	ev.expires = ddns_clock_wall_s() - 1;
	assert_int_equal(plan(fx, ev)->n, 0);
	assert_int_equal(ddns_counters_get(&fx->counters).skipped, 1);
	assert_true(log_capture_has(&fx->log, "the lease ended before the event was handled"));
}

/* A resync's "gone" withdraws only a name still recorded at the address. */
static void gone_withdraws_only_the_recorded_name(void **state)
{
	struct fixture *fx = *state;
	plan(fx, lease4(DDNS_LEASE_GRANTED, 13, "now.corp.example."));
	assert_int_equal(plan(fx, lease4(DDNS_LEASE_GONE, 13, "then.corp.example."))->n, 0);
	assert_int_equal(plan(fx, lease4(DDNS_LEASE_GONE, 13, "now.corp.example."))->n, 2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(grant_adds_forward_then_reverse),
	    T(renewal_resends_only_when_due_for_repair),
	    T(new_name_removes_the_old_one_first),
	    T(release_withdraws_what_was_published),
	    T(unrecorded_end_is_best_effort_unless_partnered),
	    T(refused_names_are_counted_and_logged),
	    T(grant_of_an_ended_lease_is_skipped),
	    T(gone_withdraws_only_the_recorded_name),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
