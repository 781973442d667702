/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Where the engine's log lines go. The engine formats one line per event worth reporting and hands
 * it to a sink: the Kea shim forwards it to Kea's logger, tests capture it, the probe prints it.
 */
#ifndef DDNS_LOG_H
#define DDNS_LOG_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ddns_log_level {
	DDNS_LOG_DEBUG = 0,
	DDNS_LOG_INFO,
	DDNS_LOG_WARN,
	DDNS_LOG_ERROR,
};

/* A sink receives the message ID (see ddns/messages.h) and a complete line without a trailing
 * newline; it must not keep the pointers. It is called from the engine's threads and the thread
 * that created the engine, one line at a time. */
typedef void (*ddns_log_fn)(void *ctx, enum ddns_log_level level, const char *id, const char *line);

/* Installs the process-wide sink; NULL restores the default (stderr). Call it before creating an
 * engine, not while one is running. */
void ddns_log_set_sink(ddns_log_fn fn, void *ctx);

/* Says whether the sink keeps lines of a level now (Kea's logger is configured at run time). The
 * engine formats no line the sink would drop: under load that is one line per record change. */
typedef bool (*ddns_log_enabled_fn)(void *ctx, enum ddns_log_level level);

/* Installs the sink's filter (called with the sink's ctx from any engine thread); NULL: every
 * line is kept, the default. The same timing rules as ddns_log_set_sink. */
void ddns_log_set_filter(ddns_log_enabled_fn fn);

#ifdef __cplusplus
}
#endif

#endif
