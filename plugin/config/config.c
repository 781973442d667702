/* SPDX-License-Identifier: MPL-2.0 */
/* Parameter validation; see config.h. */
#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "config/schema.h"
#include "gss/keytab.h"
#include "ddns/error.h"
#include "util/base64.h"
#include "util/json.h"
#include "util/name.h"

#define CFG(member) offsetof(struct ddns_config, member)

static const struct {
	const char *config_name;
	const char *ldns_name;
} algorithms[] = {
    {"hmac-md5", "hmac-md5.sig-alg.reg.int."},
    {"hmac-md5.sig-alg.reg.int", "hmac-md5.sig-alg.reg.int."},
    {"hmac-sha1", "hmac-sha1."},
    {"hmac-sha224", "hmac-sha224."},
    {"hmac-sha256", "hmac-sha256."},
    {"hmac-sha384", "hmac-sha384."},
    {"hmac-sha512", "hmac-sha512."},
};

/*
 * Reads a secret file: either a BIND key file (the quoted string after "secret") or a bare base64
 * secret, surrounding white space ignored.
 */
static int read_secret_file(struct parser *p, const char *path, const char *file, char **out)
{
	FILE *f = fopen(file, "r");
	if (f == NULL)
		return schema_reject(p, path, "cannot read '%s': %s", file, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IROTH) != 0) {
		fclose(f);
		return schema_reject(
		    p, path,
		    "'%s' is readable by every user of this host: a TSIG secret file must "
		    "not be (chmod o-r)",
		    file);
	}
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	bool too_long = !feof(f);
	fclose(f);
	buf[n] = '\0';
	if (too_long) {
		explicit_bzero(buf, sizeof(buf));
		return schema_reject(p, path, "'%s' is larger than a key file can be", file);
	}
	char *start = buf, *end;
	char *kw = strstr(buf, "secret");
	if (kw != NULL) {
		start = strchr(kw, '"');
		end = start != NULL ? strchr(start + 1, '"') : NULL;
		if (start == NULL || end == NULL) {
			explicit_bzero(buf, sizeof(buf));
			return schema_reject(p, path, "'%s' has a 'secret' without a quoted value",
			                     file);
		}
		start++;
	} else {
		while (isspace((unsigned char)*start))
			start++;
		end = start + strlen(start);
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
	}
	*end = '\0';
	*out = strdup(start);
	explicit_bzero(buf, sizeof(buf));
	return *out != NULL ? DDNS_OK : DDNS_ENOMEM;
}

static int parse_algorithm(struct parser *p, const char *path, const struct json *v, void *out)
{
	const char **algorithm = out;
	int rc = schema_expect(p, path, v, JSON_STRING);
	if (rc != DDNS_OK)
		return rc;
	for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
		if (strcasecmp(v->string, algorithms[i].config_name) == 0)
			*algorithm = algorithms[i].ldns_name;
	if (*algorithm == NULL)
		return schema_reject(
		    p, path,
		    "unknown algorithm '%s' (use hmac-md5, hmac-sha1, hmac-sha224, "
		    "hmac-sha256, hmac-sha384 or hmac-sha512)",
		    v->string);
	return DDNS_OK;
}

static const struct ddns_tsig_key *find_key(const struct ddns_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_keys; i++)
		if (strcmp(cfg->keys[i].name, name) == 0)
			return &cfg->keys[i];
	return NULL;
}

/* Its key's path: path without the last member. */
static void key_path(char *out, size_t len, const char *path)
{
	const char *dot = strrchr(path, '.');
	snprintf(out, len, "%.*s", (int)(dot != NULL ? dot - path : (long)strlen(path)), path);
}

/* "secret-file", read after "secret": the file's secret becomes the key's. */
static int parse_secret_file(struct parser *p, const char *path, const struct json *v, void *out)
{
	char **secret = out, key[256];
	int rc = schema_expect(p, path, v, JSON_STRING);
	if (rc != DDNS_OK)
		return rc;
	if (*secret != NULL) {
		key_path(key, sizeof(key), path);
		return schema_reject(p, key,
		                     "exactly one of 'secret' and 'secret-file' is required");
	}
	return read_secret_file(p, path, v->string, secret);
}

static int parse_key(struct parser *p, const char *path, const struct json *v, void *out)
{
#define KEY(member) offsetof(struct ddns_tsig_key, member)
	static const struct param key_params[] = {
	    {.name = "name", .type = PARAM_NAME, .offset = KEY(name), .required = true},
	    {.name = "algorithm",
	     .type = PARAM_CUSTOM,
	     .offset = KEY(algorithm),
	     .required = true,
	     .parse = parse_algorithm},
	    {.name = "secret", .type = PARAM_STRING, .offset = KEY(secret)},
	    {.name = "secret-file",
	     .type = PARAM_CUSTOM,
	     .offset = KEY(secret),
	     .parse = parse_secret_file},
	};
#undef KEY
	struct ddns_tsig_key *key = out;
	char sub[256];
	int rc =
	    schema_read(p, path, v, key_params, sizeof(key_params) / sizeof(key_params[0]), key);
	if (rc != DDNS_OK)
		return rc;
	schema_path(sub, sizeof(sub), path, "name");
	if (strcmp(key->name, ".") == 0)
		return schema_reject(p, sub, "the root name is not a key name");
	if (strcmp(key->name, DDNS_GSS_KEY_NAME) == 0)
		return schema_reject(p, sub,
		                     "'gss-tsig' is reserved for GSS-TSIG (see \"gss-tsig\")");
	if (find_key(p->cfg, key->name) != key)
		return schema_reject(p, path, "key '%s' is defined twice", key->name);
	if (key->secret == NULL)
		return schema_reject(p, path,
		                     "exactly one of 'secret' and 'secret-file' is required");
	schema_path(sub, sizeof(sub), path,
	            json_get(v, "secret") != NULL ? "secret" : "secret-file");
	size_t cap = strlen(key->secret) / 4 * 3;
	key->raw = malloc(cap > 0 ? cap : 1);
	if (key->raw == NULL)
		return DDNS_ENOMEM;
	int n = ddns_base64_decode(key->secret, key->raw, cap);
	if (n <= 0)
		return schema_reject(p, sub, "secret is not valid base64");
	key->raw_len = (size_t)n;
	return DDNS_OK;
}

static int parse_key_ref(struct parser *p, const char *path, const struct json *v, void *out)
{
	const struct ddns_tsig_key **key = out;
	char name[DDNS_NAME_MAX];
	const char *why;
	int rc = schema_name(p, path, v, false, name, &why);
	if (rc == DDNS_EBADNAME)
		return schema_reject(p, path, "no tsig-keys entry named '%s'", v->string);
	if (rc != DDNS_OK)
		return rc;
	if (strcmp(name, DDNS_GSS_KEY_NAME) == 0) {
		if (p->cfg->gss == NULL)
			return schema_reject(p, path,
			                     "'gss-tsig' needs the \"gss-tsig\" parameter block "
			                     "(keytab and principal)");
		*key = &p->cfg->gss_key;
		return DDNS_OK;
	}
	if ((*key = find_key(p->cfg, name)) == NULL)
		return schema_reject(p, path, "no tsig-keys entry named '%s'", v->string);
	return DDNS_OK;
}

static int parse_ownership(struct parser *p, const char *path, const struct json *v, void *out)
{
	static const char *const names[] = {[DDNS_OWNER_AUTO] = "auto",
	                                    [DDNS_OWNER_DHCID] = "dhcid",
	                                    [DDNS_OWNER_TXT] = "txt",
	                                    [DDNS_OWNER_NONE] = "none"};
	int rc = schema_expect(p, path, v, JSON_STRING);
	for (size_t i = 0; rc == DDNS_OK && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(v->string, names[i]) == 0) {
			*(enum ddns_ownership *)out = (enum ddns_ownership)i;
			return DDNS_OK;
		}
	}
	return rc != DDNS_OK
	           ? rc
	           : schema_reject(p, path, "unknown ownership '%s' (use auto, dhcid, txt or none)",
	                           v->string);
}

static int parse_zone(struct parser *p, const char *path, const struct json *v, void *out)
{
#define ZONE(member) offsetof(struct ddns_zone_cfg, member)
	static const struct param zone_params[] = {
	    {.name = "name", .type = PARAM_NAME, .offset = ZONE(name), .required = true},
	    {.name = "servers",
	     .type = PARAM_ADDRS,
	     .offset = ZONE(servers),
	     .count_offset = ZONE(n_servers)},
	    {.name = "key", .type = PARAM_CUSTOM, .offset = ZONE(key), .parse = parse_key_ref},
	    {.name = "update", .type = PARAM_BOOL, .offset = ZONE(update), .def = true},
	    {.name = "ownership",
	     .type = PARAM_CUSTOM,
	     .offset = ZONE(ownership),
	     .parse = parse_ownership},
	};
#undef ZONE
	struct ddns_zone_cfg *zone = out;
	char sub[256];
	zone->key = p->cfg->default_key;
	int rc = schema_read(p, path, v, zone_params, sizeof(zone_params) / sizeof(zone_params[0]),
	                     zone);
	if (rc != DDNS_OK)
		return rc;
	for (const struct ddns_zone_cfg *z = p->cfg->zones; z < zone; z++) {
		if (strcmp(z->name, zone->name) == 0) {
			schema_path(sub, sizeof(sub), path, "name");
			return schema_reject(p, sub, "zone '%s' is listed twice", zone->name);
		}
	}
	if (zone->key != NULL && zone->key->gss && zone->n_servers > 0) {
		schema_path(sub, sizeof(sub), path, "servers");
		return schema_reject(
		    p, sub,
		    "GSS-TSIG needs the servers' host names (for their DNS/ principals), "
		    "which discovery finds: remove 'servers' or give this zone an HMAC key");
	}
	return DDNS_OK;
}

/* Default resolvers: the nameserver lines of resolv.conf. */
static int read_resolv_conf(struct parser *p, const char *file)
{
	FILE *f = fopen(file, "r");
	if (f == NULL)
		return schema_reject(p, "resolvers", "not set, and '%s' cannot be read: %s", file,
		                     strerror(errno));
	char line[512];
	while (fgets(line, sizeof(line), f) != NULL) {
		char addr[256];
		if (sscanf(line, " nameserver %255s", addr) != 1)
			continue;
		struct ddns_addr *grown =
		    realloc(p->cfg->resolvers, (p->cfg->n_resolvers + 1) * sizeof(*grown));
		if (grown == NULL) {
			fclose(f);
			return DDNS_ENOMEM;
		}
		p->cfg->resolvers = grown;
		/* A scoped IPv6 address (fe80::1%eth0) or garbage is skipped, as the resolver does.
		 */
		if (ddns_addr_parse(addr, 53, &grown[p->cfg->n_resolvers]) == 0)
			p->cfg->n_resolvers++;
	}
	fclose(f);
	if (p->cfg->n_resolvers == 0)
		return schema_reject(p, "resolvers", "not set, and '%s' lists no usable nameserver",
		                     file);
	return DDNS_OK;
}

static const char *const conflict_modes[] = {
    [DDNS_CHECK_WITH_DHCID] = "check-with-dhcid",
    [DDNS_NO_CHECK_WITH_DHCID] = "no-check-with-dhcid",
    [DDNS_CHECK_EXISTS_WITH_DHCID] = "check-exists-with-dhcid",
    [DDNS_NO_CHECK_WITHOUT_DHCID] = "no-check-without-dhcid",
};

/* The mode of one of the four names, or -1. */
static int conflict_mode_named(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(conflict_modes) / sizeof(conflict_modes[0]);
	     i++) {
		if (strcmp(name, conflict_modes[i]) == 0)
			return (int)i;
	}
	return -1;
}

static int parse_conflict_mode(struct parser *p, const char *path, const struct json *v, void *out)
{
	int rc = schema_expect(p, path, v, JSON_STRING);
	if (rc != DDNS_OK)
		return rc;
	int mode = conflict_mode_named(v->string);
	if (mode >= 0) {
		*(enum ddns_conflict_mode *)out = (enum ddns_conflict_mode)mode;
		return DDNS_OK;
	}
	return schema_reject(p, path,
	                     "unknown mode '%s' (use check-with-dhcid, no-check-with-dhcid, "
	                     "check-exists-with-dhcid or no-check-without-dhcid)",
	                     v->string);
}

static int parse_gss(struct parser *p, const char *path, const struct json *v, void *out)
{
#define GSS(member) offsetof(struct ddns_gss_cfg, member)
	static const struct param gss_params[] = {
	    {.name = "keytab", .type = PARAM_PATH, .offset = GSS(keytab), .required = true},
	    {.name = "principal", .type = PARAM_STRING, .offset = GSS(principal), .required = true},
	    {.name = "ccache", .type = PARAM_PATH, .offset = GSS(ccache)},
	    {.name = "key-lifetime",
	     .type = PARAM_UINT,
	     .offset = GSS(key_lifetime),
	     .min = 60,
	     .max = 86400,
	     .seconds = true,
	     .def = DDNS_GSS_LIFETIME_DEFAULT},
	};
#undef GSS
	struct ddns_config *cfg = p->cfg;
	struct ddns_gss_cfg *g = *(struct ddns_gss_cfg **)out = calloc(1, sizeof(*g));
	if (g == NULL)
		return DDNS_ENOMEM;
	int rc = schema_read(p, path, v, gss_params, sizeof(gss_params) / sizeof(gss_params[0]), g);
	if (rc != DDNS_OK)
		return rc;
	const char *at = strrchr(g->principal, '@');
	if (at == NULL || at[1] == '\0' || at == g->principal)
		return schema_reject(p, "gss-tsig.principal",
		                     "'%s' is not a Kerberos principal with a realm (name@REALM)",
		                     g->principal);
	g->realm = at + 1;
	if (g->ccache == NULL) {
		char ccache[PATH_MAX];
		snprintf(ccache, sizeof(ccache), "%s/krb5cc", cfg->state_dir);
		if ((g->ccache = strdup(ccache)) == NULL)
			return DDNS_ENOMEM;
	}
	const char *field = NULL;
	char why[256], sub[64];
	if (ddns_gss_check_keytab(g->keytab, g->principal, &field, why, sizeof(why)) != DDNS_OK) {
		schema_path(sub, sizeof(sub), path, field);
		return schema_reject(p, sub, "%s", why);
	}
	cfg->gss_key.gss = true;
	cfg->gss_key.name = strdup(DDNS_GSS_KEY_NAME);
	cfg->gss_key.algorithm = "gss-tsig.";
	return cfg->gss_key.name != NULL ? DDNS_OK : DDNS_ENOMEM;
}

/* The parameters, in the order they are read: keys before what refers to them, state-dir before
 * the GSS-TSIG credential cache that defaults to a file in it. */
static const struct param root_params[] = {
    {.name = "resolvers",
     .type = PARAM_ADDRS,
     .offset = CFG(resolvers),
     .count_offset = CFG(n_resolvers)},
    {.name = "state-dir",
     .type = PARAM_PATH,
     .offset = CFG(state_dir),
     .def_text = "/var/lib/kea/ddns-direct"},
    {.name = "state-dir-reserve",
     .type = PARAM_UINT,
     .offset = CFG(state_dir_reserve),
     .min = 0,
     .max = 4096,
     .def = 16},
    {.name = "tsig-keys",
     .type = PARAM_ARRAY,
     .offset = CFG(keys),
     .count_offset = CFG(n_keys),
     .item_size = sizeof(struct ddns_tsig_key),
     .parse = parse_key},
    {.name = "gss-tsig", .type = PARAM_CUSTOM, .offset = CFG(gss), .parse = parse_gss},
    {.name = "default-key",
     .type = PARAM_CUSTOM,
     .offset = CFG(default_key),
     .parse = parse_key_ref},
    {.name = "zones",
     .type = PARAM_ARRAY,
     .offset = CFG(zones),
     .count_offset = CFG(n_zones),
     .item_size = sizeof(struct ddns_zone_cfg),
     .parse = parse_zone},
    {.name = "forward", .type = PARAM_BOOL, .offset = CFG(forward), .def = true},
    {.name = "reverse", .type = PARAM_BOOL, .offset = CFG(reverse), .def = true},
    {.name = "ttl", .type = PARAM_UINT, .offset = CFG(ttl), .max = 2147483647, .seconds = true},
    {.name = "ttl-percent",
     .type = PARAM_FRACTION,
     .offset = CFG(ttl_percent),
     .def_fraction = 1.0 / 3},
    {.name = "ttl-min",
     .type = PARAM_UINT,
     .offset = CFG(ttl_min),
     .max = 2147483647,
     .seconds = true,
     .def = DDNS_TTL_FLOOR},
    {.name = "ttl-max",
     .type = PARAM_UINT,
     .offset = CFG(ttl_max),
     .max = 2147483647,
     .seconds = true,
     .def = 2147483647},
    {.name = "conflict-resolution",
     .type = PARAM_CUSTOM,
     .offset = CFG(conflict_mode),
     .parse = parse_conflict_mode},
    {.name = "max-queue",
     .type = PARAM_UINT,
     .offset = CFG(max_queue),
     .min = 1,
     .max = 10000000,
     .def = DDNS_MAX_QUEUE_DEFAULT},
    {.name = "log-summary-interval",
     .type = PARAM_UINT,
     .offset = CFG(log_summary_interval),
     .max = 86400,
     .seconds = true,
     .def = 60},
    {.name = "allowed-suffixes",
     .type = PARAM_NAMES,
     .offset = CFG(allowed),
     .count_offset = CFG(n_allowed)},
};

static int parse_root(struct parser *p, const struct json *root, const char *resolv_conf)
{
	struct ddns_config *cfg = p->cfg;
	int rc = schema_read(p, "", root, root_params, sizeof(root_params) / sizeof(root_params[0]),
	                     cfg);
	if (rc != DDNS_OK)
		return rc;
	if (cfg->resolvers == NULL && (rc = read_resolv_conf(p, resolv_conf)) != DDNS_OK)
		return rc;
	bool derived_set = json_get(root, "ttl-percent") != NULL ||
	                   json_get(root, "ttl-min") != NULL || json_get(root, "ttl-max") != NULL;
	if (cfg->ttl != 0 && derived_set)
		return schema_reject(
		    p, "ttl",
		    "a fixed TTL cannot be combined with ttl-percent, ttl-min or ttl-max");
	if (cfg->ttl_min > cfg->ttl_max)
		return schema_reject(p, "ttl-min", "is larger than ttl-max");
	return DDNS_OK;
}

int ddns_config_from_json(const struct json *params, const char *resolv_conf,
                          struct ddns_config **out, char *err, size_t errlen)
{
	struct parser p = {err, errlen, calloc(1, sizeof(struct ddns_config))};
	if (p.cfg == NULL)
		return DDNS_ENOMEM;
	int rc = parse_root(&p, params, resolv_conf);
	if (rc != DDNS_OK) {
		if (rc == DDNS_ENOMEM)
			snprintf(err, errlen, "out of memory while reading the parameters");
		ddns_config_free(p.cfg);
		return rc;
	}
	*out = p.cfg;
	return DDNS_OK;
}

int ddns_config_parse(const char *json, const char *resolv_conf, struct ddns_config **out,
                      char *err, size_t errlen)
{
	struct json *root = NULL;
	if (json_parse(json, strlen(json), &root, err, errlen) != 0)
		return DDNS_ECONFIG;
	int rc = ddns_config_from_json(root, resolv_conf, out, err, errlen);
	json_free(root);
	return rc;
}

void ddns_config_free(struct ddns_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->n_keys; i++) {
		free(cfg->keys[i].name);
		if (cfg->keys[i].secret != NULL)
			explicit_bzero(cfg->keys[i].secret, strlen(cfg->keys[i].secret));
		free(cfg->keys[i].secret);
		if (cfg->keys[i].raw != NULL)
			explicit_bzero(cfg->keys[i].raw, cfg->keys[i].raw_len);
		free(cfg->keys[i].raw);
	}
	for (size_t i = 0; i < cfg->n_zones; i++) {
		free(cfg->zones[i].name);
		free(cfg->zones[i].servers);
	}
	for (size_t i = 0; i < cfg->n_allowed; i++)
		free(cfg->allowed[i]);
	free(cfg->allowed);
	free(cfg->keys);
	if (cfg->gss != NULL) {
		free(cfg->gss->keytab);
		free(cfg->gss->principal);
		free(cfg->gss->ccache);
		free(cfg->gss);
	}
	free(cfg->gss_key.name);
	free(cfg->zones);
	free(cfg->resolvers);
	free(cfg->state_dir);
	free(cfg);
}

const struct ddns_zone_cfg *ddns_config_zone_for(const struct ddns_config *cfg, const char *name)
{
	const struct ddns_zone_cfg *best = NULL;
	for (size_t i = 0; i < cfg->n_zones; i++) {
		const struct ddns_zone_cfg *z = &cfg->zones[i];
		if (ddns_name_in_zone(name, z->name) &&
		    (best == NULL || ddns_name_labels(z->name) > ddns_name_labels(best->name)))
			best = z;
	}
	return best;
}

bool ddns_config_allows(const struct ddns_config *cfg, const char *name)
{
	if (cfg->n_allowed > 0) {
		for (size_t i = 0; i < cfg->n_allowed; i++)
			if (ddns_name_in_zone(name, cfg->allowed[i]))
				return true;
		return false;
	}
	if (cfg->n_zones == 0)
		return true;
	const struct ddns_zone_cfg *z = ddns_config_zone_for(cfg, name);
	return z != NULL;
}

const struct ddns_tsig_key *ddns_config_key_for(const struct ddns_config *cfg,
                                                const struct ddns_zone_cfg *entry)
{
	return entry != NULL ? entry->key : cfg->default_key;
}

static uint32_t derived_ttl(double percent, uint32_t floor, uint32_t cap, uint32_t lifetime)
{
	double ttl = (double)lifetime * percent;
	if (ttl < floor)
		ttl = floor;
	if (ttl > cap)
		ttl = cap;
	return (uint32_t)ttl;
}

uint32_t ddns_config_client_ttl(const struct ddns_config *cfg, const struct ddns_client_dns *kea,
                                uint32_t lifetime)
{
	static const struct ddns_client_dns none;
	if (kea == NULL)
		kea = &none;
	if (kea->ttl != 0)
		return kea->ttl;
	bool kea_derives = kea->ttl_percent > 0 || kea->ttl_min != 0 || kea->ttl_max != 0;
	if (cfg->ttl != 0 && !kea_derives)
		return cfg->ttl;
	return derived_ttl(kea->ttl_percent > 0 ? kea->ttl_percent : cfg->ttl_percent,
	                   kea->ttl_min != 0 ? kea->ttl_min : cfg->ttl_min,
	                   kea->ttl_max != 0 ? kea->ttl_max : cfg->ttl_max, lifetime);
}

uint8_t ddns_client_conflict_mode(const char *kea_name)
{
	return (uint8_t)(conflict_mode_named(kea_name) + 1);
}

enum ddns_conflict_mode ddns_config_client_mode(const struct ddns_config *cfg,
                                                const struct ddns_client_dns *kea)
{
	return kea != NULL && kea->conflict_mode != 0
	           ? (enum ddns_conflict_mode)(kea->conflict_mode - 1)
	           : cfg->conflict_mode;
}
