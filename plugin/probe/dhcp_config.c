/* SPDX-License-Identifier: MPL-2.0 */
/* The DHCP server's side of moving from D2; see dhcp_config.h. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ddns/error.h"
#include "probe/dhcp_config.h"
#include "update/update.h"
#include "util/json.h"
#include "util/kea_file.h"

bool ddns_dhcp_config_read(const char *path, struct ddns_dhcp_config *out)
{
	char *text = NULL, err[512];
	size_t len = 0;
	memset(out, 0, sizeof(*out));
	if (ddns_kea_file_read(path, &text, &len, err, sizeof(err)) != DDNS_OK) {
		fprintf(stderr, "ddns-direct-probe: %s\n", err);
		return false;
	}
	int rc = json_parse(text, len, &out->root, err, sizeof(err));
	explicit_bzero(text, len);
	free(text);
	if (rc != DDNS_OK) {
		fprintf(stderr, "ddns-direct-probe: %s: %s\n", path, err);
		return false;
	}
	out->server = json_get(out->root, "Dhcp4");
	if (out->server == NULL) {
		out->server = json_get(out->root, "Dhcp6");
		out->v6 = true;
	}
	if (out->server == NULL || out->server->type != JSON_OBJECT) {
		fprintf(stderr, "ddns-direct-probe: %s: no \"Dhcp4\" or \"Dhcp6\" object\n", path);
		ddns_dhcp_config_free(out);
		return false;
	}
	return true;
}

void ddns_dhcp_config_free(struct ddns_dhcp_config *cfg)
{
	json_free(cfg->root);
	cfg->root = NULL;
	cfg->server = NULL;
}

const struct json *ddns_dhcp_config_library(const struct json *server, const char *name)
{
	const struct json *libs = json_get(server, "hooks-libraries");
	for (size_t i = 0; libs != NULL && libs->type == JSON_ARRAY && i < libs->count; i++) {
		const struct json *lib = json_get(libs->values[i], "library");
		if (lib != NULL && lib->type == JSON_STRING && strstr(lib->string, name) != NULL)
			return libs->values[i];
	}
	return NULL;
}

void ddns_dhcp_config_changes(const struct ddns_dhcp_config *cfg, const char *path, FILE *out)
{
	static const char *const d2_address[] = {"server-ip",   "server-port",    "sender-ip",
	                                         "sender-port", "max-queue-size", "ncr-protocol",
	                                         "ncr-format"};
	const char *server = cfg->v6 ? "Dhcp6" : "Dhcp4";
	fprintf(out, "// Changes to %s (%s) for ddns-direct:\n", path, server);
	if (ddns_dhcp_config_library(cfg->server, "ddns_direct") != NULL)
		fprintf(out,
		        "// - hooks-libraries: give the ddns-direct entry there the parameters "
		        "below\n");
	else
		fprintf(out, "// - hooks-libraries: add the entry below\n");
	if (ddns_dhcp_config_library(cfg->server, "lease_cmds") == NULL)
		fprintf(out, "// - hooks-libraries: add libdhcp_lease_cmds.so before it (for "
		             "ddns-direct-resync)\n");
	const struct json *ddns = json_get(cfg->server, "dhcp-ddns");
	const struct json *enable = json_get(ddns, "enable-updates");
	if (enable != NULL && enable->type == JSON_BOOL && enable->boolean)
		fprintf(out,
		        "// - dhcp-ddns: keep \"enable-updates\": true (Kea computes the names "
		        "only then)\n");
	else
		fprintf(out, "// - dhcp-ddns: set \"enable-updates\": true (Kea computes the names "
		             "only then; ddns-direct tells it not to send them to D2)\n");
	for (size_t i = 0; i < sizeof(d2_address) / sizeof(d2_address[0]); i++)
		if (json_get(ddns, d2_address[i]) != NULL)
			fprintf(out, "// - dhcp-ddns: \"%s\" is about D2 and is no longer used\n",
			        d2_address[i]);
	fprintf(out, "// - the ddns-* settings (qualifying suffix, replace-client-name, conflict "
	             "resolution) stay: ddns-direct follows them\n"
	             "// - D2 is no longer needed: once ddns-direct-status shows updates applied, "
	             "stop and disable kea-dhcp-ddns\n");
}

/* Calls each for the first address of every pool of subnets (an array of subnet objects). */
static size_t subnet_pools(const struct json *subnets, int family,
                           void (*each)(void *ctx, const char *pool, const char *reverse),
                           void *ctx)
{
	size_t n = 0;
	for (size_t i = 0; subnets != NULL && subnets->type == JSON_ARRAY && i < subnets->count;
	     i++) {
		const struct json *pools = json_get(subnets->values[i], "pools");
		for (size_t k = 0; pools != NULL && pools->type == JSON_ARRAY && k < pools->count;
		     k++) {
			const struct json *pool = json_get(pools->values[k], "pool");
			if (pool == NULL || pool->type != JSON_STRING)
				continue;
			char first[64];
			const char *p = pool->string;
			while (*p == ' ')
				p++;
			size_t len = strcspn(p, " -/");
			snprintf(first, sizeof(first), "%.*s", (int)len, p);
			uint8_t address[16];
			char reverse[DDNS_NAME_MAX];
			if (inet_pton(family, first, address) != 1)
				continue;
			ddns_reverse_name(family, address, reverse);
			each(ctx, pool->string, reverse);
			n++;
		}
	}
	return n;
}

size_t ddns_dhcp_config_pools(const struct ddns_dhcp_config *cfg,
                              void (*each)(void *ctx, const char *pool, const char *reverse),
                              void *ctx)
{
	const char *key = cfg->v6 ? "subnet6" : "subnet4";
	int family = cfg->v6 ? AF_INET6 : AF_INET;
	size_t n = subnet_pools(json_get(cfg->server, key), family, each, ctx);
	const struct json *shared = json_get(cfg->server, "shared-networks");
	for (size_t i = 0; shared != NULL && shared->type == JSON_ARRAY && i < shared->count; i++)
		n += subnet_pools(json_get(shared->values[i], key), family, each, ctx);
	return n;
}
