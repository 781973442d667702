/* SPDX-License-Identifier: MPL-2.0 */
/* Parameter validation: what is accepted, what is refused, and how the refusal reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <krb5.h>

#include "config/config.h"
#include "ddns/error.h"

#define SECRET "c2VjcmV0LWtleS1mb3ItdW5pdC10ZXN0cy0wMTIzNDU2Nzg5"

static char err[512];

static struct ddns_config *parse_ok(const char *json)
{
	struct ddns_config *cfg = NULL;
	int rc = ddns_config_parse(json, "/nonexistent", &cfg, err, sizeof(err));
	if (rc != DDNS_OK)
		fail_msg("rejected: %s\n%s", err, json);
	return cfg;
}

static void expect_error(const char *json, const char *want)
{
	struct ddns_config *cfg = NULL;
	err[0] = '\0';
	assert_int_equal(ddns_config_parse(json, "/nonexistent", &cfg, err, sizeof(err)),
	                 DDNS_ECONFIG);
	assert_null(cfg);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
	assert_null(strstr(err, SECRET));
}

static void full_example_is_accepted(void **state)
{
	(void)state;
	char path[] = "/tmp/ddns-k2-XXXXXX";
	int fd = mkstemp(path);
	dprintf(fd, "key \"k2\" {\n\talgorithm hmac-sha512;\n\tsecret \"%s\";\n};\n", SECRET);
	close(fd);
	char json[2048];
	snprintf(json, sizeof(json),
	         "{ // Kea allows comments\n"
	         "  \"resolvers\": [\"127.0.0.2\", \"[::1]:5353\", \"127.0.0.9:5300\", \"::1\"],\n"
	         "  \"tsig-keys\": [ { \"name\": \"ddns-key\", \"algorithm\": \"HMAC-SHA256\","
	         "                   \"secret\": \"%s\" },\n"
	         "                 { \"name\": \"k2\", \"algorithm\": \"hmac-sha512\","
	         "                   \"secret-file\": \"%s\" } ],\n"
	         "  \"default-key\": \"ddns-key\",\n"
	         "  \"zones\": [ { \"name\": \"Corp.Example\", \"key\": \"ddns-key\" },\n"
	         "             { \"name\": \"lab.example.\", \"servers\": [\"127.0.0.30\","
	         "               \"127.0.0.31:5300\"], \"key\": \"k2\" },\n"
	         "             { \"name\": \"nodns.example.\", \"update\": false } ],\n"
	         "  \"forward\": true, \"reverse\": false, \"ttl\": 0,"
	         "  \"state-dir\": \"/var/lib/kea/ddns-direct\" }",
	         SECRET, path);
	struct ddns_config *cfg = parse_ok(json);
	unlink(path);
	assert_int_equal(cfg->n_resolvers, 4);
	assert_string_equal(cfg->resolvers[1].text, "[::1]:5353");
	assert_string_equal(cfg->resolvers[2].text, "127.0.0.9:5300");
	assert_int_equal(cfg->resolvers[3].sa.ss_family, AF_INET6);
	assert_int_equal(cfg->n_keys, 2);
	assert_string_equal(cfg->keys[0].algorithm, "hmac-sha256.");
	assert_string_equal(cfg->keys[1].name, "k2.");
	assert_string_equal(cfg->keys[1].secret, SECRET);
	assert_ptr_equal(cfg->default_key, &cfg->keys[0]);
	assert_string_equal(cfg->zones[0].name, "corp.example.");
	assert_ptr_equal(cfg->zones[1].key, &cfg->keys[1]);
	assert_int_equal(cfg->zones[1].n_servers, 2);
	assert_false(cfg->zones[2].update);
	assert_ptr_equal(cfg->zones[2].key, &cfg->keys[0]);
	assert_false(cfg->reverse);

	const struct ddns_zone_cfg *z = ddns_config_zone_for(cfg, "a.b.lab.example.");
	assert_non_null(z);
	assert_string_equal(z->name, "lab.example.");
	assert_null(ddns_config_zone_for(cfg, "xlab.example."));
	assert_ptr_equal(ddns_config_key_for(cfg, NULL), &cfg->keys[0]);
	ddns_config_free(cfg);
}

static void bare_secret_file_is_accepted(void **state)
{
	(void)state;
	char path[] = "/tmp/ddns-bare-XXXXXX";
	int fd = mkstemp(path);
	dprintf(fd, "\n  %s  \n", SECRET);
	close(fd);
	char json[512];
	snprintf(json, sizeof(json),
	         "{ \"resolvers\": [\"127.0.0.2\"], \"tsig-keys\": [ { \"name\": \"k\","
	         " \"algorithm\": \"hmac-sha1\", \"secret-file\": \"%s\" } ] }",
	         path);
	struct ddns_config *cfg = parse_ok(json);
	unlink(path);
	assert_string_equal(cfg->keys[0].secret, SECRET);
	assert_null(cfg->default_key);
	ddns_config_free(cfg);
}

static void resolvers_default_to_resolv_conf(void **state)
{
	(void)state;
	char path[] = "/tmp/ddns-resolv-XXXXXX";
	int fd = mkstemp(path);
	dprintf(fd, "search example\nnameserver 127.0.0.53\nnameserver fe80::1%%eth0\n"
	            "nameserver ::1\n");
	close(fd);
	struct ddns_config *cfg = NULL;
	assert_int_equal(ddns_config_parse("{}", path, &cfg, err, sizeof(err)), DDNS_OK);
	unlink(path);
	assert_int_equal(cfg->n_resolvers, 2);
	assert_string_equal(cfg->resolvers[0].text, "127.0.0.53");
	assert_int_equal(cfg->ttl, 0);
	assert_true(cfg->forward && cfg->reverse);
	assert_string_equal(cfg->state_dir, "/var/lib/kea/ddns-direct");
	ddns_config_free(cfg);
	expect_error("{}", "parameter 'resolvers': not set, and '/nonexistent' cannot be read");
}

static void bad_parameters_are_named(void **state)
{
	(void)state;
	expect_error("[1]", "parameter 'parameters': expected object, got array");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"zone\": [] }",
	             "parameter 'zone': unknown parameter");
	expect_error("{ \"resolvers\": [] }", "parameter 'resolvers': must list at least one");
	expect_error("{ \"resolvers\": [\"[::1]:0\"] }", "parameter 'resolvers[0]'");
	expect_error("{ \"resolvers\": [\"1.2.3.4:99999\"] }", "parameter 'resolvers[0]'");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"ttl\": 1.5 }", "parameter 'ttl'");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"state-dir\": \"relative\" }",
	             "parameter 'state-dir': must be an absolute path");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"tsig-keys\": [ { \"name\": \"k\","
	             " \"algorithm\": \"hmac-sha256\" } ] }",
	             "parameter 'tsig-keys[0]': exactly one of 'secret' and 'secret-file'");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"tsig-keys\": [ { \"name\": \"k\","
	             " \"algorithm\": \"hmac-sha256\", \"secret\": \"" SECRET "\","
	             " \"secret-file\": \"/x\" } ] }",
	             "exactly one of");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"tsig-keys\": [ { \"name\": \"k\","
	             " \"algorithm\": \"hmac-sha256\", \"secret\": \"abc=def=\" } ] }",
	             "parameter 'tsig-keys[0].secret': secret is not valid base64");
	expect_error(
	    "{ \"resolvers\": [\"127.0.0.2\"], \"tsig-keys\": ["
	    " { \"name\": \"k\", \"algorithm\": \"hmac-md5\", \"secret\": \"" SECRET "\" },"
	    " { \"name\": \"K.\", \"algorithm\": \"hmac-md5\", \"secret\": \"" SECRET "\" } ] }",
	    "parameter 'tsig-keys[1]': key 'k.' is defined twice");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"tsig-keys\": [ { \"name\": \"k\","
	             " \"algorithm\": \"hmac-sha256\", \"secret\": \"" SECRET "\", \"x\": 1 } ] }",
	             "parameter 'tsig-keys[0].x': unknown parameter");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"zones\": [ { \"name\": \"a.\" },"
	             " { \"name\": \"A\" } ] }",
	             "parameter 'zones[1].name': zone 'a.' is listed twice");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"zones\": [ { \"servers\": [] } ] }",
	             "parameter 'zones[0].name': missing");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"zones\": [ { \"name\": \"a.\","
	             " \"update\": 0 } ] }",
	             "parameter 'zones[0].update': expected boolean, got number");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], }", "JSON syntax error at offset");
}

static void secret_file_readable_by_all_is_refused(void **state)
{
	(void)state;
	char path[] = "/tmp/ddns-open-XXXXXX";
	int fd = mkstemp(path);
	dprintf(fd, "%s\n", SECRET);
	close(fd);
	chmod(path, 0644);
	char json[512];
	snprintf(json, sizeof(json),
	         "{ \"resolvers\": [\"127.0.0.2\"], \"tsig-keys\": [ { \"name\": \"k\","
	         " \"algorithm\": \"hmac-sha1\", \"secret-file\": \"%s\" } ] }",
	         path);
	expect_error(json, "is readable by every user of this host");
	unlink(path);
}

static void allowed_suffixes(void **state)
{
	(void)state;
	struct ddns_config *cfg =
	    parse_ok("{ \"resolvers\": [\"127.0.0.2\"], \"allowed-suffixes\": [\"Corp.Example\"],"
	             "  \"zones\": [ { \"name\": \"lab.example.\" } ] }");
	assert_true(ddns_config_allows(cfg, "a.corp.example."));
	assert_false(ddns_config_allows(cfg, "a.lab.example."));
	ddns_config_free(cfg);
	cfg = parse_ok(
	    "{ \"resolvers\": [\"127.0.0.2\"], \"zones\": [ { \"name\": \"lab.example.\" } ] }");
	assert_true(ddns_config_allows(cfg, "a.lab.example."));
	assert_false(ddns_config_allows(cfg, "a.corp.example."));
	ddns_config_free(cfg);
	cfg = parse_ok("{ \"resolvers\": [\"127.0.0.2\"] }");
	assert_true(ddns_config_allows(cfg, "anything.example."));
	ddns_config_free(cfg);
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"allowed-suffixes\": [\"a..b\"] }",
	             "parameter 'allowed-suffixes[0]'");
}

static void ttl_rule(void **state)
{
	(void)state;
	struct ddns_config *cfg = parse_ok("{ \"resolvers\": [\"127.0.0.2\"] }");
	assert_int_equal(ddns_config_client_ttl(cfg, NULL, 3600), 1200);
	assert_int_equal(ddns_config_client_ttl(cfg, NULL, 30), DDNS_TTL_FLOOR);
	assert_int_equal(ddns_config_client_ttl(cfg, NULL, 0xFFFFFFFFu), 1431655765u);
	assert_int_equal(cfg->conflict_mode, DDNS_CHECK_WITH_DHCID);
	ddns_config_free(cfg);

	cfg = parse_ok("{ \"resolvers\": [\"127.0.0.2\"], \"ttl\": 77 }");
	assert_int_equal(ddns_config_client_ttl(cfg, NULL, 3600), 77);
	ddns_config_free(cfg);

	cfg = parse_ok("{ \"resolvers\": [\"127.0.0.2\"], \"ttl-percent\": 0.5,"
	               " \"ttl-min\": 100, \"ttl-max\": 1000,"
	               " \"conflict-resolution\": \"no-check-without-dhcid\" }");
	assert_int_equal(ddns_config_client_ttl(cfg, NULL, 600), 300);
	assert_int_equal(ddns_config_client_ttl(cfg, NULL, 60), 100);
	assert_int_equal(ddns_config_client_ttl(cfg, NULL, 86400), 1000);
	assert_int_equal(cfg->conflict_mode, DDNS_NO_CHECK_WITHOUT_DHCID);
	ddns_config_free(cfg);

	struct ddns_client_dns kea = {.ttl_percent = 0.25};
	cfg = parse_ok("{ \"resolvers\": [\"127.0.0.2\"], \"ttl\": 77, "
	               "\"conflict-resolution\": \"no-check-with-dhcid\" }");
	/* Kea's derived TTL wins over the plugin's fixed one, with the plugin's floor. */
	assert_int_equal(ddns_config_client_ttl(cfg, &kea, 4000), 1000);
	assert_int_equal(ddns_config_client_ttl(cfg, &kea, 100), DDNS_TTL_FLOOR);
	kea.ttl_min = 10;
	assert_int_equal(ddns_config_client_ttl(cfg, &kea, 100), 25);
	kea.ttl_max = 500;
	assert_int_equal(ddns_config_client_ttl(cfg, &kea, 4000), 500);
	kea.ttl = 1234; /* Kea's fixed ddns-ttl beats everything */
	assert_int_equal(ddns_config_client_ttl(cfg, &kea, 4000), 1234);
	struct ddns_client_dns none = {0};
	assert_int_equal(ddns_config_client_ttl(cfg, &none, 4000), 77);
	assert_int_equal(ddns_config_client_mode(cfg, &none), DDNS_NO_CHECK_WITH_DHCID);
	none.conflict_mode = ddns_client_conflict_mode("check-exists-with-dhcid");
	assert_int_equal(ddns_config_client_mode(cfg, &none), DDNS_CHECK_EXISTS_WITH_DHCID);
	assert_int_equal(ddns_client_conflict_mode("no-such-mode"), 0);
	assert_int_equal(ddns_client_conflict_mode(""), 0);
	ddns_config_free(cfg);

	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"ttl\": 60, \"ttl-min\": 10 }",
	             "parameter 'ttl': a fixed TTL cannot be combined with ttl-percent");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"ttl-percent\": 1.5 }",
	             "parameter 'ttl-percent': must be a fraction of the lifetime above 0");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"ttl-min\": 600, \"ttl-max\": 60 }",
	             "parameter 'ttl-min': is larger than ttl-max");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"max-queue\": 0 }",
	             "parameter 'max-queue': must be a whole number from 1 to 10000000");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"log-summary-interval\": 90000 }",
	             "parameter 'log-summary-interval': must be a whole number of seconds from 0 "
	             "to 86400");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"conflict-resolution\": \"yes\" }",
	             "parameter 'conflict-resolution': unknown mode 'yes'");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"zones\": [ { \"name\": \"a.example\","
	             " \"ownership\": \"acl\" } ] }",
	             "parameter 'zones[0].ownership': unknown ownership 'acl' (use auto, dhcid, "
	             "txt or none)");
	assert_int_equal(ddns_config_parse("{ \"resolvers\": [\"127.0.0.2\"], \"zones\": ["
	                                   "  { \"name\": \"a.example\", \"ownership\": \"txt\" },"
	                                   "  { \"name\": \"b.example\" } ] }",
	                                   "/nonexistent", &cfg, err, sizeof(err)),
	                 DDNS_OK);
	assert_int_equal(cfg->zones[0].ownership, DDNS_OWNER_TXT);
	assert_int_equal(cfg->zones[1].ownership, DDNS_OWNER_AUTO);
	ddns_config_free(cfg);
}

/* Writes a keytab at path holding one (random) key for principal. */
static void write_keytab(const char *path, const char *principal)
{
	krb5_context ctx;
	assert_int_equal(krb5_init_context(&ctx), 0);
	char name[300];
	snprintf(name, sizeof(name), "FILE:%s", path);
	krb5_keytab kt;
	assert_int_equal(krb5_kt_resolve(ctx, name, &kt), 0);
	krb5_octet bytes[32] = {1, 2, 3};
	krb5_keytab_entry entry = {0};
	assert_int_equal(krb5_parse_name(ctx, principal, &entry.principal), 0);
	entry.vno = 1;
	entry.key.enctype = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
	entry.key.length = sizeof(bytes);
	entry.key.contents = bytes;
	assert_int_equal(krb5_kt_add_entry(ctx, kt, &entry), 0);
	krb5_free_principal(ctx, entry.principal);
	krb5_kt_close(ctx, kt);
	krb5_free_context(ctx);
}

static void gss_tsig(void **state)
{
	(void)state;
	char dir[] = "/tmp/ddns-gss-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char keytab[64], json[2048];
	snprintf(keytab, sizeof(keytab), "%s/dhcp.keytab", dir);
	write_keytab(keytab, "DHCP/kea.example.com@EXAMPLE.COM");
	const char *good = "{ \"state-dir\": \"/var/lib/x\", \"resolvers\": [\"127.0.0.2\"],"
	                   "  \"gss-tsig\": { \"keytab\": \"%s\", \"principal\": \"%s\" %s },"
	                   "  \"default-key\": \"gss-tsig\", \"zones\": [ %s ] }";
	snprintf(json, sizeof(json), good, keytab, "DHCP/kea.example.com@EXAMPLE.COM", "",
	         "{ \"name\": \"ad.example.com\", \"key\": \"GSS-TSIG\" }");
	struct ddns_config *cfg = parse_ok(json);
	assert_non_null(cfg->gss);
	assert_string_equal(cfg->gss->realm, "EXAMPLE.COM");
	assert_string_equal(cfg->gss->ccache, "/var/lib/x/krb5cc");
	assert_int_equal(cfg->gss->key_lifetime, 3600);
	assert_ptr_equal(cfg->default_key, &cfg->gss_key);
	assert_ptr_equal(cfg->zones[0].key, &cfg->gss_key);
	assert_true(cfg->gss_key.gss);
	ddns_config_free(cfg);
	snprintf(json, sizeof(json), good, keytab, "DHCP/kea.example.com@EXAMPLE.COM",
	         ", \"ccache\": \"/run/cc\", \"key-lifetime\": 600", "");
	cfg = parse_ok(json);
	assert_string_equal(cfg->gss->ccache, "/run/cc");
	assert_int_equal(cfg->gss->key_lifetime, 600);
	ddns_config_free(cfg);

	static const struct {
		const char *principal, *extra, *zones, *want;
	} bad[] = {
	    {"DHCP/other.example.com@EXAMPLE.COM", "", "",
	     "parameter 'gss-tsig.principal': keytab '"},
	    {"DHCP/kea.example.com", "", "", "parameter 'gss-tsig.principal': 'DHCP/kea"},
	    {"DHCP/kea.example.com@EXAMPLE.COM", ", \"key-lifetime\": 10", "",
	     "parameter 'gss-tsig.key-lifetime': must be a whole number of seconds from 60"},
	    {"DHCP/kea.example.com@EXAMPLE.COM", ", \"ccache\": \"cc\"", "",
	     "parameter 'gss-tsig.ccache': must be an absolute path"},
	    {"DHCP/kea.example.com@EXAMPLE.COM", ", \"realm\": \"X\"", "", "'gss-tsig.realm'"},
	    {"DHCP/kea.example.com@EXAMPLE.COM", "",
	     "{ \"name\": \"a.example.\", \"servers\": [\"127.0.0.3\"] }",
	     "parameter 'zones[0].servers': GSS-TSIG needs the servers' host names"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json), good, keytab, bad[i].principal, bad[i].extra,
		         bad[i].zones);
		expect_error(json, bad[i].want);
	}
	snprintf(json, sizeof(json), good, "/nonexistent/k.keytab",
	         "DHCP/kea.example.com@EXAMPLE.COM", "", "");
	expect_error(json, "parameter 'gss-tsig.keytab': cannot read '/nonexistent/k.keytab'");
	snprintf(json, sizeof(json), good, "/etc/hostname", "DHCP/kea.example.com@EXAMPLE.COM", "",
	         "");
	expect_error(json, "parameter 'gss-tsig.keytab': ");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"default-key\": \"gss-tsig\" }",
	             "parameter 'default-key': 'gss-tsig' needs the \"gss-tsig\" parameter block");
	expect_error("{ \"resolvers\": [\"127.0.0.2\"], \"tsig-keys\": [ { \"name\": "
	             "\"gss-tsig\", \"algorithm\": \"hmac-sha256\", \"secret\": \"" SECRET
	             "\" } ] }",
	             "parameter 'tsig-keys[0].name': 'gss-tsig' is reserved");
	unlink(keytab);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(full_example_is_accepted),
	    cmocka_unit_test(bare_secret_file_is_accepted),
	    cmocka_unit_test(resolvers_default_to_resolv_conf),
	    cmocka_unit_test(bad_parameters_are_named),
	    cmocka_unit_test(ttl_rule),
	    cmocka_unit_test(secret_file_readable_by_all_is_refused),
	    cmocka_unit_test(allowed_suffixes),
	    cmocka_unit_test(gss_tsig),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
