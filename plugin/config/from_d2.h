/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Moving from Kea's DHCP-DDNS daemon (D2): reads a D2 configuration (kea-dhcp-ddns.conf: Kea's
 * JSON with comments and <?include?>) and writes the hooks-libraries entry that gives ddns-direct
 * the same keys and, where asked, the same servers. D2 lists every domain's servers by hand; the
 * plugin discovers them, so by default a domain becomes a zone entry only when it needs a key of
 * its own. Every D2 setting with no counterpart is named in a warning; none is dropped silently.
 */
#ifndef DDNS_CONFIG_FROM_D2_H
#define DDNS_CONFIG_FROM_D2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct ddns_d2_options {
	const char *library;     /* the library path the entry names */
	bool pin;                /* keep D2's servers as each zone's pinned update targets */
	bool show_secrets;       /* a secret written inline in D2 is written inline here too */
	const char *secrets_dir; /* else: such a secret is written to DIR/<key name>.key (0600) */
	/* Told each warning (a setting not carried over, a secret left to the operator). */
	void (*warn)(void *ctx, const char *line);
	void *ctx;
};

#define DDNS_D2_SERVERS_MAX 16
#define DDNS_D2_SERVER_TEXT 64

/* One of D2's domains with its servers, as a check against discovery needs it. */
struct ddns_d2_domain {
	const char *name; /* as D2 writes it */
	bool reverse;     /* from reverse-ddns */
	size_t n_servers;
	char servers[DDNS_D2_SERVERS_MAX][DDNS_D2_SERVER_TEXT]; /* "ip", "ip:port", "[ipv6]:port" */
};

/*
 * Calls each for every domain of the D2 configuration in path, forward domains first (d and its
 * strings are valid during the call). Returns as ddns_d2_convert; no warnings. Thread: any.
 */
int ddns_d2_domains(const char *path, void (*each)(void *ctx, const struct ddns_d2_domain *d),
                    void *ctx, char *err, size_t errlen);

/*
 * Converts the D2 configuration in file path and writes the hooks-libraries entry (a JSON object)
 * to out. A secret that D2 had inline is never written to out unless opt->show_secrets; with
 * opt->secrets_dir it goes to a new file there, else the entry names a file the operator must
 * create (a warning says which). Returns DDNS_OK, DDNS_EIO (a file cannot be read or written) or
 * DDNS_EINVAL (not a D2 configuration, or a value of the wrong type), with a message naming the
 * file and the setting in err. Thread: any.
 */
int ddns_d2_convert(const char *path, const struct ddns_d2_options *opt, FILE *out, char *err,
                    size_t errlen);

#endif
