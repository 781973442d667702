// SPDX-License-Identifier: MPL-2.0
//
// The engine's log lines into Kea's logger "ddns-direct", under the IDs of ddns/messages.h, and the
// one way a callout reports what it caught. Thread: any (Kea's logger is thread-safe).

#ifndef DDNS_SHIM_LOG_BRIDGE_H
#define DDNS_SHIM_LOG_BRIDGE_H

#include <chrono>
#include <exception>

#include <log/logger.h>

namespace ddns_shim
{

extern isc::log::Logger logger;

// Routes the engine's lines to Kea's logger, filtered by its level before they are formatted.
// From load(); remove_log_bridge() from unload().
void install_log_bridge();
void remove_log_bridge();

// A callout must not throw into Kea; what it catches is logged so no failure passes silently.
void log_callout_error(const char *callout, const std::exception &ex);

// Measures one callout from its first line to its return and counts it in the engine's
// callout-cost statistics (promise 3: a callout costs microseconds).
class CalloutTimer
{
      public:
	CalloutTimer() : start_(std::chrono::steady_clock::now())
	{
	}
	~CalloutTimer();
	CalloutTimer(const CalloutTimer &) = delete;
	CalloutTimer &operator=(const CalloutTimer &) = delete;

      private:
	std::chrono::steady_clock::time_point start_;
};

} // namespace ddns_shim

#endif
