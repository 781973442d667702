/* SPDX-License-Identifier: MPL-2.0 */
/* The socket transport's TCP connection reuse, against a loopback server thread in the test. */
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddns/error.h"
#include "transport/transport.h"

/* Answers each framed message with the same bytes and QR set; closes a connection after each
 * reply when close_after_reply is set. */
struct echo_server {
	int listen_fd;
	struct ddns_addr addr;
	pthread_t thread;
	bool close_after_reply;
	int accepted; /* connections accepted so far; under lock */
	pthread_mutex_t lock;
	int stop_pipe[2];
};

static bool read_exact(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

static void serve_connection(struct echo_server *srv, int fd)
{
	uint8_t msg[2 + 512];
	for (;;) {
		struct pollfd p[2] = {{fd, POLLIN, 0}, {srv->stop_pipe[0], POLLIN, 0}};
		if (poll(p, 2, -1) <= 0 || p[1].revents != 0)
			break;
		if (!read_exact(fd, msg, 2))
			break;
		size_t len = (size_t)msg[0] << 8 | msg[1];
		if (len > 512 || !read_exact(fd, msg + 2, len))
			break;
		msg[4] |= 0x80;
		if (write(fd, msg, len + 2) != (ssize_t)(len + 2) || srv->close_after_reply)
			break;
	}
	close(fd);
}

static void *echo_main(void *arg)
{
	struct echo_server *srv = arg;
	for (;;) {
		struct pollfd p[2] = {{srv->listen_fd, POLLIN, 0}, {srv->stop_pipe[0], POLLIN, 0}};
		if (poll(p, 2, -1) <= 0 || p[1].revents != 0)
			return NULL;
		int fd = accept(srv->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&srv->lock);
		srv->accepted++;
		pthread_mutex_unlock(&srv->lock);
		serve_connection(srv, fd);
	}
}

static int setup(void **state)
{
	struct echo_server *srv = calloc(1, sizeof(*srv));
	struct sockaddr_in *sin = (struct sockaddr_in *)&srv->addr.sa;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv->addr.len = sizeof(*sin);
	srv->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(srv->listen_fd >= 0);
	assert_int_equal(bind(srv->listen_fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	socklen_t len = sizeof(*sin);
	assert_int_equal(getsockname(srv->listen_fd, (struct sockaddr *)sin, &len), 0);
	/* With its text, as every address the engine uses: the pool tells servers apart by it. */
	struct in_addr loopback = sin->sin_addr;
	ddns_addr_from_bytes(AF_INET, &loopback, ntohs(sin->sin_port), &srv->addr);
	assert_int_equal(listen(srv->listen_fd, 8), 0);
	assert_int_equal(pipe(srv->stop_pipe), 0);
	pthread_mutex_init(&srv->lock, NULL);
	*state = srv;
	return 0;
}

static int teardown(void **state)
{
	struct echo_server *srv = *state;
	assert_int_equal(write(srv->stop_pipe[1], "x", 1), 1);
	pthread_join(srv->thread, NULL);
	close(srv->stop_pipe[0]);
	close(srv->stop_pipe[1]);
	close(srv->listen_fd);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
	return 0;
}

static int accepted(struct echo_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	int n = srv->accepted;
	pthread_mutex_unlock(&srv->lock);
	return n;
}

/* Sends a 12-byte header with the given ID and checks the echo. */
static void exchange_ok(const struct ddns_transport *t, struct echo_server *srv, uint16_t id)
{
	uint8_t query[12] = {(uint8_t)(id >> 8), (uint8_t)id};
	uint8_t *reply = malloc(DDNS_MSG_MAX);
	size_t len = 0;
	assert_int_equal(
	    t->exchange(t->ctx, &srv->addr, true, query, sizeof(query), reply, &len, 2000),
	    DDNS_OK);
	assert_int_equal(len, sizeof(query));
	assert_int_equal(reply[0] << 8 | reply[1], id);
	assert_true(reply[2] & 0x80);
	free(reply);
}

static void pooled_exchanges_share_one_connection(void **state)
{
	struct echo_server *srv = *state;
	pthread_create(&srv->thread, NULL, echo_main, srv);
	struct ddns_socket_pool *pool = ddns_socket_pool_new();
	struct ddns_transport t = ddns_socket_pool_transport(pool);
	for (uint16_t id = 1; id <= 5; id++)
		exchange_ok(&t, srv, id);
	assert_int_equal(accepted(srv), 1);
	ddns_socket_pool_free(pool);
}

static void without_a_pool_each_exchange_connects(void **state)
{
	struct echo_server *srv = *state;
	pthread_create(&srv->thread, NULL, echo_main, srv);
	exchange_ok(&ddns_socket_transport, srv, 1);
	exchange_ok(&ddns_socket_transport, srv, 2);
	assert_int_equal(accepted(srv), 2);
}

static void connection_closed_by_the_server_is_replaced(void **state)
{
	struct echo_server *srv = *state;
	srv->close_after_reply = true;
	pthread_create(&srv->thread, NULL, echo_main, srv);
	struct ddns_socket_pool *pool = ddns_socket_pool_new();
	struct ddns_transport t = ddns_socket_pool_transport(pool);
	exchange_ok(&t, srv, 1);
	exchange_ok(&t, srv, 2);
	exchange_ok(&t, srv, 3);
	assert_int_equal(accepted(srv), 3);
	ddns_socket_pool_free(pool);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(pooled_exchanges_share_one_connection),
	    T(without_a_pool_each_exchange_connects),
	    T(connection_closed_by_the_server_is_replaced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
