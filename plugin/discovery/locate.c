/* SPDX-License-Identifier: MPL-2.0 */
/* Target selection; see locate.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddns/error.h"
#include "discovery/locate.h"

struct ddns_locator {
	const struct ddns_config *cfg;          /* borrowed */
	const struct ddns_transport *transport; /* borrowed; used by discovery */
	int timeout_ms;                         /* per lookup */
};

struct ddns_locator *ddns_locator_new(const struct ddns_config *cfg,
                                      const struct ddns_transport *transport, int timeout_ms)
{
	struct ddns_locator *loc = calloc(1, sizeof(*loc));
	if (loc == NULL)
		return NULL;
	loc->cfg = cfg;
	loc->transport = transport;
	loc->timeout_ms = timeout_ms;
	return loc;
}

void ddns_locator_free(struct ddns_locator *loc)
{
	free(loc);
}

int ddns_locate(struct ddns_locator *loc, const char *owner, struct ddns_target_set *out)
{
	const struct ddns_zone_cfg *entry = ddns_config_zone_for(loc->cfg, owner);
	if (entry != NULL && !entry->update)
		return DDNS_EEXCLUDED;
	if (entry == NULL || entry->n_servers == 0)
		return DDNS_ENOZONE;
	snprintf(out->zone, sizeof(out->zone), "%s", entry->name);
	out->n_targets = 0;
	for (size_t i = 0; i < entry->n_servers && i < DDNS_TARGETS_MAX; i++) {
		struct ddns_target *t = &out->targets[out->n_targets++];
		t->addr = entry->servers[i];
		snprintf(t->name, sizeof(t->name), "%s", entry->servers[i].text);
	}
	out->key = ddns_config_key_for(loc->cfg, entry);
	return DDNS_OK;
}
