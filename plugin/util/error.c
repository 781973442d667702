/* SPDX-License-Identifier: MPL-2.0 */
/* Text for every ddns_error_t value; the unit test checks that none is missing. */
#include <string.h>

#include "ddns/error.h"

/* Project codes count down from DDNS_ETIMEOUT; index 0 is DDNS_ETIMEOUT. */
#define IDX(err) (DDNS_ETIMEOUT - (err))

static const char *const project_errors[] = {
    [IDX(DDNS_ETIMEOUT)] = "no reply before the timeout",
    [IDX(DDNS_ECONFIG)] = "invalid configuration",
    [IDX(DDNS_EBADNAME)] = "invalid host name",
    [IDX(DDNS_ENOZONE)] = "no zone found for the name",
    [IDX(DDNS_ENOTARGET)] = "no usable update target for the zone",
    [IDX(DDNS_EEXCLUDED)] = "zone excluded from updates by configuration",
    [IDX(DDNS_EMALFORMED)] = "malformed or mismatched reply",
    [IDX(DDNS_ETSIG)] = "TSIG failure",
    [IDX(DDNS_EFORMERR)] = "server answered FORMERR",
    [IDX(DDNS_ESERVFAIL)] = "server answered SERVFAIL",
    [IDX(DDNS_ENOTIMP)] = "server answered NOTIMP",
    [IDX(DDNS_EREFUSED)] = "server answered REFUSED",
    [IDX(DDNS_ENOTAUTH)] = "server answered NOTAUTH",
    [IDX(DDNS_ENOTZONE)] = "server answered NOTZONE",
    [IDX(DDNS_EYXDOMAIN)] = "prerequisite failed: name is in use (YXDOMAIN)",
    [IDX(DDNS_EYXRRSET)] = "prerequisite failed: RRset exists (YXRRSET)",
    [IDX(DDNS_ENXDOMAIN)] = "prerequisite failed: name is not in use (NXDOMAIN)",
    [IDX(DDNS_ENXRRSET)] = "prerequisite failed: RRset does not exist (NXRRSET)",
    [IDX(DDNS_ERCODE)] = "server answered an unexpected RCODE",
    [IDX(DDNS_ESHUTDOWN)] = "engine is shutting down",
    [IDX(DDNS_ENETWORK)] = "network error talking to the server",
    [IDX(DDNS_ETRUNCATED)] = "reply truncated even over TCP",
    [IDX(DDNS_EQFULL)] = "queue full, and the event could not be written to state-dir",
    [IDX(DDNS_EGSS)] = "GSS-TSIG security context negotiation failed",
    [IDX(DDNS_EAGAIN)] = "another negotiation round is needed",
    [IDX(DDNS_EFORMAT)] = "written by a newer release of ddns-direct (unknown format version)",
};

const char *ddns_strerror(int err)
{
	if (err == DDNS_OK)
		return "success";
	if (err <= DDNS_ETIMEOUT && err >= DDNS_ERROR_MIN) {
		const char *s = project_errors[IDX(err)];
		return s != NULL ? s : "unknown error";
	}
	if (err < 0 && err > -1000)
		return strerror(-err);
	return "unknown error";
}
