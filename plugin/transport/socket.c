/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The socket transport. UDP sockets are connected so that the kernel drops datagrams from any other
 * address or port; each query gets its own socket and so a fresh random source port (RFC 5452).
 * TCP connections are kept in a pool between exchanges when the transport has one: connection
 * setup and teardown were half of BIND's network thread's work at a few hundred messages/s.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ddns/error.h"
#include "transport/transport.h"
#include "util/clock.h"

/* Waits for events on fd until deadline; 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - ddns_clock_now_ms();
		if (left <= 0)
			return 0;
		struct pollfd pfd = {fd, events, 0};
		int n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return (pfd.revents & (POLLERR | POLLNVAL)) && !(pfd.revents & events) ? -1
			                                                                       : 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static int open_connected(const struct ddns_addr *server, int type, int64_t deadline)
{
	int fd = socket(server->sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&server->sa, server->len) == 0)
		return fd;
	if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 1) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0)
			return fd;
	}
	close(fd);
	return -1;
}

static int udp_exchange(const struct ddns_addr *server, const uint8_t *query, size_t qlen,
                        uint8_t *reply, size_t *reply_len, int64_t deadline)
{
	int fd = open_connected(server, SOCK_DGRAM, deadline);
	if (fd < 0)
		return DDNS_ENETWORK;
	int rc = DDNS_ETIMEOUT;
	if (send(fd, query, qlen, 0) != (ssize_t)qlen) {
		rc = DDNS_ENETWORK;
		goto out;
	}
	while (wait_fd(fd, POLLIN, deadline) == 1) {
		ssize_t n = recv(fd, reply, DDNS_MSG_MAX, 0);
		if (n < 0) {
			/* ICMP port unreachable: nobody listens there. */
			if (errno == ECONNREFUSED) {
				rc = DDNS_ENETWORK;
				break;
			}
			continue;
		}
		if (n >= 2 && memcmp(reply, query, 2) == 0) {
			*reply_len = (size_t)n;
			rc = DDNS_OK;
			break;
		}
	}
out:
	close(fd);
	return rc;
}

static int read_full(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	size_t got = 0;
	while (got < len) {
		if (wait_fd(fd, POLLIN, deadline) != 1)
			return DDNS_ETIMEOUT;
		ssize_t n = recv(fd, buf + got, len - got, 0);
		if (n == 0)
			return DDNS_ENETWORK;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return DDNS_ENETWORK;
		}
		got += (size_t)n;
	}
	return DDNS_OK;
}

/* One request and its reply on a connected stream; *replied says whether any reply byte came. */
static int tcp_roundtrip(int fd, const uint8_t *query, size_t qlen, uint8_t *reply,
                         size_t *reply_len, int64_t deadline, bool *replied)
{
	uint8_t frame[2 + DDNS_MSG_MAX];
	/* Length prefix and message in one write: two writes cost a delayed-ACK round trip. */
	frame[0] = (uint8_t)(qlen >> 8);
	frame[1] = (uint8_t)qlen;
	memcpy(frame + 2, query, qlen);
	*replied = false;
	int rc = DDNS_OK;
	size_t sent = 0;
	while (rc == DDNS_OK && sent < qlen + 2) {
		if (wait_fd(fd, POLLOUT, deadline) != 1)
			return DDNS_ETIMEOUT;
		ssize_t n = send(fd, frame + sent, qlen + 2 - sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			rc = DDNS_ENETWORK;
		else if (n > 0)
			sent += (size_t)n;
	}
	/* Skip any reply with another ID: a server may not send one, but nothing else is ours. */
	while (rc == DDNS_OK) {
		uint8_t len[2];
		rc = read_full(fd, len, 2, deadline);
		if (rc != DDNS_OK)
			break;
		*replied = true;
		size_t n = (size_t)len[0] << 8 | len[1];
		rc = read_full(fd, reply, n, deadline);
		if (rc == DDNS_OK && n >= 2 && memcmp(reply, query, 2) == 0) {
			*reply_len = n;
			break;
		}
	}
	return rc;
}

/* Idle connections kept per pool, and how long one may idle: servers close idle connections
 * (BIND after tcp-idle-timeout, 30 s by default), and a connection found closed costs a retry. */
#define POOL_MAX     32
#define POOL_IDLE_MS 10000

struct idle_conn {
	struct ddns_addr server;
	int fd;
	int64_t since_ms;
};

struct ddns_socket_pool {
	pthread_mutex_t lock;
	struct idle_conn idle[POOL_MAX];
	size_t n_idle;
};

/* A connection that is readable while idle has been closed by the server (or holds data
 * nobody asked for): either way it cannot carry a new request. */
static bool still_open(int fd)
{
	struct pollfd pfd = {fd, POLLIN, 0};
	return poll(&pfd, 1, 0) == 0;
}

/* An idle connection to server taken out of the pool, or -1. */
static int pool_take(struct ddns_socket_pool *pool, const struct ddns_addr *server)
{
	int fd = -1;
	int64_t now = ddns_clock_now_ms();
	pthread_mutex_lock(&pool->lock);
	for (size_t i = pool->n_idle; i-- > 0 && fd < 0;) {
		struct idle_conn *c = &pool->idle[i];
		bool stale = now - c->since_ms > POOL_IDLE_MS;
		if (!stale && !ddns_addr_equal(&c->server, server))
			continue;
		if (!stale && still_open(c->fd))
			fd = c->fd;
		else
			close(c->fd);
		*c = pool->idle[--pool->n_idle];
	}
	pthread_mutex_unlock(&pool->lock);
	return fd;
}

/* Keeps fd for the next exchange with server, or closes it when the pool is full. */
static void pool_put(struct ddns_socket_pool *pool, const struct ddns_addr *server, int fd)
{
	pthread_mutex_lock(&pool->lock);
	if (pool->n_idle < POOL_MAX) {
		pool->idle[pool->n_idle++] = (struct idle_conn){*server, fd, ddns_clock_now_ms()};
		fd = -1;
	}
	pthread_mutex_unlock(&pool->lock);
	if (fd >= 0)
		close(fd);
}

static int tcp_exchange(struct ddns_socket_pool *pool, const struct ddns_addr *server,
                        const uint8_t *query, size_t qlen, uint8_t *reply, size_t *reply_len,
                        int64_t deadline)
{
	if (qlen > DDNS_MSG_MAX)
		return DDNS_EINVAL;
	int fd = pool != NULL ? pool_take(pool, server) : -1;
	bool reused = fd >= 0, replied = false;
	int rc = DDNS_ENETWORK;
	if (reused) {
		rc = tcp_roundtrip(fd, query, qlen, reply, reply_len, deadline, &replied);
		/* Closed by the server between our check and the request: it never saw it. */
		if (rc == DDNS_ENETWORK && !replied) {
			close(fd);
			reused = false;
		}
	}
	if (!reused) {
		fd = open_connected(server, SOCK_STREAM, deadline);
		if (fd < 0)
			return ddns_clock_now_ms() >= deadline ? DDNS_ETIMEOUT : DDNS_ENETWORK;
		rc = tcp_roundtrip(fd, query, qlen, reply, reply_len, deadline, &replied);
	}
	if (rc == DDNS_OK && pool != NULL)
		pool_put(pool, server, fd);
	else
		close(fd);
	return rc;
}

static int socket_exchange(void *ctx, const struct ddns_addr *server, bool tcp,
                           const uint8_t *query, size_t qlen, uint8_t *reply, size_t *reply_len,
                           int timeout_ms)
{
	int64_t deadline = ddns_clock_now_ms() + timeout_ms;
	if (tcp)
		return tcp_exchange(ctx, server, query, qlen, reply, reply_len, deadline);
	return udp_exchange(server, query, qlen, reply, reply_len, deadline);
}

struct ddns_socket_pool *ddns_socket_pool_new(void)
{
	struct ddns_socket_pool *pool = calloc(1, sizeof(*pool));
	if (pool != NULL)
		pthread_mutex_init(&pool->lock, NULL);
	return pool;
}

void ddns_socket_pool_free(struct ddns_socket_pool *pool)
{
	if (pool == NULL)
		return;
	for (size_t i = 0; i < pool->n_idle; i++)
		close(pool->idle[i].fd);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

struct ddns_transport ddns_socket_pool_transport(struct ddns_socket_pool *pool)
{
	return (struct ddns_transport){socket_exchange, pool};
}

const struct ddns_transport ddns_socket_transport = {socket_exchange, NULL};
