/* SPDX-License-Identifier: MPL-2.0 */
/*
 * ddns-direct-probe --from-d2 FILE --check: for each of D2's domains, D2's hand-listed servers
 * beside what discovery finds (the zone, its primary, the other targets), each disagreement
 * flagged: a listed server discovery does not find, a primary D2 does not list, a domain that is
 * not a zone of its own; given the DHCP server's configuration, a pool no reverse domain covers.
 */
#ifndef DDNS_PROBE_D2_CHECK_H
#define DDNS_PROBE_D2_CHECK_H

#include <stdio.h>

#include "config/config.h"
#include "probe/dhcp_config.h"

/*
 * Runs discovery for every domain of the D2 configuration in path with cfg's resolvers (cfg's
 * zones are not consulted) and prints the report to out; with dhcp (may be NULL), also each pool
 * of the DHCP server whose reverse name no D2 reverse domain covers. Returns 0 when everything
 * agrees, 1 when anything is flagged or a discovery failed, 2 when the file cannot be read (said
 * on stderr).
 */
int ddns_d2_check(const char *path, const struct ddns_config *cfg,
                  const struct ddns_dhcp_config *dhcp, FILE *out);

#endif
