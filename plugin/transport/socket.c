/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The socket transport. UDP sockets are connected so that the kernel drops datagrams from any other
 * address or port; each query gets its own socket and so a fresh random source port (RFC 5452).
 */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ddns/error.h"
#include "transport/transport.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline; 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
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

static int tcp_exchange(const struct ddns_addr *server, const uint8_t *query, size_t qlen,
                        uint8_t *reply, size_t *reply_len, int64_t deadline)
{
	uint8_t frame[2 + DDNS_MSG_MAX];
	if (qlen > DDNS_MSG_MAX)
		return DDNS_EINVAL;
	int fd = open_connected(server, SOCK_STREAM, deadline);
	if (fd < 0)
		return now_ms() >= deadline ? DDNS_ETIMEOUT : DDNS_ENETWORK;
	/* Length prefix and message in one write: two writes cost a delayed-ACK round trip. */
	frame[0] = (uint8_t)(qlen >> 8);
	frame[1] = (uint8_t)qlen;
	memcpy(frame + 2, query, qlen);
	int rc = DDNS_OK;
	size_t sent = 0;
	while (rc == DDNS_OK && sent < qlen + 2) {
		if (wait_fd(fd, POLLOUT, deadline) != 1) {
			rc = DDNS_ETIMEOUT;
			break;
		}
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
		size_t n = (size_t)len[0] << 8 | len[1];
		rc = read_full(fd, reply, n, deadline);
		if (rc == DDNS_OK && n >= 2 && memcmp(reply, query, 2) == 0) {
			*reply_len = n;
			break;
		}
	}
	close(fd);
	return rc;
}

static int socket_exchange(void *ctx, const struct ddns_addr *server, bool tcp,
                           const uint8_t *query, size_t qlen, uint8_t *reply, size_t *reply_len,
                           int timeout_ms)
{
	(void)ctx;
	int64_t deadline = now_ms() + timeout_ms;
	if (tcp)
		return tcp_exchange(server, query, qlen, reply, reply_len, deadline);
	return udp_exchange(server, query, qlen, reply, reply_len, deadline);
}

const struct ddns_transport ddns_socket_transport = {socket_exchange, NULL};
