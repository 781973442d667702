// SPDX-License-Identifier: MPL-2.0
//
// The ddns-direct-* control commands, answered in Kea's {"result", "text", "arguments"} shape, and
// the in-process call of another library's command. Kea's main thread.

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

} // namespace ddns_shim

#endif
