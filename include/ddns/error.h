/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The single error enum of the ddns-direct engine. Zero is success, errno-style failures are
 * negative errno values, and the project's own conditions start at -1000. DNS RCODEs that end an
 * exchange are mapped to codes here in one place (transport/exchange.c) so that callers never
 * compare raw RCODEs.
 */
#ifndef DDNS_ERROR_H
#define DDNS_ERROR_H

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ddns_error {
	DDNS_OK = 0,
	DDNS_ENOMEM = -ENOMEM,
	DDNS_EINVAL = -EINVAL,
	DDNS_EIO = -EIO,
	DDNS_EBUSY = -EBUSY, /* one is already running */

	DDNS_ETIMEOUT = -1000,   /* no reply in time */
	DDNS_ECONFIG = -1001,    /* configuration rejected */
	DDNS_EBADNAME = -1002,   /* name is not a valid host name */
	DDNS_ENOZONE = -1003,    /* no zone found for a name */
	DDNS_ENOTARGET = -1004,  /* zone known but no usable update target */
	DDNS_EEXCLUDED = -1005,  /* zone configured with "update": false */
	DDNS_EMALFORMED = -1006, /* reply could not be parsed or does not answer the query */
	DDNS_ETSIG = -1007,      /* TSIG error in reply, or reply not signed / not verifiable */
	DDNS_EFORMERR = -1008,   /* RCODE FORMERR */
	DDNS_ESERVFAIL = -1009,  /* RCODE SERVFAIL */
	DDNS_ENOTIMP = -1010,    /* RCODE NOTIMP */
	DDNS_EREFUSED = -1011,   /* RCODE REFUSED */
	DDNS_ENOTAUTH = -1012,   /* RCODE NOTAUTH */
	DDNS_ENOTZONE = -1013,   /* RCODE NOTZONE */
	DDNS_EYXDOMAIN = -1014,  /* prerequisite failed: name in use */
	DDNS_EYXRRSET = -1015,   /* prerequisite failed: RRset exists */
	DDNS_ENXDOMAIN = -1016,  /* prerequisite failed: name not in use */
	DDNS_ENXRRSET = -1017,   /* prerequisite failed: RRset does not exist */
	DDNS_ERCODE = -1018,     /* any other RCODE */
	DDNS_ESHUTDOWN = -1019,  /* engine is stopping */
	DDNS_ENETWORK = -1020,   /* socket-level failure talking to a server */
	DDNS_ETRUNCATED = -1021, /* reply truncated even over TCP */
	DDNS_EQFULL = -1022,     /* queue full and the event could not be kept on disk either */
	DDNS_EGSS = -1023,       /* GSS-TSIG: no security context could be negotiated */
	DDNS_EAGAIN = -1024,     /* not finished yet: another round is needed */
	DDNS_EFORMAT = -1025,    /* state-dir written in a format this release does not know */
	DDNS_ERROR_MIN = DDNS_EFORMAT,
} ddns_error_t;

/*
 * Human-readable text for an error code. Never returns NULL; unknown codes get a generic string.
 * Thread: any.
 */
const char *ddns_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif
