// SPDX-License-Identifier: MPL-2.0

#include "shim/commands.h"

#include <stdexcept>
#include <sys/socket.h>
#include <vector>

#include <cc/command_interpreter.h>
#include <hooks/hooks_manager.h>

#include "shim/engine_ref.h"
#include "shim/lease_events.h"

using isc::data::ConstElementPtr;
using isc::data::Element;
using isc::data::ElementPtr;
using isc::hooks::CalloutHandle;
using isc::hooks::CalloutHandlePtr;
using isc::hooks::HooksManager;

namespace ddns_shim
{

namespace
{

int answer(CalloutHandle &handle, int result, const std::string &text,
           ConstElementPtr arguments = ConstElementPtr())
{
	handle.setArgument("response", arguments
	                                   ? isc::config::createAnswer(result, text, arguments)
	                                   : isc::config::createAnswer(result, text));
	return 0;
}

// The status as Kea's commands answer: every counter by its statistic's name, the queue, the
// oldest change owed, the callout cost, and each cached zone with its targets.
ElementPtr status_element(const struct ddns_engine_status &st)
{
	ElementPtr map = Element::createMap();
	for (size_t i = 0; i < ddns_engine_n_counters; i++)
		map->set(ddns_engine_counters[i].name,
		         Element::create(static_cast<int64_t>(
		             ddns_engine_counter_value(&st.stats, &ddns_engine_counters[i]))));
	map->set("queued-events", Element::create(static_cast<int64_t>(st.queued_events)));
	map->set("oldest-pending-age", Element::create(st.oldest_pending_age_s));
	ElementPtr cost = Element::createMap();
	cost->set("median", Element::create(static_cast<int64_t>(st.stats.callout_median_ns)));
	cost->set("p99", Element::create(static_cast<int64_t>(st.stats.callout_p99_ns)));
	map->set("callout-ns", cost);
	ElementPtr zones = Element::createList();
	for (size_t i = 0; i < st.n_zones; i++) {
		const ddns_zone_status &z = st.zones[i];
		ElementPtr zone = Element::createMap();
		zone->set("zone", Element::create(std::string(z.zone)));
		zone->set("cached-for", Element::create(z.cached_for_s));
		ElementPtr targets = Element::createList();
		for (size_t t = 0; t < z.n_targets; t++) {
			ElementPtr target = Element::createMap();
			target->set("name", Element::create(std::string(z.targets[t].name)));
			target->set("address", Element::create(std::string(z.targets[t].address)));
			targets->add(target);
		}
		zone->set("targets", targets);
		zones->add(zone);
	}
	map->set("zones", zones);
	return map;
}

int status_command(CalloutHandle &handle)
{
	struct ddns_engine_status st;
	if (ddns_engine_get_status(engine, &st) != DDNS_OK)
		return answer(handle, 1, "out of memory building the status");
	try {
		ElementPtr status = status_element(st);
		ddns_engine_status_free(&st);
		return answer(handle, 0, "ddns-direct status", status);
	} catch (const std::exception &ex) {
		ddns_engine_status_free(&st);
		return answer(handle, 1, ex.what());
	}
}

int flush_command(CalloutHandle &handle)
{
	ddns_engine_flush(engine);
	return answer(handle, 0, "every change waiting for a retry is due now");
}

// The command's optional argument name (null when absent); throws, naming it, when it is not of
// the type the command takes.
ConstElementPtr command_argument(CalloutHandle &handle, const char *name, Element::types type)
{
	ConstElementPtr command, args;
	handle.getArgument("command", command);
	isc::config::parseCommand(args, command);
	ConstElementPtr value = args ? args->get(name) : ConstElementPtr();
	if (value && value->getType() != type)
		throw std::invalid_argument(std::string("'") + name + "' must be a" +
		                            (type == Element::string ? " string" : " boolean"));
	return value;
}

int rediscover_command(CalloutHandle &handle)
{
	try {
		ConstElementPtr zone = command_argument(handle, "zone", Element::string);
		std::string name = zone ? zone->stringValue() : std::string();
		if (ddns_engine_rediscover(engine, zone ? name.c_str() : nullptr) != DDNS_OK)
			return answer(handle, 1, "'" + name + "' is not a valid zone name");
		return answer(handle, 0,
		              zone ? "the cached view of " + name + " is forgotten"
		                   : "every cached zone is forgotten");
	} catch (const std::exception &ex) {
		return answer(handle, 1, ex.what());
	}
}

// ddns-direct-resync reads the lease database a page at a time with lease_cmds' lease4-get-page
// or lease6-get-page, called in-process like any other command: that works with every lease
// backend Kea has, and Kea 2.2's kea-dev cannot compile the lease manager's own headers.
struct LeasePages {
	int family;
	std::string from;  // address of the last lease read, or "start"
	std::string error; // why reading stopped, for the command's answer
};

const char *get_page_command(int family)
{
	return family == AF_INET ? "lease4-get-page" : "lease6-get-page";
}

ConstElementPtr fetch_page(const LeasePages &pages, size_t limit)
{
	ElementPtr args = Element::createMap();
	args->set("from", Element::create(pages.from));
	args->set("limit", Element::create(static_cast<int64_t>(limit)));
	return call_command(get_page_command(pages.family), args);
}

// Turns one lease of a page into an event when it is in use; moves the page cursor past it.
template <typename LeaseType>
bool page_lease(LeasePages &pages, const ConstElementPtr &element, ddns_lease_event &ev)
{
	auto lease = LeaseType::fromElement(element);
	pages.from = lease->addr_.toText();
	return lease_in_use(*lease) && lease_event(*lease, DDNS_LEASE_GRANTED, true, true, ev);
}

int read_leases(void *ctx, ddns_lease_event *out, size_t max)
{
	LeasePages &pages = *static_cast<LeasePages *>(ctx);
	const char *name = get_page_command(pages.family);
	try {
		size_t n = 0;
		// A page of declined or reclaimed leases only yields nothing but is not the end.
		while (n == 0) {
			int rcode = 0;
			ConstElementPtr args =
			    isc::config::parseAnswer(rcode, fetch_page(pages, max));
			if (rcode == isc::config::CONTROL_RESULT_EMPTY)
				return 0;
			ConstElementPtr leases = args ? args->get("leases") : args;
			if (rcode != isc::config::CONTROL_RESULT_SUCCESS || !leases ||
			    leases->getType() != Element::list) {
				pages.error =
				    std::string(name) + " failed: " + (args ? args->str() : "");
				return DDNS_EIO;
			}
			if (leases->empty())
				return 0;
			// A page holds at most max leases; should one hold more, the rest are
			// read with the next page (the cursor stays at the last one used).
			for (const auto &element : leases->listValue()) {
				if (n == max)
					break;
				n += pages.family == AF_INET
				         ? page_lease<isc::dhcp::Lease4>(pages, element, out[n])
				         : page_lease<isc::dhcp::Lease6>(pages, element, out[n]);
			}
		}
		return static_cast<int>(n);
	} catch (const std::exception &ex) {
		pages.error = std::string(name) + " failed: " + ex.what();
		return DDNS_EIO;
	}
}

int resync_command(CalloutHandle &handle)
{
	try {
		ConstElementPtr force = command_argument(handle, "force", Element::boolean);
		if (server_family == 0)
			return answer(handle, 1, "the server is not configured yet");
		const char *get_page = get_page_command(server_family);
		if (!HooksManager::commandHandlersPresent(get_page))
			return answer(handle, 1,
			              std::string("ddns-direct-resync reads the leases with ") +
			                  get_page + ": load libdhcp_lease_cmds.so as well");
		ddns_resync_report report;
		std::string error;
		int rc = resync(force && force->boolValue(), report, error);
		ElementPtr counts = Element::createMap();
		counts->set("leases", Element::create(static_cast<int64_t>(report.leases)));
		counts->set("recorded", Element::create(static_cast<int64_t>(report.recorded)));
		counts->set("to-publish", Element::create(static_cast<int64_t>(report.published)));
		counts->set("to-withdraw", Element::create(static_cast<int64_t>(report.withdrawn)));
		if (rc != DDNS_OK)
			return answer(handle, 1, "resync stopped: " + error, counts);
		return answer(handle, 0, "resync queued the differences", counts);
	} catch (const std::exception &ex) {
		return answer(handle, 1, ex.what());
	}
}

} // namespace

void register_commands(isc::hooks::LibraryHandle &handle)
{
	handle.registerCommandCallout("ddns-direct-status", status_command);
	handle.registerCommandCallout("ddns-direct-flush", flush_command);
	handle.registerCommandCallout("ddns-direct-rediscover", rediscover_command);
	handle.registerCommandCallout("ddns-direct-resync", resync_command);
}

ConstElementPtr call_command(const char *name, ConstElementPtr args)
{
	CalloutHandlePtr call = HooksManager::createCalloutHandle();
	call->setArgument("command", args ? isc::config::createCommand(name, args)
	                                  : isc::config::createCommand(name));
	HooksManager::callCommandHandlers(name, *call);
	ConstElementPtr response;
	call->getArgument("response", response);
	return response;
}

int resync(bool force, ddns_resync_report &report, std::string &error)
{
	LeasePages pages{server_family, "start", ""};
	int rc = ddns_engine_resync(engine, server_family, force, read_leases, &pages, &report);
	if (rc != DDNS_OK)
		error = pages.error.empty() ? ddns_strerror(rc) : pages.error;
	return rc;
}

} // namespace ddns_shim
