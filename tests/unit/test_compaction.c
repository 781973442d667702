/* SPDX-License-Identifier: MPL-2.0 */
/*
 * state-dir kept bounded while the worker runs, and safe to kill at any moment: a workload that
 * publishes and withdraws addresses through the store, rewritten and rotated often (small limits),
 * killed with SIGKILL at random moments, many of them inside a rewrite. A killed write can leave
 * the start of a round's records (the kernel stops a write between pages for a fatal signal), so
 * every restart must find what some prefix of the operations made, and converge from there. And a
 * disk that takes no writes for a while (files limited in size, as a full one): nothing written
 * meanwhile, one line logged, and everything written again in full when it recovers.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddns/error.h"
#include "fake_dns.h"
#include "state/store.h"
#include "util/clock.h"
#include "util/log.h"

/*
 * Each round writes event "r" and handles the event written LAG rounds before (as a worker
 * behind its queue), so that events wait unhandled across segments. Handling event r adds job "job
 * r" (unless the round is replayed and has it), publishes address r as "pub r", withdraws the
 * address published WINDOW rounds before, finishes the jobs of earlier rounds, and marks the event
 * handled, in that order. A rewrite writes about WINDOW entries: long enough for kills to land
 * inside them.
 */
#define WINDOW   1000
#define SLOTS    4096 /* addresses are round % SLOTS: unique within a window */
#define MAX_JOBS 8
#define LAG      40
#define MAX_EVTS (LAG + 4)

struct job {
	uint64_t id, round;
};

struct event {
	uint64_t seq, round;
};

/* The workload's live state (what the engine keeps in memory), and the store. */
struct run {
	struct ddns_store *store;
	uint64_t published[SLOTS]; /* the round published at each slot; 0: none */
	struct job jobs[MAX_JOBS];
	size_t n_jobs;
	struct event events[MAX_EVTS]; /* written, not yet handled, oldest first */
	size_t n_events;
	uint64_t written; /* the round of the last event written */
	bool bad;         /* the load handed back something no prefix of the operations makes */
};

static void address_of(uint64_t round, uint8_t address[16])
{
	uint64_t slot = round % SLOTS;
	memset(address, 0, 16);
	address[0] = 10;
	address[2] = (uint8_t)(slot >> 8);
	address[3] = (uint8_t)slot;
}

/* The number after a blob's prefix ("pub 12" -> 12); 0 when malformed. */
static uint64_t number_in(const uint8_t *blob, size_t len, const char *prefix)
{
	char text[32];
	size_t skip = strlen(prefix);
	if (len >= sizeof(text) || len <= skip || memcmp(blob, prefix, skip) != 0)
		return 0;
	memcpy(text, blob + skip, len - skip);
	text[len - skip] = '\0';
	return strtoull(text, NULL, 10);
}

static void got_published(void *ctx, int version, int family, const uint8_t *address,
                          const uint8_t *blob, size_t len)
{
	struct run *run = ctx;
	uint64_t *slot = &run->published[(address[2] << 8 | address[3]) % SLOTS];
	*slot = blob != NULL ? number_in(blob, len, "pub ") : 0;
	run->bad |=
	    version != DDNS_STORE_FORMAT || family != AF_INET || (blob != NULL && *slot == 0);
}

static bool got_job(void *ctx, int version, uint64_t id, const uint8_t *blob, size_t len,
                    unsigned moved_on)
{
	struct run *run = ctx;
	uint64_t round = number_in(blob, len, "job ");
	run->bad |= round == 0 || run->n_jobs == MAX_JOBS;
	if (run->n_jobs < MAX_JOBS)
		run->jobs[run->n_jobs++] = (struct job){id, round};
	return true;
}

static void got_event(void *ctx, int version, uint64_t seq, const uint8_t *blob, size_t len)
{
	struct run *run = ctx;
	uint64_t round = number_in(blob, len, "event ");
	run->bad |= round == 0 || run->n_events == MAX_EVTS;
	if (run->n_events < MAX_EVTS)
		run->events[run->n_events++] = (struct event){seq, round};
	if (round > run->written)
		run->written = round;
}

static uint64_t last_round(const struct run *run)
{
	uint64_t r = 0;
	for (size_t i = 0; i < run->n_jobs; i++)
		if (run->jobs[i].round > r)
			r = run->jobs[i].round;
	return r;
}

static bool has_job(const struct run *run, uint64_t round)
{
	for (size_t i = 0; i < run->n_jobs; i++)
		if (run->jobs[i].round == round)
			return true;
	return false;
}

/*
 * Whether a load is what some prefix of the operations made: round R (the last job's) finished,
 * or cut short after its job (its event then still unhandled), and every event written after it
 * unhandled, in order, none missing.
 */
static bool is_prefix(const struct run *run)
{
	uint64_t r = last_round(run);
	bool cut = run->n_jobs == 2; /* round R's JOBDONE of R - 1 did not make it */
	uint64_t first = run->n_events > 0 ? run->events[0].round : 0;
	bool ok = !run->bad && run->n_jobs <= 2 && (r == 0 || has_job(run, r)) &&
	          (!cut || (has_job(run, r - 1) && first == r)) && run->n_events <= LAG + 2 &&
	          (run->n_events == 0 || first == r + 1 || first == r);
	for (size_t i = 0; i < run->n_events; i++)
		ok = ok && run->events[i].round == first + i;
	/* Published: the window of R - 1 or R, or both ends of them while R's round is cut. */
	for (uint64_t k = r > WINDOW ? r - WINDOW : 1; ok && r > 0 && k <= r; k++) {
		uint64_t at = run->published[k % SLOTS];
		bool inner = k + WINDOW > r && k < r;
		ok = inner ? at == k
		           : (at == k || at == 0) && (at == 0 || !(k == r - WINDOW) || cut);
	}
	size_t n = 0;
	for (int i = 0; i < SLOTS; i++)
		n += run->published[i] != 0;
	return ok && n <= WINDOW + 1;
}

/* Whether the state is that of a finished round: its job alone, its window, nothing unhandled. */
static bool is_finished(const struct run *run)
{
	uint64_t r = last_round(run);
	size_t n = 0;
	for (int i = 0; i < SLOTS; i++)
		n += run->published[i] != 0;
	return is_prefix(run) && run->n_jobs == (r > 0) && run->n_events == 0 &&
	       n == (r < WINDOW ? r : WINDOW) &&
	       (r <= WINDOW || run->published[(r - WINDOW) % SLOTS] == 0);
}

static void fill(void *ctx, struct ddns_store_snapshot *w)
{
	const struct run *run = ctx;
	char text[32];
	uint8_t address[16];
	for (int i = 0; i < SLOTS; i++) {
		if (run->published[i] == 0)
			continue;
		address_of(run->published[i], address);
		snprintf(text, sizeof(text), "pub %llu", (unsigned long long)run->published[i]);
		ddns_store_snapshot_published(w, AF_INET, address, (const uint8_t *)text,
		                              strlen(text));
	}
	for (size_t i = 0; i < run->n_jobs; i++) {
		snprintf(text, sizeof(text), "job %llu", (unsigned long long)run->jobs[i].round);
		ddns_store_snapshot_job(w, run->jobs[i].id, (const uint8_t *)text, strlen(text));
	}
}

static bool publish(struct run *run, uint64_t round, bool add)
{
	char text[32];
	uint8_t address[16];
	address_of(round, address);
	snprintf(text, sizeof(text), "pub %llu", (unsigned long long)round);
	run->published[round % SLOTS] = add ? round : 0;
	return ddns_store_published(run->store, AF_INET, address,
	                            add ? (const uint8_t *)text : NULL,
	                            add ? strlen(text) : 0) == DDNS_OK;
}

/* Handles event seq as round r (its event is on disk already). False when a store call fails. */
static bool handle_round(struct run *run, uint64_t r, uint64_t seq)
{
	char text[32];
	bool ok = true;
	if (!has_job(run, r)) {
		uint64_t id;
		snprintf(text, sizeof(text), "job %llu", (unsigned long long)r);
		ok =
		    ddns_store_job(run->store, (const uint8_t *)text, strlen(text), &id) == DDNS_OK;
		run->jobs[run->n_jobs++] = (struct job){id, r};
	}
	ok = ok && publish(run, r, true) && (r <= WINDOW || publish(run, r - WINDOW, false));
	for (size_t i = 0; ok && i < run->n_jobs;) {
		if (run->jobs[i].round >= r) {
			i++;
			continue;
		}
		ok = ddns_store_job_done(run->store, run->jobs[i].id) == DDNS_OK;
		run->jobs[i] = run->jobs[--run->n_jobs];
	}
	ok = ok && ddns_store_handled(run->store, seq) == DDNS_OK &&
	     ddns_store_flush(run->store) == DDNS_OK;
	ddns_store_maintain(run->store, fill, run);
	return ok;
}

/* Handles the oldest event written. */
static bool handle_oldest(struct run *run)
{
	struct event ev = run->events[0];
	memmove(run->events, run->events + 1, --run->n_events * sizeof(ev));
	return handle_round(run, ev.round, ev.seq);
}

/* Writes the next round's event, as a callout would; false when the store refuses it. */
static bool write_event(struct run *run, uint64_t *seq)
{
	char text[32];
	bool spilled;
	snprintf(text, sizeof(text), "event %llu", (unsigned long long)++run->written);
	return ddns_store_event(run->store, (const uint8_t *)text, strlen(text), false, seq,
	                        &spilled) == DDNS_OK;
}

/* A new round: its event is written, and the one LAG rounds older handled. */
static bool run_round(struct run *run)
{
	uint64_t seq;
	if (!write_event(run, &seq))
		return false;
	run->events[run->n_events++] = (struct event){seq, run->written};
	return run->n_events <= LAG || handle_oldest(run);
}

/* Opens dir with small limits into run (reset first) and returns whether the load was a prefix;
 * then the unhandled events are handled again, in order, as the engine replays them. */
static bool open_run(const char *dir, struct run *run)
{
	static const struct ddns_store_limits small = {4096, 32768, 0};
	struct ddns_store_loader loader = {got_published, got_job, got_event, run};
	memset(run, 0, sizeof(*run));
	if (ddns_store_open(dir, &small, &loader, fill, run, &run->store) != DDNS_OK)
		return false;
	bool prefix = is_prefix(run);
	if (run->written < last_round(run))
		run->written = last_round(run);
	while (prefix && run->n_events > 0)
		prefix = handle_oldest(run);
	return prefix;
}

static void files_stay_bounded(void **state)
{
	char dir[64];
	int files;
	struct run *run = calloc(1, sizeof(*run));
	(void)state;
	fake_state_dir(dir);
	assert_true(open_run(dir, run));
	/* About 100 bytes a round: 20,000 rounds would keep 2 MB. */
	for (int i = 0; i < 20000; i++)
		assert_true(run_round(run));
	uint64_t bytes = fake_state_dir_bytes(dir, &files);
	print_message("after 20000 rounds: %llu bytes in %d files\n", (unsigned long long)bytes,
	              files);
	/* The current segment and the one with the events waiting; the state file at most four
	 * times what is live (a window: about 20 KB) and a round. */
	assert_true(bytes < 2 * 4096 + 4 * 24 * 1024);
	assert_true(files <= 3);
	/* The files hold the records and the unused end of the current segment's mapping (twice
	 * the segment limit). */
	assert_true(ddns_store_bytes(run->store) <= bytes);
	assert_true(bytes <= ddns_store_bytes(run->store) + 2 * 4096);
	ddns_store_free(run->store);
	assert_true(open_run(dir, run));
	assert_true(is_finished(run));
	assert_int_equal(last_round(run), 20000); /* the LAG waiting ones handled at open */
	ddns_store_free(run->store);
	fake_state_dir_remove(dir);
	free(run);
}

/* The child of killed_at_random_moments: opens, checks, and runs rounds until it is killed.
 * Exits 3 when what it loaded is no prefix of the operations, 4 when a store call fails. */
static void run_until_killed(const char *dir, struct run *run)
{
	ddns_log_set_sink(NULL, NULL);
	if (!open_run(dir, run))
		_exit(3);
	for (;;)
		if (!run_round(run))
			_exit(4);
}

static void killed_at_random_moments(void **state)
{
	char dir[64], aside[128];
	struct run *run = calloc(1, sizeof(*run));
	unsigned seed = (unsigned)time(NULL);
	int inside_rewrite = 0;
	(void)state;
	fake_state_dir(dir);
	snprintf(aside, sizeof(aside), "%s/state.new", dir);
	srand(seed);
	print_message("seed %u\n", seed);
	for (int i = 0; i < 150; i++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			run_until_killed(dir, run);
		/* A random moment in the first 40 ms: the open (a rewrite), then rounds. */
		struct timespec pause = {0, (long)(rand() % 40000) * 1000};
		nanosleep(&pause, NULL);
		kill(pid, SIGKILL);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status))
			fail_msg("kill %d (seed %u): %s", i, seed,
			         WEXITSTATUS(status) == 3
			             ? "the restart found no prefix of the work"
			             : "a store call failed");
		inside_rewrite += access(aside, F_OK) == 0;
	}
	assert_true(open_run(dir, run));
	assert_true(is_finished(run));
	print_message("150 kills, %d of them inside a rewrite of the state file; %llu rounds\n",
	              inside_rewrite, (unsigned long long)last_round(run));
	assert_true(last_round(run) > 0);
	assert_true(inside_rewrite > 0);
	ddns_store_free(run->store);
	fake_state_dir_remove(dir);
	free(run);
}

/* Counts the lines of two message IDs. */
struct trouble_log {
	int failed, recovered;
};

static void count_lines(void *ctx, enum ddns_log_level level, const char *id, const char *line)
{
	struct trouble_log *t = ctx;
	t->failed += strcmp(id, "DDNS_DIRECT_STATE_WRITE_FAILED") == 0;
	t->recovered += strcmp(id, "DDNS_DIRECT_STATE_RECOVERED") == 0;
}

/* Files may not grow past bytes (RLIMIT_FSIZE: a write past it fails with EFBIG, as on a full
 * disk); 0 lifts the limit. */
static void limit_file_size(rlim_t bytes)
{
	struct rlimit lim = {bytes > 0 ? bytes : RLIM_INFINITY, RLIM_INFINITY};
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

static void a_disk_that_fails_for_a_while(void **state)
{
	char dir[64];
	struct run *run = calloc(1, sizeof(*run));
	struct trouble_log log = {0, 0};
	(void)state;
	fake_state_dir(dir);
	assert_true(open_run(dir, run));
	for (int i = 0; i < 3000; i++)
		assert_true(run_round(run));
	while (run->n_events > 0)
		assert_true(handle_oldest(run));
	/* Every write fails for 500 rounds: events are handled from memory (as the engine does with
	 * one it could not write), the worker's records are not written, one line says so. Events
	 * copied into the pages of the mapped segment made ready before still go in. */
	ddns_log_set_sink(count_lines, &log);
	limit_file_size(1);
	int failed = 0;
	for (int i = 0; i < 500; i++) {
		uint64_t seq;
		bool written = write_event(run, &seq);
		failed += !written;
		handle_round(run, run->written, written ? seq : 0);
		ddns_clock_advance(10);
	}
	assert_true(ddns_store_retry_at(run->store) >= 0);
	/* The disk takes writes again: within a second, the state is written in full. */
	limit_file_size(0);
	ddns_clock_advance(1000);
	assert_true(run_round(run));
	while (run->n_events > 0)
		assert_true(handle_oldest(run));
	ddns_log_set_sink(NULL, NULL);
	assert_true(failed > 0 && failed < 500);
	assert_int_equal(log.failed, 1);
	assert_int_equal(log.recovered, 1);
	assert_int_equal(ddns_store_retry_at(run->store), -1);
	ddns_store_free(run->store);
	/* A restart finds the rounds handled while nothing could be written. */
	assert_true(open_run(dir, run));
	assert_true(is_finished(run));
	assert_int_equal(last_round(run), 3501);
	ddns_store_free(run->store);
	fake_state_dir_remove(dir);
	free(run);
}

/* The first run of a_restart_on_a_full_disk_keeps_its_events: rounds, every event handled.
 * Exits 3 when it cannot open, 4 when a store call fails. */
static void run_and_handle(const char *dir, struct run *run)
{
	ddns_log_set_sink(NULL, NULL);
	if (!open_run(dir, run))
		_exit(3);
	for (int i = 0; i < 60; i++)
		if (!run_round(run))
			_exit(4);
	while (run->n_events > 0)
		if (!handle_oldest(run))
			_exit(4);
}

/* The second run: no file may grow (a full disk); it opens and writes 20 events. Exits 3 when
 * it cannot open, 5 when an event fails. */
static void write_on_a_full_disk(const char *dir, struct run *run)
{
	struct trouble_log quiet = {0, 0};
	ddns_log_set_sink(count_lines, &quiet);
	limit_file_size(1);
	if (!open_run(dir, run))
		_exit(3);
	uint64_t seq;
	for (int i = 0; i < 20; i++)
		if (!write_event(run, &seq))
			_exit(5);
}

/* Runs work in a child, which is killed (SIGKILL) once it says it is done. */
static void run_then_kill(void (*work)(const char *, struct run *), const char *dir,
                          struct run *run)
{
	int done[2];
	assert_int_equal(pipe(done), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(done[0]);
		work(dir, run);
		if (write(done[1], "", 1) != 1)
			_exit(6);
		for (;;)
			pause();
	}
	close(done[1]);
	char byte;
	bool finished = read(done[0], &byte, 1) == 1;
	close(done[0]);
	kill(pid, SIGKILL);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!finished)
		fail_msg("the child exited %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Found by the chaos soak: Kea killed while state-dir was full, started again on it still full,
 * and killed again, lost every lease event of the run between: that run could start no segment of
 * its own, so it wrote none. It now appends after the last run's events in that run's segment, in
 * the pages made ready there, and a restart finds them. */
static void a_restart_on_a_full_disk_keeps_its_events(void **state)
{
	char dir[64];
	struct run *run = calloc(1, sizeof(*run));
	(void)state;
	fake_state_dir(dir);
	run_then_kill(run_and_handle, dir, run);
	run_then_kill(write_on_a_full_disk, dir, run);
	assert_true(open_run(dir, run));
	assert_int_equal(run->written, 80);
	assert_true(is_finished(run));
	ddns_store_free(run->store);
	fake_state_dir_remove(dir);
	free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(files_stay_bounded),
	    cmocka_unit_test(killed_at_random_moments),
	    cmocka_unit_test(a_disk_that_fails_for_a_while),
	    cmocka_unit_test(a_restart_on_a_full_disk_keeps_its_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
