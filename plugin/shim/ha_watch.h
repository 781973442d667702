// SPDX-License-Identifier: MPL-2.0
//
// Kea HA. A partner may publish leases this server sees end (a shared lease database lets either
// server reclaim any lease), and a partner that stops may leave leases it granted unpublished
// (changes it owed wait in its own state-dir). The HA state this server reports is read every
// second; when it takes over its partner's clients (partner-down), DNS is reconciled with the lease
// database as ddns-direct-resync does, which publishes those leases. Kea's main thread only.

#ifndef DDNS_SHIM_HA_WATCH_H
#define DDNS_SHIM_HA_WATCH_H

namespace ddns_shim
{

// From *_srv_configured: whether Kea's HA hook is loaded, told to the engine and logged.
void note_ha_partner();

// From the statistics timer: follows the HA state; reconciles on a takeover. Throws what Kea's
// command handlers throw.
void watch_ha();

} // namespace ddns_shim

#endif
