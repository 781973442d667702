// SPDX-License-Identifier: MPL-2.0

#include "shim/lease_events.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <sys/socket.h>

#include <log/macros.h>

#include "shim/engine_ref.h"
#include "shim/kea_version.h"
#include "shim/log_bridge.h"

using isc::dhcp::Lease;
using isc::dhcp::Lease4;
using isc::dhcp::Lease6;

namespace ddns_shim
{

namespace
{

const char *kind_name(enum ddns_lease_kind kind)
{
	switch (kind) {
	case DDNS_LEASE_GRANTED:
		return "granted";
	case DDNS_LEASE_RELEASED:
		return "released";
	case DDNS_LEASE_DECLINED:
		return "declined";
	default:
		return "expired";
	}
}

void copy_identity(ddns_lease_event &ev, const std::vector<uint8_t> &bytes, enum ddns_id_type type,
                   int prefix)
{
	size_t room = sizeof(ev.id) - (prefix >= 0 ? 1 : 0);
	size_t n = bytes.size() < room ? bytes.size() : room;
	size_t at = 0;
	if (prefix >= 0)
		ev.id[at++] = static_cast<uint8_t>(prefix);
	if (n > 0)
		std::memcpy(ev.id + at, bytes.data(), n);
	ev.id_len = static_cast<uint16_t>(at + n);
	ev.id_type = type;
}

// Fills what every lease has; the caller adds the client identity.
void fill_event(ddns_lease_event &ev, const Lease &lease, int family, enum ddns_lease_kind kind,
                bool fwd, bool rev)
{
	std::memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.family = family;
	std::vector<uint8_t> addr = lease.addr_.toBytes();
	std::memcpy(ev.address, addr.data(), addr.size() < 16 ? addr.size() : 16);
	std::snprintf(ev.fqdn, sizeof(ev.fqdn), "%s", lease.hostname_.c_str());
	ev.forward = fwd;
	ev.reverse = rev;
	ev.lifetime = lease.valid_lft_;
	ev.expires = static_cast<int64_t>(lease.cltt_) + lease.valid_lft_;
	ev.id_type = DDNS_ID_NONE;
}

template <typename LeasePtr>
void submit_any(const LeasePtr &lease, enum ddns_lease_kind kind, bool fwd, bool rev,
                const ddns_client_dns *dns)
{
	ddns_lease_event ev;
	if (!lease || engine == nullptr || !lease_event(*lease, kind, fwd, rev, ev))
		return;
	if (dns != nullptr)
		ev.dns = *dns;
	int rc = ddns_engine_submit(engine, &ev);
	if (rc != DDNS_OK) {
		LOG_ERROR(logger, "DDNS_DIRECT_SUBMIT_FAILED")
		    .arg(std::string("could not queue the ") + kind_name(ev.kind) + " event for " +
		         lease->addr_.toText() + ": " + ddns_strerror(rc));
	}
}

} // namespace

bool lease_event(const Lease4 &lease, enum ddns_lease_kind kind, bool fwd, bool rev,
                 ddns_lease_event &ev)
{
	fill_event(ev, lease, AF_INET, kind, fwd, rev);
	if (lease.client_id_ && !lease.client_id_->getClientId().empty())
		copy_identity(ev, lease.client_id_->getClientId(), DDNS_ID_CLIENT_ID, -1);
	else if (lease.hwaddr_)
		copy_identity(ev, lease.hwaddr_->hwaddr_, DDNS_ID_HWADDR, lease.hwaddr_->htype_);
	return true;
}

// Only addresses (IA_NA) are published; delegated prefixes are not.
bool lease_event(const Lease6 &lease, enum ddns_lease_kind kind, bool fwd, bool rev,
                 ddns_lease_event &ev)
{
	if (lease.type_ != Lease::TYPE_NA)
		return false;
	fill_event(ev, lease, AF_INET6, kind, fwd, rev);
	if (lease.duid_)
		copy_identity(ev, lease.duid_->getDuid(), DDNS_ID_DUID, -1);
	return true;
}

void submit_lease(const isc::dhcp::Lease4Ptr &lease, enum ddns_lease_kind kind, bool fwd, bool rev,
                  const ddns_client_dns *dns)
{
	submit_any(lease, kind, fwd, rev, dns);
}

void submit_lease(const isc::dhcp::Lease6Ptr &lease, enum ddns_lease_kind kind, bool fwd, bool rev,
                  const ddns_client_dns *dns)
{
	submit_any(lease, kind, fwd, rev, dns);
}

bool lease_in_use(const Lease &lease)
{
	return (lease.state_ == Lease::STATE_DEFAULT || lease_state_registered(lease)) &&
	       lease.valid_lft_ != 0 && !lease.expired();
}

} // namespace ddns_shim
