/* SPDX-License-Identifier: MPL-2.0 */
/*
 * ddns_d2_convert: D2 configurations (comments, an include, per-domain keys, a secret file and an
 * inline secret, reverse domains, IPv6 servers with ports) turned into an entry whose parameters
 * the plugin's own configuration parser accepts, with the same keys for the same names; every
 * setting left behind is named in a warning; a secret is never written to the entry unless asked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "config/from_d2.h"
#include "ddns/error.h"
#include "util/json.h"

#define SECRET "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="

struct fixture {
	char dir[64];
	char path[128];
	char warnings[4096];
	char *entry;
	size_t entry_len;
};

static void collect(void *ctx, const char *line)
{
	struct fixture *fx = ctx;
	strncat(fx->warnings, line, sizeof(fx->warnings) - strlen(fx->warnings) - 2);
	strcat(fx->warnings, "\n");
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	strcpy(fx->dir, "/tmp/ddns-d2-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	char path[128], text[4096];
	snprintf(path, sizeof(path), "%s/main.key", fx->dir);
	write_file(path, SECRET "\n", 0600);
	snprintf(path, sizeof(path), "%s/keys.inc", fx->dir);
	snprintf(
	    text, sizeof(text),
	    "\"tsig-keys\": [\n"
	    "  { \"name\": \"main-key\", \"algorithm\": \"HMAC-SHA256\",\n"
	    "    \"secret-file\": \"%s/main.key\" },\n"
	    "  { \"name\": \"lab-key\", \"algorithm\": \"hmac-sha512\", \"digest-bits\": 256,\n"
	    "    \"secret\": \"" SECRET "\" } ]",
	    fx->dir);
	write_file(path, text, 0600);
	snprintf(fx->path, sizeof(fx->path), "%s/d2.conf", fx->dir);
	snprintf(
	    text, sizeof(text),
	    "// D2 with two forward domains and a reverse one\n"
	    "{ \"DhcpDdns\": {\n"
	    "  \"ip-address\": \"127.0.0.1\", \"port\": 53001, # D2's listener\n"
	    "  <?include \"%s/keys.inc\"?>,\n"
	    "  \"forward-ddns\": { \"ddns-domains\": [\n"
	    "    { \"name\": \"corp.example.\", \"key-name\": \"main-key\",\n"
	    "      \"dns-servers\": [ { \"ip-address\": \"127.0.0.2\" },\n"
	    "                       { \"ip-address\": \"::1\", \"port\": 5353 } ] },\n"
	    "    /* a lab zone signed with its own key */\n"
	    "    { \"name\": \"lab.example.\", \"key-name\": \"lab-key\", \"comment\": \"x\",\n"
	    "      \"dns-servers\": [ { \"ip-address\": \"127.0.0.3\",\n"
	    "                           \"hostname\": \"ns.lab.example.\" } ] } ] },\n"
	    "  \"reverse-ddns\": { \"ddns-domains\": [\n"
	    "    { \"name\": \"0.0.127.in-addr.arpa.\", \"key-name\": \"main-key\",\n"
	    "      \"dns-servers\": [ { \"ip-address\": \"127.0.0.2\",\n"
	    "                           \"key-name\": \"lab-key\" } ] } ] },\n"
	    "  \"loggers\": [ { \"name\": \"kea-dhcp-ddns\" } ] } }\n",
	    fx->dir);
	write_file(fx->path, text, 0644);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx->entry);
	free(fx);
	return 0;
}

/* Converts with opt; returns the result, the entry in fx->entry. */
static int convert(struct fixture *fx, struct ddns_d2_options opt)
{
	opt.library = "/usr/lib/kea/hooks/libdhcp_ddns_direct.so";
	opt.warn = collect;
	opt.ctx = fx;
	char err[512] = "";
	free(fx->entry);
	fx->entry = NULL;
	fx->warnings[0] = '\0';
	FILE *out = open_memstream(&fx->entry, &fx->entry_len);
	int rc = ddns_d2_convert(fx->path, &opt, out, err, sizeof(err));
	fclose(out);
	if (rc != DDNS_OK)
		print_message("%s\n", err);
	return rc;
}

/* The entry's parameters through the plugin's own parser. */
static struct ddns_config *load(struct fixture *fx)
{
	struct json *root = NULL;
	char err[512];
	assert_int_equal(json_parse(fx->entry, fx->entry_len, &root, err, sizeof(err)), DDNS_OK);
	struct ddns_config *cfg = NULL;
	char resolv[128];
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", fx->dir);
	write_file(resolv, "nameserver 127.0.0.1\n", 0644);
	int rc =
	    ddns_config_from_json(json_get(root, "parameters"), resolv, &cfg, err, sizeof(err));
	if (rc != DDNS_OK)
		print_message("%s\n", err);
	assert_int_equal(rc, DDNS_OK);
	json_free(root);
	return cfg;
}

static const char *key_of(const struct ddns_config *cfg, const char *name)
{
	const struct ddns_tsig_key *k = ddns_config_key_for(cfg, ddns_config_zone_for(cfg, name));
	return k != NULL ? k->name : "none";
}

/* Same keys for the same names, D2's domains as the names allowed, the inline secret in a new
 * file of its own, nothing secret in the entry, every setting left behind named. */
static void converts_keys_and_domains(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(convert(fx, (struct ddns_d2_options){.secrets_dir = fx->dir}), DDNS_OK);
	assert_null(strstr(fx->entry, SECRET));
	struct ddns_config *cfg = load(fx);
	assert_string_equal(key_of(cfg, "h.corp.example."), "main-key.");
	assert_string_equal(key_of(cfg, "h.lab.example."), "lab-key.");
	assert_string_equal(key_of(cfg, "5.0.0.127.in-addr.arpa."), "main-key.");
	assert_true(ddns_config_allows(cfg, "h.corp.example."));
	assert_false(ddns_config_allows(cfg, "h.other.example."));
	assert_int_equal(cfg->n_zones, 1); /* only the lab zone needs an entry: its key */
	assert_int_equal(cfg->zones[0].n_servers, 0);
	assert_true(cfg->forward && cfg->reverse);
	ddns_config_free(cfg);

	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "%s/lab-key.key", fx->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	static const char *const named[] = {"\"ip-address\" is not carried over",
	                                    "\"port\" is not carried over",
	                                    "\"loggers\" is not carried over",
	                                    "\"comment\" is not carried over",
	                                    "digest-bits is not carried over",
	                                    "hostname ns.lab.example. is not carried over",
	                                    "its own key lab-key is not carried over",
	                                    "dns-servers are not carried over",
	                                    "not only of those under D2's reverse domains"};
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strstr(fx->warnings, named[i]) == NULL)
			fail_msg("no warning says '%s' in:\n%s", named[i], fx->warnings);

	/* Run again: the key file is there, and it is never overwritten. */
	assert_int_equal(convert(fx, (struct ddns_d2_options){.secrets_dir = fx->dir}), DDNS_EIO);
	assert_int_equal(fx->entry_len, 0);
}

/* --pin keeps D2's servers (an IPv6 one with its port); without --secrets-dir the inline secret
 * is left to the operator, unless --show-secrets puts it in the entry. */
static void pins_servers_and_keeps_secrets(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(convert(fx, (struct ddns_d2_options){.pin = true}), DDNS_OK);
	assert_null(strstr(fx->entry, SECRET));
	assert_non_null(strstr(fx->warnings, "D2 has its secret inline; write it to"));
	assert_non_null(strstr(fx->entry, "\"servers\": [\"127.0.0.2\", \"[::1]:5353\"]"));
	assert_null(strstr(fx->warnings, "dns-servers are not carried over"));

	assert_int_equal(convert(fx, (struct ddns_d2_options){.pin = true, .show_secrets = true}),
	                 DDNS_OK);
	struct ddns_config *cfg = load(fx);
	assert_int_equal(cfg->n_zones, 3);
	const struct ddns_zone_cfg *corp = ddns_config_zone_for(cfg, "h.corp.example.");
	assert_int_equal(corp->n_servers, 2);
	assert_string_equal(corp->servers[1].text, "[::1]:5353");
	ddns_config_free(cfg);
}

/* Not a D2 configuration, a value of the wrong type, an unknown algorithm, a missing include:
 * each named, and nothing written. */
static void refuses_what_it_cannot_convert(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *text, *says;
	} cases[] = {
	    {"{ \"Dhcp4\": {} }", "not a D2 configuration"},
	    {"{ \"DhcpDdns\": { \"forward-ddns\": [] } }", "forward-ddns: an object is expected"},
	    {"{ \"DhcpDdns\": { \"tsig-keys\": [ { \"name\": \"k\", \"algorithm\": \"HMAC-GOST\", "
	     "\"secret\": \"AA==\" } ] } }",
	     "algorithm HMAC-GOST"},
	    {"{ \"DhcpDdns\": { <?include \"/nonexistent/x\"?> } }",
	     "cannot read '/nonexistent/x'"},
	    {"{ \"DhcpDdns\": { \"reverse-ddns\": { \"ddns-domains\": [ { \"key-name\": \"k\" } ] "
	     "} "
	     "} }",
	     "no \"name\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file(fx->path, cases[i].text, 0644);
		struct ddns_d2_options opt = {.library = "x", .warn = collect, .ctx = fx};
		char err[512] = "";
		char *entry = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&entry, &len);
		assert_int_not_equal(ddns_d2_convert(fx->path, &opt, out, err, sizeof(err)),
		                     DDNS_OK);
		fclose(out);
		assert_int_equal(len, 0);
		free(entry);
		if (strstr(err, cases[i].says) == NULL)
			fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].says);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(converts_keys_and_domains),
	    T(pins_servers_and_keeps_secrets),
	    T(refuses_what_it_cannot_convert),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
