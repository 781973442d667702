/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The conflict resolution modes (RFC 4703) a change is made under, in a header of its own so that
 * the configuration needs no DNS library to declare one.
 */
#ifndef DDNS_UPDATE_CONFLICT_H
#define DDNS_UPDATE_CONFLICT_H

/* Kea's "ddns-conflict-resolution-mode" values, same names and meanings (RFC 4703). */
enum ddns_conflict_mode {
	DDNS_CHECK_WITH_DHCID,        /* a name is taken over only by its own client */
	DDNS_NO_CHECK_WITH_DHCID,     /* overwrite, but still record the DHCID */
	DDNS_CHECK_EXISTS_WITH_DHCID, /* a name with any DHCID may be taken over */
	DDNS_NO_CHECK_WITHOUT_DHCID,  /* overwrite, no DHCID at all */
};

#endif
