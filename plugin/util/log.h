/* SPDX-License-Identifier: MPL-2.0 */
/* printf-style logging for engine modules; lines go to the sink set with ddns_log_set_sink(). */
#ifndef DDNS_UTIL_LOG_H
#define DDNS_UTIL_LOG_H

#include "ddns/log.h"

/* Formats one line (truncated at 1 KiB) and hands it to the sink. Thread: any. */
void ddns_log(enum ddns_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) ddns_log(DDNS_LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  ddns_log(DDNS_LOG_INFO, __VA_ARGS__)
#define log_warn(...)  ddns_log(DDNS_LOG_WARN, __VA_ARGS__)
#define log_error(...) ddns_log(DDNS_LOG_ERROR, __VA_ARGS__)

#endif
