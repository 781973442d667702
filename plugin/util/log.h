/* SPDX-License-Identifier: MPL-2.0 */
/* printf-style logging for engine modules; lines go to the sink set with ddns_log_set_sink(). */
#ifndef DDNS_UTIL_LOG_H
#define DDNS_UTIL_LOG_H

#include "ddns/log.h"
#include "ddns/messages.h"

/* One value per catalogue entry; the sink receives the entry's name. */
enum ddns_msg {
#define DDNS_MSG_ENUM(id, meaning) id,
	DDNS_MESSAGES(DDNS_MSG_ENUM)
#undef DDNS_MSG_ENUM
};

/* Whether a line of level would reach the sink (its filter keeps it). Thread: any. */
bool ddns_log_enabled(enum ddns_log_level level);

/* Formats one line (truncated at 1 KiB) and hands it with its ID to the sink, unless the sink's
 * filter drops the level. Thread: any. */
void ddns_log(enum ddns_log_level level, enum ddns_msg id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(...) ddns_log(DDNS_LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  ddns_log(DDNS_LOG_INFO, __VA_ARGS__)
#define log_warn(...)  ddns_log(DDNS_LOG_WARN, __VA_ARGS__)
#define log_error(...) ddns_log(DDNS_LOG_ERROR, __VA_ARGS__)

#endif
