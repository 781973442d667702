// SPDX-License-Identifier: MPL-2.0
//
// Kea's leases copied into the engine's plain ddns_lease_event and handed to it. Thread: any
// callout thread; nothing here waits for DNS.

#ifndef DDNS_SHIM_LEASE_EVENTS_H
#define DDNS_SHIM_LEASE_EVENTS_H

#include <dhcpsrv/lease.h>

extern "C" {
#include "ddns/lease.h"
}

namespace ddns_shim
{

// Fills ev from a lease: address, name, Kea's forward/reverse decision, lifetime, end and client
// identity (v4: client identifier, else hardware address; v6: DUID). Returns false for a lease
// that is not published (v6 prefix delegations).
bool lease_event(const isc::dhcp::Lease4 &lease, enum ddns_lease_kind kind, bool fwd, bool rev,
                 ddns_lease_event &ev);
bool lease_event(const isc::dhcp::Lease6 &lease, enum ddns_lease_kind kind, bool fwd, bool rev,
                 ddns_lease_event &ev);

// Copies the lease (may be null) and submits it with Kea's settings for its client (dns, may be
// null: none). A refused submission is logged with the lease's address.
void submit_lease(const isc::dhcp::Lease4Ptr &lease, enum ddns_lease_kind kind, bool fwd, bool rev,
                  const ddns_client_dns *dns);
void submit_lease(const isc::dhcp::Lease6Ptr &lease, enum ddns_lease_kind kind, bool fwd, bool rev,
                  const ddns_client_dns *dns);

// Whether a lease read from the lease database holds its address now: in the default state (or,
// Kea 3.0, a v6 address the client registered), with lifetime left. Kea 2.6's released lease
// (state 0, lifetime 0, kept for lease affinity) and 3.0's (state 3) do not.
bool lease_in_use(const isc::dhcp::Lease &lease);

} // namespace ddns_shim

#endif
