// SPDX-License-Identifier: MPL-2.0
//
// Everything that differs between the Kea versions the shim builds against (2.2, 2.6, 3.0), in one
// place. DDNS_KEA_VERSION is the KEA_HOOKS_VERSION of the installed Kea headers (20200, 20603,
// 30004...), passed by the Makefile: Kea has no version macro a preprocessor can test.

#ifndef DDNS_SHIM_KEA_VERSION_H
#define DDNS_SHIM_KEA_VERSION_H

#ifndef DDNS_KEA_VERSION
#error "DDNS_KEA_VERSION must be set to Kea's KEA_HOOKS_VERSION (the Makefile does)"
#endif

#if DDNS_KEA_VERSION >= 30000
// Kea 3.0's installed headers refuse to compile without its config.h first.
#include <config.h>
#include <dhcpsrv/ddns_params.h>
#elif DDNS_KEA_VERSION >= 20400
#include <dhcpsrv/srv_config.h>
#endif

#include <asiolink/interval_timer.h>
#include <asiolink/io_service.h>
#if DDNS_KEA_VERSION >= 20600
#include <asiolink/io_service_mgr.h>
#endif
#include <dhcpsrv/lease.h>
#include <hooks/hooks.h>
#include <string>

extern "C" {
#include "ddns/lease.h"
}

namespace ddns_shim
{

// The IO service that runs the shim's timer. From 2.6 on a hook keeps its own, registered with
// Kea's IOServiceMgr, which the server's main loop polls (the io_context argument is deprecated
// in 3.0); 2.2 has no such manager and hands the server's own in *_srv_configured.
class TimerService
{
      public:
	// Called from *_srv_configured on Kea's main thread; throws what Kea throws.
	isc::asiolink::IntervalTimerPtr start(isc::hooks::CalloutHandle &handle)
	{
		stop();
#if DDNS_KEA_VERSION >= 20600
		(void)handle;
		io_.reset(new isc::asiolink::IOService());
		isc::asiolink::IOServiceMgr::instance().registerIOService(io_);
		return isc::asiolink::IntervalTimerPtr(new isc::asiolink::IntervalTimer(io_));
#else
		isc::asiolink::IOServicePtr io;
		handle.getArgument("io_context", io);
		return isc::asiolink::IntervalTimerPtr(new isc::asiolink::IntervalTimer(*io));
#endif
	}

	// After the timer is cancelled and released; from unload() or before a new start.
	void stop()
	{
#if DDNS_KEA_VERSION >= 20600
		if (io_) {
			isc::asiolink::IOServiceMgr::instance().unregisterIOService(io_);
			io_->stopAndPoll();
			io_.reset();
		}
#endif
	}

      private:
#if DDNS_KEA_VERSION >= 20600
	isc::asiolink::IOServicePtr io_;
#endif
};

#if DDNS_KEA_VERSION >= 20400
// Copies a Kea setting that is specified somewhere for the client; leaves out (zero) one that is
// not.
template <typename T, typename Out>
void take_specified(const isc::util::Optional<T> &value, Out &out)
{
	if (!value.unspecified())
		out = value.get();
}
#endif

// Kea's DDNS settings in force for the client of a ddns4_update/ddns6_update callout
// ("ddns-params", 2.4 and later; pool-level values in 3.0 once the pool is known). Kea 2.2 has none
// of these settings: dns is left zero and the plugin's own parameters apply. Throws what
// getArgument throws.
inline void client_dns(isc::hooks::CalloutHandle &handle, ddns_client_dns &dns)
{
	dns = ddns_client_dns();
#if DDNS_KEA_VERSION >= 20400
	isc::dhcp::DdnsParamsPtr params;
	handle.getArgument("ddns-params", params);
	if (!params)
		return;
	// Kea fills in check-with-dhcid where nothing sets a mode, so that value cannot tell an
	// operator's choice from Kea's default: it leaves the plugin's "conflict-resolution" in
	// force.
	std::string mode = params->getConflictResolutionMode();
	if (mode != "check-with-dhcid")
		dns.conflict_mode = ddns_client_conflict_mode(mode.c_str());
	// Each getter walks pool, subnet, network and globals: asked once each.
	take_specified(params->getTtlPercent(), dns.ttl_percent);
#if DDNS_KEA_VERSION >= 30000
	take_specified(params->getTtl(), dns.ttl);
	take_specified(params->getTtlMin(), dns.ttl_min);
	take_specified(params->getTtlMax(), dns.ttl_max);
#endif
#else
	(void)handle;
#endif
}

// Kea 3.0's lease state 4: a v6 address its client registered (RFC 9686, ADDR-REG-INFORM). Kea
// updates DNS for it as for a lease it granted, so the plugin treats it as in use.
inline bool lease_state_registered(const isc::dhcp::Lease &lease)
{
#if DDNS_KEA_VERSION >= 30000
	return lease.state_ == isc::dhcp::Lease::STATE_REGISTERED;
#else
	(void)lease;
	return false;
#endif
}

// A lease Kea reclaims after the client released it: with lease affinity (2.3 and later by
// default) a release keeps the lease with no lifetime (2.6: state 0, 3.0: state 3, released) and
// Kea reclaims it later, calling lease{4,6}_expire for a release the plugin has already handled.
inline bool released_before_expiry(const isc::dhcp::Lease &lease)
{
#if DDNS_KEA_VERSION >= 30000
	if (lease.state_ == isc::dhcp::Lease::STATE_RELEASED)
		return true;
#endif
	return lease.valid_lft_ == 0;
}

} // namespace ddns_shim

#endif
