// SPDX-License-Identifier: MPL-2.0
//
// Runs the reconciliation with the lease database (ddns-direct-resync, an HA takeover) on Kea's
// main thread in slices: a few milliseconds of reading leases, then as long again for Kea's own
// work, woken by a timer file descriptor Kea's interface manager watches beside its sockets. A
// million leases take seconds, and Kea keeps answering clients meanwhile. Kea's main thread only.

#ifndef DDNS_SHIM_RESYNC_RUNNER_H
#define DDNS_SHIM_RESYNC_RUNNER_H

#include <cstdint>
#include <string>

namespace ddns_shim
{

enum class ResyncStart {
	started, // a new resync runs; *number is its number in ddns-direct-status
	queued,  // one is running; another begins when it ends (with force if either asked)
	failed,  // error says why
};

// Starts a resync of this server's family (which must be configured) with lease_cmds loaded.
ResyncStart start_resync(bool force, uint64_t &number, std::string &error);

// From unload(), before the engine is freed: stops the slices (an unfinished resync is left to
// the engine, which says so) and releases the timer.
void stop_resync();

} // namespace ddns_shim

#endif
