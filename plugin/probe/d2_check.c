/* SPDX-License-Identifier: MPL-2.0 */
/* D2's servers beside discovery; see d2_check.h. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config/from_d2.h"
#include "ddns/error.h"
#include "discovery/locate.h"
#include "probe/d2_check.h"
#include "util/addr.h"
#include "util/log.h"
#include "util/name.h"

#define TIMEOUT_MS  2000
#define MAX_REVERSE 256 /* D2's reverse domains kept for the pools' check */

struct check {
	struct ddns_locator *loc;
	FILE *out;
	size_t flagged;                           /* disagreements and failures */
	char reverse[MAX_REVERSE][DDNS_NAME_MAX]; /* D2's reverse domains */
	size_t n_reverse;
};

static void flag(struct check *c, const char *what)
{
	fprintf(c->out, "  MISMATCH: %s\n", what);
	c->flagged++;
}

/* Whether server (D2's text) is addr. */
static bool same_server(const char *server, const struct ddns_addr *addr)
{
	struct ddns_addr a;
	return ddns_addr_parse(server, 53, &a) == DDNS_OK && ddns_addr_equal(&a, addr);
}

/* Whether server (D2's text) is one of the discovered targets. */
static bool is_target(const struct ddns_target_set *ts, const char *server)
{
	for (size_t i = 0; i < ts->n_targets; i++)
		if (same_server(server, &ts->targets[i].addr))
			return true;
	return false;
}

static void check_domain(void *ctx, const struct ddns_d2_domain *d)
{
	struct check *c = ctx;
	char line[1024], zone[DDNS_NAME_MAX];
	const char *why;
	fprintf(c->out, "%s domain %s\n  D2 servers: ", d->reverse ? "reverse" : "forward",
	        d->name);
	for (size_t i = 0; i < d->n_servers; i++)
		fprintf(c->out, "%s%s", i > 0 ? ", " : "", d->servers[i]);
	fprintf(c->out, "%s\n", d->n_servers == 0 ? "(none)" : "");
	if (ddns_name_normalize(d->name, NAME_SERVICE, false, zone, &why) != DDNS_OK) {
		snprintf(line, sizeof(line), "'%s' is not a domain name: %s", d->name, why);
		flag(c, line);
		return;
	}
	if (d->reverse && c->n_reverse < MAX_REVERSE)
		memcpy(c->reverse[c->n_reverse++], zone, sizeof(zone));
	struct ddns_target_set ts;
	int rc = ddns_locate(c->loc, zone, false, &ts);
	if (rc != DDNS_OK) {
		snprintf(line, sizeof(line), "discovery failed: %s", ddns_strerror(rc));
		flag(c, line);
		return;
	}
	fprintf(c->out, "  discovered: zone %s, primary %s (%s)", ts.zone, ts.targets[0].name,
	        ts.targets[0].addr.text);
	for (size_t i = 1; i < ts.n_targets; i++)
		fprintf(c->out, "%s%s (%s)", i == 1 ? "; then " : ", ", ts.targets[i].name,
		        ts.targets[i].addr.text);
	fprintf(c->out, "\n");
	size_t before = c->flagged;
	if (strcmp(ts.zone, zone) != 0) {
		snprintf(
		    line, sizeof(line),
		    "%s is not a zone of its own: its names belong to zone %s (%s)", zone, ts.zone,
		    ddns_name_in_zone(zone, ts.zone)
		        ? "D2 names the domain as the zone of its updates, which a server "
		          "refuses: NOTAUTH or NOTZONE"
		        : "a zone below the domain: D2 sends its names to the domain's servers "
		          "under the wrong zone");
		flag(c, line);
	}
	for (size_t i = 0; i < d->n_servers; i++)
		if (!is_target(&ts, d->servers[i])) {
			snprintf(
			    line, sizeof(line),
			    "D2 sends to %s, which is neither the primary of %s nor one of its "
			    "name servers",
			    d->servers[i], ts.zone);
			flag(c, line);
		}
	bool primary_listed = false;
	for (size_t i = 0; i < d->n_servers && !primary_listed; i++)
		primary_listed = same_server(d->servers[i], &ts.targets[0].addr);
	if (!primary_listed) {
		snprintf(line, sizeof(line), "the primary %s (%s) is not among D2's servers",
		         ts.targets[0].name, ts.targets[0].addr.text);
		flag(c, line);
	}
	if (c->flagged == before)
		fprintf(c->out, "  OK\n");
}

/* A pool whose reverse name no D2 reverse domain covers: D2 never published its PTRs. */
static void check_pool(void *ctx, const char *pool, const char *reverse)
{
	struct check *c = ctx;
	for (size_t i = 0; i < c->n_reverse; i++)
		if (ddns_name_in_zone(reverse, c->reverse[i]))
			return;
	char line[1024];
	snprintf(line, sizeof(line),
	         "pool %s: no D2 reverse domain covers %s, so D2 never published its PTR "
	         "records (ddns-direct will, in the reverse zone it finds)",
	         pool, reverse);
	flag(c, line);
}

/* Discovery's own lines: only its warnings and errors (on stderr); the report says the rest. */
static bool warnings_only(void *ctx, enum ddns_log_level level)
{
	(void)ctx;
	return level >= DDNS_LOG_WARN;
}

int ddns_d2_check(const char *path, const struct ddns_config *cfg,
                  const struct ddns_dhcp_config *dhcp, FILE *out)
{
	ddns_log_set_filter(warnings_only);
	/* Discovery alone: a copy of the configuration without its zones. */
	struct ddns_config bare = *cfg;
	bare.zones = NULL;
	bare.n_zones = 0;
	struct check *c = calloc(1, sizeof(*c)); /* the reverse domains make it large */
	if (c != NULL) {
		c->loc = ddns_locator_new(&bare, &ddns_socket_transport, TIMEOUT_MS);
		c->out = out;
	}
	if (c == NULL || c->loc == NULL) {
		free(c);
		fprintf(stderr, "ddns-direct-probe: out of memory\n");
		return 2;
	}
	char err[512];
	int rc = ddns_d2_domains(path, check_domain, c, err, sizeof(err));
	ddns_locator_free(c->loc);
	if (rc != DDNS_OK) {
		fprintf(stderr, "ddns-direct-probe: %s\n", err);
		free(c);
		return 2;
	}
	if (dhcp != NULL) {
		fprintf(out, "pools of the DHCP server\n");
		size_t before = c->flagged;
		size_t pools = ddns_dhcp_config_pools(dhcp, check_pool, c);
		if (c->flagged == before)
			fprintf(out, "  OK: %zu pool%s, each under a D2 reverse domain\n", pools,
			        pools == 1 ? "" : "s");
	}
	size_t flagged = c->flagged;
	free(c);
	fprintf(out, "%zu disagreement%s between D2 and discovery\n", flagged,
	        flagged == 1 ? "" : "s");
	return flagged == 0 ? 0 : 1;
}
