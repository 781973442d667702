/* SPDX-License-Identifier: MPL-2.0 */
/*
 * A lease event as the engine sees it: a plain copy of what a Kea callout knew, with no Kea types,
 * so that the engine can be driven by Kea, by tests with mock leases, or by any other source.
 */
#ifndef DDNS_LEASE_H
#define DDNS_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ddns_lease_kind {
	DDNS_LEASE_GRANTED,  /* new lease or renewal: publish */
	DDNS_LEASE_RELEASED, /* client released it, or it was replaced: remove */
	DDNS_LEASE_DECLINED, /* client declined the address: remove */
	DDNS_LEASE_EXPIRED,  /* lifetime ran out and Kea reclaimed it: remove */
	/* From ddns_engine_resync, never from a callout: */
	DDNS_LEASE_REPUBLISH, /* the lease database holds it: publish, re-sending what is recorded
	                       */
	DDNS_LEASE_GONE,      /* no lease holds fqdn at address: withdraw it if it is recorded */
};

/* Which client identity the id bytes hold (RFC 4701 identifier types). */
enum ddns_id_type {
	DDNS_ID_NONE = -1,     /* no identity known */
	DDNS_ID_HWADDR = 0,    /* DHCPv4 htype + chaddr: id[0] is the htype */
	DDNS_ID_CLIENT_ID = 1, /* DHCPv4 client identifier option */
	DDNS_ID_DUID = 2,      /* DHCPv6 DUID */
};

#define DDNS_FQDN_MAX 256
#define DDNS_ID_MAX   256

/*
 * Kea's own DDNS settings in force for one client, where the running Kea has them (2.6 and later
 * pass them to ddns4_update and ddns6_update; 3.0 adds ddns-ttl, -min and -max). A zero member is
 * one Kea does not set for this client: the plugin's own parameter applies.
 */
struct ddns_client_dns {
	uint8_t conflict_mode; /* from ddns_client_conflict_mode; 0: not set */
	uint32_t ttl;          /* ddns-ttl */
	double ttl_percent;    /* ddns-ttl-percent */
	uint32_t ttl_min;      /* ddns-ttl-min */
	uint32_t ttl_max;      /* ddns-ttl-max */
};

/*
 * The conflict_mode value for one of Kea's "ddns-conflict-resolution-mode" names (the plugin's
 * "conflict-resolution" takes the same four); 0 for an empty or unknown name. Thread: any.
 */
uint8_t ddns_client_conflict_mode(const char *kea_name);

struct ddns_lease_event {
	enum ddns_lease_kind kind;
	int family;                 /* AF_INET or AF_INET6 */
	uint8_t address[16];        /* 4 bytes used for AF_INET */
	char fqdn[DDNS_FQDN_MAX];   /* name as Kea decided it; empty when it has none */
	bool forward;               /* Kea's decision to update forward DNS (GRANTED only) */
	bool reverse;               /* Kea's decision to update reverse DNS (GRANTED only) */
	enum ddns_id_type id_type;  /* kind of the identity below */
	uint16_t id_len;            /* bytes used in id */
	uint8_t id[DDNS_ID_MAX];    /* client identity, for DHCID */
	uint32_t lifetime;          /* valid lifetime in seconds */
	int64_t expires;            /* when the lease ends, in seconds since the epoch; 0: unknown.
	                               A grant handled after that (a replay after a restart) is
	                               not published: the lease is over */
	struct ddns_client_dns dns; /* Kea's settings for this client (GRANTED only); zeroes: none.
	                               Last, so that a shorter record (an earlier release's) reads
	                               as one without them */
};

#ifdef __cplusplus
}
#endif

#endif
