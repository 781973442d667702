// SPDX-License-Identifier: MPL-2.0
//
// The Kea side of ddns-direct: the only code that includes Kea headers. It parses nothing and
// decides nothing. load() hands the parameters as JSON text to the C engine; each lease callout
// copies what it needs into a plain ddns_lease_event and submits it, then returns. Kea's own DDNS
// requests are switched off per packet in ddns4_update, after recording Kea's decision in the
// callout context for leases4_committed. No exception leaves a callout.

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

#include <asiolink/interval_timer.h>
#include <asiolink/io_service.h>
#include <cc/command_interpreter.h>
#include <cc/data.h>
#include <hooks/hooks.h>
#include <hooks/hooks_manager.h>
#include <stats/stats_mgr.h>
#include <dhcp/dhcp6.h>
#include <dhcp/option6_client_fqdn.h>
#include <dhcp/pkt6.h>
#include <dhcpsrv/lease.h>
#include <log/logger.h>
#include <log/macros.h>
#include <log/message_initializer.h>
#include <sys/socket.h>

extern "C" {
#include "ddns/engine.h"
#include "ddns/messages.h"
}

using namespace isc::hooks;
using isc::dhcp::Lease4;
using isc::dhcp::Lease4Collection;
using isc::dhcp::Lease4CollectionPtr;
using isc::dhcp::Lease4Ptr;
using isc::dhcp::Lease6;
using isc::dhcp::Lease6Collection;
using isc::dhcp::Lease6CollectionPtr;
using isc::dhcp::Lease6Ptr;
using isc::dhcp::Option6ClientFqdn;
using isc::dhcp::Option6ClientFqdnPtr;
using isc::dhcp::Pkt6Ptr;

namespace
{

// Kea's message dictionary for this library, from the catalogue in ddns/messages.h: every ID's
// text is "%1", the line the engine (or this shim) formatted.
// clang-format off
const char *catalogue[] = {
#define DDNS_MSG_ENTRY(id, meaning) #id, "%1",
	DDNS_MESSAGES(DDNS_MSG_ENTRY)
#undef DDNS_MSG_ENTRY
	NULL};
// clang-format on
const isc::log::MessageInitializer catalogue_init(catalogue);

isc::log::Logger logger("ddns-direct");

// Debug level for the engine's DEBUG lines (Kea's DBGLVL_TRACE_BASIC).
const int DEBUG_LEVEL = 40;

ddns_engine *engine = nullptr;

// Context keys carrying Kea's forward/reverse decision from ddns4_update to leases4_committed.
const char *const CTX_FWD = "ddns-direct-fwd";
const char *const CTX_REV = "ddns-direct-rev";

void log_sink(void *, enum ddns_log_level level, const char *id, const char *line)
{
	switch (level) {
	case DDNS_LOG_DEBUG:
		LOG_DEBUG(logger, DEBUG_LEVEL, id).arg(line);
		break;
	case DDNS_LOG_INFO:
		LOG_INFO(logger, id).arg(line);
		break;
	case DDNS_LOG_WARN:
		LOG_WARN(logger, id).arg(line);
		break;
	default:
		LOG_ERROR(logger, id).arg(line);
		break;
	}
}

bool log_enabled(void *, enum ddns_log_level level)
{
	switch (level) {
	case DDNS_LOG_DEBUG:
		return logger.isDebugEnabled(DEBUG_LEVEL);
	case DDNS_LOG_INFO:
		return logger.isInfoEnabled();
	case DDNS_LOG_WARN:
		return logger.isWarnEnabled();
	default:
		return logger.isErrorEnabled();
	}
}

// Measures one callout from its first line to its return and counts it in the engine's
// callout-cost statistics (promise 3: a callout costs microseconds).
class CalloutTimer
{
      public:
	CalloutTimer() : start_(std::chrono::steady_clock::now())
	{
	}
	~CalloutTimer()
	{
		if (engine != nullptr)
			ddns_engine_note_callout(
			    engine, std::chrono::duration_cast<std::chrono::nanoseconds>(
			                std::chrono::steady_clock::now() - start_)
			                .count());
	}
	CalloutTimer(const CalloutTimer &) = delete;
	CalloutTimer &operator=(const CalloutTimer &) = delete;

      private:
	std::chrono::steady_clock::time_point start_;
};

// A callout must not throw into Kea; what it catches is logged so no failure passes silently.
void log_callout_error(const char *callout, const std::exception &ex)
{
	LOG_ERROR(logger, "DDNS_DIRECT_CALLOUT_ERROR")
	    .arg(std::string("callout ") + callout + " failed: " + ex.what());
}

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

// Fills what every lease has; the caller adds the client identity and submits.
void fill_event(ddns_lease_event &ev, const isc::dhcp::Lease &lease, int family,
                enum ddns_lease_kind kind, bool fwd, bool rev)
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

void submit(const ddns_lease_event &ev, const isc::dhcp::Lease &lease)
{
	int rc = ddns_engine_submit(engine, &ev);
	if (rc != DDNS_OK) {
		LOG_ERROR(logger, "DDNS_DIRECT_SUBMIT_FAILED")
		    .arg(std::string("could not queue the ") + kind_name(ev.kind) + " event for " +
		         lease.addr_.toText() + ": " + ddns_strerror(rc));
	}
}

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
	if (lease.type_ != isc::dhcp::Lease::TYPE_NA)
		return false;
	fill_event(ev, lease, AF_INET6, kind, fwd, rev);
	if (lease.duid_)
		copy_identity(ev, lease.duid_->getDuid(), DDNS_ID_DUID, -1);
	return true;
}

template <typename LeasePtr>
void submit_lease(const LeasePtr &lease, enum ddns_lease_kind kind, bool fwd, bool rev)
{
	ddns_lease_event ev;
	if (lease && engine != nullptr && lease_event(*lease, kind, fwd, rev, ev))
		submit(ev, *lease);
}

void submit_lease4(const Lease4Ptr &lease, enum ddns_lease_kind kind, bool fwd, bool rev)
{
	submit_lease(lease, kind, fwd, rev);
}

void submit_lease6(const Lease6Ptr &lease, enum ddns_lease_kind kind, bool fwd, bool rev)
{
	submit_lease(lease, kind, fwd, rev);
}

bool context_flag(CalloutHandle &handle, const char *name, bool &value)
{
	try {
		handle.getContext(name, value);
		return true;
	} catch (const NoSuchCalloutContext &) {
		return false;
	}
}

// A packet's committed leases: removals for the leases it ended, and publication of those it
// granted when ddns{4,6}_update ran for this packet (without it Kea decided on no DDNS at all).
template <typename CollectionPtr, typename LeasePtr>
int leases_committed(CalloutHandle &handle, const char *family, const char *callout,
                     void (*submit_fn)(const LeasePtr &, enum ddns_lease_kind, bool, bool))
{
	CalloutTimer timer;
	try {
		CollectionPtr leases, deleted;
		handle.getArgument(std::string("leases") + family, leases);
		handle.getArgument(std::string("deleted_leases") + family, deleted);
		bool fwd = false, rev = false;
		bool decided =
		    context_flag(handle, CTX_FWD, fwd) && context_flag(handle, CTX_REV, rev);
		if (deleted) {
			for (const LeasePtr &lease : *deleted)
				submit_fn(lease, DDNS_LEASE_RELEASED, false, false);
		}
		if (leases && decided) {
			for (const LeasePtr &lease : *leases)
				submit_fn(lease, DDNS_LEASE_GRANTED, fwd, rev);
		}
	} catch (const std::exception &ex) {
		log_callout_error(callout, ex);
	}
	return 0;
}

// The lease argument, with its DNS flags turned off: Kea queues requests for D2 from a lease
// object's flags after the callout, and the plugin sends the updates itself.
template <typename LeasePtr> LeasePtr lease_without_dns(CalloutHandle &handle, const char *argument)
{
	LeasePtr lease;
	handle.getArgument(argument, lease);
	if (lease) {
		lease->fqdn_fwd_ = false;
		lease->fqdn_rev_ = false;
	}
	return lease;
}

// Release, decline and expiry: Kea queues its own removal for D2 from this very lease object
// after the callout when the lease says DNS was updated, so the flags are cleared here.
template <typename LeasePtr>
int lease_ended(CalloutHandle &handle, const char *argument, const char *callout,
                enum ddns_lease_kind kind,
                void (*submit_fn)(const LeasePtr &, enum ddns_lease_kind, bool, bool))
{
	CalloutTimer timer;
	try {
		submit_fn(lease_without_dns<LeasePtr>(handle, argument), kind, false, false);
	} catch (const std::exception &ex) {
		log_callout_error(callout, ex);
	}
	return 0;
}

int lease4_ended(CalloutHandle &handle, const char *callout, enum ddns_lease_kind kind)
{
	return lease_ended<Lease4Ptr>(handle, "lease4", callout, kind, submit_lease4);
}

int lease6_ended(CalloutHandle &handle, const char *callout, enum ddns_lease_kind kind)
{
	return lease_ended<Lease6Ptr>(handle, "lease6", callout, kind, submit_lease6);
}

// Engine counters as Kea statistics ("statistic-get-all"), refreshed every second on Kea's own
// thread by a timer on its IO service (which also follows the HA state, below); removed again on
// unload.
isc::asiolink::IntervalTimerPtr stats_timer;

const struct {
	const char *name;
	uint64_t ddns_engine_stats::*field;
} statistics[] = {
    {"ddns-direct.lease-events", &ddns_engine_stats::events},
    {"ddns-direct.updates-sent", &ddns_engine_stats::updates},
    {"ddns-direct.succeeded", &ddns_engine_stats::succeeded},
    {"ddns-direct.failed", &ddns_engine_stats::failed},
    {"ddns-direct.conflicts", &ddns_engine_stats::conflicts},
    {"ddns-direct.retries", &ddns_engine_stats::retries},
    {"ddns-direct.pending", &ddns_engine_stats::pending},
    {"ddns-direct.skipped", &ddns_engine_stats::skipped},
    {"ddns-direct.invalid-names", &ddns_engine_stats::invalid},
    {"ddns-direct.dropped", &ddns_engine_stats::dropped},
    {"ddns-direct.spilled", &ddns_engine_stats::spilled},
    {"ddns-direct.journal-errors", &ddns_engine_stats::journal_errors},
    {"ddns-direct.failed-refused", &ddns_engine_stats::refused},
    {"ddns-direct.failed-notauth", &ddns_engine_stats::notauth},
    {"ddns-direct.failed-servfail", &ddns_engine_stats::servfail},
    {"ddns-direct.failed-timeout", &ddns_engine_stats::timeouts},
    {"ddns-direct.failed-tsig", &ddns_engine_stats::tsig},
    {"ddns-direct.discoveries", &ddns_engine_stats::discoveries},
    {"ddns-direct.gss-negotiations", &ddns_engine_stats::gss_negotiations},
    {"ddns-direct.discovery-cache-hits", &ddns_engine_stats::cache_hits},
    {"ddns-direct.callout-median-ns", &ddns_engine_stats::callout_median_ns},
    {"ddns-direct.callout-p99-ns", &ddns_engine_stats::callout_p99_ns},
};

void publish_statistics()
{
	if (engine == nullptr)
		return;
	ddns_engine_stats st;
	ddns_engine_get_stats(engine, &st);
	isc::stats::StatsMgr &mgr = isc::stats::StatsMgr::instance();
	for (const auto &s : statistics)
		mgr.setValue(s.name, static_cast<int64_t>(st.*(s.field)));
}

void tick();

int start_statistics(CalloutHandle &handle, const char *callout)
{
	try {
		isc::asiolink::IOServicePtr io;
		handle.getArgument("io_context", io);
		stats_timer.reset(new isc::asiolink::IntervalTimer(*io));
		stats_timer->setup(tick, 1000);
		publish_statistics();
	} catch (const std::exception &ex) {
		log_callout_error(callout, ex);
	}
	return 0;
}

void stop_statistics()
{
	if (stats_timer) {
		stats_timer->cancel();
		stats_timer.reset();
	}
	for (const auto &s : statistics)
		isc::stats::StatsMgr::instance().del(s.name);
}

// Control commands, answered in Kea's usual {"result", "text", "arguments"} shape.
int answer(CalloutHandle &handle, int result, const std::string &text,
           isc::data::ConstElementPtr arguments = isc::data::ConstElementPtr())
{
	handle.setArgument("response", arguments
	                                   ? isc::config::createAnswer(result, text, arguments)
	                                   : isc::config::createAnswer(result, text));
	return 0;
}

int status_command(CalloutHandle &handle)
{
	try {
		std::vector<char> buf(1 << 20);
		if (ddns_engine_status(engine, buf.data(), buf.size()) != DDNS_OK)
			return answer(handle, 1, "status too large to report");
		return answer(handle, 0, "ddns-direct status",
		              isc::data::Element::fromJSON(std::string(buf.data())));
	} catch (const std::exception &ex) {
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
isc::data::ConstElementPtr command_argument(CalloutHandle &handle, const char *name,
                                            isc::data::Element::types type)
{
	isc::data::ConstElementPtr command, args;
	handle.getArgument("command", command);
	isc::config::parseCommand(args, command);
	isc::data::ConstElementPtr value = args ? args->get(name) : isc::data::ConstElementPtr();
	if (value && value->getType() != type)
		throw std::invalid_argument(
		    std::string("'") + name + "' must be a" +
		    (type == isc::data::Element::string ? " string" : " boolean"));
	return value;
}

int rediscover_command(CalloutHandle &handle)
{
	try {
		isc::data::ConstElementPtr zone =
		    command_argument(handle, "zone", isc::data::Element::string);
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

// ddns-direct-resync reads the lease database a page at a time with lease_cmds' lease4-get-page
// or lease6-get-page, called in-process like any other command: that works with every lease
// backend Kea has, and Debian's kea-dev cannot compile the lease manager's own headers.
int server_family = 0; // AF_INET or AF_INET6 once the server is configured

struct LeasePages {
	int family;
	std::string from;  // address of the last lease read, or "start"
	std::string error; // why reading stopped, for the command's answer
};

const char *get_page_command(int family)
{
	return family == AF_INET ? "lease4-get-page" : "lease6-get-page";
}

// Runs another library's command in-process, as the control socket would; returns its answer.
isc::data::ConstElementPtr call_command(const char *name, isc::data::ConstElementPtr args)
{
	CalloutHandlePtr call = HooksManager::createCalloutHandle();
	call->setArgument("command", args ? isc::config::createCommand(name, args)
	                                  : isc::config::createCommand(name));
	HooksManager::callCommandHandlers(name, *call);
	isc::data::ConstElementPtr response;
	call->getArgument("response", response);
	return response;
}

isc::data::ConstElementPtr fetch_page(const LeasePages &pages, size_t limit)
{
	isc::data::ElementPtr args = isc::data::Element::createMap();
	args->set("from", isc::data::Element::create(pages.from));
	args->set("limit", isc::data::Element::create(static_cast<int64_t>(limit)));
	return call_command(get_page_command(pages.family), args);
}

// Turns one lease of a page into an event when it is in use; moves the page cursor past it.
template <typename LeaseType>
bool page_lease(LeasePages &pages, const isc::data::ConstElementPtr &element, ddns_lease_event &ev)
{
	auto lease = LeaseType::fromElement(element);
	pages.from = lease->addr_.toText();
	return lease->state_ == isc::dhcp::Lease::STATE_DEFAULT &&
	       lease_event(*lease, DDNS_LEASE_GRANTED, true, true, ev);
}

int read_leases(void *ctx, ddns_lease_event *out, size_t max)
{
	LeasePages &pages = *static_cast<LeasePages *>(ctx);
	const char *name = get_page_command(pages.family);
	try {
		size_t n = 0;
		// A page of declined or reclaimed leases only yields nothing but is not the end.
		while (n == 0) {
			int rcode = 0;
			isc::data::ConstElementPtr args =
			    isc::config::parseAnswer(rcode, fetch_page(pages, max));
			if (rcode == isc::config::CONTROL_RESULT_EMPTY)
				return 0;
			isc::data::ConstElementPtr leases = args ? args->get("leases") : args;
			if (rcode != isc::config::CONTROL_RESULT_SUCCESS || !leases ||
			    leases->getType() != isc::data::Element::list) {
				pages.error =
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
				n += pages.family == AF_INET
				         ? page_lease<Lease4>(pages, element, out[n])
				         : page_lease<Lease6>(pages, element, out[n]);
			}
		}
		return static_cast<int>(n);
	} catch (const std::exception &ex) {
		pages.error = std::string(name) + " failed: " + ex.what();
		return DDNS_EIO;
	}
}

// Reconciles DNS with the lease database of this server's family; error says why it stopped.
int resync(bool force, ddns_resync_report &report, std::string &error)
{
	LeasePages pages{server_family, "start", ""};
	int rc = ddns_engine_resync(engine, server_family, force, read_leases, &pages, &report);
	if (rc != DDNS_OK)
		error = pages.error.empty() ? ddns_strerror(rc) : pages.error;
	return rc;
}

int resync_command(CalloutHandle &handle)
{
	try {
		isc::data::ConstElementPtr force =
		    command_argument(handle, "force", isc::data::Element::boolean);
		if (server_family == 0)
			return answer(handle, 1, "the server is not configured yet");
		const char *get_page = get_page_command(server_family);
		if (!HooksManager::commandHandlersPresent(get_page))
			return answer(handle, 1,
			              std::string("ddns-direct-resync reads the leases with ") +
			                  get_page + ": load libdhcp_lease_cmds.so as well");
		ddns_resync_report report;
		std::string error;
		int rc = resync(force && force->boolValue(), report, error);
		isc::data::ElementPtr counts = isc::data::Element::createMap();
		counts->set("leases",
		            isc::data::Element::create(static_cast<int64_t>(report.leases)));
		counts->set("recorded",
		            isc::data::Element::create(static_cast<int64_t>(report.recorded)));
		counts->set("to-publish",
		            isc::data::Element::create(static_cast<int64_t>(report.published)));
		counts->set("to-withdraw",
		            isc::data::Element::create(static_cast<int64_t>(report.withdrawn)));
		if (rc != DDNS_OK)
			return answer(handle, 1, "resync stopped: " + error, counts);
		return answer(handle, 0, "resync queued the differences", counts);
	} catch (const std::exception &ex) {
		return answer(handle, 1, ex.what());
	}
}

// Kea HA. A partner may publish leases this server sees end (a shared lease database lets either
// server reclaim any lease), and a partner that stops may leave leases it granted unpublished
// (changes it owed wait in its own state-dir). The HA state this server reports is read every
// second; when it takes over its partner's clients (partner-down), DNS is reconciled with the
// lease database as ddns-direct-resync does, which publishes those leases.
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

void watch_ha()
{
	std::string state = ha_state();
	bool takeover = state == "partner-down" && ha_last_state != state;
	ha_last_state = state;
	if (!takeover)
		return;
	ddns_resync_report report;
	std::string error;
	if (resync(false, report, error) != DDNS_OK) {
		LOG_ERROR(logger, "DDNS_DIRECT_HA_TAKEOVER")
		    .arg("the HA partner is down; reconciling DNS with the lease database "
		         "failed: " +
		         error + " (run ddns-direct-resync when it can work)");
		return;
	}
	LOG_INFO(logger, "DDNS_DIRECT_HA_TAKEOVER")
	    .arg("the HA partner is down and this server serves its clients: DNS reconciled "
	         "with the lease database (" +
	         std::to_string(report.leases) + " leases read, " +
	         std::to_string(report.published) + " to publish, " +
	         std::to_string(report.withdrawn) + " to withdraw)");
}

void tick()
{
	publish_statistics();
	try {
		if (ha_loaded && engine != nullptr)
			watch_ha();
	} catch (const std::exception &ex) {
		log_callout_error("ha-heartbeat", ex);
	}
}

void note_ha_partner()
{
	if (engine == nullptr)
		return;
	bool ha = HooksManager::commandHandlersPresent("ha-heartbeat");
	ha_loaded = ha;
	ha_last_state.clear();
	ddns_engine_set_partnered(engine, ha);
	if (ha) {
		LOG_INFO(logger, "DDNS_DIRECT_HA_PARTNER")
		    .arg("Kea HA is loaded: a lease that ends here is removed from DNS even when "
		         "the partner published it, retried until DNS answers");
	}
}

} // namespace

extern "C" {

__attribute__((visibility("default"))) int version()
{
	return KEA_HOOKS_VERSION;
}

// The engine's entry point is thread-safe and callouts keep no shared state of their own.
__attribute__((visibility("default"))) int multi_threading_compatible()
{
	return 1;
}

__attribute__((visibility("default"))) int load(LibraryHandle &handle)
{
	try {
		isc::data::ConstElementPtr params = handle.getParameters();
		std::string json = params ? params->str() : std::string("{}");
		char err[512] = "";
		ddns_log_set_sink(log_sink, nullptr);
		ddns_log_set_filter(log_enabled);
		int rc = ddns_engine_new(json.c_str(), nullptr, &engine, err, sizeof(err));
		if (rc != DDNS_OK) {
			LOG_ERROR(logger, "DDNS_DIRECT_CONFIG_ERROR")
			    .arg(std::string("ddns-direct configuration rejected: ") +
			         (err[0] != '\0' ? err : ddns_strerror(rc)));
			engine = nullptr;
			return 1;
		}
		handle.registerCommandCallout("ddns-direct-status", status_command);
		handle.registerCommandCallout("ddns-direct-flush", flush_command);
		handle.registerCommandCallout("ddns-direct-rediscover", rediscover_command);
		handle.registerCommandCallout("ddns-direct-resync", resync_command);
		LOG_INFO(logger, "DDNS_DIRECT_LOADED")
		    .arg("ddns-direct loaded: DNS updates are sent by this server, not by D2");
		return 0;
	} catch (const std::exception &ex) {
		LOG_ERROR(logger, "DDNS_DIRECT_CONFIG_ERROR")
		    .arg(std::string("ddns-direct configuration rejected: ") + ex.what());
		return 1;
	}
}

__attribute__((visibility("default"))) int unload()
{
	stop_statistics();
	ddns_engine_free(engine);
	engine = nullptr;
	ddns_log_set_filter(nullptr);
	ddns_log_set_sink(nullptr, nullptr);
	return 0;
}

// The server is configured: its IO service can now run the statistics timer.
__attribute__((visibility("default"))) int dhcp4_srv_configured(CalloutHandle &handle)
{
	server_family = AF_INET;
	note_ha_partner();
	return start_statistics(handle, "dhcp4_srv_configured");
}

__attribute__((visibility("default"))) int dhcp6_srv_configured(CalloutHandle &handle)
{
	server_family = AF_INET6;
	note_ha_partner();
	return start_statistics(handle, "dhcp6_srv_configured");
}

// Records Kea's decision. The arguments are left as they are: changing them makes Kea rewrite the
// response's Hostname option, which for a name it generates later is still empty, so Kea threw and
// caught an exception for every such packet (5 % of its CPU at its ceiling). Kea's own requests
// to D2 are suppressed on the lease instead (lease4_select, lease4_renew).
__attribute__((visibility("default"))) int ddns4_update(CalloutHandle &handle)
{
	CalloutTimer timer;
	try {
		bool fwd = false, rev = false;
		handle.getArgument("fwd-update", fwd);
		handle.getArgument("rev-update", rev);
		handle.setContext(CTX_FWD, fwd);
		handle.setContext(CTX_REV, rev);
	} catch (const std::exception &ex) {
		log_callout_error("ddns4_update", ex);
	}
	return 0;
}

// Kea queues a request for D2 after allocating when the lease's DNS flags say so; the plugin
// sends the updates itself, so the flags are cleared on the lease Kea has just chosen (new or
// reused) or renewed. Kea's decision was recorded by ddns4_update.
int clear_dns_flags(CalloutHandle &handle, const char *callout)
{
	CalloutTimer timer;
	try {
		lease_without_dns<Lease4Ptr>(handle, "lease4");
	} catch (const std::exception &ex) {
		log_callout_error(callout, ex);
	}
	return 0;
}

__attribute__((visibility("default"))) int lease4_select(CalloutHandle &handle)
{
	return clear_dns_flags(handle, "lease4_select");
}

__attribute__((visibility("default"))) int lease4_renew(CalloutHandle &handle)
{
	return clear_dns_flags(handle, "lease4_renew");
}

__attribute__((visibility("default"))) int leases4_committed(CalloutHandle &handle)
{
	return leases_committed<Lease4CollectionPtr, Lease4Ptr>(handle, "4", "leases4_committed",
	                                                        submit_lease4);
}

__attribute__((visibility("default"))) int lease4_release(CalloutHandle &handle)
{
	return lease4_ended(handle, "lease4_release", DDNS_LEASE_RELEASED);
}

__attribute__((visibility("default"))) int lease4_decline(CalloutHandle &handle)
{
	return lease4_ended(handle, "lease4_decline", DDNS_LEASE_DECLINED);
}

// Kea clears the lease's name right after this callout, so it is read here.
__attribute__((visibility("default"))) int lease4_expire(CalloutHandle &handle)
{
	return lease4_ended(handle, "lease4_expire", DDNS_LEASE_EXPIRED);
}

/*
 * DHCPv6: record Kea's decision as in v4. When Kea will generate the name later (hostname still
 * empty), changing the arguments would make Kea call setDomainName("") and drop the packet, so the
 * arguments are left alone and the response's Client FQDN flags are set to "server does no update"
 * (S=0, N=1), which is what Kea reads when it decides whether to send anything to D2.
 */
__attribute__((visibility("default"))) int ddns6_update(CalloutHandle &handle)
{
	CalloutTimer timer;
	try {
		bool fwd = false, rev = false;
		std::string hostname;
		handle.getArgument("fwd-update", fwd);
		handle.getArgument("rev-update", rev);
		handle.getArgument("hostname", hostname);
		handle.setContext(CTX_FWD, fwd);
		handle.setContext(CTX_REV, rev);
		if (!hostname.empty()) {
			handle.setArgument("fwd-update", false);
			handle.setArgument("rev-update", false);
			return 0;
		}
		Pkt6Ptr response;
		handle.getArgument("response6", response);
		Option6ClientFqdnPtr fqdn;
		if (response)
			fqdn = boost::dynamic_pointer_cast<Option6ClientFqdn>(
			    response->getOption(D6O_CLIENT_FQDN));
		if (fqdn) {
			fqdn->setFlag(Option6ClientFqdn::FLAG_S, false);
			fqdn->setFlag(Option6ClientFqdn::FLAG_N, true);
		}
	} catch (const std::exception &ex) {
		log_callout_error("ddns6_update", ex);
	}
	return 0;
}

__attribute__((visibility("default"))) int leases6_committed(CalloutHandle &handle)
{
	return leases_committed<Lease6CollectionPtr, Lease6Ptr>(handle, "6", "leases6_committed",
	                                                        submit_lease6);
}

__attribute__((visibility("default"))) int lease6_release(CalloutHandle &handle)
{
	return lease6_ended(handle, "lease6_release", DDNS_LEASE_RELEASED);
}

__attribute__((visibility("default"))) int lease6_decline(CalloutHandle &handle)
{
	return lease6_ended(handle, "lease6_decline", DDNS_LEASE_DECLINED);
}

__attribute__((visibility("default"))) int lease6_expire(CalloutHandle &handle)
{
	return lease6_ended(handle, "lease6_expire", DDNS_LEASE_EXPIRED);
}

} // extern "C"
