/* SPDX-License-Identifier: MPL-2.0 */
/* The process-wide log sink and the formatter in front of it. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "util/log.h"

static void stderr_sink(void *ctx, enum ddns_log_level level, const char *id, const char *line)
{
	static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
	(void)ctx;
	fprintf(stderr, "%s %s %s\n", names[level], id, line);
}

static const char *const ids[] = {
#define DDNS_MSG_NAME(id, meaning) #id,
    DDNS_MESSAGES(DDNS_MSG_NAME)
#undef DDNS_MSG_NAME
};

static ddns_log_fn sink = stderr_sink;
static void *sink_ctx;
static ddns_log_enabled_fn filter;

void ddns_log_set_sink(ddns_log_fn fn, void *ctx)
{
	sink = fn != NULL ? fn : stderr_sink;
	sink_ctx = fn != NULL ? ctx : NULL;
}

void ddns_log_set_filter(ddns_log_enabled_fn fn)
{
	filter = fn;
}

bool ddns_log_enabled(enum ddns_log_level level)
{
	return filter == NULL || filter(sink_ctx, level);
}

/* Lines come from the worker and the senders; sinks (a test's buffer) need not be thread-safe. */
static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;

void ddns_log(enum ddns_log_level level, enum ddns_msg id, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!ddns_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&sink_lock);
	sink(sink_ctx, level, ids[id], line);
	pthread_mutex_unlock(&sink_lock);
}
