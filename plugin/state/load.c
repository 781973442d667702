/* SPDX-License-Identifier: MPL-2.0 */
/* Reading state-dir at start: the state file, then the events segments; see store.h. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddns/error.h"
#include "state/files.h"
#include "util/clock.h"
#include "util/log.h"

/* A job read from the state file, kept until the file is read to its end. */
struct open_job {
	uint64_t id;
	int version;
	uint8_t *blob;
	size_t len;
	unsigned moved_on;
};

struct loading {
	struct ddns_store *s;
	const struct ddns_store_loader *loader;
	int version;                 /* of the file being read */
	bool first;                  /* the next record is the file's first */
	struct ddns_handled handled; /* which events the state file says are handled */
	struct open_job *jobs;       /* in order of creation */
	size_t n_jobs, cap_jobs;
	uint64_t max_job, max_seq;
	uint64_t *unhandled; /* seqs of the events handed to the loader */
	size_t n_unhandled, cap_unhandled;
	struct segment *seg; /* the segment being read */
	bool oom;
	size_t ignored; /* records of an unknown kind or malformed */
};

static bool grow(void **array, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 64;
	void *p = realloc(*array, c * size);
	if (p == NULL)
		return false;
	*array = p;
	*cap = c;
	return true;
}

/* The version a FORMAT record names; -1 when it is not one of ours. */
static int format_version(const uint8_t *payload, size_t len)
{
	static const char magic[] = "ddns-direct";
	struct ddns_reader r = {payload, len, sizeof(magic) - 1, false};
	if (len < sizeof(magic) - 1 || memcmp(payload, magic, sizeof(magic) - 1) != 0)
		return -1;
	uint64_t v = ddns_get_uint_max(&r, 1000000);
	return r.bad ? -1 : (int)v;
}

/* Reads a file's first record: its format version (0: written before versions). */
static void first_record(void *ctx, uint8_t type, const uint8_t *payload, size_t len)
{
	int *version = ctx;
	*version = type == REC_FORMAT ? format_version(payload, len) : 0;
}

static int file_version(const char *path, int *version)
{
	const struct ddns_journal_range one = {0, 0, 1};
	uint64_t next, damaged;
	/* A file without a record (one a kill left just created) is of no earlier release. */
	*version = DDNS_STORE_FORMAT;
	return ddns_journal_scan(path, &one, first_record, version, &next, &damaged);
}

/* A record's leading number: 8 raw bytes in version 0, a varint since. */
static uint64_t get_number(struct loading *l, struct ddns_reader *r)
{
	uint64_t v = 0;
	if (l->version == 0)
		ddns_get_bytes(r, &v, sizeof(v));
	else
		v = ddns_get_uint(r);
	return v;
}

static void add_job(struct loading *l, uint64_t id, const uint8_t *blob, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	if (copy == NULL || !grow((void **)&l->jobs, &l->cap_jobs, l->n_jobs, sizeof(*l->jobs))) {
		free(copy);
		l->oom = true;
		return;
	}
	memcpy(copy, blob, len);
	l->jobs[l->n_jobs++] = (struct open_job){id, l->version, copy, len, 0};
	if (id > l->max_job)
		l->max_job = id;
}

/* The open job id, or NULL. */
static struct open_job *find_job(struct loading *l, uint64_t id)
{
	/* Jobs finish mostly in order: search from the end. */
	for (size_t i = l->n_jobs; i-- > 0;)
		if (l->jobs[i].id == id)
			return &l->jobs[i];
	return NULL;
}

static void job_done(struct loading *l, uint64_t id)
{
	struct open_job *job = find_job(l, id);
	if (job == NULL)
		return;
	free(job->blob);
	memmove(job, job + 1, (size_t)(l->jobs + l->n_jobs - job - 1) * sizeof(*job));
	l->n_jobs--;
}

/* An address record: version 0 kept the family (4 bytes) and address (16) ahead of a raw entry,
 * which goes to the loader whole. */
static bool published(struct loading *l, struct ddns_reader *r, bool unpublished)
{
	int family = 0;
	uint8_t address[16];
	if (l->version == 0) {
		int32_t f = 0;
		ddns_get_bytes(r, &f, sizeof(f));
		ddns_get_bytes(r, address, sizeof(address));
		family = f;
		r->at = 0;
	} else {
		ddns_get_address(r, &family, address);
	}
	if (r->bad)
		return false;
	l->loader->published(l->loader->ctx, l->version, family, address,
	                     unpublished ? NULL : r->buf + r->at, r->len - r->at);
	return true;
}

/* Whether this is the file's FORMAT record (read already, for the version). */
static bool is_format_record(struct loading *l, uint8_t type)
{
	bool first = l->first;
	l->first = false;
	return type == REC_FORMAT && first;
}

static void on_state(void *ctx, uint8_t type, const uint8_t *payload, size_t len)
{
	struct loading *l = ctx;
	struct ddns_reader r = {payload, len, 0, false};
	if (is_format_record(l, type))
		return;
	bool ok = true;
	if (type == REC_PUB || type == REC_UNPUB) {
		ok = published(l, &r, type == REC_UNPUB);
	} else if (type == REC_JOB) {
		uint64_t id = get_number(l, &r);
		if (l->version == 0)
			r.at = 0; /* the raw job starts with its id */
		if ((ok = !r.bad))
			add_job(l, id, payload + r.at, len - r.at);
	} else if (type == REC_JOBDONE) {
		uint64_t id = get_number(l, &r);
		if ((ok = !r.bad))
			job_done(l, id);
	} else if (type == REC_JOBNEXT && l->version > 0) {
		uint64_t id = ddns_get_uint(&r);
		struct open_job *job = r.bad ? NULL : find_job(l, id);
		if ((ok = job != NULL))
			job->moved_on++;
	} else if (type == REC_HANDLED) {
		uint64_t seq = get_number(l, &r);
		ok = !r.bad && ddns_handled_add(&l->handled, seq);
		l->oom |= !ok && !r.bad;
	} else if (type == REC_HANDLED_BELOW && l->version > 0) {
		uint64_t below = ddns_get_uint(&r);
		ok = !r.bad && (below <= 1 || ddns_handled_add_range(&l->handled, 1, below - 1));
	} else if (type == REC_HANDLED_RANGE && l->version > 0) {
		uint64_t first_seq = ddns_get_uint(&r), last_seq = ddns_get_uint(&r);
		ok = !r.bad && first_seq <= last_seq &&
		     ddns_handled_add_range(&l->handled, first_seq, last_seq);
	} else {
		ok = false;
	}
	if (!ok)
		l->ignored++;
}

static void on_event(void *ctx, uint8_t type, const uint8_t *payload, size_t len)
{
	struct loading *l = ctx;
	struct ddns_reader r = {payload, len, 0, false};
	if (is_format_record(l, type))
		return;
	uint64_t seq = type == REC_EVENT ? get_number(l, &r) : 0;
	if (type != REC_EVENT || r.bad || seq == 0) {
		l->ignored++;
		return;
	}
	if (seq > l->seg->last_seq)
		l->seg->last_seq = seq;
	if (seq > l->max_seq)
		l->max_seq = seq;
	if (ddns_handled_has(&l->handled, seq))
		return;
	if (!grow((void **)&l->unhandled, &l->cap_unhandled, l->n_unhandled, sizeof(uint64_t))) {
		l->oom = true;
		return;
	}
	l->unhandled[l->n_unhandled++] = seq;
	l->loader->event(l->loader->ctx, l->version, seq, payload + r.at, len - r.at);
}

/* Copies the first bytes of src into a new dst. */
static int copy_prefix(const char *src, const char *dst, uint64_t bytes)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wbx");
	char buf[65536];
	int rc = in != NULL && out != NULL ? DDNS_OK : -errno;
	while (rc == DDNS_OK && bytes > 0) {
		size_t want = bytes < sizeof(buf) ? (size_t)bytes : sizeof(buf);
		size_t got = fread(buf, 1, want, in);
		if (got == 0 || fwrite(buf, 1, got, out) != got)
			rc = DDNS_EIO;
		bytes -= got;
	}
	if (in != NULL)
		fclose(in);
	if (out != NULL && fclose(out) != 0 && rc == DDNS_OK)
		rc = DDNS_EIO;
	return rc;
}

/*
 * Reads one file; damage is logged and the file kept aside for inspection. An events segment gets
 * its intact records back under its own name (its events are owed until handled); the state file
 * is rewritten from what was read anyway.
 */
static int load_file(struct loading *l, const char *path, int version, ddns_journal_fn fn)
{
	uint64_t damaged = 0, next;
	const struct ddns_journal_range whole = {0, 0, 0};
	l->version = version;
	l->first = true;
	l->ignored = 0;
	int rc = ddns_journal_scan(path, &whole, fn, l, &next, &damaged);
	if (fn == on_event)
		l->seg->bytes = next;
	if (rc != DDNS_OK) {
		log_error(DDNS_DIRECT_STATE_READ_FAILED, "cannot read %s: %s", path,
		          ddns_strerror(rc));
		return rc;
	}
	if (damaged > 0) {
		char aside[700];
		snprintf(aside, sizeof(aside), "%s.corrupt-%ld", path, (long)ddns_clock_wall_s());
		rename(path, aside);
		if (fn == on_event && (rc = copy_prefix(aside, path, next)) != DDNS_OK)
			log_error(DDNS_DIRECT_STATE_WRITE_FAILED, "cannot restore %s from %s: %s",
			          path, aside, ddns_strerror(rc));
		log_error(
		    DDNS_DIRECT_STATE_DAMAGED,
		    "%s: the last %llu bytes are damaged (cut short or failing their checksum) "
		    "and were not read; the file is kept as %s and everything before the damage "
		    "is used",
		    path, (unsigned long long)damaged, aside);
	}
	if (l->ignored > 0)
		log_warn(DDNS_DIRECT_STATE_UNKNOWN_RECORDS,
		         "%s: %zu records of an unknown kind or malformed were ignored", path,
		         l->ignored);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * The events segments in dir, oldest first, into s's list (version unknown yet). The first
 * release's single "events" file is segment 0.
 */
static int list_segments(struct ddns_store *s)
{
	char path[600];
	/* Read and deleted under its own name: nothing is changed before the versions are known. */
	snprintf(path, sizeof(path), "%s/events", s->dir);
	s->legacy_events = access(path, F_OK) == 0;
	DIR *d = opendir(s->dir);
	if (d == NULL)
		return -errno;
	struct dirent *de;
	uint64_t *numbers = NULL;
	size_t n = 0, cap = 0;
	int rc = DDNS_OK;
	if (s->legacy_events) {
		if (grow((void **)&numbers, &cap, n, sizeof(*numbers)))
			numbers[n++] = 0;
		else
			rc = DDNS_ENOMEM;
	}
	while (rc == DDNS_OK && (de = readdir(d)) != NULL) {
		char *end;
		if (strncmp(de->d_name, "events.", 7) != 0 || de->d_name[7] < '0' ||
		    de->d_name[7] > '9')
			continue;
		unsigned long long v = strtoull(de->d_name + 7, &end, 10);
		if (*end != '\0' || (v == 0 && s->legacy_events))
			continue; /* events.<n>.corrupt-<time> and the like */
		if (!grow((void **)&numbers, &cap, n, sizeof(*numbers)))
			rc = DDNS_ENOMEM;
		else
			numbers[n++] = v;
	}
	closedir(d);
	if (rc == DDNS_OK && n > 0) {
		qsort(numbers, n, sizeof(*numbers), cmp_u64);
		/* One more for the segment this run appends to. */
		s->segs = calloc(n + 1, sizeof(*s->segs));
		rc = s->segs != NULL ? DDNS_OK : DDNS_ENOMEM;
		for (size_t i = 0; rc == DDNS_OK && i < n; i++)
			s->segs[i].n = numbers[i];
		s->n_segs = rc == DDNS_OK ? n : 0;
		s->cap_segs = rc == DDNS_OK ? n + 1 : 0;
	}
	free(numbers);
	return rc;
}

/* Every file's version, before anything is read: a newer release's files are left untouched. */
static int check_versions(struct ddns_store *s, int *state_version, bool *upgraded)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/state", s->dir);
	int rc = file_version(path, state_version);
	*upgraded = *state_version == 0 && access(path, F_OK) == 0;
	int worst = *state_version < 0 ? DDNS_STORE_FORMAT + 1 : *state_version;
	for (size_t i = 0; rc == DDNS_OK && i < s->n_segs; i++) {
		store_segment_path(s, s->segs[i].n, path, sizeof(path));
		rc = file_version(path, &s->segs[i].version);
		int v = s->segs[i].version < 0 ? DDNS_STORE_FORMAT + 1 : s->segs[i].version;
		if (v > worst)
			worst = v;
		*upgraded |= v == 0;
	}
	if (rc == DDNS_OK && worst > DDNS_STORE_FORMAT) {
		log_error(DDNS_DIRECT_STATE_FORMAT_UNKNOWN,
		          "state-dir %s was written by a newer release of ddns-direct (format %d; "
		          "this release reads formats 0 to %d): it is not used and left as it is. "
		          "Start the release that wrote it, or point state-dir elsewhere",
		          s->dir, worst, DDNS_STORE_FORMAT);
		rc = DDNS_EFORMAT;
	}
	return rc;
}

/* After the segments are read: which events are handled, and the next seq to give. */
static int track_handled(struct loading *l)
{
	struct ddns_store *s = l->s;
	uint64_t last = l->handled.below - 1;
	if (l->handled.n > 0 && l->handled.ranges[l->handled.n - 1].last > last)
		last = l->handled.ranges[l->handled.n - 1].last;
	/* A seq handled and no longer in any segment is never given again. */
	s->next_seq = (l->max_seq > last ? l->max_seq : last) + 1;
	if (l->n_unhandled > 0)
		qsort(l->unhandled, l->n_unhandled, sizeof(uint64_t), cmp_u64);
	ddns_handled_init(&s->handled, l->n_unhandled > 0 ? l->unhandled[0] : s->next_seq);
	for (size_t i = 0; i < l->n_unhandled; i++) {
		uint64_t from = l->unhandled[i] + 1;
		uint64_t to = i + 1 < l->n_unhandled ? l->unhandled[i + 1] - 1 : s->next_seq - 1;
		if (from <= to && !ddns_handled_add_range(&s->handled, from, to))
			return DDNS_ENOMEM;
	}
	return DDNS_OK;
}

int store_load(struct ddns_store *s, const struct ddns_store_loader *loader)
{
	struct loading l = {.s = s, .loader = loader};
	char path[600];
	int state_version = 0;
	bool upgraded = false;
	ddns_handled_init(&l.handled, 1);
	int rc = list_segments(s);
	if (rc == DDNS_OK)
		rc = check_versions(s, &state_version, &upgraded);
	snprintf(path, sizeof(path), "%s/state", s->dir);
	if (rc == DDNS_OK)
		rc = load_file(&l, path, state_version, on_state);
	if (rc == DDNS_OK && l.oom)
		rc = DDNS_ENOMEM;
	s->next_job = l.max_job + 1;
	size_t n_jobs = 0;
	for (size_t i = 0; i < l.n_jobs; i++) {
		if (rc == DDNS_OK && loader->job(loader->ctx, l.jobs[i].version, l.jobs[i].id,
		                                 l.jobs[i].blob, l.jobs[i].len, l.jobs[i].moved_on))
			n_jobs++;
		free(l.jobs[i].blob);
	}
	free(l.jobs);
	for (size_t i = 0; rc == DDNS_OK && i < s->n_segs; i++) {
		store_segment_path(s, s->segs[i].n, path, sizeof(path));
		l.seg = &s->segs[i];
		rc = load_file(&l, path, s->segs[i].version, on_event);
	}
	if (rc == DDNS_OK && l.oom)
		rc = DDNS_ENOMEM;
	if (rc == DDNS_OK)
		rc = track_handled(&l);
	if (rc == DDNS_OK && upgraded)
		log_info(DDNS_DIRECT_STATE_UPGRADED,
		         "state-dir %s: files of an earlier release read (%zu record changes owed, "
		         "%zu lease events unhandled); the state file is rewritten in format %d, "
		         "and its events file goes once they are handled",
		         s->dir, n_jobs, l.n_unhandled, DDNS_STORE_FORMAT);
	ddns_handled_deinit(&l.handled);
	free(l.unhandled);
	return rc;
}
