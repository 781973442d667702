/* SPDX-License-Identifier: MPL-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support.h"

struct ddns_tsig_key engine_test_key = {"ddns-key.", "hmac-sha256.", ENGINE_TEST_SECRET, NULL,
                                        0,           false};

static void capture(void *ctx, enum ddns_log_level level, const char *id, const char *line)
{
	struct log_capture *c = ctx;
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->n < LOG_CAPTURE_LINES)
		snprintf(c->lines[c->n++], sizeof(c->lines[0]), "%d %s %s", level, id, line);
	pthread_mutex_unlock(&c->lock);
}

void log_capture_start(struct log_capture *c)
{
	if (c != NULL) {
		pthread_mutex_init(&c->lock, NULL);
		c->n = 0;
	}
	ddns_log_set_sink(capture, c);
}

void log_capture_clear(struct log_capture *c)
{
	pthread_mutex_lock(&c->lock);
	c->n = 0;
	pthread_mutex_unlock(&c->lock);
}

void log_capture_stop(struct log_capture *c)
{
	(void)c;
	ddns_log_set_sink(NULL, NULL);
}

size_t log_capture_count(struct log_capture *c, const char *text)
{
	size_t n = 0;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n; i++)
		n += strstr(c->lines[i], text) != NULL;
	pthread_mutex_unlock(&c->lock);
	return n;
}

bool log_capture_has(struct log_capture *c, const char *text)
{
	return log_capture_count(c, text) > 0;
}

bool log_capture_has_line(struct log_capture *c, const char *id, const char *text)
{
	bool found = false;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n && !found; i++) {
		const char *at = strchr(c->lines[i], ' ');
		size_t len = strlen(id);
		found = at != NULL && strncmp(at + 1, id, len) == 0 && at[1 + len] == ' ' &&
		        strstr(at + 1 + len, text) != NULL;
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void log_capture_print(struct log_capture *c)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n; i++)
		print_message("%s\n", c->lines[i]);
	pthread_mutex_unlock(&c->lock);
}

struct ddns_lease_event lease4(enum ddns_lease_kind kind, uint8_t last, const char *fqdn)
{
	struct ddns_lease_event ev = {.kind = kind,
	                              .family = AF_INET,
	                              .address = {10, 1, 0, last},
	                              .forward = true,
	                              .reverse = true,
	                              .lifetime = 3600,
	                              .id_type = DDNS_ID_NONE};
	snprintf(ev.fqdn, sizeof(ev.fqdn), "%s", fqdn);
	return ev;
}

struct ddns_lease_event lease4_client(enum ddns_lease_kind kind, uint8_t last, const char *fqdn,
                                      const uint8_t *id, size_t len)
{
	struct ddns_lease_event ev = lease4(kind, last, fqdn);
	ev.id_type = DDNS_ID_CLIENT_ID;
	ev.id_len = (uint16_t)len;
	memcpy(ev.id, id, len);
	return ev;
}

struct engine_fixture *engine_fixture_new(const struct ddns_tsig_key *key)
{
	struct engine_fixture *fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	fake_dns_init(&fx->dns, key);
	fake_state_dir(fx->state_dir);
	log_capture_start(&fx->log);
	fx->opts = (struct ddns_engine_opts){.transport = &fx->dns.transport,
	                                     .timeout_ms = 100,
	                                     .retry_min_ms = 20,
	                                     .retry_max_ms = 40};
	return fx;
}

void engine_fixture_start(struct engine_fixture *fx, const char *params)
{
	char text[4096], err[256] = "";
	snprintf(text, sizeof(text), params, fx->state_dir);
	int rc = ddns_engine_new(text, &fx->opts, &fx->engine, err, sizeof(err));
	if (rc != DDNS_OK)
		fail_msg("the engine did not start: %s", err);
}

void engine_fixture_stop(struct engine_fixture *fx)
{
	ddns_engine_free(fx->engine);
	fx->engine = NULL;
}

void engine_fixture_free(struct engine_fixture *fx)
{
	if (fx == NULL)
		return;
	engine_fixture_stop(fx);
	log_capture_stop(&fx->log);
	fake_dns_deinit(&fx->dns);
	fake_state_dir_remove(fx->state_dir);
	free(fx);
}

void engine_fixture_submit(struct engine_fixture *fx, struct ddns_lease_event ev)
{
	assert_int_equal(ddns_engine_submit(fx->engine, &ev), DDNS_OK);
	assert_int_equal(ddns_engine_wait_idle(fx->engine, 5000), DDNS_OK);
}

int engine_fixture_setup(void **state)
{
	struct engine_fixture *fx = engine_fixture_new(&engine_test_key);
	engine_fixture_start(fx, ENGINE_TEST_PARAMS);
	*state = fx;
	return 0;
}

int engine_fixture_teardown(void **state)
{
	engine_fixture_free(*state);
	return 0;
}

bool page_faults_are_countable(void)
{
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
	return false;
#else
	const char *preload = getenv("LD_PRELOAD");
	return preload == NULL || strstr(preload, "vgpreload") == NULL;
#endif
}

long thread_minor_faults(void)
{
	struct rusage now;
	getrusage(RUSAGE_THREAD, &now);
	return now.ru_minflt;
}
