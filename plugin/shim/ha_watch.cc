// SPDX-License-Identifier: MPL-2.0

#include "shim/ha_watch.h"

#include <string>

#include <cc/command_interpreter.h>
#include <hooks/hooks_manager.h>
#include <log/macros.h>

#include "shim/commands.h"
#include "shim/engine_ref.h"
#include "shim/log_bridge.h"
#include "shim/resync_runner.h"

namespace ddns_shim
{

namespace
{

bool ha_loaded = false;
std::string ha_last_state;

std::string ha_state()
{
	int rcode = 0;
	isc::data::ConstElementPtr args = isc::config::parseAnswer(
	    rcode, call_command("ha-heartbeat", isc::data::ConstElementPtr()));
	isc::data::ConstElementPtr state = args ? args->get("state") : args;
	return rcode == isc::config::CONTROL_RESULT_SUCCESS && state &&
	               state->getType() == isc::data::Element::string
	           ? state->stringValue()
	           : std::string();
}

} // namespace

void note_ha_partner()
{
	if (engine == nullptr)
		return;
	bool ha = isc::hooks::HooksManager::commandHandlersPresent("ha-heartbeat");
	ha_loaded = ha;
	ha_last_state.clear();
	ddns_engine_set_partnered(engine, ha);
	if (ha) {
		LOG_INFO(logger, "DDNS_DIRECT_HA_PARTNER")
		    .arg("Kea HA is loaded: a lease that ends here is removed from DNS even when "
		         "the partner published it, retried until DNS answers");
	}
}

void watch_ha()
{
	if (!ha_loaded || engine == nullptr)
		return;
	std::string state = ha_state();
	bool takeover = state == "partner-down" && ha_last_state != state;
	ha_last_state = state;
	if (!takeover)
		return;
	uint64_t number = 0;
	std::string error;
	if (start_resync(false, number, error) == ResyncStart::failed) {
		LOG_ERROR(logger, "DDNS_DIRECT_HA_TAKEOVER")
		    .arg("the HA partner is down; reconciling DNS with the lease database "
		         "failed: " +
		         error + " (run ddns-direct-resync when it can work)");
		return;
	}
	LOG_INFO(logger, "DDNS_DIRECT_HA_TAKEOVER")
	    .arg("the HA partner is down and this server serves its clients: reconciling DNS "
	         "with the lease database (DDNS_DIRECT_RESYNC tells when it is done)");
}

} // namespace ddns_shim
