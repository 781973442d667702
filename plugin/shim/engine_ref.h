// SPDX-License-Identifier: MPL-2.0
//
// The one engine of this library and the DHCP family of the server it is loaded into, shared by
// the shim's files. engine is set by load() and cleared by unload() on Kea's main thread, while no
// packet is processed; callouts on any thread only read it.

#ifndef DDNS_SHIM_ENGINE_REF_H
#define DDNS_SHIM_ENGINE_REF_H

extern "C" {
#include "ddns/engine.h"
}

namespace ddns_shim
{

extern ddns_engine *engine;
extern int server_family; // AF_INET or AF_INET6 once the server is configured, else 0

} // namespace ddns_shim

#endif
