// SPDX-License-Identifier: MPL-2.0
//
// The Kea side of ddns-direct: the library's entry points and callouts. It parses nothing and
// decides nothing. load() hands the parameters as JSON text to the C engine; each lease callout
// copies what it needs into a plain ddns_lease_event and submits it, then returns. Kea's own DDNS
// requests to D2 are switched off on the leases and responses, after recording Kea's decision in
// the callout context for leases{4,6}_committed. No exception leaves a callout.

#include <string>

#include <dhcp/dhcp6.h>
#include <dhcp/option6_client_fqdn.h>
#include <dhcp/pkt6.h>
#include <log/macros.h>

#include "shim/commands.h"
#include "shim/engine_ref.h"
#include "shim/ha_watch.h"
#include "shim/kea_version.h"
#include "shim/lease_events.h"
#include "shim/log_bridge.h"
#include "shim/resync_runner.h"
#include "shim/statistics.h"

using namespace isc::hooks;
using isc::dhcp::Lease4CollectionPtr;
using isc::dhcp::Lease4Ptr;
using isc::dhcp::Lease6CollectionPtr;
using isc::dhcp::Lease6Ptr;
using isc::dhcp::Option6ClientFqdn;
using isc::dhcp::Option6ClientFqdnPtr;
using isc::dhcp::Pkt6Ptr;

namespace ddns_shim
{

ddns_engine *engine = nullptr;
int server_family = 0;

namespace
{

// What one packet's callouts tell each other, kept in the callout context under one name (the only
// one this library sets, so that its presence can be asked without the exception a missing
// context name costs): Kea's decision from ddns{4,6}_update for leases{4,6}_committed, and whether
// lease{4,6}_release or _decline reported the packet's lease, which Kea lists again among the
// committed callout's deleted leases and which must reach the engine once.
struct PacketState {
	bool decided = false;                    // ddns{4,6}_update ran for this packet
	bool fwd = false;                        // Kea's forward decision
	bool rev = false;                        // Kea's reverse decision
	ddns_client_dns dns = ddns_client_dns(); // Kea's DDNS settings for the client
	bool ended = false;                      // the packet's lease end was reported
};
const char *const CTX_PACKET = "ddns-direct";

PacketState packet_state(CalloutHandle &handle)
{
	PacketState state;
	// Kea throws when a library that has set no context yet asks for its names; erasing a name
	// never set creates this library's (empty) context instead, so asking costs no exception.
	handle.deleteContext(std::string());
	if (!handle.getContextNames().empty())
		handle.getContext(CTX_PACKET, state);
	return state;
}

// Records Kea's decision for this packet; returns whether one was recorded before. Kea asks again
// after allocating when the client moved to another subnet of a shared network or (3.0) the pool
// has DDNS settings, and then copies the answer onto the lease, from which it queues D2 requests.
bool record_decision(CalloutHandle &handle)
{
	PacketState state = packet_state(handle);
	bool seen = state.decided;
	state.decided = true;
	handle.getArgument("fwd-update", state.fwd);
	handle.getArgument("rev-update", state.rev);
	client_dns(handle, state.dns);
	handle.setContext(CTX_PACKET, state);
	return seen;
}

// Kea answers "no DNS update by the server" as far as D2 is concerned.
void decline_for_d2(CalloutHandle &handle)
{
	handle.setArgument("fwd-update", false);
	handle.setArgument("rev-update", false);
}

// A packet's committed leases: removals for the leases it ended, and publication of those it
// granted when ddns{4,6}_update ran for this packet (without it Kea decided on no DDNS at all).
template <typename CollectionPtr>
int leases_committed(CalloutHandle &handle, const char *family, const char *callout)
{
	CalloutTimer timer;
	try {
		CollectionPtr leases, deleted;
		handle.getArgument(std::string("leases") + family, leases);
		handle.getArgument(std::string("deleted_leases") + family, deleted);
		PacketState state = packet_state(handle);
		if (deleted && !state.ended) {
			for (const auto &lease : *deleted)
				submit_lease(lease, DDNS_LEASE_RELEASED, false, false, nullptr);
		}
		if (leases && state.decided) {
			for (const auto &lease : *leases)
				submit_lease(lease, DDNS_LEASE_GRANTED, state.fwd, state.rev,
				             &state.dns);
		}
	} catch (const std::exception &ex) {
		log_callout_error(callout, ex);
	}
	return 0;
}

// The lease argument, with its DNS flags turned off: Kea queues requests for D2 from a lease
// object's flags after the callout, and the plugin sends the updates itself.
template <typename LeasePtr> LeasePtr lease_without_dns(CalloutHandle &handle, const char *argument)
{
	LeasePtr lease;
	handle.getArgument(argument, lease);
	if (lease) {
		lease->fqdn_fwd_ = false;
		lease->fqdn_rev_ = false;
	}
	return lease;
}

// Release, decline and expiry: Kea queues its own removal for D2 from this very lease object
// after the callout when the lease says DNS was updated, so the flags are cleared here. The
// reclamation of a released lease Kea kept (lease affinity) is not a second end.
template <typename LeasePtr>
int lease_ended(CalloutHandle &handle, const char *argument, const char *callout,
                enum ddns_lease_kind kind)
{
	CalloutTimer timer;
	try {
		LeasePtr lease = lease_without_dns<LeasePtr>(handle, argument);
		if (kind == DDNS_LEASE_EXPIRED && lease && released_before_expiry(*lease))
			return 0;
		submit_lease(lease, kind, false, false, nullptr);
		if (kind != DDNS_LEASE_EXPIRED) {
			PacketState state = packet_state(handle);
			state.ended = true;
			handle.setContext(CTX_PACKET, state);
		}
	} catch (const std::exception &ex) {
		log_callout_error(callout, ex);
	}
	return 0;
}

// Kea queues a request for D2 after allocating when the lease's DNS flags say so; the plugin
// sends the updates itself, so the flags are cleared on the lease Kea has just chosen (new or
// reused) or renewed. Kea's decision was recorded by ddns4_update.
int clear_dns_flags(CalloutHandle &handle, const char *callout)
{
	CalloutTimer timer;
	try {
		lease_without_dns<Lease4Ptr>(handle, "lease4");
	} catch (const std::exception &ex) {
		log_callout_error(callout, ex);
	}
	return 0;
}

int configured(CalloutHandle &handle, int family, const char *callout)
{
	server_family = family;
	note_ha_partner();
	start_statistics(handle, callout);
	return 0;
}

} // namespace
} // namespace ddns_shim

using namespace ddns_shim;

extern "C" {

__attribute__((visibility("default"))) int version()
{
	return KEA_HOOKS_VERSION;
}

// The engine's entry point is thread-safe and callouts keep no shared state of their own.
__attribute__((visibility("default"))) int multi_threading_compatible()
{
	return 1;
}

__attribute__((visibility("default"))) int load(LibraryHandle &handle)
{
	try {
		isc::data::ConstElementPtr params = handle.getParameters();
		std::string json = params ? params->str() : std::string("{}");
		char err[512] = "";
		install_log_bridge();
		int rc = ddns_engine_new(json.c_str(), nullptr, &engine, err, sizeof(err));
		if (rc != DDNS_OK) {
			LOG_ERROR(logger, "DDNS_DIRECT_CONFIG_ERROR")
			    .arg(std::string("ddns-direct configuration rejected: ") +
			         (err[0] != '\0' ? err : ddns_strerror(rc)));
			engine = nullptr;
			return 1;
		}
		register_commands(handle);
		LOG_INFO(logger, "DDNS_DIRECT_LOADED")
		    .arg("ddns-direct loaded: DNS updates are sent by this server, not by D2");
		return 0;
	} catch (const std::exception &ex) {
		LOG_ERROR(logger, "DDNS_DIRECT_CONFIG_ERROR")
		    .arg(std::string("ddns-direct configuration rejected: ") + ex.what());
		return 1;
	}
}

__attribute__((visibility("default"))) int unload()
{
	stop_statistics();
	stop_resync();
	ddns_engine_free(engine);
	engine = nullptr;
	remove_log_bridge();
	return 0;
}

// The server is configured: the statistics timer can run, and HA is known.
__attribute__((visibility("default"))) int dhcp4_srv_configured(CalloutHandle &handle)
{
	return configured(handle, AF_INET, "dhcp4_srv_configured");
}

__attribute__((visibility("default"))) int dhcp6_srv_configured(CalloutHandle &handle)
{
	return configured(handle, AF_INET6, "dhcp6_srv_configured");
}

// Records Kea's decision. On the first call for a packet the arguments are left as they are:
// changing them makes Kea rewrite the response's Hostname option, which for a name it generates
// later is still empty, so Kea throws and catches an exception (5 % of its CPU at its ceiling);
// lease4_select and lease4_renew clear the lease's flags instead. A second call comes after those,
// and Kea copies its answer onto the lease: there the answer itself must say no.
__attribute__((visibility("default"))) int ddns4_update(CalloutHandle &handle)
{
	CalloutTimer timer;
	try {
		if (record_decision(handle))
			decline_for_d2(handle);
	} catch (const std::exception &ex) {
		log_callout_error("ddns4_update", ex);
	}
	return 0;
}

__attribute__((visibility("default"))) int lease4_select(CalloutHandle &handle)
{
	return clear_dns_flags(handle, "lease4_select");
}

__attribute__((visibility("default"))) int lease4_renew(CalloutHandle &handle)
{
	return clear_dns_flags(handle, "lease4_renew");
}

__attribute__((visibility("default"))) int leases4_committed(CalloutHandle &handle)
{
	return leases_committed<Lease4CollectionPtr>(handle, "4", "leases4_committed");
}

__attribute__((visibility("default"))) int lease4_release(CalloutHandle &handle)
{
	return lease_ended<Lease4Ptr>(handle, "lease4", "lease4_release", DDNS_LEASE_RELEASED);
}

__attribute__((visibility("default"))) int lease4_decline(CalloutHandle &handle)
{
	return lease_ended<Lease4Ptr>(handle, "lease4", "lease4_decline", DDNS_LEASE_DECLINED);
}

// Kea clears the lease's name right after this callout, so it is read here.
__attribute__((visibility("default"))) int lease4_expire(CalloutHandle &handle)
{
	return lease_ended<Lease4Ptr>(handle, "lease4", "lease4_expire", DDNS_LEASE_EXPIRED);
}

/*
 * DHCPv6: record Kea's decision as in v4. When Kea will generate the name later (hostname still
 * empty), changing the arguments would make Kea call setDomainName("") and drop the packet, so the
 * arguments are left alone and the response's Client FQDN flags are set to "server does no update"
 * (S=0, N=1), which is what Kea reads when it decides whether to send anything to D2.
 */
__attribute__((visibility("default"))) int ddns6_update(CalloutHandle &handle)
{
	CalloutTimer timer;
	try {
		std::string hostname;
		record_decision(handle);
		handle.getArgument("hostname", hostname);
		if (!hostname.empty()) {
			decline_for_d2(handle);
			return 0;
		}
		Pkt6Ptr response;
		handle.getArgument("response6", response);
		Option6ClientFqdnPtr fqdn;
		if (response)
			fqdn = boost::dynamic_pointer_cast<Option6ClientFqdn>(
			    response->getOption(D6O_CLIENT_FQDN));
		if (fqdn) {
			fqdn->setFlag(Option6ClientFqdn::FLAG_S, false);
			fqdn->setFlag(Option6ClientFqdn::FLAG_N, true);
		}
	} catch (const std::exception &ex) {
		log_callout_error("ddns6_update", ex);
	}
	return 0;
}

__attribute__((visibility("default"))) int leases6_committed(CalloutHandle &handle)
{
	return leases_committed<Lease6CollectionPtr>(handle, "6", "leases6_committed");
}

__attribute__((visibility("default"))) int lease6_release(CalloutHandle &handle)
{
	return lease_ended<Lease6Ptr>(handle, "lease6", "lease6_release", DDNS_LEASE_RELEASED);
}

__attribute__((visibility("default"))) int lease6_decline(CalloutHandle &handle)
{
	return lease_ended<Lease6Ptr>(handle, "lease6", "lease6_decline", DDNS_LEASE_DECLINED);
}

__attribute__((visibility("default"))) int lease6_expire(CalloutHandle &handle)
{
	return lease_ended<Lease6Ptr>(handle, "lease6", "lease6_expire", DDNS_LEASE_EXPIRED);
}

} // extern "C"
