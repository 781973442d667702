// SPDX-License-Identifier: MPL-2.0
//
// The ddns-direct-* control commands, answered in Kea's {"result", "text", "arguments"} shape, and
// the reconciliation with the lease database they and the HA watch share. Kea's main thread.

#ifndef DDNS_SHIM_COMMANDS_H
#define DDNS_SHIM_COMMANDS_H

#include <string>

#include <cc/data.h>
#include <hooks/hooks.h>

extern "C" {
#include "ddns/engine.h"
}

namespace ddns_shim
{

// From load(): registers ddns-direct-status, -flush, -rediscover and -resync.
void register_commands(isc::hooks::LibraryHandle &handle);

// Runs another library's command in-process, as the control socket would; returns its answer.
// Throws what the handler throws.
isc::data::ConstElementPtr call_command(const char *name, isc::data::ConstElementPtr args);

// Reconciles DNS with the lease database of this server's family (read a page at a time with
// lease_cmds); returns the engine's result, and on failure error says why it stopped.
int resync(bool force, ddns_resync_report &report, std::string &error);

} // namespace ddns_shim

#endif
