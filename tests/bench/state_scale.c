/* SPDX-License-Identifier: MPL-2.0 */
/*
 * ddns-state-scale: state-dir at scale, for the benchmark.
 *
 *   ddns-state-scale write DIR COUNT
 *   ddns-state-scale load DIR
 *
 * write: makes the empty directory DIR a state-dir in which COUNT addresses (10.16.0.0 onwards) are
 * published, each with its A and PTR, a DHCID and a name like those Kea generates, as the engine
 * writes it. load (a process of its own, so that nothing the writing allocated is counted): starts
 * an engine on DIR, as Kea's load() does, and prints what that took: one line "load-ms T rss-mib R
 * state-mib S", R being what the engine added to the process's resident memory. Exits 1 when
 * something fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "ddns/engine.h"
#include "engine/durable.h"

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kib;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void no_jobs(void *ctx, void (*fn)(void *fn_ctx, const struct ddns_job_record *r),
                    void *fn_ctx)
{
	(void)ctx, (void)fn, (void)fn_ctx;
}

/* The published set of count addresses, written by the rewrite an open of the store makes. */
static int write_state(const char *dir, unsigned long count)
{
	struct ddns_published_map *map = ddns_published_new();
	struct ddns_published p = {.forward = true, .reverse = true};
	for (unsigned long i = 0; map != NULL && i < count; i++) {
		/* Above the benchmark's pools (10.1-10.3), which stay free for new clients. */
		unsigned long at = i + (16ul << 16);
		uint8_t address[16] = {10, (uint8_t)(at >> 16), (uint8_t)(at >> 8), (uint8_t)at};
		snprintf(p.fqdn, sizeof(p.fqdn), "host-10-%u-%u-%u.corp.example.", address[1],
		         address[2], address[3]);
		for (int k = 0; k < 3; k++)
			p.dhcid[k] = (uint8_t) "\0\1\1"[k]; /* identifier type, SHA-256 */
		for (size_t k = 3; k < sizeof(p.dhcid); k++)
			p.dhcid[k] = (uint8_t)(i * 31 + k * 7);
		if (ddns_published_set(map, AF_INET, address, &p) != DDNS_OK)
			return 1;
	}
	const struct ddns_durable_live live = {map, no_jobs, NULL};
	const struct ddns_durable_loader none = {NULL, NULL, NULL, NULL};
	struct ddns_durable *d;
	if (map == NULL || ddns_durable_open(dir, NULL, &none, &live, &d) != DDNS_OK)
		return 1;
	ddns_durable_free(d);
	ddns_published_free(map);
	return 0;
}

static void quiet(void *ctx, enum ddns_log_level level, const char *id, const char *line)
{
	(void)ctx, (void)id;
	if (level >= DDNS_LOG_WARN)
		fprintf(stderr, "%s\n", line);
}

/* Starts an engine on dir and prints what that took. */
static int load(const char *dir)
{
	char params[700], err[256] = "", path[600];
	snprintf(
	    params, sizeof(params),
	    "{ \"resolvers\": [ \"127.0.0.1\" ], \"state-dir\": \"%s\", \"zones\": [ { \"name\": "
	    "\"corp.example.\", \"servers\": [ \"127.0.0.1\" ] } ] }",
	    dir);
	long before = rss_kib();
	double start = now_ms();
	ddns_engine *e;
	if (ddns_engine_new(params, NULL, &e, err, sizeof(err)) != DDNS_OK) {
		fprintf(stderr, "the engine did not start: %s\n", err);
		return 1;
	}
	double took = now_ms() - start;
	long after = rss_kib();
	snprintf(path, sizeof(path), "%s/state", dir);
	struct stat st;
	double state_mib = stat(path, &st) == 0 ? st.st_size / 1048576.0 : -1;
	printf("load-ms %.0f rss-mib %.0f state-mib %.1f\n", took, (after - before) / 1024.0,
	       state_mib);
	ddns_engine_free(e);
	return 0;
}

int main(int argc, char **argv)
{
	ddns_log_set_sink(quiet, NULL);
	if (argc == 4 && strcmp(argv[1], "write") == 0) {
		if (write_state(argv[2], strtoul(argv[3], NULL, 10)) == 0)
			return 0;
		fprintf(stderr, "cannot write the state-dir %s\n", argv[2]);
		return 1;
	}
	if (argc == 3 && strcmp(argv[1], "load") == 0)
		return load(argv[2]);
	fprintf(stderr, "usage: ddns-state-scale write DIR COUNT | load DIR\n");
	return 2;
}
