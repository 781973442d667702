/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The conflict resolution modes (RFC 4703) a change is made under, and the record that proves
 * who owns a name, in a header of their own so that the configuration needs no DNS library to
 * declare them.
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

/* The record a zone's names carry as their owner's mark. */
enum ddns_ownership {
	DDNS_OWNER_AUTO,  /* DHCID, and TXT once a server of the zone answers NOTIMP to DHCID */
	DDNS_OWNER_DHCID, /* a DHCID record (RFC 4701) */
	DDNS_OWNER_TXT,   /* a TXT record holding the same digest (base64), for servers without
	                     DHCID, as ISC dhcpd's interim scheme kept its mark in TXT */
	DDNS_OWNER_NONE,  /* no mark: plain replace, the server's own access rules decide */
};

#endif
