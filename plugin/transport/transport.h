/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The seam between DNS logic and the network: one call that sends a DNS message to a server over
 * UDP or TCP and returns the first reply carrying the same message ID. The real implementation uses
 * sockets; unit tests install a scripted fake with the same signature.
 */
#ifndef DDNS_TRANSPORT_H
#define DDNS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/* Largest DNS message over TCP, and the reply buffer size every exchange uses. */
#define DDNS_MSG_MAX 65535

/* Largest query sent over UDP (RFC 1035, no EDNS in UPDATE). */
#define DDNS_UDP_MAX 512

struct ddns_transport {
	/*
	 * Sends query (qlen bytes) to server and waits up to timeout_ms for a reply whose ID equals
	 * the query's, from that server's address and port (UDP replies from elsewhere or with
	 * another ID are discarded). Stores it in reply (DDNS_MSG_MAX bytes) and its size in
	 * *reply_len. Returns DDNS_OK, DDNS_ETIMEOUT, DDNS_ENETWORK or DDNS_ENOMEM.
	 */
	int (*exchange)(void *ctx, const struct ddns_addr *server, bool tcp, const uint8_t *query,
	                size_t qlen, uint8_t *reply, size_t *reply_len, int timeout_ms);
	void *ctx; /* passed to exchange */
};

/* The real transport: a fresh UDP socket per query (random source port), a TCP connection per
 * query. */
extern const struct ddns_transport ddns_socket_transport;

#endif
