// SPDX-License-Identifier: MPL-2.0
//
// The engine's counters as Kea statistics ("statistic-get-all"), refreshed every second by a timer
// on Kea's main thread, which also drives the HA watch. Removed again on unload.

#ifndef DDNS_SHIM_STATISTICS_H
#define DDNS_SHIM_STATISTICS_H

#include <hooks/hooks.h>

namespace ddns_shim
{

// From *_srv_configured (Kea's main thread): (re)starts the timer and publishes once. Failures
// are logged, never thrown.
void start_statistics(isc::hooks::CalloutHandle &handle, const char *callout);

// From unload(): stops the timer and removes the statistics.
void stop_statistics();

} // namespace ddns_shim

#endif
