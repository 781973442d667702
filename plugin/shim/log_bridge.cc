// SPDX-License-Identifier: MPL-2.0

#include "shim/log_bridge.h"

#include <string>

#include <log/macros.h>
#include <log/message_initializer.h>

#include "shim/engine_ref.h"

extern "C" {
#include "ddns/messages.h"
}

namespace ddns_shim
{

namespace
{

// Kea's message dictionary for this library, from the catalogue in ddns/messages.h: every ID's
// text is "%1", the line the engine (or this shim) formatted.
// clang-format off
const char *catalogue[] = {
#define DDNS_MSG_ENTRY(id, meaning) #id, "%1",
	DDNS_MESSAGES(DDNS_MSG_ENTRY)
#undef DDNS_MSG_ENTRY
	NULL};
// clang-format on
const isc::log::MessageInitializer catalogue_init(catalogue);

// Debug level for the engine's DEBUG lines (Kea's DBGLVL_TRACE_BASIC).
const int DEBUG_LEVEL = 40;

void log_sink(void *, enum ddns_log_level level, const char *id, const char *line)
{
	switch (level) {
	case DDNS_LOG_DEBUG:
		LOG_DEBUG(logger, DEBUG_LEVEL, id).arg(line);
		break;
	case DDNS_LOG_INFO:
		LOG_INFO(logger, id).arg(line);
		break;
	case DDNS_LOG_WARN:
		LOG_WARN(logger, id).arg(line);
		break;
	default:
		LOG_ERROR(logger, id).arg(line);
		break;
	}
}

bool log_enabled(void *, enum ddns_log_level level)
{
	switch (level) {
	case DDNS_LOG_DEBUG:
		return logger.isDebugEnabled(DEBUG_LEVEL);
	case DDNS_LOG_INFO:
		return logger.isInfoEnabled();
	case DDNS_LOG_WARN:
		return logger.isWarnEnabled();
	default:
		return logger.isErrorEnabled();
	}
}

} // namespace

isc::log::Logger logger("ddns-direct");

void install_log_bridge()
{
	ddns_log_set_sink(log_sink, nullptr);
	ddns_log_set_filter(log_enabled);
}

void remove_log_bridge()
{
	ddns_log_set_filter(nullptr);
	ddns_log_set_sink(nullptr, nullptr);
}

void log_callout_error(const char *callout, const std::exception &ex)
{
	LOG_ERROR(logger, "DDNS_DIRECT_CALLOUT_ERROR")
	    .arg(std::string("callout ") + callout + " failed: " + ex.what());
}

CalloutTimer::~CalloutTimer()
{
	if (engine != nullptr)
		ddns_engine_note_callout(engine,
		                         std::chrono::duration_cast<std::chrono::nanoseconds>(
		                             std::chrono::steady_clock::now() - start_)
		                             .count());
}

} // namespace ddns_shim
