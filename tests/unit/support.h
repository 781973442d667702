/* SPDX-License-Identifier: MPL-2.0 */
/*
 * What the unit tests share: a capture of the engine's log lines, lease events built in one call,
 * and an engine fixture (the fake DNS server, a private state-dir, the log capture, and an engine
 * started over them). The clock seam is util/clock.h's ddns_clock_advance.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddns/engine.h"
#include "fake_dns.h"

#define LOG_CAPTURE_LINES 256

/* The engine's log lines, each as "<level> <message ID> <text>", the first LOG_CAPTURE_LINES. */
struct log_capture {
	pthread_mutex_t lock;
	char lines[LOG_CAPTURE_LINES][512];
	size_t n;
};

/* Starts capturing every log line into c (the sink is process-wide), or drops them (c NULL). */
void log_capture_start(struct log_capture *c);

/* Forgets the lines captured so far. */
void log_capture_clear(struct log_capture *c);

/* Stops capturing; lines stay readable. */
void log_capture_stop(struct log_capture *c);

/* Whether a captured line contains text. */
bool log_capture_has(struct log_capture *c, const char *text);

/* Whether one captured line carries message ID id and contains text. */
bool log_capture_has_line(struct log_capture *c, const char *id, const char *text);

/* Prints every captured line (for a failing test's message). */
void log_capture_print(struct log_capture *c);

/* How many captured lines contain text. */
size_t log_capture_count(struct log_capture *c, const char *text);

/* Whether this process's page-fault counts (getrusage) are its own: not under a sanitizer or
 * valgrind, whose shadow memory takes faults of its own. */
bool page_faults_are_countable(void);

/* The minor page faults the calling thread has taken so far. */
long thread_minor_faults(void);

/* A lease event for 10.1.0.last named fqdn: forward and reverse, 3600 s, no client identity. */
struct ddns_lease_event lease4(enum ddns_lease_kind kind, uint8_t last, const char *fqdn);

/* As lease4 with a client identifier (DHCID) id of len bytes. */
struct ddns_lease_event lease4_client(enum ddns_lease_kind kind, uint8_t last, const char *fqdn,
                                      const uint8_t *id, size_t len);

/* The engine tests' parameters (a printf format taking the state-dir): one HMAC key, pinned
 * servers for corp.example. (two) and 1.10.in-addr.arpa., an excluded zone and one left to
 * discovery. */
#define ENGINE_TEST_SECRET "c2VjcmV0LWtleS1mb3ItdW5pdC10ZXN0cy0wMTIzNDU2Nzg5"

#define ENGINE_TEST_PARAMS                                                                         \
	"{ \"resolvers\": [\"127.0.0.1\"], \"state-dir\": \"%s\","                                 \
	"  \"tsig-keys\": [ { \"name\": \"ddns-key\", \"algorithm\": \"hmac-sha256\","             \
	"                     \"secret\": \"" ENGINE_TEST_SECRET "\" } ],"                         \
	"  \"default-key\": \"ddns-key\","                                                         \
	"  \"zones\": [ { \"name\": \"corp.example.\", \"servers\": [\"127.0.0.2\", "              \
	"\"127.0.0.3\"] },"                                                                        \
	"             { \"name\": \"1.10.in-addr.arpa.\", \"servers\": [\"127.0.0.2\"] },"         \
	"             { \"name\": \"nodns.corp.example.\", \"update\": false },"                   \
	"             { \"name\": \"disc.example.\" } ] }"

/* The key of ENGINE_TEST_PARAMS, as the fake server signs with it (ldns needs only the base64
 * secret). */
extern struct ddns_tsig_key engine_test_key;

/* An engine over the fake DNS server. */
struct engine_fixture {
	struct fake_dns dns;          /* where the engine's messages go */
	char state_dir[64];           /* private, removed at the end */
	struct log_capture log;       /* every line the engine logged */
	struct ddns_engine_opts opts; /* the fake transport, 100 ms timeouts, fast retries */
	ddns_engine *engine;          /* NULL until started */
};

/* A new fixture (calloc'd) whose fake server signs with key (NULL: unsigned), capturing the log. */
struct engine_fixture *engine_fixture_new(const struct ddns_tsig_key *key);

/* Starts the engine with params, a printf format whose one "%s" is the state-dir; asserts it
 * starts. */
void engine_fixture_start(struct engine_fixture *fx, const char *params);

/* Stops the engine (the state-dir stays: a restart reads it). */
void engine_fixture_stop(struct engine_fixture *fx);

/* Stops the engine and frees the fixture, its state-dir and the log capture; NULL is ignored. */
void engine_fixture_free(struct engine_fixture *fx);

/* Submits ev and waits (up to 5 s) until the engine is idle; asserts both. */
void engine_fixture_submit(struct engine_fixture *fx, struct ddns_lease_event ev);

/* cmocka setup and teardown of a fixture over ENGINE_TEST_PARAMS, signed with engine_test_key. */
int engine_fixture_setup(void **state);
int engine_fixture_teardown(void **state);

#endif
