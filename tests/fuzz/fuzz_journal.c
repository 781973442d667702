/* SPDX-License-Identifier: MPL-2.0 */
/* libFuzzer: state-dir files as a crash, a bad disk or a hostile user may leave them. */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddns/error.h"
#include "engine/durable.h"
#include "util/log.h"

/* What was published goes into the map, so that the rewrite at open encodes it again. */
static void on_pub(void *ctx, int family, const uint8_t *address, const struct ddns_published *p)
{
	if (p != NULL)
		ddns_published_set(ctx, family, address, p);
	else
		ddns_published_remove(ctx, family, address);
}

static void no_jobs(void *ctx, void (*fn)(void *fn_ctx, const struct ddns_job_record *r),
                    void *fn_ctx)
{
	(void)ctx, (void)fn, (void)fn_ctx;
}

static bool on_job(void *ctx, const struct ddns_job_record *r)
{
	(void)ctx, (void)r;
	return true;
}

static void on_event(void *ctx, uint64_t seq, const struct ddns_lease_event *ev)
{
	(void)ctx, (void)seq, (void)ev;
}

static void quiet(void *ctx, enum ddns_log_level level, const char *id, const char *line)
{
	(void)ctx, (void)level, (void)id, (void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64];
	char path[128];
	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/ddns-fuzz-%d", (int)getpid());
		ddns_log_set_sink(quiet, NULL);
	}
	/* The first half is the state file, the second an events file: of the first release
	 * (version 0) when the input's first byte is even, a segment of today's format if odd. */
	mkdir(dir, 0700);
	const char *names[2] = {"state", size > 0 && data[0] & 1 ? "events.1" : "events"};
	size_t half = size / 2;
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "wb");
		if (f == NULL)
			return 0;
		fwrite(data + (i ? half : 0), 1, i ? size - half : half, f);
		fclose(f);
	}
	struct ddns_published_map *map = ddns_published_new();
	const struct ddns_durable_loader loader = {on_pub, on_job, on_event, map};
	const struct ddns_durable_live live = {map, no_jobs, NULL};
	struct ddns_durable *d = NULL;
	if (ddns_durable_open(dir, NULL, &loader, &live, &d) == DDNS_OK)
		ddns_durable_free(d);
	ddns_published_free(map);
	/* Damaged files are set aside under new names; clear everything for the next input. */
	DIR *dp = opendir(dir);
	struct dirent *de;
	while (dp != NULL && (de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (dp != NULL)
		closedir(dp);
	return 0;
}
