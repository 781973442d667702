/* SPDX-License-Identifier: MPL-2.0 */
/*
 * One record change sent to the targets of its zone in order, with RFC 2136 section 4 semantics:
 * SERVFAIL, NOTIMP, REFUSED, NOTAUTH, NOTZONE, TSIG trouble and silence move on to the next target;
 * a prerequisite failure is a final answer. Each target's outcome is reported to an observer, so
 * the engine can log and count it and the probe can print it.
 */
#ifndef DDNS_SEND_H
#define DDNS_SEND_H

#include <pthread.h>

#include "discovery/locate.h"
#include "gss/session.h"
#include "transport/exchange.h"
#include "update/update.h"

#define DDNS_QUIRK_SERVERS 64

/* The servers already reported as signing their replies the way Samba does (logged once each, the
 * first DDNS_QUIRK_SERVERS of them). */
struct ddns_quirks {
	pthread_mutex_t lock;
	struct ddns_addr seen[DDNS_QUIRK_SERVERS];
	size_t n;
};

/* How changes are sent: the network, the GSS-TSIG key store, the time each exchange may take. */
struct ddns_sender {
	const struct ddns_transport *transport; /* borrowed */
	struct ddns_gss *gss;       /* borrowed; set whenever the config has a "gss-tsig" block */
	int timeout_ms;             /* per exchange */
	struct ddns_quirks *quirks; /* borrowed; NULL: every such reply is logged */
};

enum ddns_send_result {
	DDNS_SEND_APPLIED, /* a target accepted the change */
	DDNS_SEND_FINAL,   /* a target gave a final "no" (prerequisite failure) */
	DDNS_SEND_FAILED,  /* no target gave a final answer: retry later */
	DDNS_SEND_STALE,   /* as FAILED, and a discovered target said NOTAUTH or NOTZONE */
};

struct ddns_send_attempt {
	const struct ddns_target *target; /* the target tried */
	int error;                        /* DDNS_OK, or why it did not accept */
	bool final;                       /* error is a final answer (prerequisite failure) */
	struct ddns_exchange_info info;   /* RCODE, TSIG error and form, TCP */
	bool unauthenticated;             /* error is an RCODE the server did not sign: the request
	                                     came back with it (Samba's error replies) */
	long ms;                          /* duration of the exchange */
	char why[256];                    /* error in words, with TSIG details; no secret */
};

/* Called once per target tried, from the calling thread; attempt is valid during the call. */
typedef void (*ddns_send_observer)(void *ctx, const struct ddns_send_attempt *attempt);

/*
 * Builds the UPDATE for change in ts->zone and sends it to ts->targets in order (signed with
 * ts->key; with GSS-TSIG, a key negotiated with each target as it is tried, negotiated afresh
 * once when the target says BADKEY) until one gives a final answer. Returns the outcome;
 * DDNS_SEND_FAILED also when the message cannot be built (logged). *answer is DDNS_OK when APPLIED,
 * the prerequisite error when FINAL. Thread: any; blocks for up to two timeouts per target.
 */
enum ddns_send_result ddns_send_change(const struct ddns_sender *sender,
                                       const struct ddns_target_set *ts,
                                       const struct ddns_change *change,
                                       ddns_send_observer observer, void *ctx, int *answer);

/* As ddns_send_change for n changes in one message (see ddns_update_build_batch): APPLIED means
 * all were applied, FINAL that the message was rejected whole on a prerequisite. */
enum ddns_send_result ddns_send_changes(const struct ddns_sender *sender,
                                        const struct ddns_target_set *ts,
                                        const struct ddns_change *const *changes, size_t n,
                                        ddns_send_observer observer, void *ctx, int *answer);

#endif
