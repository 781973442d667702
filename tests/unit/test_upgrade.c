/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The engine's records in state-dir: each encoded field by field and read back the same, and a
 * state-dir of the first release (raw structs, format 0; tests/unit/fixtures/state-v0, written by
 * main at 4a2b0eb) read with every owed change, published entry and unhandled event intact, then
 * rewritten in today's format and read again the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "ddns/error.h"
#include "engine/durable.h"
#include "engine/records.h"
#include "fake_dns.h"

#ifndef FIXTURES
#define FIXTURES "tests/unit/fixtures"
#endif

static struct ddns_change change(const char *owner, const char *rdata, ldns_rr_type type,
                                 uint8_t seed)
{
	struct ddns_change c = {.op = DDNS_CHANGE_ADD,
	                        .type = type,
	                        .ttl = 1200,
	                        .mode = DDNS_CHECK_WITH_DHCID,
	                        .step = 1};
	snprintf(c.owner, sizeof(c.owner), "%s", owner);
	snprintf(c.rdata, sizeof(c.rdata), "%s", rdata);
	for (int i = 0; i < DDNS_DHCID_LEN; i++)
		c.dhcid[i] = (uint8_t)(i * 7 + seed);
	c.dhcid[DDNS_DHCID_LEN - 1] = 0; /* a trailing zero survives */
	return c;
}

static void records_read_back_the_same(void **state)
{
	uint8_t blob[DDNS_RECORD_MAX];
	(void)state;
	struct ddns_lease_event ev = {.kind = DDNS_LEASE_GRANTED,
	                              .family = AF_INET6,
	                              .forward = true,
	                              .id_type = DDNS_ID_DUID,
	                              .id_len = 14,
	                              .lifetime = 7200,
	                              .expires = -3,
	                              .dns = {3, 600, 0.5, 60, 86400}};
	memcpy(ev.address, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x42", 16);
	memcpy(ev.id, "\0\1\0\1abcdefghij", 14);
	snprintf(ev.fqdn, sizeof(ev.fqdn), "host.v6.example.");
	size_t len = ddns_record_put_event(&ev, blob);
	struct ddns_lease_event back;
	assert_true(ddns_record_get_event(1, blob, len, &back));
	assert_memory_equal(&back, &ev, sizeof(ev));
	print_message("an event: %zu bytes (in memory %zu)\n", len, sizeof(ev));
	/* Cut short anywhere, it is refused. */
	for (size_t cut = 0; cut < len; cut++)
		assert_false(ddns_record_get_event(1, blob, cut, &back));

	struct ddns_job_record job = {
	    .change = change("a.corp.example.", "10.1.0.10", LDNS_RR_TYPE_A, 3),
	    .then = change("10.0.1.10.in-addr.arpa.", "a.corp.example.", LDNS_RR_TYPE_PTR, 3),
	    .has_then = true,
	    .alias_checked = true,
	    .valid_until = 4102444800,
	    .family = AF_INET};
	memcpy(job.address, "\x0a\x01\x00\x0a", 4);
	len = ddns_record_put_job(&job, blob);
	struct ddns_job_record job_back;
	assert_true(ddns_record_get_job(1, blob, len, &job_back));
	assert_memory_equal(&job_back, &job, sizeof(job));
	print_message("a job with its PTR to follow: %zu bytes (in memory %zu)\n", len,
	              sizeof(job));
	for (size_t cut = 0; cut < len; cut++)
		assert_false(ddns_record_get_job(1, blob, cut, &job_back));
	/* A reverse change with a DHCID of its own keeps it (the same one is written once). */
	job.then.dhcid[0] ^= 0xff;
	size_t longer = ddns_record_put_job(&job, blob);
	assert_true(longer > len);
	assert_true(ddns_record_get_job(1, blob, longer, &job_back));
	assert_memory_equal(&job_back, &job, sizeof(job));

	struct ddns_published p = {
	    .forward = true, .reverse = true, .mode = DDNS_NO_CHECK_WITH_DHCID};
	snprintf(p.fqdn, sizeof(p.fqdn), "a.corp.example.");
	memcpy(p.dhcid, job.change.dhcid, sizeof(p.dhcid));
	len = ddns_record_put_published(&p, blob);
	struct ddns_published p_back;
	assert_true(ddns_record_get_published(1, blob, len, &p_back));
	assert_memory_equal(&p_back, &p, sizeof(p));
	/* Out-of-range values are malformed, not trusted. */
	blob[1 + strlen(p.fqdn) + 1] = 9; /* the mode, after the name and the flags */
	assert_false(ddns_record_get_published(1, blob, len, &p_back));
}

/* What a load of the fixture handed back. */
struct loaded {
	struct ddns_published_map *published;
	struct ddns_job_record jobs[8];
	size_t n_jobs;
	uint64_t seqs[8];
	struct ddns_lease_event events[8];
	size_t n_events;
};

static void got_published(void *ctx, int family, const uint8_t *address,
                          const struct ddns_published *p)
{
	struct loaded *l = ctx;
	if (p != NULL)
		assert_int_equal(ddns_published_set(l->published, family, address, p), DDNS_OK);
	else
		ddns_published_remove(l->published, family, address);
}

static bool got_job(void *ctx, const struct ddns_job_record *r)
{
	struct loaded *l = ctx;
	assert_true(l->n_jobs < 8);
	l->jobs[l->n_jobs++] = *r;
	return true;
}

static void got_event(void *ctx, uint64_t seq, const struct ddns_lease_event *ev)
{
	struct loaded *l = ctx;
	assert_true(l->n_events < 8);
	l->seqs[l->n_events] = seq;
	l->events[l->n_events++] = *ev;
}

static void each_job(void *ctx, void (*fn)(void *fn_ctx, const struct ddns_job_record *r),
                     void *fn_ctx)
{
	struct loaded *l = ctx;
	for (size_t i = 0; i < l->n_jobs; i++)
		fn(fn_ctx, &l->jobs[i]);
}

/* Opens dir and checks it holds what the fixture was written with (see the file's comment). */
static void assert_fixture_contents(const char *dir)
{
	struct loaded l = {.published = ddns_published_new()};
	const struct ddns_durable_loader loader = {got_published, got_job, got_event, &l};
	const struct ddns_durable_live live = {l.published, each_job, &l};
	struct ddns_durable *d;
	assert_int_equal(ddns_durable_open(dir, NULL, &loader, &live, &d), DDNS_OK);
	ddns_durable_free(d);

	/* Published: b only (a was released). */
	assert_int_equal(ddns_published_count(l.published), 1);
	const struct ddns_published *b =
	    ddns_published_get(l.published, AF_INET, (const uint8_t *)"\x0a\x01\x00\x0b");
	assert_non_null(b);
	assert_string_equal(b->fqdn, "b.corp.example.");
	assert_true(b->forward && b->reverse);
	assert_int_equal(b->mode, DDNS_CHECK_WITH_DHCID);
	for (int i = 0; i < DDNS_DHCID_LEN; i++)
		assert_int_equal(b->dhcid[i], (uint8_t)(i * 7 + 11));

	/* Owed: b's add at its second step with its PTR to follow, a's PTR, a's removal. */
	assert_int_equal(l.n_jobs, 3);
	assert_string_equal(l.jobs[0].change.owner, "b.corp.example.");
	assert_string_equal(l.jobs[0].change.rdata, "10.1.0.11");
	assert_int_equal(l.jobs[0].change.step, 1);
	assert_int_equal(l.jobs[0].change.ttl, 1200);
	assert_true(l.jobs[0].has_then);
	assert_string_equal(l.jobs[0].then.owner, "11.0.1.10.in-addr.arpa.");
	assert_int_equal(l.jobs[0].then.type, LDNS_RR_TYPE_PTR);
	assert_true(l.jobs[0].valid_until == 4102444800);
	assert_memory_equal(l.jobs[0].address, "\x0a\x01\x00\x0b", 4);
	assert_int_equal(l.jobs[1].change.type, LDNS_RR_TYPE_PTR);
	assert_string_equal(l.jobs[1].change.owner, "10.0.1.10.in-addr.arpa.");
	assert_string_equal(l.jobs[1].change.rdata, "a.corp.example.");
	assert_false(l.jobs[1].has_then);
	assert_int_equal(l.jobs[2].change.op, DDNS_CHANGE_REMOVE);
	assert_string_equal(l.jobs[2].change.owner, "a.corp.example.");
	assert_true(l.jobs[2].alias_checked);
	assert_int_equal(l.jobs[2].valid_until, 0);
	/* Ids stay distinct and new ones come after them. */
	assert_true(l.jobs[0].id != l.jobs[1].id && l.jobs[1].id != l.jobs[2].id);

	/* Unhandled: the fourth event, whole. */
	assert_int_equal(l.n_events, 1);
	assert_int_equal(l.seqs[0], 4);
	assert_int_equal(l.events[0].kind, DDNS_LEASE_GRANTED);
	assert_string_equal(l.events[0].fqdn, "unhandled.corp.example.");
	assert_memory_equal(l.events[0].address, "\x0a\x01\x00\x0c", 4);
	assert_int_equal(l.events[0].id_type, DDNS_ID_CLIENT_ID);
	assert_int_equal(l.events[0].id_len, 7);
	assert_memory_equal(l.events[0].id, "\x01\x02\x03\x04\x05\x06\x07", 7);
	assert_int_equal(l.events[0].lifetime, 3600);
	assert_int_equal(l.events[0].dns.conflict_mode, 2);
	assert_int_equal(l.events[0].dns.ttl, 300);
	ddns_published_free(l.published);
}

static void a_state_dir_of_the_first_release_is_converted(void **state)
{
	char dir[64], cmd[256];
	int files;
	(void)state;
	fake_state_dir(dir);
	snprintf(cmd, sizeof(cmd), "cp %s/state-v0/state %s/state-v0/events %s/", FIXTURES,
	         FIXTURES, dir);
	assert_int_equal(system(cmd), 0);
	uint64_t before = fake_state_dir_bytes(dir, &files);
	assert_fixture_contents(dir);
	/* Converted: the old events file is a segment now, the state file today's format. */
	uint64_t after = fake_state_dir_bytes(dir, &files);
	print_message("format 0: %llu bytes; converted: %llu bytes in %d files\n",
	              (unsigned long long)before, (unsigned long long)after, files);
	assert_true(after < before);
	assert_fixture_contents(dir);
	fake_state_dir_remove(dir);
}

/* A forward change done and its PTR owed: on disk the job only moved on (a few bytes), and a
 * restart resumes the PTR, with the job's id. */
static void a_job_that_moved_on_resumes_as_what_follows_it(void **state)
{
	char dir[64];
	(void)state;
	fake_state_dir(dir);
	struct loaded l = {.published = ddns_published_new()};
	const struct ddns_durable_loader loader = {got_published, got_job, got_event, &l};
	const struct ddns_durable_live live = {l.published, each_job, &l};
	struct ddns_durable *d;
	assert_int_equal(ddns_durable_open(dir, NULL, &loader, &live, &d), DDNS_OK);
	struct ddns_job_record job = {
	    .change = change("a.corp.example.", "10.1.0.10", LDNS_RR_TYPE_A, 3),
	    .then = change("10.0.1.10.in-addr.arpa.", "a.corp.example.", LDNS_RR_TYPE_PTR, 3),
	    .has_then = true,
	    .valid_until = 4102444800,
	    .family = AF_INET};
	struct ddns_job_record *jobs[1] = {&job};
	assert_int_equal(ddns_durable_handled(d, 0, jobs, 1, AF_INET,
	                                      (const uint8_t *)"\x0a\x01\x00\x0a", NULL, false),
	                 DDNS_OK);
	struct ddns_job_record next = job;
	assert_true(ddns_record_move_on(&next));
	assert_int_equal(ddns_durable_job_done(d, job.id, &next), DDNS_OK);
	assert_int_equal(next.id, job.id);
	assert_false(ddns_record_move_on(&next)); /* nothing follows a PTR */
	ddns_durable_free(d);

	assert_int_equal(ddns_durable_open(dir, NULL, &loader, &live, &d), DDNS_OK);
	ddns_durable_free(d);
	assert_int_equal(l.n_jobs, 1);
	assert_int_equal(l.jobs[0].id, job.id);
	assert_int_equal(l.jobs[0].change.type, LDNS_RR_TYPE_PTR);
	assert_string_equal(l.jobs[0].change.owner, "10.0.1.10.in-addr.arpa.");
	assert_false(l.jobs[0].has_then);
	assert_true(l.jobs[0].valid_until == 4102444800);
	/* Written in full by the rewrite at that start, it reads the same at the next. */
	l.n_jobs = 0;
	assert_int_equal(ddns_durable_open(dir, NULL, &loader, &live, &d), DDNS_OK);
	ddns_durable_free(d);
	assert_int_equal(l.n_jobs, 1);
	assert_string_equal(l.jobs[0].change.owner, "10.0.1.10.in-addr.arpa.");
	ddns_published_free(l.published);
	fake_state_dir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(records_read_back_the_same),
	    cmocka_unit_test(a_state_dir_of_the_first_release_is_converted),
	    cmocka_unit_test(a_job_that_moved_on_resumes_as_what_follows_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
