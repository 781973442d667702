/* SPDX-License-Identifier: MPL-2.0 */
/* Address parsing; see addr.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddns/error.h"
#include "util/addr.h"

static void describe(struct ddns_addr *a)
{
	char host[INET6_ADDRSTRLEN];
	uint16_t port;
	if (a->sa.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&a->sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		if (port == 53)
			snprintf(a->text, sizeof(a->text), "%s", host);
		else
			snprintf(a->text, sizeof(a->text), "%s:%u", host, port);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		if (port == 53)
			snprintf(a->text, sizeof(a->text), "%s", host);
		else
			snprintf(a->text, sizeof(a->text), "[%s]:%u", host, port);
	}
}

bool ddns_addr_equal(const struct ddns_addr *a, const struct ddns_addr *b)
{
	return strcmp(a->text, b->text) == 0;
}

void ddns_addr_from_bytes(int family, const void *bytes, uint16_t port, struct ddns_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&out->sa;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, bytes, 4);
		out->len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->sa;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		memcpy(&in6->sin6_addr, bytes, 16);
		out->len = sizeof(*in6);
	}
	describe(out);
}

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	if (*s == '\0')
		return DDNS_EINVAL;
	unsigned long v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535)
		return DDNS_EINVAL;
	*port = (uint16_t)v;
	return DDNS_OK;
}

int ddns_addr_parse(const char *text, uint16_t default_port, struct ddns_addr *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	uint16_t port = default_port;
	unsigned char bytes[16];
	const char *colon = strchr(text, ':');

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || (size_t)(close - text - 1) >= sizeof(host))
			return DDNS_EINVAL;
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		if (close[1] != '\0' && (close[1] != ':' || parse_port(close + 2, &port) != 0))
			return DDNS_EINVAL;
		if (inet_pton(AF_INET6, host, bytes) != 1)
			return DDNS_EINVAL;
		ddns_addr_from_bytes(AF_INET6, bytes, port, out);
		return DDNS_OK;
	}
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		if (inet_pton(AF_INET6, text, bytes) != 1)
			return DDNS_EINVAL;
		ddns_addr_from_bytes(AF_INET6, bytes, port, out);
		return DDNS_OK;
	}
	size_t hostlen = colon != NULL ? (size_t)(colon - text) : strlen(text);
	if (hostlen >= sizeof(host))
		return DDNS_EINVAL;
	memcpy(host, text, hostlen);
	host[hostlen] = '\0';
	if (colon != NULL && parse_port(colon + 1, &port) != 0)
		return DDNS_EINVAL;
	if (inet_pton(AF_INET, host, bytes) != 1)
		return DDNS_EINVAL;
	ddns_addr_from_bytes(AF_INET, bytes, port, out);
	return DDNS_OK;
}
