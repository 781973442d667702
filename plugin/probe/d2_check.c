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
#include "util/name.h"

#define TIMEOUT_MS 2000

struct check {
	struct ddns_locator *loc;
	FILE *out;
	size_t flagged; /* disagreements and failures so far */
};

static void flag(struct check *c, const char *what)
{
	fprintf(c->out, "  MISMATCH: %s\n", what);
	c->flagged++;
}

/* Whether server (D2's text) is one of the discovered targets. */
static bool is_target(const struct ddns_target_set *ts, const char *server)
{
	struct ddns_addr a;
	if (ddns_addr_parse(server, 53, &a) != DDNS_OK)
		return false;
	for (size_t i = 0; i < ts->n_targets; i++)
		if (ddns_addr_equal(&a, &ts->targets[i].addr))
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
	for (size_t i = 0; i < d->n_servers && !primary_listed; i++) {
		struct ddns_addr a;
		primary_listed = ddns_addr_parse(d->servers[i], 53, &a) == DDNS_OK &&
		                 ddns_addr_equal(&a, &ts.targets[0].addr);
	}
	if (!primary_listed) {
		snprintf(line, sizeof(line), "the primary %s (%s) is not among D2's servers",
		         ts.targets[0].name, ts.targets[0].addr.text);
		flag(c, line);
	}
	if (c->flagged == before)
		fprintf(c->out, "  OK\n");
}

int ddns_d2_check(const char *path, const struct ddns_config *cfg, FILE *out)
{
	/* Discovery alone: a copy of the configuration without its zones. */
	struct ddns_config bare = *cfg;
	bare.zones = NULL;
	bare.n_zones = 0;
	struct check c = {ddns_locator_new(&bare, &ddns_socket_transport, TIMEOUT_MS), out, 0};
	if (c.loc == NULL) {
		fprintf(stderr, "ddns-direct-probe: out of memory\n");
		return 2;
	}
	char err[512];
	int rc = ddns_d2_domains(path, check_domain, &c, err, sizeof(err));
	ddns_locator_free(c.loc);
	if (rc != DDNS_OK) {
		fprintf(stderr, "ddns-direct-probe: %s\n", err);
		return 2;
	}
	fprintf(out, "%zu disagreement%s between D2 and discovery\n", c.flagged,
	        c.flagged == 1 ? "" : "s");
	return c.flagged == 0 ? 0 : 1;
}
