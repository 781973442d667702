/* SPDX-License-Identifier: MPL-2.0 */
/* Server addresses as the configuration writes them: IPv4, IPv4:port, IPv6, [IPv6]:port. */
#ifndef DDNS_UTIL_ADDR_H
#define DDNS_UTIL_ADDR_H

#include <stdint.h>
#include <stdbool.h>
#include <sys/socket.h>

struct ddns_addr {
	struct sockaddr_storage sa; /* AF_INET or AF_INET6 with the port set */
	socklen_t len;              /* size of the sockaddr actually used */
	char text[64];              /* canonical text, "[v6]:port" form when the port is not 53 */
};

/* Parses text into out with default_port when none is written. Returns DDNS_OK, or DDNS_EINVAL on
 * bad syntax. */
int ddns_addr_parse(const char *text, uint16_t default_port, struct ddns_addr *out);

/* Whether a and b are the same address and port (their canonical texts are equal). */
bool ddns_addr_equal(const struct ddns_addr *a, const struct ddns_addr *b);

/* Builds an address from raw bytes (4 or 16) and a port. */
void ddns_addr_from_bytes(int family, const void *bytes, uint16_t port, struct ddns_addr *out);

#endif
