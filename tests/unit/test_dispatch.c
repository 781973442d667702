/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The owed list, its schedule and the dispatcher alone, without threads or sleeps: time is the
 * now_ms each call is given. Zones are pinned in the configuration, so the locator's keys need
 * no network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/dispatch.h"
#include "support.h"

struct fixture {
	struct fake_dns dns; /* never reached: every zone is pinned */
	struct ddns_config *cfg;
	struct ddns_locator *locator;
	struct ddns_owed owed;
	struct ddns_dispatcher d;
	struct job *batches[DDNS_SENDERS];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[256];
	log_capture_start(NULL);
	fake_dns_init(&fx->dns, NULL);
	assert_int_equal(
	    ddns_config_parse("{ \"resolvers\": [\"127.0.0.1\"], \"zones\": ["
	                      "  { \"name\": \"a.example.\", \"servers\": [\"127.0.0.2\"] },"
	                      "  { \"name\": \"b.example.\", \"servers\": [\"127.0.0.2\"] },"
	                      "  { \"name\": \"c.example.\", \"servers\": [\"127.0.0.2\"] } ] }",
	                      "/nonexistent", &fx->cfg, err, sizeof(err)),
	    DDNS_OK);
	fx->locator = ddns_locator_new(fx->cfg, &fx->dns.transport, 100);
	ddns_owed_init(&fx->owed);
	ddns_dispatcher_init(&fx->d, fx->locator);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	ddns_dispatcher_deinit(&fx->d);
	ddns_owed_deinit(&fx->owed);
	ddns_locator_free(fx->locator);
	ddns_config_free(fx->cfg);
	fake_dns_deinit(&fx->dns);
	log_capture_stop(NULL);
	free(fx);
	return 0;
}

/* Owes an A record for owner, owed since since_ms and due at due_ms. */
static struct job *owe(struct fixture *fx, const char *owner, int64_t since_ms, int64_t due_ms)
{
	struct job *job = ddns_owed_job_new(&fx->owed);
	assert_non_null(job);
	job->rec.change.type = LDNS_RR_TYPE_A;
	snprintf(job->rec.change.owner, sizeof(job->rec.change.owner), "%s", owner);
	snprintf(job->rec.change.rdata, sizeof(job->rec.change.rdata), "10.0.0.1");
	assert_int_equal(ddns_owed_add(&fx->owed, job, since_ms, due_ms), DDNS_OK);
	return job;
}

static size_t dispatch(struct fixture *fx, size_t free_senders, int64_t now_ms)
{
	return ddns_dispatch(&fx->d, &fx->owed, free_senders, now_ms, fx->batches);
}

static size_t batch_size(const struct job *first)
{
	size_t n = 0;
	for (; first != NULL; first = first->bnext)
		n++;
	return n;
}

/* A sender hands the batch back: its jobs are scheduled again (or finished), its zone is free. */
static void finish_batch(struct fixture *fx, struct job *first)
{
	ddns_dispatch_done(&fx->d, first->slot);
	for (struct job *job = first, *next; job != NULL; job = next) {
		next = job->bnext;
		ddns_owed_finish(&fx->owed, job, NULL);
	}
}

/* Changes to one zone that fall due together go in one message, lingering ones with them. */
static void one_batch_per_zone_lingering_ones_join(void **state)
{
	struct fixture *fx = *state;
	owe(fx, "h1.a.example.", 0, 100);
	owe(fx, "h2.a.example.", 50, 150);
	owe(fx, "h1.b.example.", 60, 160);
	assert_int_equal(dispatch(fx, 4, 99), 0);
	assert_int_equal(ddns_owed_next_due(&fx->owed), 100);
	/* At 100 the first is due and opens a.example's batch; h2 lingers and joins it; b.example
	 * has no due change yet and waits. */
	assert_int_equal(dispatch(fx, 4, 100), 1);
	assert_int_equal(batch_size(fx->batches[0]), 2);
	assert_string_equal(fx->batches[0]->rec.change.owner, "h1.a.example.");
	assert_true(fx->batches[0]->running && fx->batches[0]->bnext->running);
	assert_int_equal(ddns_owed_next_due(&fx->owed), 160);
	assert_int_equal(dispatch(fx, 3, 160), 1);
	assert_string_equal(fx->batches[0]->rec.change.owner, "h1.b.example.");
}

/* A zone with a batch out gets no other until it comes back; other zones go meanwhile. */
static void a_zone_has_one_batch_out_at_a_time(void **state)
{
	struct fixture *fx = *state;
	owe(fx, "h1.a.example.", 0, 0);
	assert_int_equal(dispatch(fx, 4, 0), 1);
	struct job *out = fx->batches[0];
	owe(fx, "h2.a.example.", 1, 1);
	owe(fx, "h1.c.example.", 1, 1);
	assert_int_equal(dispatch(fx, 3, 1), 1);
	assert_string_equal(fx->batches[0]->rec.change.owner, "h1.c.example.");
	finish_batch(fx, out);
	assert_int_equal(dispatch(fx, 3, 2), 1);
	assert_string_equal(fx->batches[0]->rec.change.owner, "h2.a.example.");
}

/* A later change to a name never overtakes an earlier one, due or not, running or waiting. */
static void changes_to_one_name_keep_their_order(void **state)
{
	struct fixture *fx = *state;
	struct job *first = owe(fx, "same.a.example.", 0, 500);
	owe(fx, "same.a.example.", 1, 0);
	owe(fx, "other.b.example.", 2, 0);
	assert_int_equal(dispatch(fx, 4, 10), 1);
	assert_string_equal(fx->batches[0]->rec.change.owner, "other.b.example.");
	assert_int_equal(dispatch(fx, 4, 500), 1);
	assert_ptr_equal(fx->batches[0], first);
	assert_int_equal(batch_size(first), 1);
}

/* Only as many batches as free senders; a batch closes when no other change fits its message
 * (DDNS_BATCH_BYTES, by an upper bound of each change's size). */
static void batches_are_bounded(void **state)
{
	struct fixture *fx = *state;
	char owner[64];
	for (int i = 0; i < DDNS_BATCH_MAX + 10; i++) {
		snprintf(owner, sizeof(owner), "h%d.a.example.", i);
		owe(fx, owner, i, 0);
	}
	owe(fx, "h.b.example.", 1000, 0);
	owe(fx, "h.c.example.", 1001, 0);
	assert_int_equal(dispatch(fx, 2, 0), 2);
	size_t bytes = 0;
	for (const struct job *job = fx->batches[0]; job != NULL; job = job->bnext)
		bytes += job->bytes;
	assert_true(bytes <= DDNS_BATCH_BYTES);
	assert_true(bytes + fx->batches[0]->bytes > DDNS_BATCH_BYTES);
	assert_true(batch_size(fx->batches[0]) < DDNS_BATCH_MAX);
	assert_string_equal(fx->batches[1]->rec.change.owner, "h.b.example.");
	assert_int_equal(dispatch(fx, 0, 0), 0);
}

/* The schedule wakes for the earliest waiting change; a change back from a sender takes its
 * retry time, and a flush makes everything due. */
static void schedule_and_flush(void **state)
{
	struct fixture *fx = *state;
	owe(fx, "h1.a.example.", 0, 300);
	owe(fx, "h1.b.example.", 0, 200);
	owe(fx, "h1.c.example.", 0, 100);
	assert_int_equal(ddns_owed_next_due(&fx->owed), 100);
	assert_int_equal(dispatch(fx, 4, 100), 1);
	struct job *c = fx->batches[0];
	ddns_dispatch_done(&fx->d, c->slot);
	ddns_owed_schedule(&fx->owed, c, 1000);
	assert_int_equal(ddns_owed_next_due(&fx->owed), 200);
	ddns_owed_all_due(&fx->owed);
	assert_int_equal(ddns_owed_next_due(&fx->owed), -1);
	assert_int_equal(dispatch(fx, 4, 101), 3);
	assert_int_equal(ddns_owed_oldest(&fx->owed, 101), 0);
}

/* The change that waited for a finished one takes its place: it goes before later changes to
 * its own name. */
static void follow_up_takes_the_finished_ones_place(void **state)
{
	struct fixture *fx = *state;
	struct job *a = owe(fx, "h.a.example.", 0, 0);
	owe(fx, "9.0.0.10.in-addr.arpa.", 5, 0); /* a later change to the PTR's name */
	assert_int_equal(dispatch(fx, 1, 0), 1);
	ddns_dispatch_done(&fx->d, a->slot);
	struct job *ptr = ddns_owed_job_new(&fx->owed);
	ptr->rec.change.type = LDNS_RR_TYPE_PTR;
	snprintf(ptr->rec.change.owner, sizeof(ptr->rec.change.owner), "9.0.0.10.in-addr.arpa.");
	ddns_owed_finish(&fx->owed, a, ptr);
	assert_ptr_equal(fx->owed.head, ptr);
	assert_int_equal(ptr->since_ms, 0);
	assert_int_equal(fx->owed.n, 2);
	assert_int_equal(dispatch(fx, 4, 1), 1);
	assert_ptr_equal(fx->batches[0], ptr);
	assert_int_equal(batch_size(ptr), 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(one_batch_per_zone_lingering_ones_join),
	    T(a_zone_has_one_batch_out_at_a_time),
	    T(changes_to_one_name_keep_their_order),
	    T(batches_are_bounded),
	    T(schedule_and_flush),
	    T(follow_up_takes_the_finished_ones_place),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
