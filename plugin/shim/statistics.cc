// SPDX-License-Identifier: MPL-2.0

#include "shim/statistics.h"

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

const struct {
	const char *name;
	uint64_t ddns_engine_stats::*field;
} statistics[] = {
    {"ddns-direct.lease-events", &ddns_engine_stats::events},
    {"ddns-direct.updates-sent", &ddns_engine_stats::updates},
    {"ddns-direct.succeeded", &ddns_engine_stats::succeeded},
    {"ddns-direct.failed", &ddns_engine_stats::failed},
    {"ddns-direct.conflicts", &ddns_engine_stats::conflicts},
    {"ddns-direct.retries", &ddns_engine_stats::retries},
    {"ddns-direct.pending", &ddns_engine_stats::pending},
    {"ddns-direct.skipped", &ddns_engine_stats::skipped},
    {"ddns-direct.invalid-names", &ddns_engine_stats::invalid},
    {"ddns-direct.dropped", &ddns_engine_stats::dropped},
    {"ddns-direct.spilled", &ddns_engine_stats::spilled},
    {"ddns-direct.journal-errors", &ddns_engine_stats::journal_errors},
    {"ddns-direct.failed-refused", &ddns_engine_stats::refused},
    {"ddns-direct.failed-notauth", &ddns_engine_stats::notauth},
    {"ddns-direct.failed-servfail", &ddns_engine_stats::servfail},
    {"ddns-direct.failed-timeout", &ddns_engine_stats::timeouts},
    {"ddns-direct.failed-tsig", &ddns_engine_stats::tsig},
    {"ddns-direct.discoveries", &ddns_engine_stats::discoveries},
    {"ddns-direct.gss-negotiations", &ddns_engine_stats::gss_negotiations},
    {"ddns-direct.discovery-cache-hits", &ddns_engine_stats::cache_hits},
    {"ddns-direct.callout-median-ns", &ddns_engine_stats::callout_median_ns},
    {"ddns-direct.callout-p99-ns", &ddns_engine_stats::callout_p99_ns},
};

void publish_statistics()
{
	if (engine == nullptr)
		return;
	ddns_engine_stats st;
	ddns_engine_get_stats(engine, &st);
	isc::stats::StatsMgr &mgr = isc::stats::StatsMgr::instance();
	for (const auto &s : statistics)
		mgr.setValue(s.name, static_cast<int64_t>(st.*(s.field)));
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
	for (const auto &s : statistics)
		isc::stats::StatsMgr::instance().del(s.name);
}

} // namespace ddns_shim
