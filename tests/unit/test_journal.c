/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The record file and the engine's use of it: every failure path of writing and reading, and a
 * restart that resumes exactly the work the previous engine left unfinished.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddns/engine.h"
#include "engine/durable.h"
#include "support.h"
#include "state/journal.h"
#include "util/clock.h"

struct seen {
	int n;
	uint8_t types[16];
	char text[16][32];
};

static void collect(void *ctx, uint8_t type, const uint8_t *payload, size_t len)
{
	struct seen *s = ctx;
	if (s->n < 16) {
		s->types[s->n] = type;
		snprintf(s->text[s->n], sizeof(s->text[0]), "%.*s", (int)len,
		         (const char *)payload);
		s->n++;
	}
}

static void write_three(const char *path)
{
	struct ddns_journal j;
	assert_int_equal(ddns_journal_open(&j, path), DDNS_OK);
	uint8_t types[3] = {1, 2, 3};
	const void *payloads[3] = {"one", "two", "three"};
	size_t lengths[3] = {3, 3, 5};
	assert_int_equal(ddns_journal_append(&j, 3, types, payloads, lengths), DDNS_OK);
	assert_int_equal(j.bytes, 3 * 8 + 11);
	ddns_journal_close(&j);
}

static void round_trip(void **state)
{
	char dir[64], path[128];
	struct seen s = {0};
	uint64_t damaged;
	(void)state;
	fake_state_dir(dir);
	snprintf(path, sizeof(path), "%s/j", dir);
	write_three(path);
	assert_int_equal(ddns_journal_read(path, collect, &s, &damaged), DDNS_OK);
	assert_int_equal(s.n, 3);
	assert_int_equal(damaged, 0);
	assert_string_equal(s.text[2], "three");
	assert_int_equal(s.types[1], 2);
	/* A missing file is an empty journal. */
	s.n = 0;
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(ddns_journal_read(path, collect, &s, &damaged), DDNS_OK);
	assert_int_equal(s.n, 0);
	fake_state_dir_remove(dir);
}

static void partial_record_at_the_end(void **state)
{
	char dir[64], path[128];
	struct seen s = {0};
	uint64_t damaged;
	(void)state;
	fake_state_dir(dir);
	snprintf(path, sizeof(path), "%s/j", dir);
	write_three(path);
	assert_int_equal(truncate(path, 3 * 8 + 11 - 2), 0);
	assert_int_equal(ddns_journal_read(path, collect, &s, &damaged), DDNS_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(damaged, 8 + 5 - 2);
	fake_state_dir_remove(dir);
}

static void corrupt_record_in_the_middle(void **state)
{
	char dir[64], path[128];
	struct seen s = {0};
	uint64_t damaged;
	(void)state;
	fake_state_dir(dir);
	snprintf(path, sizeof(path), "%s/j", dir);
	write_three(path);
	FILE *f = fopen(path, "r+b");
	fseek(f, 8 + 3 + 8 + 1, SEEK_SET); /* the "w" of "two" */
	fputc('X', f);
	fclose(f);
	assert_int_equal(ddns_journal_read(path, collect, &s, &damaged), DDNS_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(damaged, 8 + 3 + 8 + 5);
	fake_state_dir_remove(dir);
}

static void write_error_and_oversize(void **state)
{
	struct ddns_journal j;
	(void)state;
	assert_int_equal(ddns_journal_open(&j, "/dev/full"), DDNS_OK);
	uint8_t type = 1;
	const void *payload = "x";
	size_t len = 1;
	assert_int_not_equal(ddns_journal_append(&j, 1, &type, &payload, &len), DDNS_OK);
	len = DDNS_JOURNAL_PAYLOAD_MAX + 1;
	assert_int_equal(ddns_journal_append(&j, 1, &type, &payload, &len), DDNS_EINVAL);
	ddns_journal_close(&j);
	assert_int_equal(ddns_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
}

/* Staged records reach the file only when flushed (or before an append, or when the stage is
 * full), in the order staged; a failed flush drops them and leaves no torn record. */
static void staged_records(void **state)
{
	char dir[64], path[128];
	struct seen s = {0};
	uint64_t damaged;
	struct stat st;
	struct ddns_journal j;
	(void)state;
	fake_state_dir(dir);
	snprintf(path, sizeof(path), "%s/j", dir);
	assert_int_equal(ddns_journal_open(&j, path), DDNS_OK);
	uint8_t types[2] = {1, 2};
	const void *payloads[2] = {"one", "two"};
	size_t lengths[2] = {3, 3};
	assert_int_equal(ddns_journal_stage(&j, 2, types, payloads, lengths), DDNS_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	/* An append writes what was staged first. */
	const void *third = "three";
	size_t third_len = 5;
	assert_int_equal(ddns_journal_append(&j, 1, types, &third, &third_len), DDNS_OK);
	assert_int_equal(j.bytes, 3 * 8 + 11);
	assert_int_equal(ddns_journal_stage(&j, 1, types, &third, &third_len), DDNS_OK);
	assert_int_equal(ddns_journal_flush(&j), DDNS_OK);
	assert_int_equal(ddns_journal_flush(&j), DDNS_OK);
	assert_int_equal(j.bytes, 4 * 8 + 16);
	/* A full stage is written before more is staged. */
	static uint8_t big[DDNS_JOURNAL_PAYLOAD_MAX];
	const void *big_payload = big;
	size_t big_len = sizeof(big);
	for (int i = 0; i < 20; i++)
		assert_int_equal(ddns_journal_stage(&j, 1, types, &big_payload, &big_len), DDNS_OK);
	assert_true(j.bytes > 4 * 8 + 16);
	assert_true(j.staged_len < DDNS_JOURNAL_STAGE_MAX);
	ddns_journal_close(&j);
	assert_int_equal(ddns_journal_read(path, collect, &s, &damaged), DDNS_OK);
	assert_int_equal(damaged, 0);
	assert_true(s.n > 4 && s.n < 4 + 20);
	assert_string_equal(s.text[0], "one");
	assert_string_equal(s.text[1], "two");
	assert_string_equal(s.text[2], "three");
	assert_string_equal(s.text[3], "three");

	assert_int_equal(ddns_journal_open(&j, "/dev/full"), DDNS_OK);
	assert_int_equal(ddns_journal_stage(&j, 2, types, payloads, lengths), DDNS_OK);
	assert_int_not_equal(ddns_journal_flush(&j), DDNS_OK);
	assert_int_equal(j.staged_len, 0);
	assert_int_equal(ddns_journal_flush(&j), DDNS_OK);
	ddns_journal_close(&j);
	fake_state_dir_remove(dir);
}

/* Engine level: a restart resumes what the last run left, and only that. */
struct fixture {
	struct engine_fixture *e; /* the fake server, the state-dir and the log */
	char params[512];         /* the engine's parameters (a test may change them) */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	fx->e = engine_fixture_new(NULL);
	snprintf(fx->params, sizeof(fx->params),
	         "{ \"resolvers\": [\"127.0.0.1\"], \"state-dir\": \"%s\", \"reverse\": false,"
	         "  \"conflict-resolution\": \"no-check-without-dhcid\","
	         "  \"zones\": [ { \"name\": \"corp.example.\", \"servers\": [\"127.0.0.2\"] } ] }",
	         fx->e->state_dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	engine_fixture_free(fx->e);
	free(fx);
	return 0;
}

/* A new engine over the fixture's server and state-dir, retrying after retry_min_ms; the caller
 * frees it (a test stops and starts several). */
static ddns_engine *start(struct fixture *fx, int retry_min_ms)
{
	fx->e->opts.retry_min_ms = fx->e->opts.retry_max_ms = retry_min_ms;
	engine_fixture_start(fx->e, fx->params);
	ddns_engine *e = fx->e->engine;
	fx->e->engine = NULL;
	return e;
}

static struct ddns_lease_event grant(uint8_t last, const char *fqdn)
{
	return lease4(DDNS_LEASE_GRANTED, last, fqdn);
}

static void no_jobs(void *ctx, void (*fn)(void *fn_ctx, const struct ddns_job_record *r),
                    void *fn_ctx)
{
	(void)ctx, (void)fn, (void)fn_ctx;
}

/* As if Kea was killed right after the callout: ev is on disk only, in an empty state-dir. */
static void journal_event_only(const char *dir, struct ddns_lease_event ev)
{
	struct ddns_published_map *map = ddns_published_new();
	const struct ddns_durable_live live = {map, no_jobs, NULL};
	const struct ddns_durable_loader none = {NULL, NULL, NULL, NULL};
	struct ddns_durable *d;
	assert_int_equal(ddns_durable_open(dir, NULL, &none, &live, &d), DDNS_OK);
	uint64_t seq;
	bool spilled;
	assert_int_equal(ddns_durable_event(d, &ev, false, &seq, &spilled), DDNS_OK);
	assert_false(spilled);
	ddns_durable_free(d);
	ddns_published_free(map);
}

static void unfinished_change_is_resumed_after_restart(void **state)
{
	struct fixture *fx = *state;
	/* The server refuses while the first engine runs; its retry is far away. */
	fake_dns_push(&fx->e->dns, (struct fake_reply){.rcode = LDNS_RCODE_SERVFAIL});
	ddns_engine *e = start(fx, 60000);
	struct ddns_lease_event ev = grant(5, "a.corp.example.");
	assert_int_equal(ddns_engine_submit(e, &ev), DDNS_OK);
	assert_int_equal(ddns_engine_wait_idle(e, 2000), DDNS_OK);
	ddns_engine_free(e);
	assert_int_equal(fake_dns_count(&fx->e->dns), 1);
	assert_true(log_capture_has(&fx->e->log, "kept in"));

	e = start(fx, 10);
	assert_int_equal(ddns_engine_wait_idle(e, 2000), DDNS_OK);
	assert_int_equal(fake_dns_count(&fx->e->dns), 2);
	assert_update(&fx->e->dns, 1, "corp.example.",
	              "a.corp.example. 0 ANY A \\# 0\na.corp.example. 1200 IN A 10.1.0.5");
	assert_true(log_capture_has(&fx->e->log, "resuming 1 record changes and 0 lease events"));
	ddns_engine_free(e);

	/* Done work is not done again; what was published is remembered for the removal. */
	e = start(fx, 10);
	struct ddns_lease_event rel = grant(5, "a.corp.example.");
	rel.kind = DDNS_LEASE_RELEASED;
	assert_int_equal(ddns_engine_submit(e, &rel), DDNS_OK);
	assert_int_equal(ddns_engine_wait_idle(e, 2000), DDNS_OK);
	assert_int_equal(fake_dns_count(&fx->e->dns), 3);
	assert_update(&fx->e->dns, 2, "corp.example.", "a.corp.example. 0 NONE A 10.1.0.5");
	ddns_engine_free(e);
}

static void event_written_but_never_handled_is_replayed(void **state)
{
	struct fixture *fx = *state;
	journal_event_only(fx->e->state_dir, grant(7, "b.corp.example."));

	ddns_engine *e = start(fx, 10);
	assert_int_equal(ddns_engine_wait_idle(e, 2000), DDNS_OK);
	assert_int_equal(fake_dns_count(&fx->e->dns), 1);
	assert_update(&fx->e->dns, 0, "corp.example.",
	              "b.corp.example. 0 ANY A \\# 0\nb.corp.example. 1200 IN A 10.1.0.7");
	ddns_engine_free(e);
	e = start(fx, 10);
	assert_int_equal(ddns_engine_wait_idle(e, 2000), DDNS_OK);
	assert_int_equal(fake_dns_count(&fx->e->dns), 1);
	ddns_engine_free(e);
}

/*
 * Grants a lease that ends a second later while the server answers as scripted (the last change
 * fails, its retry far away), stops, moves the clock past the lease's end (an HA partner reclaims
 * it meanwhile) and starts again: the new engine must send nothing. Returns it, idle.
 */
static ddns_engine *restart_past_the_lease_end(struct fixture *fx, size_t sent)
{
	ddns_engine *e = start(fx, 60000);
	struct ddns_lease_event ev = grant(5, "a.corp.example.");
	/* Two seconds, not one: with one, a start just before the wall clock's next second saw the
	 * lease already over and sent nothing (a rare failure under TSan). */
	ev.expires = ddns_clock_wall_s() + 2;
	assert_int_equal(ddns_engine_submit(e, &ev), DDNS_OK);
	assert_int_equal(ddns_engine_wait_idle(e, 2000), DDNS_OK);
	ddns_engine_free(e);
	assert_int_equal(fake_dns_count(&fx->e->dns), sent);
	ddns_clock_advance(3000);
	e = start(fx, 10);
	assert_int_equal(ddns_engine_wait_idle(e, 2000), DDNS_OK);
	assert_int_equal(fake_dns_count(&fx->e->dns), sent);
	return e;
}

/* An event as the release before Kea's per-client settings wrote it: the event without its dns
 * member, behind the sequence number, record type 1. Upgrading must not drop it. */
static void event_of_the_previous_release_is_replayed(void **state)
{
	struct fixture *fx = *state;
	char path[128];
	snprintf(path, sizeof(path), "%s/events", fx->e->state_dir);
	struct ddns_journal j;
	assert_int_equal(ddns_journal_open(&j, path), DDNS_OK);
	struct ddns_lease_event ev = grant(9, "old.corp.example.");
	uint8_t record[sizeof(uint64_t) + offsetof(struct ddns_lease_event, dns)];
	uint64_t seq = 1;
	memcpy(record, &seq, sizeof(seq));
	memcpy(record + sizeof(seq), &ev, offsetof(struct ddns_lease_event, dns));
	uint8_t type = 1;
	const void *payload = record;
	size_t len = sizeof(record);
	assert_int_equal(ddns_journal_append(&j, 1, &type, &payload, &len), DDNS_OK);
	ddns_journal_close(&j);

	ddns_engine *e = start(fx, 10);
	assert_int_equal(ddns_engine_wait_idle(e, 2000), DDNS_OK);
	assert_int_equal(fake_dns_count(&fx->e->dns), 1);
	assert_update(&fx->e->dns, 0, "corp.example.",
	              "old.corp.example. 0 ANY A \\# 0\nold.corp.example. 1200 IN A 10.1.0.9");
	ddns_engine_free(e);
}

static void owed_add_of_an_ended_lease_is_dropped_at_restart(void **state)
{
	struct fixture *fx = *state;
	fake_dns_push(&fx->e->dns, (struct fake_reply){.rcode = LDNS_RCODE_SERVFAIL});
	ddns_engine *e = restart_past_the_lease_end(fx, 1);
	assert_true(log_capture_has(&fx->e->log,
	                            "add A a.corp.example. 10.1.0.5: its lease ended while the "
	                            "server was down; not sent"));
	ddns_engine_free(e);
	/* Recorded as no longer owed: the next start resumes nothing. */
	log_capture_clear(&fx->e->log);
	e = start(fx, 10);
	assert_int_equal(ddns_engine_wait_idle(e, 2000), DDNS_OK);
	assert_false(log_capture_has(&fx->e->log, "resuming"));
	ddns_engine_free(e);
	assert_int_equal(fake_dns_count(&fx->e->dns), 1);
}

/* The same for the reverse record that waits for its forward name: it is owed with the lease's
 * end too (seen in an HA test: a restarted server added PTRs of leases its partner had ended). */
static void owed_reverse_of_an_ended_lease_is_dropped_at_restart(void **state)
{
	struct fixture *fx = *state;
	snprintf(
	    fx->params, sizeof(fx->params),
	    "{ \"resolvers\": [\"127.0.0.1\"], \"state-dir\": \"%s\","
	    "  \"conflict-resolution\": \"no-check-without-dhcid\","
	    "  \"zones\": [ { \"name\": \"corp.example.\", \"servers\": [\"127.0.0.2\"] },"
	    "             { \"name\": \"1.10.in-addr.arpa.\", \"servers\": [\"127.0.0.2\"] } ] }",
	    fx->e->state_dir);
	fake_dns_push(&fx->e->dns, (struct fake_reply){.rcode = LDNS_RCODE_NOERROR});
	fake_dns_push(&fx->e->dns, (struct fake_reply){.rcode = LDNS_RCODE_SERVFAIL});
	ddns_engine *e = restart_past_the_lease_end(fx, 2);
	assert_true(log_capture_has(&fx->e->log,
	                            "add PTR 5.0.1.10.in-addr.arpa. a.corp.example.: its lease "
	                            "ended while the server was down; not sent"));
	ddns_engine_free(e);
}

static void replayed_grant_of_an_ended_lease_is_not_published(void **state)
{
	struct fixture *fx = *state;
	struct ddns_lease_event ev = grant(7, "b.corp.example.");
	ev.expires = ddns_clock_wall_s() - 10;
	journal_event_only(fx->e->state_dir, ev);
	ddns_engine *e = start(fx, 10);
	assert_int_equal(ddns_engine_wait_idle(e, 2000), DDNS_OK);
	assert_int_equal(fake_dns_count(&fx->e->dns), 0);
	assert_true(log_capture_has(&fx->e->log, "the lease ended before the event was handled"));
	struct ddns_engine_stats st;
	ddns_engine_get_stats(e, &st);
	assert_int_equal(st.skipped, 1);
	ddns_engine_free(e);
}

/* Parameters for forward records only, without DHCID, and a max-queue of max_queue. */
static void forward_only(struct fixture *fx, unsigned max_queue)
{
	snprintf(fx->params, sizeof(fx->params),
	         "{ \"resolvers\": [\"127.0.0.1\"], \"state-dir\": \"%s\", \"reverse\": false,"
	         "  \"conflict-resolution\": \"no-check-without-dhcid\", \"max-queue\": %u,"
	         "  \"zones\": [ { \"name\": \"corp.example.\", \"servers\": [\"127.0.0.2\"] } ] }",
	         fx->e->state_dir, max_queue);
}

/* Asserts that the records added by the queries so far are <prefix>1.corp.example. up to
 * <prefix>n, each once and in that order, one or several to a message. */
static void assert_added_in_order(struct fixture *fx, const char *prefix, unsigned n)
{
	unsigned next = 1;
	for (size_t q = 0; q < fake_dns_count(&fx->e->dns); q++) {
		const ldns_rr_list *update = ldns_pkt_authority(fx->e->dns.queries[q]);
		for (size_t j = 0; j < ldns_rr_list_rr_count(update); j++) {
			const ldns_rr *rr = ldns_rr_list_rr(update, j);
			if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
				continue;
			char want[64], *got = ldns_rdf2str(ldns_rr_owner(rr));
			snprintf(want, sizeof(want), "%s%u.corp.example.", prefix, next++);
			assert_string_equal(got, want);
			free(got);
		}
	}
	assert_int_equal(next, n + 1);
}

/* Beyond max-queue, events wait on disk and come back in order. With max-queue 1 the submitting
 * thread soon outpaces the worker; the test submits until that has happened (a bounded number). */
static void events_beyond_max_queue_wait_on_disk(void **state)
{
	struct fixture *fx = *state;
	forward_only(fx, 1);
	ddns_engine *e = start(fx, 10);
	struct ddns_engine_stats st = {0};
	unsigned n = 0;
	while (n < 1000 && (st.spilled == 0 || n % 50 != 0)) {
		char name[32];
		n++;
		snprintf(name, sizeof(name), "h%u.corp.example.", n);
		struct ddns_lease_event ev = grant((uint8_t)n, name);
		ev.address[2] = (uint8_t)(n >> 8);
		assert_int_equal(ddns_engine_submit(e, &ev), DDNS_OK);
		ddns_engine_get_stats(e, &st);
	}
	assert_true(st.spilled > 0);
	assert_int_equal(ddns_engine_wait_idle(e, 20000), DDNS_OK);
	ddns_engine_get_stats(e, &st);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.succeeded, n);
	assert_added_in_order(fx, "h", n);
	ddns_engine_free(e);
}

/* With max-queue changes owed (a slow server), the worker takes no more events: they wait in the
 * queue and on disk, and are all published, in order, once the server answers. */
static void owed_changes_at_max_queue_hold_new_events_back(void **state)
{
	struct fixture *fx = *state;
	forward_only(fx, 2);
	for (int i = 0; i < 3; i++)
		fake_dns_push(&fx->e->dns, (struct fake_reply){.delay_ms = 100});
	ddns_engine *e = start(fx, 10);
	for (uint8_t n = 1; n <= 8; n++) {
		char name[32];
		snprintf(name, sizeof(name), "q%u.corp.example.", n);
		struct ddns_lease_event ev = grant(n, name);
		assert_int_equal(ddns_engine_submit(e, &ev), DDNS_OK);
	}
	assert_int_equal(ddns_engine_wait_idle(e, 10000), DDNS_OK);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(e, &st);
	assert_int_equal(st.succeeded, 8);
	assert_int_equal(st.dropped, 0);
	assert_true(st.spilled > 0);
	assert_true(
	    log_capture_has(&fx->e->log, "record changes owed (max-queue): new lease events wait"));
	assert_added_in_order(fx, "q", 8);
	ddns_engine_free(e);
}

static void damaged_state_file_is_set_aside_and_the_rest_used(void **state)
{
	struct fixture *fx = *state;
	ddns_engine *e = start(fx, 10);
	struct ddns_lease_event ev = grant(8, "c.corp.example.");
	assert_int_equal(ddns_engine_submit(e, &ev), DDNS_OK);
	assert_int_equal(ddns_engine_wait_idle(e, 2000), DDNS_OK);
	ddns_engine_free(e);
	char path[128];
	snprintf(path, sizeof(path), "%s/state", fx->e->state_dir);
	FILE *f = fopen(path, "ab");
	fputs("garbage that is not a record", f);
	fclose(f);

	e = start(fx, 10);
	assert_true(log_capture_has(&fx->e->log, "bytes are damaged"));
	struct ddns_lease_event rel = ev;
	rel.kind = DDNS_LEASE_EXPIRED;
	assert_int_equal(ddns_engine_submit(e, &rel), DDNS_OK);
	assert_int_equal(ddns_engine_wait_idle(e, 2000), DDNS_OK);
	/* The published entry before the damage survived: the removal is exact, not a guess. */
	assert_update(&fx->e->dns, fake_dns_count(&fx->e->dns) - 1, "corp.example.",
	              "c.corp.example. 0 NONE A 10.1.0.8");
	assert_false(log_capture_has(&fx->e->log, "given up"));
	ddns_engine_free(e);
}

static void zeros_are_damage_not_records(void **state)
{
	struct seen s = {0};
	uint64_t damaged;
	(void)state;
	/* An endless source of zero bytes must not read as endless empty records. */
	assert_int_equal(ddns_journal_read("/dev/zero", collect, &s, &damaged), DDNS_OK);
	assert_int_equal(s.n, 0);
}

/* Appends one record of text with type, checking where the journal ends after it. */
static void append_text(struct ddns_journal *j, uint8_t type, const char *text)
{
	const void *payload = text;
	size_t len = strlen(text);
	uint64_t before = j->bytes;
	assert_int_equal(ddns_journal_append(j, 1, &type, &payload, &len), DDNS_OK);
	assert_int_equal(j->bytes, before + 8 + len);
}

static off_t file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* A mapped journal: written before its pages are ready, copied into them once they are, written
 * past its mapping; read back whole while open (zeros behind the records, as a killed process
 * leaves them, are no damage) and after closing, cut back to its records. */
static void mapped_appends(void **state)
{
	char dir[64], path[128];
	uint64_t damaged;
	(void)state;
	fake_state_dir(dir);
	snprintf(path, sizeof(path), "%s/mapped", dir);
	struct ddns_journal j;
	assert_int_equal(ddns_journal_open_mapped(&j, path, 100), DDNS_OK);
	assert_non_null(j.map);
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	assert_int_equal(j.map_len, page);
	assert_int_equal(file_size(path), (off_t)page);
	append_text(&j, 1, "written");
	j.ready = ddns_journal_prepare(&j, j.bytes, 1 << 20);
	assert_int_equal(j.ready, page); /* never past the mapping */
	append_text(&j, 2, "copied");
	assert_memory_equal(j.map + 15 + 8, "copied", 6);
	/* Up to the mapping's end, then past it. */
	char big[1000];
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	while (j.bytes + 8 + strlen(big) <= j.map_len)
		append_text(&j, 3, big);
	append_text(&j, 4, big);
	append_text(&j, 5, "after");
	assert_true(j.bytes > j.map_len);

	/* Another process reads it as it is now. */
	struct seen s = {0};
	assert_int_equal(ddns_journal_read(path, collect, &s, &damaged), DDNS_OK);
	assert_int_equal(damaged, 0);
	assert_int_equal(s.types[0], 1);
	assert_string_equal(s.text[1], "copied");
	assert_int_equal(s.types[s.n - 1], 5);
	uint64_t records = j.bytes;
	ddns_journal_close(&j);
	assert_int_equal(file_size(path), (off_t)records);

	/* Killed before the pages past the records were used: the zeros end the records. */
	assert_int_equal(ddns_journal_open_mapped(&j, path, 3 * page), DDNS_OK);
	j.ready = ddns_journal_prepare(&j, 0, page);
	append_text(&j, 1, "only");
	memset(&s, 0, sizeof(s));
	assert_int_equal(ddns_journal_read(path, collect, &s, &damaged), DDNS_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(damaged, 0);
	/* A record behind zeros is damage, not an end. */
	j.bytes += 64;
	append_text(&j, 2, "behind");
	memset(&s, 0, sizeof(s));
	assert_int_equal(ddns_journal_read(path, collect, &s, &damaged), DDNS_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(damaged, 3 * page - (8 + 4));
	ddns_journal_close(&j);
	fake_state_dir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(partial_record_at_the_end),
	    cmocka_unit_test(corrupt_record_in_the_middle),
	    cmocka_unit_test(write_error_and_oversize),
	    cmocka_unit_test(staged_records),
	    cmocka_unit_test(mapped_appends),
	    cmocka_unit_test_setup_teardown(unfinished_change_is_resumed_after_restart, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(event_written_but_never_handled_is_replayed, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(event_of_the_previous_release_is_replayed, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(owed_add_of_an_ended_lease_is_dropped_at_restart, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(owed_reverse_of_an_ended_lease_is_dropped_at_restart,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(replayed_grant_of_an_ended_lease_is_not_published,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(damaged_state_file_is_set_aside_and_the_rest_used,
	                                    setup, teardown),
	    cmocka_unit_test(zeros_are_damage_not_records),
	    cmocka_unit_test_setup_teardown(events_beyond_max_queue_wait_on_disk, setup, teardown),
	    cmocka_unit_test_setup_teardown(owed_changes_at_max_queue_hold_new_events_back, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
