/* SPDX-License-Identifier: MPL-2.0 */
/*
 * ddns-direct-probe: shows an operator, step by step, where the plugin would send updates for a
 * name and why, using the same discovery code and the same parameters as the plugin; with
 * --update-test it also proves the path by adding and removing a TXT record. On failure it names
 * the failing step and the likely cause in one sentence. Exit status 0 only on success.
 */
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "config/from_d2.h"
#include "ddns/error.h"
#include "discovery/locate.h"
#include "engine/send.h"
#include "gss/mech.h"
#include "probe/d2_check.h"
#include "probe/dhcp_config.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/log.h"
#include "util/name.h"

#define TIMEOUT_MS    2000
#define MAX_RESOLVERS 8

static int step;

static void print_step(void *ctx, enum ddns_log_level level, const char *id, const char *line)
{
	(void)ctx;
	(void)level;
	printf("  %2d. %s\n", ++step, line);
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: ddns-direct-probe NAME [--resolver ADDR]... [--config KEA.json] "
	    "[--update-test]\n"
	    "       ddns-direct-probe --from-d2 D2.conf [--pin] [--secrets-dir DIR | "
	    "--show-secrets]\n"
	    "                         [--dhcp-config KEA.conf]\n"
	    "       ddns-direct-probe --from-d2 D2.conf --check [--resolver ADDR]... "
	    "[--config KEA.json]\n"
	    "                         [--dhcp-config KEA.conf]\n"
	    "  NAME           the host name whose updates you want to trace\n"
	    "  --resolver     a recursive resolver to use (repeatable; default: from the\n"
	    "                 configuration, else /etc/resolv.conf)\n"
	    "  --config       a Kea configuration file; the ddns-direct hook parameters in it are\n"
	    "                 used (resolvers, keys, zones)\n"
	    "  --update-test  add, then remove, a TXT record at _ddns-direct-probe.NAME, signed\n"
	    "                 with the zone's key, to prove updates reach the primary\n"
	    "  --from-d2      print the hooks-libraries entry that does the job of this Kea\n"
	    "                 DHCP-DDNS (D2) configuration: its keys, each domain's own key;\n"
	    "                 warnings name every setting not carried over\n"
	    "  --pin          keep D2's servers as each zone's update targets (default: "
	    "discovery)\n"
	    "  --check        run discovery for each D2 domain and show D2's servers beside\n"
	    "                 what it finds, each disagreement flagged (exit status 1 if any)\n"
	    "  --dhcp-config  the DHCP server's Kea configuration: the changes it needs are\n"
	    "                 printed as comments above the entry; --check also flags pools no\n"
	    "                 D2 reverse domain covers\n"
	    "  --secrets-dir  write secrets D2 has inline to DIR/<key>.key (mode 0600)\n"
	    "  --show-secrets print secrets D2 has inline in the entry (default: never printed)\n");
}

static int load_config(const char *path, struct ddns_config **cfg)
{
	char err[512];
	struct ddns_dhcp_config kea = {0};
	struct json *empty = NULL;
	const struct json *params = NULL;
	if (path != NULL) {
		if (!ddns_dhcp_config_read(path, &kea))
			return 2;
		params =
		    json_get(ddns_dhcp_config_library(kea.server, "ddns_direct"), "parameters");
		if (params == NULL) {
			fprintf(stderr,
			        "ddns-direct-probe: %s has no hooks-libraries entry for "
			        "libdhcp_ddns_direct.so with parameters\n",
			        path);
			ddns_dhcp_config_free(&kea);
			return 2;
		}
	} else {
		json_parse("{}", 2, &empty, err, sizeof(err));
		params = empty;
	}
	int rc = ddns_config_from_json(params, "/etc/resolv.conf", cfg, err, sizeof(err));
	ddns_dhcp_config_free(&kea);
	json_free(empty);
	if (rc != DDNS_OK) {
		fprintf(stderr, "ddns-direct-probe: %s\n", err);
		return 2;
	}
	return 0;
}

static const char *discovery_cause(int err)
{
	switch (err) {
	case DDNS_ENOZONE:
		return "no SOA for the name or any of its parents came back: the name is in no "
		       "zone "
		       "the resolvers can see (check the spelling, or the resolvers' view).";
	case DDNS_ETIMEOUT:
	case DDNS_ENETWORK:
		return "no resolver answered: check the resolver addresses and that they allow "
		       "recursive queries from this host.";
	case DDNS_EREFUSED:
		return "the resolvers refused the query: they do not offer recursion to this host.";
	case DDNS_ESERVFAIL:
		return "the resolvers answered SERVFAIL: they cannot reach the zone's servers, or "
		       "the zone is broken (lame delegation, DNSSEC failure).";
	case DDNS_ENOTARGET:
		return "neither the zone's MNAME nor any of its NS host names has an address the "
		       "resolvers can find.";
	case DDNS_EEXCLUDED:
		return "the configuration excludes this zone (\"update\": false).";
	default:
		return ddns_strerror(err);
	}
}

static const char *update_cause(const struct ddns_send_attempt *a)
{
	switch (a->error) {
	case DDNS_EREFUSED:
		return "the server refused the update: the key is not allowed to update this zone "
		       "(allow-update / update-policy), the server is a secondary, or (Active "
		       "Directory, secure-only zones) the name's records belong to another "
		       "account.";
	case DDNS_ETSIG:
		return a->info.tsig_error == 18
		           ? "the server rejected the signature's time: the clocks differ by "
		             "more than 5 minutes."
		           : "the server did not accept the key: check its name, algorithm and "
		             "secret on both sides.";
	case DDNS_ESERVFAIL:
		return "the server failed the update: Active Directory (Samba 4.17) answers so "
		       "when the name's records belong to another account (secure-only zones); "
		       "otherwise see the server's log.";
	case DDNS_ENOTAUTH:
	case DDNS_ENOTZONE:
		return "the target is not authoritative for the zone: its MNAME or NS records are "
		       "out of date.";
	case DDNS_ETIMEOUT:
	case DDNS_ENETWORK:
		return "the target did not answer: a firewall may block port 53 (UDP and TCP).";
	default:
		return a->why;
	}
}

struct test_ctx {
	const char *what;                   /* "add" or "remove" */
	struct ddns_send_attempt last;      /* the last attempt, for the diagnosis */
	const struct ddns_target *last_tgt; /* its target */
};

static void on_attempt(void *arg, const struct ddns_send_attempt *a)
{
	struct test_ctx *c = arg;
	printf("  %2d. update test, %s: server %s (%s)%s: %s in %ld ms\n", ++step, c->what,
	       a->target->name, a->target->addr.text, a->info.tcp ? " over TCP" : "",
	       a->error == DDNS_OK ? "success" : a->why, a->ms);
	c->last = *a;
	c->last_tgt = a->target;
}

static bool update_test(const struct ddns_sender *sender, const struct ddns_target_set *ts,
                        const char *name)
{
	static const char prefix[] = "_ddns-direct-probe.";
	struct ddns_change change = {.op = DDNS_CHANGE_ADD, .type = LDNS_RR_TYPE_TXT, .ttl = 60};
	size_t len = strlen(name);
	if (sizeof(prefix) + len > 254) {
		printf(
		    "FAILED at the update test: %s is too long to have the test record below it.\n",
		    name);
		return false;
	}
	memcpy(change.owner, prefix, sizeof(prefix) - 1);
	memcpy(change.owner + sizeof(prefix) - 1, name, len + 1);
	snprintf(change.rdata, sizeof(change.rdata), "\"ddns-direct probe %ld\"",
	         (long)ddns_clock_wall_s());
	struct test_ctx ctx = {.what = "add TXT"};
	int answer;
	enum ddns_send_result r = ddns_send_change(sender, ts, &change, on_attempt, &ctx, &answer);
	if (r == DDNS_SEND_APPLIED) {
		/* Remove it where it was added: the target that just accepted it comes first. */
		struct ddns_target_set again = *ts;
		again.targets[0] = *ctx.last_tgt;
		again.n_targets = 1;
		change.op = DDNS_CHANGE_REMOVE;
		ctx.what = "remove TXT";
		r = ddns_send_change(sender, &again, &change, on_attempt, &ctx, &answer);
		if (r == DDNS_SEND_APPLIED)
			return true;
	}
	printf("FAILED at the update test (%s at %s): %s\n", ctx.what,
	       ctx.last_tgt != NULL ? ctx.last_tgt->addr.text : "no target",
	       ctx.last_tgt != NULL ? update_cause(&ctx.last) : "no target to try.");
	return false;
}

/* The update test with the key store GSS-TSIG needs when the config has a "gss-tsig" block. */
static bool probe_update(const struct ddns_config *cfg, const struct ddns_target_set *ts,
                         const char *name)
{
	struct ddns_sender sender = {&ddns_socket_transport, NULL, TIMEOUT_MS, NULL};
	struct ddns_gss_mech *mech = NULL;
	if (cfg->gss != NULL) {
		mech = ddns_gss_kerberos_new(cfg->gss);
		sender.gss = mech != NULL
		                 ? ddns_gss_new(mech, cfg->gss->realm, cfg->gss->key_lifetime)
		                 : NULL;
	}
	bool ok = update_test(&sender, ts, name);
	ddns_gss_free(sender.gss);
	ddns_gss_kerberos_free(mech);
	return ok;
}

static void print_warning(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "warning: %s\n", line);
}

/* --from-d2: the entry on stdout (below the DHCP server's changes, given its configuration),
 * warnings on stderr. */
static int from_d2(const char *path, struct ddns_d2_options *opt,
                   const struct ddns_dhcp_config *dhcp, const char *dhcp_path)
{
	char library[PATH_MAX] = "libdhcp_ddns_direct.so";
	glob_t dirs;
	if (glob("/usr/lib/*/kea/hooks", GLOB_ONLYDIR, NULL, &dirs) == 0) {
		snprintf(library, sizeof(library), "%s/libdhcp_ddns_direct.so", dirs.gl_pathv[0]);
		globfree(&dirs);
	}
	opt->library = library;
	opt->warn = print_warning;
	char err[512], *entry = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&entry, &len);
	int rc = mem != NULL ? ddns_d2_convert(path, opt, mem, err, sizeof(err)) : DDNS_ENOMEM;
	if (mem != NULL)
		fclose(mem);
	if (rc != DDNS_OK) {
		fprintf(stderr, "ddns-direct-probe: %s\n", mem != NULL ? err : "out of memory");
		free(entry);
		return 1;
	}
	if (dhcp != NULL)
		ddns_dhcp_config_changes(dhcp, dhcp_path, stdout);
	fwrite(entry, 1, len, stdout);
	explicit_bzero(entry, len); /* it holds a secret with --show-secrets */
	free(entry);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {{"resolver", required_argument, NULL, 'r'},
	                                        {"config", required_argument, NULL, 'c'},
	                                        {"update-test", no_argument, NULL, 'u'},
	                                        {"from-d2", required_argument, NULL, 'd'},
	                                        {"pin", no_argument, NULL, 'p'},
	                                        {"secrets-dir", required_argument, NULL, 's'},
	                                        {"show-secrets", no_argument, NULL, 'S'},
	                                        {"check", no_argument, NULL, 'C'},
	                                        {"dhcp-config", required_argument, NULL, 'D'},
	                                        {"help", no_argument, NULL, 'h'},
	                                        {NULL, 0, NULL, 0}};
	const char *config = NULL;
	const char *resolvers[MAX_RESOLVERS];
	size_t n_resolvers = 0;
	bool test = false;
	const char *d2 = NULL;
	bool check = false;
	const char *dhcp_path = NULL;
	struct ddns_d2_options d2_opt = {0};
	int opt;
	while ((opt = getopt_long(argc, argv, "r:c:uhd:ps:SCD:", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (n_resolvers == MAX_RESOLVERS) {
				fprintf(stderr, "ddns-direct-probe: at most %d resolvers\n",
				        MAX_RESOLVERS);
				return 2;
			}
			resolvers[n_resolvers++] = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'u':
			test = true;
			break;
		case 'd':
			d2 = optarg;
			break;
		case 'p':
			d2_opt.pin = true;
			break;
		case 's':
			d2_opt.secrets_dir = optarg;
			break;
		case 'S':
			d2_opt.show_secrets = true;
			break;
		case 'C':
			check = true;
			break;
		case 'D':
			dhcp_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	struct ddns_dhcp_config dhcp = {0};
	if (dhcp_path != NULL && (d2 == NULL || !ddns_dhcp_config_read(dhcp_path, &dhcp)))
		return 2;
	if (d2 != NULL && optind == argc && !check) {
		int status = from_d2(d2, &d2_opt, dhcp_path != NULL ? &dhcp : NULL, dhcp_path);
		ddns_dhcp_config_free(&dhcp);
		return status;
	}
	bool check_d2 = d2 != NULL && check && optind == argc;
	if (!check_d2 && (optind != argc - 1 || d2 != NULL || check)) {
		usage(stderr);
		return 2;
	}
	char name[DDNS_NAME_MAX];
	const char *why;
	if (!check_d2 && ddns_name_normalize(argv[optind], NAME_SERVICE, false, name, &why) != 0) {
		fprintf(stderr, "ddns-direct-probe: '%s' is not a valid name: %s\n", argv[optind],
		        why);
		return 2;
	}
	struct ddns_config *cfg = NULL;
	int rc = load_config(config, &cfg);
	if (rc != 0)
		return rc;
	if (n_resolvers > 0) {
		struct ddns_addr *addrs = calloc(n_resolvers, sizeof(*addrs));
		for (size_t i = 0; addrs != NULL && i < n_resolvers; i++) {
			if (ddns_addr_parse(resolvers[i], 53, &addrs[i]) != 0) {
				fprintf(stderr, "ddns-direct-probe: '%s' is not an address\n",
				        resolvers[i]);
				free(addrs);
				ddns_config_free(cfg);
				return 2;
			}
		}
		free(cfg->resolvers);
		cfg->resolvers = addrs;
		cfg->n_resolvers = addrs != NULL ? n_resolvers : 0;
	}
	if (check_d2) {
		rc = ddns_d2_check(d2, cfg, dhcp_path != NULL ? &dhcp : NULL, stdout);
		ddns_dhcp_config_free(&dhcp);
		ddns_config_free(cfg);
		return rc;
	}

	printf("Where do updates for %s go?\n  resolvers:", name);
	for (size_t i = 0; i < cfg->n_resolvers; i++)
		printf(" %s", cfg->resolvers[i].text);
	printf("\n");
	ddns_log_set_sink(print_step, NULL);
	struct ddns_locator *loc = ddns_locator_new(cfg, &ddns_socket_transport, TIMEOUT_MS);
	struct ddns_target_set ts;
	rc = loc != NULL ? ddns_locate(loc, name, false, &ts) : DDNS_ENOMEM;
	bool ok = rc == DDNS_OK;
	if (!ok) {
		printf("FAILED at discovery (%s): %s\n", ddns_strerror(rc), discovery_cause(rc));
	} else {
		printf("zone:    %s%s\n", ts.zone,
		       ts.discovered ? "" : " (servers pinned in zones)");
		if (ts.key != NULL)
			printf("key:     %s (%s)\n", ts.key->name, ts.key->algorithm);
		else
			printf("key:     none: updates are sent unsigned\n");
		for (size_t i = 0; i < ts.n_targets; i++)
			printf("%s %zu. %s %s\n", i == 0 ? "targets:" : "        ", i + 1,
			       ts.targets[i].name, ts.targets[i].addr.text);
		if (test)
			ok = probe_update(cfg, &ts, name);
	}
	if (ok)
		printf("OK\n");
	ddns_locator_free(loc);
	ddns_config_free(cfg);
	return ok ? 0 : 1;
}
