/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The plugin's parameters (the "parameters" map of its hooks-libraries entry), validated once at
 * load into one immutable object. Every rejection names the parameter path and the problem, and
 * never includes a secret.
 */
#ifndef DDNS_CONFIG_H
#define DDNS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddns/lease.h"
#include "gss/mech.h"
#include "transport/key.h"
#include "update/conflict.h"
#include "util/addr.h"

#define DDNS_GSS_KEY_NAME         "gss-tsig."
#define DDNS_GSS_LIFETIME_DEFAULT 3600

struct ddns_zone_cfg {
	char *name;                /* normalised zone name */
	struct ddns_addr *servers; /* pinned update targets, in order; NULL when none */
	size_t n_servers;          /* number of pinned targets */
	const struct ddns_tsig_key
	    *key;    /* key for this zone, borrowed from the config; NULL: unsigned */
	bool update; /* false: names in this zone are never updated */
	enum ddns_ownership ownership; /* "ownership": the record that marks a name's owner */
};

struct ddns_config {
	struct ddns_addr *resolvers;             /* recursive servers for every lookup */
	size_t n_resolvers;                      /* at least one */
	struct ddns_tsig_key *keys;              /* all keys defined in tsig-keys */
	size_t n_keys;                           /* number of keys */
	const struct ddns_tsig_key *default_key; /* for zones without "key"; NULL: unsigned */
	struct ddns_gss_cfg *gss;                /* NULL: no "gss-tsig" block */
	struct ddns_tsig_key gss_key;            /* the reserved key, usable when gss is set */
	struct ddns_zone_cfg *zones;             /* per-zone settings */
	size_t n_zones;                          /* number of zone entries */
	bool forward;                            /* publish forward (A) records */
	bool reverse;                            /* publish reverse (PTR) records */
	uint32_t ttl;                            /* 0: derived from the lease lifetime */
	double ttl_percent;                      /* share of the lifetime for a derived TTL */
	uint32_t ttl_min;                        /* floor of a derived TTL */
	uint32_t ttl_max;                        /* cap of a derived TTL */
	enum ddns_conflict_mode conflict_mode;   /* how a name already in use is treated */
	char *state_dir;                         /* directory for the plugin's own state */
	uint32_t state_dir_reserve;              /* MiB held there for a full disk; 0: none */
	uint32_t max_queue;            /* lease events held in memory; the rest wait on disk */
	uint32_t log_summary_interval; /* seconds between summary lines; 0: none */
	char **allowed;                /* "allowed-suffixes"; names outside are never sent */
	size_t n_allowed;              /* 0: the zones list decides (all names when empty) */
};

/*
 * Parses the parameters JSON text (an object). resolv_conf is the file read for default resolvers
 * when "resolvers" is absent (normally "/etc/resolv.conf"). On success stores a new config (free
 * with ddns_config_free) and returns DDNS_OK; on failure returns DDNS_ECONFIG (or DDNS_ENOMEM) and
 * writes one sentence into err, of the form "parameter 'zones[1].key': no tsig-keys entry named
 * 'k9'". Thread: any.
 */
int ddns_config_parse(const char *json, const char *resolv_conf, struct ddns_config **out,
                      char *err, size_t errlen);

struct json;

/* As ddns_config_parse, from an already parsed parameters object (borrowed). */
int ddns_config_from_json(const struct json *params, const char *resolv_conf,
                          struct ddns_config **out, char *err, size_t errlen);

/* Frees the config and wipes its secrets; NULL is ignored. */
void ddns_config_free(struct ddns_config *cfg);

/* The zone entry with the longest suffix match for a normalised name, or NULL. Borrowed. */
const struct ddns_zone_cfg *ddns_config_zone_for(const struct ddns_config *cfg, const char *name);

/*
 * Whether a client's name may be published at all: it must lie under one of "allowed-suffixes"
 * when that is set, else under one of the "zones" entries when any is configured, else anything
 * goes (discovery decides).
 */
bool ddns_config_allows(const struct ddns_config *cfg, const char *name);

/* The key to sign updates to zone (normalised), given the matching entry (may be NULL). */
const struct ddns_tsig_key *ddns_config_key_for(const struct ddns_config *cfg,
                                                const struct ddns_zone_cfg *entry);

#define DDNS_TTL_FLOOR         60
#define DDNS_MAX_QUEUE_DEFAULT 20000

/*
 * TTL for the records of a lease with this lifetime. The plugin's own rule: the fixed "ttl" when
 * set, else "ttl-percent" of the lifetime (default a third, RFC 4702 section 5) within
 * ["ttl-min", "ttl-max"] (defaults DDNS_TTL_FLOOR and 2^31-1). Kea's settings for the client (kea;
 * NULL or zeroes: none) win member by member: Kea's fixed ddns-ttl first; the plugin's fixed "ttl"
 * only when Kea sets none of the derived ones; else the percentage, floor and cap each from Kea
 * where it sets them.
 */
uint32_t ddns_config_client_ttl(const struct ddns_config *cfg, const struct ddns_client_dns *kea,
                                uint32_t lifetime);

/* The conflict mode for one client: Kea's where it sets one, else the plugin's. */
enum ddns_conflict_mode ddns_config_client_mode(const struct ddns_config *cfg,
                                                const struct ddns_client_dns *kea);

#endif
