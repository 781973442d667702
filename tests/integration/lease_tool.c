/* SPDX-License-Identifier: MPL-2.0 */
/*
 * ddns-lease: drives the real engine (real sockets, real servers) with lease events from the
 * command line, for integration tests that need many DNS topologies but not Kea itself.
 *
 *   ddns-lease PARAMS.json grant|release|expire FQDN ADDRESS [grant|... FQDN ADDRESS]...
 *
 * Every engine log line goes to stderr, DEBUG included. Exits 0 when every change succeeded
 * within DDNS_LEASE_WAIT_MS milliseconds (default 60000), 1 otherwise, after printing the counters
 * on stdout.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ddns/engine.h"

static void to_stderr(void *ctx, enum ddns_log_level level, const char *id, const char *line)
{
	static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
	(void)ctx;
	fprintf(stderr, "%s %s\n", names[level], line);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int parse_event(char **argv, struct ddns_lease_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (strcmp(argv[0], "grant") == 0)
		ev->kind = DDNS_LEASE_GRANTED;
	else if (strcmp(argv[0], "release") == 0)
		ev->kind = DDNS_LEASE_RELEASED;
	else if (strcmp(argv[0], "expire") == 0)
		ev->kind = DDNS_LEASE_EXPIRED;
	else
		return -1;
	snprintf(ev->fqdn, sizeof(ev->fqdn), "%s", argv[1]);
	ev->family = strchr(argv[2], ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(ev->family, argv[2], ev->address) != 1)
		return -1;
	ev->forward = ev->reverse = true;
	ev->lifetime = 3600;
	ev->id_type = DDNS_ID_NONE;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 5 || (argc - 2) % 3 != 0) {
		fprintf(stderr, "usage: %s PARAMS.json grant|release|expire FQDN ADDRESS...\n",
		        argv[0]);
		return 2;
	}
	const char *params = read_file(argv[1]);
	if (params == NULL) {
		perror(argv[1]);
		return 2;
	}
	ddns_log_set_sink(to_stderr, NULL);
	ddns_engine *engine;
	char err[512];
	if (ddns_engine_new(params, NULL, &engine, err, sizeof(err)) != DDNS_OK) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	for (int i = 2; i < argc; i += 3) {
		struct ddns_lease_event ev;
		if (parse_event(argv + i, &ev) != 0) {
			fprintf(stderr, "bad event: %s %s %s\n", argv[i], argv[i + 1], argv[i + 2]);
			ddns_engine_free(engine);
			return 2;
		}
		ddns_engine_submit(engine, &ev);
	}
	const char *wait = getenv("DDNS_LEASE_WAIT_MS");
	int idle = ddns_engine_wait_idle(engine, wait != NULL ? atoi(wait) : 60000);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(engine, &st);
	printf("events=%llu updates=%llu succeeded=%llu failed=%llu retries=%llu pending=%llu "
	       "invalid=%llu gss-negotiations=%llu\n",
	       (unsigned long long)st.events, (unsigned long long)st.updates,
	       (unsigned long long)st.succeeded, (unsigned long long)st.failed,
	       (unsigned long long)st.retries, (unsigned long long)st.pending,
	       (unsigned long long)st.invalid, (unsigned long long)st.gss_negotiations);
	ddns_engine_free(engine);
	return idle == DDNS_OK && st.failed == 0 && st.pending == 0 && st.invalid == 0 ? 0 : 1;
}
