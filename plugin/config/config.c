/* SPDX-License-Identifier: MPL-2.0 */
/* Parameter validation; see config.h. */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "gss/keytab.h"
#include "ddns/error.h"
#include "util/base64.h"
#include "util/json.h"
#include "util/name.h"

struct parser {
	char *err;
	size_t errlen;
	struct ddns_config *cfg;
};

static int reject(struct parser *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int reject(struct parser *p, const char *path, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "parameter '%s': %s", path, why);
	return DDNS_ECONFIG;
}

static int expect(struct parser *p, const char *path, const struct json *v, enum json_type type)
{
	if (v->type != type)
		return reject(p, path, "expected %s, got %s", json_type_name(type),
		              json_type_name(v->type));
	return DDNS_OK;
}

/* Refuses members not in allowed (NULL-terminated) so that a typo is never silently ignored. */
static int check_members(struct parser *p, const char *path, const struct json *obj,
                         const char *const *allowed)
{
	for (size_t i = 0; i < obj->count; i++) {
		const char *const *a = allowed;
		while (*a != NULL && strcmp(*a, obj->keys[i]) != 0)
			a++;
		if (*a == NULL) {
			char full[256];
			if (path[0] != '\0')
				snprintf(full, sizeof(full), "%s.%s", path, obj->keys[i]);
			else
				snprintf(full, sizeof(full), "%s", obj->keys[i]);
			return reject(p, full, "unknown parameter");
		}
	}
	return DDNS_OK;
}

static int dup_name(struct parser *p, const char *path, const struct json *v,
                    enum name_policy policy, char **out)
{
	char name[DDNS_NAME_MAX];
	const char *why;
	int rc = expect(p, path, v, JSON_STRING);
	if (rc != DDNS_OK)
		return rc;
	if (ddns_name_normalize(v->string, policy, true, name, &why) != 0)
		return reject(p, path, "'%s' is not a valid domain name: %s", v->string, why);
	*out = strdup(name);
	return *out != NULL ? DDNS_OK : DDNS_ENOMEM;
}

static int parse_addr_list(struct parser *p, const char *path, const struct json *v,
                           struct ddns_addr **out, size_t *n)
{
	int rc = expect(p, path, v, JSON_ARRAY);
	if (rc != DDNS_OK)
		return rc;
	if (v->count == 0)
		return reject(p, path, "must list at least one address");
	*out = calloc(v->count, sizeof(**out));
	if (*out == NULL)
		return DDNS_ENOMEM;
	*n = v->count;
	for (size_t i = 0; i < v->count; i++) {
		char item[256];
		snprintf(item, sizeof(item), "%s[%zu]", path, i);
		rc = expect(p, item, v->values[i], JSON_STRING);
		if (rc != DDNS_OK)
			return rc;
		if (ddns_addr_parse(v->values[i]->string, 53, &(*out)[i]) != 0)
			return reject(
			    p, item,
			    "'%s' is not an address (IPv4, IPv4:port, IPv6 or [IPv6]:port)",
			    v->values[i]->string);
	}
	return DDNS_OK;
}

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
		return reject(p, path, "cannot read '%s': %s", file, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IROTH) != 0) {
		fclose(f);
		return reject(
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
		return reject(p, path, "'%s' is larger than a key file can be", file);
	}
	char *start = buf, *end;
	char *kw = strstr(buf, "secret");
	if (kw != NULL) {
		start = strchr(kw, '"');
		end = start != NULL ? strchr(start + 1, '"') : NULL;
		if (start == NULL || end == NULL) {
			explicit_bzero(buf, sizeof(buf));
			return reject(p, path, "'%s' has a 'secret' without a quoted value", file);
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

/* Checks that v is an object with only the allowed members and a valid "name"; stores the name
 * (normalised, caller frees) and the path of the name for later messages. */
static int named_object(struct parser *p, const char *path, const struct json *v,
                        const char *const *members, char **name, char *name_path, size_t len)
{
	int rc = expect(p, path, v, JSON_OBJECT);
	if (rc == DDNS_OK)
		rc = check_members(p, path, v, members);
	if (rc != DDNS_OK)
		return rc;
	const struct json *n = json_get(v, "name");
	snprintf(name_path, len, "%s.name", path);
	if (n == NULL)
		return reject(p, name_path, "missing");
	return dup_name(p, name_path, n, NAME_SERVICE, name);
}

static int parse_key(struct parser *p, const char *path, const struct json *v,
                     struct ddns_tsig_key *key)
{
	static const char *const members[] = {"name", "algorithm", "secret", "secret-file", NULL};
	char sub[256];
	int rc = named_object(p, path, v, members, &key->name, sub, sizeof(sub));
	if (rc != DDNS_OK)
		return rc;
	if (strcmp(key->name, ".") == 0)
		return reject(p, sub, "the root name is not a key name");
	if (strcmp(key->name, DDNS_GSS_KEY_NAME) == 0)
		return reject(p, sub, "'gss-tsig' is reserved for GSS-TSIG (see \"gss-tsig\")");

	const struct json *alg = json_get(v, "algorithm");
	snprintf(sub, sizeof(sub), "%s.algorithm", path);
	if (alg == NULL)
		return reject(p, sub, "missing");
	rc = expect(p, sub, alg, JSON_STRING);
	if (rc != DDNS_OK)
		return rc;
	for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
		if (strcasecmp(alg->string, algorithms[i].config_name) == 0)
			key->algorithm = algorithms[i].ldns_name;
	if (key->algorithm == NULL)
		return reject(p, sub,
		              "unknown algorithm '%s' (use hmac-md5, hmac-sha1, hmac-sha224, "
		              "hmac-sha256, hmac-sha384 or hmac-sha512)",
		              alg->string);

	const struct json *secret = json_get(v, "secret");
	const struct json *file = json_get(v, "secret-file");
	if ((secret == NULL) == (file == NULL)) {
		snprintf(sub, sizeof(sub), "%s", path);
		return reject(p, sub, "exactly one of 'secret' and 'secret-file' is required");
	}
	if (secret != NULL) {
		snprintf(sub, sizeof(sub), "%s.secret", path);
		rc = expect(p, sub, secret, JSON_STRING);
		if (rc != DDNS_OK)
			return rc;
		key->secret = strdup(secret->string);
		if (key->secret == NULL)
			return DDNS_ENOMEM;
	} else {
		snprintf(sub, sizeof(sub), "%s.secret-file", path);
		rc = expect(p, sub, file, JSON_STRING);
		if (rc == DDNS_OK)
			rc = read_secret_file(p, sub, file->string, &key->secret);
		if (rc != DDNS_OK)
			return rc;
	}
	size_t cap = strlen(key->secret) / 4 * 3;
	key->raw = malloc(cap > 0 ? cap : 1);
	if (key->raw == NULL)
		return DDNS_ENOMEM;
	int n = ddns_base64_decode(key->secret, key->raw, cap);
	if (n <= 0)
		return reject(p, sub, "secret is not valid base64");
	key->raw_len = (size_t)n;
	return DDNS_OK;
}

static const struct ddns_tsig_key *find_key(const struct ddns_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_keys; i++)
		if (strcmp(cfg->keys[i].name, name) == 0)
			return &cfg->keys[i];
	return NULL;
}

static int key_ref(struct parser *p, const char *path, const struct json *v,
                   const struct ddns_tsig_key **out)
{
	char name[DDNS_NAME_MAX];
	const char *why;
	int rc = expect(p, path, v, JSON_STRING);
	if (rc != DDNS_OK)
		return rc;
	if (ddns_name_normalize(v->string, NAME_SERVICE, false, name, &why) != 0)
		return reject(p, path, "no tsig-keys entry named '%s'", v->string);
	if (strcmp(name, DDNS_GSS_KEY_NAME) == 0) {
		if (p->cfg->gss == NULL)
			return reject(p, path,
			              "'gss-tsig' needs the \"gss-tsig\" parameter block "
			              "(keytab and principal)");
		*out = &p->cfg->gss_key;
		return DDNS_OK;
	}
	if ((*out = find_key(p->cfg, name)) == NULL)
		return reject(p, path, "no tsig-keys entry named '%s'", v->string);
	return DDNS_OK;
}

static int parse_bool(struct parser *p, const char *path, const struct json *v, bool *out)
{
	int rc = expect(p, path, v, JSON_BOOL);
	if (rc == DDNS_OK)
		*out = v->boolean;
	return rc;
}

static int parse_zone(struct parser *p, const char *path, const struct json *v,
                      struct ddns_zone_cfg *zone)
{
	static const char *const members[] = {"name", "servers", "key", "update", NULL};
	char sub[256];
	int rc = named_object(p, path, v, members, &zone->name, sub, sizeof(sub));
	if (rc != DDNS_OK)
		return rc;
	for (const struct ddns_zone_cfg *z = p->cfg->zones; z < zone; z++)
		if (strcmp(z->name, zone->name) == 0)
			return reject(p, sub, "zone '%s' is listed twice", zone->name);

	const struct json *servers = json_get(v, "servers");
	if (servers != NULL) {
		snprintf(sub, sizeof(sub), "%s.servers", path);
		rc = parse_addr_list(p, sub, servers, &zone->servers, &zone->n_servers);
		if (rc != DDNS_OK)
			return rc;
	}
	const struct json *key = json_get(v, "key");
	zone->key = p->cfg->default_key;
	if (key != NULL) {
		snprintf(sub, sizeof(sub), "%s.key", path);
		rc = key_ref(p, sub, key, &zone->key);
		if (rc != DDNS_OK)
			return rc;
	}
	if (zone->key != NULL && zone->key->gss && zone->n_servers > 0) {
		snprintf(sub, sizeof(sub), "%s.servers", path);
		return reject(
		    p, sub,
		    "GSS-TSIG needs the servers' host names (for their DNS/ principals), "
		    "which discovery finds: remove 'servers' or give this zone an HMAC key");
	}
	zone->update = true;
	const struct json *update = json_get(v, "update");
	if (update != NULL) {
		snprintf(sub, sizeof(sub), "%s.update", path);
		rc = parse_bool(p, sub, update, &zone->update);
	}
	return rc;
}

/* Default resolvers: the nameserver lines of resolv.conf. */
static int read_resolv_conf(struct parser *p, const char *file)
{
	FILE *f = fopen(file, "r");
	if (f == NULL)
		return reject(p, "resolvers", "not set, and '%s' cannot be read: %s", file,
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
		return reject(p, "resolvers", "not set, and '%s' lists no usable nameserver", file);
	return DDNS_OK;
}

static int parse_seconds(struct parser *p, const char *path, const struct json *v, uint32_t *out)
{
	int rc = expect(p, path, v, JSON_NUMBER);
	if (rc != DDNS_OK)
		return rc;
	if (!v->integral || v->integer < 0 || v->integer > 2147483647)
		return reject(p, path, "must be a whole number of seconds from 0 to 2147483647");
	*out = (uint32_t)v->integer;
	return DDNS_OK;
}

static const char *const conflict_modes[] = {
    [DDNS_CHECK_WITH_DHCID] = "check-with-dhcid",
    [DDNS_NO_CHECK_WITH_DHCID] = "no-check-with-dhcid",
    [DDNS_CHECK_EXISTS_WITH_DHCID] = "check-exists-with-dhcid",
    [DDNS_NO_CHECK_WITHOUT_DHCID] = "no-check-without-dhcid",
};

static int parse_ttl_rules(struct parser *p, const struct json *root)
{
	struct ddns_config *cfg = p->cfg;
	const struct json *v;
	int rc = DDNS_OK;
	bool derived_set = false;
	cfg->ttl_min = DDNS_TTL_FLOOR;
	cfg->ttl_max = 2147483647u;
	cfg->ttl_percent = 1.0 / 3;
	if ((v = json_get(root, "ttl")) != NULL && (rc = parse_seconds(p, "ttl", v, &cfg->ttl)))
		return rc;
	if ((v = json_get(root, "ttl-min")) != NULL) {
		derived_set = true;
		if ((rc = parse_seconds(p, "ttl-min", v, &cfg->ttl_min)) != DDNS_OK)
			return rc;
	}
	if ((v = json_get(root, "ttl-max")) != NULL) {
		derived_set = true;
		if ((rc = parse_seconds(p, "ttl-max", v, &cfg->ttl_max)) != DDNS_OK)
			return rc;
	}
	if ((v = json_get(root, "ttl-percent")) != NULL) {
		derived_set = true;
		if ((rc = expect(p, "ttl-percent", v, JSON_NUMBER)) != DDNS_OK)
			return rc;
		if (!(v->number > 0 && v->number <= 1))
			return reject(p, "ttl-percent",
			              "must be a fraction of the lifetime above 0 and at most 1 "
			              "(0.33 for a third)");
		cfg->ttl_percent = v->number;
	}
	if (cfg->ttl != 0 && derived_set)
		return reject(
		    p, "ttl",
		    "a fixed TTL cannot be combined with ttl-percent, ttl-min or ttl-max");
	if (cfg->ttl_min > cfg->ttl_max)
		return reject(p, "ttl-min", "is larger than ttl-max");
	return DDNS_OK;
}

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

static int parse_conflict_mode(struct parser *p, const struct json *v)
{
	int rc = expect(p, "conflict-resolution", v, JSON_STRING);
	if (rc != DDNS_OK)
		return rc;
	int mode = conflict_mode_named(v->string);
	if (mode >= 0) {
		p->cfg->conflict_mode = (enum ddns_conflict_mode)mode;
		return DDNS_OK;
	}
	return reject(p, "conflict-resolution",
	              "unknown mode '%s' (use check-with-dhcid, no-check-with-dhcid, "
	              "check-exists-with-dhcid or no-check-without-dhcid)",
	              v->string);
}

static int gss_string(struct parser *p, const struct json *v, const char *member, bool required,
                      bool is_path, char **out)
{
	char path[64];
	snprintf(path, sizeof(path), "gss-tsig.%s", member);
	const struct json *m = json_get(v, member);
	if (m == NULL)
		return required ? reject(p, path, "missing") : DDNS_OK;
	int rc = expect(p, path, m, JSON_STRING);
	if (rc != DDNS_OK)
		return rc;
	if (is_path && m->string[0] != '/')
		return reject(p, path, "must be an absolute path");
	*out = strdup(m->string);
	return *out != NULL ? DDNS_OK : DDNS_ENOMEM;
}

static int parse_gss(struct parser *p, const struct json *v)
{
	static const char *const members[] = {"keytab", "principal", "ccache", "key-lifetime",
	                                      NULL};
	struct ddns_config *cfg = p->cfg;
	int rc = expect(p, "gss-tsig", v, JSON_OBJECT);
	if (rc == DDNS_OK)
		rc = check_members(p, "gss-tsig", v, members);
	if (rc != DDNS_OK)
		return rc;
	struct ddns_gss_cfg *g = cfg->gss = calloc(1, sizeof(*g));
	if (g == NULL)
		return DDNS_ENOMEM;
	if ((rc = gss_string(p, v, "keytab", true, true, &g->keytab)) != DDNS_OK ||
	    (rc = gss_string(p, v, "principal", true, false, &g->principal)) != DDNS_OK ||
	    (rc = gss_string(p, v, "ccache", false, true, &g->ccache)) != DDNS_OK)
		return rc;
	const char *at = strrchr(g->principal, '@');
	if (at == NULL || at[1] == '\0' || at == g->principal)
		return reject(p, "gss-tsig.principal",
		              "'%s' is not a Kerberos principal with a realm (name@REALM)",
		              g->principal);
	g->realm = at + 1;
	if (g->ccache == NULL) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/krb5cc", cfg->state_dir);
		if ((g->ccache = strdup(path)) == NULL)
			return DDNS_ENOMEM;
	}
	g->key_lifetime = DDNS_GSS_LIFETIME_DEFAULT;
	const struct json *life = json_get(v, "key-lifetime");
	if (life != NULL) {
		if ((rc = expect(p, "gss-tsig.key-lifetime", life, JSON_NUMBER)) != DDNS_OK)
			return rc;
		if (!life->integral || life->integer < 60 || life->integer > 86400)
			return reject(p, "gss-tsig.key-lifetime",
			              "must be a whole number of seconds from 60 to 86400");
		g->key_lifetime = (uint32_t)life->integer;
	}
	const char *field = NULL;
	char why[256];
	if (ddns_gss_check_keytab(g->keytab, g->principal, &field, why, sizeof(why)) != DDNS_OK) {
		char path[64];
		snprintf(path, sizeof(path), "gss-tsig.%s", field);
		return reject(p, path, "%s", why);
	}
	cfg->gss_key.gss = true;
	cfg->gss_key.name = strdup(DDNS_GSS_KEY_NAME);
	cfg->gss_key.algorithm = "gss-tsig.";
	return cfg->gss_key.name != NULL ? DDNS_OK : DDNS_ENOMEM;
}

static int parse_root(struct parser *p, const struct json *root, const char *resolv_conf)
{
	static const char *const members[] = {
	    "resolvers", "tsig-keys",        "default-key", "zones",
	    "forward",   "reverse",          "ttl",         "ttl-percent",
	    "ttl-min",   "ttl-max",          "state-dir",   "conflict-resolution",
	    "max-queue", "allowed-suffixes", "gss-tsig",    NULL};
	struct ddns_config *cfg = p->cfg;
	const struct json *v;
	int rc = expect(p, "parameters", root, JSON_OBJECT);
	if (rc == DDNS_OK)
		rc = check_members(p, "", root, members);
	if (rc != DDNS_OK)
		return rc;

	if ((v = json_get(root, "resolvers")) != NULL)
		rc = parse_addr_list(p, "resolvers", v, &cfg->resolvers, &cfg->n_resolvers);
	else
		rc = read_resolv_conf(p, resolv_conf);
	if (rc != DDNS_OK)
		return rc;

	const char *state_dir = "/var/lib/kea/ddns-direct";
	if ((v = json_get(root, "state-dir")) != NULL) {
		rc = expect(p, "state-dir", v, JSON_STRING);
		if (rc != DDNS_OK)
			return rc;
		if (v->string[0] != '/')
			return reject(p, "state-dir", "must be an absolute path");
		state_dir = v->string;
	}
	cfg->state_dir = strdup(state_dir);
	if (cfg->state_dir == NULL)
		return DDNS_ENOMEM;
	if ((v = json_get(root, "tsig-keys")) != NULL) {
		rc = expect(p, "tsig-keys", v, JSON_ARRAY);
		if (rc != DDNS_OK)
			return rc;
		cfg->keys = calloc(v->count + 1, sizeof(*cfg->keys));
		if (cfg->keys == NULL)
			return DDNS_ENOMEM;
		for (size_t i = 0; i < v->count; i++) {
			char path[64];
			snprintf(path, sizeof(path), "tsig-keys[%zu]", i);
			cfg->n_keys = i + 1;
			rc = parse_key(p, path, v->values[i], &cfg->keys[i]);
			if (rc != DDNS_OK)
				return rc;
			if (find_key(cfg, cfg->keys[i].name) != &cfg->keys[i])
				return reject(p, path, "key '%s' is defined twice",
				              cfg->keys[i].name);
		}
	}
	if ((v = json_get(root, "gss-tsig")) != NULL && (rc = parse_gss(p, v)) != DDNS_OK)
		return rc;
	if ((v = json_get(root, "default-key")) != NULL) {
		rc = key_ref(p, "default-key", v, &cfg->default_key);
		if (rc != DDNS_OK)
			return rc;
	}
	if ((v = json_get(root, "zones")) != NULL) {
		rc = expect(p, "zones", v, JSON_ARRAY);
		if (rc != DDNS_OK)
			return rc;
		cfg->zones = calloc(v->count + 1, sizeof(*cfg->zones));
		if (cfg->zones == NULL)
			return DDNS_ENOMEM;
		for (size_t i = 0; i < v->count; i++) {
			char path[64];
			snprintf(path, sizeof(path), "zones[%zu]", i);
			cfg->n_zones = i + 1;
			rc = parse_zone(p, path, v->values[i], &cfg->zones[i]);
			if (rc != DDNS_OK)
				return rc;
		}
	}
	cfg->forward = cfg->reverse = true;
	if ((v = json_get(root, "forward")) != NULL &&
	    (rc = parse_bool(p, "forward", v, &cfg->forward)) != DDNS_OK)
		return rc;
	if ((v = json_get(root, "reverse")) != NULL &&
	    (rc = parse_bool(p, "reverse", v, &cfg->reverse)) != DDNS_OK)
		return rc;
	if ((rc = parse_ttl_rules(p, root)) != DDNS_OK)
		return rc;
	if ((v = json_get(root, "conflict-resolution")) != NULL &&
	    (rc = parse_conflict_mode(p, v)) != DDNS_OK)
		return rc;
	if ((v = json_get(root, "allowed-suffixes")) != NULL) {
		if ((rc = expect(p, "allowed-suffixes", v, JSON_ARRAY)) != DDNS_OK)
			return rc;
		cfg->allowed = calloc(v->count + 1, sizeof(*cfg->allowed));
		if (cfg->allowed == NULL)
			return DDNS_ENOMEM;
		for (size_t i = 0; i < v->count; i++) {
			char path[64];
			snprintf(path, sizeof(path), "allowed-suffixes[%zu]", i);
			cfg->n_allowed = i + 1;
			if ((rc = dup_name(p, path, v->values[i], NAME_SERVICE, &cfg->allowed[i])))
				return rc;
		}
	}
	cfg->max_queue = DDNS_MAX_QUEUE_DEFAULT;
	if ((v = json_get(root, "max-queue")) != NULL) {
		if ((rc = expect(p, "max-queue", v, JSON_NUMBER)) != DDNS_OK)
			return rc;
		if (!v->integral || v->integer < 1 || v->integer > 10000000)
			return reject(p, "max-queue", "must be a whole number from 1 to 10000000");
		cfg->max_queue = (uint32_t)v->integer;
	}
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
