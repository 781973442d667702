// SPDX-License-Identifier: MPL-2.0

#include "shim/statistics.h"

#include <string>

#include <stats/stats_mgr.h>

#include "shim/engine_ref.h"
#include "shim/ha_watch.h"
#include "shim/kea_version.h"
#include "shim/log_bridge.h"

namespace ddns_shim
{

namespace
{

TimerService timer_service;
isc::asiolink::IntervalTimerPtr stats_timer;

std::string statistic_name(const ddns_engine_counter &c)
{
	return std::string("ddns-direct.") + c.name;
}

void publish_statistics()
{
	if (engine == nullptr)
		return;
	ddns_engine_stats st;
	ddns_engine_get_stats(engine, &st);
	isc::stats::StatsMgr &mgr = isc::stats::StatsMgr::instance();
	for (size_t i = 0; i < ddns_engine_n_counters; i++)
		mgr.setValue(
		    statistic_name(ddns_engine_counters[i]),
		    static_cast<int64_t>(ddns_engine_counter_value(&st, &ddns_engine_counters[i])));
}

void tick()
{
	publish_statistics();
	try {
		watch_ha();
	} catch (const std::exception &ex) {
		log_callout_error("ha-heartbeat", ex);
	}
}

void cancel_timer()
{
	if (stats_timer) {
		stats_timer->cancel();
		stats_timer.reset();
	}
	timer_service.stop();
}

} // namespace

void start_statistics(isc::hooks::CalloutHandle &handle, const char *callout)
{
	try {
		cancel_timer();
		stats_timer = timer_service.start(handle);
		stats_timer->setup(tick, 1000);
		publish_statistics();
	} catch (const std::exception &ex) {
		log_callout_error(callout, ex);
	}
}

void stop_statistics()
{
	cancel_timer();
	for (size_t i = 0; i < ddns_engine_n_counters; i++)
		isc::stats::StatsMgr::instance().del(statistic_name(ddns_engine_counters[i]));
}

} // namespace ddns_shim
