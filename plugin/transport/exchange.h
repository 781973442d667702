/* SPDX-License-Identifier: MPL-2.0 */
/*
 * One DNS request and its reply, done right: a random ID, TSIG signing when a key is given, UDP
 * first with TCP when the reply is truncated or UDP times out, and a reply accepted only if it
 * matches the request (ID, opcode, question) and, for a signed request, carries a valid TSIG.
 * A request over 512 bytes (several changes in one UPDATE) goes over TCP from the start.
 * RCODEs are mapped to ddns_error_t here and nowhere else.
 */
#ifndef DDNS_EXCHANGE_H
#define DDNS_EXCHANGE_H

#include <stdbool.h>

#include <ldns/ldns.h>

#include "transport/transport.h"
#include "transport/tsig.h"

struct ddns_exchange_info {
	int rcode;      /* RCODE of the accepted reply, -1 when there was none */
	int tsig_error; /* TSIG error field of the reply (16 BADSIG, 17 BADKEY, 18 BADTIME), or 0 */
	bool tcp;       /* the accepted reply (or last attempt) went over TCP */
	enum ddns_tsig_form tsig_form; /* how a signed request's reply was signed, or echoed */
};

/*
 * Sends query (a message in wire form with no TSIG, the buffer's position at its end) to server
 * and waits for its reply. A copy of it is sent, with a random ID and, when signer is not NULL,
 * signed, so the same query may be sent to several servers in turn. On DDNS_OK, *reply holds the
 * parsed reply (caller frees with ldns_pkt_free) and info->rcode its RCODE, whatever it is.
 * Otherwise *reply is NULL and the return value says why: DDNS_ETIMEOUT, DDNS_ENETWORK,
 * DDNS_EMALFORMED (no parseable matching reply), DDNS_ETSIG (TSIG error in the reply, or a reply to
 * a signed request that is unsigned or fails verification), DDNS_ETRUNCATED, DDNS_ENOMEM,
 * DDNS_EINVAL (query shorter than a header). Thread: any.
 */
int ddns_exchange_wire(const struct ddns_transport *transport, const struct ddns_addr *server,
                       const ldns_buffer *query, const struct ddns_tsig_signer *signer,
                       int timeout_ms, ldns_pkt **reply, struct ddns_exchange_info *info);

/* As ddns_exchange_wire for a query built with ldns (a TSIG record in it is left out). Thread:
 * any; query must not be shared between threads. */
int ddns_exchange(const struct ddns_transport *transport, const struct ddns_addr *server,
                  ldns_pkt *query, const struct ddns_tsig_signer *signer, int timeout_ms,
                  ldns_pkt **reply, struct ddns_exchange_info *info);

/*
 * As ddns_exchange for an unsigned query, over TCP from the start, also handing back the reply's
 * bytes in *wire (malloc'd; caller frees; NULL on failure) and their count in
 * *wire_len, for a check the caller makes itself (the TSIG of a TKEY reply).
 */
int ddns_exchange_stream(const struct ddns_transport *transport, const struct ddns_addr *server,
                         ldns_pkt *query, int timeout_ms, ldns_pkt **reply, uint8_t **wire,
                         size_t *wire_len, struct ddns_exchange_info *info);

/*
 * The wire form of pkt in a new buffer, its position at the end of the message, or NULL when out
 * of memory. The buffer starts small and grows with the message (ldns_pkt2wire takes 64 KB for
 * each, which the allocator then hands back to the kernel). Free with ldns_buffer_free.
 */
ldns_buffer *ddns_wire_of(const ldns_pkt *pkt);

/* Maps a reply RCODE to DDNS_OK or the matching error code. */
int ddns_rcode_error(int rcode);

/* Mnemonic of an RCODE for log lines ("NOTAUTH", ...). */
const char *ddns_rcode_name(int rcode);

/* Name of a TSIG error value for log lines ("BADSIG", ...). */
const char *ddns_tsig_error_name(int tsig_error);

#endif
