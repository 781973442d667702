/* SPDX-License-Identifier: MPL-2.0 */
/* A D2 configuration turned into ddns-direct's parameters; see from_d2.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/from_d2.h"
#include "ddns/error.h"
#include "util/json.h"
#include "util/kea_file.h"

#define MAX_DOMAINS 256

struct conv {
	const struct ddns_d2_options *opt;
	FILE *out;
	char *err;
	size_t errlen;
	const char *path;
};

static int fail(struct conv *c, int rc, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, c->errlen, "%s: ", c->path);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < c->errlen)
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

static void warn(struct conv *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (c->opt->warn != NULL)
		c->opt->warn(c->opt->ctx, line);
}

/* A string member of obj, or NULL (missing). A member of another type is an error. */
static int get_string(struct conv *c, const struct json *obj, const char *where, const char *name,
                      const char **out)
{
	const struct json *v = json_get(obj, name);
	*out = NULL;
	if (v == NULL)
		return DDNS_OK;
	if (v->type != JSON_STRING)
		return fail(c, DDNS_EINVAL, "%s.%s: a string is expected, not %s", where, name,
		            json_type_name(v->type));
	*out = v->string;
	return DDNS_OK;
}

/* Whether name is in known (NULL-terminated). */
static bool listed(const char *const *known, const char *name)
{
	for (const char *const *k = known; *k != NULL; k++)
		if (strcmp(name, *k) == 0)
			return true;
	return false;
}

/* Warns about each member of obj not in known. */
static void unsupported(struct conv *c, const struct json *obj, const char *where,
                        const char *const *known, const char *why)
{
	for (size_t i = 0; i < obj->count; i++)
		if (!listed(known, obj->keys[i]))
			warn(c, "%s: \"%s\" is not carried over: %s", where, obj->keys[i], why);
}

/* Why each of D2's own settings has no counterpart. */
static const char *d2_setting_why(const char *name)
{
	if (strcmp(name, "dns-server-timeout") == 0)
		return "ddns-direct waits for each server as long as its own settings say";
	if (strcmp(name, "ip-address") == 0 || strcmp(name, "port") == 0 ||
	    strncmp(name, "ncr-", 4) == 0)
		return "with ddns-direct, Kea's DHCP server sends D2 no requests";
	return "it belongs to the D2 daemon, which ddns-direct makes unnecessary";
}

/* Writes s as a JSON string. */
static void put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

struct domain {
	const char *name;
	const char *key; /* NULL: updates unsigned */
	const struct json *servers;
	const char *where;
};

/* Reads one direction's ddns-domains into d (n so far). */
static int read_domains(struct conv *c, const struct json *d2, const char *direction,
                        struct domain *d, size_t *n)
{
	static const char *const known_dir[] = {"ddns-domains", NULL};
	static const char *const known_domain[] = {"name", "key-name", "dns-servers", NULL};
	const struct json *dir = json_get(d2, direction);
	if (dir == NULL)
		return DDNS_OK;
	if (dir->type != JSON_OBJECT)
		return fail(c, DDNS_EINVAL, "%s: an object is expected", direction);
	unsupported(c, dir, direction, known_dir, "ddns-direct has no such setting");
	const struct json *list = json_get(dir, "ddns-domains");
	if (list == NULL)
		return DDNS_OK;
	if (list->type != JSON_ARRAY)
		return fail(c, DDNS_EINVAL, "%s.ddns-domains: an array is expected", direction);
	for (size_t i = 0; i < list->count; i++) {
		const struct json *dom = list->values[i];
		if (dom->type != JSON_OBJECT)
			return fail(c, DDNS_EINVAL, "%s.ddns-domains[%zu]: an object is expected",
			            direction, i);
		if (*n == MAX_DOMAINS)
			return fail(c, DDNS_EINVAL, "more than %d ddns-domains", MAX_DOMAINS);
		struct domain *out = &d[(*n)++];
		out->where = direction;
		int rc = get_string(c, dom, direction, "name", &out->name);
		if (rc == DDNS_OK)
			rc = get_string(c, dom, direction, "key-name", &out->key);
		if (rc != DDNS_OK)
			return rc;
		if (out->name == NULL)
			return fail(c, DDNS_EINVAL, "%s.ddns-domains[%zu]: no \"name\"", direction,
			            i);
		if (out->key != NULL && out->key[0] == '\0')
			out->key = NULL;
		out->servers = json_get(dom, "dns-servers");
		if (out->servers != NULL && out->servers->type != JSON_ARRAY)
			return fail(c, DDNS_EINVAL, "%s %s: dns-servers: an array is expected",
			            direction, out->name);
		char where[300];
		snprintf(where, sizeof(where), "%s domain %s", direction, out->name);
		unsupported(c, dom, where, known_domain, "ddns-direct has no such setting");
	}
	return DDNS_OK;
}

/* The algorithm's name as ddns-direct writes it, or NULL when it has no such algorithm. */
static const char *algorithm(const char *d2_name)
{
	static const char *const names[] = {"hmac-md5",    "hmac-sha1",   "hmac-sha224",
	                                    "hmac-sha256", "hmac-sha384", "hmac-sha512"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(d2_name, names[i]) == 0)
			return names[i];
	return NULL;
}

/* Where a secret D2 had inline goes: the file written in secrets_dir, or the file to create. */
static int place_secret(struct conv *c, const char *key, const char *secret, char *file, size_t len)
{
	if (strchr(key, '/') != NULL || key[0] == '.')
		return fail(c, DDNS_EINVAL, "tsig-keys: key name '%s' cannot name a file", key);
	snprintf(file, len, "%s/%s.key",
	         c->opt->secrets_dir != NULL ? c->opt->secrets_dir : "/etc/kea", key);
	if (c->opt->secrets_dir == NULL) {
		warn(c,
		     "key %s: D2 has its secret inline; write it to %s, readable only by Kea's "
		     "user (or run again with --secrets-dir DIR, or --show-secrets)",
		     key, file);
		return DDNS_OK;
	}
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(c, DDNS_EIO,
		            "cannot create '%s': %s (an existing file is never "
		            "overwritten)",
		            file, strerror(errno));
	size_t n = strlen(secret);
	bool ok = write(fd, secret, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
	ok = close(fd) == 0 && ok;
	return ok ? DDNS_OK : fail(c, DDNS_EIO, "cannot write '%s': %s", file, strerror(errno));
}

static int put_keys(struct conv *c, const struct json *d2)
{
	static const char *const known[] = {"name",        "algorithm",   "secret",
	                                    "secret-file", "digest-bits", NULL};
	const struct json *keys = json_get(d2, "tsig-keys");
	if (keys == NULL)
		return DDNS_OK;
	if (keys->type != JSON_ARRAY)
		return fail(c, DDNS_EINVAL, "tsig-keys: an array is expected");
	fprintf(c->out, "    \"tsig-keys\": [");
	for (size_t i = 0; i < keys->count; i++) {
		const struct json *k = keys->values[i];
		const char *name, *alg, *secret, *file;
		if (k->type != JSON_OBJECT)
			return fail(c, DDNS_EINVAL, "tsig-keys[%zu]: an object is expected", i);
		int rc = get_string(c, k, "tsig-keys", "name", &name);
		if (rc == DDNS_OK)
			rc = get_string(c, k, "tsig-keys", "algorithm", &alg);
		if (rc == DDNS_OK)
			rc = get_string(c, k, "tsig-keys", "secret", &secret);
		if (rc == DDNS_OK)
			rc = get_string(c, k, "tsig-keys", "secret-file", &file);
		if (rc != DDNS_OK)
			return rc;
		if (name == NULL || alg == NULL || (secret == NULL) == (file == NULL))
			return fail(c, DDNS_EINVAL,
			            "tsig-keys[%zu]: \"name\", \"algorithm\" and one of \"secret\" "
			            "or \"secret-file\" are needed",
			            i);
		if (algorithm(alg) == NULL)
			return fail(c, DDNS_EINVAL,
			            "key %s: algorithm %s is not one of HMAC-MD5, "
			            "-SHA1, -SHA224, -SHA256, -SHA384, -SHA512",
			            name, alg);
		const struct json *bits = json_get(k, "digest-bits");
		if (bits != NULL && !(bits->type == JSON_NUMBER && bits->number == 0))
			warn(c,
			     "key %s: digest-bits is not carried over: ddns-direct sends the full "
			     "MAC, which every server accepts",
			     name);
		char where[300], written[1024];
		snprintf(where, sizeof(where), "key %s", name);
		unsupported(c, k, where, known, "ddns-direct has no such setting");
		struct stat st;
		if (file != NULL && stat(file, &st) == 0 && (st.st_mode & S_IROTH) != 0)
			warn(c,
			     "key %s: %s is readable by every user of this host, which ddns-direct "
			     "refuses (chmod o-r)",
			     name, file);
		if (secret != NULL && !c->opt->show_secrets) {
			rc = place_secret(c, name, secret, written, sizeof(written));
			if (rc != DDNS_OK)
				return rc;
			file = written;
		}
		fprintf(c->out, "%s\n      { \"name\": ", i > 0 ? "," : "");
		put_string(c->out, name);
		fprintf(c->out, ", \"algorithm\": \"%s\", ", algorithm(alg));
		fprintf(c->out, file != NULL ? "\"secret-file\": " : "\"secret\": ");
		put_string(c->out, file != NULL ? file : secret);
		fprintf(c->out, " }");
	}
	fprintf(c->out, "\n    ],\n");
	return DDNS_OK;
}

/* The key most domains use when every domain has one, else NULL (each zone names its own). */
static const char *default_key(const struct domain *d, size_t n)
{
	const char *best = NULL;
	size_t best_uses = 0;
	for (size_t i = 0; i < n; i++) {
		if (d[i].key == NULL)
			return NULL;
		size_t uses = 0;
		for (size_t j = 0; j < n; j++)
			uses += strcmp(d[j].key, d[i].key) == 0;
		if (uses > best_uses) {
			best = d[i].key;
			best_uses = uses;
		}
	}
	return best;
}

/*
 * Checks the domain's servers, warning about what cannot be carried over, and writes each as the
 * plugin writes a target into texts: "ip", "ip:port", "[ipv6]:port".
 */
static int server_texts(struct conv *c, const struct domain *d, char (*texts)[DDNS_D2_SERVER_TEXT],
                        size_t *n)
{
	static const char *const known[] = {"ip-address", "port", "key-name", "hostname", NULL};
	*n = 0;
	if (d->servers == NULL)
		return DDNS_OK;
	if (d->servers->count > DDNS_D2_SERVERS_MAX)
		return fail(c, DDNS_EINVAL, "%s %s: more than %d dns-servers", d->where, d->name,
		            DDNS_D2_SERVERS_MAX);
	for (size_t i = 0; i < d->servers->count; i++) {
		const struct json *s = d->servers->values[i];
		const char *ip, *hostname, *key;
		char where[300];
		snprintf(where, sizeof(where), "%s %s: dns-servers[%zu]", d->where, d->name, i);
		if (s->type != JSON_OBJECT)
			return fail(c, DDNS_EINVAL, "%s: an object is expected", where);
		int rc = get_string(c, s, where, "ip-address", &ip);
		if (rc == DDNS_OK)
			rc = get_string(c, s, where, "hostname", &hostname);
		if (rc == DDNS_OK)
			rc = get_string(c, s, where, "key-name", &key);
		if (rc != DDNS_OK)
			return rc;
		if (ip == NULL || strlen(ip) > 45)
			return fail(c, DDNS_EINVAL, "%s: no \"ip-address\", or not an address",
			            where);
		if (hostname != NULL && hostname[0] != '\0')
			warn(c, "%s: hostname %s is not carried over; the address is", where,
			     hostname);
		if (key != NULL && key[0] != '\0' && (d->key == NULL || strcmp(key, d->key) != 0))
			warn(c,
			     "%s: its own key %s is not carried over: a zone has one key in "
			     "ddns-direct (%s)",
			     where, key, d->key != NULL ? d->key : "none");
		unsupported(c, s, where, known, "ddns-direct has no such setting");
		const struct json *port = json_get(s, "port");
		if (port != NULL && (port->type != JSON_NUMBER || !port->integral ||
		                     port->integer < 1 || port->integer > 65535))
			return fail(c, DDNS_EINVAL,
			            "%s: port: a number from 1 to 65535 is expected", where);
		long number = port != NULL ? (long)port->integer : 53;
		if (number == 53)
			snprintf(texts[i], DDNS_D2_SERVER_TEXT, "%s", ip);
		else
			snprintf(texts[i], DDNS_D2_SERVER_TEXT,
			         strchr(ip, ':') != NULL ? "[%s]:%ld" : "%s:%ld", ip, number);
		(*n)++;
	}
	return DDNS_OK;
}

static int put_zones(struct conv *c, const struct domain *d, size_t n, const char *fallback)
{
	bool any = false, listed = false;
	for (size_t i = 0; i < n; i++) {
		bool own_key = d[i].key != NULL && (fallback == NULL || strcmp(d[i].key, fallback));
		bool pin = c->opt->pin && d[i].servers != NULL && d[i].servers->count > 0;
		listed |= d[i].servers != NULL && d[i].servers->count > 0;
		char texts[DDNS_D2_SERVERS_MAX][DDNS_D2_SERVER_TEXT];
		size_t n_texts;
		int rc = server_texts(c, &d[i], texts, &n_texts);
		if (rc != DDNS_OK)
			return rc;
		if (!own_key && !pin)
			continue; /* discovery finds it; the default key (if any) signs */
		fprintf(c->out, "%s\n      { \"name\": ", any ? "," : "    \"zones\": [");
		put_string(c->out, d[i].name);
		if (own_key) {
			fprintf(c->out, ", \"key\": ");
			put_string(c->out, d[i].key);
		}
		for (size_t k = 0; pin && k < n_texts; k++) {
			fprintf(c->out, k == 0 ? ", \"servers\": [" : ", ");
			put_string(c->out, texts[k]);
		}
		if (pin)
			fprintf(c->out, "]");
		fprintf(c->out, " }");
		any = true;
	}
	if (any)
		fprintf(c->out, "\n    ],\n");
	if (listed && !c->opt->pin)
		warn(c, "D2's dns-servers are not carried over: ddns-direct discovers each zone's "
		        "primary (--pin keeps D2's servers as the zones' update targets)");
	return DDNS_OK;
}

/* The secrets D2 had inline, wiped from the parsed tree before it is freed. */
static void wipe_secrets(const struct json *keys)
{
	for (size_t i = 0; keys != NULL && keys->type == JSON_ARRAY && i < keys->count; i++) {
		const struct json *secret = json_get(keys->values[i], "secret");
		if (secret != NULL && secret->type == JSON_STRING)
			explicit_bzero(secret->string, strlen(secret->string));
	}
}

/* What a D2 configuration holds, read and parsed; free with unload. */
struct loaded {
	char *text;
	size_t len;
	struct json *root;
	const struct json *d2;
	struct domain domains[MAX_DOMAINS]; /* the forward ones first */
	size_t n, n_forward;
};

static int load(struct conv *c, const char *path, struct loaded *l)
{
	memset(l, 0, sizeof(*l));
	char why[512];
	int rc = ddns_kea_file_read(path, &l->text, &l->len, why, sizeof(why));
	if (rc != DDNS_OK)
		rc = fail(c, rc, "%s", why);
	if (rc == DDNS_OK && json_parse(l->text != NULL ? l->text : "", l->len, &l->root, why,
	                                sizeof(why)) != DDNS_OK)
		rc = fail(c, DDNS_EINVAL, "%s", why);
	l->d2 = json_get(l->root, "DhcpDdns");
	if (rc == DDNS_OK && (l->d2 == NULL || l->d2->type != JSON_OBJECT))
		rc = fail(c, DDNS_EINVAL, "no \"DhcpDdns\" object: not a D2 configuration");
	if (rc == DDNS_OK)
		rc = read_domains(c, l->d2, "forward-ddns", l->domains, &l->n);
	l->n_forward = l->n;
	if (rc == DDNS_OK)
		rc = read_domains(c, l->d2, "reverse-ddns", l->domains, &l->n);
	return rc;
}

static void unload(struct loaded *l)
{
	wipe_secrets(json_get(l->d2, "tsig-keys"));
	json_free(l->root);
	if (l->text != NULL)
		explicit_bzero(l->text, l->len);
	free(l->text);
}

int ddns_d2_domains(const char *path, void (*each)(void *ctx, const struct ddns_d2_domain *d),
                    void *ctx, char *err, size_t errlen)
{
	struct ddns_d2_options quiet = {0};
	struct conv c = {&quiet, NULL, err, errlen, path};
	struct loaded l;
	int rc = load(&c, path, &l);
	for (size_t i = 0; rc == DDNS_OK && i < l.n; i++) {
		struct ddns_d2_domain d = {.name = l.domains[i].name, .reverse = i >= l.n_forward};
		rc = server_texts(&c, &l.domains[i], d.servers, &d.n_servers);
		if (rc == DDNS_OK)
			each(ctx, &d);
	}
	unload(&l);
	return rc;
}

int ddns_d2_convert(const char *path, const struct ddns_d2_options *opt, FILE *out, char *err,
                    size_t errlen)
{
	static const char *const known[] = {"tsig-keys", "forward-ddns", "reverse-ddns", NULL};
	char *result = NULL;
	size_t result_len = 0;
	FILE *mem = open_memstream(&result, &result_len);
	if (mem == NULL)
		return DDNS_ENOMEM;
	/* Written to memory first: out gets the entry whole, or nothing. */
	struct conv c = {opt, mem, err, errlen, path};
	struct loaded l;
	int rc = load(&c, path, &l);
	const struct json *d2 = l.d2;
	struct domain *domains = l.domains;
	size_t n = l.n;
	for (size_t i = 0; rc == DDNS_OK && i < d2->count; i++)
		if (!listed(known, d2->keys[i]))
			warn(&c, "DhcpDdns: \"%s\" is not carried over: %s", d2->keys[i],
			     d2_setting_why(d2->keys[i]));
	if (rc == DDNS_OK) {
		fprintf(c.out, "{\n  \"library\": ");
		put_string(c.out, opt->library);
		fprintf(c.out, ",\n  \"parameters\": {\n");
		rc = put_keys(&c, d2);
	}
	const char *fallback = rc == DDNS_OK ? default_key(domains, n) : NULL;
	for (size_t i = 0; rc == DDNS_OK && i < n && fallback == NULL; i++)
		if (domains[i].key == NULL)
			warn(&c,
			     "%s %s: D2 updates it unsigned; ddns-direct does too, and signs "
			     "each other zone with its own key (no default-key)",
			     domains[i].where, domains[i].name);
	if (rc == DDNS_OK)
		rc = put_zones(&c, domains, n, fallback);
	static const char *const directions[] = {"forward", "reverse"};
	size_t n_forward = l.n_forward, in_direction[] = {n_forward, n - n_forward};
	for (int dir = 0; rc == DDNS_OK && dir < 2; dir++)
		if (in_direction[dir] == 0)
			warn(&c,
			     "D2 has no %s domains, so it made no %s updates: \"%s\" is false "
			     "(true has discovery find those zones)",
			     directions[dir], directions[dir], directions[dir]);
	if (rc == DDNS_OK && n_forward > 0) {
		/* D2 updates only names under its forward domains (others get DHCP_DDNS_NO_MATCH).
		 */
		fprintf(c.out, "    \"allowed-suffixes\": [");
		for (size_t i = 0; i < n_forward; i++) {
			fprintf(c.out, "%s", i > 0 ? ", " : "");
			put_string(c.out, domains[i].name);
		}
		fprintf(c.out, "],\n");
	}
	if (rc == DDNS_OK && n > n_forward)
		warn(&c,
		     "reverse-ddns: ddns-direct publishes the PTR of every address whose reverse "
		     "zone it finds, not only of those under D2's reverse domains");
	if (rc == DDNS_OK) {
		if (fallback != NULL) {
			fprintf(c.out, "    \"default-key\": ");
			put_string(c.out, fallback);
			fprintf(c.out, ",\n");
		}
		fprintf(c.out, "    \"forward\": %s,\n    \"reverse\": %s\n  }\n}\n",
		        n_forward > 0 ? "true" : "false", n > n_forward ? "true" : "false");
	}
	unload(&l);
	if (fclose(mem) != 0 && rc == DDNS_OK)
		rc = fail(&c, DDNS_ENOMEM, "out of memory");
	if (rc == DDNS_OK && fwrite(result, 1, result_len, out) != result_len)
		rc = fail(&c, DDNS_EIO, "cannot write the entry: %s", strerror(errno));
	if (result != NULL)
		explicit_bzero(result, result_len);
	free(result);
	return rc;
}
