/* SPDX-License-Identifier: MPL-2.0 */
/*
 * A DHCP server's Kea configuration as the probe reads it: the ddns-direct entry's parameters for
 * --config, and for --from-d2 --dhcp-config what moving from D2 changes there (printed as comments
 * above the entry, so the output stays Kea's JSON) and, with --check, the pools whose addresses no
 * D2 reverse domain covers.
 */
#ifndef DDNS_PROBE_DHCP_CONFIG_H
#define DDNS_PROBE_DHCP_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct json;

/* A DHCP server's configuration, read with its includes; free with ddns_dhcp_config_free. */
struct ddns_dhcp_config {
	struct json *root;
	const struct json *server; /* the Dhcp4 or Dhcp6 object */
	bool v6;
};

/* Reads path; on failure says why on stderr and returns false. */
bool ddns_dhcp_config_read(const char *path, struct ddns_dhcp_config *out);

void ddns_dhcp_config_free(struct ddns_dhcp_config *cfg);

/* The hooks-libraries entry of server (a Dhcp4 or Dhcp6 object) whose library path contains
 * name, or NULL. Borrowed. */
const struct json *ddns_dhcp_config_library(const struct json *server, const char *name);

/* Writes, as "// " lines, the changes the server's configuration needs for ddns-direct. */
void ddns_dhcp_config_changes(const struct ddns_dhcp_config *cfg, const char *path, FILE *out);

/*
 * Calls each for the first address of every pool of every subnet (shared networks included), as
 * the pool's text and its reverse name. Returns the number of pools.
 */
size_t ddns_dhcp_config_pools(const struct ddns_dhcp_config *cfg,
                              void (*each)(void *ctx, const char *pool, const char *reverse),
                              void *ctx);

#endif
