// SPDX-License-Identifier: MPL-2.0

#include "shim/commands.h"

#include <stdexcept>
#include <sys/socket.h>
#include <vector>

#include <cc/command_interpreter.h>
#include <hooks/hooks_manager.h>

#include "shim/engine_ref.h"
#include "shim/resync_runner.h"

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

const char *resync_state_name(enum ddns_resync_state state)
{
	static const char *const names[] = {"none", "running", "done", "failed"};
	static_assert(sizeof(names) / sizeof(names[0]) == DDNS_RESYNC_FAILED + 1,
	              "a resync state without a name");
	return names[state];
}

// The running or last resync: its number, state, figures and, when it failed, why.
ElementPtr resync_element(const struct ddns_resync_status &r)
{
	ElementPtr map = Element::createMap();
	map->set("number", Element::create(static_cast<int64_t>(r.number)));
	map->set("state", Element::create(std::string(resync_state_name(r.state))));
	map->set("force", Element::create(r.force));
	map->set("leases", Element::create(static_cast<int64_t>(r.report.leases)));
	map->set("recorded", Element::create(static_cast<int64_t>(r.report.recorded)));
	map->set("to-publish", Element::create(static_cast<int64_t>(r.report.published)));
	map->set("to-withdraw", Element::create(static_cast<int64_t>(r.report.withdrawn)));
	if (r.state == DDNS_RESYNC_FAILED)
		map->set("error", Element::create(std::string(ddns_strerror(r.error))));
	return map;
}

// The status as Kea's commands answer: every counter by its statistic's name, the queue, the
// oldest change owed, the callout cost, each cached zone with its targets, and the resync.
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
	map->set("resync", resync_element(st.resync));
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

// Starts the reconciliation and answers at once: it runs between Kea's packets, and
// ddns-direct-status shows its progress and figures under "resync".
int resync_command(CalloutHandle &handle)
{
	try {
		ConstElementPtr force = command_argument(handle, "force", Element::boolean);
		uint64_t number = 0;
		std::string error;
		switch (start_resync(force && force->boolValue(), number, error)) {
		case ResyncStart::started: {
			ElementPtr args = Element::createMap();
			args->set("resync", Element::create(static_cast<int64_t>(number)));
			return answer(handle, 0,
			              "resync " + std::to_string(number) +
			                  " started: ddns-direct-status shows its progress",
			              args);
		}
		case ResyncStart::queued:
			return answer(handle, 0,
			              "a resync is running: another one starts when it ends");
		case ResyncStart::failed:
			break;
		}
		return answer(handle, 1, error);
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

} // namespace ddns_shim
