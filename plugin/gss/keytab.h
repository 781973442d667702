/* SPDX-License-Identifier: MPL-2.0 */
/* The load-time check of GSS-TSIG credentials, so that a bad keytab fails the config, not an
 * update an hour later. */
#ifndef DDNS_GSS_KEYTAB_H
#define DDNS_GSS_KEYTAB_H

#include <stddef.h>

/*
 * Checks that keytab is a readable keytab file holding a key for principal. Returns DDNS_OK, or
 * DDNS_ECONFIG with *field set to "keytab" or "principal" (the parameter at fault) and one
 * sentence in why. Reads nothing secret into why. Thread: any.
 */
int ddns_gss_check_keytab(const char *keytab, const char *principal, const char **field, char *why,
                          size_t whylen);

#endif
