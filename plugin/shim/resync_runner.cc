// SPDX-License-Identifier: MPL-2.0

#include "shim/resync_runner.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cc/command_interpreter.h>
#include <dhcp/iface_mgr.h>
#include <hooks/hooks_manager.h>

#include "shim/commands.h"
#include "shim/engine_ref.h"
#include "shim/lease_events.h"
#include "shim/log_bridge.h"

using isc::data::ConstElementPtr;
using isc::data::Element;
using isc::data::ElementPtr;

namespace ddns_shim
{

namespace
{

// A slice's length and the pause after it: Kea answers a client at most this much later while a
// resync runs, and the resync takes about twice as long as it would alone.
constexpr std::chrono::milliseconds SLICE{4};
constexpr long PAUSE_NS = 4000000;
// Leases per engine step: small enough that a slice ends close to SLICE.
constexpr size_t STEP_LEASES = 64;

// The lease database is read a page at a time with lease_cmds' lease4-get-page or
// lease6-get-page, called in-process like any other command: that works with every lease
// backend Kea has, and Kea 2.2's kea-dev cannot compile the lease manager's own headers.
struct LeasePages {
	int family = 0;
	std::string from = "start"; // address of the last lease read
	std::string error;          // why reading stopped, for the log
};

LeasePages pages;
int timer_fd = -1;
bool another = false; // start one more when the running one ends
bool another_force = false;

const char *get_page_command(int family)
{
	return family == AF_INET ? "lease4-get-page" : "lease6-get-page";
}

ConstElementPtr fetch_page(const LeasePages &lp, size_t limit)
{
	ElementPtr args = Element::createMap();
	args->set("from", Element::create(lp.from));
	args->set("limit", Element::create(static_cast<int64_t>(limit)));
	return call_command(get_page_command(lp.family), args);
}

// Turns one lease of a page into an event when it is in use; moves the page cursor past it.
template <typename LeaseType>
bool page_lease(LeasePages &lp, const ConstElementPtr &element, ddns_lease_event &ev)
{
	auto lease = LeaseType::fromElement(element);
	lp.from = lease->addr_.toText();
	return lease_in_use(*lease) && lease_event(*lease, DDNS_LEASE_GRANTED, true, true, ev);
}

int read_leases(void *ctx, ddns_lease_event *out, size_t max)
{
	LeasePages &lp = *static_cast<LeasePages *>(ctx);
	const char *name = get_page_command(lp.family);
	try {
		size_t n = 0;
		// A page of declined or reclaimed leases only yields nothing but is not the end.
		while (n == 0) {
			int rcode = 0;
			ConstElementPtr args = isc::config::parseAnswer(rcode, fetch_page(lp, max));
			if (rcode == isc::config::CONTROL_RESULT_EMPTY)
				return 0;
			ConstElementPtr leases = args ? args->get("leases") : args;
			if (rcode != isc::config::CONTROL_RESULT_SUCCESS || !leases ||
			    leases->getType() != Element::list) {
				lp.error =
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
				n += lp.family == AF_INET
				         ? page_lease<isc::dhcp::Lease4>(lp, element, out[n])
				         : page_lease<isc::dhcp::Lease6>(lp, element, out[n]);
			}
		}
		return static_cast<int>(n);
	} catch (const std::exception &ex) {
		lp.error = std::string(name) + " failed: " + ex.what();
		return DDNS_EIO;
	}
}

// Whether a lease in use holds the address now (lease4-get or lease6-get).
int lease_held(void *ctx, int family, const uint8_t *address)
{
	LeasePages &lp = *static_cast<LeasePages *>(ctx);
	const char *name = family == AF_INET ? "lease4-get" : "lease6-get";
	try {
		isc::asiolink::IOAddress ip = isc::asiolink::IOAddress::fromBytes(family, address);
		ElementPtr args = Element::createMap();
		args->set("ip-address", Element::create(ip.toText()));
		if (family == AF_INET6)
			args->set("type", Element::create(std::string("IA_NA")));
		int rcode = 0;
		ConstElementPtr lease = isc::config::parseAnswer(rcode, call_command(name, args));
		if (rcode == isc::config::CONTROL_RESULT_EMPTY)
			return 0;
		if (rcode != isc::config::CONTROL_RESULT_SUCCESS || !lease) {
			lp.error = std::string(name) + " failed: " + (lease ? lease->str() : "");
			return DDNS_EIO;
		}
		if (family == AF_INET)
			return lease_in_use(*isc::dhcp::Lease4::fromElement(lease)) ? 1 : 0;
		return lease_in_use(*isc::dhcp::Lease6::fromElement(lease)) ? 1 : 0;
	} catch (const std::exception &ex) {
		lp.error = std::string(name) + " failed: " + ex.what();
		return DDNS_EIO;
	}
}

const char *read_error(void *ctx)
{
	return static_cast<LeasePages *>(ctx)->error.c_str();
}

void arm(long ns)
{
	struct itimerspec when = {};
	when.it_value.tv_nsec = ns;
	timerfd_settime(timer_fd, 0, &when, nullptr);
}

int begin(bool force, uint64_t &number)
{
	int rc = ddns_engine_resync_start(engine, server_family, force, &number);
	if (rc != DDNS_OK)
		return rc;
	pages = LeasePages();
	pages.family = server_family;
	arm(1);
	return DDNS_OK;
}

// Kea's interface manager calls this when the timer fires.
void run_slice(int fd)
{
	uint64_t fired;
	if (read(fd, &fired, sizeof(fired)) < 0 || engine == nullptr)
		return;
	ddns_lease_source source = {read_leases, lease_held, read_error, &pages};
	auto until = std::chrono::steady_clock::now() + SLICE;
	int rc;
	do
		rc = ddns_engine_resync_step(engine, &source, STEP_LEASES);
	while (rc > 0 && std::chrono::steady_clock::now() < until);
	if (rc > 0) {
		arm(PAUSE_NS);
		return;
	}
	if (another) {
		another = false;
		uint64_t number = 0;
		begin(another_force, number);
	}
}

} // namespace

ResyncStart start_resync(bool force, uint64_t &number, std::string &error)
{
	if (engine == nullptr || server_family == 0) {
		error = "the server is not configured yet";
		return ResyncStart::failed;
	}
	const char *get_page = get_page_command(server_family);
	if (!isc::hooks::HooksManager::commandHandlersPresent(get_page)) {
		error = std::string("ddns-direct-resync reads the leases with ") + get_page +
		        ": load libdhcp_lease_cmds.so as well";
		return ResyncStart::failed;
	}
	if (timer_fd < 0) {
		int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (fd < 0) {
			error = std::string("no timer for the resync: ") + strerror(errno);
			return ResyncStart::failed;
		}
		try {
			isc::dhcp::IfaceMgr::instance().addExternalSocket(fd, run_slice);
		} catch (const std::exception &ex) {
			close(fd);
			error = std::string("no timer for the resync: ") + ex.what();
			return ResyncStart::failed;
		}
		timer_fd = fd;
	}
	int rc = begin(force, number);
	if (rc == DDNS_EBUSY) {
		another_force = another ? another_force || force : force;
		another = true;
		return ResyncStart::queued;
	}
	if (rc != DDNS_OK) {
		error = ddns_strerror(rc);
		return ResyncStart::failed;
	}
	return ResyncStart::started;
}

void stop_resync()
{
	another = false;
	if (timer_fd < 0)
		return;
	try {
		isc::dhcp::IfaceMgr::instance().deleteExternalSocket(timer_fd);
	} catch (const std::exception &ex) {
		log_callout_error("unload", ex);
	}
	close(timer_fd);
	timer_fd = -1;
}

} // namespace ddns_shim
