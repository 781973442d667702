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
#include "util/name.h"

/* Largest DNS message over TCP, and the reply buffer size every exchange uses. */
#define DDNS_MSG_MAX 65535

/* Largest query sent over UDP (RFC 1035, no EDNS in UPDATE). */
#define DDNS_UDP_MAX 512

/* A server to send updates to. */
struct ddns_target {
	struct ddns_addr addr;    /* where to send */
	char name[DDNS_NAME_MAX]; /* server's host name, or its address text when pinned */
};

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

/*
 * The real transport with TCP connection reuse: a connection that carried an exchange is kept
 * (up to 32, for 10 s) for the next exchange with the same server, one exchange at a time each;
 * one the server has closed meanwhile is replaced by a new one, the request sent again only when
 * the server cannot have seen it. UDP is as above. Thread: any.
 */
struct ddns_socket_pool;

/* A new, empty pool, or NULL when out of memory. Free with ddns_socket_pool_free once no
 * exchange uses it; that closes its connections. */
struct ddns_socket_pool *ddns_socket_pool_new(void);
void ddns_socket_pool_free(struct ddns_socket_pool *pool);

/* A transport whose exchanges use pool (borrowed: it must outlive the transport's use). */
struct ddns_transport ddns_socket_pool_transport(struct ddns_socket_pool *pool);

#endif
